"""PBPK model: conservation, analytic limits, routes, targeting and bad input."""

import math

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.pk import (
    ORGANS,
    Dosing,
    TumourTargeting,
    human_parameters,
    mouse_parameters,
    simulate_pbpk,
)
from ferrokit.pk.parameters import parameters_from_table

H = 3600.0


@pytest.fixture(scope="module")
def mouse():
    return mouse_parameters()


@pytest.fixture(scope="module")
def iv_result(mouse):
    return simulate_pbpk(mouse, Dosing.per_body_weight(5e-6, mouse), duration=168 * H)


def test_mouse_table_values_converted_to_si(mouse):
    # hand calculation: Q_C = 16.5 L/h/kg^0.75 × 0.02^0.75 = 0.8775 L/h (UFPBPK NanoPBPK.R QCC, BW)
    assert mouse.cardiac_output == pytest.approx(16.5 * 0.02**0.75 * 1e-3 / 3600, rel=1e-12)
    # rest of body = 1 − Σ organs − plasma = 1 − (0.007+0.017+0.017+0.055+0.005+0.384+0.024) − 0.0355
    assert mouse.rest_volume_fraction == pytest.approx(0.4555, abs=1e-12)
    assert mouse.rest_flow_fraction == pytest.approx(1 - (0.02 + 0.091 + 0.011 + 0.033 + 0.159 + 0.01), abs=1e-12)
    assert mouse.organ("spleen").uptake_max == pytest.approx(5 / 3600)
    assert mouse.sources["liver.uptake_max"][1] == "seen-code"


def test_mass_balance_closes_iv(iv_result):
    # the exchange matrix conserves mass column by column, so BDF keeps the sum to round-off; 1e-9 of the dose
    # is 1000× the absolute tolerance (1e-12) the solver was given
    assert iv_result.mass_balance_error < 1e-9
    total = sum(iv_result.compartments[k] for k in iv_result.compartments)
    assert np.allclose(total, iv_result.dosing.dose, rtol=1e-9)
    # organs + excreted = administered
    organs = sum(iv_result.amounts[k] for k in iv_result.amounts) + sum(iv_result.excreted.values())
    assert np.allclose(organs, iv_result.administered, rtol=1e-9)


@pytest.mark.parametrize("route,t_inf", [("infusion", 2 * H), ("intratumoral", 0.0)])
def test_mass_balance_closes_other_routes(mouse, route, t_inf):
    r = simulate_pbpk(mouse, Dosing(1e-7, route=route, infusion_time=t_inf), duration=72 * H)
    assert r.mass_balance_error < 1e-9


def test_infusion_administered_linearly(mouse):
    r = simulate_pbpk(mouse, Dosing(1e-7, route="infusion", infusion_time=4 * H), duration=24 * H,
                      times=np.array([0, 1, 2, 4, 8]) * H)
    # zero-order input: half the dose after half the infusion time, all of it afterwards
    assert r.administered[2] == pytest.approx(0.5e-7)
    total = sum(r.compartments[k] for k in r.compartments)
    assert np.allclose(total, r.administered, rtol=1e-9, atol=1e-20)


def test_initial_state_and_early_distribution(iv_result):
    assert iv_result.percent_id["plasma"][0] == pytest.approx(100.0)
    # blood flow mixes the dose within minutes: by 15 min most mass is outside the plasma pool, yet
    # excretion (clearances ~1e-6 L/h) is negligible (< 0.01 %ID)
    i = int(np.argmin(np.abs(iv_result.times - 0.25 * H)))
    assert iv_result.percent_id["plasma"][i] < 50
    assert 100 * iv_result.excreted["urine"][i] / iv_result.dosing.dose < 0.01


def test_linear_in_dose_without_saturation(mouse):
    # no capacity or receptor terms: %ID is independent of the dose (superposition)
    a = simulate_pbpk(mouse, Dosing(1e-8), duration=48 * H, times=np.array([0, 8, 48]) * H)
    b = simulate_pbpk(mouse, Dosing(1e-5), duration=48 * H, times=np.array([0, 8, 48]) * H)
    for k in a.percent_id:
        assert np.allclose(a.percent_id[k], b.percent_id[k], rtol=1e-6, atol=1e-9)


def test_capacity_makes_uptake_dose_dependent(mouse):
    # a liver phagocyte capacity of 1 µg/g: 1.1 µg fills it (dose 1e-6 kg = 1 mg saturates), 1 ng does not
    p = mouse.with_organ("liver", uptake_capacity=1e-6)
    t = np.array([0, 168]) * H
    lo = simulate_pbpk(p, Dosing(1e-12), duration=168 * H, times=t)
    hi = simulate_pbpk(p, Dosing(1e-6), duration=168 * H, times=t)
    liver_mass = p.organ_mass("liver")
    assert hi.compartments["liver.phagocyte"][-1] <= 1e-6 * liver_mass * (1 + 1e-6)
    assert lo.percent_id["liver"][-1] > hi.percent_id["liver"][-1]
    assert hi.mass_balance_error < 1e-9


