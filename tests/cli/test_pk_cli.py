"""``ferrokit pk simulate`` and ``ferrokit pk fit`` via CliRunner on the pk app."""

import json

import pytest

from ferrokit.cli.pk import app
from tests.cli.conftest import assert_one_line_error


def test_simulate_json(runner):
    r = runner.invoke(app, ["simulate", "--dose", "5mg/kg", "--duration", "48h", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["command"] == "pk simulate" and "ferrokit_version" in d
    res = d["result"]
    # 5 mg/kg × 0.02 kg = 0.1 mg = 1e-7 kg
    assert res["dosing"]["dose"]["value"] == pytest.approx(1e-7)
    assert res["mass_balance_error"]["value"] < 1e-9
    assert res["times"]["values"][-1] == pytest.approx(48 * 3600)
    assert res["concentrations"]["unit"] == "kg/m3"


def test_simulate_table_plot_and_csv(runner, tmp_path):
    png, csv = tmp_path / "organs.png", tmp_path / "r.csv"
    r = runner.invoke(app, ["simulate", "--agent", "ferumoxytol", "--duration", "24h", "--plot", str(png),
                            "--out", str(csv)])
    assert r.exit_code == 0, r.output
    assert "%ID" in r.stdout and "tumour" in r.stdout
    assert png.stat().st_size > 1000
    head = csv.read_text().splitlines()[0]
    assert head.startswith("time (h),plasma (%ID)")


def test_simulate_active_targeting_and_infusion(runner, tmp_path):
    out = tmp_path / "r.json"
    r = runner.invoke(app, ["simulate", "--composition", "Fe3O4", "--core", "12nm", "--route", "infusion",
                            "--infusion-time", "30min", "--targeting", "active", "--kon", "1e6", "--koff",
                            "1e-4 1/s", "--receptors", "1uM", "--duration", "72h", "--out", str(out)])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    assert d["parameters"]["targeting"]["kon"]["value"] == pytest.approx(1e3)  # 1e6 /(M s) = 1e3 m³/(mol s)
    assert d["result"]["active_targeting"] is True


@pytest.mark.parametrize("args,fragment", [
    (["--dose", "5 parsecs/kg"], "--dose"),
    (["--dose", "-5mg/kg"], "--dose"),
    (["--species", "rat"], "--species"),
    (["--route", "oral"], "--route"),
    (["--route", "infusion"], "--infusion-time"),
    (["--duration", "48"], "--duration"),
    (["--targeting", "active", "--kon", "1e5"], "--koff"),
    (["--targeting", "active", "--kon", "1e5", "--koff", "1e-3 1/s", "--receptors", "1uM"], "particle"),
    (["--kon", "1e5"], "--targeting active"),
    (["--plot", "x.txt"], "--plot"),
    (["--hydrodynamic", "-3nm"], "--hydrodynamic"),
])
def test_simulate_bad_input(runner, tmp_path, args, fragment):
    out = tmp_path / "r.json"
    r = runner.invoke(app, ["simulate", *args, "--out", str(out)])
    assert_one_line_error(r, 2, fragment)
    assert not out.exists()


def test_fit_dataset_json_and_plot(runner, tmp_path):
    png = tmp_path / "fit.png"
    r = runner.invoke(app, ["fit", "--dataset", "28", "--params", "uptake_max,release_rate", "--json",
                            "--plot", str(png)])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert set(d["fit"]["params"]) == {"uptake_max", "release_rate"}
    assert d["body_weight"]["value"] == pytest.approx(0.035)  # BW 35 g for data set 28 in the shipped table
    assert png.exists()


def test_fit_user_csv(runner, tmp_path):
    f = tmp_path / "tumour.csv"
    f.write_text("time (h),tumour (%ID)\n1,0.5\n4,1.1\n8,1.5\n24,1.9\n48,1.6\n")
    r = runner.invoke(app, ["fit", str(f), "--params", "permeability_coefficient,uptake_max"])
    assert r.exit_code == 0, r.output
    assert "uptake_max" in r.stdout


@pytest.mark.parametrize("content,fragment", [
    ("time (h),liver (%ID)\n1,2\n", "tumour (%ID)"),
    ("time,tumour (%ID)\n1,2\n2,3\n3,4\n", "unit"),
    ("time (h),tumour (%ID/g)\n1,2\n2,3\n3,4\n", "%ID"),
    ("time (h),tumour (%ID)\n1,nan\n2,3\n3,4\n", "finite"),
    ("time (h),tumour (%ID)\n1,abc\n2,3\n3,4\n", "not a number"),
    ("time (h),tumour (%ID)\n", "data row"),
    ("time (parsec),tumour (%ID)\n1,2\n2,3\n3,4\n", "time"),
    ("time (h),tumour (%ID)\n1,2\n2,3\n", "more time points"),
])
def test_fit_bad_csv(runner, tmp_path, content, fragment):
    f, out = tmp_path / "bad.csv", tmp_path / "fit.json"
    f.write_text(content)
    r = runner.invoke(app, ["fit", str(f), "--out", str(out)])
    assert_one_line_error(r, 2, fragment)
    assert not out.exists()


def test_fit_bad_options(runner, tmp_path):
    assert_one_line_error(runner.invoke(app, ["fit"]), 2, "either")
    assert_one_line_error(runner.invoke(app, ["fit", "--dataset", "5000"]), 2, "dataset id")
    assert_one_line_error(runner.invoke(app, ["fit", str(tmp_path / "missing.csv")]), 2)
    bin_file = tmp_path / "x.csv"
    bin_file.write_bytes(b"\xff\xfe\x00\x81garbage")
    assert_one_line_error(runner.invoke(app, ["fit", str(bin_file)]), 2)
