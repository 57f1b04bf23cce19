"""Input checks, direction vectors and the IBSI 1 feature aggregation methods shared by the texture families.

Aggregation methods (IBSI 1 reference manual, "Feature aggregation", Zwanenburg et al., Radiology 2020,
doi:10.1148/radiol.2020191145; tag suffixes as in the IBSI digital-phantom reference table):

Directional families (GLCM, GLRLM), 4 in-plane directions per slice and 13 directions in 3D:

======================  ============  ========================================================================
IBSI name               tag suffix    computation
======================  ============  ========================================================================
2D, averaged (BTW3)     ``_2D_avg``   features of every (slice, direction) matrix, averaged
2D, slice-merged (SUJT) ``_2D_comb``  the 4 directional matrices of a slice merged; features averaged over slices
2.5D, dir.-merged (JJUI) ``_2_5D_avg`` each direction's matrices merged over slices; features averaged over
                                      the 4 directions
2.5D, merged (ZW7Z)     ``_2_5D_comb`` all 2D matrices merged into one
3D, averaged (ITBB)     ``_3D_avg``   features of each of the 13 3D directional matrices, averaged
3D, merged (IAZD)       ``_3D_comb``  the 13 3D directional matrices merged into one
======================  ============  ========================================================================

Non-directional families (GLSZM, GLDZM, NGTDM, NGLDM): ``_2D`` (features per slice, averaged; 8QNN),
``_2_5D`` (slice matrices merged; 62GR) and ``_3D`` (one 3D matrix; KOBO).

Merging sums the matrix counts (and, where a feature needs it, the voxel counts N_v). A matrix without any
entries (e.g. a slice with a single ROI voxel has no co-occurring pairs) defines no feature value and is left
out of the averages; a feature that is undefined for a non-empty matrix (e.g. *correlation* of a matrix with
a single grey level, zero variance) is likewise left out of that feature's average. A value is ``nan`` only
when no matrix defines it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from ferrokit._shared.validation import FerroKitInputError

#: Tag suffixes of the directional families (GLCM, GLRLM), in IBSI order.
DIRECTIONAL_AGGREGATIONS: tuple[str, ...] = ("2D_avg", "2D_comb", "2_5D_avg", "2_5D_comb", "3D_avg", "3D_comb")
#: Tag suffixes of the non-directional families (GLSZM, GLDZM, NGTDM, NGLDM).
SLICE_AGGREGATIONS: tuple[str, ...] = ("2D", "2_5D", "3D")

#: Unique in-plane direction vectors (dz, dy, dx) at Chebyshev distance 1 (IBSI: 4 in 2D).
INPLANE_DIRECTIONS = np.array([[0, 0, 1], [0, 1, 1], [0, 1, 0], [0, 1, -1]], dtype=np.int64)
#: The 9 unique out-of-plane direction vectors; with :data:`INPLANE_DIRECTIONS` the 13 of 3D.
OUTOFPLANE_DIRECTIONS = np.array([[1, dy, dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)], dtype=np.int64)


def directions(distance: int) -> np.ndarray:
    """The 13 unique direction vectors ``(dz, dy, dx)`` scaled by ``distance``; the 4 in-plane ones first."""
    return np.concatenate([INPLANE_DIRECTIONS, OUTOFPLANE_DIRECTIONS]) * int(distance)


def check_positive_int(name: str, value: object, *, minimum: int = 1) -> int:
    """Return ``value`` as int or raise unless it is an integer ≥ ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise FerroKitInputError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
    if int(value) < minimum:
        raise FerroKitInputError(f"{name} must be an integer ≥ {minimum}, got {value}")
    return int(value)


def _as_volume(name: str, array: object) -> np.ndarray:
    arr = np.asarray(array)
    if arr.ndim == 2:
        arr = arr[None, :, :]
    if arr.ndim != 3:
        raise FerroKitInputError(f"{name} must be a 2D (y, x) or 3D (z, y, x) array, got {arr.ndim} dimensions")
    return arr


