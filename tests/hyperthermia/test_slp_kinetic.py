"""Nonlinear superparamagnetic relaxation (kinetic models) and its use as the low-barrier branch of the unified SLP
model: analytic limits derived in ferrokit.hyperthermia.kinetic, wiring, continuity."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.hyperthermia import lrt_power_density, predict_slp, slp_map
from ferrokit.hyperthermia.kinetic import kinetic_loop_area, kinetic_power_density
from ferrokit.magnetism import langevin, langevin_derivative
from ferrokit.materials import Particle

MODELS = ("effective_field", "debye")


@pytest.mark.parametrize("relaxation", MODELS)
@pytest.mark.parametrize("omega_tau", [0.1, 1.0, 10.0])
def test_reduces_to_lrt_at_small_xi(relaxation, omega_tau):
    # ξ → 0: m = χ0 H/Ms with χ0 = μ0 Ms² V/(3 k_B T) relaxing with τ, i.e. Rosensweig's LRT,
    # A = π (ξ/3) ωτ/(1 + ω²τ²). ξ = 0.01: the nonlinear terms are O(ξ²) ≈ 1e-5. The integrator (128 steps per
    # half period, second order) is measured 5.0e-5 to 5.9e-5 low; tolerance 1e-4.
    xi = 0.01
    lrt = math.pi * xi / 3 * omega_tau / (1 + omega_tau**2)
    assert kinetic_loop_area(xi, omega_tau, relaxation=relaxation) == pytest.approx(lrt, rel=1e-4)
    # the same through the power-density function, against lrt_power_density (Ms 4.5e5 A/m, 4 nm: ξ ≈ 0.0025)
    args = {"frequency": 3e5, "amplitude": 2e3, "ms_volume": 4.5e5, "diameter": 4e-9, "temperature": 310.0,
            "tau": omega_tau / (2 * math.pi * 3e5)}
    assert kinetic_power_density(**args, relaxation=relaxation) == pytest.approx(lrt_power_density(**args), rel=1e-4)


def _first_harmonic(xi):
    return 2 / math.pi * quad(lambda p: float(langevin(xi * math.sin(p))) * math.sin(p), 0, math.pi,
                              epsabs=1e-14)[0]


@pytest.mark.parametrize(("xi", "omega_tau"), [(1.0, 0.3), (5.0, 1.0), (50.0, 3.0)])
def test_debye_model_is_the_first_harmonic_of_the_langevin_response(xi, omega_tau):
    # dm/dt = (L(ξ sin ωt) − m)/τ is linear in m: only the first harmonic of L(ξ sin φ) dissipates, so exactly
    # A = π L1(ξ) ωτ/(1 + ω²τ²), L1(ξ) = (2/π)∫ L(ξ sin φ) sin φ dφ (scipy quad). Measured 5e-5 off at 128 steps;
    # tolerance 1e-4.
    exact = math.pi * _first_harmonic(xi) * omega_tau / (1 + omega_tau**2)
    assert kinetic_loop_area(xi, omega_tau, relaxation="debye") == pytest.approx(exact, rel=1e-4)
    # and L1 ≥ L: this model gives MORE loss than the chord-susceptibility LRT (by ≤ 4/π)
    assert _first_harmonic(xi) > float(langevin(xi))


def test_debye_saturation_limit_at_omega_tau_one():
    # ξ → ∞: L(ξ sin φ) → sign(sin φ), a square wave; the steady state of dm/dφ = (±1 − m)/a gives
    # A = 4a/(1 + a²) = 2 at a = ωτ = 1 (derived in ferrokit.hyperthermia.kinetic), i.e. P → 2 μ0 f Ms H_max.
    # L1(ξ) = 4/π − O(1/ξ): measured 2 − A = 0.0313, 0.00314, 0.00031 at ξ = 1e2, 1e3, 1e4 (2048 steps).
    dev = [2.0 - kinetic_loop_area(x, 1.0, relaxation="debye", n_steps=2048) for x in (1e2, 1e3, 1e4)]
    assert all(d > 0 for d in dev) and dev[0] > 5 * dev[1] > 25 * dev[2]
    assert dev[2] < 1e-3
    # the effective-field model instead keeps losing area: a saturated moment relaxes at ≈ ξ/τ and follows the field
    ef = kinetic_loop_area(np.array([1e2, 1e3, 1e4]), 1.0)
    assert np.all(np.diff(ef) < 0) and ef[-1] < 0.2


def _quasi_static(xi, a, relaxation):
    # ωτ → 0: m ≈ L(y), y ≈ ξ(t) − (τ/R) dξ/dt with R = 1 (Debye, in m) or L(x)/(x L'(x)) (effective field):
    # A = 2 a ξ ∫₀^π K(ξ sin φ) cos²φ dφ, K = L' (Debye) or x L'(x)²/L(x) (effective field)
    def k(x):
        if relaxation == "debye":
            return float(langevin_derivative(x))
        return 1 / 3 if abs(x) < 1e-8 else x * float(langevin_derivative(x)) ** 2 / float(langevin(x))

    return 2 * a * xi * quad(lambda p: k(xi * math.sin(p)) * math.cos(p) ** 2, 0, math.pi, epsabs=1e-13,
                             limit=200)[0]


@pytest.mark.parametrize("relaxation", MODELS)
@pytest.mark.parametrize("xi", [0.5, 3.0, 20.0])
def test_quasi_static_limit_includes_the_field_dependent_relaxation_time(relaxation, xi):
    # Checks the nonlinear dynamics at large ξ (not only the linear limit): at ωτ = 1e-4 the loop equals the
    # adiabatic expansion above. Measured ≤ 4e-5 off at 1024 steps; tolerance 2e-4.
    a = 1e-4
    area = kinetic_loop_area(xi, a, relaxation=relaxation, n_steps=1024)
    assert area == pytest.approx(_quasi_static(xi, a, relaxation), rel=2e-4)
    if relaxation == "effective_field" and xi > 1:  # faster relaxation when saturated: less lag than Debye
        assert area < 0.9 * _quasi_static(xi, a, "debye")


@pytest.mark.parametrize("relaxation", MODELS)
@pytest.mark.parametrize("omega_tau", [0.1, 1.0, 3.0])
def test_loss_per_field_squared_falls_with_xi(relaxation, omega_tau):
    # saturation: P/H² ∝ A/ξ decreases monotonically from its LRT value π ωτ/(3(1 + ω²τ²))
    xi = np.geomspace(0.01, 1e3, 60)
    r = kinetic_loop_area(xi, omega_tau, relaxation=relaxation) / xi
    assert np.all(np.diff(r) < 0)
    assert r[0] == pytest.approx(math.pi / 3 * omega_tau / (1 + omega_tau**2), rel=1e-4)
    assert r[-1] < 0.02 * r[0]


def test_inputs_are_validated():
    for args, kw in (((-1.0, 1.0), {}), ((np.nan, 1.0), {}), ((1.0, 0.0), {}), ((1.0, np.nan), {}),
                     ((1.0, 1.0), {"relaxation": "brown"}), ((1.0, 1.0), {"n_steps": 4})):
        with pytest.raises(FerroKitInputError):
            kinetic_loop_area(*args, **kw)
    good = {"frequency": 3e5, "amplitude": 1e4, "ms_volume": 4e5, "diameter": 1e-8, "tau": 1e-7, "temperature": 310.0}
    for bad in ({"frequency": -1.0}, {"amplitude": np.inf}, {"ms_volume": -1.0}, {"tau": 0.0}, {"tau": np.nan}):
        with pytest.raises(FerroKitInputError):
            kinetic_power_density(**{**good, **bad})
    assert kinetic_loop_area(0.0, 1.0) == 0.0 and kinetic_loop_area(1.0, np.inf) == 0.0
    assert kinetic_loop_area(np.ones((2, 3)), 1.0).shape == (2, 3)


SMALL = Particle(composition="Fe3O4", core_diameter=8e-9, core_sigma=0.0,
                 coating={"material": "PEG", "thickness": 5e-9})


def test_unified_low_barrier_branch_is_the_effective_field_model():
    # 8 nm magnetite, σ = 0: KV/k_BT ≈ 0.8 (master-equation weight 0); at ξ ≥ 0.1 (kinetic_weight 1) the unified
    # SLP must be exactly the effective-field power with the particle's Ms, size and τ_eff
    r = predict_slp(SMALL, frequency=3e5, amplitude=2e4)
    assert r.blend_weight == 0.0 and r.xi > 0.5
    p = kinetic_power_density(frequency=3e5, amplitude=2e4, ms_volume=r.inputs["ms_volume_median"]["value"],
                              diameter=SMALL.equivalent_diameter, tau=r.tau_eff, temperature=r.temperature)
    rho = SMALL.composition_info.density
    assert r.slp_oxide * rho == pytest.approx(p, rel=1e-9)
    lrt = predict_slp(SMALL, frequency=3e5, amplitude=2e4, model="lrt")
    assert r.slp < lrt.slp  # ωτ ≪ 1 here: faster relaxation in the saturating field, less loss than LRT
    # saturation at the predict_slp level: SLP/H² falls with the field (ξ = 0.06 → 2.9)
    ilp = [predict_slp(SMALL, frequency=3e5, amplitude=h).ilp for h in (1e3, 5e3, 2e4, 5e4)]
    assert np.all(np.diff(ilp) < 0)
    assert any("effective-field" in n for n in r.notes)


def test_low_barrier_map_is_continuous_in_field_and_size():
    # Same criterion as test_slp_unified (|Δ² ln SLP| ≤ 0.01 on Δ ln H = 0.023, Δd = 0.1 nm), now through the
    # LRT → kinetic switch (ξ 0.03–0.1) and the kinetic → master-equation blend (KV/k_BT 4–8), median ξ up to 16.
    # Measured: ≤ 0.0008 along H, 0.0022 along d.
    p = Particle(composition="Fe3O4", core_diameter=10e-9, core_sigma=0.1,
                 coating={"material": "PEG", "thickness": 5e-9})
    amps = np.geomspace(100.0, 1e5, 300)
    m = slp_map(p, core_diameters=[8e-9, 11e-9, 14e-9], frequencies=[3e5], amplitudes=amps, hf_limit=1e12)
    for i in range(3):
        s = m.slp[i, 0]
        assert np.abs(np.diff(np.log(s), 2)).max() < 0.01
        assert np.all(np.diff(s) > 0)
    cores = np.linspace(6e-9, 18e-9, 121)
    m2 = slp_map(p, core_diameters=cores, frequencies=[3e5, 1e6], amplitudes=[1.5e4, 5e4], hf_limit=1e12)
    assert np.abs(np.diff(np.log(m2.slp), 2, axis=0)).max() < 0.01


def test_scalar_langevin_pair_matches_the_magnetism_functions():
    # The compiled kinetic kernel needs a scalar L(y) and R(y) = L/(y L'); it must equal ferrokit.magnetism's
    # vectorised langevin / langevin_derivative (one definition of the physics) on both sides of its series switch.
    # Tolerance: the kernel's 3-term series below |y| = 0.05 drops the y⁶ term, relative 3y⁶/4725 ≈ 9e-12 at 0.049,
    # and the closed form just above it loses ~1e-12 to cancellation; R = L/(yL') doubles that.
    from ferrokit.hyperthermia._sw_kernels import _langevin_pair

    for y in (-30.0, -2.0, -0.06, -0.049, -1e-4, 1e-6, 0.01, 0.049, 0.051, 0.7, 5.0, 80.0):
        lv, r = _langevin_pair(y)
        assert lv == pytest.approx(float(langevin(y)), rel=2e-11, abs=1e-15)
        assert r == pytest.approx(float(langevin(y)) / (y * float(langevin_derivative(y))), rel=1e-10)
