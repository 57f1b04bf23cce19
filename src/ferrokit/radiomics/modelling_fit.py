"""Rad-score modelling, part 2: LASSO-logistic / LASSO-Cox rad-scores and the rad-score + clinical nomogram.

Every step that learns from data (correlation ranking, standardisation, the LASSO penalty chosen by inner
cross-validation, the nomogram) is fitted on the training rows it is given, so the same functions serve both
the final model and each fold of :func:`ferrokit.radiomics.modelling_eval.cross_validate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics.modelling import correlation_filter, numeric_matrix, require_columns, univariate_association

COX_ZERO = 1e-3
"""|β| (per SD of the feature) below which a lifelines LASSO-Cox coefficient counts as zero: lifelines' L1 is a
smooth approximation, so unselected coefficients shrink to ~1e-5–1e-4 rather than exactly 0."""


@dataclass(frozen=True)
class Outcome:
    """A validated outcome: binary ``y`` (logistic) or ``time`` > 0 with ``event`` ∈ {0, 1} (Cox)."""

    kind: str
    y: np.ndarray = field(repr=False)
    time: np.ndarray | None = field(default=None, repr=False)

    @property
    def events(self) -> int:
        return int(self.y.sum())

    def take(self, idx: np.ndarray) -> Outcome:
        return Outcome(self.kind, self.y[idx], None if self.time is None else self.time[idx])


def read_outcome(table: pd.DataFrame, *, outcome: str | None = None, time: str | None = None,
                 event: str | None = None, min_events: int = 10) -> Outcome:
    """Validate the outcome columns: binary 0/1 ``outcome``, or ``time`` (> 0) and ``event`` (0/1) for Cox.

    ``min_events`` guards against models with too few events (both classes for logistic need ≥ ``min_events``;
    the usual rule of thumb is ~10 events per candidate variable, Peduzzi et al., J Clin Epidemiol 1996).
    """
    if time is not None or event is not None:
        if time is None or event is None:
            raise FerroKitInputError("a survival outcome needs both --time and --event")
        t = numeric_matrix(table, [time], what="time column")[:, 0]
        e = numeric_matrix(table, [event], what="event column")[:, 0]
        if np.any(t <= 0):
            raise FerroKitInputError(f"time column {time!r}: {int(np.sum(t <= 0))} value(s) ≤ 0; times must be > 0")
        if not np.all(np.isin(e, (0.0, 1.0))):
            raise FerroKitInputError(f"event column {event!r} must be 0 (censored) or 1 (event)")
        if e.sum() < min_events:
            raise FerroKitInputError(f"too few events: {int(e.sum())} in {event!r}, need ≥ {min_events}")
        return Outcome("cox", e.astype(float), t)
    if outcome is None:
        raise FerroKitInputError("give --outcome (binary) or --time and --event (survival)")
    y = numeric_matrix(table, [outcome], what="outcome column")[:, 0]
    if not np.all(np.isin(y, (0.0, 1.0))):
        vals = np.unique(y)
        raise FerroKitInputError(f"outcome column {outcome!r} must be binary 0/1 for a logistic model, got "
                                 f"{len(vals)} distinct values ({', '.join(f'{v:g}' for v in vals[:5])}…)")
    n1 = int(y.sum())
    if min(n1, len(y) - n1) < min_events:
        raise FerroKitInputError(f"too few events: {n1} positive and {len(y) - n1} negative in {outcome!r}, "
                                 f"need ≥ {min_events} of each")
    return Outcome("logistic", y, None)


def splitter(outcome: Outcome, n_splits: int, groups: np.ndarray | None, rng: RngLike):
    """Fold indices: GroupKFold when ``groups`` is given (no group in two folds), else (Stratified)KFold."""
    from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

    n = len(outcome.y)
    if groups is not None:
        n_groups = len(np.unique(groups))
        if n_groups < n_splits:
            raise FerroKitInputError(f"grouped cross-validation needs ≥ {n_splits} groups, got {n_groups}")
        seed = int(as_rng(rng).integers(2**31 - 1))
        return list(GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed).split(np.zeros(n), groups=groups))
    seed = int(as_rng(rng).integers(2**31 - 1))
    if outcome.kind == "logistic":
        return list(StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(np.zeros(n), outcome.y))
    return list(KFold(n_splits, shuffle=True, random_state=seed).split(np.zeros(n)))


@dataclass(frozen=True)
class RadScore:
    r"""A fitted rad-score: :math:`\mathrm{rad} = \beta_0 + \sum_j \beta_j (x_j-\mu_j)/\sigma_j` over the
    selected features (β₀ = 0 for Cox). Coefficients are per training-SD of each feature."""

    kind: str
    candidates: tuple[str, ...]
    selected: tuple[str, ...]
    coefficients: dict[str, float]
    intercept: float
    mean: dict[str, float]
    scale: dict[str, float]
    penalty: float
    penalty_name: str
    dropped_by_correlation: tuple[str, ...]

    def score(self, table: pd.DataFrame) -> np.ndarray:
        """Rad-score of each row (the linear predictor; log-odds for logistic, log relative hazard for Cox)."""
        out = np.full(len(table), self.intercept)
        if self.selected:
            x = numeric_matrix(table, self.selected, what="rad-score features")
            for j, f in enumerate(self.selected):
                out += self.coefficients[f] * (x[:, j] - self.mean[f]) / self.scale[f]
        return out

    def to_dict(self) -> dict:
        return {"kind": self.kind, "candidate_features": list(self.candidates), "selected": list(self.selected),
                "coefficients_per_sd": self.coefficients, "intercept": self.intercept,
                "feature_mean": {f: self.mean[f] for f in self.selected},
                "feature_sd": {f: self.scale[f] for f in self.selected},
                self.penalty_name: self.penalty, "dropped_by_correlation": list(self.dropped_by_correlation)}


def fit_radscore(table: pd.DataFrame, features: Sequence[str], outcome: Outcome, *,
                 correlation_threshold: float = 0.9, n_splits: int = 5, groups: np.ndarray | None = None,
                 penalties: Sequence[float] | None = None, rng: RngLike = None) -> RadScore:
    r"""Correlation filter → standardisation → LASSO with the penalty chosen by inner cross-validation.

    Logistic: scikit-learn ``LogisticRegression(l1_ratio=1, solver="liblinear", C=C)`` maximising
    :math:`-\sum\log L + \|\beta\|_1/C`; C is picked from ``penalties`` (default :math:`10^{-2}\ldots10^{1}`) by
    the best mean held-out AUC. Cox: lifelines ``CoxPHFitter(penalizer=λ, l1_ratio=1)`` (Tibshirani, Stat Med
    1997, DOI 10.1002/(SICI)1097-0258(19970228)16:4<385::AID-SIM380>3.0.CO;2-3; seen-secondary), λ picked from
    ``penalties`` (default 0.01, 0.05, 0.2) by the best mean held-out Harrell's C.
    Standardisation (mean, SD) comes from ``table`` only — pass training rows to keep test folds unseen.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    rng = as_rng(rng)
    features = list(features)
    x = numeric_matrix(table, features, what="features")
    if len(table) != len(outcome.y):
        raise FerroKitInputError("features and outcome differ in length")
    assoc = univariate_association(x, outcome.y, time=outcome.time)
    kept = correlation_filter(x, features, assoc, threshold=correlation_threshold)
    dropped = tuple(f for f in features if f not in kept)
    idx = [features.index(f) for f in kept]
    xk = x[:, idx]
    mu, sd = xk.mean(axis=0), xk.std(axis=0, ddof=1)
    z = (xk - mu) / sd
    folds = splitter(outcome, n_splits, groups, rng)
    if outcome.kind == "logistic":
        grid = list(penalties) if penalties is not None else list(np.logspace(-2, 1, 10))
        seed = int(rng.integers(2**31 - 1))

        def make(c: float) -> LogisticRegression:
            return LogisticRegression(C=c, l1_ratio=1.0, solver="liblinear", intercept_scaling=100.0,
                                      random_state=seed, max_iter=1000)

        cv = []
        for c in grid:
            aucs = []
            for tr, te in folds:
                if len(np.unique(outcome.y[te])) < 2:
                    continue
                m = make(c).fit(z[tr], outcome.y[tr])
                aucs.append(roc_auc_score(outcome.y[te], m.decision_function(z[te])))
            cv.append(np.mean(aucs) if aucs else -np.inf)
        best = grid[int(np.argmax(cv))]
        m = make(best).fit(z, outcome.y)
        beta, b0, pname = m.coef_[0], float(m.intercept_[0]), "C"
    else:
        grid = list(penalties) if penalties is not None else [0.01, 0.05, 0.2]
        cv = []
        for lam in grid:
            cs = [_cox_c(z[tr], outcome.take(tr), z[te], outcome.take(te), lam) for tr, te in folds]
            cv.append(np.mean(cs))
        best = grid[int(np.argmax(cv))]
        beta, b0, pname = _cox_fit(z, outcome, best), 0.0, "penalizer"
        beta = np.where(np.abs(beta) < COX_ZERO, 0.0, beta)
    sel = [f for f, b in zip(kept, beta, strict=True) if b != 0.0]
    coef = {f: float(b) for f, b in zip(kept, beta, strict=True) if b != 0.0}
    return RadScore(outcome.kind, tuple(kept), tuple(sel), coef, b0,
                    {f: float(v) for f, v in zip(kept, mu, strict=True)},
                    {f: float(v) for f, v in zip(kept, sd, strict=True)}, float(best), pname, dropped)


