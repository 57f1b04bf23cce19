"""Neighbourhood grey tone difference matrix (NGTDM) features, IBSI 1 family IPET (5 features × 3 aggregations).

For every ROI voxel :math:`k` of grey level :math:`i`, :math:`\\overline{X}_k` is the mean grey level of its
ROI neighbours within Chebyshev distance :math:`\\delta` (the voxel itself excluded; in-plane only in 2D).
Voxels with at least one ROI neighbour (:math:`W_k>0`) contribute :math:`s_i \\mathrel{+}= |i-\\overline{X}_k|`
and :math:`n_i \\mathrel{+}= 1`; :math:`N_{v,c}=\\sum n_i`, :math:`p_i=n_i/N_{v,c}` and :math:`N_{g,p}` is the
number of grey levels with :math:`p_i>0`.

Reference: Zwanenburg et al., Radiology 295(2):328-338 (2020), doi:10.1148/radiol.2020191145, and the IBSI 1
reference manual (arXiv:1612.07003), section "Neighbourhood grey tone difference based features" (after
Amadasun & King, IEEE Trans Syst Man Cybern 19:1264, 1989; busyness as corrected by Hatt et al.) — verified
against the manual text and the digital-phantom consensus table (``tests/radiomics/test_texture_ngtdm.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ferrokit.radiomics.registry import FeatureInput, register
from ferrokit.radiomics.texture import _kernels
from ferrokit.radiomics.texture.aggregation import (
    SLICE_AGGREGATIONS,
    check_aggregations,
    check_positive_int,
    prepare,
    slice_aggregations,
    to_tags,
)

__all__ = ["NGTDM_CODES", "NGTDM_FEATURES", "NGTDMMatrices", "ngtdm_feature_vector", "ngtdm_features",
           "ngtdm_matrices"]

#: IBSI feature names (tag ``ngt_{name}_{2D|2_5D|3D}``).
NGTDM_FEATURES: tuple[str, ...] = ("coarseness", "contrast", "busyness", "complexity", "strength")

#: IBSI identifiers of the NGTDM features (IBSI 1 reference manual).
NGTDM_CODES: dict[str, str] = {"coarseness": "QCDE", "contrast": "65HE", "busyness": "NQ30",
                               "complexity": "HDEZ", "strength": "1X9X"}

#: IBSI's explicit maximum of coarseness when :math:`\sum p_i s_i = 0`.
COARSENESS_MAX = 1.0e6


@dataclass(frozen=True)
class NGTDMMatrices:
    """Grey tone difference sums ``s`` and voxel counts ``n`` per grey level (index ``i - 1``).

    Attributes
    ----------
    s_per_slice, n_per_slice : ndarray, shape (nz, N_g)
        2D neighbourhoods (in-plane) of each slice.
    s_volume, n_volume : ndarray, shape (N_g,)
        3D neighbourhoods.
    """

    s_per_slice: np.ndarray
    n_per_slice: np.ndarray
    s_volume: np.ndarray
    n_volume: np.ndarray


def ngtdm_matrices(discretised: np.ndarray, mask: np.ndarray, n_levels: int, *, distance: int = 1) -> NGTDMMatrices:
    """Build the per-slice (2D) and volume (3D) NGTDMs of an ROI in one pass.

    Examples
    --------
    >>> import numpy as np
    >>> m = ngtdm_matrices(np.array([[1, 2, 3]]), np.ones((1, 3), bool), 3)
    >>> m.s_volume.tolist(), m.n_volume.tolist()  # |1-2|, |2-(1+3)/2|, |3-2|
    ([1.0, 0.0, 1.0], [1, 1, 1])
    """
    disc, n_levels, _ = prepare(discretised, mask, n_levels)
    distance = check_positive_int("distance", distance)
    s2, n2, s3, n3 = _kernels.ngtdm_sums(disc, n_levels, distance)
    return NGTDMMatrices(s_per_slice=s2, n_per_slice=n2, s_volume=s3, n_volume=n3)


def ngtdm_feature_vector(s: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The 5 NGTDM features of stacks ``s``, ``n`` of shape ``(K, N_g)`` (:data:`NGTDM_FEATURES` order).

    * coarseness :math:`1/\\sum_i p_i s_i` (capped at :math:`10^6` when the sum is 0)
    * contrast :math:`\\left(\\frac{1}{N_{g,p}(N_{g,p}-1)}\\sum_{i_1}\\sum_{i_2} p_{i_1}p_{i_2}(i_1-i_2)^2\\right)
      \\frac{1}{N_{v,c}}\\sum_i s_i` (0 when :math:`N_{g,p}=1`)
    * busyness :math:`\\sum_i p_i s_i / \\sum_{i_1}\\sum_{i_2}|i_1 p_{i_1}-i_2 p_{i_2}|` (0 when :math:`N_{g,p}=1`)
    * complexity :math:`\\frac{1}{N_{v,c}}\\sum_{i_1}\\sum_{i_2}|i_1-i_2|\\frac{p_{i_1}s_{i_1}+p_{i_2}s_{i_2}}
      {p_{i_1}+p_{i_2}}`
    * strength :math:`\\sum_{i_1}\\sum_{i_2}(p_{i_1}+p_{i_2})(i_1-i_2)^2/\\sum_i s_i` (0 when :math:`\\sum s_i=0`)

    Double sums run over grey levels with :math:`p>0`. Rows without any voxel (:math:`N_{v,c}=0`) are nan.
    """
    s = np.asarray(s, dtype=float)
    n = np.asarray(n, dtype=float)
    ng = s.shape[1]
    lv = np.arange(1, ng + 1, dtype=float)
    nvc = n.sum(axis=1)
    ok = nvc > 0
    p = n / np.where(ok, nvc, 1.0)[:, None]
    present = p > 0
    both = present[:, :, None] & present[:, None, :]
    ngp = present.sum(axis=1)
    ps = (p * s).sum(axis=1)
    s_sum = s.sum(axis=1)
    d = lv[:, None] - lv[None, :]
    pp = p[:, :, None] * p[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        coarse = np.where(ps > 0, 1.0 / np.where(ps > 0, ps, 1.0), COARSENESS_MAX)
        pair_den = np.where(ngp > 1, ngp * (ngp - 1), 1)
        contrast = np.where(ngp > 1, (pp * d**2).sum(axis=(1, 2)) / pair_den * s_sum / np.where(ok, nvc, 1.0), 0.0)
        ip = lv[None, :] * p
        busy_den = np.where(both, np.abs(ip[:, :, None] - ip[:, None, :]), 0.0).sum(axis=(1, 2))
        busy = np.where((ngp > 1) & (busy_den > 0), ps / np.where(busy_den > 0, busy_den, 1.0), 0.0)
        psi = p * s
        psum = p[:, :, None] + p[:, None, :]
        frac = np.where(both, (psi[:, :, None] + psi[:, None, :]) / np.where(psum > 0, psum, 1.0), 0.0)
        complexity = (np.abs(d)[None] * frac).sum(axis=(1, 2)) / np.where(ok, nvc, 1.0)
        strength_num = np.where(both, psum * d**2, 0.0).sum(axis=(1, 2))
        strength = np.where(s_sum > 0, strength_num / np.where(s_sum > 0, s_sum, 1.0), 0.0)
    out = np.column_stack([coarse, contrast, busy, complexity, strength])
    out[~ok] = np.nan
    return out


def ngtdm_features(discretised: np.ndarray, mask: np.ndarray, n_levels: int, *, distance: int = 1,
                   aggregations: tuple[str, ...] | None = None) -> dict[str, float]:
    """The 5 IBSI NGTDM features in the requested aggregations (default ``2D``, ``2_5D``, ``3D``: 15 tags).

    2D: features per slice (in-plane neighbourhoods), averaged over slices; 2.5D: :math:`s_i` and :math:`n_i`
    summed over slices; 3D: 3D neighbourhoods.

    Examples
    --------
    >>> import numpy as np
    >>> f = ngtdm_features(np.array([[1, 2, 3]]), np.ones((1, 3), bool), 3)
    >>> f["ngt_coarseness_3D"]  # 1 / (1/3 * 1 + 1/3 * 0 + 1/3 * 1)
    1.5
    """
    which = check_aggregations(aggregations, SLICE_AGGREGATIONS)
    m = ngtdm_matrices(discretised, mask, n_levels, distance=distance)
    # stack (s, n) as a (2, N_g) "matrix" so that merging slices sums both, as IBSI requires
    per_slice = np.stack([m.s_per_slice, m.n_per_slice.astype(float)], axis=1)
    volume = np.stack([m.s_volume, m.n_volume.astype(float)])
    with_voxels = m.n_per_slice.sum(axis=1)
    aggregated = slice_aggregations(per_slice, volume, with_voxels, float(m.n_volume.sum()),
                                    lambda sn, _nv: ngtdm_feature_vector(sn[:, 0], sn[:, 1]), which)
    return to_tags("ngt_", NGTDM_FEATURES, aggregated)


def compute_ngtdm(inp: FeatureInput) -> dict[str, float]:
    return ngtdm_features(inp.discretised, inp.intensity_mask, inp.n_levels, distance=inp.settings.texture.distance,
                          aggregations=inp.settings.texture.spatial_modes)


compute_ngtdm.__doc__ = (
    "NGTDM features (IBSI family IPET) of a :class:`~ferrokit.radiomics.registry.FeatureInput`, with the\n"
    "distance and spatial modes of ``inp.settings.texture``; see :func:`ngtdm_features`.\n\n"
    "Formulas (IBSI 1 manual):\n" + (ngtdm_feature_vector.__doc__ or ""))

NGTDM_TAGS: tuple[str, ...] = tuple(f"ngt_{f}_{a}" for f in NGTDM_FEATURES for a in SLICE_AGGREGATIONS)
register("ngtdm", list(NGTDM_TAGS), compute_ngtdm,
         {f"ngt_{f}_{a}": NGTDM_CODES[f] for f in NGTDM_FEATURES for a in SLICE_AGGREGATIONS})