def test_closed_system_steady_state(mouse):
    # no excretion, no phagocytes: the blood–tissue exchange must reach equilibrium C_t = P·C_b in every organ
    p = mouse.replace(biliary_clearance_coefficient=0.0, urinary_clearance_coefficient=0.0)
    for o in ORGANS:
        p = p.with_organ(o, uptake_max=0.0, release_rate=0.0, permeability_coefficient=0.5)
    r = simulate_pbpk(p, Dosing(1e-7), duration=2000 * H, times=np.array([0, 2000 * H]))
    for o in ORGANS:
        org = p.organ(o)
        v = p.organ_volume(o)
        cb = r.compartments[f"{o}.blood"][-1] / (v * org.capillary_blood_fraction)
        ct = r.compartments[f"{o}.tissue"][-1] / (v * (1 - org.capillary_blood_fraction))
        assert ct == pytest.approx(org.partition_coefficient * cb, rel=1e-5)
    assert sum(r.excreted[k][-1] for k in r.excreted) == 0.0


def test_intratumoral_initial_efflux_rate(mouse):
    # no tumour phagocytes: the tumour tissue empties at first order k = PA_T/(P_T V_Tt) (blood empty at t=0)
    p = mouse.with_organ("tumour", uptake_max=0.0)
    o = p.organ("tumour")
    k = o.permeability_coefficient * p.organ_flow("tumour") / (
        o.partition_coefficient * p.organ_volume("tumour") * (1 - o.capillary_blood_fraction))
    t = 1e-3 / k  # 0.1 % of the dose has left: back-flux from blood is O((kt)^2)
    r = simulate_pbpk(p, Dosing(1e-7, route="intratumoral"), duration=t, times=np.array([0.0, t]), rtol=1e-10)
    left = 1 - r.compartments["tumour.tissue"][-1] / 1e-7
    assert left == pytest.approx(1 - math.exp(-k * t), rel=2e-3)  # 2e-3: the O(kt) re-entry correction


def test_intratumoral_retention_with_retentive_tumour(mouse):
    # with P_T = 0.15 (G1 default) and PA_C,T = 1e-4 the efflux constant is 0.0123 /h (hand calculation:
    # 1e-4 × 0.01 × 0.878 L/h / (0.15 × 0.475 mL)), so ~74 % of an intratumoral dose stays for a day,
    # while the same dose IV reaches < 1 %ID
    p = mouse.with_organ("tumour", partition_coefficient=0.15, permeability_coefficient=1e-4)
    t = np.array([0, 1, 24]) * H
    it = simulate_pbpk(p, Dosing(1e-7, route="intratumoral"), duration=24 * H, times=t)
    iv = simulate_pbpk(p, Dosing(1e-7), duration=24 * H, times=t)
    assert it.percent_id["tumour"][0] == pytest.approx(100.0)
    assert it.percent_id["tumour"][-1] > 50
    assert iv.percent_id["tumour"][-1] < 1


def test_active_targeting_raises_tumour_delivery(mouse):
    t = np.array([0, 24, 168]) * H
    passive = simulate_pbpk(mouse, Dosing(1e-7), duration=168 * H, times=t)
    tg = TumourTargeting(kon=1e3, koff=1e-5, receptor_density=1e-2, particle_mass=1e-19)
    active = simulate_pbpk(mouse.with_targeting(tg), Dosing(1e-7), duration=168 * H, times=t)
    assert active.percent_id["tumour"][-1] > 2 * passive.percent_id["tumour"][-1]
    assert active.compartments["tumour.bound"][-1] > 0
    assert active.mass_balance_error < 1e-9


def test_receptor_saturation_caps_bound_amount(mouse):
    # capacity = R · V_t · m_p N_A: with R = 1e-6 mol/m³ and m_p = 1e-19 kg -> bound ≤ R V_t m_p N_A
    tg = TumourTargeting(kon=1e5, koff=0.0, receptor_density=1e-6, particle_mass=1e-19)
    p = mouse.with_targeting(tg)
    r = simulate_pbpk(p, Dosing(1e-6), duration=72 * H, times=np.array([0, 72 * H]))
    vt = p.organ_volume("tumour") * (1 - p.organ("tumour").capillary_blood_fraction)
    cap = 1e-6 * vt * 1e-19 * 6.02214076e23
    assert r.compartments["tumour.bound"][-1] <= cap * (1 + 1e-6)
    assert r.compartments["tumour.bound"][-1] > 0.5 * cap


def test_hill_uptake_rate(mouse):
    o = mouse.organ("liver")
    assert o.uptake_rate(0.0) == 0.0
    # at t = K50 the Hill term is exactly half its maximum
    assert o.uptake_rate(o.uptake_t50) == pytest.approx(o.uptake_max / 2)


def test_concentration_accessor(iv_result):
    c = iv_result.concentration("tumour")
    assert c.shape == iv_result.times.shape
    assert np.allclose(c, iv_result.amount("tumour") / iv_result.volumes["tumour"])
    d = iv_result.to_dict()
    assert d["concentrations"]["unit"] == "kg/m3"
    with pytest.raises(FerroKitInputError, match="organ must be one of"):
        iv_result.concentration("heart")