def _cox_fit(z: np.ndarray, outcome: Outcome, penalizer: float) -> np.ndarray:
    from lifelines import CoxPHFitter

    cols = [f"x{j}" for j in range(z.shape[1])]
    df = pd.DataFrame(z, columns=cols).assign(_T=outcome.time, _E=outcome.y)
    cph = CoxPHFitter(penalizer=penalizer, l1_ratio=1.0).fit(df, "_T", "_E")
    return cph.params_[cols].to_numpy()


def _cox_c(ztr, otr: Outcome, zte, ote: Outcome, penalizer: float) -> float:
    from lifelines.utils import concordance_index

    beta = _cox_fit(ztr, otr, penalizer)
    if ote.events == 0:
        return 0.5
    return float(concordance_index(ote.time, -(zte @ beta), ote.y))


# --------------------------------------------------------------------------------------------------- nomogram
@dataclass(frozen=True)
class Nomogram:
    r"""Unpenalised logistic or Cox model on the rad-score plus clinical variables (raw units).

    Logistic: :math:`\mathrm{logit}\,p = \alpha + \sum_v \beta_v x_v`. Cox: :math:`S(t_0\mid x) =
    S_0(t_0)^{\exp(\sum_v \beta_v (x_v-\bar x_v))}` with lifelines' baseline at the training means.
    ``ranges`` are the training minimum and maximum of each variable (the nomogram scales).
    """

    kind: str
    variables: tuple[str, ...]
    coefficients: dict[str, float]
    intercept: float
    ranges: dict[str, tuple[float, float]]
    means: dict[str, float]
    horizon: float | None = None
    baseline_survival: float | None = None

    def linear_predictor(self, values: dict[str, np.ndarray]) -> np.ndarray:
        lp = np.zeros(len(next(iter(values.values())))) + self.intercept
        for v in self.variables:
            centre = self.means[v] if self.kind == "cox" else 0.0
            lp = lp + self.coefficients[v] * (np.asarray(values[v], dtype=float) - centre)
        return lp

    def predict(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """Predicted probability of the outcome (logistic) or of the event by ``horizon`` (Cox: 1 − S(t₀))."""
        lp = self.linear_predictor(values)
        if self.kind == "logistic":
            return 1.0 / (1.0 + np.exp(-lp))
        return 1.0 - self.baseline_survival ** np.exp(lp)

    def to_dict(self) -> dict:
        d = {"kind": self.kind, "variables": list(self.variables), "coefficients": self.coefficients,
             "intercept": self.intercept, "ranges": {k: list(v) for k, v in self.ranges.items()}}
        if self.kind == "cox":
            d |= {"horizon": self.horizon, "baseline_survival_at_horizon": self.baseline_survival,
                  "means": self.means}
        return d

    def plot(self, ax=None):
        """Draw the nomogram (points scales, total points, predicted probability); see modelling_plots."""
        from ferrokit.radiomics.modelling_plots import plot_nomogram

        return plot_nomogram(self, ax=ax)


def fit_nomogram(values: dict[str, np.ndarray], outcome: Outcome, *, horizon: float | None = None) -> Nomogram:
    """Fit the nomogram model on ``values`` (name → column: the rad-score and clinical variables).

    Logistic: scikit-learn ``LogisticRegression(C=inf)`` (no penalty). Cox: lifelines ``CoxPHFitter()``;
    ``horizon`` (default: median observed time) is the time at which the nomogram reads event probability.
    """
    from sklearn.linear_model import LogisticRegression

    names = list(values)
    x = np.column_stack([np.asarray(values[v], dtype=float) for v in names])
    if not np.all(np.isfinite(x)):
        raise FerroKitInputError("nomogram: NaN or inf in the rad-score or clinical variables")
    const = [v for v, s in zip(names, x.std(axis=0), strict=True) if s == 0]
    if const:
        raise FerroKitInputError(f"nomogram: constant variable(s) {', '.join(const)}")
    ranges = {v: (float(x[:, j].min()), float(x[:, j].max())) for j, v in enumerate(names)}
    means = {v: float(x[:, j].mean()) for j, v in enumerate(names)}
    if outcome.kind == "logistic":
        m = LogisticRegression(C=np.inf, solver="lbfgs", max_iter=5000).fit(x, outcome.y)
        coef = {v: float(b) for v, b in zip(names, m.coef_[0], strict=True)}
        return Nomogram("logistic", tuple(names), coef, float(m.intercept_[0]), ranges, means)
    from lifelines import CoxPHFitter

    t0 = float(np.median(outcome.time)) if horizon is None else float(horizon)
    df = pd.DataFrame(x, columns=names).assign(_T=outcome.time, _E=outcome.y)
    cph = CoxPHFitter().fit(df, "_T", "_E")
    s0 = float(np.interp(t0, cph.baseline_survival_.index.to_numpy(), cph.baseline_survival_.iloc[:, 0].to_numpy()))
    coef = {v: float(cph.params_[v]) for v in names}
    return Nomogram("cox", tuple(names), coef, 0.0, ranges, means, t0, s0)


def clinical_values(table: pd.DataFrame, clinical: Sequence[str]) -> dict[str, np.ndarray]:
    """Clinical columns as numeric arrays (checked for presence, type and NaN)."""
    require_columns(table, clinical, what="clinical variables")
    if not clinical:
        return {}
    x = numeric_matrix(table, clinical, what="clinical variables")
    return {c: x[:, j] for j, c in enumerate(clinical)}
