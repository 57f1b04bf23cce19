"""SLP prediction: LRT limits, hand calculations, SW regime, bases, parse_amf, bad input, literature checks."""

import csv
import math
from importlib import resources

import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import K_B, MU_0
from ferrokit.hyperthermia import coercive_field, lrt_power_density, parse_amf, predict_slp
from ferrokit.magnetism import brown_time, effective_time, langevin, neel_time, water_viscosity
from ferrokit.materials import Particle, get_agent

T = 310.15


def _particle(**kw):
    base = {"composition": "Fe3O4", "core_diameter": 12e-9, "coating": {"material": "PEG", "thickness": 5e-9}}
    base.update(kw)
    return Particle.model_validate(base)


def test_h_squared_scaling_at_small_xi():
    # ξ ≈ 0.01 (10 A/m on 12 nm): χ0 = χi (1 − ξ²/15 + …), so SLP(2H)/SLP(H) = 4 to ~1e-5
    p = _particle()
    a = predict_slp(p, frequency=1e5, amplitude=10.0)
    b = predict_slp(p, frequency=1e5, amplitude=20.0)
    assert a.model == "unified" and a.xi < 0.02 and a.blend_weight == 0.0
    assert b.slp / a.slp == pytest.approx(4.0, rel=1e-4)
    # the ILP is then field independent
    assert b.ilp == pytest.approx(a.ilp, rel=1e-4)


def test_monodisperse_lrt_hand_calculation():
    # Rosensweig 2002 written out by hand with the magnetism building blocks
    p = _particle(ms={"value": 80.0, "basis": "oxide", "temperature": T}, anisotropy=1.5e4)
    f, h = 3e5, 2e3
    r = predict_slp(p, frequency=f, amplitude=h, model="lrt")
    rho = p.composition_info.density
    ms = 80.0 * rho
    v = math.pi / 6 * (12e-9) ** 3
    vh = math.pi / 6 * (22e-9) ** 3
    tau = effective_time(neel_time(anisotropy=1.5e4, volume=v, temperature=T),
                         brown_time(hydrodynamic_volume=vh, temperature=T, viscosity=water_viscosity(T)))
    xi = MU_0 * ms * v * h / (K_B * T)
    chi0 = ms * langevin(xi) / h
    wt = 2 * math.pi * f * tau
    power = MU_0 * math.pi * chi0 * h**2 * f * wt / (1 + wt**2)
    assert r.slp_oxide == pytest.approx(power / rho, rel=1e-9)
    assert r.slp == pytest.approx(power / rho / p.composition_info.iron_mass_fraction, rel=1e-9)
    assert r.tau_eff == pytest.approx(tau, rel=1e-12)
    assert r.xi == pytest.approx(xi, rel=1e-9)
    # per kg Fe vs per kg oxide: the Fe mass fraction of magnetite, 0.7236 (SCIENCE.md: 0.724)
    assert r.slp_oxide / r.slp == pytest.approx(0.7236, abs=5e-4)
    assert r.ilp == pytest.approx(r.slp / (h**2 * f), rel=1e-12)


def test_brown_only_peak_at_omega_tau_one():
    # Néel blocked (K V/kT ~ 1e3): τ = τ_B. The SLP as a function of hydrodynamic size peaks where
    # 2πf τ_B = 1, and there equals μ0 π χ0 H² f / 2 (χ0 does not depend on the hydrodynamic size).
    f, h = 1e5, 1e3
    eta = water_viscosity(T)
    vh_star = K_B * T / (3 * eta * 2 * math.pi * f)
    dh_star = (6 * vh_star / math.pi) ** (1 / 3)
    def slp(dh):
        return predict_slp(_particle(coating=None, anisotropy=4e6, hydrodynamic_diameter=dh), frequency=f,
                           amplitude=h,
                           model="lrt")
    at = slp(dh_star)
    assert 2 * math.pi * f * at.tau_eff == pytest.approx(1.0, rel=1e-9)
    assert at.slp > slp(dh_star * 1.05).slp and at.slp > slp(dh_star * 0.95).slp
    ms = at.inputs["ms_volume_median"]["value"]
    xi = MU_0 * ms * math.pi / 6 * (12e-9) ** 3 * h / (K_B * T)
    expected = MU_0 * math.pi * ms * langevin(xi) * h * f / 2 / _particle().composition_info.density
    assert at.slp_oxide == pytest.approx(expected, rel=1e-9)


def test_neel_only_peak_at_omega_tau_one():
    # Immobilised (η = 1e4 Pa s: τ_B ~ 10 s): τ = τ_N. Peak over K at τ_N = 1/(2πf).
    f, h, tau0 = 3e5, 1e3, 1e-9
    v = math.pi / 6 * (12e-9) ** 3
    k_star = K_B * T * math.log(1 / (2 * math.pi * f * tau0)) / v
    def slp(k):
        return predict_slp(_particle(anisotropy=k), frequency=f, amplitude=h, viscosity=1e4, model="lrt")
    at = slp(k_star)
    assert 2 * math.pi * f * at.tau_eff == pytest.approx(1.0, rel=1e-5)
    assert at.slp > slp(k_star * 1.03).slp and at.slp > slp(k_star * 0.97).slp


