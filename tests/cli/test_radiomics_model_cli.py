"""`ferrokit radiomics model`: JSON metrics + figures for logistic and Cox rad-scores; bad input → exit 2, one line,
nothing written."""

import json

import numpy as np
import pandas as pd
import pytest
import typer

from ferrokit.cli.radiomics_model import model_command

from .conftest import assert_one_line_error

app = typer.Typer()
app.command("model")(model_command)


@app.callback()
def _group() -> None:
    """Stand-in for the `radiomics` group (the lead registers model_command there)."""


def make_table(path, *, n=120, p=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    lp = 1.5 * x[:, 0] - 1.2 * x[:, 1]
    df = pd.DataFrame(x, columns=[f"rad_{j}" for j in range(p)])
    df.insert(0, "id", [f"P{i}" for i in range(n)])
    t = rng.exponential(1 / np.exp(lp))
    c = rng.exponential(2.0, n)
    df = df.assign(age=rng.normal(60, 10, n).round(), y=(rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int),
                   T=np.minimum(t, c), E=(t <= c).astype(int), patient=np.repeat(np.arange(n // 2), 2))
    df.to_csv(path, index=False)
    return df


def test_logistic_json_and_figures(runner, tmp_path):
    table = tmp_path / "cohort.csv"
    make_table(table)
    out = tmp_path / "res"
    r = runner.invoke(app, ["model", str(table), "--outcome", "y", "--clinical", "age", "--features-prefix", "rad_",
                            "--group", "patient", "--folds", "3", "--n-boot", "200", "--out-dir", str(out), "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["model"] == "logistic" and d["ferrokit_version"] and len(d["inputs"]["table"]["sha256"]) == 64
    assert {"rad_0", "rad_1"} <= set(d["radscore"]["selected"])
    perf = d["model_performance"]
    assert perf["name"] == "auc" and perf["ci_low"] < perf["value"] < perf["ci_high"]
    assert perf["value"] > 0.7  # true-model AUC ≈ 0.82 for these coefficients; out-of-fold with 120 cases
    assert d["cross_validation"]["grouped"] is True
    assert d["nomogram"]["variables"] == ["radscore", "age"]
    assert set(d["net_benefit"]["0.2"]) == {"model", "treat_all", "treat_none"}
    for name in ("roc", "calibration", "dca", "nomogram"):
        assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "metrics.json").read_text())["radscore"] == d["radscore"]


def test_cox_with_icc_table(runner, tmp_path):
    table = tmp_path / "cohort.csv"
    df = make_table(table, p=4, seed=1)
    rng = np.random.default_rng(2)
    reps = pd.concat([df[["id", "rad_0", "rad_1", "rad_2", "rad_3"]].assign(
        segmentation=s, rad_3=df["rad_3"] + 2.0 * rng.normal(size=len(df))) for s in (1, 2)])  # rad_3: ICC ≈ 0.2
    reps.to_csv(tmp_path / "reps.csv", index=False)
    out = tmp_path / "res"
    r = runner.invoke(app, ["model", str(table), "--time", "T", "--event", "E", "--features-prefix", "rad_",
                            "--icc-table", str(tmp_path / "reps.csv"), "--folds", "3", "--n-boot", "200",
                            "--out-dir", str(out), "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["model"] == "cox" and d["icc"]["dropped"] == ["rad_3"]
    assert d["model_performance"]["name"] == "harrell_c" and d["model_performance"]["value"] > 0.7
    assert d["risk_groups"]["logrank_p"] < 0.01
    for name in ("km", "calibration", "dca", "nomogram"):
        assert (out / f"{name}.png").exists()


@pytest.mark.parametrize("edit, args, fragment", [
    (None, ["--outcome", "missing"], "missing"),
    (lambda d: d.assign(y=d["y"] + d["E"]), ["--outcome", "y"], "binary"),
    (lambda d: d.assign(rad_2=np.where(np.arange(len(d)) == 5, np.nan, d["rad_2"])), ["--outcome", "y"], "rad_2"),
    (lambda d: d.assign(y=(np.arange(len(d)) < 4).astype(int)), ["--outcome", "y"], "too few events"),
    (lambda d: d.assign(T=d["T"] - 100.0), ["--time", "T", "--event", "E"], "≤ 0"),
    (None, [], "--outcome"),
])
def test_bad_input_one_line_no_output(runner, tmp_path, edit, args, fragment):
    table = tmp_path / "cohort.csv"
    df = make_table(table)
    if edit is not None:
        edit(df).to_csv(table, index=False)
    out = tmp_path / "res"
    r = runner.invoke(app, ["model", str(table), "--features-prefix", "rad_", "--out-dir", str(out), *args])
    assert_one_line_error(r, 2, fragment)
    assert not out.exists()


def test_missing_file(runner, tmp_path):
    r = runner.invoke(app, ["model", str(tmp_path / "none.csv"), "--outcome", "y", "--out-dir", str(tmp_path / "o")])
    assert_one_line_error(r, 2)
