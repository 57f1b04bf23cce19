"""ROI masks from DICOM RT Structure Sets (RTSTRUCT) and DICOM Segmentations (SEG) on a reference image grid.

Both readers return a boolean array with the reference image's spatial shape, indexed ``[i, j, k]`` like
:class:`ferrokit.io.images.Image` (geometry in LPS; DICOM coordinates in mm are converted to the image's metres).

**RTSTRUCT** (DICOM PS3.3 C.8.8.6, ROI Contour Module): each ``CLOSED_PLANAR`` contour of the chosen ROI
(``ContourData``: x, y, z triplets in the patient frame, LPS, mm) is mapped to continuous voxel indices of the
reference image, :math:`v = (D\\,\\mathrm{diag}(s))^{-1} (p - o)`. All its points must lie in one slice plane
of the reference grid: :math:`|k - \\mathrm{round}(k)| \\le 0.1` (10 % of the slice spacing) — a contour between
slices, on an oblique plane or outside the slice range is an error, never silently snapped.

*Voxel-centre inclusion rule*: a voxel belongs to a contour when its centre (integer ``i, j``) is inside the
polygon by the even-odd (crossing-number) rule. Centres exactly on an edge follow the half-open convention of
scan conversion: edges on the low-``i`` and low-``j`` side are inside, those on the high-``i``/high-``j`` side
outside, so two contours sharing an edge never both claim a voxel. Several contours of one ROI on the same
slice are combined by exclusive or (XOR), so a contour nested inside another is a hole and one nested inside
a hole is an island again — the convention of RT planning systems and of the IBSI reference software (the
DICOM standard itself leaves holes to the "keyhole" technique or to such nesting).

**SEG** (PS3.3 C.8.20, Segmentation IOD): a multi-frame *binary* segmentation. Each frame's
``PerFrameFunctionalGroupsSequence`` item gives its ``PlanePositionSequence`` (ImagePositionPatient, mm) and
``SegmentIdentificationSequence`` (ReferencedSegmentNumber); orientation and pixel spacing come from the
per-frame or shared functional groups. Frames must lie on the reference grid: same in-plane orientation and
pixel spacing, a position at whole voxel offsets (tolerance 0.1 voxel) and inside the image. ``FRACTIONAL``
segmentations (probability/occupancy maps) are refused: threshold them explicitly to a binary SEG or NIfTI.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.io.images import Image

__all__ = ["dicom_mask_modality", "read_rtstruct_mask", "read_seg_mask", "rtstruct_roi_names", "seg_segments"]

_TOL = 0.1  # voxel units: how far off the grid a contour plane / SEG frame position may lie


def _read(path: str | os.PathLike, what: str):
    import pydicom

    p = Path(path)
    if not p.is_file():
        raise FerroKitInputError(f"{what} file not found: {p}")
    try:
        return pydicom.dcmread(str(p))
    except Exception as exc:  # InvalidDicomError, EOFError, ... for damaged files
        raise FerroKitInputError(f"{p.name}: cannot read DICOM ({type(exc).__name__}: {exc})") from None


def dicom_mask_modality(path: str | os.PathLike) -> str | None:
    """``"RTSTRUCT"`` or ``"SEG"`` when ``path`` is a DICOM file of that modality, else None (never raises)."""
    import pydicom

    p = Path(path)
    if not p.is_file() or p.name.lower().endswith((".nii", ".nii.gz", ".nrrd", ".nhdr")):
        return None
    try:
        ds = pydicom.dcmread(str(p), stop_before_pixels=True, specific_tags=["Modality"])
    except Exception:  # not DICOM
        return None
    mod = str(ds.get("Modality", "")).upper()
    return mod if mod in ("RTSTRUCT", "SEG") else None


def _check_modality(ds, p: Path, modality: str) -> None:
    got = str(ds.get("Modality", "")).upper()
    if got != modality:
        raise FerroKitInputError(f"{p.name}: expected a DICOM {modality}, got Modality {got or 'missing'!r}")


def _grid(reference: Image):
    """(inverse of the index → LPS-mm matrix, origin in mm, spatial shape)."""
    a = np.asarray(reference.direction, float) @ np.diag(np.asarray(reference.spacing, float) * 1e3)
    return np.linalg.inv(a), np.asarray(reference.origin, float) * 1e3, reference.spatial_shape


def _check_series(reference: Image, p: Path, uids: list[str]) -> None:
    ref_uid = reference.metadata.get("series_instance_uid") if isinstance(reference.metadata, dict) else None
    if ref_uid and uids and ref_uid not in uids:
        raise FerroKitInputError(f"{p.name}: refers to series {', '.join(sorted(set(uids)))}, not to the reference "
                                 f"image's series {ref_uid}")


# ------------------------------------------------------------------------------------------------ RTSTRUCT
def _rois(ds, p: Path) -> list[tuple[int, str]]:
    try:
        return [(int(r.ROINumber), str(r.get("ROIName", ""))) for r in ds.StructureSetROISequence]
    except (AttributeError, TypeError, ValueError) as exc:
        raise FerroKitInputError(f"{p.name}: StructureSetROISequence missing or damaged ({exc})") from None


def rtstruct_roi_names(path: str | os.PathLike) -> list[str]:
    """The ROI names of an RT Structure Set, in file order."""
    p = Path(path)
    ds = _read(p, "RTSTRUCT")
    _check_modality(ds, p, "RTSTRUCT")
    return [name for _, name in _rois(ds, p)]


def _fill_polygon(ij: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Even-odd fill of the polygon ``ij`` (n×2 continuous indices) on integer voxel centres, half-open edges."""
    ni, nj = shape
    out = np.zeros(shape, bool)
    x0, y0 = ij[:, 0], ij[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    jlo, jhi = max(0, int(np.ceil(y0.min()))), min(nj - 1, int(np.floor(y0.max())))
    if jlo > jhi:
        return out
    ii = np.arange(ni, dtype=float)
    for j in range(jlo, jhi + 1):
        cross = (y0 <= j) != (y1 <= j)  # edge spans the row: lower end included, upper end excluded
        if not cross.any():
            continue
        xc = x0[cross] + (j - y0[cross]) * (x1[cross] - x0[cross]) / (y1[cross] - y0[cross])
        # centre i is inside when an odd number of crossings lie strictly to its right (i < xc)
        out[:, j] = (np.count_nonzero(ii[:, None] < xc[None, :], axis=1) % 2) == 1
    return out


def read_rtstruct_mask(path: str | os.PathLike, reference: Image, *, roi_name: str | None = None,
                       roi_number: int | None = None) -> np.ndarray:
    """Rasterise one ROI of a DICOM RT Structure Set onto ``reference``'s voxel grid (see the module docstring).

    Parameters
    ----------
    path : RTSTRUCT file.
    reference : the image the structures were drawn on (any format; geometry LPS, metres).
    roi_name, roi_number : the ROI, by ``ROIName`` or ``ROINumber`` (at most one); may be omitted when the
        structure set holds a single ROI.

    Returns
    -------
    numpy.ndarray
        Boolean mask, shape ``reference.spatial_shape``, indexed ``[i, j, k]``.

    Raises
    ------
    FerroKitInputError
        Not an RTSTRUCT, unknown ROI (the message lists the ROIs), several ROIs and none chosen, a contour off
        the reference slices or outside them, non-closed contours, an ROI covering no voxel.
    """
    p = Path(path)
    ds = _read(p, "RTSTRUCT")
    _check_modality(ds, p, "RTSTRUCT")
    rois = _rois(ds, p)
    listing = ", ".join(f"{n}: {name!r}" for n, name in rois) or "none"
    if roi_name is not None and roi_number is not None:
        raise FerroKitInputError("give roi_name or roi_number, not both")
    if roi_name is not None:
        hits = [n for n, name in rois if name == roi_name]
        if not hits:
            raise FerroKitInputError(f"{p.name}: no ROI named {roi_name!r}; ROIs here: {listing}")
        number, name = hits[0], roi_name
    elif roi_number is not None:
        hits = [name for n, name in rois if n == int(roi_number)]
        if not hits:
            raise FerroKitInputError(f"{p.name}: no ROI number {roi_number}; ROIs here: {listing}")
        number, name = int(roi_number), hits[0]
    elif len(rois) == 1:
        number, name = rois[0]
    else:
        raise FerroKitInputError(f"{p.name}: holds {len(rois)} ROIs; choose one by name or number: {listing}")
    uids = [str(s.get("SeriesInstanceUID", "")) for f in ds.get("ReferencedFrameOfReferenceSequence", [])
            for st in f.get("RTReferencedStudySequence", []) for s in st.get("RTReferencedSeriesSequence", [])]
    _check_series(reference, p, [u for u in uids if u])
    items = [c for c in ds.get("ROIContourSequence", []) if int(c.get("ReferencedROINumber", -1)) == number]
    contours = [c for item in items for c in item.get("ContourSequence", [])]
    if not contours:
        raise FerroKitInputError(f"{p.name}: ROI {name!r} has no contours")
    inv, org, shape = _grid(reference)
    mask = np.zeros(shape, bool)
    for n_c, c in enumerate(contours):
        kind = str(c.get("ContourGeometricType", "CLOSED_PLANAR")).upper()
        if kind != "CLOSED_PLANAR":
            raise FerroKitInputError(f"{p.name}: ROI {name!r} contour {n_c} is {kind}; only CLOSED_PLANAR "
                                     "contours enclose voxels")
        pts = np.asarray(c.get("ContourData", []), float)
        if pts.size < 9 or pts.size % 3 or not np.all(np.isfinite(pts)):
            raise FerroKitInputError(f"{p.name}: ROI {name!r} contour {n_c}: ContourData needs at least 3 finite "
                                     f"x, y, z points, got {pts.size} values")
        v = (pts.reshape(-1, 3) - org) @ inv.T  # continuous [i, j, k]
        k = float(np.round(np.mean(v[:, 2])))
        off = float(np.max(np.abs(v[:, 2] - k)))
        if off > _TOL:
            raise FerroKitInputError(f"{p.name}: ROI {name!r} contour {n_c} is not on a slice of the reference "
                                     f"image (off by {off:.3g} slice spacings; oblique or other slice grid?)")
        if not 0 <= k < shape[2]:
            raise FerroKitInputError(f"{p.name}: ROI {name!r} contour {n_c} lies at slice {k:.0f}, outside the "
                                     f"reference image's {shape[2]} slices")
        mask[:, :, int(k)] ^= _fill_polygon(v[:, :2], shape[:2])
    if not mask.any():
        raise FerroKitInputError(f"{p.name}: ROI {name!r} covers no voxel centre of the reference image")
    return mask


# ------------------------------------------------------------------------------------------------------ SEG
def seg_segments(path: str | os.PathLike) -> dict[int, str]:
    """``{SegmentNumber: SegmentLabel}`` of a DICOM Segmentation."""
    p = Path(path)
    ds = _read(p, "SEG")
    _check_modality(ds, p, "SEG")
    return _segments(ds, p)


def _segments(ds, p: Path) -> dict[int, str]:
    try:
        return {int(s.SegmentNumber): str(s.get("SegmentLabel", "")) for s in ds.SegmentSequence}
    except (AttributeError, TypeError, ValueError) as exc:
        raise FerroKitInputError(f"{p.name}: SegmentSequence missing or damaged ({exc})") from None


def _group(ds, frame, seq: str, p: Path):
    """The first item of functional group ``seq`` for a frame (per-frame first, then shared)."""
    for src in (frame, *(ds.get("SharedFunctionalGroupsSequence", []) or [])[:1]):
        if src is not None and seq in src and len(src[seq].value) > 0:
            return src[seq].value[0]
    raise FerroKitInputError(f"{p.name}: {seq} missing from the functional groups")


def read_seg_mask(path: str | os.PathLike, reference: Image, *, segment: int | str | None = None) -> np.ndarray:
    """One segment of a binary DICOM Segmentation on ``reference``'s voxel grid (see the module docstring).

    Parameters
    ----------
    path : SEG file.
    reference : the image the segmentation was made on (geometry LPS, metres).
    segment : ``SegmentNumber`` (int) or ``SegmentLabel`` (str); may be omitted for a single-segment SEG.

    Returns
    -------
    numpy.ndarray
        Boolean mask, shape ``reference.spatial_shape``, indexed ``[i, j, k]``.

    Raises
    ------
    FerroKitInputError
        Not a SEG, a FRACTIONAL SEG, unknown segment (the message lists them), frames off the reference grid or
        outside it, a segment covering no voxel.
    """
    p = Path(path)
    ds = _read(p, "SEG")
    _check_modality(ds, p, "SEG")
    kind = str(ds.get("SegmentationType", "")).upper()
    if kind == "FRACTIONAL":
        raise FerroKitInputError(f"{p.name}: FRACTIONAL segmentations (probability/occupancy maps) are not "
                                 "supported; threshold it to a BINARY SEG or a NIfTI label map first")
    if kind != "BINARY":
        raise FerroKitInputError(f"{p.name}: SegmentationType {kind or 'missing'!r}; expected BINARY")
    segs = _segments(ds, p)
    listing = ", ".join(f"{n}: {lab!r}" for n, lab in segs.items()) or "none"
    if segment is None:
        if len(segs) != 1:
            raise FerroKitInputError(f"{p.name}: holds {len(segs)} segments; choose one by number or label: "
                                     f"{listing}")
        number = next(iter(segs))
    elif isinstance(segment, str):
        hits = [n for n, lab in segs.items() if lab == segment]
        if not hits:
            raise FerroKitInputError(f"{p.name}: no segment labelled {segment!r}; segments here: {listing}")
        number = hits[0]
    else:
        number = int(segment)
        if number not in segs:
            raise FerroKitInputError(f"{p.name}: no segment number {number}; segments here: {listing}")
    uids = [str(s.get("SeriesInstanceUID", "")) for s in ds.get("ReferencedSeriesSequence", [])]
    _check_series(reference, p, [u for u in uids if u])
    try:
        frames = ds.pixel_array
    except Exception as exc:  # damaged pixel data
        raise FerroKitInputError(f"{p.name}: cannot decode pixel data ({type(exc).__name__}: {exc})") from None
    if frames.ndim == 2:
        frames = frames[None]
    per_frame = list(ds.get("PerFrameFunctionalGroupsSequence", []))
    if len(per_frame) != frames.shape[0]:
        raise FerroKitInputError(f"{p.name}: {frames.shape[0]} frames but {len(per_frame)} "
                                 "PerFrameFunctionalGroupsSequence items")
    inv, org, shape = _grid(reference)
    ref_row, ref_col = np.asarray(reference.direction, float)[:, 0], np.asarray(reference.direction, float)[:, 1]
    mask = np.zeros(shape, bool)
    for f, (item, px) in enumerate(zip(per_frame, frames, strict=True)):
        try:
            ref_seg = int(_group(ds, item, "SegmentIdentificationSequence", p).ReferencedSegmentNumber)
            if ref_seg != number:
                continue
            pos = np.asarray(_group(ds, item, "PlanePositionSequence", p).ImagePositionPatient, float)
            iop = np.asarray(_group(ds, item, "PlaneOrientationSequence", p).ImageOrientationPatient, float)
            ps = np.asarray(_group(ds, item, "PixelMeasuresSequence", p).PixelSpacing, float)
        except AttributeError as exc:
            raise FerroKitInputError(f"{p.name}: frame {f}: geometry tag missing ({exc})") from None
        if not (np.allclose(iop[:3], ref_row, atol=1e-4) and np.allclose(iop[3:6], ref_col, atol=1e-4)):
            raise FerroKitInputError(f"{p.name}: frame {f} orientation {iop.tolist()} differs from the reference "
                                     "image's; resample the segmentation onto the image grid first")
        if not np.allclose([ps[1], ps[0]], np.asarray(reference.spacing[:2]) * 1e3, rtol=1e-4):
            raise FerroKitInputError(f"{p.name}: frame {f} pixel spacing {ps.tolist()} mm differs from the "
                                     "reference image's")
        v = inv @ (pos - org)
        vi = np.round(v)
        if np.max(np.abs(v - vi)) > _TOL:
            raise FerroKitInputError(f"{p.name}: frame {f} at {pos.tolist()} mm is not on the reference grid "
                                     f"(voxel index {np.round(v, 3).tolist()})")
        i0, j0, k = (int(x) for x in vi)
        cols, rows = px.shape[1], px.shape[0]
        if not (0 <= k < shape[2] and i0 >= 0 and j0 >= 0 and i0 + cols <= shape[0] and j0 + rows <= shape[1]):
            raise FerroKitInputError(f"{p.name}: frame {f} (voxel offset {[i0, j0, k]}, {rows}×{cols} pixels) "
                                     f"lies outside the reference image {shape}")
        mask[i0:i0 + cols, j0:j0 + rows, k] |= px.T.astype(bool)  # (rows, cols) → [i, j]
    if not mask.any():
        raise FerroKitInputError(f"{p.name}: segment {number} ({segs[number]!r}) covers no voxel")
    return mask
