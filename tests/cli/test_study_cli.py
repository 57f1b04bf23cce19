"""`ferrokit study run|sweep` through Typer's CliRunner on the study app."""

import json

import yaml

from ferrokit.cli.study import app
from tests.cli.conftest import assert_one_line_error
from tests.study.conftest import TINY


def _study(tmp_path, **changes):
    raw = yaml.safe_load(TINY)
    for dotted, value in changes.items():
        node = raw
        keys = dotted.split("__")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def test_run_writes_report_results_and_json(runner, tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(_study(tmp_path)), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["ferrokit_version"]
    assert set(data["stages"]) == {"particle", "pk", "mri", "hyperthermia", "cdt", "response"}
    assert data["provenance"]["input_files"]["study"]["sha256"]
    for name in ("report.html", "results.nc", "provenance.json", "summary.json", "tables/pk.csv",
                 "tables/mri.csv", "tables/hyperthermia.csv", "tables/cdt.csv", "tables/response.csv",
                 "tables/response_immune.csv"):
        assert (out / name).is_file(), name
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert not list(out.rglob(".*"))


def test_bad_config_one_line_and_nothing_written(runner, tmp_path):
    out = tmp_path / "out"
    path = _study(tmp_path, tumour__perfusion="fast")
    res = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert_one_line_error(res, 2, "tumour.perfusion: cannot read perfusion 'fast'")
    assert not out.exists()


def test_missing_unit_and_missing_file(runner, tmp_path):
    res = runner.invoke(app, ["run", str(_study(tmp_path, dose__amount=30)), "--out", str(tmp_path / "o")])
    assert_one_line_error(res, 2, "dose.amount: 30 has no unit")
    res = runner.invoke(app, ["run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o")])
    assert_one_line_error(res, 2, "no such file")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    res = runner.invoke(app, ["run", str(bad), "--out", str(tmp_path / "o")])
    assert_one_line_error(res, 2, "not valid YAML")
    assert not (tmp_path / "o").exists()


def test_out_is_a_file(runner, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    res = runner.invoke(app, ["run", str(_study(tmp_path)), "--out", str(f)])
    assert_one_line_error(res, 2, "exists and is not a folder")


def test_sweep_records_failed_point(runner, tmp_path):
    _study(tmp_path)
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({"study": "study.yaml", "parameters": [
        {"path": "dose.amount", "values": ["30 mg/kg", "-5 mg/kg"]}]}))
    out = tmp_path / "sweep"
    res = runner.invoke(app, ["sweep", str(sweep), "--out", str(out), "--scheduler", "synchronous", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["n_points"] == 2 and data["n_failed"] == 1
    assert data["rows"][1]["status"] == "failed" and "dose.amount" in data["rows"][1]["error"]
    assert (out / "sweep.csv").read_text().count("\n") == 3
    assert (out / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "sweep_provenance.json").read_text())["n_failed"] == 1
