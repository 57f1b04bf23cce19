"""Diffusion fluence (analytic limits, FV convergence), Grüneisen/p0, photothermal heating and efficiency, PDT,
fluorescence/SERS."""

import math

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.hyperthermia.bioheat import BioheatProblem, BoundaryCondition
from ferrokit.hyperthermia.calorimetry_synthetic import synthetic_heating_curve
from ferrokit.optics import (
    boundary_factor,
    effective_attenuation,
    fluence_1d,
    fluorescence_image,
    gruneisen_water,
    initial_pressure,
    pdt_dose,
    photothermal_efficiency,
    point_source_fluence,
    sers_spectra,
    simulate_photothermal,
    singlet_oxygen_rate,
    solve_fluence,
    unmix_nnls,
)

COLUMN = ("zero_flux",) * 4 + ("robin", "robin")


def test_gruneisen_and_initial_pressure():
    # SCIENCE.md §4 (Wang & Wu 2012 [S]): 0.200 at 37 °C, 0.232 at 43 °C (rounded to 3 decimals)
    assert gruneisen_water(310.15) == pytest.approx(0.200, abs=6e-4)
    assert gruneisen_water(316.15) == pytest.approx(0.232, abs=6e-4)
    p0 = initial_pressure(np.array([10.0, 100.0]), 200.0, 0.2)
    np.testing.assert_allclose(p0, [400.0, 4000.0])
    with pytest.raises(FerroKitInputError):
        initial_pressure(-1.0, 1.0, 0.2)
    with pytest.raises(FerroKitInputError):
        initial_pressure(np.ones(3), np.ones(4), 0.2)
    with pytest.raises(FerroKitInputError):
        gruneisen_water(37.0)  # °C given where K is expected


def test_boundary_factor_limits():
    assert boundary_factor(1.0) == pytest.approx(1.0, abs=0.01)     # index match: A → 1
    assert boundary_factor(1.4) == pytest.approx(3.25, abs=0.01)     # Haskell et al. 1994 value for n = 1.4 [S]
    # μ_eff example of the reference table: 0.1 /cm and 10 /cm → 1.74 /cm
    assert effective_attenuation(10.0, 1000.0) / 100 == pytest.approx(1.74, abs=0.005)


def test_fluence_1d_solves_its_equation():
    a, s, e0 = 20.0, 1500.0, 3.0
    z = np.linspace(0.0, 0.02, 4001)
    h = z[1] - z[0]
    phi = fluence_1d(z, mu_a=a, mu_s_prime=s, irradiance=e0, include_specular=False)
    mt = a + s
    d = 1 / (3 * mt)
    diffuse = phi - e0 * np.exp(-mt * z)
    # residual of D Φd'' − μa Φd + μs' E0 e^{−μt' z} (central differences, O(h²) ≈ 1e-6 relative)
    lap = (diffuse[2:] - 2 * diffuse[1:-1] + diffuse[:-2]) / h**2
    res = d * lap - a * diffuse[1:-1] + s * e0 * np.exp(-mt * z[1:-1])
    assert np.max(np.abs(res)) < 1e-3 * s * e0
    # Robin condition at the surface: Φd(0) = 2AD Φd'(0)
    grad = (-3 * diffuse[0] + 4 * diffuse[1] - diffuse[2]) / (2 * h)
    assert diffuse[0] == pytest.approx(2 * boundary_factor(1.4) * d * grad, rel=1e-4)
    # deep decay rate is μ_eff
    assert math.log(phi[-200] / phi[-1]) / (z[-1] - z[-200]) == pytest.approx(effective_attenuation(a, s), rel=1e-3)


