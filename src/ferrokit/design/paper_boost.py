"""Paper-aware boosted stumps: gradient boosting whose every split must separate several *papers*.

Why
    In the DiMag tables most of the variance of log10(target) that a model for a *new* paper can learn is
    between papers, and rows of one paper share an offset (lab, route, instrument, normalisation). A tree
    split that isolates one or two papers fits those papers' offsets, which do not transfer. Requiring each
    side of every split to hold rows from at least ``m`` distinct training papers makes every learned step a
    trend *across* papers. On paper-grouped CV (5 × 5-fold, same folds) this raises R²(log10) from 0.38 to
    0.45 (SAR) and 0.22 to 0.29 (r1) over the plain boosting baseline; r2 0.39 → 0.41, within the repeat
    spread (``docs/design.md``).

Model
    :math:`\\hat y(x) = \\bar y + \\nu \\sum_{s=1}^{S} h_s(x)`, each :math:`h_s` a stump
    :math:`h_s(x) = a_s` if :math:`x_{j_s} \\le t_s` else :math:`b_s` fitted by least squares to the current
    residuals on a random 80 % of the rows (stochastic gradient boosting, Friedman 2002, Comput Stat Data
    Anal 38:367, doi:10.1016/S0167-9473(01)00065-2 [seen-secondary]); a split is admissible only if each side
    holds ≥ ``min_rows`` in-bag rows and rows from ≥ ``m`` distinct training papers. Additive (depth 1), like
    the tuned baseline, which picks depth 1 in nearly every fold.

    ``m = max(1, ⌈φ · P⌉)`` with ``P`` the number of training papers and the fraction φ chosen from
    :data:`PAPER_FRACTION_GRID` by an inner 3-fold cross-validation grouped by paper on the rows the model is
    fitted on (minimum mean inner MSE), so outer test papers never inform it.

Averaging over φ and the loss per field cycle (model ``"pgbc"``, SAR)
    With ~25 training papers the inner selection of φ is noisy (on 10 × 5 SAR folds it picks φ = 0 in 7,
    0.3 in 32). ``paper_fractions=(0.1, 0.2, 0.3)`` instead fits one model per fixed φ and averages their
    predictions: no selection, and each member keeps the paper rule. ``offset`` subtracts a known linear term
    from the target before fitting and adds it back to the prediction; for SAR the offset is log10 f, i.e. the
    model learns the energy dissipated per field cycle, :math:`\\log_{10}(\\mathrm{SAR}/f)`: the hysteresis
    loop area (Rosensweig 2002, above: :math:`P = \\mu_0 \\pi \\chi'' H^2 f`, so SAR/f = μ0π χ''(f) H²).
    SAR/f is non-decreasing in H (loop area grows with the field amplitude) but not monotone in f (χ'' peaks
    at 2πfτ = 1), so the constraint kept is H only (:data:`MONOTONE_PER_CYCLE`). Same folds, 5 × 5-fold,
    SAR: 0.485 ± 0.027 vs 0.451 ± 0.018 for pgb, paired +0.034 ± 0.025 (4 of 5 repeats > 0, the fifth
    −0.001); on 10 fresh fold draws +0.048 ± 0.033 (9 of 10) (``docs/design.md``).

Loss per cycle and per unit amplitude (model ``"pgbh"``, SAR; the default for SAR)
    The same averaged, H-monotone stumps with three changes: the offset is log10 f + log10 H
    (:data:`CYCLE_AMPLITUDE_OFFSET`: the model learns log10(SAR/(fH)), loop area per unit field amplitude),
    the fractions are :data:`PAPER_FRACTION_AVERAGE_WIDE` (0.15 … 0.35) and every stage uses all rows
    (``subsample=1``). Removing H¹ puts the offset between the two limits of the loop area: ∝ H² in linear
    response, ∝ H⁰ once the loop saturates, so the stumps learn a smaller, smoother remainder. The kept
    constraint, SAR/(fH) non-decreasing in H, holds in linear response (SAR/(fH) ∝ χ''H) but not for a
    saturated loop (∝ 1/H); it is an empirical choice over the DiMag amplitudes (1.7–80 kA/m). Chosen on
    fresh folds (``rng=7``, 10 × 5-fold; pgbc 0.460) and confirmed on other fresh folds (``rng=11``): 0.507 and
    0.518, paired +0.047 ± 0.025 and +0.043 ± 0.022 over pgbc, 10 of 10 repeats > 0 on both
    (``docs/design.md``).

Monotone constraints (:data:`MONOTONE`)
    A stump on a constrained feature is admissible only if its step has the allowed sign; a sum of such
    steps is monotone in that feature (all others fixed). SAR is non-decreasing in field amplitude H and
    frequency f: in linear response :math:`P = \\mu_0 \\pi \\chi_0 H^2 f\\, \\frac{2\\pi f\\tau}{1 + (2\\pi f\\tau)^2}`
    increases with both, and hysteresis losses grow with H (Rosensweig, J Magn Magn Mater 2002 252:370,
    doi:10.1016/S0304-8853(02)00706-0 [seen-secondary]). r2 is non-decreasing in Ms and in B0: the
    outer-sphere r2 grows with the equatorial frequency shift :math:`\\Delta\\omega = \\mu_0 M/3`, ∝ M² (motional
    averaging) or ∝ M (static dephasing), and the particle magnetisation M(B0) grows with B0 (Brooks et al.,
    Magn Reson Med 2001 45:1014 [seen-secondary]). r1 is left unconstrained. Missing values of a
    constrained feature are replaced by its training median (other features: a sentinel below every value).
"""

