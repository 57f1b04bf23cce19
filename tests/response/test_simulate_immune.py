"""Therapy arms (growth delay, Bliss on simulated arms, chemo release) and the tumour–immune model."""

import math

import numpy as np
import pytest
from pydantic import ValidationError

from ferrokit._shared.schema import validate_model
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.response import (
    ChemoSpec,
    GrowthModel,
    ImmuneEffects,
    ImmuneParameters,
    RadiationSpec,
    ReleaseSpec,
    ResponseConfig,
    RosSpec,
    Schedule,
    TherapyArm,
    ThermalSpec,
    simulate_arms,
    simulate_immune,
    tumour_free_equilibrium,
)
from ferrokit.response.simulate import chemo_kill_rate

DAY = 86400.0
EXP = GrowthModel(kind="exponential", rate=0.2 / DAY, initial_volume=1e-7)


def _arms():
    th = ThermalSpec(times=[DAY], cem43=[1800.0], d0=900.0, dq=0.0)
    ros = RosSpec(times=[2 * DAY], dose=[0.7], d10=1.0)
    rt = RadiationSpec(times=[DAY, 2 * DAY, 3 * DAY], dose_per_fraction=[2.0])
    return [TherapyArm(name="control"), TherapyArm(name="heat", thermal=th), TherapyArm(name="cdt", ros=ros),
            TherapyArm(name="rt", radiation=rt), TherapyArm(name="heat+cdt", thermal=th, ros=ros),
            TherapyArm(name="heat+cdt+rt", thermal=th, ros=ros, radiation=rt)]


def test_control_arm_follows_the_analytic_law():
    for g in (EXP, GrowthModel(kind="logistic", rate=0.3 / DAY, capacity=2e-6, initial_volume=1e-7),
              GrowthModel(kind="gompertz", rate=0.1 / DAY, capacity=3e-6, initial_volume=1e-7)):
        r = simulate_arms([TherapyArm(name="control")], growth=g, duration=30 * DAY)
        # the arm ODE (RK45, rtol 1e-9 on ln V) against the closed form
        np.testing.assert_allclose(r.volume["control"], g.volume(r.times), rtol=1e-7)


def test_exponential_growth_delay_is_log_kill_over_rate():
    r = simulate_arms(_arms(), growth=EXP, duration=60 * DAY, times=np.linspace(0, 60 * DAY, 2401))
    s = r.survival
    assert s["heat"]["thermal"] == pytest.approx(math.exp(-2.0), rel=1e-12)           # 1800/900, dq = 0
    assert s["cdt"]["ros"] == pytest.approx(10**-0.7, rel=1e-12)
    assert s["rt"]["radiation"] == pytest.approx(math.exp(-3 * 0.72), rel=1e-12)      # 3 × 2 Gy LQ
    # exponential growth: delay = ln(1/S)/r exactly; crossing interpolated in ln V → tolerance ~1e-6 relative
    for arm, surv in (("heat", s["heat"]["thermal"]), ("rt", s["rt"]["radiation"])):
        assert r.growth_delay[arm] == pytest.approx(-math.log(surv) / EXP.rate, rel=1e-5)
    assert r.growth_delay["control"] == 0.0


@pytest.mark.parametrize("kind", ["exponential", "gompertz"])
def test_independent_arms_give_zero_bliss_excess(kind):
    # exponential and Gompertz are linear in ln V: independent log-kills superpose → Bliss excess 0
    g = EXP if kind == "exponential" else GrowthModel(kind="gompertz", rate=0.1 / DAY, capacity=3e-6,
                                                      initial_volume=1e-7)
    r = simulate_arms(_arms(), growth=g, duration=20 * DAY)
    assert len(r.synergy) == 2
    for row in r.synergy:
        assert row["bliss_excess"] == pytest.approx(0.0, abs=1e-7)    # ODE tolerance (rtol 1e-9 on ln V)
        assert row["verdict"] == "additive (independent)"
    assert {tuple(row["monotherapies"]) for row in r.synergy} == {("heat", "cdt"), ("heat", "cdt", "rt")}