def prepare(discretised: object, mask: object, n_levels: object, *,
            extra_mask: object | None = None) -> tuple[np.ndarray, int, np.ndarray | None]:
    """Validate the inputs of a texture family and crop them to the ROI bounding box.

    Parameters
    ----------
    discretised : array_like of int, shape (nz, ny, nx) or (ny, nx)
        Discretised grey levels; values inside ``mask`` must lie in ``1..n_levels``.
    mask : array_like of bool, same shape
        ROI intensity mask.
    n_levels : int
        Number of grey levels N_g (≥ 1).
    extra_mask : array_like of bool, optional
        A second mask of the same shape (the morphological mask for GLDZM); the crop box covers both.

    Returns
    -------
    disc : ndarray of int32
        Cropped grey levels, 0 outside the ROI.
    n_levels : int
    extra : ndarray of bool or None
        ``extra_mask`` cropped to the same box.
    """
    n_levels = check_positive_int("n_levels", n_levels)
    disc = _as_volume("discretised", discretised)
    roi = _as_volume("mask", mask)
    if disc.shape != roi.shape:
        raise FerroKitInputError(f"discretised {disc.shape} and mask {roi.shape} must have the same shape")
    if roi.dtype != np.bool_:
        if not np.isin(roi, (0, 1)).all():
            raise FerroKitInputError("mask must be boolean (or 0/1)")
        roi = roi.astype(bool)
    if not np.issubdtype(disc.dtype, np.integer):
        if not np.issubdtype(disc.dtype, np.floating) or not np.all(np.isfinite(disc[roi])) or \
                not np.all(disc[roi] == np.round(disc[roi])):
            raise FerroKitInputError("discretised must hold integer grey levels inside the mask")
    extra = None
    if extra_mask is not None:
        extra = _as_volume("morphological_mask", extra_mask)
        if extra.shape != roi.shape:
            raise FerroKitInputError(f"morphological_mask {extra.shape} must have the shape of mask {roi.shape}")
        extra = extra.astype(bool)
    if not roi.any():
        raise FerroKitInputError("mask is empty: texture features need at least one ROI voxel")
    values = disc[roi]
    lo, hi = int(values.min()), int(values.max())
    if lo < 1 or hi > n_levels:
        raise FerroKitInputError(f"discretised grey levels inside the mask must lie in [1, {n_levels}] "
                                 f"(n_levels), got [{lo}, {hi}]")
    union = roi if extra is None else (roi | extra)
    box = tuple(slice(int(idx.min()), int(idx.max()) + 1) for idx in np.nonzero(union))
    out = np.where(roi[box], disc[box], 0).astype(np.int32)
    return np.ascontiguousarray(out), n_levels, (None if extra is None else np.ascontiguousarray(extra[box]))


