"""Grey level run length matrix (GLRLM) features, IBSI 1 family TP0I (16 features × 6 aggregations).

Reference: Zwanenburg et al., Radiology 295(2):328-338 (2020), doi:10.1148/radiol.2020191145, and the IBSI 1
reference manual (arXiv:1612.07003), section "Grey level run length based features" (after Galloway,
Comput Graph Image Process 4:172, 1975) — definitions verified against the manual text; values verified
against the digital-phantom consensus table (``tests/radiomics/test_texture_glrlm.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ferrokit.radiomics.registry import FeatureInput, register
from ferrokit.radiomics.texture import _kernels
from ferrokit.radiomics.texture.aggregation import (
    DIRECTIONAL_AGGREGATIONS,
    RL_FEATURES,
    check_aggregations,
    directional_aggregations,
    directions,
    prepare,
    run_length_like_features,
    to_tags,
)

__all__ = ["GLRLM_CODES", "GLRLM_FEATURES", "GLRLMMatrices", "glrlm_feature_vector", "glrlm_features",
           "glrlm_matrices"]

#: IBSI feature names (tag ``rlm_{name}_{aggregation}``), aligned with the generic run-length-like features.
GLRLM_FEATURES: tuple[str, ...] = ("sre", "lre", "lgre", "hgre", "srlge", "srhge", "lrlge", "lrhge", "glnu",
                                   "glnu_norm", "rlnu", "rlnu_norm", "r_perc", "gl_var", "rl_var", "rl_entr")

#: IBSI identifiers of the GLRLM features (IBSI 1 reference manual).
GLRLM_CODES: dict[str, str] = {
    "sre": "22OV", "lre": "W4KF", "lgre": "V3SW", "hgre": "G3QZ", "srlge": "HTZT", "srhge": "GD3A",
    "lrlge": "IVPO", "lrhge": "3KUM", "glnu": "R5YN", "glnu_norm": "OVBL", "rlnu": "W92Y", "rlnu_norm": "IC23",
    "r_perc": "9ZK5", "gl_var": "8CE5", "rl_var": "SXLW", "rl_entr": "HJ9O",
}

_COLUMNS = [RL_FEATURES.index(n) for n in ("se", "le", "lge", "hge", "slge", "shge", "llge", "lhge", "glnu",
                                           "glnu_norm", "jnu", "jnu_norm", "perc", "gl_var", "j_var", "entr")]


@dataclass(frozen=True)
class GLRLMMatrices:
    """Run length counts ``r[i - 1, j - 1]`` (grey level ``i``, run length ``j``), not normalised.

    Attributes
    ----------
    per_slice : ndarray of int64, shape (nz, 4, N_g, N_r)
        In-plane directions (0, 1), (1, 1), (1, 0), (1, -1) of each slice.
    volume : ndarray of int64, shape (9, N_g, N_r)
        Out-of-plane directions over the volume.
    """

    per_slice: np.ndarray
    volume: np.ndarray


def glrlm_matrices(discretised: np.ndarray, mask: np.ndarray, n_levels: int) -> GLRLMMatrices:
    """Build all directional GLRLMs of an ROI (runs along the 4 in-plane and 13 3D directions).

    A run is a maximal sequence of ROI voxels with the same grey level along direction :math:`\\mathbf{m}`;
    runs along :math:`\\mathbf{m}` and :math:`-\\mathbf{m}` coincide, so the 13 unique directions suffice.

    Examples
    --------
    >>> import numpy as np
    >>> m = glrlm_matrices(np.array([[1, 1, 2]]), np.ones((1, 3), bool), 2)
    >>> m.per_slice[0, 0].tolist()  # direction (0, 1): one run of 1s of length 2, one run of a 2
    [[0, 1, 0], [1, 0, 0]]
    """
    disc, n_levels, _ = prepare(discretised, mask, n_levels)
    max_run = max(disc.shape)
    per_slice, volume = _kernels.run_length_counts(disc, directions(1), 4, n_levels, max_run)
    return GLRLMMatrices(per_slice=per_slice, volume=volume)


def glrlm_feature_vector(counts: np.ndarray) -> np.ndarray:
    """The 16 GLRLM features (:data:`GLRLM_FEATURES` order) of a stack ``(K, N_g, N_r)`` of run length counts.

    With :math:`r_{ij}` the number of runs of grey level :math:`i` and length :math:`j`,
    :math:`N_s=\\sum r_{ij}` and :math:`N_v=\\sum_{ij} j\\,r_{ij}` the voxels covered (for merged matrices this
    is the sum of the :math:`N_v` of the merged matrices, as IBSI requires): short / long runs emphasis
    :math:`\\sum_j r_{.j} j^{\\mp2}/N_s`, low / high grey level run emphasis :math:`\\sum_i r_{i.} i^{\\mp2}/N_s`,
    the four combined emphases :math:`\\sum r_{ij} i^{\\mp2} j^{\\mp2}/N_s`, grey level and run length
    non-uniformity :math:`\\sum r_{i.}^2/N_s`, :math:`\\sum r_{.j}^2/N_s` (normalised: :math:`/N_s^2`), run
    percentage :math:`N_s/N_v`, grey level / run length variance and run entropy of :math:`p_{ij}=r_{ij}/N_s`
    (see :func:`~ferrokit.radiomics.texture.aggregation.run_length_like_features`).
    """
    m = np.asarray(counts, dtype=float)
    n_voxels = (m * np.arange(1, m.shape[2] + 1)[None, None, :]).sum(axis=(1, 2))
    return run_length_like_features(m, n_voxels)[:, _COLUMNS]


def glrlm_features(discretised: np.ndarray, mask: np.ndarray, n_levels: int, *,
                   aggregations: tuple[str, ...] | None = None) -> dict[str, float]:
    """The 16 IBSI GLRLM features in the requested aggregations (all six by default: 96 tags).

    ``aggregations`` is a subset of ``("2D_avg", "2D_comb", "2_5D_avg", "2_5D_comb", "3D_avg", "3D_comb")``
    (tag suffixes, e.g. ``rlm_sre_3D_comb``); formulas in :func:`glrlm_feature_vector`.

    Examples
    --------
    >>> import numpy as np
    >>> f = glrlm_features(np.ones((2, 2), int), np.ones((2, 2), bool), 1)
    >>> f["rlm_r_perc_2_5D_comb"]  # 4 directions: 2+2+3+3 runs over 4 x 4 voxels
    0.625
    """
    which = check_aggregations(aggregations, DIRECTIONAL_AGGREGATIONS)
    mats = glrlm_matrices(discretised, mask, n_levels)
    aggregated = directional_aggregations(mats.per_slice, mats.volume, glrlm_feature_vector, which)
    return to_tags("rlm_", GLRLM_FEATURES, aggregated)


def compute_glrlm(inp: FeatureInput) -> dict[str, float]:
    return glrlm_features(inp.discretised, inp.intensity_mask, inp.n_levels,
                          aggregations=inp.settings.texture.aggregations)


compute_glrlm.__doc__ = (
    "GLRLM features (IBSI family TP0I) of a :class:`~ferrokit.radiomics.registry.FeatureInput`, for the\n"
    "aggregations of ``inp.settings.texture``; see :func:`glrlm_features`.\n\n"
    "Formulas (IBSI 1 manual):\n" + (glrlm_feature_vector.__doc__ or ""))

GLRLM_TAGS: tuple[str, ...] = tuple(f"rlm_{f}_{a}" for f in GLRLM_FEATURES for a in DIRECTIONAL_AGGREGATIONS)
register("glrlm", list(GLRLM_TAGS), compute_glrlm,
         {f"rlm_{f}_{a}": GLRLM_CODES[f] for f in GLRLM_FEATURES for a in DIRECTIONAL_AGGREGATIONS})
