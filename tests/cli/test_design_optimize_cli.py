"""`ferrokit design sensitivity|optimize`: runs with --json/--out/--plot, one-line errors for bad configs."""

import json

import pytest

from ferrokit.cli.design import app
from tests.cli.conftest import assert_one_line_error

OPT = """seed: 0
search: {n_initial: 32, refine_rounds: 1, n_refine: 8, n_draws: 3, top: 4, batch_size: 2}
constraints: {max_core_size: 20 nm, max_hydrodynamic_size: 50 nm, hf_limit: hergt, min_viability: 0.7}
"""
SENS = """model: physics
methods: [morris]
n_morris: 2
physics:
  outputs: [r2]
  ranges: {core_size: [8 nm, 16 nm]}
"""


def test_optimize_json_out_plot(runner, tmp_path):
    cfg = tmp_path / "opt.yaml"
    cfg.write_text(OPT)
    out, fig = tmp_path / "res.json", tmp_path / "pareto.png"
    res = runner.invoke(app, ["optimize", str(cfg), "--json", "--out", str(out), "--plot", str(fig)])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["units"]["slp"] == "W/kg" and d["ferrokit_version"]
    assert 1 <= len(d["next_batch"]) <= 2 and all(c["core_size"] < 20e-9 for c in d["candidates"])
    assert json.loads(out.read_text())["n_evaluated"] == d["n_evaluated"]
    assert fig.stat().st_size > 1000


def test_sensitivity_json_and_table(runner, tmp_path):
    cfg = tmp_path / "s.yaml"
    cfg.write_text(SENS)
    res = runner.invoke(app, ["sensitivity", str(cfg), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["results"][0]["method"] == "morris" and d["results"][0]["output"] == "log10_r2"
    res = runner.invoke(app, ["sensitivity", str(cfg)])
    assert res.exit_code == 0 and "mu_star" in res.stdout


@pytest.mark.parametrize("text, fragment", [
    ("model: [unclosed", "not valid YAML"),
    ("- a\n- b\n", "mapping"),
    ("space: {core_size: [6, 24]}\n", "no unit"),
    ("space: {size: [6 nm, 24 nm]}\n", "unknown key"),
    ("search: {n_initial: 2}\n", "n_initial"),
    ("constraints: {hf_limit: safe}\nsearch: {n_initial: 8, refine_rounds: 0, n_draws: 2}\n", "hf_limit"),
    ("constraints: {max_core_size: 4 nm}\nsearch: {n_initial: 16, refine_rounds: 0, n_draws: 2}\n",
     "no feasible design"),
])
def test_optimize_bad_config(runner, tmp_path, text, fragment):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text)
    out = tmp_path / "res.json"
    res = runner.invoke(app, ["optimize", str(cfg), "--out", str(out)])
    assert_one_line_error(res, 2, fragment)
    assert not out.exists()


@pytest.mark.parametrize("text, fragment", [
    ("methods: [fast]\n", "methods"),
    ("physics: {ranges: {core_size: [20 nm, 8 nm]}}\nmethods: [morris]\n", "low ≤ high"),
    ("model: quantum\n", "model"),
])
def test_sensitivity_bad_config(runner, tmp_path, text, fragment):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text)
    assert_one_line_error(runner.invoke(app, ["sensitivity", str(cfg)]), 2, fragment)


def test_missing_config_file(runner, tmp_path):
    assert_one_line_error(runner.invoke(app, ["optimize", str(tmp_path / "nope.yaml")]), 2)
    assert_one_line_error(runner.invoke(app, ["sensitivity", str(tmp_path)]), 2)