def test_polydispersity_is_continuous_and_raises_slp_for_small_cores():
    p0 = _particle(core_diameter=8e-9)
    a = predict_slp(p0, frequency=3e5, amplitude=5e3)
    b = predict_slp(_particle(core_diameter=8e-9, core_sigma=1e-4), frequency=3e5, amplitude=5e3)
    assert b.slp == pytest.approx(a.slp, rel=1e-3)
    # 8 nm cores relax far faster than the field (ωτ ≪ 1): the volume-weighted tail of larger cores adds loss
    c = predict_slp(_particle(core_diameter=8e-9, core_sigma=0.25), frequency=3e5, amplitude=5e3)
    assert c.slp > a.slp
    assert any("polydisperse" in n for n in c.notes)


def test_auto_is_the_unified_model_and_reports_xi_and_blend_weight():
    # 8 nm magnetite: KV/k_BT ≈ 0.8 < 4 for every node that matters, so the unified model is the low-barrier
    # branch (w = 0): pure LRT while every node has ξ ≤ 0.03 (0.5 kA/m: median ξ ≈ 0.016, σ = 0 here) ...
    tiny = predict_slp(_particle(core_diameter=8e-9), frequency=3e5, amplitude=500.0)
    assert tiny.slp == predict_slp(_particle(core_diameter=8e-9), frequency=3e5, amplitude=500.0, model="lrt").slp
    # ... and the nonlinear effective-field relaxation above: at ξ = 0.16 it differs from the chord-susceptibility
    # LRT by O(ξ²) only (measured −3.2e-4; bound 2e-3), but it does differ
    small = predict_slp(_particle(core_diameter=8e-9), frequency=3e5, amplitude=5e3)
    lrt = predict_slp(_particle(core_diameter=8e-9), frequency=3e5, amplitude=5e3, model="lrt")
    assert small.model == "unified" and small.xi < 1 and small.blend_weight == 0.0
    assert small.slp == pytest.approx(lrt.slp, rel=2e-3) and small.slp != lrt.slp
    assert "model: unified" in small.notes[0]
    d = small.to_dict()
    assert d["blend_weight"] == {"value": 0.0, "unit": "1"} and d["xi"]["value"] == pytest.approx(small.xi)
    # Guardia's 19 nm cubes at 29 kA/m: ξ ≈ 24, KV/k_BT ≫ 8: pure master equation (w = 1). It must agree with
    # the SW closed form within the closed form's known error (master equation 0.85–1.02 of the closed form in
    # test_stoner_wohlfarth; here the τ0 convention differs by 2–4×, a log correction of a few %): 15 %.
    agent = get_agent("guardia2012-nanocubes-19nm").particle
    big = predict_slp(agent, frequency=520e3, amplitude=29.1e3)
    sw = predict_slp(agent, frequency=520e3, amplitude=29.1e3, model="sw_random")
    assert big.model == "unified" and big.xi > 1 and big.blend_weight == pytest.approx(1.0, abs=1e-6)
    assert big.slp == pytest.approx(sw.slp, rel=0.15)


def test_sw_monodisperse_equals_closed_form():
    # monodisperse, immobilised, measured K and Ms: SLP = 2 μ0 H_C Ms f / ρ (random) and 4 μ0 H_C Ms f / ρ
    p = _particle(core_diameter=20e-9, anisotropy=1.3e4, ms={"value": 85.0, "basis": "oxide", "temperature": T})
    f, h = 3e5, 3e4
    rho = p.composition_info.density
    ms = 85.0 * rho
    v = math.pi / 6 * (20e-9) ** 3
    for model, factor, orient in (("sw_random", 2, "random"), ("sw_aligned", 4, "aligned")):
        r = predict_slp(p, frequency=f, amplitude=h, model=model, viscosity=1e4)
        hc = coercive_field(anisotropy=1.3e4, ms_volume=ms, volume=v, amplitude=h, frequency=f, temperature=T,
                            orientation=orient)
        assert r.sw_fraction == 1.0 and r.coercive_field == pytest.approx(hc, rel=1e-12)
        assert r.slp_oxide == pytest.approx(factor * MU_0 * hc * ms * f / rho, rel=1e-9)


def test_field_limit_checks_are_warnings():
    r = predict_slp(_particle(), frequency=3e5, amplitude=2e4)  # H·f = 6e9: above both limits
    assert [c.exceeded for c in r.limit_checks] == [True, True]
    assert r.slp > 0  # not refused
    assert sum("field safety" in n for n in r.notes) == 2
    d = r.to_dict()
    assert d["slp"]["unit"] == "W/kg Fe" and d["ilp_nH"]["value"] == pytest.approx(r.ilp * 1e9)
    assert d["limit_checks"][0]["limit"] == 4.85e8


