"""A tiny study end to end: every stage agrees with calling the domain API directly."""

import json

import numpy as np
import pytest

from ferrokit.chemistry import simulate_cdt
from ferrokit.hyperthermia.plan import run_plan
from ferrokit.materials import iron_molar_concentration
from ferrokit.mri import predict_relaxivity
from ferrokit.pk import Dosing, mouse_parameters, simulate_pbpk
from ferrokit.response import thermal_survival_cem43
from ferrokit.study import STAGES, config_hash, save_results
from ferrokit.study.therapy import plan_config


def test_all_stages_present(tiny_result):
    assert tuple(tiny_result.stages) == STAGES
    for stage in tiny_result.stages.values():
        assert stage.key_numbers and stage.assumptions and stage.sources


def _direct_pk(cfg):
    # the study's tumour, by hand: 200 mm³ of muscle density 1090 kg/m³ in a 20 g mouse; blood flow
    # 20 mL/min/100g × tumour mass; retention overrides as written in the config
    p = mouse_parameters()
    mass = 200e-9 * 1090.0
    flow = 200.0 * 1e-6 / 60.0 * mass
    p = p.with_organ("tumour", volume_fraction=mass / p.body_weight, blood_flow_fraction=flow / p.cardiac_output,
                     partition_coefficient=0.15, permeability_coefficient=1e-4)
    times = np.asarray([0.0, *cfg.imaging.times])
    return simulate_pbpk(p, Dosing.per_body_weight(30e-6, p, route="intratumoral"), duration=cfg.pk_end,
                         times=times), times


def test_tumour_delta_r2_is_r2_times_pk_concentration(tiny_result):
    cfg = tiny_result.config
    from ferrokit.hyperthermia.tissues import get_tissue

    assert get_tissue("muscle").density == 1090.0  # the density the hand calculation above uses
    pk, _ = _direct_pk(cfg)
    rel = predict_relaxivity(cfg.particle.resolve(), field=7.0, echo_spacing=0.02)
    mri = tiny_result.stages["mri"].tables["mri"]
    c_mm = iron_molar_concentration(pk.concentration("tumour")[1:])
    # both runs solve the same ODE to rtol 1e-8 on different output grids: 1e-5 relative covers the interpolation
    np.testing.assert_allclose(mri["iron_tumour"][0], c_mm, rtol=1e-5)
    np.testing.assert_allclose(mri["delta_r2_tumour"][0], rel.r2 * c_mm, rtol=1e-5)
    c_liver = iron_molar_concentration(pk.concentration("liver")[1:])
    np.testing.assert_allclose(mri["delta_r2_liver"][0], rel.r2 * c_liver, rtol=1e-5)
    # spin-echo signal change of the tumour: exp(-TE ΔR2)(1 - e^{-TR R1})/(1 - e^{-TR R1,0})
    r10, r20 = 1 / 2.0, 1 / 0.045
    s = np.exp(-0.02 * (r20 + rel.r2 * c_mm)) * (1 - np.exp(-2.5 * (r10 + rel.r1 * c_mm)))
    s0 = np.exp(-0.02 * r20) * (1 - np.exp(-2.5 * r10))
    np.testing.assert_allclose(mri["signal_change_tumour"][0], s / s0 - 1, rtol=1e-9, atol=1e-12)
    img, _, dims = tiny_result.stages["mri"].arrays["mri_images"]
    assert img.shape == (3, 24, 24) and dims == ("image_time", "y", "x")


def test_hyperthermia_uses_pk_iron_and_matches_run_plan(tiny_result):
    cfg = tiny_result.config
    pk_stage = tiny_result.stages["pk"]
    t = pk_stage.tables["pk"]["time"][0]
    iron = pk_stage.tables["pk"]["concentration_tumour"][0][np.searchsorted(t, cfg.amf.time)]
    assert tiny_result.stages["hyperthermia"].number("tumour iron") == iron
    plan = run_plan(plan_config(cfg, cfg.particle.resolve(), iron))
    hy = tiny_result.stages["hyperthermia"]
    assert hy.number("tumour T90 (end)") == pytest.approx(plan.summary["tumour_t90_final"]["value"], abs=1e-9)
    assert hy.number("tumour CEM43 T90") == pytest.approx(plan.summary["tumour_cem43_t90"]["value"], rel=1e-9)
    assert hy.number("tumour T90 (end)") > 310.15  # the iron heats the tumour


def test_cdt_runs_at_plan_t90_and_37c(tiny_result):
    cfg = tiny_result.config
    hy = tiny_result.stages["hyperthermia"]
    cdt = tiny_result.stages["cdt"]
    iron = iron_molar_concentration(hy.number("tumour iron"))
    assert cdt.number("tumour temperature (T90)") == hy.number("tumour T90 (end)")
    direct = simulate_cdt(particle=cfg.particle.resolve(), iron_concentration=iron, ph=6.5,
                          temperature=hy.number("tumour T90 (end)"),
                          initial={"H2O2": 0.1, "GSH": 2.0, "O2": 0.05}, duration=600.0, n_times=101)
    assert cdt.number("cumulative ·OH at T90") == pytest.approx(direct.total_hydroxyl, rel=1e-12)


def test_response_uses_cem43_and_bliss(tiny_result):
    resp = tiny_result.stages["response"]
    cem = tiny_result.stages["hyperthermia"].number("tumour CEM43 T90")
    surv = resp.details["survival"]
    expected = float(thermal_survival_cem43(cem, d0=16.6 * 60, dq=46.8 * 60))
    assert surv["MHT"]["thermal"] == pytest.approx(expected, rel=1e-12)
    assert "thermal" not in surv["CDT"] and "ros" in surv["CDT"]
    assert {row["combination"] for row in resp.details["synergy"]} == {"MHT+CDT", "MHT+CDT+aPD-L1"}
    immune = resp.details["immune"]
    assert set(immune) == {"control", "MHT", "CDT", "MHT+CDT", "MHT+CDT+aPD-L1"}
    # anti-PD-L1 multiplies CD8 kill: the blockade arm ends with fewer tumour cells than the same arm without it
    assert immune["MHT+CDT+aPD-L1"]["final_tumour_cells"] < immune["MHT+CDT"]["final_tumour_cells"]
    # control gets no nanoparticle input
    assert immune["control"]["effects"]["sting"] == 0.0


def test_saved_results_are_labelled_with_provenance(tiny_result, tmp_path):
    from scipy.io import netcdf_file

    files = save_results(tiny_result, tmp_path / "out")
    prov = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert prov["config_sha256"] == config_hash(tiny_result.config)
    assert prov["seed"] == 7
    assert prov["config"]["dose"]["amount"] == pytest.approx(30e-6)
    header = (tmp_path / "out" / "tables" / "mri.csv").read_text().splitlines()[0]
    assert header.startswith("time [s],iron_tumour [mM Fe],delta_r2_tumour [1/s]")
    with netcdf_file(files["results.nc"], "r", mmap=False) as nc:
        v = nc.variables["mri__delta_r2_tumour"]
        assert v.units == b"1/s"
        np.testing.assert_allclose(v[:], tiny_result.stages["mri"].tables["mri"]["delta_r2_tumour"][0])
        assert nc.variables["mri_images"].shape == (3, 24, 24)
        assert nc.seed == 7
    assert not list((tmp_path / "out").rglob(".*"))


def test_same_seed_same_images(tiny_result):
    from ferrokit.study import run_study

    again = run_study(tiny_result.config)
    np.testing.assert_array_equal(again.stages["mri"].arrays["mri_images"][0],
                                  tiny_result.stages["mri"].arrays["mri_images"][0])
