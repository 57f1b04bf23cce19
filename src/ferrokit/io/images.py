"""Read and write medical images: NIfTI (.nii/.nii.gz), NRRD (.nrrd/.nhdr) and DICOM series folders.

Conventions (one for all formats):

- ``Image.array`` is indexed ``[i, j, k]`` (x, y, z = column, row, slice index), as nibabel and pynrrd return
  it; a 4th axis, when present, is the echo/inversion/flip-angle series. DICOM pixel data (rows, columns)
  are transposed to (columns, rows) to follow this convention.
- Geometry is in the DICOM/ITK patient frame **LPS** (x → left, y → posterior, z → superior), in metres:
  the physical position of voxel index ``v`` is ``origin + direction @ (spacing * v)``. NIfTI's RAS affine is
  converted (the first two rows change sign); NRRD spaces RAS/LPS are converted likewise.
- Acquisition metadata, when present, in SI: ``echo_time``, ``inversion_time``, ``repetition_time`` [s],
  ``flip_angle`` [rad] — a float for a 3D image, a list (one per volume) for a 4D image. DICOM reads them from
  EchoTime/InversionTime/RepetitionTime (ms) and FlipAngle (deg); NIfTI and NRRD from a BIDS-style JSON
  sidecar (same name, ``.json``: EchoTime etc. in s, FlipAngle in deg).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.io.atomic import atomic_write

__all__ = ["Image", "check_same_geometry", "read_image", "write_nifti"]

_LPS_FROM_RAS = np.diag([-1.0, -1.0, 1.0])
_BIDS = {"EchoTime": ("echo_time", 1.0), "InversionTime": ("inversion_time", 1.0),
         "RepetitionTime": ("repetition_time", 1.0), "FlipAngle": ("flip_angle", math.pi / 180)}
_DICOM = {"EchoTime": ("echo_time", 1e-3), "InversionTime": ("inversion_time", 1e-3),
          "RepetitionTime": ("repetition_time", 1e-3), "FlipAngle": ("flip_angle", math.pi / 180)}


@dataclass(frozen=True, eq=False)
class Image:
    """An image with its geometry (LPS, metres) and acquisition metadata (SI); see the module docstring."""

    array: np.ndarray = field(repr=False)
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float]
    direction: np.ndarray = field(repr=False)
    metadata: dict[str, Any]
    source: str
    sha256: str

    @property
    def spatial_shape(self) -> tuple[int, int, int]:
        """Shape of the first three axes."""
        return tuple(self.array.shape[:3])

    @property
    def affine(self) -> np.ndarray:
        """4×4 voxel-index → LPS-metres matrix."""
        a = np.eye(4)
        a[:3, :3] = self.direction @ np.diag(self.spacing)
        a[:3, 3] = self.origin
        return a

    def to_dict(self) -> dict:
        """Provenance summary (no pixel data)."""
        return {"source": self.source, "sha256": self.sha256, "shape": list(self.array.shape),
                "spacing": {"value": list(self.spacing), "unit": "m"},
                "origin": {"value": list(self.origin), "unit": "m"}, "direction": self.direction.tolist(),
                "metadata": self.metadata}


def _sha(paths: list[Path]) -> str:
    if len(paths) == 1:
        return hashlib.sha256(paths[0].read_bytes()).hexdigest()
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(hashlib.sha256(p.read_bytes()).hexdigest().encode())
    return h.hexdigest()


def _split_affine(aff: np.ndarray, where: str):
    m = aff[:3, :3]
    spacing = np.linalg.norm(m, axis=0)
    if np.any(spacing <= 0) or not np.all(np.isfinite(aff)):
        raise FerroKitInputError(f"{where}: invalid geometry (zero or non-finite voxel size)")
    return tuple(float(s) for s in spacing), tuple(float(o) for o in aff[:3, 3]), m / spacing


def _sidecar(path: Path, n_vol: int) -> dict[str, Any]:
    name = path.name
    for ext in (".nii.gz", ".nii", ".nrrd", ".nhdr"):
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    js = path.with_name(name + ".json")
    if not js.exists():
        return {}
    try:
        data = json.loads(js.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FerroKitInputError(f"{js.name}: not valid JSON ({exc})") from None
    meta: dict[str, Any] = {}
    for key, (name_si, factor) in _BIDS.items():
        if key in data:
            v = data[key]
            vals = v if isinstance(v, list) else [v]
            try:
                arr = [float(x) * factor for x in vals]
            except (TypeError, ValueError):
                raise FerroKitInputError(f"{js.name}: {key} must be a number or a list of numbers") from None
            if isinstance(v, list) and len(arr) != n_vol:
                raise FerroKitInputError(f"{js.name}: {key} lists {len(arr)} values for {n_vol} volume(s)")
            meta[name_si] = arr if isinstance(v, list) else arr[0]
    return meta


def _read_nifti(p: Path) -> Image:
    import nibabel as nib

    try:
        img = nib.load(str(p))
        data = np.asarray(img.dataobj, dtype=float)  # applies scl_slope/scl_inter
    except Exception as exc:  # nibabel raises several types for damaged files
        raise FerroKitInputError(f"{p.name}: cannot read NIfTI ({type(exc).__name__}: {exc})") from None
    unit = img.header.get_xyzt_units()[0]
    scale = {"meter": 1.0, "mm": 1e-3, "micron": 1e-6, "unknown": 1e-3}.get(unit, 1e-3)
    aff = img.affine.copy()
    aff[:3, :] = _LPS_FROM_RAS @ aff[:3, :] * scale
    spacing, origin, direction = _split_affine(aff, p.name)
    while data.ndim > 4 and data.shape[-1] == 1:
        data = data[..., 0]
    if data.ndim == 2:
        data = data[..., None]
    n_vol = data.shape[3] if data.ndim == 4 else 1
    return Image(data, spacing, origin, direction, _sidecar(p, n_vol), str(p), _sha([p]))


def _read_nrrd(p: Path) -> Image:
    import nrrd

    try:
        data, hdr = nrrd.read(str(p))
    except Exception as exc:  # pynrrd raises NRRDError, ValueError, OSError for damaged files
        raise FerroKitInputError(f"{p.name}: cannot read NRRD ({type(exc).__name__}: {exc})") from None
    data = np.asarray(data, dtype=float)
    kinds = [str(k).lower() for k in hdr.get("kinds", ["domain"] * data.ndim)]
    if data.ndim == 4 and kinds[0] not in ("domain", "space"):  # list axis first: move it last
        data = np.moveaxis(data, 0, -1)
    space = str(hdr.get("space", "left-posterior-superior")).lower()
    flip = {"right-anterior-superior": _LPS_FROM_RAS, "ras": _LPS_FROM_RAS,
            "left-posterior-superior": np.eye(3), "lps": np.eye(3)}.get(space)
    if flip is None:
        raise FerroKitInputError(f"{p.name}: unsupported NRRD space {space!r}; use RAS or LPS")
    dirs = hdr.get("space directions")
    if dirs is None:
        m = np.diag(np.asarray(hdr.get("spacings", [1.0, 1.0, 1.0])[:3], dtype=float))
    else:
        rows = [np.asarray(d, dtype=float) for d in dirs if d is not None and np.all(np.isfinite(d))]
        m = np.array(rows[:3]).T
    origin = np.asarray(hdr.get("space origin", np.zeros(3)), dtype=float)
    aff = np.eye(4)
    aff[:3, :3], aff[:3, 3] = flip @ m * 1e-3, flip @ origin * 1e-3  # NRRD world units: mm
    spacing, org, direction = _split_affine(aff, p.name)
    if data.ndim == 2:
        data = data[..., None]
    n_vol = data.shape[3] if data.ndim == 4 else 1
    return Image(data, spacing, org, direction, _sidecar(p, n_vol), str(p), _sha([p]))


def _read_dicom_dir(d: Path, series_uid: str | None) -> Image:
    import pydicom

    files = sorted(f for f in d.iterdir() if f.is_file() and not f.name.startswith("."))
    slices = []
    for f in files:
        try:
            ds = pydicom.dcmread(str(f))
        except Exception:  # pydicom raises InvalidDicomError and others: skip non-DICOM files in the folder
            continue
        if "PixelData" in ds:
            slices.append((f, ds))
    if not slices:
        raise FerroKitInputError(f"{d}: no DICOM image files in the folder")
    uids = sorted({str(ds.get("SeriesInstanceUID", "")) for _, ds in slices})
    if series_uid is not None:
        slices = [(f, ds) for f, ds in slices if str(ds.get("SeriesInstanceUID", "")) == series_uid]
        if not slices:
            raise FerroKitInputError(f"{d}: no slice of series {series_uid}; series here: {', '.join(uids)}")
    elif len(uids) > 1:
        raise FerroKitInputError(f"{d}: the folder mixes {len(uids)} DICOM series ({', '.join(uids)}); give a "
                                 "series_uid or put each series in its own folder")
    try:
        ds0 = slices[0][1]
        row, col = (np.asarray(ds0.ImageOrientationPatient[:3], float),
                    np.asarray(ds0.ImageOrientationPatient[3:6], float))
        normal = np.cross(row, col)
        ps = [float(x) for x in ds0.PixelSpacing]  # (row spacing = between rows, column spacing)
        for _, ds in slices:
            if not np.allclose(np.asarray(ds.ImageOrientationPatient, float), ds0.ImageOrientationPatient,
                               atol=1e-4):
                raise FerroKitInputError(f"{d}: slices have different orientations")
        pos = [float(np.dot(np.asarray(ds.ImagePositionPatient, float), normal)) for _, ds in slices]
    except AttributeError as exc:
        raise FerroKitInputError(f"{d}: DICOM geometry tag missing ({exc})") from None

    def key(ds):
        return tuple(float(ds.get(t)) if ds.get(t) not in (None, "") else None for t in _DICOM)

    keys = sorted({key(ds) for _, ds in slices}, key=lambda k: tuple(-1 if v is None else v for v in k))
    volumes = []
    positions = None
    for k in keys:
        grp = sorted(((p_, ds) for p_, (_, ds) in zip(pos, slices, strict=True) if key(ds) == k),
                     key=lambda x: x[0])
        zs = np.array([g[0] for g in grp])
        if positions is None:
            positions = zs
        elif zs.shape != positions.shape or not np.allclose(zs, positions, atol=1e-3):
            raise FerroKitInputError(f"{d}: the echo/inversion groups do not cover the same slice positions")
        if np.unique(np.round(zs, 4)).size != zs.size:
            raise FerroKitInputError(f"{d}: two slices at the same position with the same TE/TI/flip angle")
        vol = []
        for _, ds in grp:
            try:
                px = ds.pixel_array.astype(float)
            except Exception as exc:  # damaged or compressed pixel data
                raise FerroKitInputError(f"{d}: cannot decode pixel data ({type(exc).__name__}: {exc})") from None
            px = px * float(ds.get("RescaleSlope", 1) or 1) + float(ds.get("RescaleIntercept", 0) or 0)
            vol.append(px.T)  # (columns, rows) = (x, y)
        shapes = {v.shape for v in vol}
        if len(shapes) > 1:
            raise FerroKitInputError(f"{d}: slices have different sizes {sorted(shapes)}")
        volumes.append(np.stack(vol, axis=-1))
    if positions.size > 1:
        gaps = np.diff(positions)
        if np.ptp(gaps) > 1e-3 * max(abs(float(np.mean(gaps))), 1e-6) + 1e-3:
            raise FerroKitInputError(f"{d}: inconsistent slice spacing (gaps {gaps.min():.4g} to "
                                     f"{gaps.max():.4g} mm): missing or extra slices?")
        dz = float(np.mean(gaps))
    else:
        dz = float(ds0.get("SliceThickness", 1.0) or 1.0)
    first = sorted(zip(pos, slices, strict=True), key=lambda x: x[0])[0][1][1]
    direction = np.column_stack([row, col, normal])
    spacing = (ps[1] * 1e-3, ps[0] * 1e-3, dz * 1e-3)
    origin = tuple(float(v) * 1e-3 for v in first.ImagePositionPatient)
    data = volumes[0] if len(volumes) == 1 else np.stack(volumes, axis=-1)
    meta: dict[str, Any] = {}
    for i, (_, (name, factor)) in enumerate(_DICOM.items()):
        vals = [k[i] for k in keys]
        if all(v is not None for v in vals):
            meta[name] = vals[0] * factor if len(vals) == 1 else [v * factor for v in vals]
    meta["series_instance_uid"] = str(ds0.get("SeriesInstanceUID", ""))
    return Image(data, spacing, origin, direction, meta, str(d), _sha([f for f, _ in slices]))


def read_image(path: str | os.PathLike, *, series_uid: str | None = None) -> Image:
    """Read a NIfTI/NRRD file or a DICOM series folder into an :class:`Image` (LPS, metres, SI metadata).

    A DICOM folder with several echoes/inversion times in one series (same positions, different
    EchoTime/InversionTime/FlipAngle) becomes a 4D image with one metadata value per volume.

    Raises
    ------
    FerroKitInputError
        Missing file, unknown format, damaged file, mixed DICOM series, inconsistent slice spacing.
    """
    p = Path(path)
    if not p.exists():
        raise FerroKitInputError(f"image not found: {p}")
    if p.is_dir():
        return _read_dicom_dir(p, series_uid)
    name = p.name.lower()
    if name.endswith((".nii", ".nii.gz")):
        return _read_nifti(p)
    if name.endswith((".nrrd", ".nhdr")):
        return _read_nrrd(p)
    if name.endswith(".dcm"):
        raise FerroKitInputError(f"{p.name}: give the folder holding the DICOM series, not one file")
    raise FerroKitInputError(f"{p.name}: unknown image format; use .nii, .nii.gz, .nrrd, .nhdr or a DICOM folder")


def check_same_geometry(a: Image, b: Image, *, what: str = "images", atol: float = 1e-6) -> None:
    """Raise unless ``a`` and ``b`` share spatial shape, spacing, origin and direction (``atol`` in m)."""
    if a.spatial_shape != b.spatial_shape:
        raise FerroKitInputError(f"{what}: shapes differ ({a.spatial_shape} vs {b.spatial_shape}): "
                                 f"{Path(a.source).name} and {Path(b.source).name}")
    if not np.allclose(a.spacing, b.spacing, atol=atol * 1e-3, rtol=1e-5):
        raise FerroKitInputError(f"{what}: voxel spacings differ ({a.spacing} vs {b.spacing} m)")
    if not np.allclose(a.origin, b.origin, atol=atol):
        raise FerroKitInputError(f"{what}: origins differ ({a.origin} vs {b.origin} m)")
    if not np.allclose(a.direction, b.direction, atol=1e-5):
        raise FerroKitInputError(f"{what}: orientations differ")


def write_nifti(path: str | os.PathLike, array, *, like: Image | None = None,
                spacing=None, origin=None, direction=None) -> Path:
    """Write ``array`` (indexed [i, j, k(, t)]) as NIfTI (float32) atomically, geometry from ``like`` or given.

    ``spacing`` [m], ``origin`` [m] and ``direction`` (3×3, LPS) default to 1 mm, 0 and identity. The file is
    written to a temporary name and renamed, so a failure never leaves a partial file.
    """
    import nibabel as nib

    arr = np.asarray(array)
    if arr.ndim < 3:
        raise FerroKitInputError(f"write_nifti needs a 3D or 4D array, got shape {arr.shape}")
    if like is not None:
        if like.spatial_shape != arr.shape[:3]:
            raise FerroKitInputError(f"array shape {arr.shape[:3]} does not match the reference image "
                                     f"{like.spatial_shape}")
        spacing, origin, direction = like.spacing, like.origin, like.direction
    sp = np.asarray(spacing if spacing is not None else (1e-3,) * 3, float)
    org = np.asarray(origin if origin is not None else (0.0,) * 3, float)
    dr = np.asarray(direction if direction is not None else np.eye(3), float)
    if sp.shape != (3,) or np.any(sp <= 0) or org.shape != (3,) or dr.shape != (3, 3):
        raise FerroKitInputError("spacing and origin need 3 values (spacing > 0), direction 3×3")
    aff = np.eye(4)
    aff[:3, :3] = _LPS_FROM_RAS @ dr @ np.diag(sp) * 1e3  # back to RAS, mm
    aff[:3, 3] = _LPS_FROM_RAS @ org * 1e3
    img = nib.Nifti1Image(arr.astype(np.float32) if arr.dtype.kind == "f" else arr, aff)
    img.header.set_xyzt_units("mm", "sec")
    name = Path(path).name
    if not name.endswith((".nii", ".nii.gz")):
        raise FerroKitInputError(f"write_nifti: use a .nii or .nii.gz file name, got {name!r}")
    suffix = ".nii.gz" if name.endswith(".nii.gz") else ".nii"
    return atomic_write(path, lambda tmp: nib.save(img, tmp), suffix=suffix)
