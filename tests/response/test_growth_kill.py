"""Growth laws (analytic vs ODE) and kill models (LQ, heat, ROS, Emax): analytic limits and hand calculations."""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.response import (
    GrowthModel,
    cumulative_dose,
    emax_effect,
    linear_quadratic_survival,
    ros_survival,
    thermal_survival_arrhenius,
    thermal_survival_cem43,
    tumour_survival,
)

DAY = 86400.0


@pytest.mark.parametrize("kind", ["exponential", "logistic", "gompertz"])
def test_analytic_growth_matches_ode_integration(kind):
    g = GrowthModel(kind=kind, rate=0.2 / DAY, capacity=3e-6, initial_volume=1e-7)
    t = np.linspace(0, 40 * DAY, 81)
    sol = solve_ivp(lambda _t, v: v * g.specific_rate(v), (0, t[-1]), [g.initial_volume], t_eval=t,
                    rtol=1e-11, atol=1e-20)
    # an independent RK45 integration at rtol 1e-11 agrees with the closed forms to ~1e-9 relative
    np.testing.assert_allclose(sol.y[0], g.volume(t), rtol=1e-8)


def test_growth_hand_values_and_time_to_volume():
    # exponential doubling time ln2/r; logistic half-capacity time ln(K/V0 − 1)/r (hand calculations)
    e = GrowthModel(kind="exponential", rate=1e-6, initial_volume=1e-7)
    assert e.time_to_volume(2e-7) == pytest.approx(math.log(2) / 1e-6, rel=1e-12)
    lg = GrowthModel(kind="logistic", rate=1e-6, capacity=2e-6, initial_volume=1e-7)
    t_half = math.log(19.0) / 1e-6
    assert lg.time_to_volume(1e-6) == pytest.approx(t_half, rel=1e-12)
    assert float(lg.volume(t_half)) == pytest.approx(1e-6, rel=1e-12)
    gz = GrowthModel(kind="gompertz", rate=1e-6, capacity=2e-6, initial_volume=1e-7)
    t = gz.time_to_volume(1e-6)
    assert float(gz.volume(t)) == pytest.approx(1e-6, rel=1e-12)
    assert gz.time_to_volume(3e-6) is None          # beyond K: never


@pytest.mark.parametrize("kwargs", [
    dict(kind="logistic", rate=1e-6, initial_volume=1e-7),                     # no capacity
    dict(kind="gompertz", rate=1e-6, capacity=1e-8, initial_volume=1e-7),      # K < V0
    dict(kind="exponential", rate=-1e-6, initial_volume=1e-7),
    dict(kind="exponential", rate=float("nan"), initial_volume=1e-7),
    dict(kind="cubic", rate=1e-6, initial_volume=1e-7),
])
def test_growth_bad_input(kwargs):
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        GrowthModel(**kwargs)


def test_lq_limits():
    d = np.array([0.0, 1.0, 2.0, 8.0])
    # D = 0 → S = 1; β = 0 → pure exponential e^{−αD}
    np.testing.assert_allclose(linear_quadratic_survival(d, alpha=0.3, beta=0.0), np.exp(-0.3 * d), rtol=1e-14)
    # SER is dose-modifying: S(d; SER) = S(SER·d; 1)
    np.testing.assert_allclose(linear_quadratic_survival(d, ser=1.4), linear_quadratic_survival(1.4 * d),
                               rtol=1e-14)
    # n fractions multiply; 5 × 2 Gy survives more than 1 × 10 Gy (the quadratic term: sparing by fractionation)
    s5 = float(linear_quadratic_survival(2.0, fractions=5))
    assert s5 == pytest.approx(float(linear_quadratic_survival(2.0)) ** 5, rel=1e-13)
    assert s5 > float(linear_quadratic_survival(10.0))
    # hand value: α = 0.3, β = 0.03, d = 2 → exp(−0.72)
    assert float(linear_quadratic_survival(2.0)) == pytest.approx(math.exp(-0.72), rel=1e-14)


