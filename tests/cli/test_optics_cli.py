"""`ferrokit optics` CLI: spectra, fluence, PTT efficiency and simulation; bad input → one error line, exit 2."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from ferrokit.cli.optics import app
from ferrokit.hyperthermia.calorimetry_synthetic import synthetic_heating_curve

from .conftest import assert_one_line_error

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ptt_example.yaml"


def test_spectrum_json(runner):
    r = runner.invoke(app, ["spectrum", "--tissue", "soft", "--agent", "magnetite", "--concentration", "0.1 mg/mL",
                            "--from", "700 nm", "--to", "900 nm", "--step", "100 nm", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["wavelength"]["value"] == pytest.approx([7e-7, 8e-7, 9e-7])
    # 0.1 g/L × 2.575 cm⁻¹ per g/L at 800 nm (shared data column, ρ = 5170) rescaled to ρ = 5196.7 kg/m³, in 1/m
    assert d["agent"]["mu_a"]["value"][1] == pytest.approx(25.75 * 5170 / 5196.7, rel=1e-3)


def test_fluence_json_and_plot(runner, tmp_path):
    png = tmp_path / "f.png"
    r = runner.invoke(app, ["fluence", "--mu-a", "0.1 /cm", "--mu-s", "10 /cm", "--depth", "1 cm", "--points", "3",
                            "--json", "--plot", str(png)])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["mu_eff"]["value"] == pytest.approx(174.1, rel=1e-3)
    assert png.stat().st_size > 0


def test_ptt_efficiency(runner, tmp_path):
    c = 4.18 * 1.0   # 1 g water
    p_abs = 0.35 * 0.8 * (1 - 10**-1.0)
    t, y, _ = synthetic_heating_curve(slp=p_abs, iron_mass=1.0, heat_capacity=c, loss_coefficient=0.012,
                                      ambient=298.15, duration_before=30.0, duration_on=2000.0, duration_off=1500.0,
                                      sample_interval=5.0)
    f = tmp_path / "curve.csv"
    f.write_text("time (s),T (°C)\n" + "\n".join(f"{a:g},{b - 273.15:.5f}" for a, b in zip(t, y, strict=True)))
    r = runner.invoke(app, ["ptt-efficiency", str(f), "--power", "800 mW", "--absorbance", "1.0", "--water-mass",
                            "1 g", "--laser-on", "30 s", "--laser-off", "2030 s", "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)["result"]
    # C from the water table (4.18 J/K near 30 °C, within 0.1 %) → η within 2 % of 0.35
    assert res["eta_energy_balance"] == pytest.approx(0.35, rel=0.02)
    assert res["eta_roper"] == pytest.approx(0.35, rel=0.02)
    r2 = runner.invoke(app, ["ptt-efficiency", str(f), "--power", "800 mW", "--absorbance", "1.0", "--water-mass",
                             "1 g"])
    assert_one_line_error(r2, 2, "--laser-on")
    r3 = runner.invoke(app, ["ptt-efficiency", str(f), "--power", "800 mT", "--absorbance", "1.0", "--water-mass",
                             "1 g", "--laser-on", "30 s", "--laser-off", "2030 s"])
    assert_one_line_error(r3, 2, "--power")


def test_ptt_simulate_example(runner, tmp_path):
    cfg = tmp_path / "ptt.yaml"
    shutil.copy(EXAMPLE, cfg)
    out = tmp_path / "out"
    r = runner.invoke(app, ["ptt", "simulate", str(cfg), "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)["result"]
    assert d["peak_rise"]["value"] > 1.0
    maps = np.load(out / "ptt_maps.npz")
    assert maps["cem43"].shape == (20, 20, 16)
    assert (out / "ptt_maps.png").stat().st_size > 0


@pytest.mark.parametrize("text,fragment", [
    ("grid: {shape: [4, 4, 4], spacing: 0.5}\n", "unit"),
    ("grid: {shape: [4, 4, 4], spacing: 0.5 mm}\nlaser: {wavelength: 808 nm, irradiance: 1 W/cm2, duration: 5 s}\n"
     "dt: 1 s\nbogus: 1\n", "bogus"),
    ("grid: [unclosed\n", "YAML"),
    ("grid: {shape: [4, 4, 4], spacing: 0.5 mm}\nlaser: {wavelength: 300 nm, irradiance: 1 W/cm2, duration: 5 s}\n"
     "dt: 1 s\n", "wavelength"),
])
def test_ptt_simulate_bad_config(runner, tmp_path, text, fragment):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text)
    out = tmp_path / "out"
    r = runner.invoke(app, ["ptt", "simulate", str(cfg), "--out", str(out)])
    assert_one_line_error(r, 2, fragment)
    assert not out.exists()     # no partial output


def test_spectrum_bad_input(runner, tmp_path):
    assert_one_line_error(runner.invoke(app, ["spectrum"]), 2, "--tissue")
    assert_one_line_error(runner.invoke(app, ["spectrum", "--tissue", "soft", "--from", "500 nm"]), 2, "wavelength")
    assert_one_line_error(runner.invoke(app, ["spectrum", "--agent", str(tmp_path / "nope.csv")]), 2)
    assert_one_line_error(runner.invoke(app, ["fluence", "--mu-a", "10 /cm", "--mu-s", "1 /cm"]), 2, "diffusion")
