"""Design models: gradient boosting on log10(target) (depth tuned by nested grouped CV) and paper-aware boosted
stumps with physics monotone constraints (:mod:`ferrokit.design.paper_boost`; the default for r1; for SAR the
default is their φ-averaged variant on the loss per cycle and unit amplitude, log10(SAR/(fH)), model "pgbh";
"pgbc" is the same on log10(SAR/f)), with
split-conformal intervals on paper-grouped folds, a Gaussian process on the physics residual
(:mod:`ferrokit.design.gp`), cross-validation grouped by paper (DOI), and model files with version and provenance.

Why grouped: rows of one paper share a lab, a synthesis route, a calorimeter or relaxometer and a reporting
convention (SAR per g Fe or per g oxide); a random row split puts siblings of a test row in the training set
and measures interpolation inside papers, not prediction for a new particle (SCIENCE.md §8: plain tree model
R²(log SAR) 0.92 random vs 0.16 grouped). Every score this module reports as *the* score is grouped.

Intervals (cross-conformal, "CV+"-style simplification): out-of-fold absolute residuals of log10(target) from
K folds grouped by paper give the quantile :math:`q = |r|_{(\\lceil (n+1)(1-\\alpha)\\rceil)}`; the interval of a
new row is :math:`10^{\\hat y \\pm q}`. Coverage is ≈ 1 − α for a new *paper* drawn like the training papers
(Vovk 2015, "Cross-conformal predictors", Ann Math Artif Intell 74:9, doi:10.1007/s10472-013-9368-4
[seen-secondary]; Barber et al. 2021, Ann Stat 49:486, doi:10.1214/20-AOS1965 [seen-secondary]).
"""

from __future__ import annotations

import hashlib
import math
import pickle
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ferrokit import __version__
from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.validation import FerroKitInputError, check_choice, check_range
from ferrokit.design.datasets import DesignTable
from ferrokit.design.features import FEATURE_SETS, PHYSICS_ASSUMPTIONS, compute_features
from ferrokit.design.gp import GPResidualModel, TunedBoosting, norm_z
from ferrokit.design.paper_boost import (
    PAPER_FRACTION_AVERAGE,
    PAPER_FRACTION_AVERAGE_WIDE,
    PaperStumpBoosting,
    monotone_columns,
    offset_columns,
)
from ferrokit.io.atomic import write_bytes_atomic

__all__ = ["DEFAULT_MODEL", "MODELS", "CVScore", "Evaluation", "Prediction", "TrainedModel", "conformal_quantile",
           "cross_validate", "default_model", "evaluate", "grouped_folds", "load_model", "save_model", "train_model"]

_MISSING = -1e3  # missing feature → a value below every real feature (trees split it off)
_FORMAT = "ferrokit-design-model/1"


#: Model kinds: gradient boosting (depth tuned by nested grouped CV), a GP on the physics residual, or
#: paper-aware boosted stumps with physics monotone constraints (:mod:`ferrokit.design.paper_boost`), or (SAR
#: only) their average over φ ∈ {0.1, 0.2, 0.3} fitted to the loss per field cycle log10(SAR/f) ("pgbc"), or
#: their average over φ ∈ {0.15, …, 0.35}, all rows per stage, fitted to log10(SAR/(fH)) ("pgbh").
SAR_ONLY_MODELS: tuple[str, ...] = ("pgbc", "pgbh")  # fitted to the loss per field cycle: SAR only
PAPER_MODELS: tuple[str, ...] = ("pgb", *SAR_ONLY_MODELS)  # paper-aware boosted stumps
MODELS: tuple[str, ...] = ("gb", "gp", *PAPER_MODELS)

#: Models that handle missing values themselves and take the feature names (paper-aware stumps, GP).
_OWN_MISSING = ("gp", *PAPER_MODELS)


