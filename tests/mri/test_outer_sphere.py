"""Outer-sphere (Roch–Muller–Gillis) relaxation: spectral densities, limits and the derived prefactors."""

import math

import numpy as np
import pytest
from scipy.integrate import solve_bvp

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import GAMMA_PROTON, MU_0
from ferrokit.mri import (
    GAMMA_ELECTRON,
    ayant_spectral_density,
    freed_spectral_density,
    outer_sphere_rates,
    r2_motional_averaging,
)


def test_ayant_equals_freed_without_moment_relaxation():
    w = np.geomspace(1e3, 1e12, 60)
    assert np.allclose(ayant_spectral_density(w, 3e-9), freed_spectral_density(w, 3e-9), rtol=1e-12, atol=0)
    assert freed_spectral_density(0.0, 1e-9) == pytest.approx(1.0, abs=1e-15)


def _diffusion_spectral_density(omega_tau: float, rate_tau: float = 0.0, outer: float = 200.0) -> float:
    """Direct solution of the radial diffusion equation outside a reflecting sphere (R = D = 1).

    For a correlated quantity V = Y_2(Ω)/r³ the one-sided Laplace transform of its correlation function is
    n ∫ V ψ d³r with (∇² − s) ψ = −V, s = iω + 1/τ_N, ∂ψ/∂r = 0 at r = 1. Radially, for l = 2:
    g'' + 2g'/r − 6g/r² − s g = −1/r³. We return Re ∫ g r⁻¹ dr normalised by its static value (4/9)·(1/3)
    (that 4/9 is the closed-form ω = 0 solution g = 1/(6r) − 1/(18 r³), derived in docs/mri.md).
    """
    s = 1j * omega_tau + rate_tau
    r = np.geomspace(1.0, outer, 3000)

    def f(x, y):
        g = y[0] + 1j * y[1]
        gp = y[2] + 1j * y[3]
        gpp = -2 * gp / x + 6 * g / x**2 + s * g - 1 / x**3
        return np.vstack([y[2], y[3], gpp.real, gpp.imag])

    def bc(ya, yb):  # reflecting at 1; at the outer edge the solution decays like r^-3 (s ≠ 0)
        return np.array([ya[2], ya[3], yb[2] + 3 * yb[0] / outer, yb[3] + 3 * yb[1] / outer])

    y0 = np.zeros((4, r.size))
    y0[0] = 1 / (6 * r)
    sol = solve_bvp(f, bc, r, y0, tol=1e-8, max_nodes=100000)
    assert sol.status == 0
    rr = np.geomspace(1.0, outer, 20001)
    return float(np.trapezoid(sol.sol(rr)[0] / rr, rr) / (4 / 27))


@pytest.mark.parametrize(("wt", "rate"), [(0.1, 0.0), (1.0, 0.0), (3.0, 0.0), (10.0, 0.0), (0.5, 2.0)])
def test_spectral_density_matches_direct_diffusion_solution(wt, rate):
    # Independent check of the Freed form and of its (4/9) τ_D normalisation. The numerical solution is
    # truncated at r = 200 R and discretised on 3000 nodes: agreement to 1e-4 is far below any physics effect.
    tau_n = math.inf if rate == 0.0 else 1.0 / rate
    expected = freed_spectral_density(wt, 1.0, tau_n)
    assert _diffusion_spectral_density(wt, rate) == pytest.approx(expected, rel=1e-4)


def _rates(field, tau_neel=math.inf, **kw):
    r, d, ms = 4e-9, 3e-9, 4.5e5
    v = 4 * math.pi * r**3 / 3
    args = dict(moment=ms * v, distance=r, number_density=1e-5 / v, diffusion=d, field=field,
                temperature=310.0, tau_neel=tau_neel)
    args.update(kw)
    return outer_sphere_rates(**args)


def test_zero_field_isotropy_r1_equals_r2():
    # At B0 = 0 there is no preferred axis: R1 = R2 exactly (weights 7/3 + 3/3 = (13/3 + 1 + 4/3)/2 = 10/3).
    out = _rates(0.0, tau_neel=1e-9)
    assert out.r1 == pytest.approx(out.r2, rel=1e-12)
    assert out.r1_curie == 0.0


def test_high_field_curie_limit_is_motional_averaging():
    # L -> 1 and ω_I τ_D >> 1: R2 -> (16/45) f τ_D Δω², Δω = γ μ0 Ms/3 (derived identity; exact to rounding).
    out = _rates(300.0, langevin_argument=1e9)
    dw = GAMMA_PROTON * MU_0 * 4.5e5 / 3
    mar = r2_motional_averaging(1e-5, 4e-9, dw, 3e-9)
    assert out.r2 == pytest.approx(mar, rel=2e-3)  # residual 3/4·J_A(ω_I τ_D ≈ 4e3) ~ 1e-3
    assert out.r1 < 1e-3 * out.r2


def test_clinical_field_dispersion_r1_falls_r2_saturates():
    r15, r3 = _rates(1.5, tau_neel=1e-9), _rates(3.0, tau_neel=1e-9)
    assert r3.r1 < r15.r1
    assert abs(r3.r2 / r15.r2 - 1) < 0.15
    assert r3.r1_neel < 0.05 * r3.r1  # Curie-dominated at clinical fields


def test_weights_hand_check_at_given_field():
    # Hand: R1/K = 3 L² J_A(ω_I) for tau_neel = inf; K from the prefactor formula.
    out = _rates(1.0)
    r, d, ms = 4e-9, 3e-9, 4.5e5
    v = 4 * math.pi * r**3 / 3
    k = 32 * math.pi / 135 * (MU_0 / (4 * math.pi)) ** 2 * GAMMA_PROTON**2 * (ms * v) ** 2 * (1e-5 / v) / (r * d)
    ja = ayant_spectral_density(GAMMA_PROTON * 1.0, r * r / d)
    assert out.r1 == pytest.approx(3 * k * out.langevin_value**2 * ja, rel=1e-12)
    assert out.r2 == pytest.approx(0.5 * k * out.langevin_value**2 * (3 * ja + 4), rel=1e-12)
    assert GAMMA_ELECTRON / GAMMA_PROTON == pytest.approx(658.2, rel=1e-3)  # ω_S/ω_I used by RMG


def test_to_dict_units():
    d = _rates(1.5, tau_neel=1e-9).to_dict()
    assert d["r1"]["unit"] == "s-1" and d["tau_neel"]["value"] == 1e-9
    assert _rates(1.5).to_dict()["tau_neel"]["value"] is None


@pytest.mark.parametrize("kw", [dict(moment=-1.0), dict(distance=0.0), dict(diffusion=math.nan), dict(field=-1.0),
                                dict(tau_neel=0.0), dict(number_density=-1.0)])
def test_bad_inputs(kw):
    with pytest.raises(FerroKitInputError):
        _rates(kw.pop("field", 1.5), **kw)


def test_langevin_argument_requires_curie_only():
    with pytest.raises(FerroKitInputError, match="tau_neel"):
        _rates(1.5, tau_neel=1e-9, langevin_argument=3.0)


def test_spectral_density_bad_inputs():
    with pytest.raises(FerroKitInputError):
        freed_spectral_density(-1.0, 1e-9)
    with pytest.raises(FerroKitInputError):
        ayant_spectral_density(1.0, 0.0)