def test_fv_column_matches_1d_with_second_order_convergence():
    a, s = 20.0, 1000.0
    errs = []
    for h in (2e-4, 1e-4):
        nz = round(0.03 / h)
        r = solve_fluence(np.full((1, 1, nz), a), s, (h, h, h), irradiance=1.0, boundary=COLUMN)
        z = (np.arange(nz) + 0.5) * h
        sel = z < 0.015
        an = fluence_1d(z[sel], mu_a=a, mu_s_prime=s)
        errs.append(np.max(np.abs(r.fluence[0, 0, sel] - an) / an))
    assert errs[1] < 1e-3            # 0.07 % at h = 0.1 mm (≈ 0.3 transport mean free paths)
    assert errs[0] / errs[1] > 3.0   # second order: ratio → 4


def test_fv_point_source_matches_infinite_medium_green_function():
    a, s, h, n = 100.0, 1000.0, 2.5e-4, 41
    src = np.zeros((n, n, n))
    c = n // 2
    src[c, c, c] = 1.0 / h**3            # 1 W in one voxel
    r = solve_fluence(a, s, (h, h, h), source=src)
    assert r.solver == "cg"
    for k in (4, 6, 8):
        ratio = r.fluence[c, c, c + k] / point_source_fluence(k * h, power=1.0, mu_a=a, mu_s_prime=s)
        # ≤ 4 %: a point source smeared over one voxel and the box edge 2.9/μ_eff away (measured 1–3 %)
        assert ratio == pytest.approx(1.0, abs=0.04)
    # energy: absorbed + escaped = 1 W; absorbed < 1 W
    assert 0.5 < r.absorbed.sum() * h**3 < 1.0


def test_fluence_bad_input():
    with pytest.raises(FerroKitInputError):
        fluence_1d(0.0, mu_a=100.0, mu_s_prime=100.0)       # not diffusive
    with pytest.raises(FerroKitInputError):
        fluence_1d(-1.0, mu_a=1.0, mu_s_prime=100.0)
    with pytest.raises(FerroKitInputError):
        solve_fluence(np.ones((3, 3, 3)), 100.0, (1e-3, 1e-3, 1e-3))   # no source
    with pytest.raises(FerroKitInputError):
        solve_fluence(np.ones((3, 3, 3)), np.ones((2, 2, 2)), (1e-3,) * 3, irradiance=1.0)


def _problem(shape, h):
    air = BoundaryCondition(kind="robin", temperature=298.15, heat_transfer_coefficient=10.0)
    body = BoundaryCondition()
    return BioheatProblem(spacing=(h, h, h), density=1050.0, heat_capacity=3600.0, conductivity=0.5,
                          perfusion=5e-4, shape=shape, boundary=(body,) * 4 + (air, body))


def test_simulate_photothermal_heats_the_absorber_and_conserves_energy_steady():
    shape, h = (10, 10, 10), 5e-4
    mua = np.full(shape, 20.0)
    mua[3:7, 3:7, 2:5] += 250.0
    prob = _problem(shape, h)
    res = simulate_photothermal(prob, mua, 1000.0, irradiance=1e4, laser_duration=60.0, dt=5.0,
                                cooling_duration=20.0)
    rise = res.max_temperature - res.baseline
    assert rise[4, 4, 3] > 2 * rise[0, 0, 8]          # the loaded region heats most
    assert res.cem43.shape == shape and np.all(res.cem43 >= 0)
    np.testing.assert_allclose(res.heat_source, mua * res.fluence.fluence)
    # the laser-off cooling lowers the maximum
    assert res.max_temperature_trace[-1] < res.max_temperature_trace.max()
    with pytest.raises(FerroKitInputError):
        simulate_photothermal(prob, np.ones((3, 3, 3)), 1000.0, irradiance=1e4, laser_duration=1.0, dt=1.0)


