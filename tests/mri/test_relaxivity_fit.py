"""Relaxivity regression against a hand-written closed-form weighted least squares."""

import math

import numpy as np
import pytest
from scipy import stats

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.mri.relaxivity_fit import fit_relaxivity

C = np.array([0.0, 0.05, 0.1, 0.2, 0.4])
R = np.array([0.52, 3.6, 6.4, 12.9, 24.1])


def test_weighted_fit_equals_hand_computation():
    # w = 1/y; normal equations for y = b0 + b1 x written out by hand
    w = 1 / R
    sw, swx, swy = w.sum(), (w * C).sum(), (w * R).sum()
    swxx, swxy = (w * C * C).sum(), (w * C * R).sum()
    det = sw * swxx - swx**2
    b1 = (sw * swxy - swx * swy) / det
    b0 = (swxx * swy - swx * swxy) / det
    s2 = (w * (R - b0 - b1 * C) ** 2).sum() / (5 - 2)
    se1 = math.sqrt(s2 * sw / det)
    fit = fit_relaxivity(C, R, rate_name="R2")
    assert fit.relaxivity == pytest.approx(b1, rel=1e-12)
    assert fit.intercept == pytest.approx(b0, rel=1e-12)
    assert fit.relaxivity_stderr == pytest.approx(se1, rel=1e-10)
    t = stats.t.ppf(0.975, 3)  # 3.182446
    assert fit.relaxivity_ci95[1] - b1 == pytest.approx(t * se1, rel=1e-10)
    ybar = swy / sw
    assert fit.r_squared == pytest.approx(1 - s2 * 3 / (w * (R - ybar) ** 2).sum(), rel=1e-12)
    # the numbers themselves (computed once from the formulas above): r2 ≈ 59.6 mM⁻¹ s⁻¹
    assert 55 < fit.relaxivity < 65


def test_unweighted_and_quadratic():
    ols = fit_relaxivity(C, R, weighting="none")
    b1, b0 = np.polyfit(C, R, 1)
    assert ols.relaxivity == pytest.approx(b1, rel=1e-12) and ols.intercept == pytest.approx(b0, rel=1e-12)
    c = np.array([0, 0.5, 1, 2, 3, 4.0])
    y = 0.6 + 10 * c + 1.5 * c**2
    q = fit_relaxivity(c, y, model="quadratic", rate_name="R2*")
    assert q.relaxivity == pytest.approx(10, rel=1e-10) and q.quadratic == pytest.approx(1.5, rel=1e-10)


def test_outlier_is_flagged():
    c = np.linspace(0, 1, 10)
    rng = np.random.default_rng(0)
    y = 1 + 20 * c + rng.normal(0, 0.05, c.size)
    y[6] += 3.0  # 60 σ off
    fit = fit_relaxivity(c, y, weighting="none", rate_name="R1")
    assert fit.outliers == (6,)
    assert abs(fit.studentized_residuals[6]) > fit.outlier_threshold


@pytest.mark.parametrize(
    ("c", "y", "kw", "fragment"),
    [
        ([0, 1, 2], [1, 2], {}, "values"),
        ([0, 1], [1, 2], {}, "at least 3 points"),
        ([1, 1, 1], [1, 2, 3], {}, "distinct"),
        ([0, 1, 2], [1, 0, 3], {}, "> 0"),
        ([-1, 1, 2], [1, 2, 3], {}, "≥ 0"),
        ([0, 1, 2], [1, np.nan, 3], {}, "non-finite"),
        ([0, 1, 2], [1, 2, 3], {"weighting": "1/x"}, "weighting"),
        ([0, 1, 2], [1, 2, 3], {"model": "quadratic"}, "at least 4 points"),
    ],
)
def test_bad_input(c, y, kw, fragment):
    with pytest.raises(FerroKitInputError, match=fragment):
        fit_relaxivity(c, y, **kw)
