"""`ferrokit mri montecarlo`: table, JSON, figure and output file; bad input gives one error line, no file."""

import json

import pytest
from typer.testing import CliRunner

from ferrokit.cli.mri import app
from ferrokit.materials import oxide_volume_fraction
from ferrokit.mri.montecarlo.simulator import MAR_FRACTION_COEFF

# a 30 nm magnetite core decays within microseconds at the simulation volume fraction 0.01: a cheap run
FAST = ["montecarlo", "--core", "30nm", "--ms", "80emu/g", "--concentration", "0.5mM", "--duration", "4us",
        "--protons", "300", "--configurations", "2", "--spheres", "60", "--seed", "1"]


@pytest.fixture
def runner():
    return CliRunner()


def assert_one_line_error(result, fragment):
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1, err
    assert "Traceback" not in result.output
    assert fragment in err, err


def test_json_output_and_files(runner, tmp_path):
    out, fig = tmp_path / "r" / "mc.json", tmp_path / "decay.png"
    result = runner.invoke(app, [*FAST, "--json", "--out", str(out), "--plot", str(fig)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["command"] == "mri montecarlo" and data["ferrokit_version"]
    assert data["rate_name"] == "R2*" and data["rate"]["unit"] == "1/s"
    # physical f from 0.5 mM Fe of magnetite; the walk at 0.01, the rate scaled by f/0.01
    f = oxide_volume_fraction(0.5, "Fe3O4")
    assert data["volume_fraction"]["value"] == pytest.approx(f)
    sim_rate = data["simulation"]["rate"]["value"]
    assert data["rate"]["value"] == pytest.approx(sim_rate * f / 0.01)
    assert data["relaxivity"]["value"] == pytest.approx(data["rate"]["value"] / 0.5)
    assert data["temperature"]["value"] == pytest.approx(310.15)
    assert json.loads(out.read_text())["seed"] == 1
    # the MAR terms of the walk at f_sim = 0.01: box −0.635 R/L (computed) and c f_sim (c = MAR_FRACTION_COEFF)
    terms, conv = data["motional_averaging_terms_at_f_sim"], data["simulation"]["convergence"]
    assert terms["box_bias"] == pytest.approx(-0.6345 / conv["box_over_radius"], rel=1e-3)
    assert terms["volume_fraction_term"] == pytest.approx(MAR_FRACTION_COEFF * 0.01)
    assert fig.stat().st_size > 1000


def test_table_output_and_seed_reproducible(runner):
    a = runner.invoke(app, FAST)
    assert a.exit_code == 0, a.output
    assert "R2*" in a.stdout and "1/(s mM)" in a.stdout
    j1 = json.loads(runner.invoke(app, [*FAST, "--json"]).stdout)
    j2 = json.loads(runner.invoke(app, [*FAST, "--json"]).stdout)
    assert j1["rate"] == j2["rate"]


def test_cpmg_from_agent_options(runner):
    result = runner.invoke(app, ["montecarlo", "--core", "30nm", "--sequence", "hahn", "--duration", "4us",
                                 "--protons", "200", "--configurations", "2", "--spheres", "60", "--seed", "2",
                                 "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rate_name"] == "R2"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--core", "30"], "no unit"),
        (["--core", "30nm", "--concentration", "0.5 furlongs"], "--concentration"),
        (["--core", "30nm", "--sequence", "spin"], "--sequence"),
        (["--core", "30nm", "--sequence", "cpmg"], "--echo-spacing"),
        (["--core", "30nm", "--protons", "1"], "--protons"),
        (["--core", "30nm", "--plot", "x.gif"], "--plot"),
        (["--core", "30nm", "--temperature", "5000K"], "temperature"),
        (["--agent", "ferumoxytal"], "unknown agent"),
        (["--core", "10nm", "--sequence", "cpmg", "--echo-spacing", "5ms"], "echoes do not refocus"),
    ],
)
def test_bad_input(runner, tmp_path, args, fragment):
    out = tmp_path / "never.json"
    result = runner.invoke(app, ["montecarlo", *args, "--out", str(out)])
    assert_one_line_error(result, fragment)
    assert not out.exists()
