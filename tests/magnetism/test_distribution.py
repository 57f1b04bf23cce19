"""Gauss–Hermite lognormal quadrature against the analytic moments ⟨d^k⟩ = d0^k exp(k²σ²/2)."""

import math

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.magnetism import (
    lognormal_mean_diameter,
    lognormal_mean_volume,
    lognormal_moment,
    lognormal_nodes,
    volume_weighted_mean_diameter,
    volume_weighted_nodes,
)

D0 = 9e-9


@pytest.mark.parametrize("sigma", [0.05, 0.1, 0.3, 0.6])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 6])
def test_number_weighted_quadrature_matches_analytic_moments(sigma, k):
    d, w = lognormal_nodes(D0, sigma, n=40)
    analytic = D0**k * math.exp(k * k * sigma * sigma / 2)
    # 40-node Gauss–Hermite integrates exp(k σ √2 x) to ~machine precision for kσ ≤ 3.6 (error term
    # ~ (kσ/√2)^(2n)/(2n)! is < 1e-20 here), so only rounding remains: 1e-12 relative.
    assert np.sum(w * d**k) == pytest.approx(analytic, rel=1e-12)
    assert lognormal_moment(D0, sigma, k) == pytest.approx(analytic, rel=1e-15)


@pytest.mark.parametrize("sigma", [0.1, 0.4])
def test_volume_weighted_nodes_are_the_d3_weighted_distribution(sigma):
    dv, wv = volume_weighted_nodes(D0, sigma, n=40)
    for k in (1, 2, 3):
        # ⟨d^k⟩_V = ⟨d^(k+3)⟩ / ⟨d^3⟩ (exact identity; quadrature error as above)
        expected = lognormal_moment(D0, sigma, k + 3) / lognormal_moment(D0, sigma, 3)
        assert np.sum(wv * dv**k) == pytest.approx(expected, rel=1e-12)
    assert np.sum(wv * dv) == pytest.approx(volume_weighted_mean_diameter(D0, sigma), rel=1e-12)


def test_weights_sum_to_one_and_nodes_increase():
    d, w = lognormal_nodes(D0, 0.3, n=25)
    assert w.sum() == pytest.approx(1.0, abs=1e-14)
    assert np.all(w > 0) and np.all(np.diff(d) > 0)


def test_sigma_zero_gives_one_node():
    d, w = lognormal_nodes(D0, 0.0, n=40)
    assert d.tolist() == [D0] and w.tolist() == [1.0]
    dv, _ = lognormal_nodes(D0, 0.0, weighting="volume")
    assert dv.tolist() == [D0]


def test_named_moments():
    s = 0.25
    assert lognormal_mean_diameter(D0, s) == pytest.approx(D0 * math.exp(s**2 / 2), rel=1e-15)
    expected_v = math.pi / 6 * D0**3 * math.exp(4.5 * s**2)
    assert lognormal_mean_volume(D0, s) == pytest.approx(expected_v, rel=1e-15)
    assert volume_weighted_mean_diameter(D0, s) == pytest.approx(D0 * math.exp(3.5 * s**2), rel=1e-14)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"median": -1e-9, "sigma": 0.1}, "median"), ({"median": 1e-9, "sigma": -0.1}, "sigma"),
     ({"median": 1e-9, "sigma": 3.0}, "sigma"), ({"median": 1e-9, "sigma": 0.1, "n": 0}, "n must"),
     ({"median": 1e-9, "sigma": 0.1, "weighting": "mass"}, "weighting")],
)
def test_bad_inputs_name_the_parameter(kwargs, fragment):
    with pytest.raises(FerroKitInputError, match=fragment):
        lognormal_nodes(**kwargs)
