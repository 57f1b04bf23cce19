"""Design models: paper-grouped vs random-split cross-validation, baseline vs hybrid vs GP, on DiMag SAR, r1, r2.

For each target: R² of log10(target) over 5 repeats of 5-fold CV with folds grouped by paper (DOI; the score
FerroKit reports) and over 5 repeats of random 5-fold CV (the score most published models report), for the
plain-descriptor baseline and the hybrid model (plain + FerroKit physics features), gradient boosting with the
tree depth tuned inside each training fold (nested grouped CV) and, for contrast, fixed at depth 1 and 3 (the
earlier default); the paper-aware boosted stumps with physics monotone constraints (``model="pgb"``,
:mod:`ferrokit.design.paper_boost`) with the same folds and their per-repeat difference to the baseline
(paired); for SAR also ``model="pgbc"`` (pgb averaged over φ = 0.1, 0.2, 0.3, fitted to the loss per field
cycle log10(SAR/f), monotone in H) with its paired difference to pgb and gb, and a confirmation of pgbc − pgb
on 10 fresh fold draws (``rng=1``) because pgbc was chosen after looking at the ``rng=0`` folds; ``model="pgbh"``
(the SAR default: φ 0.15…0.35, all rows per stage, on log10(SAR/(fH))) on the same folds and, paired against
pgbc, on 10 fresh fold draws ``rng=7`` (where it was chosen) and ``rng=11`` (its confirmation); plus the GP
with a physics prior mean (grouped, same folds), and the empirical coverage of
the 90 % intervals (cross-conformal for boosting; normalised cross-conformal and raw Gaussian for the GP)
on grouped folds. Contrast (SCIENCE.md §8, a plain tree model): R²(log) SAR 0.92 random vs 0.16 grouped;
r1 0.80 vs 0.39; r2 0.76 vs 0.39.

``ceiling``: how high the grouped R² can go with these descriptors (:mod:`ferrokit.design.ceiling`):
variance components of log10 y and of the repeat-averaged grouped out-of-fold residuals of gb and pgb, the
score if each paper's offset were known, a leave-one-paper-out test of whether the residual paper offsets
are predictable from paper-mean descriptors, an in-sample additive-model + paper-random-intercept bound, and
matched cross-paper pairs (docs/design.md explains each).

Writes benchmarks/results/design.json (after each target); ``--target sar`` (repeatable) reruns only the named
target(s) and keeps the other entries of an existing file. Runs in 6–12 minutes per target on a shared,
busy 2-core machine (the GP and the nested depth tuning dominate); ``--ceiling`` recomputes only the
ceiling section of an existing file (about 3 minutes).
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import numpy as np

import ferrokit
from ferrokit._shared.rng import as_rng
from ferrokit.design import TARGETS, TunedBoosting, compute_features, cross_validate, grouped_folds, load_dimag
from ferrokit.design.ceiling import matched_pairs, variance_components
from ferrokit.design.paper_boost import PaperStumpBoosting, monotone_columns
from ferrokit.io.atomic import write_json_atomic

RESULTS = Path(__file__).resolve().parent / "results"
REPEATS = 5
FOLDS = 5
GOALS = {"sar": 0.5, "r2": 0.6}  # issue 8: grouped R²(log) goals


def _oof_mean(table, model: str) -> np.ndarray:
    """Grouped out-of-fold log10 predictions of a baseline-feature model, averaged over the REPEATS fold draws
    (the same seeds as cross_validate(rng=0)); averaging reduces the fold-to-fold model variance."""
    fm = compute_features(table, "baseline")
    x, y, g = fm.values, np.log10(table.y), table.groups
    r = as_rng(0)
    preds = []
    for _ in range(REPEATS):
        seed = int(r.integers(2**31 - 1))
        folds = grouped_folds(g, FOLDS, seed)
        p = np.empty_like(y)
        for k in range(FOLDS):
            te = folds == k
            if model == "pgb":
                est = PaperStumpBoosting(150, seed, monotone=monotone_columns(fm.names, table.target))
                p[te] = est.fit(x[~te], y[~te], g[~te]).predict(x[te])
            else:
                xs = np.where(np.isfinite(x), x, -1e3)
                p[te] = TunedBoosting(150, seed).fit(xs[~te], y[~te], g[~te]).predict(xs[te])
        preds.append(p)
    return np.mean(preds, axis=0)


def _mixed_bound(table) -> dict:
    """In-sample additive model + paper random intercept on ALL rows (an optimistic bound, see docs/design.md):
    alternate fitting f (paper-aware stumps, φ tuned) to y − b and the BLUP b = shrunk paper-mean residual."""
    fm = compute_features(table, "baseline")
    y, g = np.log10(table.y), table.groups.astype(str)
    _, inv = np.unique(g, return_inverse=True)
    b = np.zeros_like(y)
    for _ in range(6):
        f = PaperStumpBoosting(150, 0, monotone=monotone_columns(fm.names, table.target)).fit(fm.values, y - b, g)
        res = y - f.predict(fm.values)
        vc = variance_components(res, g)
        cnt = np.bincount(inv)
        b = (np.bincount(inv, res) / cnt * vc.between / (vc.between + vc.within / cnt))[inv]
    return {"between_variance": vc.between, "within_variance": vc.within,
            "r2_bound": float(1 - (vc.between + vc.within) / np.var(y)), "paper_fraction": f.paper_fraction_}


def _offset_predictability(table, res: np.ndarray) -> dict:
    """Leave-one-paper-out ridge regression of each paper's mean residual on its mean descriptors: how much
    of the between-paper offset the recorded descriptors still predict (R² over rows; ≤ 0: nothing)."""
    fm = compute_features(table, "baseline")
    g = table.groups.astype(str)
    uniq, inv = np.unique(g, return_inverse=True)
    cnt = np.bincount(inv)
    x = np.where(np.isfinite(fm.values), fm.values, np.nanmedian(fm.values, axis=0))
    xp = np.array([x[inv == k].mean(axis=0) for k in range(uniq.size)])
    rp = np.bincount(inv, res) / cnt
    out = {}
    for lam in (1.0, 10.0, 100.0):
        pred = np.empty(uniq.size)
        for k in range(uniq.size):
            tr = np.arange(uniq.size) != k
            mu, sd = xp[tr].mean(axis=0), xp[tr].std(axis=0) + 1e-12
            z = (xp[tr] - mu) / sd
            w = cnt[tr].astype(float)
            zc, rc = z - np.average(z, axis=0, weights=w), rp[tr] - np.average(rp[tr], weights=w)
            beta = np.linalg.solve(zc.T @ (w[:, None] * zc) + lam * np.eye(z.shape[1]), zc.T @ (w * rc))
            pred[k] = np.average(rp[tr], weights=w) + ((xp[k] - mu) / sd - np.average(z, axis=0, weights=w)) @ beta
        out[f"ridge_lambda_{lam:g}"] = float(1 - np.sum(cnt * (rp - pred) ** 2) / np.sum(cnt * (rp - np.average(
            rp, weights=cnt)) ** 2))
    return out


def ceiling(target: str) -> dict:
    """Achievable grouped R²(log10): variance components and matched cross-paper pairs (docs/design.md)."""
    table = load_dimag(target)
    y = np.log10(table.y)
    out: dict = {"variance_components_log10_y": variance_components(y, table.groups).to_dict(), "models": {},
                 "in_sample_mixed_model_bound": _mixed_bound(table)}
    for model in ("gb", "pgb"):
        res = y - _oof_mean(table, model)
        vc = variance_components(res, table.groups)
        entry = {"r2_of_repeat_averaged_oof": float(1 - np.mean(res**2) / np.var(y)),
                 "variance_components_residual": vc.to_dict(),
                 "r2_if_paper_offset_known": float(1 - vc.within / np.var(y)),
                 "offset_predictability_lopo": _offset_predictability(table, res),
                 "matched_pairs": {}}
        for tol in (0.1, 0.2, 0.3):
            entry["matched_pairs"][f"{tol:g}"] = matched_pairs(table, res, tolerance=tol, rng=0).to_dict()
        out["models"][model] = entry
    return out


def _paired(a: dict, b: dict) -> dict:
    d = np.array(a["r2_log_per_repeat"]) - np.array(b["r2_log_per_repeat"])
    return {"per_repeat": d.tolist(), "mean": float(d.mean()), "std": float(d.std(ddof=1)),
            "positive_repeats": int((d > 0).sum())}


def main(targets: tuple[str, ...] | None = None) -> dict:
    out: dict = {"ferrokit_version": ferrokit.__version__, "python": platform.python_version(),
                 "repeats": REPEATS, "folds": FOLDS, "target_transform": "log10", "alpha": 0.1, "targets": {}}
    if targets:  # rerun only these targets, keep the others' entries
        old = json.loads((RESULTS / "design.json").read_text())
        out["targets"] = {t: old["targets"][t] for t in sorted(old["targets"], key=lambda t: t not in GOALS)}
    for target in targets or sorted(TARGETS, key=lambda t: t not in GOALS):  # the goal targets first
        t0 = time.perf_counter()
        table = load_dimag(target)
        entry: dict = {"rows": len(table), "papers": len(set(table.text["doi"])), "rejected": len(table.rejected),
                       "scores": {}}
        for fs in ("baseline", "hybrid"):
            x = compute_features(table, fs).values
            for split in ("grouped", "random"):
                s = cross_validate(table, feature_set=fs, split=split, n_splits=FOLDS, repeats=REPEATS, rng=0,
                                   features=x)
                entry["scores"][f"{fs}_{split}"] = s.to_dict()
            for depth in (1, 3):  # fixed depths for contrast (3: the earlier default; 1: additive)
                s = cross_validate(table, feature_set=fs, n_splits=FOLDS, repeats=REPEATS, rng=0, features=x,
                                   max_depth=depth)
                entry["scores"][f"{fs}_grouped_depth{depth}"] = s.to_dict()
            for split in ("grouped", "random"):  # paper-aware stumps, monotone in the physics inputs; same folds
                s = cross_validate(table, feature_set=fs, split=split, n_splits=FOLDS, repeats=REPEATS, rng=0,
                                   features=x, model="pgb")
                entry["scores"][f"pgb_{fs}_{split}"] = s.to_dict()
            d = (np.array(entry["scores"][f"pgb_{fs}_grouped"]["r2_log_per_repeat"])
                 - np.array(entry["scores"][f"{fs}_grouped"]["r2_log_per_repeat"]))
            entry[f"pgb_minus_gb_{fs}_grouped"] = {"per_repeat": d.tolist(), "mean": float(d.mean()),
                                                   "std": float(d.std(ddof=1))}
        if target == "sar":  # φ-averaged stumps on the loss per cycle, baseline features, same folds
            x = compute_features(table, "baseline").values
            for split in ("grouped", "random"):
                s = cross_validate(table, feature_set="baseline", split=split, n_splits=FOLDS, repeats=REPEATS,
                                   rng=0, features=x, model="pgbc")
                entry["scores"][f"pgbc_baseline_{split}"] = s.to_dict()
            sc = entry["scores"]
            entry["pgbc_minus_pgb_baseline_grouped"] = _paired(sc["pgbc_baseline_grouped"], sc["pgb_baseline_grouped"])
            entry["pgbc_minus_gb_baseline_grouped"] = _paired(sc["pgbc_baseline_grouped"], sc["baseline_grouped"])
            fresh = {m: cross_validate(table, feature_set="baseline", n_splits=FOLDS, repeats=2 * REPEATS, rng=1,
                                       features=x, model=m).to_dict() for m in ("pgb", "pgbc")}
            entry["pgbc_confirmation_rng1"] = {"pgb": fresh["pgb"], "pgbc": fresh["pgbc"],
                                               "pgbc_minus_pgb": _paired(fresh["pgbc"], fresh["pgb"])}
            # pgbh (loss per cycle per unit amplitude, φ 0.15…0.35, all rows per stage): chosen on fresh folds
            # rng=7 and confirmed on fresh folds rng=11, paired against pgbc on the same folds (docs/design.md)
            for split in ("grouped", "random"):
                s = cross_validate(table, feature_set="baseline", split=split, n_splits=FOLDS, repeats=REPEATS,
                                   rng=0, features=x, model="pgbh")
                sc[f"pgbh_baseline_{split}"] = s.to_dict()
            gh = sc["pgbh_baseline_grouped"]
            entry["pgbh_minus_pgbc_baseline_grouped"] = _paired(gh, sc["pgbc_baseline_grouped"])
            entry["pgbh_minus_pgb_baseline_grouped"] = _paired(gh, sc["pgb_baseline_grouped"])
            entry["pgbh_minus_gb_baseline_grouped"] = _paired(gh, sc["baseline_grouped"])
            for r in (7, 11):
                fresh = {m: cross_validate(table, feature_set="baseline", n_splits=FOLDS, repeats=2 * REPEATS, rng=r,
                                           features=x, model=m).to_dict() for m in ("pgbc", "pgbh")}
                entry[f"pgbh_fresh_rng{r}"] = {"pgbc": fresh["pgbc"], "pgbh": fresh["pgbh"],
                                               "pgbh_minus_pgbc": _paired(fresh["pgbh"], fresh["pgbc"])}
        s = cross_validate(table, model="gp", n_splits=FOLDS, repeats=REPEATS, rng=0)
        entry["scores"]["gp_grouped"] = s.to_dict()
        if target in GOALS:
            got = max(v["r2_log_mean"] for k, v in entry["scores"].items()
                      if k.endswith("grouped") and "depth" not in k)
            entry["goal_grouped_r2_log"] = GOALS[target]
            entry["goal_met"] = bool(got >= GOALS[target])
        entry["ceiling"] = ceiling(target)
        entry["seconds"] = time.perf_counter() - t0
        out["targets"][target] = entry
        RESULTS.mkdir(exist_ok=True)
        write_json_atomic(RESULTS / "design.json", out)  # after each target: partial results survive
        print(target, json.dumps({k: (round(v["r2_log_mean"], 3), round(v["r2_log_std"], 3))
                                  for k, v in entry["scores"].items()}), flush=True)
    RESULTS.mkdir(exist_ok=True)
    write_json_atomic(RESULTS / "design.json", out)
    return out


def ceiling_only() -> None:
    """Recompute only the ceiling section of an existing design.json (``python bench_design.py --ceiling``)."""
    path = RESULTS / "design.json"
    out = json.loads(path.read_text())
    for target in out["targets"]:
        out["targets"][target]["ceiling"] = ceiling(target)
        print(target, json.dumps(out["targets"][target]["ceiling"], indent=1), flush=True)
    write_json_atomic(path, out)


if __name__ == "__main__":
    import sys

    args = sys.argv[1:]
    if "--ceiling" in args:
        ceiling_only()
    else:
        main(tuple(args[i + 1] for i, a in enumerate(args) if a == "--target") or None)
