"""Rad-score modelling: ICC and decision curves by hand, calibration and bootstrap coverage on data with a known
truth, LASSO-logistic / LASSO-Cox recovering the informative features, and ~0.5 on pure noise."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics.modelling import correlation_filter, icc, icc_filter, icc_table, join_tables
from ferrokit.radiomics.modelling_eval import (
    bootstrap_discrimination,
    calibration,
    cross_validate,
    decision_curve,
    discrimination,
    risk_groups,
)
from ferrokit.radiomics.modelling_fit import fit_nomogram, fit_radscore, read_outcome
from ferrokit.radiomics.modelling_plots import nomogram_scales

SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]


def cohort(n=200, p=12, *, signal=(1.5, -1.2), seed=0, survival=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    lp = signal[0] * x[:, 0] + signal[1] * x[:, 1]
    df = pd.DataFrame(x, columns=[f"f{j:02d}" for j in range(p)])
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int)
    t = rng.exponential(1 / np.exp(lp))
    c = rng.exponential(2.0, n)
    df["T"], df["E"] = np.minimum(t, c), (t <= c).astype(int)
    df["age"] = rng.normal(60, 10, n)
    return df, lp


FEATS12 = [f"f{j:02d}" for j in range(12)]


# --------------------------------------------------------------------------------------------------- ICC
def test_icc_two_by_two_by_hand():
    # x = [[1, 2], [3, 4]]: grand 2.5; row means 1.5, 3.5 → MS_R = 2·(1 + 1)/1 = 4; column means 2, 3 →
    # MS_C = 2·(0.25 + 0.25)/1 = 1; residuals x − row − col + grand are all 0 → MS_E = 0.
    # ICC(2,1) = 4 / (4 + 0 + 2·(1 − 0)/2) = 0.8; ICC(3,1) = 4/4 = 1.
    r = icc([[1, 2], [3, 4]])
    assert (r.ms_rows, r.ms_cols, r.ms_error) == pytest.approx((4.0, 1.0, 0.0), abs=1e-12)
    assert r.icc == pytest.approx(0.8, abs=1e-12)
    assert icc([[1, 2], [3, 4]], kind="3,1").icc == pytest.approx(1.0, abs=1e-12)


def test_icc_shrout_fleiss_published_example():
    # Shrout & Fleiss, Psychol Bull 1979, Tables 2 and 4: BMS 11.24, JMS 32.49, EMS 1.02; ICC(2,1) 0.29,
    # ICC(3,1) 0.71 (printed to 2 decimals → tolerance 0.005)
    r = icc(SHROUT_FLEISS)
    assert r.ms_rows == pytest.approx(11.24, abs=0.005)
    assert r.ms_cols == pytest.approx(32.49, abs=0.005)
    assert r.ms_error == pytest.approx(1.02, abs=0.005)
    assert r.icc == pytest.approx(0.29, abs=0.005)
    assert icc(SHROUT_FLEISS, kind="3,1").icc == pytest.approx(0.71, abs=0.005)


def test_icc_filter_drops_unreproducible_feature():
    rng = np.random.default_rng(1)
    truth = rng.normal(size=(60, 2))
    rows = []
    for seg in (1, 2):
        rows.append(pd.DataFrame({"id": range(60), "segmentation": seg,
                                  "good": truth[:, 0] + 0.1 * rng.normal(size=60),  # ICC ≈ 1/(1+0.01) ≈ 0.99
                                  "bad": truth[:, 1] + 1.5 * rng.normal(size=60)}))  # ICC ≈ 1/(1+2.25) ≈ 0.31
    vals = icc_table(pd.concat(rows), ["good", "bad"])
    assert vals["good"] > 0.95 and vals["bad"] < 0.6
    assert icc_filter(vals) == ["good"]


def test_icc_bad_input():
    with pytest.raises(FerroKitInputError, match="ratings"):
        icc([[1, 2, 3]])
    with pytest.raises(FerroKitInputError, match="kind"):
        icc(SHROUT_FLEISS, kind="1,1")


# ----------------------------------------------------------------------------------------- correlation, join
def test_correlation_filter_keeps_the_more_associated_of_a_pair():
    rng = np.random.default_rng(2)
    a = rng.normal(size=100)
    x = np.column_stack([a, a + 0.05 * rng.normal(size=100), rng.normal(size=100)])  # r(a, b) ≈ 0.999
    assert correlation_filter(x, ["a", "b", "c"], np.array([0.1, 0.2, 0.05])) == ["b", "c"]
    assert correlation_filter(x, ["a", "b", "c"], np.array([0.3, 0.2, 0.05])) == ["a", "c"]
    assert correlation_filter(x, ["a", "b", "c"], np.array([0.3, 0.2, 0.05]), threshold=1.0) == ["a", "b", "c"]


def test_join_reports_unmatched_and_rejects_duplicates():
    a = pd.DataFrame({"id": ["p1", "p2", "p3"], "f": [1.0, 2.0, 3.0]})
    b = pd.DataFrame({"id": ["p3", "p2", "p9"], "gene_TFRC": [0.1, 0.2, 0.3]})
    r = join_tables(a, b, right_name="omics")
    assert list(r.table["id"]) == ["p2", "p3"] and list(r.table["gene_TFRC"]) == [0.2, 0.1]
    assert r.unmatched_left == ("p1",) and r.unmatched_right == ("p9",)
    with pytest.raises(FerroKitInputError, match="duplicate id"):
        join_tables(a, pd.concat([b, b]))


# ------------------------------------------------------------------------------------------- decision curve
def test_net_benefit_by_hand():
    y = [1, 1, 0, 0, 0]
    p = [0.9, 0.4, 0.6, 0.2, 0.1]
    dc = decision_curve(y, p, [0.25, 0.5])
    # pt = 0.25: treated p ≥ 0.25 → cases 1, 2, 3: TP = 2, FP = 1; NB = 2/5 − 1/5·(1/3) = 0.3333…
    # pt = 0.5: treated cases 1, 3: TP = 1, FP = 1; NB = 1/5 − 1/5·1 = 0
    assert dc.model == pytest.approx([2 / 5 - 1 / 15, 0.0], abs=1e-12)
    # treat all: prevalence 0.4 → 0.4 − 0.6·(1/3) = 0.2 and 0.4 − 0.6 = −0.2
    assert dc.treat_all == pytest.approx([0.2, -0.2], abs=1e-12)


def test_net_benefit_perfect_model_equals_prevalence():
    # a perfect classifier treats exactly the positives: NB = prevalence at every threshold
    y = np.array([1] * 30 + [0] * 70)
    dc = decision_curve(y, y * 0.98 + 0.01, np.linspace(0.05, 0.95, 19))  # all thresholds strictly inside
    assert dc.model == pytest.approx(np.full(dc.thresholds.size, 0.3), abs=1e-12)


# ------------------------------------------------------------------------------------------------ calibration
def test_calibration_slope_and_intercept_of_true_probabilities():
    rng = np.random.default_rng(3)
    lp = rng.normal(0.0, 1.5, 20000)
    p = 1 / (1 + np.exp(-lp))
    y = (rng.random(lp.size) < p).astype(float)
    cal = calibration(y, p)
    # n = 20000: SE(slope) ≈ 0.02, SE(intercept) ≈ 0.02 → tolerance 0.08 (≈ 4 SE)
    assert cal.slope == pytest.approx(1.0, abs=0.08)
    assert cal.intercept == pytest.approx(0.0, abs=0.08)
    assert np.max(np.abs(cal.predicted - cal.observed)) < 0.05  # 2000 per bin: SE ≤ 0.011
    # an over-confident model (logit doubled) has slope ≈ 0.5
    over = 1 / (1 + np.exp(-2 * lp))
    assert calibration(y, over).slope == pytest.approx(0.5, abs=0.05)


# ----------------------------------------------------------------------------------------------- bootstrap
def test_fast_bootstrap_auc_equals_sklearn():
    from sklearn.metrics import roc_auc_score

    from ferrokit.radiomics.modelling_eval import _fast_auc

    rng = np.random.default_rng(8)
    y = rng.integers(0, 2, 300)
    s = np.round(rng.normal(size=300) + y, 1)  # rounding creates ties
    assert _fast_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_bootstrap_ci_covers_the_binormal_truth():
    # positives ~ N(1, 1), negatives ~ N(0, 1): AUC = Φ(1/√2) = 0.7602 (binormal model)
    truth = norm.cdf(1 / math.sqrt(2))
    rng = np.random.default_rng(4)
    covered = 0
    reps = 30
    for _ in range(reps):
        y = np.r_[np.ones(80), np.zeros(80)]
        s = np.r_[rng.normal(1, 1, 80), rng.normal(0, 1, 80)]
        o = read_outcome(pd.DataFrame({"y": y}), outcome="y")
        e = bootstrap_discrimination(o, s, n_boot=200, rng=rng)
        covered += e.low <= truth <= e.high
        assert e.low < e.value < e.high
    # nominal 95 %: with 30 replicates the binomial SD is 0.04; ≥ 0.8 is > 3.5 SD below nominal
    assert covered / reps >= 0.8


# ------------------------------------------------------------------------------------------------ logistic
def test_lasso_logistic_finds_the_signal_and_validates():
    df, lp = cohort()
    o = read_outcome(df, outcome="y")
    model = fit_radscore(df, FEATS12, o, rng=0)
    assert {"f00", "f01"} <= set(model.selected)
    assert model.coefficients["f00"] > 0 > model.coefficients["f01"]
    cv = cross_validate(df, FEATS12, o, clinical=["age"], rng=0)
    oracle = discrimination(o, lp)  # AUC of the true linear predictor on these cases
    # out-of-fold AUC cannot beat the oracle by much and should lose < 0.08 with 200 cases and 12 candidates
    # (SE of an AUC here ≈ 0.03)
    auc = discrimination(o, cv.risk)
    assert oracle - 0.08 < auc < oracle + 0.05
    assert auc > 0.75


def test_pure_noise_grouped_cv_is_near_chance():
    rng = np.random.default_rng(5)
    n = 200
    df = pd.DataFrame(rng.normal(size=(n, 12)), columns=FEATS12)
    df["y"] = rng.integers(0, 2, n)
    groups = np.repeat(np.arange(40), 5)  # 40 patients × 5 lesions
    o = read_outcome(df, outcome="y")
    cv = cross_validate(df, FEATS12, o, groups=groups, rng=1)
    for k in range(5):  # GroupKFold: no patient on both sides
        assert len(set(groups[cv.fold == k]) & set(groups[cv.fold != k])) == 0
    # AUC of a useless score: SE ≈ 0.041 at 100 vs 100 → |AUC − 0.5| < 0.13 (≈ 3 SE)
    assert abs(discrimination(o, cv.radscore) - 0.5) < 0.13


def test_nomogram_matches_its_formula_and_scales():
    df, _ = cohort(seed=6)
    o = read_outcome(df, outcome="y")
    nomo = fit_nomogram({"radscore": df["f00"].to_numpy(), "age": df["age"].to_numpy()}, o)
    lp = nomo.intercept + nomo.coefficients["radscore"] * df["f00"] + nomo.coefficients["age"] * df["age"]
    p = nomo.predict({"radscore": df["f00"].to_numpy(), "age": df["age"].to_numpy()})
    assert p == pytest.approx(1 / (1 + np.exp(-lp.to_numpy())), rel=1e-12)
    sc = nomogram_scales(nomo)
    widths = {v: sc["points_per_unit_lp"] * abs(nomo.coefficients[v] * np.subtract(*nomo.ranges[v]))
              for v in nomo.variables}
    assert max(widths.values()) == pytest.approx(100.0)  # the widest scale spans 0–100 points
    assert nomo.plot().figure is not None


# ------------------------------------------------------------------------------------------------------ Cox
def test_lasso_cox_finds_the_signal_and_risk_groups_separate():
    feats = FEATS12[:6]
    df, lp = cohort(n=150, p=6, seed=7, survival=True)
    o = read_outcome(df, time="T", event="E")
    pen = [0.02, 0.1]  # two penalties keep the test fast; both select f00 and f01 at this signal strength
    model = fit_radscore(df, feats, o, n_splits=3, penalties=pen, rng=0)
    assert {"f00", "f01"} <= set(model.selected)
    assert model.coefficients["f00"] > 0 > model.coefficients["f01"]  # log hazard ratios per SD
    cv = cross_validate(df, feats, o, n_splits=3, penalties=pen, rng=0)
    oracle = discrimination(o, lp)
    c = discrimination(o, cv.radscore)
    # Harrell's C SE here ≈ 0.025; out-of-fold within 0.06 of the oracle, and well above chance
    assert oracle - 0.06 < c < oracle + 0.04 and c > 0.7
    rg = risk_groups(o.time, o.y, cv.high)
    assert rg.logrank_p < 1e-3  # hazard ratio between median halves ≈ e^1.9 here: a very clear separation


# ---------------------------------------------------------------------------------------------- bad input
def test_outcome_validation():
    df, _ = cohort(n=60)
    with pytest.raises(FerroKitInputError, match="binary"):
        read_outcome(df.assign(y=df["y"] * 2 + df["E"]), outcome="y")
    with pytest.raises(FerroKitInputError, match="too few events"):
        read_outcome(df.assign(y=(np.arange(60) < 5).astype(int)), outcome="y")
    with pytest.raises(FerroKitInputError, match="≤ 0"):
        read_outcome(df.assign(T=df["T"] - 10), time="T", event="E")
    with pytest.raises(FerroKitInputError, match="not in the table"):
        read_outcome(df, outcome="nope")
    with pytest.raises(FerroKitInputError, match="both"):
        read_outcome(df, time="T")
    bad = df.copy()
    bad.loc[3, "f04"] = np.nan
    with pytest.raises(FerroKitInputError, match="f04"):
        fit_radscore(bad, FEATS12, read_outcome(df, outcome="y"))
