"""Model "pgbc": paper-aware stumps averaged over fixed paper fractions, fitted to the loss per cycle log10(SAR/f)."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli.design import app
from ferrokit.design import compute_features, cross_validate, evaluate, load_dimag, load_model, save_model, train_model
from ferrokit.design.paper_boost import PAPER_FRACTION_AVERAGE, PaperStumpBoosting, monotone_columns, offset_columns
from tests.cli.conftest import assert_one_line_error
from tests.design.conftest import assert_non_decreasing_along, isolated_paper_data, split_sides


def test_paper_rule_holds_in_every_averaged_member():
    # 20 papers; paper 0 alone at the top of x0 with a large offset. Each member m_k = ⌈φ_k · 20⌉ = 2, 4, 6:
    # no split of member k may leave fewer than m_k papers on a side
    x, y, g = isolated_paper_data()
    m = PaperStumpBoosting(30, 0, paper_fractions=(0.1, 0.2, 0.3)).fit(x, y, g)
    assert m.min_papers_ == (2, 4, 6) and m.paper_fraction_ == (0.1, 0.2, 0.3) and len(m.models_) == 3
    for member, need in zip(m.models_, m.min_papers_, strict=True):
        assert member[1].size > 0
        assert min(min(s) for s in split_sides(m, x, g, [member])) >= need


def test_average_equals_mean_of_fixed_fraction_models():
    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(15), 8)
    x = rng.uniform(0, 1, (g.size, 3))
    y = np.sin(3 * x[:, 0]) + x[:, 1] + 0.1 * rng.normal(size=g.size)
    avg = PaperStumpBoosting(40, 3, paper_fractions=(0.1, 0.3)).fit(x, y, g)
    singles = [PaperStumpBoosting(40, 3, min_paper_fraction=v).fit(x, y, g).predict(x) for v in (0.1, 0.3)]
    np.testing.assert_allclose(avg.predict(x), 0.5 * (singles[0] + singles[1]), rtol=0, atol=1e-12)
    assert avg.inner_mse_ == {}  # no inner selection


def test_offset_is_removed_and_added_back():
    # y = log10 f + 2: the per-cycle target y − log10 f is the constant 2, so every stump step is 0 and the
    # prediction is exactly log10 f + 2, also outside the training range (SAR ∝ f at a fixed loop area),
    # where a model of y itself is flat
    rng = np.random.default_rng(6)
    g = np.repeat(np.arange(12), 10)
    logf = rng.uniform(5.0, 6.0, g.size)
    x = np.column_stack([logf, rng.uniform(0, 1, g.size)])
    y = logf + 2.0
    m = PaperStumpBoosting(30, 0, paper_fractions=(0.1,), offset={0: 1.0}).fit(x, y, g)
    probe = np.array([[4.0, 0.5], [5.5, 0.5], [7.0, 0.5]])
    np.testing.assert_allclose(m.predict(probe), [6.0, 7.5, 9.0], rtol=0, atol=1e-12)
    plain = PaperStumpBoosting(30, 0, paper_fractions=(0.1,)).fit(x, y, g).predict(probe)
    assert plain[2] < 8.1  # cannot extrapolate above the training maximum 8


def test_pgbc_columns_and_monotone_in_field_amplitude():
    t = load_dimag("sar")
    fm = compute_features(t, "baseline")
    jh, jf = fm.names.index("log10_field_amplitude"), fm.names.index("log10_frequency")
    assert monotone_columns(fm.names, "sar", per_cycle=True) == {jh: 1}
    assert offset_columns(fm.names, "sar") == {jf: 1.0}
    m = PaperStumpBoosting(60, 0, paper_fractions=PAPER_FRACTION_AVERAGE, monotone={jh: 1},
                           offset={jf: 1.0}).fit(fm.values, np.log10(t.y), t.groups)
    assert_non_decreasing_along(m, fm.values, jh, fm.values[:: len(t) // 20])


def test_bad_input():
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(10), 6)
    x = rng.uniform(0, 1, (60, 2))
    y = (g % 3).astype(float)
    with pytest.raises(FerroKitInputError, match="not both"):
        PaperStumpBoosting(20, 0, min_paper_fraction=0.1, paper_fractions=(0.1,))
    with pytest.raises(FerroKitInputError, match="paper_fractions"):
        PaperStumpBoosting(20, 0, paper_fractions=())
    with pytest.raises(FerroKitInputError, match="paper_fractions"):
        PaperStumpBoosting(20, 0, paper_fractions=(0.1, 0.6))
    with pytest.raises(FerroKitInputError, match="offset"):
        PaperStumpBoosting(20, 0, offset={0: float("nan")})
    with pytest.raises(FerroKitInputError, match="offset"):
        PaperStumpBoosting(20, 0, offset={4: 1.0}).fit(x, y, g)
    bad = x.copy()
    bad[3, 0] = np.nan
    with pytest.raises(FerroKitInputError, match="offset"):
        PaperStumpBoosting(20, 0, offset={0: 1.0}).fit(bad, y, g)
    m = PaperStumpBoosting(20, 0, paper_fractions=(0.1,), offset={0: 1.0}).fit(x, y, g)
    with pytest.raises(FerroKitInputError, match="offset"):
        m.predict(bad)
    with pytest.raises(FerroKitInputError, match="columns"):
        m.predict(x[:, :1])
    with pytest.raises(FerroKitInputError, match="sar only"):
        offset_columns(["log10_ms"], "r2")
    with pytest.raises(FerroKitInputError, match="log10_frequency"):
        offset_columns(["log10_ms"], "sar")


def test_same_folds_comparison_and_default(sar_half, tmp_path):
    small = sar_half.subset(np.arange(0, len(sar_half), 3))  # ~70 rows: keep the test fast
    ev = evaluate(small, repeats=2, n_estimators=10, rng=0, max_depth=1)
    assert {s.model for s in ev.scores} == {"gb", "pgb", "pgbc", "pgbh"}  # SAR default: all four, same folds
    a = ev.score("baseline", "grouped", "pgbc").r2_log
    b = ev.score("baseline", "grouped", "pgb").r2_log
    d = ev.paired_difference("pgbc", "baseline", reference="pgb")
    assert d["per_repeat"] == pytest.approx([u - v for u, v in zip(a, b, strict=True)])
    assert ("pgbc", "baseline") in {(x["model"], x["feature_set"]) for x in ev.to_dict()["paired_vs_gb"]}
    seed = int(np.random.default_rng(0).integers(2**31 - 1))
    direct = cross_validate(small, feature_set="baseline", repeats=2, n_estimators=10, rng=seed, model="pgbc")
    assert direct.r2_log == pytest.approx(a)
    m = train_model(sar_half, n_estimators=20, rng=0, model="pgbc")
    p = m.provenance
    assert m.model == "pgbc" and p["target_offset"] == {"log10_frequency": 1.0}
    assert p["monotone"] == {"log10_field_amplitude": 1} and p["paper_fraction"] == PAPER_FRACTION_AVERAGE
    again = load_model(save_model(m, tmp_path / "c.pkl"))
    np.testing.assert_array_equal(again.predict(sar_half).value, m.predict(sar_half).value)
    # refusal for targets other than SAR: test_paper_boost.py::test_sar_only_models_refuse_other_targets


def test_cli_pgbc(tmp_path, own_sar_csv):
    f = own_sar_csv
    runner = CliRunner()
    out = tmp_path / "c.pkl"
    res = runner.invoke(app, ["train", "--target", "sar", "--data", str(f), "--no-literature", "--model", "pgbc",
                              "--n-estimators", "10", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["model"] == "pgbc" and d["provenance"]["target_offset"] == {"log10_frequency": 1.0}
    res = runner.invoke(app, ["train", "--target", "sar", "--data", str(f), "--no-literature", "--model", "pgbc",
                              "--n-estimators", "10", "--out", str(tmp_path / "t.pkl")])
    assert res.exit_code == 0 and "log10(SAR/f)" in res.output
    res = runner.invoke(app, ["evaluate", "--target", "r2", "--models", "gb,pgbc"])
    assert_one_line_error(res, 2, "--models")
