"""GP with a physics prior mean and the depth-tuned boosting model: calibration, coverage, nesting, persistence."""

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.design import (
    GPResidualModel,
    TunedBoosting,
    cross_validate,
    load_dimag,
    load_model,
    save_model,
    train_model,
)
from ferrokit.design.gp import GP_FEATURES, PHYSICS_MEAN


def _features(model, table):
    from ferrokit.design import compute_features

    return compute_features(table, "hybrid").values


def _synthetic(n, rng, a=0.8, b=0.3, noise=0.1):
    names = (PHYSICS_MEAN["r2"], *GP_FEATURES["r2"])
    x = rng.normal(size=(n, len(names)))
    x[:, 0] = rng.uniform(1.0, 3.0, n)  # log10 physics prediction
    y = a * x[:, 0] + b + 0.2 * np.sin(2 * x[:, 5]) + rng.normal(0.0, noise, n)  # x[:,5] = log10_core_size_nm
    return names, x, y


def test_gp_calibrates_the_physics_scale_and_covers():
    rng = np.random.default_rng(0)
    names, x, y = _synthetic(300, rng)
    gp = GPResidualModel(names, "r2", seed=0).fit(x[:200], y[:200])
    cal = gp.calibration
    # y = 0.8·phys + 0.3 + a residual independent of phys: least squares recovers a, b within a few SE
    # (SE(a) ≈ 0.17/(0.58·√200) ≈ 0.02 with residual sd ≈ 0.17 and sd(phys) = 2/√12 ≈ 0.58)
    assert cal["a"] == pytest.approx(0.8, abs=0.08) and cal["b"] == pytest.approx(0.3, abs=0.2)
    # the fitted noise is the simulated one (0.1 in log10) within 30 %
    assert cal["noise_sd_log10"] == pytest.approx(0.1, rel=0.3)
    mean, lo, hi = gp.interval(x[200:], 0.1)
    inside = np.mean((y[200:] >= lo) & (y[200:] <= hi))
    assert 0.8 <= inside <= 0.98  # 90 % nominal on 100 new rows: binomial sd 0.03
    # the GP explains the sin term the physics misses: held-out residual sd near the noise level
    assert np.std(y[200:] - mean) < 0.14


def test_gp_needs_the_hybrid_features():
    with pytest.raises(FerroKitInputError, match="hybrid features"):
        GPResidualModel(("x_Zn", "x_Mn"), "r2")


def test_tuned_depth_sees_an_interaction():
    # y = sign(x1)·sign(x2): no additive (depth-1) model can represent it; the inner grouped CV must pick ≥ 2
    rng = np.random.default_rng(2)
    x = rng.normal(size=(240, 3))
    y = np.sign(x[:, 0]) * np.sign(x[:, 1]) + rng.normal(0, 0.05, 240)
    groups = np.repeat(np.arange(24), 10)
    m = TunedBoosting(60, seed=0).fit(x, y, groups)
    assert m.depth_ >= 2 and m.inner_mse_[1] > 2 * m.inner_mse_[m.depth_]
    with pytest.raises(FerroKitInputError, match="max_depth"):
        TunedBoosting(60, 0, max_depth=7)


@pytest.fixture(scope="module")
def r2_small():
    t = load_dimag("r2")
    return t.subset(np.arange(0, len(t), 4))


def test_gp_cross_validation_and_model_file(r2_small, tmp_path):
    s = cross_validate(r2_small, model="gp", repeats=1, rng=0)
    assert s.model == "gp" and s.feature_set == "hybrid" and np.isfinite(s.r2_log[0])
    assert 0.0 < s.coverage[0] <= 1.0 and 0.0 < s.coverage_gp_raw[0] <= 1.0
    m = train_model(r2_small, model="gp", rng=0)
    assert m.model == "gp" and m.provenance["gp"]["physics_feature"] == "log10_r2_mar"
    p = m.predict(r2_small.subset(range(5)))
    assert np.all(p.low < p.value) and np.all(p.value < p.high)
    assert p.to_dict()["interval"] == "90 % GP σ, normalised conformal"
    # the interval is μ ± s·σ in log10 with the stored conformal scale s
    mu, sd = m.estimator.predict(_features(m, r2_small.subset(range(5))),
                                 return_std=True)
    s_scale = m.provenance["gp"]["interval_scale"]
    np.testing.assert_allclose(np.log10(p.high), mu + s_scale * sd, rtol=1e-10)
    again = load_model(save_model(m, tmp_path / "gp.pkl"))
    np.testing.assert_allclose(again.predict(r2_small.subset(range(5))).value, p.value)


def test_tuned_boosting_records_its_depth(r2_small):
    m = train_model(r2_small, feature_set="baseline", n_estimators=20, rng=0)
    assert m.provenance["max_depth"] in (1, 2, 3) and set(m.provenance["inner_cv_mse"]) == {"1", "2", "3"}
    fixed = train_model(r2_small, feature_set="baseline", n_estimators=20, rng=0, max_depth=1)
    assert fixed.provenance["max_depth"] == 1 and fixed.provenance["inner_cv_mse"] == {}
    with pytest.raises(FerroKitInputError, match="model"):
        train_model(r2_small, model="svm")