def test_human_parameters_run():
    p = human_parameters()
    r = simulate_pbpk(p, Dosing.per_body_weight(5e-6, p), duration=72 * H)
    assert r.mass_balance_error < 1e-9
    assert p.sources["liver.uptake_max"][1] == "unverified"


def test_plot_returns_axes(iv_result):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = iv_result.plot()
    assert ax.get_ylabel() == "%ID"
    plt.close(ax.figure)


@pytest.mark.parametrize("kwargs,fragment", [
    ({"dose": 0.0}, "dose"), ({"dose": math.nan}, "dose"), ({"dose": 1e-6, "route": "oral"}, "route"),
    ({"dose": 1e-6, "route": "infusion"}, "infusion_time"),
    ({"dose": 1e-6, "route": "iv", "infusion_time": 60.0}, "infusion_time"),
])
def test_bad_dosing(kwargs, fragment):
    with pytest.raises(FerroKitInputError, match=fragment):
        Dosing(**kwargs)


def test_bad_simulation_inputs(mouse):
    d = Dosing(1e-6)
    with pytest.raises(FerroKitInputError, match="duration"):
        simulate_pbpk(mouse, d, duration=-1.0)
    with pytest.raises(FerroKitInputError, match="times"):
        simulate_pbpk(mouse, d, duration=10 * H, times=np.array([0, 20 * H]))
    with pytest.raises(FerroKitInputError, match="times"):
        simulate_pbpk(mouse, d, duration=10 * H, times=np.array([0, np.nan]))
    with pytest.raises(FerroKitInputError, match="params"):
        simulate_pbpk({"a": 1}, d, duration=10 * H)


def test_non_physical_parameters_rejected(mouse):
    with pytest.raises(FerroKitInputError, match="partition_coefficient"):
        mouse.with_organ("liver", partition_coefficient=-1.0)
    with pytest.raises(FerroKitInputError, match="volume fractions"):
        mouse.with_organ("muscle", volume_fraction=0.9)
    with pytest.raises(FerroKitInputError, match="unknown organ parameter"):
        mouse.with_organ("liver", colour=1.0)
    with pytest.raises(FerroKitInputError, match="receptor_density"):
        TumourTargeting(kon=1.0, koff=0.0, receptor_density=0.0, particle_mass=1e-19)


def test_corrupt_parameter_table():
    with pytest.raises(FerroKitInputError, match="columns"):
        parameters_from_table("a,b\n1,2\n", species="mouse")
    with pytest.raises(FerroKitInputError, match="unknown unit"):
        parameters_from_table("organ,quantity,value,unit,source,status\nbody,body_weight,20,furlong,x,y\n",
                              species="mouse")
    with pytest.raises(FerroKitInputError, match="lacks body"):
        parameters_from_table("organ,quantity,value,unit,source,status\nbody,body_weight,0.02,kg,x,y\n",
                              species="mouse")


def test_allometric_rate_scaling_is_a_pure_time_stretch():
    # A "mouse" at 70 kg with the mouse's volume and flow fractions: Q ∝ BW^0.75, V ∝ BW, CL ∝ BW^0.75 and, after
    # scaling, uptake/release ∝ BW^-0.25 and K50 ∝ BW^0.25, so every rate constant is divided by
    # f = (70/0.02)^0.25 = 7.692 and the %ID curves must coincide on t·f (to the ODE tolerance, rtol 1e-8).
    from ferrokit.pk.parameters import scale_rates_allometrically

    m = mouse_parameters()
    h = scale_rates_allometrically(m.replace(body_weight=70.0), m.body_weight)
    f = (70.0 / 0.02) ** 0.25
    assert f == pytest.approx(7.6918, rel=1e-4)
    assert h.organ("spleen").uptake_max == pytest.approx(m.organ("spleen").uptake_max / f, rel=1e-12)
    assert h.organ("spleen").uptake_t50 == pytest.approx(m.organ("spleen").uptake_t50 * f, rel=1e-12)
    t = np.array([1.0, 8.0, 24.0, 72.0]) * H
    rm = simulate_pbpk(m, Dosing.per_body_weight(5e-6, m), duration=t[-1], times=t)
    rh = simulate_pbpk(h, Dosing.per_body_weight(5e-6, h), duration=t[-1] * f, times=t * f)
    for organ in ("plasma", "liver", "spleen", "tumour"):
        assert rh.percent_id[organ] == pytest.approx(rm.percent_id[organ], rel=1e-5, abs=1e-7)
    assert h.sources["liver.uptake_max"][1] == "assumed"


def test_human_allometric_option():
    p = human_parameters("allometric")
    base = human_parameters()
    f = (70.0 / 0.02) ** 0.25
    assert p.organ("liver").release_rate == pytest.approx(base.organ("liver").release_rate / f, rel=1e-12)
    r = simulate_pbpk(p, Dosing.per_body_weight(5e-6, p), duration=72 * H)
    assert r.mass_balance_error < 1e-9
    with pytest.raises(FerroKitInputError, match="rate_scaling"):
        human_parameters("quadratic")
