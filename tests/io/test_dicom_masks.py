"""RTSTRUCT and SEG masks: synthetic CT series, structure set and segmentation written with pydicom in tmp_path."""

import numpy as np
import pytest
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.io.dicom_masks import (
    dicom_mask_modality,
    read_rtstruct_mask,
    read_seg_mask,
    rtstruct_roi_names,
    seg_segments,
)
from ferrokit.io.images import read_image, write_nifti
from ferrokit.radiomics.batch import load_roi

NX, NY, NZ = 8, 7, 4  # columns (i), rows (j), slices (k)
DX, DY, DZ = 0.5, 0.8, 2.0  # mm
X0, Y0, Z0 = -5.0, 3.0, 10.0  # ImagePositionPatient of the first slice, LPS mm
SERIES = "1.2.826.0.1.3680043.8.498.1"


def _centre(i, j, k):
    """LPS mm of voxel centre (i, j, k) of the synthetic CT (axial, identity orientation)."""
    return X0 + DX * i, Y0 + DY * j, Z0 + DZ * k


def _file(path, sop_class, modality):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = sop_class, meta.MediaStorageSOPInstanceUID, modality
    return ds


def _write_ct(folder):
    folder.mkdir()
    vol = np.arange(NX * NY * NZ, dtype=np.int16).reshape(NX, NY, NZ)
    for k in range(NZ):
        ds = _file(folder / f"ct{k}.dcm", "1.2.840.10008.5.1.4.1.1.2", "CT")
        ds.SeriesInstanceUID = SERIES
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = list(_centre(0, 0, k))
        ds.PixelSpacing = [DY, DX]  # row spacing, column spacing
        ds.SliceThickness = DZ
        ds.Rows, ds.Columns = NY, NX
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.PixelData = np.ascontiguousarray(vol[:, :, k].T).tobytes()
        ds.save_as(str(folder / f"ct{k}.dcm"), enforce_file_format=True)
    return folder


def _square(i0, i1, j0, j1, k):
    """ContourData of the rectangle with corners at continuous voxel indices (i0, j0)–(i1, j1) on slice k."""
    pts = [_centre(i0, j0, k), _centre(i1, j0, k), _centre(i1, j1, k), _centre(i0, j1, k)]
    return [float(c) for p in pts for c in p]


def _write_rtstruct(path, rois, series=SERIES):
    """``rois``: {(number, name): [ContourData, ...]} (CLOSED_PLANAR)."""
    ds = _file(path, "1.2.840.10008.5.1.4.1.1.481.3", "RTSTRUCT")
    ref_series = Dataset()
    ref_series.SeriesInstanceUID = series
    study = Dataset()
    study.RTReferencedSeriesSequence = Sequence([ref_series])
    frame = Dataset()
    frame.FrameOfReferenceUID = "1.2.3"
    frame.RTReferencedStudySequence = Sequence([study])
    ds.ReferencedFrameOfReferenceSequence = Sequence([frame])
    ssroi, roic = [], []
    for (number, name), contours in rois.items():
        r = Dataset()
        r.ROINumber, r.ROIName = number, name
        ssroi.append(r)
        c = Dataset()
        c.ReferencedROINumber = number
        items = []
        for data in contours:
            it = Dataset()
            it.ContourGeometricType = "CLOSED_PLANAR"
            it.NumberOfContourPoints = len(data) // 3
            it.ContourData = data
            items.append(it)
        c.ContourSequence = Sequence(items)
        roic.append(c)
    ds.StructureSetROISequence = Sequence(ssroi)
    ds.ROIContourSequence = Sequence(roic)
    ds.save_as(str(path), enforce_file_format=True)
    return path


def _write_seg(path, frames, labels, *, kind="BINARY", series=SERIES):
    """``frames``: list of (segment number, slice k, (NX, NY) bool array [i, j]); ``labels``: {number: label}."""
    from pydicom.pixels import pack_bits

    ds = _file(path, "1.2.840.10008.5.1.4.1.1.66.4", "SEG")
    ds.SegmentationType = kind
    segs = []
    for n, lab in labels.items():
        s = Dataset()
        s.SegmentNumber, s.SegmentLabel = n, lab
        segs.append(s)
    ds.SegmentSequence = Sequence(segs)
    rs = Dataset()
    rs.SeriesInstanceUID = series
    ds.ReferencedSeriesSequence = Sequence([rs])
    shared = Dataset()
    o, m = Dataset(), Dataset()
    o.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    m.PixelSpacing, m.SliceThickness = [DY, DX], DZ
    shared.PlaneOrientationSequence, shared.PixelMeasuresSequence = Sequence([o]), Sequence([m])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per = []
    for n, k, _ in frames:
        f, pp, si = Dataset(), Dataset(), Dataset()
        pp.ImagePositionPatient = list(_centre(0, 0, k))
        si.ReferencedSegmentNumber = n
        f.PlanePositionSequence, f.SegmentIdentificationSequence = Sequence([pp]), Sequence([si])
        per.append(f)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per)
    ds.NumberOfFrames, ds.Rows, ds.Columns = len(frames), NY, NX
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 1, 1, 0, 0
    ds.PixelData = pack_bits(np.stack([a.T for _, _, a in frames]).astype(np.uint8))  # frames × rows × cols
    ds.save_as(str(path), enforce_file_format=True)
    return path


