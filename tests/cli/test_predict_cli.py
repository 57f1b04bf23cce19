"""`ferrokit predict`: table, JSON, inputs from options, agents and files; bad input."""

import json

import pytest

from ferrokit.cli.app import app
from ferrokit.magnetism import predict_magnetic_properties
from ferrokit.materials import get_agent

from .conftest import assert_one_line_error


def test_predict_agent_json_matches_the_api(runner):
    result = runner.invoke(app, ["predict", "--agent", "ferumoxytol", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    props = predict_magnetic_properties(get_agent("ferumoxytol").particle, temperature=300.0)
    for key in ("density", "ms_mass", "k_eff", "tau_neel", "tau_brown", "tau_eff", "blocking_temperature"):
        assert data["properties"][key]["value"] == pytest.approx(props[key], rel=1e-12)
        assert data["properties"][key]["unit"]
    assert data["temperature"] == {"value": 300.0, "unit": "K"}
    assert data["composition"]["formula"]


def test_predict_from_options_in_lab_units(runner):
    args = ["predict", "--composition", "Zn0.4Mn0.6Fe2O4", "--core", "12nm", "--sigma", "0.1",
            "--coating", "PEG:5nm", "--hydrodynamic", "30nm", "--ms", "60emu/g", "--temperature", "37C", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["temperature"]["value"] == pytest.approx(310.15)
    assert data["properties"]["hydrodynamic_diameter"]["value"] == pytest.approx(30e-9)
    # measured 60 emu/g at 300 K, scaled to 37 °C by the bulk ratio: a little below 60
    assert 55 < data["properties"]["ms_mass"]["value"] < 60
    assert data["particle"]["coating"]["material"] == "PEG"


def test_predict_table_output(runner):
    result = runner.invoke(app, ["predict", "--agent", "ferumoxytol", "--temperature", "37C"])
    assert result.exit_code == 0, result.output
    assert "τ Néel" in result.stdout and "emu/g" in result.stdout


def test_predict_from_particle_file_with_override(runner, tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("composition: Fe3O4\ncore_diameter: 10 nm\ncoating: {material: dextran, thickness: 5 nm}\n")
    result = runner.invoke(app, ["predict", "--particle", str(f), "--core", "14nm", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["properties"]["equivalent_diameter"]["value"] == pytest.approx(14e-9)
    assert data["properties"]["hydrodynamic_diameter"]["value"] == pytest.approx(24e-9)


def test_predict_writes_out_file(runner, tmp_path):
    out = tmp_path / "res" / "pred.json"
    result = runner.invoke(app, ["predict", "--agent", "ferumoxytol", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["agent"] == "ferumoxytol"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--composition", "Fe3O4", "--core", "12"], "no unit"),
        (["--composition", "Fe3O4", "--core", "12 furlongs"], "unit"),
        (["--composition", "Qq3O4", "--core", "12nm"], "composition"),
        (["--composition", "Fe3O4", "--core", "12nm", "--coating", "PEG"], "--coating"),
        (["--composition", "Fe3O4", "--core", "12nm", "--cluster", "x:y"], "--cluster"),
        (["--composition", "Fe3O4", "--core", "12nm", "--ms", "60emu/g", "--ms-basis", "moon"], "basis"),
        (["--composition", "Fe3O4", "--core", "12nm", "--temperature", "5000K"], "temperature"),
        (["--composition", "Fe3O4"], "--core"),
        (["--agent", "ferumoxytal"], "unknown agent"),
        (["--agent", "ferumoxytol", "--particle", "x.yaml"], "not both"),
        (["--particle", "does-not-exist.yaml"], "not found"),
    ],
)
def test_predict_bad_input(runner, tmp_path, args, fragment):
    out = tmp_path / "never.json"
    result = runner.invoke(app, ["predict", *args, "--out", str(out)])
    assert_one_line_error(result, 2, fragment)
    assert not out.exists()


def test_particle_file_errors(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("composition: Fe3O4\ncore_diameter: 12\n")
    assert_one_line_error(runner.invoke(app, ["predict", "--particle", str(bad)]), 2, "no unit")
    bad.write_text("composition: [Fe3O4\n")
    assert_one_line_error(runner.invoke(app, ["predict", "--particle", str(bad)]), 2, "invalid YAML")
    bad.write_text("- just a list\n")
    assert_one_line_error(runner.invoke(app, ["predict", "--particle", str(bad)]), 2, "mapping")
    bad.write_text("composition: Fe3O4\ncore_diameter: 12 nm\nwobble: 3\n")
    assert_one_line_error(runner.invoke(app, ["predict", "--particle", str(bad)]), 2, "unknown key")


def test_example_particle_file_works(runner):
    result = runner.invoke(app, ["predict", "--particle", "examples/particle_znmn_ferrite.yaml", "--json"])
    assert result.exit_code == 0, result.output


def test_predict_with_field_and_amf_matches_the_apis(runner):
    from ferrokit.hyperthermia import predict_slp
    from ferrokit.mri import predict_relaxivity

    args = ["predict", "--agent", "ferumoxytol", "-T", "37C", "--field", "3T", "--echo-spacing", "10ms",
            "--amf", "300kHz,15kA/m", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    props = json.loads(result.stdout)["properties"]
    particle = get_agent("ferumoxytol").particle
    relax = predict_relaxivity(particle, field=3.0, temperature=310.15, echo_spacing=10e-3)
    for key in ("r1", "r2", "r2star"):
        assert props[key]["unit"] == "mM-1 s-1"
        assert props[key]["value"] == pytest.approx(getattr(relax, key), rel=1e-9)
    assert props["mri_regime"]["value"] == relax.regime
    slp = predict_slp(particle, frequency=300e3, amplitude=15e3, temperature=310.15)
    assert props["slp"]["unit"] == "W/g Fe"
    assert props["slp"]["value"] == pytest.approx(slp.slp / 1e3, rel=1e-9)  # W/kg → W/g
    assert props["ilp"]["value"] == pytest.approx(slp.ilp * 1e9, rel=1e-9)  # H m²/kg → nH m²/kg


def test_predict_tables_for_field_and_amf(runner):
    result = runner.invoke(app, ["predict", "--agent", "ferumoxytol", "--field", "1.5T", "--amf", "100kHz,10mT"])
    assert result.exit_code == 0, result.output
    assert "r2*" in result.stdout and "SLP" in result.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--field", "3"], "no unit"),
        (["--echo-spacing", "10ms"], "needs --field"),
        (["--amf", "300kHz"], "--amf"),
        (["--amf", "300kHz,15 apples"], "--amf"),
    ],
)
def test_predict_bad_field_and_amf(runner, tmp_path, args, fragment):
    out = tmp_path / "never.json"
    result = runner.invoke(app, ["predict", "--agent", "ferumoxytol", *args, "--out", str(out)])
    assert_one_line_error(result, 2, fragment)
    assert not out.exists()
