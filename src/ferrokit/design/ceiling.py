"""How high can a paper-grouped R² of log10(target) get with the recorded descriptors? Two estimates.

Matched cross-paper pairs
    Rows *i*, *j* from different papers with the same composition and shell flag and every continuous
    descriptor (core size, Ms, and H, f for SAR or B0 for r1/r2) within a relative ``tolerance`` describe,
    as far as the table can tell, the same experiment. Write :math:`y = f(x) + b_{paper} + e` with *f* any
    function of the descriptors. For a matched pair, :math:`f(x_i) \\approx f(x_j)`, so
    :math:`\\tfrac12\\,\\mathrm{E}[(y_i - y_j)^2] \\approx \\sigma_b^2 + \\sigma_e^2 = \\sigma_u^2`, the variance no
    descriptor model can remove for a new paper, and

    .. math:: R^2_{max} \\approx 1 - \\sigma_u^2 / \\mathrm{Var}(y).

    With a tolerance the descriptors differ a little within a pair and other recorded descriptors (coating,
    concentration) may differ, which inflates :math:`\\sigma_u^2` (the ceiling is biased low). Using the
    *residuals* :math:`r = y - \\hat f(x)` of a fitted descriptor model instead of *y* removes the part of the
    difference the model explains (:math:`\\Delta r = \\Delta y - \\Delta \\hat f`). An interval comes from a
    bootstrap over papers (pairs weighted by the product of their papers' multiplicities).

Variance components
    One-way random-effects ANOVA of values grouped by paper, unbalanced method-of-moments estimator:
    :math:`\\hat\\sigma_w^2 = SSW/(N-G)`, :math:`\\hat\\sigma_b^2 = (SSB/(G-1) - \\hat\\sigma_w^2)/n_0`,
    :math:`n_0 = (N - \\sum n_g^2/N)/(G-1)` (Searle, Casella & McCulloch 1992, *Variance Components*,
    Wiley, §3.6 [unverified: textbook, from memory]). Applied to the target it splits the variance into
    between- and within-paper parts; applied to grouped out-of-fold residuals it shows how much of what a
    model misses is a per-paper offset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.validation import FerroKitInputError, check_range
from ferrokit.design.datasets import DesignTable

__all__ = ["MATCH_COLUMNS", "MatchedPairs", "VarianceComponents", "matched_pairs", "variance_components"]

#: Continuous columns that must agree within the tolerance for a matched pair, per target.
MATCH_COLUMNS: dict[str, tuple[str, ...]] = {
    "sar": ("core_size", "ms", "field_amplitude", "frequency"),
    "r1": ("core_size", "ms", "field_strength"),
    "r2": ("core_size", "ms", "field_strength"),
}


@dataclass(frozen=True)
class VarianceComponents:
    """Between- and within-group variance of a set of values (log10 units squared)."""

    between: float
    within: float
    total: float
    n: int
    n_groups: int

    def to_dict(self) -> dict:
        return {"between_group_variance": self.between, "within_group_variance": self.within,
                "total_variance": self.total, "n": self.n, "n_groups": self.n_groups, "unit": "log10^2"}


def variance_components(values, groups) -> VarianceComponents:
    """One-way random-effects variance components (unbalanced ANOVA estimator; σ_b² clipped at 0).

    Two groups (0, 2) and (4, 6): within variance ((−1)² + 1² + 1² + 1²)/(4 − 2) = 2, group means 1 and 5,
    SSB = 2·4 + 2·4 = 16, n0 = (4 − 8/4)/1 = 2, between = (16/1 − 2)/2 = 7.

    >>> vc = variance_components([0.0, 2.0, 4.0, 6.0], ["a", "a", "b", "b"])
    >>> vc.within, vc.between
    (2.0, 7.0)
    """
    v = np.asarray(values, dtype=float)
    g = np.asarray(groups).astype(str)
    if v.ndim != 1 or v.size != g.size or v.size == 0:
        raise FerroKitInputError("values and groups must be non-empty 1-D arrays of the same length")
    if not np.all(np.isfinite(v)):
        raise FerroKitInputError("values must be finite")
    uniq, inv, cnt = np.unique(g, return_inverse=True, return_counts=True)
    n, k = v.size, uniq.size
    if k < 2 or n <= k:
        raise FerroKitInputError(f"variance components need ≥ 2 groups and more rows than groups; got {n} rows "
                                 f"in {k} groups")
    means = np.bincount(inv, v) / cnt
    ssw = float(np.sum((v - means[inv]) ** 2))
    ssb = float(np.sum(cnt * (means - v.mean()) ** 2))
    within = ssw / (n - k)
    n0 = (n - float(np.sum(cnt**2)) / n) / (k - 1)
    between = max((ssb / (k - 1) - within) / n0, 0.0)
    return VarianceComponents(between, within, float(np.var(v)), n, k)


@dataclass(frozen=True)
class MatchedPairs:
    """Cross-paper matched pairs: half mean squared difference of y (and of residuals) and the R² ceiling."""

    target: str
    tolerance: float
    n_pairs: int
    n_papers: int
    variance_y: float
    noise_y: float
    ceiling_y: float
    noise_residual: float | None
    ceiling_residual: float | None
    ceiling_residual_interval: tuple[float, float] | None

    def to_dict(self) -> dict:
        return {"target": self.target, "tolerance": self.tolerance, "n_pairs": self.n_pairs,
                "n_papers": self.n_papers, "variance_log10_y": self.variance_y,
                "noise_variance_from_y": self.noise_y, "ceiling_from_y": self.ceiling_y,
                "noise_variance_from_residuals": self.noise_residual, "ceiling_from_residuals": self.ceiling_residual,
                "ceiling_from_residuals_95pct_paper_bootstrap": (None if self.ceiling_residual_interval is None
                                                                 else list(self.ceiling_residual_interval)),
                "unit": "log10^2"}


def _pairs(table: DesignTable, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    cols = [np.log(np.asarray(table.numeric[c], dtype=float)) for c in MATCH_COLUMNS[table.target]]
    comp = np.asarray(table.text["composition"])
    shell = np.array([bool(s) for s in table.text["shell"]])
    g = table.groups.astype(str)
    i, j = np.triu_indices(len(table), k=1)
    keep = (g[i] != g[j]) & (comp[i] == comp[j]) & (shell[i] == shell[j])
    lim = np.log1p(tolerance)
    for c in cols:
        with np.errstate(invalid="ignore"):
            keep &= np.abs(c[i] - c[j]) <= lim  # NaN (not reported) never matches
    return i[keep], j[keep]


def matched_pairs(table: DesignTable, residuals=None, *, tolerance: float = 0.2, n_boot: int = 500,
                  rng: RngLike = 0) -> MatchedPairs:
    """Matched cross-paper pairs of ``table`` and the R² ceiling they imply (module docstring).

    ``residuals``: log10 residuals of a descriptor model, one per row (e.g. grouped out-of-fold); without
    them only the y-based estimate is given. ``tolerance``: relative agreement of every continuous
    descriptor (0.2 → within ×/÷ 1.2).
    """
    check_range("tolerance", tolerance, 0.0, 1.0, low_inclusive=False)
    y = np.log10(table.y)
    i, j = _pairs(table, tolerance)
    if i.size == 0:
        raise FerroKitInputError(f"no matched cross-paper pairs at tolerance {tolerance}; widen it")
    var_y = float(np.var(y))
    noise_y = float(np.mean((y[i] - y[j]) ** 2) / 2)
    g = table.groups.astype(str)
    papers = np.unique(np.concatenate([g[i], g[j]]))
    nr = cr = None
    ci = None
    if residuals is not None:
        r = np.asarray(residuals, dtype=float)
        if r.shape != y.shape or not np.all(np.isfinite(r)):
            raise FerroKitInputError(f"residuals must be {y.size} finite values, one per row")
        d2 = (r[i] - r[j]) ** 2 / 2
        nr = float(np.mean(d2))
        cr = 1.0 - nr / var_y
        # paper bootstrap: each paper drawn w times; a pair counts w_a · w_b times
        uniq, inv = np.unique(g, return_inverse=True)
        gen = as_rng(rng)
        boots = []
        for _ in range(n_boot):
            w = np.bincount(gen.integers(0, uniq.size, uniq.size), minlength=uniq.size).astype(float)
            wp = w[inv[i]] * w[inv[j]]
            if wp.sum() > 0:
                wr = w[inv]
                vy = float(np.average((y - np.average(y, weights=wr)) ** 2, weights=wr))
                boots.append(1.0 - float(np.sum(wp * d2) / wp.sum()) / vy)
        ci = (float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))) if boots else None
    return MatchedPairs(table.target, tolerance, int(i.size), int(papers.size), var_y, noise_y,
                        1.0 - noise_y / var_y, nr, cr, ci)
