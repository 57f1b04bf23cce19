"""Design features and models: no leakage, conformal coverage, grouped vs random CV, persistence."""

import pickle

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.design import (
    DesignTable,
    compute_features,
    conformal_quantile,
    cross_validate,
    grouped_folds,
    load_dimag,
    load_model,
    save_model,
    train_model,
)


@pytest.fixture(scope="module")
def sar_small():
    t = load_dimag("sar")
    return t.subset(np.arange(0, len(t), 4))  # every 4th row: fast, still many papers


def test_features_do_not_depend_on_doi(sar_small):
    fm = compute_features(sar_small, "hybrid")
    rng = np.random.default_rng(1)
    permuted = dict(sar_small.text)
    permuted["doi"] = tuple(rng.permutation(np.array(sar_small.text["doi"], dtype=object)))
    other = DesignTable(sar_small.target, permuted, sar_small.numeric, sar_small.lines, sar_small.sources)
    np.testing.assert_array_equal(compute_features(other, "hybrid").values, fm.values)
    # and not on the target
    num = dict(sar_small.numeric)
    num["sar"] = num["sar"][::-1].copy()
    other = DesignTable(sar_small.target, sar_small.text, num, sar_small.lines, sar_small.sources)
    np.testing.assert_array_equal(compute_features(other, "hybrid").values, fm.values)


def test_descriptors_by_hand(sar_small):
    fm = compute_features(sar_small, "hybrid")
    names = list(fm.names)
    t = sar_small
    i = t.text["composition"].index("CoFe2O4")
    assert fm.values[i, names.index("x_Co")] == pytest.approx(1.0)
    assert fm.values[i, names.index("x_Zn")] == 0.0
    # Pauling electronegativity mean of Co + 2 Fe: (1.88 + 2·1.83)/3
    assert fm.values[i, names.index("cation_electronegativity")] == pytest.approx((1.88 + 2 * 1.83) / 3)
    assert fm.values[i, names.index("log10_core_size_nm")] == pytest.approx(np.log10(t.numeric["core_size"][i] * 1e9))
    # physics: LRT SLP is a positive power per mass, LRT ≤ exact for no row is required, but finite
    assert np.all(np.isfinite(fm.values[:, names.index("log10_slp_lrt")]))
    base = compute_features(t, "baseline")
    assert set(base.names) < set(fm.names) and "log10_slp_lrt" not in base.names


def test_r2_physics_features_finite():
    t = load_dimag("r2")
    t = t.subset(np.arange(0, len(t), 10))
    fm = compute_features(t, "hybrid")
    col = fm.values[:, list(fm.names).index("log10_r2_mar")]
    assert np.isfinite(col).mean() > 0.9


def test_conformal_coverage_synthetic():
    # exchangeable synthetic residuals N(0,1). Split-conformal guarantees a *marginal* coverage in
    # [1−α, 1−α + 1/(n+1)] (average over calibration sets). 300 calibration sets of n = 100, 2000 test points
    # each: the s.d. of the averaged coverage is ≈ sqrt(α(1−α)/n)/sqrt(300) ≈ 0.002, so ±0.01 is 5 s.d.
    rng = np.random.default_rng(0)
    for alpha in (0.1, 0.2):
        cover = []
        for _ in range(300):
            q = conformal_quantile(rng.normal(size=100), alpha)
            cover.append(np.mean(np.abs(rng.normal(size=2000)) <= q))
        assert 1 - alpha - 0.01 <= np.mean(cover) <= 1 - alpha + 1 / 101 + 0.01
    assert conformal_quantile([1.0, 2.0], 0.1) == np.inf  # too few points for 90 %