def _estimator(model: str, n_estimators: int, seed: int, max_depth: int | None, names, target: str):
    if model == "gp":
        return GPResidualModel(names, target, seed)
    if model == "pgb":
        return PaperStumpBoosting(n_estimators, seed, monotone=monotone_columns(names, target))
    if model == "pgbc":
        return PaperStumpBoosting(n_estimators, seed, monotone=monotone_columns(names, target, per_cycle=True),
                                  paper_fractions=PAPER_FRACTION_AVERAGE, offset=offset_columns(names, target))
    if model == "pgbh":
        return PaperStumpBoosting(n_estimators, seed, monotone=monotone_columns(names, target, per_cycle=True),
                                  paper_fractions=PAPER_FRACTION_AVERAGE_WIDE, subsample=1.0,
                                  offset=offset_columns(names, target, per_amplitude=True))
    return TunedBoosting(n_estimators, seed, max_depth)


#: Default model of :func:`train_model` per target: the one with the best paper-grouped R²(log10) on DiMag
#: (``benchmarks/results/design.json``, same folds, 5 × 5-fold; see ``docs/design.md``).
DEFAULT_MODEL: dict[str, str] = {"sar": "pgbh", "r1": "pgb", "r2": "gb"}


def default_model(target: str, max_depth: int | None = None) -> str:
    """The model :func:`train_model` uses when none is named: "gb" whenever a tree depth is fixed.

    >>> default_model("sar"), default_model("sar", max_depth=3)
    ('pgbh', 'gb')
    """
    return "gb" if max_depth is not None else DEFAULT_MODEL.get(target, "gb")


def _check_model(model: str, max_depth: int | None) -> None:
    check_choice("model", model, MODELS)
    if max_depth is not None and model != "gb":
        raise FerroKitInputError(f"max_depth applies to model 'gb' only; model {model!r} got max_depth={max_depth}")


def _prepare(x: np.ndarray, model: str = "gb") -> np.ndarray:
    # trees: missing → a sentinel below every value; the GP and the paper-aware stumps handle missing themselves
    return x if model in _OWN_MISSING else np.where(np.isfinite(x), x, _MISSING)


def grouped_folds(groups, n_splits: int, rng: RngLike = None) -> np.ndarray:
    """Fold index (0 … n_splits−1) of each row; all rows of a group share a fold; groups shuffled by ``rng``.

    Groups are dealt to folds in a random order, largest first onto the currently smallest fold, so fold
    sizes stay balanced while the assignment changes with the seed.

    >>> f = grouped_folds(["a", "a", "b", "c", "c", "d"], 2, rng=0)
    >>> bool(f[0] == f[1] and f[3] == f[4]), sorted(set(f.tolist()))
    (True, [0, 1])
    """
    g = np.asarray(groups, dtype=object)
    uniq, inverse, counts = np.unique(g.astype(str), return_inverse=True, return_counts=True)
    if n_splits < 2:
        raise FerroKitInputError(f"n_splits must be ≥ 2, got {n_splits}")
    if len(uniq) < n_splits:
        raise FerroKitInputError(f"grouped CV needs at least {n_splits} groups (papers), got {len(uniq)}")
    r = as_rng(rng)
    order = r.permutation(len(uniq))
    order = order[np.argsort(-counts[order], kind="stable")]  # largest first, ties in random order
    load = np.zeros(n_splits)
    fold_of_group = np.empty(len(uniq), dtype=int)
    for gi in order:
        k = int(np.argmin(load + r.random(n_splits) * 1e-9))
        fold_of_group[gi] = k
        load[k] += counts[gi]
    return fold_of_group[inverse]


def conformal_quantile(residuals, alpha: float) -> float:
    """Split-conformal quantile of absolute residuals: the ⌈(n+1)(1−α)⌉-th smallest (inf if it exceeds n).

    >>> conformal_quantile([0.1, 0.2, 0.3, 0.4], 0.5)
    0.3
    """
    r = np.sort(np.abs(np.asarray(residuals, dtype=float)))
    check_range("alpha", alpha, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    if r.size == 0:
        raise FerroKitInputError("conformal_quantile needs at least one residual")
    k = math.ceil((r.size + 1) * (1 - alpha))
    return float("inf") if k > r.size else float(r[k - 1])


def _r2(y: np.ndarray, pred: np.ndarray) -> float:
    ss = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum((y - pred) ** 2)) / ss if ss > 0 else float("nan")


