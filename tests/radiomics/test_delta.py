"""Delta radiomics: post − pre and (post − pre)/|pre| by hand, the pre = 0 rule, joins and refusals."""

import math

import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics.delta import delta_features

PRE = [{"id": "a", "outcome": 1, "stat_mean": 100.0, "stat_var": 4.0, "stat_max": 0.0, "settings_hash": "h",
        "status": "ok", "error": None},
       {"id": "b", "outcome": 0, "stat_mean": -50.0, "stat_var": 0.0, "stat_max": 2.0, "settings_hash": "h",
        "status": "ok", "error": None},
       {"id": "c", "outcome": 0, "stat_mean": None, "stat_var": None, "stat_max": None, "settings_hash": "h",
        "status": "failed", "error": "image file not found: c.nii"},
       {"id": "only_pre", "outcome": 1, "stat_mean": 1.0, "stat_var": 1.0, "stat_max": 1.0, "settings_hash": "h",
        "status": "ok", "error": None}]
POST = [{"id": "b", "stat_mean": -25.0, "stat_var": 3.0, "stat_max": float("nan"), "settings_hash": "h",
         "status": "ok"},
        {"id": "a", "stat_mean": 80.0, "stat_var": 5.0, "stat_max": 0.0, "settings_hash": "h", "status": "ok"},
        {"id": "c", "stat_mean": 1.0, "stat_var": 1.0, "stat_max": 1.0, "settings_hash": "h", "status": "ok"},
        {"id": "only_post", "stat_mean": 1.0, "stat_var": 1.0, "stat_max": 1.0, "settings_hash": "h",
         "status": "ok"}]


def _rows(res):
    return {r["id"]: r for r in res.table.rows}


def test_absolute_delta_by_hand():
    res = delta_features(PRE, POST)
    rows = _rows(res)
    assert [r["id"] for r in res.table.rows] == ["a", "b", "c"]  # order of the pre table, joined by id
    assert (rows["a"]["stat_mean"], rows["a"]["stat_var"], rows["a"]["stat_max"]) == (-20.0, 1.0, 0.0)
    assert (rows["b"]["stat_mean"], rows["b"]["stat_var"]) == (25.0, 3.0) and math.isnan(rows["b"]["stat_max"])
    assert rows["a"]["outcome"] == 1 and rows["a"]["delta"] == "absolute"  # clinical columns carried from pre
    assert rows["c"]["status"] == "failed" and rows["c"]["stat_mean"] is None
    assert rows["c"]["error"] == "pre: image file not found: c.nii"
    assert res.unmatched_pre == ("only_pre",) and res.unmatched_post == ("only_post",)
    assert res.table.columns[:2] == ("id", "outcome") and "settings_hash" not in res.table.columns


def test_relative_delta_and_the_pre_zero_rule():
    res = delta_features(PRE, POST, relative=True)
    rows = _rows(res)
    assert rows["a"]["stat_mean"] == pytest.approx(-0.2, rel=1e-15)  # (80 − 100)/100
    assert rows["a"]["stat_var"] == 0.25  # (5 − 4)/4
    assert rows["a"]["stat_max"] == 0.0  # pre = post = 0: no change
    assert rows["b"]["stat_mean"] == 0.5  # (−25 − (−50))/|−50|: the sign follows the change, not pre
    assert math.isnan(rows["b"]["stat_var"])  # pre = 0, post = 3: undefined
    assert math.isnan(rows["b"]["stat_max"])  # NaN input
    assert res.n_undefined == 1 and rows["b"]["delta"] == "relative"


def test_refusals():
    other = [dict(r, settings_hash="other") for r in POST]
    with pytest.raises(FerroKitInputError, match="different settings"):
        delta_features(PRE, other)
    assert len(delta_features(PRE, other, require_same_settings=False).table) == 3
    with pytest.raises(FerroKitInputError, match="share no case id"):
        delta_features(PRE, [dict(POST[0], id="zz")])
    with pytest.raises(FerroKitInputError, match="no IBSI feature column"):
        delta_features([{"id": "a", "x": 1.0}], [{"id": "a", "x": 2.0}])
    with pytest.raises(FerroKitInputError, match="duplicate id"):
        delta_features(PRE + PRE[:1], POST)
    with pytest.raises(FerroKitInputError, match="no 'id' column"):
        delta_features([{"stat_mean": 1.0}], POST)
