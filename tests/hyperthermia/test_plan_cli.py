"""`ferrokit hyperthermia plan` (tested on the command's own one-command app): outputs, JSON, bad input."""

import json

import nibabel as nib
import numpy as np
import pytest
from typer.testing import CliRunner

from ferrokit.cli.plan import _app

from ..cli.conftest import assert_one_line_error

PLAN = """
grid: {shape: [14, 14, 14], spacing: 1.5 mm}
tissues:
  background: muscle
  regions: [{shape: sphere, center: [10.5 mm, 10.5 mm, 10.5 mm], radius: 4 mm, tissue: tumour}]
  tumour: {perfusion: 20 mL/min/100g}
particles: {kind: depot, center: [10.5 mm, 10.5 mm, 10.5 mm], volume: 0.05 mL, iron_mass: 3 mg, spread: 1 mm}
heating: {slp: 250 W/g, slp_amplitude: 15 kA/m}
field:
  frequency: 100 kHz
  limit: hergt-dutz
  control: {target_t90: 42 C, healthy_max: 44 C}
duration: 5 min
dt: 20 s
dose: {arrhenius: liver}
"""


@pytest.fixture
def runner():
    return CliRunner()


def test_plan_writes_maps_curves_and_summary(runner, tmp_path):
    f = tmp_path / "plan.yaml"
    f.write_text(PLAN)
    out = tmp_path / "out"
    res = runner.invoke(_app(), ["plan", str(f), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["ferrokit_version"]
    s = data["summary"]
    assert s["iron_mass"] == {"value": pytest.approx(3e-6), "unit": "kg"}
    assert s["control"]["steady_state"]["reachable"] in (True, False)
    for name in ("temperature_max_C.nii.gz", "cem43_min.nii.gz", "arrhenius_omega.nii.gz", "curves.csv",
                 "curves.png", "maps.png", "summary.json"):
        assert (out / name).is_file(), name
    tmax = np.asarray(nib.load(out / "temperature_max_C.nii.gz").dataobj)
    assert tmax.shape == (14, 14, 14)
    # the map (°C, float32) and the summary (K) agree on the hottest tumour voxel
    assert float(tmax.max()) == pytest.approx(s["tumour_max_temperature"]["value"] - 273.15, abs=1e-3)
    lines = (out / "curves.csv").read_text().splitlines()
    assert lines[0].startswith("time (s),amplitude (A/m)") and len(lines) == 1 + 16


def test_plan_table_output(runner, tmp_path):
    f = tmp_path / "plan.yaml"
    f.write_text(PLAN.replace("duration: 5 min", "duration: 1 min"))
    res = runner.invoke(_app(), ["plan", str(f), "--out", str(tmp_path / "o"), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "tumour T90" in res.stdout and "reachable" in res.stdout


@pytest.mark.parametrize(("text", "fragment"), [
    (PLAN.replace("duration: 5 min", "duration: 5"), "no unit"),
    (PLAN.replace("tumour: {perfusion: 20 mL/min/100g}", ""), "perfusion is required"),
    (PLAN + "colour: red\n", "unknown key"),
    ("grid: [1, 2\n", "YAML"),
    ("- a\n- b\n", "mapping"),
])
def test_plan_bad_input(runner, tmp_path, text, fragment):
    f = tmp_path / "plan.yaml"
    f.write_text(text)
    out = tmp_path / "out"
    res = runner.invoke(_app(), ["plan", str(f), "--out", str(out)])
    assert_one_line_error(res, 2, fragment)
    assert not out.exists()


def test_plan_missing_and_corrupt_files(runner, tmp_path):
    res = runner.invoke(_app(), ["plan", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o")])
    assert_one_line_error(res, 2, "not found")
    f = tmp_path / "plan.yaml"
    f.write_text(PLAN.replace("particles: {kind: depot, center: [10.5 mm, 10.5 mm, 10.5 mm], volume: 0.05 mL, "
                              "iron_mass: 3 mg, spread: 1 mm}", "particles: {kind: array, path: c.npy}"))
    res = runner.invoke(_app(), ["plan", str(f), "--out", str(tmp_path / "o")])
    assert_one_line_error(res, 2, "not found")
    np.save(tmp_path / "c.npy", np.full((14, 14, 14), np.nan))
    res = runner.invoke(_app(), ["plan", str(f), "--out", str(tmp_path / "o")])
    assert_one_line_error(res, 2, "finite")
    (tmp_path / "c.npy").write_bytes(b"not a numpy file")
    res = runner.invoke(_app(), ["plan", str(f), "--out", str(tmp_path / "o")])
    assert_one_line_error(res, 2, "c.npy")
    assert not (tmp_path / "o").exists()
