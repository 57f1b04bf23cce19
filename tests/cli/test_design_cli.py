"""`ferrokit design` CLI: train / evaluate / predict / data, JSON output, bad input."""

import csv
import json

import pytest

from ferrokit.cli.design import app
from tests.cli.conftest import assert_one_line_error

ROWS = ("DOI,Core composition,Shell composition,Concentration of particles,Area/volume,Max/min(size),"
        "Magnetic moment of core,Saturation magnetization,Coercivity,Remanence magnetization,LogP of organic coating,"
        "Number H acceptors of organic coating,Field amplitude,Field frequency,SAR,my notes\n"
        "10.1/a,Fe1Fe2O4,,1.0,0.32,0,2.391,73.8,0,0,6.67,3,365.4,0.52,,first\n"
        "10.1/b,Co1Fe2O4,oleic acid,1.0,0.316,0,2.246,81.1,0,0,6.1,1,440,0.35,,second\n")


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    from typer.testing import CliRunner

    path = tmp_path_factory.mktemp("m") / "sar.joblib"
    res = CliRunner().invoke(app, ["train", "--target", "sar", "--out", str(path), "--n-estimators", "20",
                                   "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["target"] == "sar" and info["provenance"]["n_groups"] > 20
    return path


def test_predict_in_input_order(runner, tmp_path, model_path):
    rows = tmp_path / "rows.csv"
    rows.write_text(ROWS)
    out = tmp_path / "pred.csv"
    res = runner.invoke(app, ["predict", "--target", "sar", str(rows), "--out", str(out), "--model",
                              str(model_path), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [r["line"] for r in data["rows"]] == [2, 3]
    got = list(csv.DictReader(out.open()))
    assert [g["composition"] for g in got] == ["Fe3O4", "CoFe2O4"]
    for g in got:
        assert float(g["sar_low (W/g)"]) < float(g["sar (W/g)"]) < float(g["sar_high (W/g)"])


def test_predict_bad_rows_no_output(runner, tmp_path, model_path):
    rows = tmp_path / "rows.csv"
    rows.write_text(ROWS.replace("Co1Fe2O4", "Fe5C2"))
    out = tmp_path / "pred.csv"
    res = runner.invoke(app, ["predict", "--target", "sar", str(rows), "--out", str(out), "--model",
                              str(model_path)])
    assert_one_line_error(res, 2, "line 3")
    assert not out.exists()
    res = runner.invoke(app, ["predict", "--target", "r2", str(tmp_path / "missing.csv"), "--out", str(out)])
    assert_one_line_error(res, 2)
    rows.write_text(ROWS)
    res = runner.invoke(app, ["predict", "--target", "r2", str(rows), "--out", str(out), "--model",
                              str(model_path)])
    assert_one_line_error(res, 2, "missing DiMag column")  # SAR layout has no 'Field strength'


def test_bad_target_and_out(runner, tmp_path):
    assert_one_line_error(runner.invoke(app, ["evaluate", "--target", "slp"]), 2, "--target")
    res = runner.invoke(app, ["train", "--target", "r1", "--out", str(tmp_path / "m.txt")])
    assert_one_line_error(res, 2, ".joblib or .pkl")


def test_data_report(runner):
    res = runner.invoke(app, ["data", "--target", "sar", "--report", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["rows"] + d["rejected"] == 460
    assert len(d["rejected_rows"]) == d["rejected"] and all(r["reason"] for r in d["rejected_rows"])


def test_evaluate_json_with_own_data_only(runner, tmp_path):
    # a small own-data file (no literature): grouped and random scores for baseline and hybrid
    lines = ["doi,composition,core_size (nm),ms (emu/g),field_strength (T),r2 (mM-1 s-1)"]
    for k in range(30):
        lines.append(f"lab{k % 6},Fe3O4,{6 + k},{50 + k % 7},1.5,{20 + 5 * k}")
    f = tmp_path / "own.csv"
    f.write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["evaluate", "--target", "r2", "--data", str(f), "--no-literature", "--repeats", "2",
                              "--n-estimators", "10", "--folds", "3", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["n_rows"] == 30 and d["n_groups"] == 6
    assert {(s["split"], s["feature_set"]) for s in d["scores"]} == {
        ("grouped", "baseline"), ("random", "baseline"), ("grouped", "hybrid"), ("random", "hybrid")}
    assert d["ferrokit_version"]


def _own_r2(tmp_path):
    lines = ["doi,composition,core_size (nm),ms (emu/g),field_strength (T),r2 (mM-1 s-1)"]
    for k in range(30):
        lines.append(f"lab{k % 6},Fe3O4,{6 + k},{50 + k % 7},1.5,{20 + 5 * k}")
    f = tmp_path / "own.csv"
    f.write_text("\n".join(lines) + "\n")
    return f


def test_train_gp_and_evaluate_with_gp(runner, tmp_path):
    f = _own_r2(tmp_path)
    out = tmp_path / "gp.pkl"
    res = runner.invoke(app, ["train", "--target", "r2", "--data", str(f), "--no-literature", "--model", "gp",
                              "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["model"] == "gp" and d["feature_set"] == "hybrid" and d["provenance"]["gp"]["physics_feature"]
    assert out.exists()
    res = runner.invoke(app, ["evaluate", "--target", "r2", "--data", str(f), "--no-literature", "--repeats", "1",
                              "--n-estimators", "10", "--folds", "3", "--gp", "--max-depth", "1", "--json"])
    assert res.exit_code == 0, res.output
    kinds = {(s["model"], s["feature_set"], s["split"]) for s in json.loads(res.stdout)["scores"]}
    assert ("gp", "hybrid", "grouped") in kinds and ("gb", "baseline", "grouped") in kinds
    res = runner.invoke(app, ["train", "--target", "r2", "--data", str(f), "--no-literature", "--model", "svm",
                              "--out", str(out)])
    assert_one_line_error(res, 2, "--model")
