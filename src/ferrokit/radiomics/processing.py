"""IBSI 1 image processing: validation, interpolation, re-segmentation, discretisation, IVH intensities.

Conventions (see :mod:`ferrokit.radiomics.registry`): arrays are ``(z, y, x)``; ``spacing`` is
``(dz, dy, dx)`` in **mm** (IBSI units); a 2D image is passed as shape ``(ny, nx)`` or ``(1, ny, nx)``.

The steps follow the IBSI 1 reference manual, chapter "Image processing" (Zwanenburg et al., Radiology 2020,
doi:10.1148/radiol.2020191145; theibsi/ibsi-doc docs/03_Image_processing.rst) [verified against the manual
text]:

* interpolation grid: :math:`n_b = \\lceil n_a s_a / s_b \\rceil` points per axis, aligned on the grid centre,
  i.e. the first new point lies at grid coordinate :math:`x_{b,g} = \\tfrac12(n_a - 1 - (s_b/s_a)(n_b - 1))`;
  the image is padded with its boundary intensities (extrapolation); the ROI mask is interpolated
  (nearest or linear) and binarised with a partial-volume threshold :math:`R \\ge \\delta` (0.5);
* the morphological mask is the interpolated ROI; the intensity mask is the same ROI after re-segmentation
  by a range :math:`[a, b]` and/or outlier filtering :math:`[\\mu - n\\sigma, \\mu + n\\sigma]` (computed on the
  range-re-segmented ROI, population σ);
* fixed bin number: :math:`X_d = \\lfloor N_g (X - X_{min})/(X_{max} - X_{min}) \\rfloor + 1`, with
  :math:`X_d = N_g` at :math:`X = X_{max}` (ROI minimum/maximum of the intensity mask);
* fixed bin size: :math:`X_d = \\lfloor (X - X_{min}) / w_b \\rfloor + 1` with an explicit :math:`X_{min}`
  (``lower_bound`` or the lower re-segmentation bound; a data-driven minimum is refused so that bins are
  comparable between cases).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics.settings import DiscretisationSettings, IVHSettings, RadiomicsSettings

__all__ = ["ProcessedROI", "discretise", "interpolation_grid", "ivh_intensities", "process", "resample",
           "resegment", "validate_image_mask"]

#: radius of the 1 cm³ sphere of the local intensity features [mm]: (3/(4π))^(1/3) cm
PEAK_RADIUS_MM = 10.0 * (3.0 / (4.0 * math.pi)) ** (1.0 / 3.0)
_ORDER = {"nearest": 0, "linear": 1, "cubic": 3}


def validate_image_mask(image, mask, spacing) -> tuple[np.ndarray, np.ndarray, tuple[float, float, float]]:
    """Check and normalise an image/mask pair: 3D float64 image, 3D bool mask, spacing (dz, dy, dx) in mm.

    Raises
    ------
    FerroKitInputError
        Not 2D/3D, shapes differ (mismatched geometry), a non-finite intensity, an empty mask, a mask that
        is not binary, or a spacing that is not three positive lengths.
    """
    try:
        img = np.asarray(image, dtype=np.float64)
    except (TypeError, ValueError):
        raise FerroKitInputError("image must be a numeric array") from None
    m = np.asarray(mask)
    if img.ndim == 2:
        img = img[None]
    if m.ndim == 2:
        m = m[None]
    if img.ndim != 3:
        raise FerroKitInputError(f"image must be 2D or 3D (z, y, x), got shape {np.shape(image)}")
    if m.shape != img.shape:
        raise FerroKitInputError(f"mask shape {m.shape} does not match image shape {img.shape} "
                                 "(image and mask must share one voxel grid)")
    if not np.all(np.isfinite(img)):
        bad = int(np.count_nonzero(~np.isfinite(img)))
        raise FerroKitInputError(f"image contains {bad} non-finite value(s) (NaN or inf)")
    if m.dtype != bool:
        if not np.issubdtype(m.dtype, np.number):
            raise FerroKitInputError("mask must be a boolean or 0/1 array")
        vals = np.unique(m)
        if not np.all(np.isin(vals, (0, 1))):
            raise FerroKitInputError(f"mask must be binary (0/1); found values {vals[:6].tolist()} — "
                                     "select one label first")
        m = m.astype(bool)
    if not m.any():
        raise FerroKitInputError("mask is empty: the ROI contains no voxels")
    try:
        sp = tuple(float(s) for s in spacing)
    except (TypeError, ValueError):
        raise FerroKitInputError(f"spacing must be three lengths (dz, dy, dx) in mm, got {spacing!r}") from None
    if len(sp) != 3 or not all(math.isfinite(s) and s > 0 for s in sp):
        raise FerroKitInputError(f"spacing must be three positive lengths (dz, dy, dx) in mm, got {spacing!r}")
    return img, m, sp  # type: ignore[return-value]


def interpolation_grid(n: int, spacing: float, new_spacing: float) -> tuple[int, float, float]:
    """IBSI grid-centre alignment along one axis.

    Returns ``(n_b, x0, step)``: the number of new points, the grid coordinate (in original voxel units) of
    the first new point and the step between new points in original voxel units.

    >>> n_b, x0, step = interpolation_grid(4, 3.0, 2.0)   # the IBSI example: 4 voxels of 3 mm to 2 mm
    >>> n_b, round(x0, 12), round(step, 12)
    (6, -0.166666666667, 0.666666666667)
    """
    ratio = n * spacing / new_spacing
    n_b = max(1, math.ceil(round(ratio, 9)))
    step = new_spacing / spacing
    x0 = 0.5 * (n - 1 - step * (n_b - 1))
    return n_b, x0, step


def resample(image: np.ndarray, spacing, new_spacing, *, order: int = 1, mode: str = "nearest",
             in_plane_only: bool = False) -> tuple[np.ndarray, tuple[float, float, float]]:
    """Resample a 3D array to ``new_spacing`` on the IBSI grid-centre-aligned grid.

    Parameters
    ----------
    image : ndarray (z, y, x)
    spacing, new_spacing : sequence of 3 floats
        Old and new voxel spacing (dz, dy, dx) [mm].
    order : int
        Spline order: 0 nearest, 1 (tri)linear, 3 (tri)cubic B-spline.
    mode : str
        Extrapolation: ``"nearest"`` pads with boundary intensities (images, as IBSI recommends);
        ``"constant"`` pads with 0 (masks).
    in_plane_only : bool
        Keep the slice axis (2D interpolation).

    Returns
    -------
    (ndarray, spacing)

    >>> out, sp = resample(np.arange(4.0)[None, None, :], (1, 1, 3), (1, 1, 2))
    >>> out.shape, sp
    ((1, 1, 6), (1.0, 1.0, 2.0))
    """
    arr = np.asarray(image, dtype=np.float64)
    sp = [float(s) for s in spacing]
    nsp = [float(s) for s in new_spacing]
    if in_plane_only:
        nsp[0] = sp[0]
    axes = []
    for ax in range(3):
        n_b, x0, step = interpolation_grid(arr.shape[ax], sp[ax], nsp[ax])
        axes.append(x0 + step * np.arange(n_b))
    if all(len(a) == n and np.allclose(a, np.arange(n)) for a, n in zip(axes, arr.shape, strict=True)):
        return arr.copy(), tuple(nsp)  # type: ignore[return-value]
    out = _map_separable(arr, axes, order=order, mode=mode)
    return out, tuple(nsp)  # type: ignore[return-value]


def _map_separable(arr: np.ndarray, axes: list[np.ndarray], *, order: int, mode: str) -> np.ndarray:
    """Tensor-product interpolation at the coordinates ``axes`` (one 1D array per axis)."""
    if order > 1:
        coeffs = ndimage.spline_filter(arr, order=order, mode="nearest" if mode == "nearest" else "constant")
    else:
        coeffs = arr
    zz, yy, xx = np.meshgrid(*axes, indexing="ij")
    return ndimage.map_coordinates(coeffs, [zz, yy, xx], order=order, mode=mode, cval=0.0, prefilter=False)


def resegment(image: np.ndarray, mask: np.ndarray, *, value_range=None, outlier_sigma: float | None = None
              ) -> np.ndarray:
    """Intensity mask from a morphological mask: range re-segmentation, then outlier filtering (IBSI §2.5)."""
    out = mask.copy()
    if value_range is not None:
        lo, hi = value_range
        if lo is not None:
            out &= image >= lo
        if hi is not None:
            out &= image <= hi
    if outlier_sigma is not None and out.any():
        vals = image[out]
        mu, sd = float(vals.mean()), float(vals.std())
        out &= (image >= mu - outlier_sigma * sd) & (image <= mu + outlier_sigma * sd)
    if not out.any():
        raise FerroKitInputError("re-segmentation removed every voxel of the ROI; widen the range or "
                                 "the outlier limit")
    return out


def discretise(image: np.ndarray, mask: np.ndarray, settings: DiscretisationSettings, *,
               resegmentation_lower: float | None = None) -> tuple[np.ndarray, int]:
    """Discretise intensities inside ``mask`` (IBSI §2.7); returns ``(grey levels int32, N_g)``.

    Grey levels run from 1; voxels outside the mask are 0.

    >>> img = np.array([[[0.0, 1.0, 2.0, 3.0]]]); m = np.ones_like(img, bool)
    >>> d, n = discretise(img, m, DiscretisationSettings(method="fixed_bin_number", bin_number=2))
    >>> d.tolist(), n
    ([[[1, 1, 2, 2]]], 2)
    """
    vals = image[mask]
    out = np.zeros(image.shape, dtype=np.int32)
    if settings.method == "fixed_bin_number":
        n_g = int(settings.bin_number)  # type: ignore[arg-type]
        lo, hi = float(vals.min()), float(vals.max())
        if hi > lo:
            d = np.floor(n_g * (vals - lo) / (hi - lo)).astype(np.int64) + 1
            d = np.minimum(d, n_g)
        else:
            d = np.ones(vals.shape, dtype=np.int64)
    elif settings.method == "fixed_bin_size":
        lower = settings.lower_bound if settings.lower_bound is not None else resegmentation_lower
        if lower is None:
            raise FerroKitInputError("fixed bin size discretisation needs a lower bound: set "
                                     "discretisation.lower_bound (--lower-bound) or a re-segmentation range")
        w = float(settings.bin_width)  # type: ignore[arg-type]
        if float(vals.min()) < lower:
            raise FerroKitInputError(f"intensities below the fixed-bin-size lower bound {lower:g} are in the ROI; "
                                     "lower the bound or re-segment with a range starting at it")
        d = np.floor((vals - lower) / w + 1e-9).astype(np.int64) + 1
        n_g = int(d.max())
    else:  # "none": the intensities are grey levels already
        r = np.rint(vals)
        if not np.allclose(vals, r, rtol=0, atol=1e-6) or r.min() < 1:
            raise FerroKitInputError("discretisation 'none' needs integer intensities ≥ 1 in the ROI; "
                                     "use fixed_bin_number or fixed_bin_size")
        d = r.astype(np.int64)
        n_g = int(d.max())
    if n_g > 65536:
        raise FerroKitInputError(f"discretisation gives {n_g} grey levels (max 65536); use a larger bin width")
    out[mask] = d
    return out, n_g


def ivh_intensities(image: np.ndarray, mask: np.ndarray, settings: IVHSettings, *,
                    value_range=None) -> tuple[np.ndarray, tuple[float, float], float]:
    """Intensities X_d,gl, total range G and interval w_d for the intensity-volume histogram (IBSI §3.5).

    * ``none`` (discrete calibrated, e.g. CT): X_d,gl = X_gl; G = re-segmentation range (open upper bound →
      ROI maximum) or [min, max] of the ROI; w_d = 1.
    * ``fixed_bin_size`` (continuous calibrated): X_d = ⌊(X − X_min)/w_b⌋ + 1 and bin centres
      X_d,gl = X_min + (X_d − 0.5) w_b; G = [X_min + w_b/2, X_max − w_b/2]; w_d = w_b; X_min/X_max from the
      re-segmentation range where given, else from the ROI.
    * ``fixed_bin_number`` (arbitrary units): N_g bins on the ROI range, X_d,gl = X_d, G = [1, N_g], w_d = 1.
    """
    vals = image[mask]
    lo_r = hi_r = None
    if value_range is not None:
        lo_r, hi_r = value_range
    out = np.zeros(image.shape, dtype=np.float64)
    if settings.method == "none":
        if not np.allclose(vals, np.rint(vals), rtol=0, atol=1e-6):
            raise FerroKitInputError("IVH method 'none' needs integer (discrete calibrated) intensities; "
                                     "use ivh.method fixed_bin_size or fixed_bin_number")
        xd = np.rint(vals)
        g = (float(lo_r) if lo_r is not None else float(xd.min()),
             float(hi_r) if hi_r is not None else float(xd.max()))
        step = 1.0
    elif settings.method == "fixed_bin_size":
        w = float(settings.bin_width)  # type: ignore[arg-type]
        x_min = float(lo_r) if lo_r is not None else float(vals.min())
        x_max = float(hi_r) if hi_r is not None else float(vals.max())
        xd = x_min + (np.floor((vals - x_min) / w + 1e-9) + 0.5) * w
        g = (x_min + 0.5 * w, x_max - 0.5 * w)
        step = w
    else:
        n_g = int(settings.bin_number)  # type: ignore[arg-type]
        lo, hi = float(vals.min()), float(vals.max())
        if hi > lo:
            xd = np.minimum(np.floor(n_g * (vals - lo) / (hi - lo)) + 1, n_g)
        else:
            xd = np.ones_like(vals)
        g = (1.0, float(n_g))
        step = 1.0
    out[mask] = xd
    return out, g, step


@dataclass(frozen=True, eq=False)
class ProcessedROI:
    """Image and ROI after IBSI processing, cropped around the ROI (see :class:`FeatureInput`)."""

    image: np.ndarray
    morphological_mask: np.ndarray
    intensity_mask: np.ndarray
    discretised: np.ndarray
    n_levels: int
    spacing: tuple[float, float, float]
    ivh_intensity: np.ndarray
    ivh_range: tuple[float, float]
    ivh_step: float
    diagnostics: dict


def _crop_box(mask: np.ndarray, margin: tuple[int, int, int]) -> tuple[slice, ...]:
    idx = np.nonzero(mask)
    return tuple(slice(max(0, int(i.min()) - m), min(n, int(i.max()) + m + 1))
                 for i, m, n in zip(idx, margin, mask.shape, strict=True))


def process(image, mask, spacing, settings: RadiomicsSettings) -> ProcessedROI:
    """Run the IBSI processing chain: validate → crop → interpolate → re-segment → discretise.

    The image is cropped to the ROI bounding box plus a margin wide enough for the 1 cm³ local-intensity
    sphere (and the cubic-spline support) before interpolation, which does not change any feature.
    """
    img, m, sp = validate_image_mask(image, mask, spacing)
    interp = settings.interpolation
    new_sp = sp if interp is None else tuple(sp[0] if (interp.in_plane_only and a == 0) else interp.spacing[a]
                                             for a in range(3))
    margin = tuple(math.ceil(PEAK_RADIUS_MM / min(sp[a], new_sp[a])) + (8 if interp is not None else 1)
                   for a in range(3))
    if interp is None:
        box = _crop_box(m, margin)  # type: ignore[arg-type]
        img_c, morph = img[box].copy(), m[box].copy()
        out_sp = sp
    else:
        img_c, morph, out_sp = _interpolate_cropped(img, m, sp, new_sp, margin, interp)  # type: ignore[arg-type]
        if not morph.any():
            raise FerroKitInputError("the ROI vanished after interpolation (every voxel below the partial-volume "
                                     "threshold); use a finer resampling spacing")
    res = settings.resegmentation
    intensity = resegment(img_c, morph, value_range=res.range, outlier_sigma=res.outlier_sigma)
    disc, n_levels = discretise(img_c, intensity, settings.discretisation, resegmentation_lower=res.lower)
    ivh_img, g, w_d = ivh_intensities(img_c, intensity, settings.ivh, value_range=res.range)
    diagnostics = {
        "shape": list(img.shape), "spacing_mm": list(sp), "processed_shape": list(img_c.shape),
        "processed_spacing_mm": list(out_sp), "n_voxels_morphological": int(morph.sum()),
        "n_voxels_intensity": int(intensity.sum()), "n_levels": int(n_levels),
    }
    return ProcessedROI(image=img_c, morphological_mask=morph, intensity_mask=intensity, discretised=disc,
                        n_levels=n_levels, spacing=tuple(out_sp), ivh_intensity=ivh_img,  # type: ignore[arg-type]
                        ivh_range=g, ivh_step=w_d, diagnostics=diagnostics)


def _interpolate_cropped(img, m, sp, new_sp, margin, interp):
    """Interpolate only the new-grid points near the ROI, on the grid aligned with the *full* image."""
    box = _crop_box(m, margin)
    axes = []
    for ax in range(3):
        n_b, x0, step = interpolation_grid(img.shape[ax], sp[ax], new_sp[ax])
        coords = x0 + step * np.arange(n_b)
        # keep new points inside the crop box; beyond it only where the box reaches the image edge (there the
        # IBSI grid extrapolates with the boundary intensities, exactly as on the full image)
        lower = box[ax].start if box[ax].start > 0 else -np.inf
        upper = box[ax].stop - 1 if box[ax].stop < img.shape[ax] else np.inf
        keep = (coords >= lower - 1e-9) & (coords <= upper + 1e-9)
        axes.append(coords[keep] - box[ax].start)
    img_c = img[box]
    m_c = m[box].astype(np.float64)
    out_img = _map_separable(img_c, axes, order=_ORDER[interp.image_method], mode="nearest")
    out_mask = _map_separable(m_c, axes, order=_ORDER[interp.mask_method], mode="constant")
    if interp.round_intensities:
        out_img = np.rint(out_img)
    morph = out_mask >= interp.mask_threshold - 1e-9
    return out_img, morph, tuple(float(s) for s in new_sp)