def test_heat_survival_cem43_limits():
    d0, dq = 600.0, 1200.0
    n = math.exp(dq / d0)
    assert float(thermal_survival_cem43(0.0, d0=d0, dq=dq)) == 1.0
    # large dose: ln S → −(D − Dq)/D0 + o(1) (multi-target asymptote)
    big = 30 * d0
    assert math.log(float(thermal_survival_cem43(big, d0=d0, dq=dq))) == pytest.approx(-(big - dq) / d0, abs=1e-6)
    # hand value at D = D0: 1 − (1 − e^{−1})^n
    assert float(thermal_survival_cem43(d0, d0=d0, dq=dq)) == pytest.approx(1 - (1 - math.exp(-1)) ** n, rel=1e-12)
    # dq = 0: pure exponential
    assert float(thermal_survival_cem43(d0, d0=d0, dq=0.0)) == pytest.approx(math.exp(-1), rel=1e-12)
    # a map gives the mean of voxel survivals, not the survival of the mean dose
    m = np.array([0.0, 4 * d0])
    assert tumour_survival(thermal_survival_cem43(m, d0=d0, dq=0.0)) == pytest.approx((1 + math.exp(-4)) / 2)


def test_heat_survival_arrhenius_reuses_hyperthermia_dose():
    from ferrokit.hyperthermia.dose import arrhenius_damage, get_arrhenius_parameters

    p = get_arrhenius_parameters("fat")
    temps, times = [318.15, 320.15, 318.15], [0.0, 300.0, 600.0]
    om = arrhenius_damage(temps, times, frequency_factor=p.frequency_factor, activation_energy=p.activation_energy)
    assert float(thermal_survival_arrhenius(temps, times, tissue="fat")) == pytest.approx(math.exp(-float(om)))


def test_ros_and_cumulative_dose():
    assert float(ros_survival(0.0, d10=0.5)) == 1.0
    assert float(ros_survival(1.5, d10=0.5)) == pytest.approx(1e-3, rel=1e-12)      # three decades
    # constant rate 2e-4 mol m⁻³ s⁻¹ for 1 h → 0.72 mol/m³ (trapezoid exact for linear data)
    t = np.linspace(0, 3600, 7)
    assert float(cumulative_dose(np.full(7, 2e-4), t)) == pytest.approx(0.72, rel=1e-12)
    assert float(cumulative_dose(t * 1e-6, t)) == pytest.approx(0.5 * 1e-6 * 3600**2, rel=1e-12)


def test_emax_limits():
    assert float(emax_effect(0.0, emax=2.0, ec50=1.0)) == 0.0
    assert float(emax_effect(1.0, emax=2.0, ec50=1.0, hill=2.5)) == pytest.approx(1.0)      # Emax/2 at EC50
    assert float(emax_effect(1e9, emax=2.0, ec50=1.0)) == pytest.approx(2.0, rel=1e-8)      # → Emax
    # h = 1 hyperbola, hand value at C = 3 EC50: 3/4 Emax
    assert float(emax_effect(3.0, emax=2.0, ec50=1.0)) == pytest.approx(1.5)
    # steeper Hill: lower effect below EC50, higher above
    assert emax_effect(0.5, emax=1, ec50=1, hill=3) < emax_effect(0.5, emax=1, ec50=1, hill=1)
    assert emax_effect(2.0, emax=1, ec50=1, hill=3) > emax_effect(2.0, emax=1, ec50=1, hill=1)


@pytest.mark.parametrize("call", [
    lambda: linear_quadratic_survival(-1.0),
    lambda: linear_quadratic_survival(2.0, ser=0.0),
    lambda: linear_quadratic_survival(2.0, fractions=0),
    lambda: linear_quadratic_survival([2.0, float("nan")]),
    lambda: linear_quadratic_survival([]),
    lambda: thermal_survival_cem43(60.0, d0=0.0),
    lambda: ros_survival(1.0, d10=-1.0),
    lambda: emax_effect(1.0, emax=1.0, ec50=0.0),
    lambda: cumulative_dose([1.0, 2.0], [0.0]),
    lambda: thermal_survival_arrhenius([310.0, 320.0], [0.0, 60.0], tissue="bone"),
])
def test_kill_bad_input(call):
    with pytest.raises(FerroKitInputError):
        call()


def test_unit_parsers():
    assert parse_quantity("0.5 1/d", "rate") == pytest.approx(0.5 / DAY)
    assert parse_quantity("2 /h", "rate") == pytest.approx(2 / 3600)
    assert parse_quantity("3 min-1", "rate") == pytest.approx(3 / 60)
    assert parse_quantity("200 cGy", "absorbed_dose") == pytest.approx(2.0)
    assert parse_quantity("0.3 1/Gy", "per_dose") == pytest.approx(0.3)
    assert parse_quantity("30 1/cGy2", "per_dose_squared") == pytest.approx(30 * 1e4)
    for bad in ("0.5 1/parsec", "fast", "2 Sv"):
        with pytest.raises(FerroKitInputError):
            parse_quantity(bad, "rate" if "parsec" in bad or bad == "fast" else "absorbed_dose")
