"""`ferrokit radiomics batch` and `delta`: a cohort with a failing case, resume refusal, bad input → exit 2."""

import json

import numpy as np
import pytest

from ferrokit.cli.radiomics import app
from ferrokit.io.images import write_nifti
from ferrokit.io.tables import read_table

from .conftest import assert_one_line_error


@pytest.fixture
def manifest(tmp_path):
    rng = np.random.default_rng(0)
    mask = np.zeros((12, 12, 12))
    mask[3:9, 3:9, 3:9] = 1
    for i in range(2):
        write_nifti(tmp_path / f"i{i}.nii.gz", rng.normal(50, 5, (12, 12, 12)))
    write_nifti(tmp_path / "m.nii.gz", mask)
    (tmp_path / "bad.nii.gz").write_bytes(b"corrupt")
    p = tmp_path / "cases.csv"
    p.write_text("id,image,mask,outcome\np1,i0.nii.gz,m.nii.gz,1\np2,i1.nii.gz,m.nii.gz,0\n"
                 "p3,bad.nii.gz,m.nii.gz,1\n")
    return p


def test_batch_records_failure_warns_and_exits_0(runner, manifest, tmp_path):
    out = tmp_path / "f.parquet"
    args = ["batch", str(manifest), "--family", "statistics", "--bin-number", "16", "--out", str(out),
            "--scheduler", "synchronous"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["n_cases"], data["n_failed"], data["n_features"]) == (3, 1, 18)
    assert data["failures"][0]["id"] == "p3" and "warning: 1 of 3 cases failed" in result.stderr
    table = read_table(out)
    assert [r["status"] for r in table.rows] == ["ok", "ok", "failed"] and table.rows[0]["outcome"] == 1
    result = runner.invoke(app, args)  # resume: the two finished cases are kept
    assert result.exit_code == 0 and "(2 kept from the existing table)" in result.stdout
    before = out.read_bytes()
    result = runner.invoke(app, [*args[:-2], "--bin-number", "8", "--scheduler", "synchronous"])
    assert_one_line_error(result, 2, "other settings")
    assert out.read_bytes() == before


def test_delta_cli(runner, manifest, tmp_path):
    out = tmp_path / "f.csv"
    assert runner.invoke(app, ["batch", str(manifest), "--family", "statistics", "--out", str(out),
                               "--scheduler", "synchronous"]).exit_code == 0
    result = runner.invoke(app, ["delta", str(out), str(out), "--relative", "--out", str(tmp_path / "d.csv"),
                                 "--json"])
    assert result.exit_code == 0, result.output
    rows = read_table(tmp_path / "d.csv").rows
    assert rows[0]["stat_mean"] == 0.0 and rows[2]["status"] == "failed"  # same table twice: no change
    assert json.loads(result.stdout)["mode"] == "relative"


@pytest.mark.parametrize(
    ("text", "extra", "fragment"),
    [
        ("id,image\np1,i0.nii.gz\n", [], "missing column(s) 'mask'"),
        ("id,image,mask\np1,i0.nii.gz,m.nii.gz\np1,i1.nii.gz,m.nii.gz\n", [], "duplicate id 'p1'"),
        ("id,image,mask\n", [], "no cases"),
        ("id,image,mask\np1,i0.nii.gz,m.nii.gz\n", ["--preset", "nope"], "unknown preset"),
        ("id,image,mask\np1,i0.nii.gz,m.nii.gz\n", ["--bin-width", "-2"], "bin_width"),
    ],
)
def test_batch_bad_input(runner, tmp_path, text, extra, fragment):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    out = tmp_path / "f.csv"
    result = runner.invoke(app, ["batch", str(p), "--out", str(out), "--scheduler", "synchronous", *extra])
    assert_one_line_error(result, 2, fragment)
    assert not out.exists()


def test_batch_bad_out_and_missing_manifest(runner, manifest, tmp_path):
    result = runner.invoke(app, ["batch", str(manifest), "--out", str(tmp_path / "f.xlsx")])
    assert_one_line_error(result, 2, ".csv or .parquet")
    result = runner.invoke(app, ["batch", str(tmp_path / "none.csv"), "--out", str(tmp_path / "f.csv")])
    assert_one_line_error(result, 2, "not found")
    assert not (tmp_path / "f.csv").exists()
    result = runner.invoke(app, ["delta", str(manifest), str(manifest)])
    assert_one_line_error(result, 2, "no IBSI feature column")
