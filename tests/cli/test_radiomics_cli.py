"""`ferrokit radiomics`: ibsi-check and extract on the shipped phantom; bad input → one-line errors."""

import csv
import json

import nibabel as nib
import numpy as np
import pytest

from ferrokit.cli.radiomics import app
from ferrokit.radiomics.ibsi import load_digital_phantom

from .conftest import assert_one_line_error


def _write_nifti(path, zyx, spacing=(2.0, 2.0, 2.0)):
    affine = np.diag([spacing[2], spacing[1], spacing[0], 1.0])
    nib.save(nib.Nifti1Image(np.asarray(zyx).transpose(2, 1, 0).astype(np.float32), affine), str(path))
    return path


@pytest.fixture
def phantom_files(tmp_path):
    img, mask, sp = load_digital_phantom()
    return _write_nifti(tmp_path / "img.nii.gz", img, sp), _write_nifti(tmp_path / "mask.nii.gz", mask, sp)


def test_ibsi_check_json_family_filter(runner):
    result = runner.invoke(app, ["ibsi-check", "--family", "statistics", "--family", "ivh", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["counts"]) == {"statistics", "ivh"}
    assert data["failed"] == 0 and data["passed"] == 18 + 7
    kurt = next(f for f in data["features"] if f["tag"] == "stat_kurt")
    assert kurt["reference"] == -0.355 and kurt["ibsi_code"] == "IPH6"


def test_ibsi_check_table(runner):
    result = runner.invoke(app, ["ibsi-check", "--family", "morphology"])
    assert result.exit_code == 0, result.output
    assert "morph_volume" in result.stdout and "27 passed, 0 failed" in result.stdout


def test_extract_phantom_matches_the_api_and_writes_a_row(runner, phantom_files, tmp_path):
    img, mask = phantom_files
    out = tmp_path / "res" / "features.csv"
    result = runner.invoke(app, ["extract", str(img), str(mask), "--preset", "ibsi-digital-phantom",
                                 "--family", "morphology", "--family", "statistics", "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["features"]["morph_volume"]["value"] == pytest.approx(556, abs=4)  # IBSI 556 ± 4
    assert data["features"]["stat_kurt"]["value"] == pytest.approx(-0.355, abs=5e-4)
    assert data["features"]["morph_volume"]["ibsi_code"] == "RNU0"
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 1 and float(rows[0]["stat_mean"]) == pytest.approx(2.15, abs=5e-3)


def test_extract_with_options_and_yaml(runner, phantom_files, tmp_path):
    img, mask = phantom_files
    cfg = tmp_path / "s.yaml"
    cfg.write_text("discretisation: {method: fixed_bin_size, bin_width: 1, lower_bound: 0.5}\n"
                   "families: [intensity_histogram]\n")
    result = runner.invoke(app, ["extract", str(img), str(mask), "--config", str(cfg), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["features"]["ih_max"]["value"] == 6.0  # FBS 1 from 0.5 keeps 1..6
    result = runner.invoke(app, ["extract", str(img), str(mask), "--bin-number", "3", "--family",
                                 "intensity_histogram", "--resample", "1mm", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["features"]["ih_max"]["value"] == 3.0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--preset", "ibsi-config-z"], "unknown preset"),
        (["--bin-width", "0"], "bin_width"),
        (["--bin-width", "-1", "--lower-bound", "0"], "bin_width"),
        (["--bin-number", "4", "--bin-width", "2"], "not both"),
        (["--resample", "-1mm"], "--resample"),
        (["--range", "400,-500"], "--range"),
        (["--aggregation", "4D_avg"], "aggregations"),
        (["--family", "colour"], "families"),
    ],
)
def test_extract_bad_options(runner, phantom_files, tmp_path, args, fragment):
    img, mask = phantom_files
    out = tmp_path / "never.csv"
    result = runner.invoke(app, ["extract", str(img), str(mask), *args, "--out", str(out)])
    assert_one_line_error(result, 2, fragment)
    assert not out.exists()


def test_extract_unknown_yaml_key(runner, phantom_files, tmp_path):
    img, mask = phantom_files
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("discretisation: {method: fixed_bin_number, bin_number: 8, bins: 3}\n")
    assert_one_line_error(runner.invoke(app, ["extract", str(img), str(mask), "--config", str(cfg)]), 2,
                          "unknown key")


def test_extract_bad_images(runner, phantom_files, tmp_path):
    img, mask = phantom_files
    other = _write_nifti(tmp_path / "m2.nii.gz", np.ones((4, 4, 6)))
    assert_one_line_error(runner.invoke(app, ["extract", str(img), str(other)]), 2, "shapes differ")
    shifted = _write_nifti(tmp_path / "m3.nii.gz", load_digital_phantom()[1], (2.0, 2.0, 3.0))
    assert_one_line_error(runner.invoke(app, ["extract", str(img), str(shifted)]), 2, "spacings differ")
    empty = _write_nifti(tmp_path / "e.nii.gz", np.zeros((4, 4, 5)))
    assert_one_line_error(runner.invoke(app, ["extract", str(img), str(empty)]), 2, "empty")
    nan_img = load_digital_phantom()[0]
    nan_img[0, 0, 0] = np.nan
    bad = _write_nifti(tmp_path / "nan.nii.gz", nan_img)
    assert_one_line_error(runner.invoke(app, ["extract", str(bad), str(mask)]), 2, "non-finite")
    corrupt = tmp_path / "c.nii.gz"
    corrupt.write_bytes(b"not an image")
    assert_one_line_error(runner.invoke(app, ["extract", str(corrupt), str(mask)]), 2, "cannot read")
    assert_one_line_error(runner.invoke(app, ["extract", str(tmp_path / "none.nii"), str(mask)]), 2, "not found")
    assert_one_line_error(runner.invoke(app, ["extract", str(img), str(mask), "--label", "7"]), 2, "label 7")


def test_ibsi_check_unknown_family(runner):
    assert_one_line_error(runner.invoke(app, ["ibsi-check", "--family", "colour"]), 2, "unknown family")