def _oof(x: np.ndarray, y: np.ndarray, folds: np.ndarray, n_estimators: int, seed: int, *, model: str = "gb",
         max_depth: int | None = None, names=(), target: str = "sar", groups=None
         ) -> tuple[np.ndarray, np.ndarray | None]:
    """Out-of-fold predictions (log10) and, for the GP, the predictive standard deviation of each row."""
    pred = np.empty_like(y)
    sd = np.empty_like(y) if model == "gp" else None
    g = None if groups is None else np.asarray(groups)
    for k in np.unique(folds):
        test = folds == k
        est = _estimator(model, n_estimators, seed, max_depth, names, target).fit(
            x[~test], y[~test], None if g is None else g[~test])
        if model == "gp":
            pred[test], sd[test] = est.predict(x[test], return_std=True)
        else:
            pred[test] = est.predict(x[test])
    return pred, sd


def _cross_conformal_inside(score: np.ndarray, folds: np.ndarray, alpha: float) -> np.ndarray:
    """Row k inside its interval when its score ≤ the conformal quantile of the other folds' scores."""
    inside = np.zeros(len(score), dtype=bool)
    for k in np.unique(folds):
        inside[folds == k] = score[folds == k] <= conformal_quantile(score[folds != k], alpha)
    return inside


@dataclass(frozen=True)
class CVScore:
    """R² of log10(target) over repeated CV: one value per repeat, mean and standard deviation."""

    split: str
    feature_set: str
    r2_log: tuple[float, ...]
    coverage: tuple[float, ...] = ()
    model: str = "gb"
    coverage_gp_raw: tuple[float, ...] = ()

    @property
    def mean(self) -> float:
        return float(np.mean(self.r2_log))

    @property
    def std(self) -> float:
        return float(np.std(self.r2_log, ddof=1)) if len(self.r2_log) > 1 else 0.0

    def to_dict(self) -> dict:
        out = {"split": self.split, "feature_set": self.feature_set, "model": self.model, "r2_log_mean": self.mean,
               "r2_log_std": self.std, "r2_log_per_repeat": list(self.r2_log)}
        if self.coverage:
            out["interval_coverage_mean"] = float(np.mean(self.coverage))
        if self.coverage_gp_raw:  # the GP's own Gaussian interval, before conformal scaling
            out["gp_raw_interval_coverage_mean"] = float(np.mean(self.coverage_gp_raw))
        return out