def test_logistic_growth_bliss_note_and_sensitiser_difference_noted():
    g = GrowthModel(kind="logistic", rate=0.3 / DAY, capacity=1e-6, initial_volume=1e-7)
    combo = TherapyArm(name="heat+rt", thermal=_arms()[1].thermal,
                       radiation=RadiationSpec(times=[DAY], dose_per_fraction=[2.0], ser=1.5))
    arms = [*_arms()[:4], combo]
    r = simulate_arms(arms, growth=g, duration=20 * DAY)
    assert any("logistic" in n for n in r.notes)
    assert any("differs from monotherapy" in n for n in r.notes)
    assert r.synergy[0]["bliss_excess"] > 0.0     # SER 1.5 in the combination only: more kill than expected


def test_chemo_release_concentration_without_elimination_is_load_times_fraction():
    spec = ChemoSpec(time=DAY, release=ReleaseSpec(kind="first_order", t50=6 * 3600.0), loaded_concentration=0.01,
                     emax=1.0 / DAY, ec50=0.005)
    t = np.linspace(0, 3 * DAY, 3001)
    c, k = chemo_kill_rate(spec, t)
    f = np.where(t > DAY, 1 - np.exp(-math.log(2) / (6 * 3600.0) * (t - DAY)), 0.0)
    np.testing.assert_allclose(c, 0.01 * f, atol=1e-12)
    np.testing.assert_allclose(k, (1 / DAY) * c / (0.005 + c), atol=1e-18)
    r = simulate_arms([TherapyArm(name="control"), TherapyArm(name="chemo", chemo=spec)], growth=EXP,
                      duration=3 * DAY)
    # exponential growth: V_chemo/V_control = exp(−∫k dt) = the reported chemo survival (ODE tolerance)
    ratio = r.volume["chemo"][-1] / r.volume["control"][-1]
    assert ratio == pytest.approx(r.survival["chemo"]["chemo"], rel=1e-5)


def test_subject_variability_is_reproducible():
    kw = dict(growth=EXP, duration=10 * DAY, n_subjects=8, rate_cv=0.3)
    a = simulate_arms(_arms()[:2], rng=3, **kw)
    b = simulate_arms(_arms()[:2], rng=3, **kw)
    np.testing.assert_array_equal(a.volume["heat"], b.volume["heat"])
    assert a.volume_sd["control"][-1] > 0
    d = a.to_dict()
    assert d["arms"]["heat"]["volume_sd"]["unit"] == "m3"


def test_result_to_dict_and_plot():
    import matplotlib

    matplotlib.use("Agg")
    r = simulate_arms(_arms(), growth=EXP, duration=10 * DAY)
    d = r.to_dict()
    assert d["arms"]["rt"]["final_volume"]["unit"] == "m3"
    assert any("phenomenological" in n for n in d["notes"])
    ax = r.plot()
    assert len(ax.get_lines()) == len(_arms()) + 1
    matplotlib.pyplot.close(ax.figure)


@pytest.mark.parametrize("call", [
    lambda: simulate_arms([], growth=EXP, duration=DAY),
    lambda: simulate_arms([TherapyArm(name="a"), TherapyArm(name="a")], growth=EXP, duration=DAY),
    lambda: simulate_arms([TherapyArm(name="a")], growth=EXP, duration=-1.0),
    lambda: simulate_arms([TherapyArm(name="a")], growth=EXP, duration=DAY, times=[0.0, 2 * DAY]),
    lambda: simulate_arms([TherapyArm(name="a")], growth=EXP, duration=DAY, times=[0.0, 0.0]),
    lambda: simulate_arms([TherapyArm(name="a")], growth=EXP, duration=DAY, synergy_time=2 * DAY),
    lambda: simulate_arms([TherapyArm(name="a")], growth=EXP, duration=DAY, n_subjects=0),
])
def test_simulate_bad_input(call):
    with pytest.raises(FerroKitInputError):
        call()


