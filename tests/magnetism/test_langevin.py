"""Langevin function limits, polydisperse M(H) and its low-field slope, chord susceptibility."""

import math

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import K_B, MU_0
from ferrokit.magnetism import (
    chord_susceptibility,
    initial_susceptibility,
    langevin,
    langevin_derivative,
    langevin_magnetization,
    langevin_parameter,
)

MS_V = 4.8e5  # bulk magnetite, A/m
T = 300.0


def test_low_field_limit_is_x_over_3():
    x = np.array([1e-8, 1e-5, 1e-3, 0.01])
    # L(x) = x/3 − x³/45 + …, so L/(x/3) = 1 − x²/15: below 7e-6 relative for x ≤ 0.01
    assert langevin(x) / (x / 3) == pytest.approx(np.ones_like(x), rel=7e-6)
    assert langevin(0.0) == 0.0
    assert langevin(-1e-3) == -langevin(1e-3)


def test_large_x_limit_is_one_minus_one_over_x():
    x = np.array([20.0, 100.0, 1e4, 1e8])
    # L(x) − (1 − 1/x) = coth x − 1 ≈ 2 e^(−2x) < 1e-17 for x ≥ 20
    assert langevin(x) == pytest.approx(1 - 1 / x, rel=1e-15, abs=0)
    assert langevin(-1e300) == -1.0


def test_series_and_closed_form_agree_at_the_switch():
    # at x = 0.05 the closed form loses ~3 digits to cancellation: agreement to 1e-12 relative is all
    # that can be asked of it
    for x in (0.0499999, 0.05, 0.0500001):
        closed = 1 / math.tanh(x) - 1 / x
        assert langevin(x) == pytest.approx(closed, rel=1e-12)


def test_derivative_matches_finite_difference():
    for x in (0.0, 0.05, 0.5, 3.0, 40.0):
        h = 1e-6
        fd = (langevin(x + h) - langevin(x - h)) / (2 * h)
        assert langevin_derivative(x) == pytest.approx(fd, rel=1e-7, abs=1e-12)


def test_langevin_parameter_by_hand():
    # ξ = μ0 Ms V H / kT = 4πe-7 · 4.8e5 · (π/6)(1e-8)³ · 1e4 / (1.380649e-23 · 300) = 0.7626
    expected = MU_0 * 4.8e5 * math.pi / 6 * 1e-24 * 1e4 / (K_B * 300.0)
    assert langevin_parameter(4.8e5, 10e-9, 1e4, 300.0) == pytest.approx(expected, rel=1e-14)
    assert expected == pytest.approx(0.7626, abs=1e-4)


def test_monodisperse_magnetization_is_langevin():
    h = np.linspace(-2e5, 2e5, 11)
    xi = langevin_parameter(MS_V, 12e-9, h, T)
    m = langevin_magnetization(h, ms_volume=MS_V, median_diameter=12e-9, sigma=0.0, temperature=T)
    assert m == pytest.approx(langevin(xi), rel=1e-15, abs=1e-16)


@pytest.mark.parametrize("sigma", [0.0, 0.2, 0.4])
def test_polydisperse_low_field_slope_equals_initial_susceptibility(sigma):
    h = 1.0  # A/m: ξ ~ 1e-4 for the largest nodes, so M is linear to 1e-8
    m = MS_V * langevin_magnetization(h, ms_volume=MS_V, median_diameter=8e-9, sigma=sigma, temperature=T)
    chi_i = initial_susceptibility(ms_volume=MS_V, median_diameter=8e-9, sigma=sigma, temperature=T)
    # quadrature of ⟨d^6⟩/⟨d^3⟩ exact to 1e-12; nonlinearity (ξ²/15 of the largest node) < 1e-6
    assert m / h == pytest.approx(chi_i, rel=1e-6)


def test_initial_susceptibility_monodisperse_formula():
    v = math.pi / 6 * (10e-9) ** 3
    expected = MU_0 * 0.01 * MS_V**2 * v / (3 * K_B * T)
    got = initial_susceptibility(ms_volume=MS_V, median_diameter=10e-9, temperature=T, volume_fraction=0.01)
    assert got == pytest.approx(expected, rel=1e-14)


def test_chord_susceptibility_monodisperse_is_rosensweig_formula():
    d = 14e-9
    chi_i = initial_susceptibility(ms_volume=MS_V, median_diameter=d, temperature=T, volume_fraction=0.02)
    for h0 in (1e3, 1e4, 5e4):
        xi = langevin_parameter(MS_V, d, h0, T)
        expected = chi_i * 3 / xi * langevin(xi)  # Rosensweig 2002, Eq. for χ0
        got = chord_susceptibility(ms_volume=MS_V, median_diameter=d, temperature=T, field_amplitude=h0,
                                   volume_fraction=0.02)
        assert got == pytest.approx(expected, rel=1e-12)
        assert got < chi_i


def test_polydisperse_chord_tends_to_initial_at_low_field():
    kw = {"ms_volume": MS_V, "median_diameter": 9e-9, "sigma": 0.3, "temperature": T}
    assert chord_susceptibility(field_amplitude=0.1, **kw) == pytest.approx(initial_susceptibility(**kw),
                                                                            rel=1e-6)


def test_saturation_and_odd_symmetry():
    h = np.array([-1e8, -1e5, 1e5, 1e8])
    m = langevin_magnetization(h, ms_volume=MS_V, median_diameter=10e-9, sigma=0.3, temperature=T)
    assert m[3] == pytest.approx(1.0, abs=1e-3)
    assert m[0] == -m[3] and m[1] == -m[2]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"ms_volume": -1.0}, "ms_volume"), ({"median_diameter": 0.0}, "median_diameter"),
     ({"sigma": -0.1}, "sigma"), ({"temperature": 0.0}, "temperature"), ({"n_nodes": 0}, "n_nodes")],
)
def test_bad_inputs_raise(kwargs, fragment):
    base = {"ms_volume": MS_V, "median_diameter": 10e-9, "sigma": 0.2, "temperature": T}
    base.update(kwargs)
    with pytest.raises(FerroKitInputError, match=fragment):
        langevin_magnetization(1e4, **base)
    with pytest.raises(FerroKitInputError, match="finite"):
        langevin([1.0, float("nan")])