def cross_validate(table: DesignTable, *, feature_set: str = "hybrid", split: str = "grouped", n_splits: int = 5,
                   repeats: int = 5, alpha: float = 0.1, n_estimators: int = 150, rng: RngLike = 0,
                   features: np.ndarray | None = None, model: str = "gb", max_depth: int | None = None) -> CVScore:
    """Repeated K-fold R² of log10(target), folds grouped by paper (``split="grouped"``) or random rows.

    For grouped splits the coverage of the 1−α intervals is also estimated: for ``model="gb"`` cross-conformal
    (the quantile for fold k from the out-of-fold residuals of the other folds), for ``model="gp"`` normalised
    cross-conformal (the same with |residual|/σ_GP), plus the coverage of the GP's own Gaussian interval
    (``coverage_gp_raw``). ``max_depth=None`` tunes the tree depth inside each training fold (nested,
    inner folds grouped by paper); ``model="gp"`` needs the hybrid features (its prior mean is physics);
    ``model="pgb"``: paper-aware boosted stumps with physics monotone constraints (its paper fraction tuned
    inside each training fold, :mod:`ferrokit.design.paper_boost`); ``model="pgbc"`` (SAR): their average over
    φ ∈ {0.1, 0.2, 0.3} fitted to log10(SAR/f), monotone in H; ``model="pgbh"`` (SAR): over φ ∈ {0.15, …, 0.35},
    all rows per stage, fitted to log10(SAR/(fH)). Models compared with the same ``rng``
    see the same folds.
    """
    check_choice("split", split, ("grouped", "random"))
    check_choice("feature_set", feature_set, FEATURE_SETS)
    _check_model(model, max_depth)
    if repeats < 1:
        raise FerroKitInputError(f"repeats must be ≥ 1, got {repeats}")
    names: tuple[str, ...] = ()
    if features is None or model in _OWN_MISSING:
        fm = compute_features(table, "hybrid" if model == "gp" else feature_set)
        names = fm.names
        if model in PAPER_MODELS and features is not None and features.shape != fm.values.shape:
            raise FerroKitInputError(f"features must be the {len(table)} × {len(names)} matrix of feature set "
                                     f"{fm.feature_set!r}, got shape {features.shape}")
        features = fm.values if features is None or model == "gp" else features
    x = _prepare(features, model)
    y = np.log10(table.y)
    if not np.all(np.isfinite(y)):
        raise FerroKitInputError("every row needs a finite target > 0 for cross-validation")
    r = as_rng(rng)
    scores, coverage, raw_gp = [], [], []
    for _ in range(repeats):
        seed = int(r.integers(2**31 - 1))
        if split == "grouped":
            folds = grouped_folds(table.groups, n_splits, seed)
        else:
            if len(y) < n_splits:
                raise FerroKitInputError(f"random CV needs at least {n_splits} rows")
            folds = np.random.default_rng(seed).permutation(len(y)) % n_splits
        pred, sd = _oof(x, y, folds, n_estimators, seed, model=model, max_depth=max_depth, names=names,
                        target=table.target, groups=table.groups)
        scores.append(_r2(y, pred))
        if split == "grouped":
            res = np.abs(y - pred)
            # boosting: cross-conformal on |r|; GP: normalised cross-conformal on |r|/σ (interval ∝ the GP's σ)
            coverage.append(float(_cross_conformal_inside(res if sd is None else res / sd, folds, alpha).mean()))
            if sd is not None:
                raw_gp.append(float(np.mean(res <= norm_z(alpha) * sd)))
    return CVScore(split, "hybrid" if model == "gp" else feature_set, tuple(scores), tuple(coverage), model,
                   tuple(raw_gp))


@dataclass(frozen=True)
class Evaluation:
    """Grouped (the score) and random-split (contrast) CV of the baseline and hybrid models on one table."""

    target: str
    n_rows: int
    n_groups: int
    scores: tuple[CVScore, ...]
    n_splits: int
    repeats: int
    alpha: float

    def score(self, feature_set: str, split: str = "grouped", model: str = "gb") -> CVScore:
        for s in self.scores:
            if s.feature_set == feature_set and s.split == split and s.model == model:
                return s
        raise KeyError((feature_set, split, model))

    def paired_difference(self, model: str, feature_set: str = "baseline", reference: str = "gb") -> dict:
        """Grouped R²(log) of ``model`` minus ``reference`` per repeat (same folds): values, mean, s.d."""
        a = np.array(self.score(feature_set, "grouped", model).r2_log)
        b = np.array(self.score(feature_set, "grouped", reference).r2_log)
        d = a - b
        return {"model": model, "reference": reference, "feature_set": feature_set, "per_repeat": d.tolist(),
                "mean": float(d.mean()), "std": float(d.std(ddof=1)) if d.size > 1 else 0.0}

    def to_dict(self) -> dict:
        out = {"target": self.target, "target_transform": "log10", "n_rows": self.n_rows,
               "n_groups": self.n_groups, "n_splits": self.n_splits, "repeats": self.repeats,
               "alpha": self.alpha, "scores": [s.to_dict() for s in self.scores],
               "reported_score": "grouped (folds grouped by DOI)", "ferrokit_version": __version__}
        models = {s.model for s in self.scores if s.split == "grouped"} - {"gb"}
        out["paired_vs_gb"] = [self.paired_difference(m, fs) for m in sorted(models) for fs in FEATURE_SETS
                               if any(s.model == m and s.feature_set == fs and s.split == "grouped"
                                      for s in self.scores)]
        return out


