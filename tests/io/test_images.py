"""Image I/O: NIfTI, NRRD and DICOM series written in tmp_path; geometry in LPS metres; errors."""

import json

import nibabel as nib
import nrrd
import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.io.images import check_same_geometry, read_image, write_nifti


def _write_dicom_series(folder, volume, *, spacing=(0.5, 0.6, 2.0), z0=10.0, series_uid="1.2.3.4", te=None,
                        positions=None, start=0):
    """Write ``volume`` [x, y, z] as one DICOM file per slice (pydicom, uncompressed, MR)."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    folder.mkdir(parents=True, exist_ok=True)
    nz = volume.shape[2]
    positions = positions if positions is not None else [z0 + k * spacing[2] for k in range(nz)]
    for k in range(nz):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = FileDataset(str(folder / f"s{start + k}.dcm"), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID = meta.MediaStorageSOPClassUID
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.Modality = "MR"
        ds.SeriesInstanceUID = series_uid
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [-5.0, 3.0, positions[k]]
        ds.PixelSpacing = [spacing[1], spacing[0]]  # row spacing (y), column spacing (x)
        ds.SliceThickness = spacing[2]
        ds.Rows, ds.Columns = volume.shape[1], volume.shape[0]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.RescaleSlope, ds.RescaleIntercept = 2, -100
        if te is not None:
            ds.EchoTime = te
            ds.RepetitionTime = 2000
            ds.FlipAngle = 90
        raw = ((volume[:, :, k] + 100) / 2).astype(np.uint16)
        ds.PixelData = raw.T.tobytes()  # rows × columns
        ds.save_as(str(folder / f"s{start + k}.dcm"), enforce_file_format=True)


def test_nifti_roundtrip_geometry_lps_and_sidecar(tmp_path):
    data = np.arange(24, dtype=float).reshape(2, 3, 4)
    aff = np.array([[2.0, 0, 0, 10], [0, 3.0, 0, -20], [0, 0, 4.0, 30], [0, 0, 0, 1]])  # RAS, mm
    p = tmp_path / "a.nii.gz"
    nib.save(nib.Nifti1Image(data, aff), str(p))
    (tmp_path / "a.json").write_text(json.dumps({"EchoTime": 0.02, "FlipAngle": 90}))
    img = read_image(p)
    assert img.array.shape == (2, 3, 4) and np.array_equal(img.array, data)
    assert img.spacing == pytest.approx((2e-3, 3e-3, 4e-3))
    assert img.origin == pytest.approx((-10e-3, 20e-3, 30e-3))  # RAS → LPS flips x and y
    assert np.allclose(img.direction, np.diag([-1, -1, 1]))
    assert img.metadata == {"echo_time": pytest.approx(0.02), "flip_angle": pytest.approx(np.pi / 2)}
    assert len(img.sha256) == 64
    out = write_nifti(tmp_path / "b.nii.gz", data * 2, like=img)
    back = read_image(out)
    assert np.allclose(back.array, data * 2)
    assert np.allclose(back.affine, img.affine)
    check_same_geometry(img, back)
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".")] == []  # no temp files left


def test_nrrd_ras_and_lps(tmp_path):
    data = np.random.default_rng(0).random((3, 4, 5))
    p = tmp_path / "a.nrrd"
    nrrd.write(str(p), data, {"space": "right-anterior-superior", "space directions": np.diag([1.0, 2.0, 3.0]),
                              "space origin": np.array([1.0, 2.0, 3.0])})
    img = read_image(p)
    assert np.allclose(img.array, data)
    assert img.spacing == pytest.approx((1e-3, 2e-3, 3e-3))
    assert img.origin == pytest.approx((-1e-3, -2e-3, 3e-3))
    q = tmp_path / "b.nrrd"
    nrrd.write(str(q), data, {"space": "left-posterior-superior", "space directions": np.diag([1.0, 2.0, 3.0]),
                              "space origin": np.array([-1.0, -2.0, 3.0])})
    lps = read_image(q)
    assert lps.origin == pytest.approx(img.origin)
    with pytest.raises(FerroKitInputError, match="orientations"):
        check_same_geometry(img, lps)  # same origin, but RAS axes point the other way


def test_dicom_series_sorted_rescaled_and_transposed(tmp_path):
    vol = np.random.default_rng(1).integers(0, 500, (4, 3, 5)).astype(float) * 2 - 100
    folder = tmp_path / "dcm"
    _write_dicom_series(folder, vol, te=20)
    # shuffle file names so that sorting must use ImagePositionPatient
    for f in folder.iterdir():
        f.rename(folder / f"x{hash(f.name) % 997}_{f.name}")
    img = read_image(folder)
    assert img.array.shape == (4, 3, 5)
    assert np.array_equal(img.array, vol)
    assert img.spacing == pytest.approx((0.5e-3, 0.6e-3, 2e-3))
    assert img.origin == pytest.approx((-5e-3, 3e-3, 10e-3))
    assert img.metadata["echo_time"] == pytest.approx(0.02)
    assert img.metadata["repetition_time"] == pytest.approx(2.0)
    assert img.metadata["flip_angle"] == pytest.approx(np.pi / 2)


def test_dicom_multi_echo_series_becomes_4d(tmp_path):
    folder = tmp_path / "me"
    vols = [np.full((2, 2, 3), v, float) for v in (900.0, 500.0, 300.0)]
    for i, (te, v) in enumerate(zip((10, 20, 40), vols, strict=True)):
        _write_dicom_series(folder, v, te=te, start=10 * i)
    img = read_image(folder)
    assert img.array.shape == (2, 2, 3, 3)
    assert img.metadata["echo_time"] == pytest.approx([0.01, 0.02, 0.04])
    assert np.allclose(img.array[0, 0, 0], [900, 500, 300])


def test_dicom_errors(tmp_path):
    vol = np.zeros((2, 2, 3))
    mixed = tmp_path / "mixed"
    _write_dicom_series(mixed, vol, series_uid="1.1")
    _write_dicom_series(mixed, vol, series_uid="1.2", start=10)
    with pytest.raises(FerroKitInputError, match="mixes 2 DICOM series"):
        read_image(mixed)
    assert read_image(mixed, series_uid="1.2").array.shape == (2, 2, 3)
    gap = tmp_path / "gap"
    _write_dicom_series(gap, np.zeros((2, 2, 4)), positions=[0.0, 2.0, 4.0, 8.0])
    with pytest.raises(FerroKitInputError, match="inconsistent slice spacing"):
        read_image(gap)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("not dicom")
    with pytest.raises(FerroKitInputError, match="no DICOM"):
        read_image(empty)


def test_read_errors(tmp_path):
    with pytest.raises(FerroKitInputError, match="not found"):
        read_image(tmp_path / "missing.nii.gz")
    bad = tmp_path / "x.png"
    bad.write_bytes(b"x")
    with pytest.raises(FerroKitInputError, match="unknown image format"):
        read_image(bad)
    corrupt = tmp_path / "c.nii.gz"
    corrupt.write_bytes(b"this is not gzip")
    with pytest.raises(FerroKitInputError, match="cannot read NIfTI"):
        read_image(corrupt)
    corrupt_nrrd = tmp_path / "c.nrrd"
    corrupt_nrrd.write_text("NRRD0004\ntype: float\ndimension: 3\nsizes: 2 2\n\n")
    with pytest.raises(FerroKitInputError, match="cannot read NRRD"):
        read_image(corrupt_nrrd)
    p = tmp_path / "a.nii"
    nib.save(nib.Nifti1Image(np.zeros((2, 2, 2)), np.eye(4)), str(p))
    (tmp_path / "a.json").write_text("{not json")
    with pytest.raises(FerroKitInputError, match="not valid JSON"):
        read_image(p)


def test_geometry_mismatch_and_write_errors(tmp_path):
    a = tmp_path / "a.nii.gz"
    b = tmp_path / "b.nii.gz"
    nib.save(nib.Nifti1Image(np.zeros((2, 2, 2)), np.eye(4)), str(a))
    nib.save(nib.Nifti1Image(np.zeros((2, 2, 3)), np.eye(4)), str(b))
    with pytest.raises(FerroKitInputError, match="shapes differ"):
        check_same_geometry(read_image(a), read_image(b))
    c = tmp_path / "c.nii.gz"
    nib.save(nib.Nifti1Image(np.zeros((2, 2, 2)), np.diag([2.0, 1, 1, 1])), str(c))
    with pytest.raises(FerroKitInputError, match="spacings differ"):
        check_same_geometry(read_image(a), read_image(c))
    with pytest.raises(FerroKitInputError, match="does not match"):
        write_nifti(tmp_path / "d.nii.gz", np.zeros((3, 3, 3)), like=read_image(a))
    with pytest.raises(FerroKitInputError, match=r"\.nii"):
        write_nifti(tmp_path / "d.img", np.zeros((3, 3, 3)))
    assert not (tmp_path / "d.nii.gz").exists()
