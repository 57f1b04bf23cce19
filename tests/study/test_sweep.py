"""Sweeps: dotted paths into the study mapping, failed points recorded, not fatal."""

import pytest
import yaml

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.study import SweepConfig, load_sweep_config, run_sweep
from ferrokit.study.sweep import set_path


def test_set_path_copies_and_indexes_lists(tiny_raw):
    new = set_path(tiny_raw, "response.arms.1.hyperthermia", False)
    assert new["response"]["arms"][1]["hyperthermia"] is False
    assert tiny_raw["response"]["arms"][1]["hyperthermia"] is True


def test_grid_and_zip_points():
    cfg = SweepConfig(study={}, parameters=[{"path": "a", "values": [1, 2]}, {"path": "b", "values": [3, 4]}])
    assert cfg.n_points == 4
    z = SweepConfig(study={}, mode="zip", parameters=[{"path": "a", "values": [1, 2]},
                                                      {"path": "b", "values": [3, 4]}])
    assert z.points() == [[("a", 1), ("b", 3)], [("a", 2), ("b", 4)]]


def test_failed_point_is_recorded(tiny_raw):
    cfg = SweepConfig(study=tiny_raw, parameters=[{"path": "dose.amount", "values": ["30 mg/kg", "5 parsecs"]}])
    res = run_sweep(cfg, tiny_raw, scheduler="synchronous")
    ok, bad = res.rows
    assert ok["status"] == "ok" and bad["status"] == "failed"
    assert "dose.amount" in bad["error"] and "allowed units" in bad["error"]
    assert res.n_failed == 1
    assert ok["metrics"]["hyperthermia: tumour T90 (end) [K]"] > 310.15
    csv = res.to_csv().splitlines()
    assert csv[0].startswith("point,dose.amount,status,error,")
    assert csv[2].startswith("1,5 parsecs,failed,")


def test_sweep_file_with_bad_path(tmp_path, tiny_raw):
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(tiny_raw))
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(
        {"study": "study.yaml", "parameters": [{"path": "response.arms.9.cdt", "values": [True]}]}))
    with pytest.raises(FerroKitInputError, match="list index out of range"):
        load_sweep_config(tmp_path / "sweep.yaml")


@pytest.mark.slow
def test_sweep_on_local_dask_cluster(tiny_raw):
    cfg = SweepConfig(study=tiny_raw, parameters=[{"path": "amf.frequency", "values": ["200 kHz", "-1 kHz"]}])
    res = run_sweep(cfg, tiny_raw, n_workers=2)
    assert [r["status"] for r in res.rows] == ["ok", "failed"]