#: Boosting models :func:`evaluate` compares on the same folds.
_BOOSTING: tuple[str, ...] = ("gb", *PAPER_MODELS)


def boosting_models(target: str) -> tuple[str, ...]:
    """The boosting models that apply to ``target`` (all for SAR; gb and pgb otherwise)."""
    return _BOOSTING if target == "sar" else ("gb", "pgb")


def evaluate(table: DesignTable, *, repeats: int = 5, n_splits: int = 5, alpha: float = 0.1,
             n_estimators: int = 150, random_repeats: int = 1, rng: RngLike = 0, max_depth: int | None = None,
             gp: bool = False, models: tuple[str, ...] | None = None) -> Evaluation:
    """Grouped CV (``repeats`` times) of baseline and hybrid models, and random-split CV for contrast.

    ``models``: the boosting models to compare (distinct entries of "gb", "pgb", "pgbc", "pgbh"; the last two for
    SAR only; default: gb, pgb, plus pgbc and pgbh for SAR), each with both feature sets. Every model
    sees the same folds in a repeat (the seeds are drawn once from ``rng``); :meth:`Evaluation.paired_difference`
    gives the per-repeat difference to "gb". ``max_depth`` fixes the depth of "gb" only. ``gp=True`` adds
    the GP with the physics prior mean (grouped only; slower: one GP fit per fold).
    """
    models = (boosting_models(table.target) if models is None else tuple(models))
    if not models or any(m not in _BOOSTING for m in models) or len(set(models)) != len(models):
        raise FerroKitInputError(f"models must be distinct entries of {_BOOSTING}, got {models}")
    for m in SAR_ONLY_MODELS:
        if m in models and table.target != "sar":
            raise FerroKitInputError(f"model {m!r} (loss per field cycle) applies to target sar only, got "
                                     f"{table.target!r}")
    seed = int(as_rng(rng).integers(2**31 - 1))
    scores = []
    for fs in FEATURE_SETS:
        x = compute_features(table, fs).values
        for m in models:
            depth = max_depth if m == "gb" else None
            scores.append(cross_validate(table, feature_set=fs, split="grouped", n_splits=n_splits,
                                         repeats=repeats, alpha=alpha, n_estimators=n_estimators, rng=seed,
                                         features=x, max_depth=depth, model=m))
            scores.append(cross_validate(table, feature_set=fs, split="random", n_splits=n_splits,
                                         repeats=random_repeats, alpha=alpha, n_estimators=n_estimators,
                                         rng=seed + 1, features=x, max_depth=depth, model=m))
    if gp:
        scores.append(cross_validate(table, feature_set="hybrid", split="grouped", n_splits=n_splits,
                                     repeats=repeats, alpha=alpha, rng=seed, model="gp"))
    return Evaluation(table.target, len(table), len(set(table.text["doi"])), tuple(scores), n_splits, repeats,
                      alpha)


@dataclass(frozen=True)
class Prediction:
    """Predictions in SI (W/kg for SAR; s⁻¹ per mol m⁻³ = mM⁻¹ s⁻¹ for r1/r2) with 1−α intervals."""

    target: str
    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    alpha: float
    lines: tuple[int, ...]
    interval: str = "conformal"

    def to_dict(self) -> dict:
        unit = "W/kg" if self.target == "sar" else "s-1 per mol/m3 (= mM-1 s-1)"
        kind = "GP σ, normalised conformal" if self.interval == "gp" else "conformal"
        return {"target": self.target, "unit": unit, "interval": f"{100 * (1 - self.alpha):g} % {kind}",
                "rows": [{"line": ln, "value": float(v), "low": float(lo), "high": float(hi)}
                         for ln, v, lo, hi in zip(self.lines, self.value, self.low, self.high, strict=True)]}