from __future__ import annotations

import math

import numpy as np

from ferrokit._shared.validation import FerroKitInputError

__all__ = ["CYCLE_AMPLITUDE_OFFSET", "CYCLE_OFFSET", "MONOTONE", "MONOTONE_PER_CYCLE", "PAPER_FRACTION_AVERAGE",
           "PAPER_FRACTION_AVERAGE_WIDE", "PAPER_FRACTION_GRID", "PaperStumpBoosting", "monotone_columns",
           "offset_columns"]

#: Candidate fractions φ of the training papers each side of a split must hold (tuned by inner grouped CV).
PAPER_FRACTION_GRID: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3)

#: Fixed fractions φ whose models ``"pgbc"`` averages (no inner selection).
PAPER_FRACTION_AVERAGE: tuple[float, ...] = (0.1, 0.2, 0.3)

#: Fixed fractions φ whose models ``"pgbh"`` averages.
PAPER_FRACTION_AVERAGE_WIDE: tuple[float, ...] = (0.15, 0.2, 0.25, 0.3, 0.35)

#: Physics-justified monotone constraints per target: feature name → +1 (non-decreasing) or −1.
MONOTONE: dict[str, dict[str, int]] = {
    "sar": {"log10_field_amplitude": 1, "log10_frequency": 1},
    "r2": {"log10_ms": 1, "field_strength": 1},
    "r1": {},
}

#: ``"pgbc"``: known linear term removed from log10(target) before fitting (feature name → coefficient):
#: log10 SAR − log10 f = log10 of the energy dissipated per field cycle.
CYCLE_OFFSET: dict[str, dict[str, float]] = {"sar": {"log10_frequency": 1.0}}

#: ``"pgbh"``: log10 SAR − log10 f − log10 H = log10 of the loss per cycle per unit field amplitude.
CYCLE_AMPLITUDE_OFFSET: dict[str, dict[str, float]] = {"sar": {"log10_frequency": 1.0,
                                                               "log10_field_amplitude": 1.0}}

#: Monotone constraints of the per-cycle target: SAR/f non-decreasing in H (not monotone in f).
MONOTONE_PER_CYCLE: dict[str, dict[str, int]] = {"sar": {"log10_field_amplitude": 1}}

_MISSING = -1e3  # missing (unconstrained) feature → below every real value, split off like any value


