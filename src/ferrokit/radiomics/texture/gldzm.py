"""Grey level distance zone matrix (GLDZM) features, IBSI 1 family VMDZ (16 features × 3 aggregations).

Zones are those of the GLSZM (same grey level, 8-connected in 2D, 26-connected in 3D), found in the ROI
**intensity** mask. The distance of a voxel to the ROI edge is its Manhattan (L1) distance to the nearest
voxel outside the ROI **morphological** mask (voxels outside the image are outside the ROI), measured within
the slice in 2D (4-connected steps) and in 3D (6-connected steps); edge voxels have distance 1. A zone's
distance is the smallest distance of its voxels. Element :math:`d_{ij}` counts the zones of grey level
:math:`i` and distance :math:`j`.

Reference: Zwanenburg et al., Radiology 295(2):328-338 (2020), doi:10.1148/radiol.2020191145, and the IBSI 1
reference manual (arXiv:1612.07003), section "Grey level distance zone based features" ("the distance map is
determined using the morphological ROI mask, whereas the intensity mask is used for determining the zones";
default Manhattan norm; after Thibault et al., IEEE Trans Biomed Eng 61:630, 2014) — verified against the
manual text and the digital-phantom consensus table (``tests/radiomics/test_texture_gldzm.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics.registry import FeatureInput, register
from ferrokit.radiomics.texture import _kernels
from ferrokit.radiomics.texture.aggregation import (
    SLICE_AGGREGATIONS,
    check_aggregations,
    prepare,
    run_length_like_features,
    slice_aggregations,
    to_tags,
)
from ferrokit.radiomics.texture.glszm import ZONE_FEATURE_COLUMNS, zone_matrix

__all__ = ["GLDZM_CODES", "GLDZM_FEATURES", "GLDZMMatrices", "gldzm_feature_vector", "gldzm_features",
           "gldzm_matrices"]

#: IBSI feature names (tag ``dzm_{name}_{2D|2_5D|3D}``).
GLDZM_FEATURES: tuple[str, ...] = ("sde", "lde", "lgze", "hgze", "sdlge", "sdhge", "ldlge", "ldhge", "glnu",
                                   "glnu_norm", "zdnu", "zdnu_norm", "z_perc", "gl_var", "zd_var", "zd_entr")

#: IBSI identifiers of the GLDZM features (IBSI 1 reference manual).
GLDZM_CODES: dict[str, str] = {
    "sde": "0GBI", "lde": "MB4I", "lgze": "S1RA", "hgze": "K26C", "sdlge": "RUVG", "sdhge": "DKNJ",
    "ldlge": "A7WM", "ldhge": "KLTH", "glnu": "VFT7", "glnu_norm": "7HP3", "zdnu": "V294", "zdnu_norm": "IATH",
    "z_perc": "VIWW", "gl_var": "QK93", "zd_var": "7WT1", "zd_entr": "GBDU",
}

@dataclass(frozen=True)
class GLDZMMatrices:
    """Zone counts ``d[i - 1, j - 1]`` (grey level ``i``, distance ``j``), voxel counts and distance maps.

    Attributes
    ----------
    per_slice : ndarray of int64, shape (nz, N_g, N_d)
    volume : ndarray of int64, shape (N_g, N_d)
    voxels_per_slice : ndarray of int64, shape (nz,)
        Intensity-mask voxels of each slice (:math:`N_v`).
    distance_2d, distance_3d : ndarray of int32, shape of the ROI bounding box
        Border distance maps (0 outside the morphological mask).
    """

    per_slice: np.ndarray
    volume: np.ndarray
    voxels_per_slice: np.ndarray
    distance_2d: np.ndarray
    distance_3d: np.ndarray


def gldzm_matrices(discretised: np.ndarray, mask: np.ndarray, n_levels: int, *,
                   morphological_mask: np.ndarray | None = None) -> GLDZMMatrices:
    """Build the per-slice (2D) and volume (3D) GLDZMs of an ROI.

    Parameters
    ----------
    discretised, mask, n_levels
        Grey levels, ROI intensity mask and number of grey levels (as for the other families).
    morphological_mask : array_like of bool, optional
        ROI morphological mask for the distance map; defaults to ``mask`` (identical masks, as without
        re-segmentation).

    Examples
    --------
    >>> import numpy as np
    >>> img = np.array([[1, 1, 1], [1, 2, 1], [1, 1, 1]])
    >>> m = gldzm_matrices(img, np.ones((3, 3), bool), 2)
    >>> m.distance_2d[0].tolist()
    [[1, 1, 1], [1, 2, 1], [1, 1, 1]]
    >>> m.per_slice[0].tolist()  # 2D: the ring of 1s touches the edge (distance 1), the centre 2 lies at 2
    [[1, 0], [0, 1]]
    >>> m.volume.tolist()  # 3D: a single slice, so the centre also touches the ROI edge (distance 1)
    [[1, 0], [1, 0]]
    """
    morph = mask if morphological_mask is None else morphological_mask
    disc, n_levels, morph_box = prepare(discretised, mask, n_levels, extra_mask=morph)
    if ((disc > 0) & ~morph_box).any():
        raise FerroKitInputError("the intensity mask must lie inside morphological_mask (IBSI: re-segmentation "
                                 "only removes voxels from the morphological mask)")
    dist2 = _kernels.border_distance(morph_box, True)
    dist3 = _kernels.border_distance(morph_box, False)
    lv2, _, d2, sl2 = _kernels.zone_table(disc, dist2, True)
    lv3, _, d3, _ = _kernels.zone_table(disc, dist3, False)
    n_cols = int(max(d2.max(initial=1), d3.max(initial=1)))
    nz = disc.shape[0]
    per_slice = zone_matrix(lv2, d2, n_levels, n_cols, sl2, nz)
    volume = zone_matrix(lv3, d3, n_levels, n_cols)[0]
    voxels = (disc > 0).sum(axis=(1, 2)).astype(np.int64)
    return GLDZMMatrices(per_slice=per_slice, volume=volume, voxels_per_slice=voxels, distance_2d=dist2,
                         distance_3d=dist3)


def gldzm_feature_vector(counts: np.ndarray, n_voxels: np.ndarray) -> np.ndarray:
    """The 16 GLDZM features (:data:`GLDZM_FEATURES` order) of a stack ``(K, N_g, N_d)`` of zone counts.

    With :math:`d_{ij}` the zones of grey level :math:`i` at distance :math:`j`, :math:`N_s=\\sum d_{ij}` and
    :math:`N_v` the intensity-mask voxels: small / large distance emphasis :math:`\\sum_j d_{.j} j^{\\mp2}/N_s`,
    low / high grey level zone emphasis :math:`\\sum_i d_{i.} i^{\\mp2}/N_s`, the four combined emphases
    :math:`\\sum d_{ij} i^{\\mp2} j^{\\mp2}/N_s`, grey level and zone distance non-uniformity
    :math:`\\sum d_{i.}^2/N_s`, :math:`\\sum d_{.j}^2/N_s` (normalised: :math:`/N_s^2`), zone percentage
    :math:`N_s/N_v`, grey level / zone distance variance and zone distance entropy of :math:`p_{ij}=d_{ij}/N_s`.
    """
    return run_length_like_features(counts, n_voxels)[:, ZONE_FEATURE_COLUMNS]


def gldzm_features(discretised: np.ndarray, mask: np.ndarray, n_levels: int, *,
                   morphological_mask: np.ndarray | None = None,
                   aggregations: tuple[str, ...] | None = None) -> dict[str, float]:
    """The 16 IBSI GLDZM features in the requested aggregations (default ``2D``, ``2_5D``, ``3D``: 48 tags).

    2D: per-slice zones and in-plane distances, features averaged over slices; 2.5D: slice matrices merged
    (:math:`N_v` summed); 3D: 26-connected zones and 3D distances. Formulas in :func:`gldzm_feature_vector`.

    Examples
    --------
    >>> import numpy as np
    >>> f = gldzm_features(np.ones((1, 3, 3), int), np.ones((1, 3, 3), bool), 1)
    >>> f["dzm_sde_2D"], f["dzm_z_perc_2D"]  # one zone touching the edge
    (1.0, 0.1111111111111111)
    """
    which = check_aggregations(aggregations, SLICE_AGGREGATIONS)
    mats = gldzm_matrices(discretised, mask, n_levels, morphological_mask=morphological_mask)
    aggregated = slice_aggregations(mats.per_slice, mats.volume, mats.voxels_per_slice,
                                    float(mats.voxels_per_slice.sum()), gldzm_feature_vector, which)
    return to_tags("dzm_", GLDZM_FEATURES, aggregated)


def compute_gldzm(inp: FeatureInput) -> dict[str, float]:
    return gldzm_features(inp.discretised, inp.intensity_mask, inp.n_levels,
                          morphological_mask=inp.morphological_mask,
                          aggregations=inp.settings.texture.spatial_modes)


compute_gldzm.__doc__ = (
    "GLDZM features (IBSI family VMDZ) of a :class:`~ferrokit.radiomics.registry.FeatureInput`: zones from\n"
    "the intensity mask, border distances from the morphological mask, for the spatial modes of\n"
    "``inp.settings.texture``; see :func:`gldzm_features`.\n\n"
    "Formulas (IBSI 1 manual):\n" + (gldzm_feature_vector.__doc__ or ""))

GLDZM_TAGS: tuple[str, ...] = tuple(f"dzm_{f}_{a}" for f in GLDZM_FEATURES for a in SLICE_AGGREGATIONS)
register("gldzm", list(GLDZM_TAGS), compute_gldzm,
         {f"dzm_{f}_{a}": GLDZM_CODES[f] for f in GLDZM_FEATURES for a in SLICE_AGGREGATIONS})
