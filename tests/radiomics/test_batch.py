"""Cohort extraction: table == direct extract_features, failures recorded, resume, settings guard, Parquet."""

import math

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.io.images import write_nifti
from ferrokit.io.tables import Table, read_table, write_table
from ferrokit.radiomics import RadiomicsSettings, extract_features
from ferrokit.radiomics import batch as batch_mod
from ferrokit.radiomics.batch import read_manifest, run_batch, settings_hash

SETTINGS = RadiomicsSettings(families=("statistics", "intensity_histogram", "glcm"))
SPACING_XYZ = (1e-3, 1e-3, 2e-3)  # m, as write_nifti takes it: dx = dy = 1 mm, dz = 2 mm


def _case_arrays(seed):
    """(x, y, z) image and mask of a 12³ case with a 6×6×5 box ROI labelled 2 (and a 1-voxel label 1)."""
    rng = np.random.default_rng(seed)
    img = rng.normal(100.0, 10.0, (12, 12, 12)).astype(np.float32)
    mask = np.zeros((12, 12, 12), np.int16)
    mask[3:9, 3:9, 4:9] = 2
    mask[0, 0, 0] = 1
    return img, mask


@pytest.fixture
def cohort(tmp_path):
    """3 cases (relative paths; case c2 has a corrupt image) and their manifest."""
    (tmp_path / "img").mkdir()
    arrays = {}
    for i in range(2):
        img, mask = _case_arrays(i)
        write_nifti(tmp_path / "img" / f"c{i}.nii.gz", img, spacing=SPACING_XYZ)
        write_nifti(tmp_path / "img" / f"c{i}_mask.nii.gz", mask, spacing=SPACING_XYZ)
        arrays[f"c{i}"] = (img, mask)
    (tmp_path / "img" / "c2.nii.gz").write_bytes(b"not a nifti file")
    write_nifti(tmp_path / "img" / "c2_mask.nii.gz", _case_arrays(2)[1], spacing=SPACING_XYZ)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("id,image,mask,label,outcome,age\n"
                        "c0,img/c0.nii.gz,img/c0_mask.nii.gz,2,1,61\n"
                        "c1,img/c1.nii.gz,img/c1_mask.nii.gz,2,0,70.5\n"
                        "c2,img/c2.nii.gz,img/c2_mask.nii.gz,2,1,\n")
    return manifest, arrays


def _counting(monkeypatch):
    calls = []
    real = batch_mod.extract_case

    def counted(case, settings):
        calls.append(case.id)
        return real(case, settings)

    monkeypatch.setattr(batch_mod, "extract_case", counted)
    return calls


def test_table_equals_direct_extraction_and_records_the_failure(cohort, tmp_path):
    manifest, arrays = cohort
    res = run_batch(manifest, SETTINGS, out=tmp_path / "f.csv", scheduler="synchronous")
    assert (res.n_cases, res.n_computed, res.n_skipped, res.n_failed) == (3, 3, 0, 1)
    table = read_table(tmp_path / "f.csv")
    assert [r["id"] for r in table.rows] == ["c0", "c1", "c2"]
    assert table.columns[:6] == ("id", "image", "mask", "label", "outcome", "age")
    assert table.columns[-2:] == ("status", "error")
    for cid in ("c0", "c1"):
        img, mask = arrays[cid]
        # the engine takes (z, y, x) arrays and (dz, dy, dx) in mm
        direct = extract_features(img.transpose(2, 1, 0), mask.transpose(2, 1, 0) == 2, (2.0, 1.0, 1.0), SETTINGS)
        row = next(r for r in table.rows if r["id"] == cid)
        assert row["status"] == "ok" and row["error"] is None
        assert row["settings_hash"] == settings_hash(SETTINGS) and len(row["image_sha256"]) == 64
        assert row["n_voxels_intensity"] == 6 * 6 * 5
        # same float32 voxels, same code, floats written with repr: the CSV round trip is exact
        assert {t: row[t] for t in direct.features} == direct.features
        assert "cm_joint_max_3D_comb" in direct.features and "morph_volume" not in table.columns
    bad = table.rows[2]
    assert bad["status"] == "failed" and "c2.nii.gz" in bad["error"] and "NIfTI" in bad["error"]
    assert bad["stat_mean"] is None and bad["outcome"] == 1 and bad["age"] is None
    assert res.failures == (("c2", bad["error"]),)


def test_resume_skips_finished_cases_and_recomputes_failed_or_changed(cohort, tmp_path, monkeypatch):
    manifest, _ = cohort
    out = tmp_path / "f.csv"
    calls = _counting(monkeypatch)
    run_batch(manifest, SETTINGS, out=out, scheduler="synchronous")
    assert calls == ["c0", "c1", "c2"]
    first = read_table(out)
    calls.clear()
    res = run_batch(manifest, SETTINGS, out=out, scheduler="synchronous")
    assert calls == ["c2"] and (res.n_skipped, res.n_computed, res.n_failed) == (2, 1, 1)
    assert read_table(out).rows[:2] == first.rows[:2]
    # repair case 2 and change the image of case 0: both are recomputed, case 1 is kept
    img, mask = _case_arrays(2)
    write_nifti(tmp_path / "img" / "c2.nii.gz", img, spacing=SPACING_XYZ)
    write_nifti(tmp_path / "img" / "c0.nii.gz", img + 1.0, spacing=SPACING_XYZ)
    calls.clear()
    res = run_batch(manifest, SETTINGS, out=out, scheduler="synchronous")
    assert sorted(calls) == ["c0", "c2"] and res.n_failed == 0
    rows = read_table(out).rows
    new_c0 = (img + np.float32(1.0))[mask == 2].astype(float)
    assert rows[0]["stat_mean"] == pytest.approx(new_c0.mean(), rel=1e-12)  # float64 mean of the same voxels
    assert rows[2]["status"] == "ok" and rows[0]["image_sha256"] != first.rows[0]["image_sha256"]