@pytest.mark.parametrize("noise,lag", [(0.0, 0.0), (0.03, 2.0)])
def test_photothermal_efficiency_recovers_known_eta(noise, lag):
    c, loss, power, absorbance, eta, q0 = 4.18, 0.01, 1.0, 0.5, 0.40, 0.01
    p_abs = eta * power * (1 - 10**-absorbance) + q0
    t, y, on = synthetic_heating_curve(slp=p_abs, iron_mass=1.0, heat_capacity=c, loss_coefficient=loss,
                                       ambient=298.15, duration_before=60.0, duration_on=2400.0,
                                       duration_off=2400.0, probe_lag=lag, noise=noise, sample_interval=2.0, rng=3)
    r = photothermal_efficiency(t, y, on, laser_power=power, absorbance=absorbance, heat_capacity=c,
                                solvent_power=q0, transient=10.0)
    # 2 %: the heating lasts 5.7 τ (plateau 99.7 %), noise 0.03 K on a 28 K rise; measured 0.1–0.3 %
    assert r.eta_roper == pytest.approx(eta, rel=0.02)
    assert r.eta_energy_balance == pytest.approx(eta, rel=0.02)
    assert r.tau_s == pytest.approx(c / loss, rel=0.02)
    with pytest.raises(FerroKitInputError):
        photothermal_efficiency(t, y, np.ones_like(on), laser_power=power, absorbance=absorbance, heat_capacity=c)
    with pytest.raises(FerroKitInputError):
        photothermal_efficiency(t, y, on, laser_power=power, absorbance=0.0, heat_capacity=c)


def test_pdt_dose_hand_calculation_and_oxygen_dependence():
    kw = dict(mass_absorption=1e3, wavelength=660e-9, singlet_oxygen_yield=0.5, oxygen_half_saturation=0.01)
    r_half = singlet_oxygen_rate(1e3, 1e-2, 0.01, **kw)
    r_sat = singlet_oxygen_rate(1e3, 1e-2, 1e6, **kw)
    assert r_half == pytest.approx(0.5 * r_sat, rel=1e-4)          # [O2] = K → half rate
    assert singlet_oxygen_rate(1e3, 1e-2, 0.0, **kw) == 0.0          # anoxia: no singlet oxygen
    # bleaching: exact solution D = Db ln(1 + r t/Db) for constant inputs
    d = pdt_dose(np.linspace(0, 600, 7), 1e3, 1e-2, 0.05, bleaching_dose=1e-3, **kw)
    r0 = singlet_oxygen_rate(1e3, 1e-2, 0.05, **kw)
    assert d.dose[-1] == pytest.approx(1e-3 * math.log(1 + r0 * 600 / 1e-3), rel=1e-9)
    assert d.light_dose[-1] == pytest.approx(6e5)
    with pytest.raises(FerroKitInputError):
        pdt_dose([0, 1], 1e3, 1e-2, -1.0, **kw)


def test_fluorescence_depth_attenuation_and_sers_unmixing():
    c = np.zeros((2, 2, 20))
    c[0, 0, 2] = 1.0
    c[1, 1, 12] = 1.0
    img = fluorescence_image(c, 1e4, (1e-4,) * 3, mass_absorption_excitation=100.0, quantum_yield=0.1,
                             mu_eff_emission=300.0).image
    # same emitter 1 mm deeper: exp(−300 × 1e-3) dimmer (hand)
    assert img[1, 1] / img[0, 0] == pytest.approx(math.exp(-0.3), rel=1e-12)
    rng = np.random.default_rng(0)
    ref = np.abs(rng.normal(size=(3, 40)))
    conc = rng.uniform(0, 2, size=(3, 5, 5))
    spec = sers_spectra(conc, ref, enhancement_factor=[1e6, 2e6, 5e5])
    est, _ = unmix_nnls(spec, ref * np.array([1e6, 2e6, 5e5])[:, None])
    np.testing.assert_allclose(est, conc, rtol=1e-8, atol=1e-10)   # noise-free: exact recovery
    noisy = sers_spectra(conc, ref, enhancement_factor=1.0, noise=0.01, rng=1)
    est2, _ = unmix_nnls(noisy, ref)
    assert np.all(est2 >= 0) and np.max(np.abs(est2 - conc)) < 0.05
    with pytest.raises(FerroKitInputError):
        unmix_nnls(spec, np.vstack([ref[0], ref[0]]))               # dependent endmembers