def _paper_effect_table(n_papers=20, per_paper=15, seed=0):
    # each paper has its own offset in log y and its own narrow range of x: rows inside a paper are near
    # duplicates, so a random split interpolates within papers, a grouped split cannot
    rng = np.random.default_rng(seed)
    rows = n_papers * per_paper
    doi = tuple(f"10.1/p{k // per_paper}" for k in range(rows))
    paper = np.repeat(np.arange(n_papers), per_paper)
    offset = rng.normal(scale=1.0, size=n_papers)[paper]
    size = np.exp(rng.normal(np.log(10), 0.3, n_papers))[paper] * (1 + 0.01 * rng.normal(size=rows))
    ms = rng.uniform(40, 90, n_papers)[paper]
    h = rng.uniform(5e3, 30e3, n_papers)[paper]
    f = np.full(rows, 3e5)
    logy = 5 + 0.3 * np.log10(h / 1e4) + offset + 0.05 * rng.normal(size=rows)
    numeric = {"core_size": size * 1e-9, "shape_flag": np.zeros(rows), "ms": ms, "coercivity": np.full(rows, np.nan),
               "remanence": np.full(rows, np.nan), "coating_logp": np.zeros(rows),
               "coating_h_acceptors": np.zeros(rows), "concentration": np.ones(rows), "field_amplitude": h,
               "frequency": f, "sar": 10**logy}
    text = {"doi": doi, "composition": ("Fe3O4",) * rows, "shell": ("",) * rows}
    return DesignTable("sar", text, numeric, tuple(range(2, rows + 2)), ("synthetic",) * rows)


def test_grouped_cv_lower_than_random_with_paper_effect():
    t = _paper_effect_table()
    # a fixed depth-3 model for both splits (the tuned depth would be chosen by grouped inner CV, which by
    # design refuses to memorise papers; here the point is what the same model scores under each split)
    g = cross_validate(t, feature_set="baseline", split="grouped", repeats=2, n_estimators=30, rng=0, max_depth=3)
    r = cross_validate(t, feature_set="baseline", split="random", repeats=2, n_estimators=30, rng=0, max_depth=3)
    # random split: the paper offsets are memorised (near-identical rows in training); 30 stages at learning
    # rate 0.05 fit only ≈ 1 − 0.95³⁰ ≈ 0.79 of the signal, so R² ≈ 0.75, not ≈ 1 → bound 0.6.
    # grouped: offsets are unpredictable noise (σ = 1 in log y vs the field effect) → R² near or below 0
    assert r.mean > 0.6
    assert g.mean < 0.3
    assert g.mean < r.mean - 0.5


def test_grouped_folds_keep_groups_together():
    groups = np.repeat(np.arange(12), 3).astype(str)
    a = grouped_folds(groups, 4, rng=1)
    for gname in np.unique(groups):
        assert len(set(a[groups == gname])) == 1
    assert np.bincount(a).tolist() == [9, 9, 9, 9]
    b = grouped_folds(groups, 4, rng=2)
    assert not np.array_equal(a, b)  # shuffled assignment per seed
    with pytest.raises(FerroKitInputError, match="at least 4 groups"):
        grouped_folds(["a", "b"], 4)


def test_train_predict_save_load(tmp_path, sar_small, monkeypatch):
    m = train_model(sar_small, n_estimators=20, rng=0)
    pred = m.predict(sar_small.subset(range(5)))
    assert pred.value.shape == (5,)
    assert np.all(pred.low < pred.value) and np.all(pred.value < pred.high)
    np.testing.assert_allclose(pred.high / pred.value, 10**m.q_log10)
    path = save_model(m, tmp_path / "m.joblib")
    again = load_model(path)
    np.testing.assert_allclose(again.predict(sar_small.subset(range(5))).value, pred.value)
    assert again.provenance["n_rows"] == len(sar_small)
    # another ferrokit version: refused with a clear message
    payload = pickle.loads(path.read_bytes())
    payload["ferrokit_version"] = "0.0.1-other"
    (tmp_path / "old.pkl").write_bytes(pickle.dumps(payload))
    with pytest.raises(FerroKitInputError, match="retrain"):
        load_model(tmp_path / "old.pkl")
    (tmp_path / "junk.pkl").write_bytes(b"not a pickle")
    with pytest.raises(FerroKitInputError, match="not a FerroKit design model"):
        load_model(tmp_path / "junk.pkl")
    with pytest.raises(FerroKitInputError, match=r"joblib or \.pkl"):
        save_model(m, tmp_path / "m.txt")
