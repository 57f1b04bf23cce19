"""`ferrokit demo` runs the embedded default study and writes the report, labelled results and showcase."""

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from ferrokit.cli.app import app


def test_demo_study_is_the_example_file():
    shipped = resources.files("ferrokit.study").joinpath("_data/demo_study.yaml").read_text(encoding="utf-8")
    example = (Path(__file__).resolve().parents[2] / "examples" / "demo-study.yaml").read_text(encoding="utf-8")
    assert shipped == example


@pytest.mark.slow
def test_demo_writes_outputs(runner, tmp_path):
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("report.html", "results.nc", "provenance.json", "summary.json", "tables/pk.csv",
                 "predictions.json", "mh_fit.json", "mh_fit.png", "magnetism_showcase.png"):
        assert (out / name).is_file(), name
    for name in ("mh_fit.png", "magnetism_showcase.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pred = json.loads((out / "predictions.json").read_text())
    assert len(pred["particles"]) == 2
    assert json.loads((out / "mh_fit.json").read_text())["fit"]
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["seed"] == 20261126 and len(prov["config_sha256"]) == 64
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    for section in ("magnetism", "particle", "pk", "mri", "hyperthermia", "cdt", "response"):
        assert f'id="{section}"' in html
    assert not re.search(r"https?://", html) and "<script" not in html.lower()
    assert not list(out.rglob(".*"))  # no temporary files left behind
