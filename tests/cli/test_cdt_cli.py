"""`ferrokit cdt simulate`: table, JSON, files, units, custom networks; bad input -> one line, exit 2."""

import csv
import json

import pytest

from ferrokit.chemistry import gox_molar_concentration, simulate_cdt
from ferrokit.cli.cdt import app
from ferrokit.materials import Particle

from .conftest import assert_one_line_error

BASE = ["simulate", "--composition", "Fe3O4", "--core", "10nm", "--duration", "10min", "--points", "11"]


def test_json_matches_the_api(runner):
    result = runner.invoke(app, [*BASE, "--iron", "0.5mM", "--ph", "6.5", "--temperature", "43C", "--gox",
                                 "10ug/mL", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ferrokit_version"]
    assert data["conditions"]["temperature"] == {"value": pytest.approx(316.15), "unit": "K"}
    # 10 ug/mL GOx at 160 kDa = 62.5 nM = 6.25e-5 mol/m3
    assert data["conditions"]["gox"]["value"] == pytest.approx(6.25e-5)
    res = simulate_cdt(particle=Particle(composition="Fe3O4", core_diameter=10e-9), iron_concentration=0.5,
                       ph=6.5, temperature=316.15, duration=600.0, n_times=11, gox=gox_molar_concentration(10e-3),
                       initial={"H2O2": 0.1, "GSH": 2.0, "glucose": 5.0, "O2": 0.05})
    assert data["summary"]["total_hydroxyl"]["value"] == pytest.approx(res.total_hydroxyl, rel=1e-9)
    assert data["summary"]["final"]["O2"]["unit"] == "mol/m3"


def test_table_plot_and_csv(runner, tmp_path):
    png, out = tmp_path / "species.png", tmp_path / "res" / "result.csv"
    result = runner.invoke(app, [*BASE, "--plot", str(png), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "cumulative ·OH" in result.stdout and "µM" in result.stdout
    assert png.stat().st_size > 1000
    rows = list(csv.reader(out.open()))
    assert rows[0][0] == "t (s)" and "H2O2 (mol/m3)" in rows[0] and "cumulative OH (mol/m3)" in rows[0]
    assert len(rows) == 12 and float(rows[-1][0]) == pytest.approx(600.0)


def test_homogeneous_fenton_without_a_particle_and_custom_network(runner, tmp_path):
    result = runner.invoke(app, ["simulate", "--iron", "28ug/mL", "--ph", "3", "--h2o2", "1mM", "--duration",
                                 "1min", "--include", "fenton", "--json", "--points", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # 28 ug/mL Fe = 0.5014 mM (55.845 g/mol)
    assert data["conditions"]["iron_concentration"]["value"] == pytest.approx(28e-3 / 55.845e-3, rel=1e-4)
    assert data["conditions"]["surface_area_concentration"]["value"] == 0.0
    net = tmp_path / "net.csv"
    net.write_text("id,equation,rate_law,k,k_unit\nR3,Fe2+ + H2O2 -> Fe3+ + OH* + OH-,mass_action,76,M-1 s-1\n")
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["simulate", "--iron", "0.1mM", "--ph", "3", "--h2o2", "1mM", "--duration", "1s",
                                 "--network", str(net), "--out", str(out), "--points", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["rate_constants_SI"]["R3"] == pytest.approx(0.076)
    assert data["hydroxyl_production_rate"]["value"][0] == pytest.approx(0.076 * 0.1 * 1.0)


@pytest.mark.parametrize("args, fragment", [
    (["--iron", "0.5nm"], "--iron"),
    (["--h2o2", "abc"], "--h2o2"),
    (["--ph", "13"], "ph must lie in"),
    (["--temperature", "37"], "no unit"),
    (["--duration", "-1h"], "duration"),
    (["--gox", "10 furlongs"], "--gox"),
    (["--include", "fenton,nope"], "unknown reaction set"),
    (["--initial", "Fe2+"], "SPECIES=CONCENTRATION"),
    (["--fe3-gsh-rate", "10 s-1"], "not a second-order"),
    (["--out", "x.txt"], "--out must end"),
    (["--network", "missing.csv"], "not found"),
    (["--shape", "blob"], "shape"),
])
def test_bad_input_one_line_no_output(runner, tmp_path, args, fragment):
    out = tmp_path / "r.json"
    result = runner.invoke(app, [*BASE, *args, "--out", str(out)] if "--out" not in args else [*BASE, *args])
    assert_one_line_error(result, 2, fragment)
    assert not out.exists()


def test_corrupt_network_file(runner, tmp_path):
    net = tmp_path / "net.csv"
    net.write_text("id,equation,rate_law,k,k_unit\nR3,Fe2+ + H2O2 -> Fe3+,mass_action,63,s-1\n")
    result = runner.invoke(app, [*BASE, "--network", str(net)])
    assert_one_line_error(result, 2, "does not fit")