def test_interrupted_run_keeps_finished_cases(cohort, tmp_path, monkeypatch):
    manifest, _ = cohort
    out = tmp_path / "f.parquet"

    def stop_after_two(done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(manifest, SETTINGS, out=out, scheduler="synchronous", progress=stop_after_two,
                  checkpoint_interval=None)
    assert [r["id"] for r in read_table(out).rows] == ["c0", "c1"]
    calls = _counting(monkeypatch)
    res = run_batch(manifest, SETTINGS, out=out, scheduler="synchronous")
    assert calls == ["c2"] and res.n_skipped == 2 and len(read_table(out)) == 3


def test_other_settings_are_refused_and_the_file_is_untouched(cohort, tmp_path):
    manifest, _ = cohort
    out = tmp_path / "f.csv"
    run_batch(manifest, SETTINGS, out=out, scheduler="synchronous")
    before = out.read_bytes()
    other = RadiomicsSettings(families=("statistics",))
    with pytest.raises(FerroKitInputError, match=r"other settings.*--overwrite"):
        run_batch(manifest, other, out=out, scheduler="synchronous")
    assert out.read_bytes() == before
    res = run_batch(manifest, other, out=out, scheduler="synchronous", overwrite=True)
    assert res.n_computed == 3 and "cm_joint_max_3D_comb" not in read_table(out).columns


def test_parquet_round_trip_equals_csv(cohort, tmp_path):
    manifest, _ = cohort
    a = run_batch(manifest, SETTINGS, out=tmp_path / "f.csv", scheduler="synchronous")
    b = run_batch(manifest, SETTINGS, out=tmp_path / "f.parquet", scheduler="synchronous")
    csv_t, pq_t = read_table(tmp_path / "f.csv"), read_table(tmp_path / "f.parquet")
    assert csv_t.columns == pq_t.columns == a.table.columns == b.table.columns
    for rc, rp in zip(csv_t.rows, pq_t.rows, strict=True):
        for col in csv_t.columns:
            x, y = rc[col], rp[col]
            assert x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y)), col


def test_table_csv_types_round_trip(tmp_path):
    t = Table.from_rows([{"id": "007", "n": 3, "x": 0.1 + 0.2, "s": "a,b", "z": None},
                         {"id": "8", "n": None, "x": float("nan"), "s": "", "z": None}])
    write_table(t, tmp_path / "t.csv")
    back = read_table(tmp_path / "t.csv")
    assert back.rows[0] == {"id": "007", "n": 3, "x": 0.30000000000000004, "s": "a,b", "z": None}
    assert back.rows[1]["id"] == "8" and math.isnan(back.rows[1]["x"]) and back.rows[1]["s"] is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("id,image\nc0,a.nii\n", "missing column(s) 'mask'"),
        ("id,image,mask\nc0,a.nii,m.nii\nc0,b.nii,m.nii\n", "duplicate id 'c0'"),
        ("id,image,mask\n", "no cases"),
        ("", "empty file"),
        ("id,image,mask,label\nc0,a.nii,m.nii,1.5\n", "label must be an integer"),
        ("id,image,mask\n,a.nii,m.nii\n", "empty id"),
        ("id,image,mask,stat_mean\nc0,a.nii,m.nii,3\n", "clash"),
        ("id,image,mask\nc0,a.nii\n", "2 cells for 3 columns"),
    ],
)
def test_bad_manifest(tmp_path, text, fragment):
    p = tmp_path / "m.csv"
    p.write_text(text)
    with pytest.raises(FerroKitInputError, match=None) as err:
        read_manifest(p)
    assert fragment in str(err.value)


def test_missing_files_are_per_case_failures_not_fatal(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("id,image,mask\nx,nowhere.nii.gz,nowhere_mask.nii.gz\n")
    m = read_manifest(p)
    assert m.cases[0].image_path == tmp_path / "nowhere.nii.gz"
    res = run_batch(m, SETTINGS, out=tmp_path / "f.csv", scheduler="synchronous")
    assert res.failures == (("x", f"image file not found: {tmp_path / 'nowhere.nii.gz'}"),)


@pytest.mark.slow
def test_local_cluster_of_two_workers_gives_the_same_table(cohort, tmp_path):
    manifest, _ = cohort
    settings = RadiomicsSettings(families=("statistics",))
    sync = run_batch(manifest, settings, out=tmp_path / "sync.csv", scheduler="synchronous")
    dist = run_batch(manifest, settings, out=tmp_path / "dist.csv", n_workers=2)
    assert dist.table == sync.table and dist.n_failed == 1