def test_schema_requires_units_in_files_and_names_the_field():
    base = {"growth": {"kind": "exponential", "rate": "0.2 1/d", "initial_volume": "100 mm3"},
            "duration": "10 d", "arms": [{"name": "control"}]}
    cfg = validate_model(ResponseConfig, base, require_units=True)
    assert cfg.growth.rate == pytest.approx(0.2 / DAY)
    assert cfg.growth.initial_volume == pytest.approx(1e-7)
    bad = {**base, "growth": {**base["growth"], "rate": 0.2}}
    with pytest.raises(FerroKitInputError, match=r"growth\.rate"):
        validate_model(ResponseConfig, bad, require_units=True)
    arm = {"name": "x", "radiation": {"times": ["1 d"], "dose_per_fraction": "2 Sv"}}
    with pytest.raises(FerroKitInputError, match="dose_per_fraction"):
        validate_model(ResponseConfig, {**base, "arms": [arm]}, require_units=True)
    with pytest.raises(FerroKitInputError, match="unknown key"):
        validate_model(ResponseConfig, {**base, "arms": [{"name": "x", "laser": {}}]}, require_units=True)
    with pytest.raises(ValidationError):
        RosSpec(dose=[1.0], dose_rate=1e-4, exposure=10.0)             # both forms
    m = validate_model(ThermalSpec, {"cem43": {"values": [10, 20], "unit": "min"}}, require_units=True)
    assert m.cem43 == (600.0, 1200.0)


# --- tumour–immune model -------------------------------------------------------------------------------------


def test_immune_model_reduces_to_de_pillis_and_tumour_free_equilibrium():
    p = ImmuneParameters.de_pillis_mouse("ll", macrophages=False)
    eq = tumour_free_equilibrium(p)
    assert eq["N"] == pytest.approx(1.3e4 / 4.12e-2)        # N* = σ/f (de Pillis mouse values, per day)
    # without tumour the equilibrium is stationary: NK stays at σ/f
    r = simulate_immune(duration=5 * DAY, initial_tumour=1e-9, params=p, n_times=11)
    np.testing.assert_allclose(r.nk, eq["N"], rtol=1e-6)


def test_immune_qualitative_regimes_of_de_pillis_mouse_sets():
    # NK-ligand-transduced tumours (ll, ln: c·N* > a) reject a small challenge; control tumours (nn: c·N* < a)
    # escape — the qualitative contrast of the Diefenbach et al. experiments that de Pillis et al. fitted.
    for var, expected in (("ll", "tumour-free"), ("ln", "tumour-free"), ("nn", "escape")):
        p = ImmuneParameters.de_pillis_mouse(var, macrophages=False)
        eq = tumour_free_equilibrium(p)
        assert (eq["invasion_rate"] < 0) == (expected == "tumour-free")
        assert simulate_immune(duration=60 * DAY, initial_tumour=1e4, params=p).outcome == expected


def test_immune_inputs_act_in_the_documented_direction():
    p = ImmuneParameters.de_pillis_mouse("nn")
    base = simulate_immune(duration=20 * DAY, initial_tumour=1e6, params=p)
    ferro = simulate_immune(duration=20 * DAY, initial_tumour=1e6, params=p,
                            effects=ImmuneEffects(ferroptosis_rate=Schedule.pulse(DAY, 2 * DAY, 0.5 / DAY)))
    assert ferro.tumour[-1] < base.tumour[-1]
    assert ferro.cd8.max() > base.cd8.max()                  # ICD priming
    rep = simulate_immune(duration=20 * DAY, initial_tumour=1e6, params=p,
                          effects=ImmuneEffects(repolarisation=1.0 / DAY))
    assert rep.m1[-1] > base.m1[-1] and rep.m2[-1] < base.m2[-1]
    nk = simulate_immune(duration=20 * DAY, initial_tumour=1e6, params=p, effects=ImmuneEffects(nk_heat=1.0))
    assert nk.tumour[10] < base.tumour[10]
    d = ferro.to_dict()
    assert d["times"]["unit"] == "s" and "phenomenological" in d["notes"][0]


@pytest.mark.parametrize("call", [
    lambda: simulate_immune(duration=-1.0),
    lambda: simulate_immune(duration=DAY, initial_tumour=0.0),
    lambda: simulate_immune(duration=DAY, initial_nk=float("nan")),
    lambda: ImmuneParameters.de_pillis_mouse("xx"),
])
def test_immune_bad_input(call):
    with pytest.raises(FerroKitInputError):
        call()


def test_immune_effect_levels_validated():
    with pytest.raises(ValidationError):
        ImmuneEffects(pdl1_blockade=1.5)
    with pytest.raises(ValidationError):
        ImmuneParameters(a=-1.0)