@dataclass(frozen=True)
class TrainedModel:
    """A fitted design model with its conformal half-width (log10 units) and provenance."""

    target: str
    feature_set: str
    feature_names: tuple[str, ...]
    estimator: object
    q_log10: float
    alpha: float
    provenance: dict = field(default_factory=dict)
    model: str = "gb"

    def predict(self, table: DesignTable) -> Prediction:
        """Predict every row of ``table`` (input order) with its 1−α interval."""
        if table.target != self.target:
            raise FerroKitInputError(f"this model predicts {self.target}, the table is for {table.target}")
        fm = compute_features(table, self.feature_set)
        if fm.names != self.feature_names:
            raise FerroKitInputError("feature layout differs from the trained model's; retrain the model")
        x = _prepare(fm.values, self.model)
        if self.model == "gp":
            mu, lo, hi = self.estimator.interval(x, self.alpha, conformal=True)
            return Prediction(self.target, 10**mu, 10**lo, 10**hi, self.alpha, table.lines, "gp")
        mu = self.estimator.predict(x)
        return Prediction(self.target, 10**mu, 10 ** (mu - self.q_log10), 10 ** (mu + self.q_log10), self.alpha,
                          table.lines)

    def to_dict(self) -> dict:
        return {"target": self.target, "model": self.model, "feature_set": self.feature_set,
                "features": list(self.feature_names),
                "q_log10": self.q_log10, "alpha": self.alpha, "provenance": self.provenance}


def _table_hash(table: DesignTable) -> str:
    h = hashlib.sha256()
    for k in sorted(table.numeric):
        h.update(np.ascontiguousarray(table.numeric[k]).tobytes())
    for k in sorted(table.text):
        h.update("\x1f".join(table.text[k]).encode())
    return h.hexdigest()


