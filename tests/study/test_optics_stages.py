"""Optical study stages (photoacoustic, photothermal): outputs equal direct calls to ferrokit.optics."""

import copy

import numpy as np
import pytest
import yaml

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.study import demo_config, validate_study_config
from tests.study.conftest import TINY

OPTICS = {"wavelengths": ["800 nm"], "tumour_depth": "4 mm", "pa": {"grid": 64, "n_sensors": 48},
          "ptt": {"time": "168 h", "wavelength": "808 nm", "irradiance": "1 W/cm2", "duration": "3 min",
                  "dt": "20 s", "grid_cells": 11}}


def _raw():
    raw = yaml.safe_load(TINY)
    raw["optics"] = copy.deepcopy(OPTICS)
    raw["pk_duration"] = "200 h"
    raw["response"]["arms"].append({"name": "PTT", "ptt": True})
    raw["response"]["immune"] = None
    return raw


@pytest.fixture(scope="module")
def optics_result():
    from ferrokit.study import run_study

    raw = _raw()
    return run_study(validate_study_config(raw), raw_config=raw)


def test_optics_off_by_default(tiny_raw):
    cfg = validate_study_config(tiny_raw)
    assert cfg.optics is None


def test_stage_order(optics_result):
    assert tuple(optics_result.stages) == ("particle", "pk", "mri", "photoacoustic", "hyperthermia", "photothermal",
                                           "cdt", "response")


def test_pa_tumour_p0_is_gamma_mua_phi_by_hand(optics_result):
    from ferrokit.materials import parse_formula
    from ferrokit.optics import fluence_1d, magnetite_mass_absorption, tissue_optics

    pa = optics_result.stages["photoacoustic"].tables["photoacoustic"]
    pk = optics_result.stages["pk"].tables["pk"]
    t, c_pk = pk["time"][0], pk["concentration_tumour"][0]
    iron = np.array([c_pk[np.searchsorted(t, ti)] for ti in pa["time"][0]])
    np.testing.assert_array_equal(pa["iron_tumour"][0], iron)
    wl = 800e-9
    w_fe = parse_formula("Zn0.4Mn0.6Fe2O4").iron_mass_fraction          # kg Fe per kg oxide
    mu_a = float(tissue_optics("tumour", wl).mu_a) + iron / w_fe * magnetite_mass_absorption(wl)
    soft = tissue_optics("soft", wl)
    phi = fluence_1d(4e-3, mu_a=float(soft.mu_a), mu_s_prime=float(soft.mu_s_prime), irradiance=200.0)  # 20 mJ/cm²
    gamma = 0.0043 + 0.0053 * 37.0                                          # Γ(37 °C), Wang & Wu fit
    # same inputs, same formula: only floating-point rounding differs
    np.testing.assert_allclose(pa["mu_a_tumour_800nm"][0], mu_a, rtol=1e-12)
    np.testing.assert_allclose(pa["p0_tumour_centre_800nm"][0], gamma * mu_a * phi, rtol=1e-9)


def test_pa_signal_follows_tumour_iron(optics_result):
    st = optics_result.stages["photoacoustic"]
    pa = st.tables["photoacoustic"]
    sig, iron = pa["pa_tumour_800nm"][0], pa["iron_tumour"][0]
    # p0 is linear in μa and the reconstruction is linear in p0: more iron, more signal
    assert np.all(np.sign(np.diff(sig)) == np.sign(np.diff(iron)))
    assert np.all(pa["pa_enhancement_800nm"][0] > 1) and np.all(pa["pa_contrast_800nm"][0] > 1)
    img, unit, dims = st.arrays["pa_images"]
    assert img.shape == (3, 1, 64, 64) and dims == ("image_time", "wavelength", "x", "y") and unit == "Pa"
    lab = st.arrays["pa_labels"][0]
    # time reversal recovers the tumour p0 to within 30 % in this coarse 2D ring geometry (finite record, PML)
    p0 = st.arrays["pa_p0_last"][0][0]
    assert img[-1, 0][lab == 2].mean() == pytest.approx(p0[lab == 2].mean(), rel=0.3)


def test_ptt_stage_matches_direct_call_and_enters_response(optics_result):
    st = optics_result.stages["photothermal"]
    res = st.details["result"]
    assert st.number("tumour max temperature") <= res["peak_temperature"]["value"] + 1e-9
    assert st.number("tumour T90 (max over session)") > 310.15     # heated above 37 °C
    cem = st.number("tumour CEM43 T90")
    assert cem > 0
    resp = optics_result.stages["response"]
    assert any("photothermal session's tumour CEM43 T90" in a for a in resp.assumptions)
    arm = next(a for a in resp.details["arms"] if a["name"] == "PTT")
    assert arm["thermal"]["cem43"] == [pytest.approx(cem)]
    assert arm["thermal"]["times"] == [pytest.approx(168 * 3600.0)]


def test_ptt_refuses_diffusion_invalid_tumour():
    from ferrokit.study import run_study

    raw = _raw()
    raw["optics"]["pa"] = None
    raw["optics"]["ptt"]["time"] = "24 h"   # 4.8 mg oxide/mL: μa ≈ 12 /cm > μs'/2 ≈ 5 /cm at 808 nm
    with pytest.raises(FerroKitInputError, match="diffusion model does not hold"):
        run_study(validate_study_config(raw))


@pytest.mark.parametrize(("change", "expect"), [
    (("wavelengths", ["1200 nm"]), "650, 1000"),
    (("wavelengths", []), "wavelengths"),
    (("wavelengths", [800]), "no unit"),
    (("tumour_depth", "1 mm"), "tumour radius"),
    (("pa", {"grid": 16}), "optics.pa.grid"),
    (("ptt", {"time": "24 h", "wavelength": "808 nm", "irradiance": "50 W/cm2", "duration": "5 min"}),
     "irradiance"),
    (("colour", "red"), "colour"),
])
def test_optics_config_validation(change, expect):
    raw = _raw()
    raw["optics"][change[0]] = change[1]
    with pytest.raises(FerroKitInputError, match=expect):
        validate_study_config(raw)


def test_ptt_arm_needs_ptt_session_and_no_hyperthermia():
    raw = _raw()
    raw["optics"]["ptt"] = None
    with pytest.raises(FerroKitInputError, match=r"needs optics\.ptt"):
        validate_study_config(raw)
    raw = _raw()
    raw["response"]["arms"][-1]["hyperthermia"] = True
    with pytest.raises(FerroKitInputError, match="cannot combine ptt"):
        validate_study_config(raw)


def test_demo_has_optics_and_ptt_arm():
    cfg, _ = demo_config()
    assert cfg.optics is not None and cfg.optics.ptt is not None
    assert any(a.ptt for a in cfg.response.arms)