@pytest.fixture
def ct(tmp_path):
    return read_image(_write_ct(tmp_path / "ct"))


def _box(i0, i1, j0, j1, ks):
    m = np.zeros((NX, NY, NZ), bool)
    for k in ks:
        m[i0:i1 + 1, j0:j1 + 1, k] = True
    return m


def test_rtstruct_square_on_three_slices_hole_and_centre_rule(tmp_path, ct):
    # "tumour": voxels i 2..5, j 1..4 on slices 0-2; corners on voxel boundaries (±0.5), so no centre is on an edge
    outer = [_square(1.5, 5.5, 0.5, 4.5, k) for k in range(3)]
    # "ring": the same outer square on slice 1 with a nested contour around i 3..4, j 2..3 -> XOR makes a hole
    ring = [_square(1.5, 5.5, 0.5, 4.5, 1), _square(2.5, 4.5, 1.5, 3.5, 1)]
    # "edge": corners exactly on voxel centres i 2..5, j 1..4: half-open rule keeps i 2..4, j 1..3
    edge = [_square(2, 5, 1, 4, 3)]
    rt = _write_rtstruct(tmp_path / "rt.dcm", {(1, "tumour"): outer, (2, "ring"): ring, (7, "edge"): edge})
    assert rtstruct_roi_names(rt) == ["tumour", "ring", "edge"]
    assert dicom_mask_modality(rt) == "RTSTRUCT"
    m = read_rtstruct_mask(rt, ct, roi_name="tumour")
    assert m.dtype == bool and m.shape == (NX, NY, NZ)
    assert np.array_equal(m, _box(2, 5, 1, 4, range(3)))  # 4 × 4 × 3 = 48 voxels, written out by hand
    assert m.sum() == 48
    hole = read_rtstruct_mask(rt, ct, roi_name="ring")
    expected = _box(2, 5, 1, 4, [1]) & ~_box(3, 4, 2, 3, [1])
    assert np.array_equal(hole, expected) and hole.sum() == 16 - 4
    assert np.array_equal(read_rtstruct_mask(rt, ct, roi_number=7), _box(2, 4, 1, 3, [3]))


def test_fill_matches_matplotlib_for_a_nonconvex_polygon(tmp_path):
    from matplotlib.path import Path as MplPath

    from ferrokit.io.dicom_masks import _fill_polygon

    # an L-shaped (non-convex) polygon with vertices off voxel centres: no centre lies on an edge, so the
    # even-odd rule must agree exactly with matplotlib's independent point-in-polygon test
    poly = np.array([[0.3, 0.7], [9.6, 1.2], [9.1, 4.4], [4.2, 4.6], [3.7, 11.3], [0.6, 10.8]])
    ours = _fill_polygon(poly, (12, 14))
    ii, jj = np.meshgrid(np.arange(12), np.arange(14), indexing="ij")
    ref = MplPath(poly).contains_points(np.column_stack([ii.ravel(), jj.ravel()])).reshape(12, 14)
    assert ours.sum() > 30 and np.array_equal(ours, ref)


def test_rtstruct_errors(tmp_path, ct):
    rt = _write_rtstruct(tmp_path / "rt.dcm", {(1, "tumour"): [_square(1.5, 5.5, 0.5, 4.5, 0)],
                                               (2, "liver"): [_square(1.5, 5.5, 0.5, 4.5, 1)]})
    with pytest.raises(FerroKitInputError, match=r"no ROI named 'lung'.*1: 'tumour', 2: 'liver'"):
        read_rtstruct_mask(rt, ct, roi_name="lung")
    with pytest.raises(FerroKitInputError, match=r"holds 2 ROIs.*'tumour'.*'liver'"):
        read_rtstruct_mask(rt, ct)
    off = _write_rtstruct(tmp_path / "off.dcm", {(1, "t"): [_square(1.5, 5.5, 0.5, 4.5, 0.5)]})  # between slices
    with pytest.raises(FerroKitInputError, match="not on a slice of the reference image"):
        read_rtstruct_mask(off, ct)
    out = _write_rtstruct(tmp_path / "out.dcm", {(1, "t"): [_square(1.5, 5.5, 0.5, 4.5, NZ)]})
    with pytest.raises(FerroKitInputError, match="outside the reference"):
        read_rtstruct_mask(out, ct)
    other = _write_rtstruct(tmp_path / "other.dcm", {(1, "t"): [_square(1.5, 5.5, 0.5, 4.5, 0)]}, series="9.9")
    with pytest.raises(FerroKitInputError, match=r"refers to series 9\.9"):
        read_rtstruct_mask(other, ct)
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(b"not dicom at all")
    with pytest.raises(FerroKitInputError, match="cannot read DICOM"):
        read_rtstruct_mask(bad, ct)
    with pytest.raises(FerroKitInputError, match="expected a DICOM SEG"):
        read_seg_mask(rt, ct)