def train_model(table: DesignTable, *, feature_set: str = "baseline", alpha: float = 0.1, n_splits: int = 5,
                n_estimators: int = 150, rng: RngLike = 0, model: str | None = None,
                max_depth: int | None = None) -> TrainedModel:
    """Fit the model on all rows; conformal half-width from out-of-fold residuals on paper-grouped folds.

    ``feature_set`` defaults to "baseline": on paper-grouped CV the plain descriptors score higher than the
    hybrid (plain + physics) set for every model and target (docs/design.md).

    ``model=None``: :func:`default_model` of the target ("pgbh" for SAR, "pgb" for r1, "gb" for r2 or when
    ``max_depth`` is fixed);
    ``model="gb"``: gradient boosting, depth ``max_depth`` or (None) tuned by grouped CV on the training rows;
    ``model="pgb"``: paper-aware boosted stumps with physics monotone constraints (conformal intervals as gb);
    ``model="pgbc"`` (SAR only): the average of such models at φ = 0.1, 0.2, 0.3 fitted to log10(SAR/f);
    ``model="pgbh"`` (SAR only): at φ = 0.15, 0.2, 0.25, 0.3, 0.35, all rows per stage, fitted to log10(SAR/(fH));
    ``model="gp"``: a GP on the residual from the calibrated physics prediction (hybrid features), whose own
    predictive intervals are used (``q_log10`` still reports the conformal half-width for comparison).

    Examples
    --------
    >>> from ferrokit.design.datasets import load_dimag
    >>> m = train_model(load_dimag("r2"), feature_set="baseline", n_estimators=20)
    >>> m.q_log10 > 0, m.provenance["n_groups"] > 5
    (True, True)
    """
    check_choice("feature_set", feature_set, FEATURE_SETS)
    model = default_model(table.target, max_depth) if model is None else model
    _check_model(model, max_depth)
    check_range("alpha", alpha, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    if len(table) < 10:
        raise FerroKitInputError(f"training needs at least 10 valid rows, got {len(table)}")
    if model == "gp":
        feature_set = "hybrid"
    fm = compute_features(table, feature_set)
    x, y = _prepare(fm.values, model), np.log10(table.y)
    if not np.all(np.isfinite(y)):
        raise FerroKitInputError("every training row needs a finite target > 0")
    seed = int(as_rng(rng).integers(2**31 - 1))
    folds = grouped_folds(table.groups, n_splits, seed)
    pred, sd = _oof(x, y, folds, n_estimators, seed, model=model, max_depth=max_depth, names=fm.names,
                    target=table.target, groups=table.groups)
    q = conformal_quantile(y - pred, alpha)
    est = _estimator(model, n_estimators, seed, max_depth, fm.names, table.target).fit(x, y, table.groups)
    prov = {"ferrokit_version": __version__, "format": _FORMAT, "created": datetime.now(UTC).isoformat(),
            "n_rows": len(table), "n_groups": len(set(table.text["doi"])), "sources": sorted(set(table.sources)),
            "data_sha256": _table_hash(table), "n_rejected": len(table.rejected), "seed": seed,
            "n_estimators": n_estimators, "n_splits": n_splits, "grouped_oof_r2_log": _r2(y, pred),
            "physics_assumptions": dict(PHYSICS_ASSUMPTIONS), "notes": list(fm.notes), "model": model}
    if model == "gp":
        # normalised split-conformal scale of the GP's σ from grouped out-of-fold residuals (Lei et al. 2018,
        # J Am Stat Assoc 113:1094, doi:10.1080/01621459.2017.1307116 [unverified, cited from memory])
        est.interval_scale_ = conformal_quantile(np.abs(y - pred) / sd, alpha)
        prov["gp"] = est.calibration | {"interval_scale": est.interval_scale_,
                                         "gaussian_z": norm_z(alpha)}
    elif model in PAPER_MODELS:
        prov["paper_fraction"] = est.paper_fraction_
        prov["min_papers_per_side"] = est.min_papers_
        prov["monotone"] = {fm.names[j]: sgn for j, sgn in est.monotone.items()}
        prov["inner_cv_mse"] = {str(k): v for k, v in est.inner_mse_.items()}
        if est.offset:
            prov["target_offset"] = {fm.names[j]: c for j, c in est.offset.items()}
    else:
        prov["max_depth"] = est.depth_
        prov["inner_cv_mse"] = {str(k): v for k, v in est.inner_mse_.items()}
    return TrainedModel(table.target, feature_set, fm.names, est, q, alpha, prov, model)


def save_model(model: TrainedModel, path: str | Path) -> Path:
    """Write ``model`` (pickle, with version and provenance) atomically to ``path`` (.joblib or .pkl)."""
    p = Path(path)
    if p.suffix not in (".joblib", ".pkl"):
        raise FerroKitInputError(f"model file must end in .joblib or .pkl, got {p.name!r}")
    payload = {"format": _FORMAT, "ferrokit_version": __version__, "model": model}
    return write_bytes_atomic(p, pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))


def load_model(path: str | Path) -> TrainedModel:
    """Read a model written by :func:`save_model`; refuses files from another FerroKit version.

    A model file is a pickle: load only files you trust (unpickling can run code).
    """
    p = Path(path)
    try:
        payload = pickle.loads(p.read_bytes())
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise FerroKitInputError(f"{p}: not a FerroKit design model ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise FerroKitInputError(f"{p}: not a FerroKit design model file")
    if payload.get("ferrokit_version") != __version__:
        raise FerroKitInputError(
            f"{p}: model written by ferrokit {payload.get('ferrokit_version')}, this is ferrokit {__version__}; "
            "retrain it with 'ferrokit design train'")
    return payload["model"]
