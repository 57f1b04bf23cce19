"""Paper-aware boosted stumps (model "pgb"): split rule, monotonicity, defaults, same-folds comparison, CLI."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli.design import app
from ferrokit.design import compute_features, cross_validate, evaluate, load_dimag, load_model, save_model, train_model
from ferrokit.design.models import SAR_ONLY_MODELS, default_model
from ferrokit.design.paper_boost import PaperStumpBoosting, monotone_columns
from tests.cli.conftest import assert_one_line_error
from tests.design.conftest import assert_non_decreasing_along, isolated_paper_data, split_sides


def test_every_split_leaves_min_papers_each_side():
    # 20 papers of 8 rows; paper 0 sits alone at the top of x0 with a large offset: with m = 1 the first split
    # isolates it; with m = 4 no split may leave fewer than 4 papers on a side
    x, y, g = isolated_paper_data()
    free = PaperStumpBoosting(30, 0, min_paper_fraction=0.0).fit(x, y, g)
    assert min(min(s) for s in split_sides(free, x, g)) == 1  # the unconstrained model isolates paper 0
    con = PaperStumpBoosting(30, 0, min_paper_fraction=0.2).fit(x, y, g)
    assert con.min_papers_ == 4  # ⌈0.2 · 20⌉
    assert min(min(s) for s in split_sides(con, x, g)) >= 4


def test_recovers_an_additive_step():
    # y = 1[x0 > 0.5] across 30 papers: stumps converge to the step; after S stages at learning rate ν the
    # remaining fraction of the step is (1 − ν)^S ≈ 0.95^200 ≈ 3.5e-5, so the level error is set by the 80 %
    # subsampling noise of the leaf means (< 0.05 here)
    rng = np.random.default_rng(2)
    g = np.repeat(np.arange(30), 10)
    x = rng.uniform(0, 1, (g.size, 3))
    y = (x[:, 0] > 0.5).astype(float)
    m = PaperStumpBoosting(100, 0, min_paper_fraction=0.1).fit(x, y, g)
    probe = np.array([[0.2, 0.5, 0.5], [0.8, 0.5, 0.5]])
    assert m.predict(probe) == pytest.approx([0.0, 1.0], abs=0.05)


@pytest.mark.parametrize(("target", "names"), [("sar", ("log10_field_amplitude", "log10_frequency")),
                                               ("r2", ("log10_ms", "field_strength"))])
def test_predictions_monotone_in_the_physics_inputs(target, names):
    t = load_dimag(target)
    fm = compute_features(t, "baseline")
    mono = monotone_columns(fm.names, target)
    assert set(mono) == {fm.names.index(n) for n in names} and set(mono.values()) == {1}
    m = PaperStumpBoosting(60, 0, monotone=mono).fit(fm.values, np.log10(t.y), t.groups)
    for j in mono:
        assert_non_decreasing_along(m, fm.values, j, fm.values[:: max(1, len(t) // 25)])


def test_constraint_binds_against_the_data():
    # y falls with x0: the free model follows it, the model constrained non-decreasing in x0 cannot (flat in x0)
    rng = np.random.default_rng(4)
    g = np.repeat(np.arange(20), 10)
    x = rng.uniform(0, 1, (g.size, 2))
    y = -x[:, 0] + x[:, 1]
    probe = np.column_stack([np.linspace(0.1, 0.9, 30), np.full(30, 0.5)])
    free = PaperStumpBoosting(50, 0, min_paper_fraction=0.1).fit(x, y, g).predict(probe)
    con = PaperStumpBoosting(50, 0, min_paper_fraction=0.1, monotone={0: 1}).fit(x, y, g).predict(probe)
    # the true drop over the probe is 0.8; 100 stages at ν = 0.05 recover 1 − 0.95^100 ≈ 99 % of a fitted step,
    # but the steps are shared with x1 and coarse near the ends, so require well over half of it
    assert free[-1] - free[0] < -0.5
    assert np.all(np.diff(con) >= -1e-12) and con[-1] - con[0] == pytest.approx(0.0, abs=1e-12)


def test_missing_values_and_bad_input():
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(10), 6)
    x = rng.uniform(0, 1, (60, 2))
    x[::7, 0] = np.nan
    x[::5, 1] = np.nan
    m = PaperStumpBoosting(20, 0, monotone={0: 1}).fit(x, (g % 3).astype(float), g)
    assert np.all(np.isfinite(m.predict(x)))
    assert m.median_[0] == pytest.approx(np.nanmedian(x[:, 0]))
    with pytest.raises(FerroKitInputError, match="min_paper_fraction"):
        PaperStumpBoosting(20, 0, min_paper_fraction=0.7)
    with pytest.raises(FerroKitInputError, match="monotone"):
        PaperStumpBoosting(20, 0, monotone={0: 2})
    with pytest.raises(FerroKitInputError, match="column"):
        PaperStumpBoosting(20, 0, monotone={5: 1}).fit(x, g.astype(float), g)
    with pytest.raises(FerroKitInputError, match="finite"):
        PaperStumpBoosting(20, 0).fit(x, x[:, 0], g)
    with pytest.raises(FerroKitInputError, match="2-D"):
        PaperStumpBoosting(20, 0).fit(x[:, 0], g.astype(float), g)


def test_defaults_provenance_and_roundtrip(sar_half, tmp_path):
    assert default_model("sar") == "pgbh" and default_model("r1") == "pgb" and default_model("r2") == "gb"
    assert default_model("sar", max_depth=2) == "gb"
    m = train_model(sar_half, feature_set="baseline", n_estimators=30, rng=0, model="pgb")
    p = m.provenance
    assert m.model == "pgb" and p["model"] == "pgb"
    assert p["monotone"] == {"log10_field_amplitude": 1, "log10_frequency": 1}
    assert p["paper_fraction"] in (0.0, 0.1, 0.2, 0.3) and set(p["inner_cv_mse"]) == {"0.0", "0.1", "0.2", "0.3"}
    assert p["min_papers_per_side"] >= 1 and m.q_log10 > 0
    again = load_model(save_model(m, tmp_path / "m.pkl"))
    np.testing.assert_array_equal(again.predict(sar_half).value, m.predict(sar_half).value)
    assert train_model(sar_half, n_estimators=20, rng=0, max_depth=1).model == "gb"
    with pytest.raises(FerroKitInputError, match="max_depth"):
        train_model(sar_half, model="pgb", max_depth=2)


def test_same_folds_comparison(sar_half):
    sar_half = sar_half.subset(np.arange(0, len(sar_half), 3))  # ~70 rows: keep the test fast
    ev = evaluate(sar_half, repeats=2, n_estimators=10, rng=0, models=("gb", "pgb"), max_depth=1)
    assert {s.model for s in ev.scores} == {"gb", "pgb"}
    d = ev.paired_difference("pgb", "baseline")
    a, b = ev.score("baseline", "grouped", "pgb").r2_log, ev.score("baseline", "grouped", "gb").r2_log
    assert d["per_repeat"] == pytest.approx([x - y for x, y in zip(a, b, strict=True)])
    assert {(x["model"], x["feature_set"]) for x in ev.to_dict()["paired_vs_gb"]} == {("pgb", "baseline"),
                                                                                        ("pgb", "hybrid")}
    # the same folds as a direct call with the evaluation's seed: identical scores
    seed = int(np.random.default_rng(0).integers(2**31 - 1))
    direct = cross_validate(sar_half, feature_set="baseline", repeats=2, n_estimators=10, rng=seed, model="pgb")
    assert direct.r2_log == pytest.approx(a)
    with pytest.raises(FerroKitInputError, match="models"):
        evaluate(sar_half, repeats=1, models=("gb", "svm"))


@pytest.mark.parametrize("model", SAR_ONLY_MODELS)
def test_sar_only_models_refuse_other_targets(model):
    # pgbc and pgbh fit the loss per field cycle (per cycle and per unit amplitude): defined for SAR only
    r2 = load_dimag("r2")
    with pytest.raises(FerroKitInputError, match="sar only"):
        evaluate(r2, repeats=1, models=(model,))
    with pytest.raises(FerroKitInputError, match="sar only"):
        train_model(r2.subset(np.arange(40)), model=model, n_estimators=10)


def test_cli_train_and_evaluate_pgb(tmp_path):
    lines = ["doi,composition,core_size (nm),ms (emu/g),field_strength (T),r2 (mM-1 s-1)"]
    for k in range(36):
        lines.append(f"lab{k % 9},Fe3O4,{6 + k},{50 + k % 7},{1.5 + (k % 3)},{20 + 5 * k}")
    f = tmp_path / "own.csv"
    f.write_text("\n".join(lines) + "\n")
    runner = CliRunner()
    out = tmp_path / "pgb.pkl"
    res = runner.invoke(app, ["train", "--target", "r2", "--data", str(f), "--no-literature", "--model", "pgb",
                              "--features", "baseline", "--n-estimators", "20", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["model"] == "pgb" and d["provenance"]["monotone"] == {"log10_ms": 1, "field_strength": 1}
    res = runner.invoke(app, ["evaluate", "--target", "r2", "--data", str(f), "--no-literature", "--repeats", "2",
                              "--n-estimators", "10", "--folds", "3", "--models", "pgb,gb", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert {s["model"] for s in d["scores"]} == {"gb", "pgb"} and len(d["paired_vs_gb"]) == 2
    res = runner.invoke(app, ["evaluate", "--target", "r2", "--data", str(f), "--no-literature", "--models", "gb,rf"])
    assert_one_line_error(res, 2, "--models")
    res = runner.invoke(app, ["train", "--target", "r2", "--data", str(f), "--no-literature", "--model", "pgb",
                              "--max-depth", "2", "--out", str(tmp_path / "x.pkl")])
    assert_one_line_error(res, 2, "max_depth")
    assert not (tmp_path / "x.pkl").exists()