def test_seg_binary_frames_on_reference_grid(tmp_path, ct):
    a = np.zeros((NX, NY), bool)
    a[2:6, 1:5] = True
    b = np.zeros((NX, NY), bool)
    b[0, 6] = b[7, 0] = True  # corners: checks the (rows, columns) → [i, j] transpose
    seg = _write_seg(tmp_path / "seg.dcm", [(1, 1, a), (2, 0, b), (1, 2, a)], {1: "tumour", 2: "corners"})
    assert seg_segments(seg) == {1: "tumour", 2: "corners"}
    assert dicom_mask_modality(seg) == "SEG"
    assert np.array_equal(read_seg_mask(seg, ct, segment=1), _box(2, 5, 1, 4, [1, 2]))
    m2 = read_seg_mask(seg, ct, segment="corners")
    assert m2.sum() == 2 and m2[0, 6, 0] and m2[7, 0, 0]
    with pytest.raises(FerroKitInputError, match=r"no segment labelled 'lung'.*1: 'tumour', 2: 'corners'"):
        read_seg_mask(seg, ct, segment="lung")
    with pytest.raises(FerroKitInputError, match="no segment number 3"):
        read_seg_mask(seg, ct, segment=3)
    with pytest.raises(FerroKitInputError, match="holds 2 segments"):
        read_seg_mask(seg, ct)


def test_seg_refusals(tmp_path, ct):
    a = np.ones((NX, NY), bool)
    frac = _write_seg(tmp_path / "frac.dcm", [(1, 0, a)], {1: "t"}, kind="FRACTIONAL")
    with pytest.raises(FerroKitInputError, match=r"FRACTIONAL segmentations .* not supported"):
        read_seg_mask(frac, ct)
    off = _write_seg(tmp_path / "off.dcm", [(1, 0.5, a)], {1: "t"})
    with pytest.raises(FerroKitInputError, match="not on the reference grid"):
        read_seg_mask(off, ct)
    out = _write_seg(tmp_path / "out.dcm", [(1, NZ + 1, a)], {1: "t"})
    with pytest.raises(FerroKitInputError, match="outside the reference image"):
        read_seg_mask(out, ct)


def test_load_roi_end_to_end(tmp_path):
    ct_dir = _write_ct(tmp_path / "ct")
    rt = _write_rtstruct(tmp_path / "rt.dcm", {(1, "tumour"): [_square(1.5, 5.5, 0.5, 4.5, k) for k in range(3)],
                                               (2, "other"): [_square(0.5, 1.5, 0.5, 1.5, 3)]})
    img, sel, spacing, _meta_i, meta_m = load_roi(ct_dir, rt, roi="tumour")
    expected_zyx = _box(2, 5, 1, 4, range(3)).transpose(2, 1, 0)
    assert np.array_equal(sel, expected_zyx) and img.shape == (NZ, NY, NX)
    assert spacing == pytest.approx((DZ, DY, DX))
    # the CT pixel values are arange over [i, j, k]: check the image/mask alignment on one voxel
    assert img[1, 2, 3] == np.arange(NX * NY * NZ).reshape(NX, NY, NZ)[3, 2, 1]
    assert len(meta_m.sha256) == 64 and meta_m.metadata["modality"] == "RTSTRUCT"
    _, sel1, *_ = load_roi(ct_dir, rt, 1)  # a manifest's integer label selects the ROI number
    assert np.array_equal(sel1, expected_zyx)
    a = np.zeros((NX, NY), bool)
    a[2:6, 1:5] = True
    seg = _write_seg(tmp_path / "seg.dcm", [(1, 0, a), (1, 1, a), (1, 2, a)], {1: "tumour"})
    _, sel_seg, *_ = load_roi(ct_dir, seg)
    assert np.array_equal(sel_seg, expected_zyx)
    with pytest.raises(FerroKitInputError, match="holds 2 ROIs"):
        load_roi(ct_dir, rt)
    nii = write_nifti(tmp_path / "m.nii.gz", np.ones((NX, NY, NZ)), like=read_image(ct_dir))
    with pytest.raises(FerroKitInputError, match="roi: applies only to DICOM"):
        load_roi(ct_dir, nii, roi="tumour")
    _, sel_nii, *_ = load_roi(ct_dir, nii)  # label maps behave as before
    assert sel_nii.all()
