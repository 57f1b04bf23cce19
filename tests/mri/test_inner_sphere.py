"""Inner-sphere surface Fe³⁺ term (SBM): structure tests by hand calculation and limits.

All default parameters are unverified, so no test depends on the absolute r1 of a real particle; the ESION
comparison (Kim et al. 2011) is documented in docs/mri.md only.
"""

from __future__ import annotations

import itertools
import math

import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.materials import Coating, Particle
from ferrokit.mri import InnerSphereParameters, inner_sphere_r1, predict_relaxivity, surface_fraction
from ferrokit.mri.inner_sphere import electron_relaxation_rates, rotational_correlation_time, sbm_t1m

GAMMA_I = 2.6752218744e8  # proton gyromagnetic ratio, rad s⁻¹ T⁻¹ (CODATA)
GAMMA_E = 1.76085963023e11  # electron gyromagnetic ratio, rad s⁻¹ T⁻¹ (CODATA)
G_MU_B = 2.0 * 9.2740100783e-24  # g μ_B with g = 2, J/T


def test_surface_fraction_hand_values_and_inverse_diameter_scaling():
    # 3 nm sphere, 0.25 nm shell: 1 − (1 − 0.5/3)³ = 1 − (5/6)³ = 91/216
    assert surface_fraction(3e-9, 0.25e-9) == pytest.approx(91 / 216, rel=1e-12)
    assert surface_fraction(0.5e-9, 0.25e-9) == 1.0  # all Fe at the surface
    # d ≫ δ: x_s d → 6δ; the first correction is −12δ²/d, i.e. −0.2 % at d = 1000 δ
    delta = 0.25e-9
    for d in (1000 * delta, 3000 * delta):
        assert surface_fraction(d, delta) * d / (6 * delta) == pytest.approx(1.0 - 2 * delta / d, rel=1e-5)


def test_electron_relaxation_limits():
    d2, tv, s = 1e20, 1e-11, 2.5
    c = d2 * tv / 50 * (4 * s * (s + 1) - 3)
    r1e, r2e = electron_relaxation_rates(0.0, d2, tv)
    assert r1e == pytest.approx(10 * c, rel=1e-12)
    assert r2e == pytest.approx(10 * c, rel=1e-12)
    # ω_S τ_v = x ≫ 1: 1/T1e → 4C/x² (both Lorentzians → 1/x²), 1/T2e → 3C
    b0 = 30.0
    x = GAMMA_E * b0 * tv  # ≈ 52.8
    r1e, r2e = electron_relaxation_rates(b0, d2, tv)
    assert r1e == pytest.approx(4 * c / x**2, rel=1e-3)  # next order ~1/x² ≈ 4e-4 relative
    assert r2e == pytest.approx(3 * c, rel=1e-3)  # 5/(1+x²) + 2/(1+4x²) ≈ 5.5/x² ≈ 6e-4 of 3


def test_sbm_t1m_hand_calculation_zero_field():
    r, t1, t2 = 2.7e-10, 5e-9, 4e-10
    k = 2 / 15 * 1e-14 * GAMMA_I**2 * G_MU_B**2 * 2.5 * 3.5 / r**6  # (μ0/4π)² = 1e-14
    assert 1 / sbm_t1m(0.0, r, t1, t2) == pytest.approx(k * (3 * t1 + 7 * t2), rel=1e-6)
    # r⁻⁶ dependence
    assert sbm_t1m(0.0, 2 * r, t1, t2) / sbm_t1m(0.0, r, t1, t2) == pytest.approx(64.0, rel=1e-12)


def test_exchange_limits():
    # slow exchange (τm ≫ T1m ~ µs): r1 per surface Fe → q/([H2O] τm)
    slow = inner_sphere_r1(3e-9, field=1.5, parameters=InnerSphereParameters(tau_m=1e-2, tau_r=1e-9, q=2.0))
    assert slow.r1_surface == pytest.approx(2.0 / (55.5e3 * 1e-2), rel=1e-3)  # T1m/τm ~ 1e-4
    # fast exchange (τm ≪ T1m): r1 per surface Fe → q/([H2O] T1m)
    fast = inner_sphere_r1(3e-9, field=1.5, parameters=InnerSphereParameters(tau_m=1e-11, tau_r=1e-9))
    assert fast.r1_surface == pytest.approx(1.0 / (55.5e3 * fast.t1m), rel=1e-4)
    assert fast.t1m > 1e4 * fast.tau_m
    # r1 is linear in q and in x_s
    one = inner_sphere_r1(3e-9, field=3.0, parameters=InnerSphereParameters(q=1.0, tau_r=1e-9))
    two = inner_sphere_r1(3e-9, field=3.0, parameters=InnerSphereParameters(q=2.0, tau_r=1e-9))
    assert two.r1 == pytest.approx(2 * one.r1, rel=1e-12)
    assert one.r1 == pytest.approx(one.surface_fraction * one.r1_surface, rel=1e-12)


