"""`slp_map_command` through a tiny Typer app (the lead registers it as `ferrokit hyperthermia slp-map`)."""

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from ferrokit.cli.slp import slp_map_command

from ..cli.conftest import assert_one_line_error

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
app.command(name="slp-map")(slp_map_command)


@app.callback()
def _root() -> None:
    """test app"""


SMALL = ["--core-range", "8nm:16nm:3", "--frequencies", "50kHz,100kHz", "--amplitudes", "2kA/m:8kA/m:3"]


@pytest.fixture
def runner():
    return CliRunner()


def test_json_output_with_optimum(runner):
    r = runner.invoke(app, ["slp-map", "--composition", "Fe3O4", "--coating", "PEG:5nm", *SMALL, "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["ferrokit_version"] and data["limit"] == "atkinson"
    assert data["hf_limit"]["value"] == 4.85e8
    assert np.array(data["slp"]["value"]).shape == (3, 2, 3)
    opt = data["optimum"]
    assert opt["frequency"] * opt["amplitude"] <= 4.85e8
    assert data["core_diameters"]["value"] == pytest.approx([8e-9, 12e-9, 16e-9])
    # the unified model reports ξ and its master-equation weight per cell and at the optimum
    assert np.array(data["blend_weight"]["value"]).shape == (3, 2, 3) and data["blend_weight"]["unit"] == "1"
    assert opt["model"] == "unified" and 0.0 <= opt["blend_weight"] <= 1.0 and opt["xi"] > 0


def test_agent_table_plot_and_outputs(runner, tmp_path):
    png, js, npz = tmp_path / "map.png", tmp_path / "map.json", tmp_path / "map.npz"
    r = runner.invoke(app, ["slp-map", "--agent", "nanotherm", *SMALL, "--limit", "hergt", "--plot", str(png),
                            "--out", str(js)])
    assert r.exit_code == 0, r.output
    assert "optimum SLP" in r.stdout and png.stat().st_size > 1000
    assert json.loads(js.read_text())["limit"] == "hergt"
    r = runner.invoke(app, ["slp-map", "--agent", "nanotherm", *SMALL, "--limit", "2e9", "--out", str(npz),
                            "--json"])
    assert r.exit_code == 0, r.output
    with np.load(npz) as z:
        assert z["slp"].shape == (3, 2, 3) and float(z["hf_limit"]) == 2e9
    assert "slp" not in json.loads(r.stdout)  # arrays go to the file


@pytest.mark.parametrize(("args", "fragment"), [
    (["--limit", "sometimes"], "--limit"),
    (["--core-range", "6nm:24nm"], "--core-range"),
    (["--core-range", "24nm:6nm:5"], "--core-range"),
    (["--frequencies", "100kHz:1MHz:x"], "--frequencies"),
    (["--amplitudes", "5kA/m:30kA/m:0"], "--amplitudes"),
    (["--amplitudes", "5 parsecs"], "--amplitudes"),
    (["--model", "best"], "--model"),
    (["--temperature", "500K"], "temperature"),
])
def test_bad_input_one_line_no_output_file(runner, tmp_path, args, fragment):
    out = tmp_path / "m.json"
    base = ["slp-map", "--agent", "nanotherm", *SMALL, "--out", str(out)]
    r = runner.invoke(app, base + args)
    assert_one_line_error(r, 2, fragment)
    assert not out.exists()


def test_bad_out_suffix_and_missing_particle(runner, tmp_path):
    r = runner.invoke(app, ["slp-map", "--agent", "nanotherm", *SMALL, "--out", str(tmp_path / "m.csv")])
    assert_one_line_error(r, 2, ".json or .npz")
    r = runner.invoke(app, ["slp-map", *SMALL])
    assert_one_line_error(r, 2, "--agent")
    r = runner.invoke(app, ["slp-map", "--agent", "nosuchagent", *SMALL])
    assert_one_line_error(r, 2, "unknown agent")
