"""Design models: paper-grouped vs random-split cross-validation, baseline vs hybrid vs GP, on DiMag SAR, r1, r2.

For each target: R² of log10(target) over 5 repeats of 5-fold CV with folds grouped by paper (DOI; the score
FerroKit reports) and over 5 repeats of random 5-fold CV (the score most published models report), for the
plain-descriptor baseline and the hybrid model (plain + FerroKit physics features), gradient boosting with the
tree depth tuned inside each training fold (nested grouped CV) and, for contrast, fixed at depth 1 and 3 (the
earlier default); plus the GP with a physics prior mean (grouped, same folds), and the empirical coverage of
the 90 % intervals (cross-conformal for boosting; normalised cross-conformal and raw Gaussian for the GP)
on grouped folds. Contrast (SCIENCE.md §8, a plain tree model): R²(log) SAR 0.92 random vs 0.16 grouped;
r1 0.80 vs 0.39; r2 0.76 vs 0.39.

Writes benchmarks/results/design.json (after each target). Runs in about 2–3 minutes per target on a
shared 2-core machine.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import ferrokit
from ferrokit.design import TARGETS, compute_features, cross_validate, load_dimag
from ferrokit.io.atomic import write_json_atomic

RESULTS = Path(__file__).resolve().parent / "results"
REPEATS = 5
FOLDS = 5
GOALS = {"sar": 0.5, "r2": 0.6}  # issue 8: grouped R²(log) goals


def main() -> dict:
    out: dict = {"ferrokit_version": ferrokit.__version__, "python": platform.python_version(),
                 "repeats": REPEATS, "folds": FOLDS, "target_transform": "log10", "alpha": 0.1, "targets": {}}
    for target in sorted(TARGETS, key=lambda t: t not in GOALS):  # the goal targets first
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
        s = cross_validate(table, model="gp", n_splits=FOLDS, repeats=REPEATS, rng=0)
        entry["scores"]["gp_grouped"] = s.to_dict()
        if target in GOALS:
            got = max(entry["scores"][k]["r2_log_mean"] for k in ("baseline_grouped", "hybrid_grouped", "gp_grouped"))
            entry["goal_grouped_r2_log"] = GOALS[target]
            entry["goal_met"] = bool(got >= GOALS[target])
        entry["seconds"] = time.perf_counter() - t0
        out["targets"][target] = entry
        RESULTS.mkdir(exist_ok=True)
        write_json_atomic(RESULTS / "design.json", out)  # after each target: partial results survive
        print(target, json.dumps({k: (round(v["r2_log_mean"], 3), round(v["r2_log_std"], 3))
                                  for k, v in entry["scores"].items()}), flush=True)
    RESULTS.mkdir(exist_ok=True)
    write_json_atomic(RESULTS / "design.json", out)
    return out


if __name__ == "__main__":
    main()