def test_correlation_times_combine_reciprocally():
    p = InnerSphereParameters(tau_r=2e-9, tau_m=5e-8, delta2=1e20, tau_v=1e-11)
    out = inner_sphere_r1(3e-9, field=3.0, parameters=p)
    r1e, r2e = electron_relaxation_rates(3.0, 1e20, 1e-11)
    assert 1 / out.tau_c1 == pytest.approx(1 / 2e-9 + 1 / 5e-8 + r1e, rel=1e-12)
    assert 1 / out.tau_c2 == pytest.approx(1 / 2e-9 + 1 / 5e-8 + r2e, rel=1e-12)


def test_field_dependence_plateau_and_high_field_tail():
    # no electron relaxation (Δ² = 0): τc fixed = (1/τR + 1/τm)⁻¹ ≈ 9.1 ns
    p = InnerSphereParameters(delta2=0.0, tau_r=1e-8, tau_m=1e-7)
    low = [inner_sphere_r1(3e-9, field=b, parameters=p).r1 for b in (1e-6, 1e-5)]
    assert low[0] == pytest.approx(low[1], rel=1e-3)  # ω_S τc ≤ 0.018: plateau (Lorentzian deficit ≤ 3e-4)
    # ω_I τc ≫ 1 and fast exchange (T1m ≫ τm): r1 ∝ 1/T1m ∝ B0⁻²
    r10, r20 = (inner_sphere_r1(3e-9, field=b, parameters=p) for b in (10.0, 20.0))
    assert r10.t1m > 100 * p.tau_m
    assert r10.r1 / r20.r1 == pytest.approx(4.0, rel=0.03)  # 1/(ω τc)² tail + τm/T1m ≲ 1 % corrections
    # r1 falls monotonically above the dispersion
    values = [inner_sphere_r1(3e-9, field=b, parameters=p).r1 for b in (0.5, 1.0, 3.0, 7.0)]
    assert all(a > b for a, b in itertools.pairwise(values))


def test_rotational_time_stokes_einstein_debye():
    # 4πηr³/(3kT) with η(37 °C) = 6.92e-4 Pa s (IAPWS, ±0.5 %), r = 2.5 nm
    expected = 4 * math.pi * 6.92e-4 * (2.5e-9) ** 3 / (3 * 1.380649e-23 * 310.15)
    assert rotational_correlation_time(5e-9, 310.15) == pytest.approx(expected, rel=5e-3)


def test_predict_relaxivity_auto_threshold_and_wiring():
    small = Particle(composition="Fe3O4", core_diameter=3e-9, hydrodynamic_diameter=9e-9)
    on = predict_relaxivity(small, field=3.0)
    off = predict_relaxivity(small, field=3.0, inner_sphere=False)
    term = inner_sphere_r1(small.equivalent_diameter, field=3.0, hydrodynamic_diameter=9e-9)
    assert on.r1 == pytest.approx(off.r1 + term.r1, rel=1e-9)
    assert on.r2 == off.r2 and on.r2star == off.r2star
    assert "inner-sphere" in on.models["r1"] and "inner-sphere" not in off.models["r1"]
    assert any("APPROXIMATE inner-sphere" in n for n in on.notes)
    assert any("r1 is then likely underestimated" in n for n in off.notes)
    big = Particle(composition="Fe3O4", core_diameter=12e-9)
    assert predict_relaxivity(big, field=3.0).r1 == predict_relaxivity(big, field=3.0, inner_sphere=False).r1
    forced = predict_relaxivity(big, field=3.0, inner_sphere=True)
    assert forced.r1 > predict_relaxivity(big, field=3.0, inner_sphere=False).r1
    # custom parameters reach the term
    slow = predict_relaxivity(small, field=3.0, inner_sphere_parameters=InnerSphereParameters(tau_m=1e-3))
    assert slow.r1 == pytest.approx(off.r1 + term.surface_fraction / (55.5e3 * 1e-3), rel=2e-3)


def test_impermeable_coating_hides_the_surface():
    p = Particle(composition="Fe3O4", core_diameter=3e-9,
                 coating=Coating(material="silica", thickness=2e-9, permeable=False))
    out = predict_relaxivity(p, field=3.0)
    assert "inner-sphere" not in out.models["r1"]
    assert any("impermeable coating keeps water off" in n for n in out.notes)


@pytest.mark.parametrize("kw", [{"q": -1.0}, {"r_feh": 1e-9}, {"tau_m": 0.0}, {"tau_v": float("nan")},
                                {"delta2": -1.0}, {"layer_thickness": 5e-9}])
def test_bad_parameters(kw):
    with pytest.raises(FerroKitInputError):
        InnerSphereParameters(**kw)


def test_bad_inputs():
    p = Particle(composition="Fe3O4", core_diameter=3e-9)
    with pytest.raises(FerroKitInputError, match="inner_sphere"):
        predict_relaxivity(p, field=3.0, inner_sphere="yes")
    with pytest.raises(FerroKitInputError, match="inner_sphere_parameters"):
        predict_relaxivity(p, field=3.0, inner_sphere_parameters={"q": 1})
    with pytest.raises(FerroKitInputError, match="diameter"):
        inner_sphere_r1(-3e-9, field=3.0)
    with pytest.raises(FerroKitInputError, match="field"):
        inner_sphere_r1(3e-9, field=100.0)
