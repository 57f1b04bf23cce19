"""Neighbouring grey level dependence matrix (NGLDM) features, IBSI 1 family REK0 (17 features × 3 aggregations).

For every ROI voxel :math:`k` (all are centres, so :math:`N_s=N_v`) the dependence count is
:math:`j_k = 1 + \\#\\{` ROI neighbours within Chebyshev distance :math:`\\delta` with
:math:`|X_d(\\mathbf{k})-X_d(\\mathbf{k}+\\mathbf{m})|\\le\\alpha \\}` (in-plane only in 2D); element
:math:`s_{ij}` counts the centres of grey level :math:`i` with dependence :math:`j`.

Reference: Zwanenburg et al., Radiology 295(2):328-338 (2020), doi:10.1148/radiol.2020191145, and the IBSI 1
reference manual (arXiv:1612.07003), section "Neighbouring grey level dependence based features" (after Sun &
Wee, Comput Vis Graph Image Process 23:341, 1983) — verified against the manual text and the digital-phantom
consensus table (``tests/radiomics/test_texture_ngldm.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ferrokit.radiomics.registry import FeatureInput, register
from ferrokit.radiomics.texture import _kernels
from ferrokit.radiomics.texture.aggregation import (
    RL_FEATURES,
    SLICE_AGGREGATIONS,
    check_aggregations,
    check_positive_int,
    prepare,
    run_length_like_features,
    slice_aggregations,
    to_tags,
)

__all__ = ["NGLDM_CODES", "NGLDM_FEATURES", "NGLDMMatrices", "ngldm_feature_vector", "ngldm_features",
           "ngldm_matrices"]

#: IBSI feature names (tag ``ngl_{name}_{2D|2_5D|3D}``).
NGLDM_FEATURES: tuple[str, ...] = ("lde", "hde", "lgce", "hgce", "ldlge", "ldhge", "hdlge", "hdhge", "glnu",
                                   "glnu_norm", "dcnu", "dcnu_norm", "dc_perc", "gl_var", "dc_var", "dc_entr",
                                   "dc_energy")

#: IBSI identifiers of the NGLDM features (IBSI 1 reference manual).
NGLDM_CODES: dict[str, str] = {
    "lde": "SODN", "hde": "IMOQ", "lgce": "TL9H", "hgce": "OAE7", "ldlge": "EQ3F", "ldhge": "JA6D",
    "hdlge": "NBZI", "hdhge": "9QMG", "glnu": "FP8K", "glnu_norm": "5SPA", "dcnu": "Z87G", "dcnu_norm": "OKJI",
    "dc_perc": "6XV8", "gl_var": "1PFV", "dc_var": "DNX2", "dc_entr": "FCBV", "dc_energy": "CAS9",
}

_COLUMNS = [RL_FEATURES.index(n) for n in ("se", "le", "lge", "hge", "slge", "shge", "llge", "lhge", "glnu",
                                           "glnu_norm", "jnu", "jnu_norm", "perc", "gl_var", "j_var", "entr",
                                           "energy")]


@dataclass(frozen=True)
class NGLDMMatrices:
    """Dependence counts ``s[i - 1, j - 1]`` (grey level ``i``, dependence ``j``) and voxel counts.

    Attributes
    ----------
    per_slice : ndarray of int64, shape (nz, N_g, (2δ+1)²)
    volume : ndarray of int64, shape (N_g, (2δ+1)³)
    voxels_per_slice : ndarray of int64, shape (nz,)
    """

    per_slice: np.ndarray
    volume: np.ndarray
    voxels_per_slice: np.ndarray


def ngldm_matrices(discretised: np.ndarray, mask: np.ndarray, n_levels: int, *, distance: int = 1,
                   alpha: int = 0) -> NGLDMMatrices:
    """Build the per-slice (2D) and volume (3D) NGLDMs of an ROI in one pass.

    Parameters
    ----------
    distance : int
        Chebyshev radius :math:`\\delta` of the neighbourhood (IBSI default 1).
    alpha : int
        Coarseness :math:`\\alpha` (≥ 0): neighbours whose grey level differs by at most ``alpha`` are
        dependent (IBSI default 0).

    Examples
    --------
    >>> import numpy as np
    >>> m = ngldm_matrices(np.array([[1, 1, 2]]), np.ones((1, 3), bool), 2)
    >>> m.volume[:, :3].tolist()  # both 1s have one dependent neighbour (j = 2), the 2 has none (j = 1)
    [[0, 2, 0], [1, 0, 0]]
    """
    disc, n_levels, _ = prepare(discretised, mask, n_levels)
    distance = check_positive_int("distance", distance)
    alpha = check_positive_int("alpha", alpha, minimum=0)
    m2, m3 = _kernels.ngldm_counts(disc, n_levels, distance, alpha)
    voxels = (disc > 0).sum(axis=(1, 2)).astype(np.int64)
    return NGLDMMatrices(per_slice=m2, volume=m3, voxels_per_slice=voxels)


def ngldm_feature_vector(counts: np.ndarray, n_voxels: np.ndarray) -> np.ndarray:
    """The 17 NGLDM features (:data:`NGLDM_FEATURES` order) of a stack ``(K, N_g, N_n)`` of dependence counts.

    With :math:`s_{ij}` the centres of grey level :math:`i` and dependence :math:`j`,
    :math:`N_s=\\sum s_{ij}`, :math:`N_v` the ROI voxels and :math:`p_{ij}=s_{ij}/N_s`: low / high dependence
    emphasis :math:`\\sum_j s_{.j} j^{\\mp2}/N_s`, low / high grey level count emphasis
    :math:`\\sum_i s_{i.} i^{\\mp2}/N_s`, the four combined emphases :math:`\\sum s_{ij} i^{\\mp2} j^{\\mp2}/N_s`,
    grey level and dependence count non-uniformity :math:`\\sum s_{i.}^2/N_s`, :math:`\\sum s_{.j}^2/N_s`
    (normalised: :math:`/N_s^2`), dependence count percentage :math:`N_s/N_v`, grey level / dependence count
    variance, dependence count entropy :math:`-\\sum p_{ij}\\log_2 p_{ij}` and energy :math:`\\sum p_{ij}^2`.
    """
    return run_length_like_features(counts, n_voxels)[:, _COLUMNS]


def ngldm_features(discretised: np.ndarray, mask: np.ndarray, n_levels: int, *, distance: int = 1,
                   alpha: int = 0, aggregations: tuple[str, ...] | None = None) -> dict[str, float]:
    """The 17 IBSI NGLDM features in the requested aggregations (default ``2D``, ``2_5D``, ``3D``: 51 tags).

    2D: in-plane neighbourhoods, features averaged over slices; 2.5D: slice matrices merged (:math:`N_v`
    summed); 3D: 3D neighbourhoods. Formulas in :func:`ngldm_feature_vector`.

    Examples
    --------
    >>> import numpy as np
    >>> f = ngldm_features(np.ones((1, 2, 2), int), np.ones((1, 2, 2), bool), 1)
    >>> f["ngl_hde_3D"], f["ngl_dc_perc_3D"]  # every voxel depends on its 3 neighbours: j = 4
    (16.0, 1.0)
    """
    which = check_aggregations(aggregations, SLICE_AGGREGATIONS)
    mats = ngldm_matrices(discretised, mask, n_levels, distance=distance, alpha=alpha)
    aggregated = slice_aggregations(mats.per_slice, mats.volume, mats.voxels_per_slice,
                                    float(mats.voxels_per_slice.sum()), ngldm_feature_vector, which)
    return to_tags("ngl_", NGLDM_FEATURES, aggregated)


def compute_ngldm(inp: FeatureInput) -> dict[str, float]:
    tex = inp.settings.texture
    return ngldm_features(inp.discretised, inp.intensity_mask, inp.n_levels, distance=tex.distance,
                          alpha=tex.ngldm_coarseness, aggregations=tex.spatial_modes)


compute_ngldm.__doc__ = (
    "NGLDM features (IBSI family REK0) of a :class:`~ferrokit.radiomics.registry.FeatureInput`, with the\n"
    "distance, coarseness and spatial modes of ``inp.settings.texture``; see :func:`ngldm_features`.\n\n"
    "Formulas (IBSI 1 manual):\n" + (ngldm_feature_vector.__doc__ or ""))

NGLDM_TAGS: tuple[str, ...] = tuple(f"ngl_{f}_{a}" for f in NGLDM_FEATURES for a in SLICE_AGGREGATIONS)
register("ngldm", list(NGLDM_TAGS), compute_ngldm,
         {f"ngl_{f}_{a}": NGLDM_CODES[f] for f in NGLDM_FEATURES for a in SLICE_AGGREGATIONS})