def monotone_columns(names, target: str, *, per_cycle: bool = False) -> dict[int, int]:
    """Column index → sign of the physics monotone constraints of ``target`` present in ``names``.

    ``per_cycle=True``: the constraints of the per-cycle target (:data:`MONOTONE_PER_CYCLE`).

    >>> monotone_columns(["log10_ms", "x_Zn", "field_strength"], "r2")
    {0: 1, 2: 1}
    >>> monotone_columns(["log10_frequency", "log10_field_amplitude"], "sar", per_cycle=True)
    {1: 1}
    """
    cols = list(names)
    table = MONOTONE_PER_CYCLE if per_cycle else MONOTONE
    return {cols.index(n): s for n, s in table.get(target, {}).items() if n in cols}


def offset_columns(names, target: str, *, per_amplitude: bool = False) -> dict[int, float]:
    """Column index → coefficient of the per-cycle offset of ``target`` (:data:`CYCLE_OFFSET`; with
    ``per_amplitude=True`` the per-cycle, per-amplitude offset of model "pgbh", :data:`CYCLE_AMPLITUDE_OFFSET`).

    Raises FerroKitInputError if the target has no such offset or its column is missing from ``names``.

    >>> offset_columns(["x_Zn", "log10_frequency"], "sar")
    {1: 1.0}
    >>> offset_columns(["log10_field_amplitude", "x_Zn", "log10_frequency"], "sar", per_amplitude=True)
    {2: 1.0, 0: 1.0}
    """
    cols = list(names)
    table, model = (CYCLE_AMPLITUDE_OFFSET, "pgbh") if per_amplitude else (CYCLE_OFFSET, "pgbc")
    if target not in table:
        raise FerroKitInputError(f"model {model!r} (loss per field cycle) applies to target sar only, got {target!r}")
    missing = [n for n in table[target] if n not in cols]
    if missing:
        raise FerroKitInputError(f"model {model!r} needs the feature(s) {', '.join(missing)}")
    return {cols.index(n): c for n, c in table[target].items()}


