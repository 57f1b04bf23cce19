"""R² ceiling tools: variance components (hand calculation, simulation) and matched cross-paper pairs."""

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.design import load_dimag
from ferrokit.design.ceiling import MATCH_COLUMNS, matched_pairs, variance_components


def test_variance_components_hand_and_simulation():
    # hand: groups (1, 3, 5) and (10, 12): SSW = 4 + 0 + 4 + 1 + 1 = 10 over N − G = 3 → 10/3;
    # means 3 and 11, grand mean 6.2: SSB = 3·3.2² + 2·4.8² = 76.8; n0 = (5 − 13/5)/1 = 2.4;
    # between = (76.8 − 10/3)/2.4 = 30.6111…
    vc = variance_components([1, 3, 5, 10, 12], ["a", "a", "a", "b", "b"])
    assert vc.within == pytest.approx(10 / 3) and vc.between == pytest.approx((76.8 - 10 / 3) / 2.4)
    # simulation: σ_b² = 0.4, σ_w² = 0.2 (the SAR split), 300 groups of 2–12 rows; the estimator is unbiased,
    # s.e. of σ_w² ≈ σ_w²·√(2/(N−G)) ≈ 0.006 and of σ_b² ≈ 0.04 here: 4 s.e. tolerances
    rng = np.random.default_rng(0)
    sizes = rng.integers(2, 13, 300)
    g = np.repeat(np.arange(300), sizes)
    v = rng.normal(0, np.sqrt(0.4), 300)[g] + rng.normal(0, np.sqrt(0.2), g.size)
    vc = variance_components(v, g)
    assert vc.within == pytest.approx(0.2, abs=0.025) and vc.between == pytest.approx(0.4, abs=0.16)
    with pytest.raises(FerroKitInputError, match="2 groups"):
        variance_components([1.0, 2.0], ["a", "a"])
    with pytest.raises(FerroKitInputError, match="finite"):
        variance_components([1.0, np.nan, 2.0], ["a", "b", "b"])


@pytest.fixture(scope="module")
def r2_table():
    return load_dimag("r2")


def test_matched_pairs_brute_force_and_limits(r2_table):
    t = r2_table.subset(range(150))
    y = np.log10(t.y)
    res = matched_pairs(t, y - y.mean(), tolerance=0.2, n_boot=50)
    # brute force over all row pairs
    cols = [t.numeric[c] for c in MATCH_COLUMNS["r2"]]
    d2 = []
    for i in range(len(t)):
        for j in range(i + 1, len(t)):
            if t.groups[i] == t.groups[j] or t.text["composition"][i] != t.text["composition"][j]:
                continue
            if bool(t.text["shell"][i]) != bool(t.text["shell"][j]):
                continue
            if all(abs(np.log(c[i] / c[j])) <= np.log(1.2) for c in cols):
                d2.append((y[i] - y[j]) ** 2 / 2)
    assert res.n_pairs == len(d2) > 0
    assert res.noise_y == pytest.approx(np.mean(d2)) and res.ceiling_y == pytest.approx(1 - np.mean(d2) / np.var(y))
    # residuals = centred y: the same differences; perfect residuals (0): no unexplained variance, ceiling 1
    assert res.noise_residual == pytest.approx(res.noise_y)
    assert matched_pairs(t, np.zeros(len(t)), n_boot=20).ceiling_residual == pytest.approx(1.0)
    lo, hi = res.ceiling_residual_interval
    assert lo <= hi
    assert matched_pairs(t, tolerance=0.05).n_pairs <= res.n_pairs <= matched_pairs(t, tolerance=0.5).n_pairs


def test_matched_pairs_bad_input(r2_table):
    with pytest.raises(FerroKitInputError, match="tolerance"):
        matched_pairs(r2_table, tolerance=0.0)
    with pytest.raises(FerroKitInputError, match="residuals"):
        matched_pairs(r2_table, np.zeros(3))
