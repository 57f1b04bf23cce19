"""Model "pgbh" (SAR default): averaged paper-aware stumps fitted to the loss per cycle per unit amplitude,
log10(SAR/(f·H)), over φ = 0.15 … 0.35 with every row in every stage."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli.design import app
from ferrokit.design import compute_features, load_dimag, load_model, save_model, train_model
from ferrokit.design.models import default_model
from ferrokit.design.paper_boost import (
    PAPER_FRACTION_AVERAGE_WIDE,
    PaperStumpBoosting,
    monotone_columns,
    offset_columns,
)
from tests.cli.conftest import assert_one_line_error
from tests.design.conftest import assert_non_decreasing_along


def test_offset_f_and_h_removed_and_added_back():
    # y = log10 f + log10 H + 1.5 (a constant loss per cycle per unit amplitude): every stump step is 0 and
    # the prediction is log10 f + log10 H + 1.5 exactly, also outside the training range; by hand:
    # f = 10^5.5 Hz, H = 10^4 A/m → 5.5 + 4 + 1.5 = 11.0; doubling H adds log10 2 = 0.30103
    rng = np.random.default_rng(2)
    g = np.repeat(np.arange(12), 10)
    logf, logh = rng.uniform(5.0, 6.0, g.size), rng.uniform(3.5, 4.5, g.size)
    x = np.column_stack([logf, logh, rng.uniform(0, 1, g.size)])
    m = PaperStumpBoosting(30, 0, paper_fractions=PAPER_FRACTION_AVERAGE_WIDE, subsample=1.0, monotone={1: 1},
                           offset={0: 1.0, 1: 1.0}).fit(x, logf + logh + 1.5, g)
    probe = np.array([[5.5, 4.0, 0.5], [5.5, 4.0 + np.log10(2.0), 0.5], [7.0, 5.0, 0.5]])
    np.testing.assert_allclose(m.predict(probe), [11.0, 11.0 + np.log10(2.0), 13.5], rtol=0, atol=1e-12)


def test_all_rows_per_stage_makes_the_fit_seed_independent():
    # subsample=1: no random row draws, so two seeds give the same model; with 0.8 they differ
    rng = np.random.default_rng(4)
    g = np.repeat(np.arange(15), 8)
    x = rng.uniform(0, 1, (g.size, 3))
    y = np.sin(3 * x[:, 0]) + x[:, 1] + 0.1 * rng.normal(size=g.size)
    a, b = (PaperStumpBoosting(40, s, paper_fractions=(0.2,), subsample=1.0).fit(x, y, g).predict(x) for s in (0, 9))
    np.testing.assert_array_equal(a, b)
    c, d = (PaperStumpBoosting(40, s, paper_fractions=(0.2,)).fit(x, y, g).predict(x) for s in (0, 9))
    assert np.max(np.abs(c - d)) > 1e-6


def test_pgbh_columns_and_sar_grows_at_least_linearly_in_h():
    # SAR/(fH) non-decreasing in H ⇔ log10 SAR − log10 H non-decreasing along an H sweep
    t = load_dimag("sar")
    fm = compute_features(t, "baseline")
    jh, jf = fm.names.index("log10_field_amplitude"), fm.names.index("log10_frequency")
    assert offset_columns(fm.names, "sar", per_amplitude=True) == {jf: 1.0, jh: 1.0}
    m = PaperStumpBoosting(60, 0, paper_fractions=PAPER_FRACTION_AVERAGE_WIDE, subsample=1.0,
                           monotone=monotone_columns(fm.names, "sar", per_cycle=True),
                           offset=offset_columns(fm.names, "sar", per_amplitude=True)
                           ).fit(fm.values, np.log10(t.y), t.groups)
    assert m.min_papers_ == (5, 7, 8, 10, 11)  # ⌈φ·31⌉ for φ = 0.15, 0.2, 0.25, 0.3, 0.35 (31 papers)
    assert_non_decreasing_along(m, fm.values, jh, fm.values[:: len(t) // 20], slope=1.0)


def test_default_train_provenance_and_roundtrip(sar_half, tmp_path):
    assert default_model("sar") == "pgbh" and default_model("sar", max_depth=1) == "gb"
    m = train_model(sar_half, n_estimators=20, rng=0)
    p = m.provenance
    assert m.model == "pgbh" and p["target_offset"] == {"log10_frequency": 1.0, "log10_field_amplitude": 1.0}
    assert p["monotone"] == {"log10_field_amplitude": 1} and p["paper_fraction"] == PAPER_FRACTION_AVERAGE_WIDE
    # every second row keeps 27 of the 31 papers: ⌈φ·27⌉ = ⌈4.05, 5.4, 6.75, 8.1, 9.45⌉ = 5, 6, 7, 9, 10
    assert len(set(sar_half.groups)) == 27
    assert p["min_papers_per_side"] == (5, 6, 7, 9, 10) and m.q_log10 > 0
    again = load_model(save_model(m, tmp_path / "h.pkl"))
    np.testing.assert_array_equal(again.predict(sar_half).value, m.predict(sar_half).value)


def test_bad_input():
    with pytest.raises(FerroKitInputError, match=r"pgbh.*sar only"):
        offset_columns(["log10_ms"], "r2", per_amplitude=True)
    with pytest.raises(FerroKitInputError, match="log10_field_amplitude"):
        offset_columns(["log10_frequency"], "sar", per_amplitude=True)
    # refusal of evaluate/train for other targets: test_paper_boost.py::test_sar_only_models_refuse_other_targets


def test_cli_pgbh(tmp_path, own_sar_csv):
    f = own_sar_csv
    runner = CliRunner()
    res = runner.invoke(app, ["train", "--target", "sar", "--data", str(f), "--no-literature",
                              "--n-estimators", "10", "--out", str(tmp_path / "h.pkl"), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["model"] == "pgbh"
    assert d["provenance"]["target_offset"] == {"log10_frequency": 1.0, "log10_field_amplitude": 1.0}
    res = runner.invoke(app, ["train", "--target", "sar", "--data", str(f), "--no-literature",
                              "--n-estimators", "10", "--out", str(tmp_path / "t.pkl")])
    assert res.exit_code == 0 and "log10(SAR/(fH))" in res.output
    res = runner.invoke(app, ["evaluate", "--target", "r2", "--models", "gb,pgbh"])
    assert_one_line_error(res, 2, "--models")