def nanmean_rows(values: np.ndarray) -> np.ndarray:
    """Column means over the rows where a value is defined (``nan`` where no row defines it), without warnings."""
    values = np.asarray(values, dtype=float)
    if values.shape[0] == 0:
        return np.full(values.shape[1:], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        return np.nanmean(values, axis=0)


def check_aggregations(aggregations: object, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Return the requested aggregations (all of ``allowed`` for None) or raise for an unknown one."""
    if aggregations is None:
        return allowed
    if isinstance(aggregations, str):
        aggregations = (aggregations,)
    chosen = tuple(aggregations)  # type: ignore[arg-type]
    if not chosen:
        raise FerroKitInputError(f"aggregations must name at least one of {', '.join(allowed)}")
    for agg in chosen:
        if agg not in allowed:
            raise FerroKitInputError(f"aggregations must be among {', '.join(allowed)}; got {agg!r}")
    return tuple(dict.fromkeys(chosen))


def directional_aggregations(per_slice: np.ndarray, volume: np.ndarray,
                             feature_fn: Callable[[np.ndarray], np.ndarray],
                             aggregations: tuple[str, ...] = DIRECTIONAL_AGGREGATIONS) -> dict[str, np.ndarray]:
    """Feature vectors for the directional aggregations (see the module docstring).

    Parameters
    ----------
    per_slice : ndarray, shape (nz, 4, a, b)
        In-plane directional count matrices of each slice.
    volume : ndarray, shape (9, a, b)
        Out-of-plane directional count matrices of the volume.
    feature_fn : callable
        Maps a stack of count matrices ``(K, a, b)`` to features ``(K, F)`` (``nan`` rows for empty matrices).
    aggregations : tuple of str
        Which of :data:`DIRECTIONAL_AGGREGATIONS` to compute.
    """
    nz, nd = per_slice.shape[:2]
    per_direction_2d = per_slice.sum(axis=0)  # (4, a, b)
    out: dict[str, np.ndarray] = {}
    for agg in aggregations:
        if agg == "2D_avg":
            out[agg] = nanmean_rows(feature_fn(per_slice.reshape((nz * nd, *per_slice.shape[2:]))))
        elif agg == "2D_comb":
            out[agg] = nanmean_rows(feature_fn(per_slice.sum(axis=1)))
        elif agg == "2_5D_avg":
            out[agg] = nanmean_rows(feature_fn(per_direction_2d))
        elif agg == "2_5D_comb":
            out[agg] = feature_fn(per_direction_2d.sum(axis=0)[None])[0]
        else:
            volume_3d = np.concatenate([per_direction_2d, volume], axis=0)  # (13, a, b)
            if agg == "3D_avg":
                out[agg] = nanmean_rows(feature_fn(volume_3d))
            else:
                out[agg] = feature_fn(volume_3d.sum(axis=0)[None])[0]
    return out


def slice_aggregations(per_slice: np.ndarray, volume: np.ndarray, voxels_per_slice: np.ndarray,
                       volume_voxels: float, feature_fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
                       aggregations: tuple[str, ...] = SLICE_AGGREGATIONS) -> dict[str, np.ndarray]:
    """Feature vectors for the 2D (slice average), 2.5D (merged slices) and 3D aggregations.

    ``feature_fn(counts (K, a, b), n_voxels (K,)) -> (K, F)``; slices without ROI voxels are skipped.
    """
    out: dict[str, np.ndarray] = {}
    present = voxels_per_slice > 0
    for agg in aggregations:
        if agg == "2D":
            out[agg] = nanmean_rows(feature_fn(per_slice[present], voxels_per_slice[present]))
        elif agg == "2_5D":
            out[agg] = feature_fn(per_slice.sum(axis=0)[None], np.array([voxels_per_slice.sum()]))[0]
        else:
            out[agg] = feature_fn(volume[None], np.array([volume_voxels]))[0]
    return out


def to_tags(prefix: str, names: tuple[str, ...], aggregated: dict[str, np.ndarray]) -> dict[str, float]:
    """``{f"{prefix}{name}_{aggregation}": float}`` for every feature name and aggregation."""
    out: dict[str, float] = {}
    for name_index, name in enumerate(names):
        for agg, vector in aggregated.items():
            out[f"{prefix}{name}_{agg}"] = float(vector[name_index])
    return out


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _entropy(p: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return -terms.sum(axis=axes)


#: Generic names of the features of run-length-like matrices (GLRLM, GLSZM, GLDZM, NGLDM); ``s`` / ``l``
#: stand for the family's small / large second index (runs, zone sizes, distances, dependence counts).
RL_FEATURES: tuple[str, ...] = ("se", "le", "lge", "hge", "slge", "shge", "llge", "lhge", "glnu", "glnu_norm",
                                "jnu", "jnu_norm", "perc", "gl_var", "j_var", "entr", "energy")


def run_length_like_features(counts: np.ndarray, n_voxels: np.ndarray) -> np.ndarray:
    """The GLRLM-type features of a stack of ``(K, N_g, N_j)`` count matrices, in :data:`RL_FEATURES` order.

    With :math:`r_{ij}` the count of grey level :math:`i` and index :math:`j` (run length, zone size, zone
    distance or dependence count, both 1-based), :math:`N_s=\\sum r_{ij}`, marginals :math:`r_{i.}`,
    :math:`r_{.j}` and :math:`p_{ij}=r_{ij}/N_s`:
    ``se`` :math:`=\\sum_j r_{.j}/j^2/N_s`, ``le`` :math:`=\\sum_j j^2 r_{.j}/N_s`, ``lge``
    :math:`=\\sum_i r_{i.}/i^2/N_s`, ``hge`` :math:`=\\sum_i i^2 r_{i.}/N_s`, ``slge`` :math:`=\\sum r_{ij}/(i^2
    j^2)/N_s`, ``shge`` :math:`=\\sum i^2 r_{ij}/j^2/N_s`, ``llge`` :math:`=\\sum j^2 r_{ij}/i^2/N_s`, ``lhge``
    :math:`=\\sum i^2 j^2 r_{ij}/N_s`, ``glnu`` :math:`=\\sum_i r_{i.}^2/N_s`, ``glnu_norm`` :math:`=\\sum_i
    r_{i.}^2/N_s^2`, ``jnu`` / ``jnu_norm`` likewise over :math:`r_{.j}`, ``perc`` :math:`=N_s/N_v`,
    ``gl_var`` :math:`=\\sum (i-\\mu_i)^2 p_{ij}`, ``j_var`` :math:`=\\sum (j-\\mu_j)^2 p_{ij}`, ``entr``
    :math:`=-\\sum p_{ij}\\log_2 p_{ij}` and ``energy`` :math:`=\\sum p_{ij}^2`. Rows of empty matrices are nan.
    """
    m = np.asarray(counts, dtype=float)
    k, ng, nj = m.shape
    i = np.arange(1, ng + 1, dtype=float)
    j = np.arange(1, nj + 1, dtype=float)
    ns = m.sum(axis=(1, 2))
    ok = ns > 0
    norm = np.where(ok, ns, 1.0)
    p = m / norm[:, None, None]
    ri = p.sum(axis=2)
    rj = p.sum(axis=1)
    mu_i = ri @ i
    mu_j = rj @ j
    out = np.empty((k, len(RL_FEATURES)))
    i2 = (i * i)[:, None]
    j2 = (j * j)[None, :]
    out[:, 0] = rj @ (1.0 / j**2)
    out[:, 1] = rj @ j**2
    out[:, 2] = ri @ (1.0 / i**2)
    out[:, 3] = ri @ i**2
    out[:, 4] = (p / (i2 * j2)).sum(axis=(1, 2))
    out[:, 5] = (p * i2 / j2).sum(axis=(1, 2))
    out[:, 6] = (p * j2 / i2).sum(axis=(1, 2))
    out[:, 7] = (p * i2 * j2).sum(axis=(1, 2))
    out[:, 8] = (ri**2).sum(axis=1) * ns
    out[:, 9] = (ri**2).sum(axis=1)
    out[:, 10] = (rj**2).sum(axis=1) * ns
    out[:, 11] = (rj**2).sum(axis=1)
    out[:, 12] = _safe_div(ns, np.asarray(n_voxels, dtype=float))
    out[:, 13] = ((i[None, :] - mu_i[:, None]) ** 2 * ri).sum(axis=1)
    out[:, 14] = ((j[None, :] - mu_j[:, None]) ** 2 * rj).sum(axis=1)
    out[:, 15] = _entropy(p, (1, 2))
    out[:, 16] = (p**2).sum(axis=(1, 2))
    out[~ok] = np.nan
    return out