def _distinct_prefix_suffix(groups_sorted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct groups in rows [0..i] and in rows [i..n−1] of each column of a sorted group matrix."""
    n, p = groups_sorted.shape
    left, right = np.empty((n, p), dtype=np.int64), np.empty((n, p), dtype=np.int64)
    for j in range(p):
        g = groups_sorted[:, j]
        first = np.zeros(n, dtype=np.int64)
        first[np.unique(g, return_index=True)[1]] = 1
        last = np.zeros(n, dtype=np.int64)
        last[n - 1 - np.unique(g[::-1], return_index=True)[1]] = 1
        left[:, j] = np.cumsum(first)
        right[:, j] = np.cumsum(last[::-1])[::-1]
    return left, right


class PaperStumpBoosting:
    """Boosted stumps on log10(target) whose splits each leave ≥ m training papers per side (module docstring).

    ``min_paper_fraction=None`` tunes φ by inner paper-grouped CV; ``paper_fractions`` (a tuple of fixed φ)
    instead averages one model per φ; ``monotone`` maps column index → ±1; ``offset`` maps column index →
    coefficient c_j of a known term Σ c_j x_j removed from y before fitting and added back to predictions
    (its columns must be finite in every row).
    ``n_estimators`` follows the baseline's convention: the number of stages is ``2 × n_estimators``
    (the baseline's depth-1 setting).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(0, 1, (120, 2)); g = np.repeat(np.arange(12), 10)
    >>> m = PaperStumpBoosting(50, 0, min_paper_fraction=0.2, monotone={0: 1}).fit(x, 2 * x[:, 0], g)
    >>> m.min_papers_, bool(np.all(np.diff(m.predict(np.c_[np.linspace(0, 1, 50), np.full(50, 0.5)])) >= 0))
    (3, True)
    """

    def __init__(self, n_estimators: int = 150, seed: int = 0, *, min_paper_fraction: float | None = None,
                 monotone: dict[int, int] | None = None, learning_rate: float = 0.05, subsample: float = 0.8,
                 min_rows: int = 5, inner_splits: int = 3, inner_repeats: int = 1,
                 paper_fractions: tuple[float, ...] | None = None, offset: dict[int, float] | None = None):
        if min_paper_fraction is not None and not 0.0 <= min_paper_fraction < 0.5:
            raise FerroKitInputError(f"min_paper_fraction must be in [0, 0.5) or None (tuned), "
                                     f"got {min_paper_fraction}")
        if paper_fractions is not None:
            paper_fractions = tuple(float(v) for v in paper_fractions)
            if min_paper_fraction is not None:
                raise FerroKitInputError("give min_paper_fraction or paper_fractions, not both")
            if not paper_fractions or any(not 0.0 <= v < 0.5 for v in paper_fractions):
                raise FerroKitInputError(f"paper_fractions must be a non-empty tuple of values in [0, 0.5), "
                                         f"got {paper_fractions}")
        if any(not np.isfinite(c) for c in (offset or {}).values()):
            raise FerroKitInputError("offset coefficients must be finite")
        if any(s not in (-1, 1) for s in (monotone or {}).values()):
            raise FerroKitInputError("monotone constraints must be +1 or −1")
        self.n_estimators, self.seed = n_estimators, seed
        self.min_paper_fraction, self.monotone = min_paper_fraction, dict(monotone or {})
        self.learning_rate, self.subsample, self.min_rows = learning_rate, subsample, min_rows
        self.inner_splits, self.inner_repeats = inner_splits, inner_repeats
        self.paper_fractions, self.offset = paper_fractions, dict(offset or {})
        self.paper_fraction_: float | tuple[float, ...] | None = None
        self.min_papers_: int | tuple[int, ...] | None = None
        self.inner_mse_: dict[float, float] = {}

    # --- missing values -------------------------------------------------------------------------------------
    def _fill(self, x: np.ndarray) -> np.ndarray:
        x = np.array(x, dtype=float, copy=True)
        for j in self.monotone:
            x[~np.isfinite(x[:, j]), j] = self.median_[j]
        return np.where(np.isfinite(x), x, _MISSING)

    def _offset(self, x: np.ndarray) -> np.ndarray:
        if not self.offset:
            return np.zeros(len(x))
        cols = np.array(list(self.offset))
        v = x[:, cols]
        if not np.all(np.isfinite(v)):
            raise FerroKitInputError(f"offset column(s) {cols.tolist()} must be finite in every row")
        return v @ np.array(list(self.offset.values()))

    # --- one fit at a fixed number of papers ------------------------------------------------------------------
    def _fit_fixed(self, x: np.ndarray, y: np.ndarray, gi: np.ndarray, min_papers: int) -> tuple:
        n, p = x.shape
        order = np.argsort(x, axis=0, kind="stable")
        xs = np.take_along_axis(x, order, axis=0)
        dl, dr = _distinct_prefix_suffix(gi[order])
        # split after sorted row i: distinct values across it, ≥ min_papers papers on each side
        ok = (xs[:-1] < xs[1:]) & (dl[:-1] >= min_papers) & (dr[1:] >= min_papers)
        sign = np.zeros(p)
        for j, s in self.monotone.items():
            sign[j] = s
        rng = np.random.default_rng(self.seed)
        f0 = float(np.mean(y))
        f = np.full(n, f0)
        stumps = []
        for _ in range(max(1, 2 * self.n_estimators)):
            w = (rng.random(n) < self.subsample).astype(float)
            r = (y - f) * w
            cs, cn = np.cumsum(r[order], axis=0)[:-1], np.cumsum(w[order], axis=0)[:-1]
            tot, nt = float(r.sum()), float(w.sum())
            sr, nr = tot - cs, nt - cn
            good = ok & (cn >= self.min_rows) & (nr >= self.min_rows)
            with np.errstate(divide="ignore", invalid="ignore"):
                ml, mr = cs / cn, sr / nr
                gain = cs * ml + sr * mr
                good &= ~((sign != 0) & (sign * (mr - ml) < 0))
            if not good.any():
                break
            gain = np.where(good, gain, -np.inf)
            i, j = np.unravel_index(int(np.argmax(gain)), gain.shape)
            thr = 0.5 * (xs[i, j] + xs[i + 1, j])
            a, b = self.learning_rate * ml[i, j], self.learning_rate * mr[i, j]
            stumps.append((j, thr, a, b))
            f += np.where(x[:, j] <= thr, a, b)
        if not stumps:
            return f0, np.zeros(0, dtype=int), np.zeros(0), np.zeros(0), np.zeros(0)
        j, t, a, b = (np.array(v) for v in zip(*stumps, strict=True))
        return f0, j.astype(int), t, a, b

    @staticmethod
    def _predict_raw(model: tuple, x: np.ndarray) -> np.ndarray:
        f0, j, t, a, b = model
        if j.size == 0:
            return np.full(len(x), f0)
        return f0 + np.where(x[:, j] <= t, a, b).sum(axis=1)

    @staticmethod
    def _papers(fraction: float, gi: np.ndarray) -> int:
        return max(1, math.ceil(fraction * len(np.unique(gi)) - 1e-9))

    def fit(self, x: np.ndarray, y: np.ndarray, groups=None) -> PaperStumpBoosting:
        """Fit on rows ``x``, log10 targets ``y`` and paper labels ``groups`` (None: each row its own paper)."""
        from ferrokit.design.gp import _inner_folds

        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if x.ndim != 2 or len(x) != len(y) or len(y) < 2:
            raise FerroKitInputError("x must be a 2-D array with one row per target value (at least 2)")
        if not np.all(np.isfinite(y)):
            raise FerroKitInputError("y (log10 target) must be finite in every row")
        if any(not 0 <= j < x.shape[1] for j in self.monotone):
            raise FerroKitInputError("a monotone constraint names a column outside x")
        if any(not 0 <= j < x.shape[1] for j in self.offset):
            raise FerroKitInputError("an offset names a column outside x")
        y = y - self._offset(x)
        self.n_features_ = x.shape[1]
        g = np.arange(len(y)).astype(str) if groups is None else np.asarray(groups).astype(str)
        gi = np.unique(g, return_inverse=True)[1]
        with np.errstate(all="ignore"):
            self.median_ = {j: float(np.nanmedian(x[:, j])) if np.isfinite(x[:, j]).any() else 0.0
                            for j in self.monotone}
        xf = self._fill(x)
        if self.paper_fractions is not None:  # average of fixed-φ models, no inner selection
            self.paper_fraction_ = self.paper_fractions
            self.min_papers_ = tuple(self._papers(v, gi) for v in self.paper_fractions)
            self.models_ = [self._fit_fixed(xf, y, gi, m) for m in self.min_papers_]
            return self
        frac = self.min_paper_fraction
        splits = [] if frac is not None or groups is None else [
            _inner_folds(g, self.inner_splits, self.seed + rep) for rep in range(self.inner_repeats)]
        if frac is None and splits and splits[0] is not None:
            for phi in PAPER_FRACTION_GRID:
                err = []
                for folds in splits:
                    for k in range(self.inner_splits):
                        tr = folds != k
                        mod = self._fit_fixed(xf[tr], y[tr], gi[tr], self._papers(phi, gi[tr]))
                        err.append(float(np.mean((self._predict_raw(mod, xf[~tr]) - y[~tr]) ** 2)))
                self.inner_mse_[phi] = float(np.mean(err))
            frac = min(self.inner_mse_, key=self.inner_mse_.get)
        self.paper_fraction_ = 0.0 if frac is None else float(frac)  # too few papers to tune: no constraint
        self.min_papers_ = self._papers(self.paper_fraction_, gi)
        self.models_ = [self._fit_fixed(xf, y, gi, self.min_papers_)]
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted log10(target) of each row of ``x`` (the mean over the fitted models, plus the offset)."""
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[1] != self.n_features_:
            raise FerroKitInputError(f"x must be a 2-D array with {self.n_features_} columns, got shape {x.shape}")
        xf = self._fill(x)
        return np.mean([self._predict_raw(m, xf) for m in self.models_], axis=0) + self._offset(x)

    @property
    def n_stages_(self) -> int:
        """Stumps in the (first) fitted model."""
        return int(self.models_[0][1].size)