def test_lrt_power_density_infinite_tau_gives_zero():
    assert lrt_power_density(frequency=1e5, amplitude=1e3, ms_volume=4e5, diameter=10e-9, tau=math.inf,
                             temperature=300.0) == 0.0


@pytest.mark.parametrize(("text", "f", "h"), [
    ("300kHz,15kA/m", 3e5, 1.5e4),
    ("100 kHz, 20 mT", 1e5, 0.02 / MU_0),
    ("300kHz,200Oe", 3e5, 200 * 1e3 / (4 * math.pi)),
    ("15kA/m,1MHz", 1e6, 1.5e4),
])
def test_parse_amf(text, f, h):
    got = parse_amf(text)
    assert got[0] == pytest.approx(f, rel=1e-12) and got[1] == pytest.approx(h, rel=1e-12)


@pytest.mark.parametrize("text", ["300kHz", "300kHz,15kA/m,1", "300kHz,400kHz", "15kA/m,10mT", "300kHz,15 kJ",
                                  "-300kHz,15kA/m", "300kHz,nan kA/m", ""])
def test_parse_amf_bad(text):
    with pytest.raises(FerroKitInputError, match="--amf"):
        parse_amf(text)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"frequency": -1.0}, "frequency"),
    ({"frequency": float("nan")}, "frequency"),
    ({"amplitude": 0.0}, "amplitude"),
    ({"temperature": 500.0}, "temperature"),
    ({"model": "magic"}, "model"),
    ({"model": "me"}, "model"),
    ({"tau0": 1.0}, "tau0"),
    ({"viscosity": -1.0}, "viscosity"),
])
def test_bad_input(kwargs, name):
    args = {"frequency": 3e5, "amplitude": 1e4}
    args.update(kwargs)
    with pytest.raises(FerroKitInputError, match=name):
        predict_slp(_particle(), **args)


def test_not_a_particle():
    with pytest.raises(FerroKitInputError, match="Particle"):
        predict_slp({"composition": "Fe3O4"}, frequency=3e5, amplitude=1e4)


def test_water_needed_without_viscosity():
    with pytest.raises(FerroKitInputError, match="viscosity"):
        predict_slp(_particle(), frequency=3e5, amplitude=1e4, temperature=250.0)


# ---- literature ----------------------------------------------------------------------------------------


def _literature_rows():
    text = resources.files("ferrokit.hyperthermia").joinpath("_data/slp_literature.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_literature_table_is_shipped_with_its_verification_columns():
    rows = _literature_rows()
    assert len(rows) >= 15
    for col in ("source", "verification", "verification_status", "verification_source", "SLP_basis"):
        assert col in rows[0]


def test_guardia_nanocubes_order_of_magnitude():
    # Guardia et al., ACS Nano 2012 6:3080: 19 nm Fe3O4 cubes, 2452 W/g Fe at 520 kHz, 29 kA/m
    # (VERIFIED-SECONDARY in slp_literature.csv: SLP, f, H and size read in the DiMag dataset).
    # Inputs NOT known: K_eff (model: |K1|/12 + 6 K_S/d), size distribution (σ = 0 assumed), Ms basis.
    # With those unknowns and a ±30–40 % interlaboratory spread (Wells et al. 2021), only the order of magnitude
    # is a fair test: within a factor 3. (Prediction with the defaults: ≈1.9 kW/g, unified = master equation here;
    # LRT alone would give ≈0.58 kW/g and fail this test.) No parameter was adjusted to this value.
    row = next(r for r in _literature_rows() if r["source"].startswith("Guardia"))
    assert "UNVERIFIED" not in row["verification_status"].split(";")[0].split("(")[0]
    assert "VERIFIED" in row["verification_status"]
    measured = float(row["SLP_W_per_g"]) * 1e3  # W/kg Fe
    pred = predict_slp(get_agent("guardia2012-nanocubes-19nm").particle,
                       frequency=float(row["frequency_kHz"]) * 1e3, amplitude=float(row["H_amplitude_kA_per_m"]) * 1e3)
    assert row["SLP_basis"] == "W/g Fe"
    assert 1 / 3 < pred.slp / measured < 3


def test_guardia_frequency_field_trend():
    # Same paper, DiMag series (seen-secondary, in the reference library): 320 kHz/22.1 kA/m gives the
    # lowest SLP of the three conditions (935 vs 2203 and 2451 W/g Fe). The model must rank it lowest too.
    agent = get_agent("guardia2012-nanocubes-19nm")
    pred, meas = {}, {}
    for m in agent.measurements_of("slp"):
        assert m.status != "unverified"
        f = float(str(m.conditions["frequency"]).split()[0]) * 1e3
        h = float(str(m.conditions["amplitude"]).split()[0]) * 1e3 / (4 * math.pi)
        pred[f] = predict_slp(agent.particle, frequency=f, amplitude=h).slp
        meas[f] = m.value
    assert min(meas, key=meas.get) == 320e3
    assert min(pred, key=pred.get) == 320e3
