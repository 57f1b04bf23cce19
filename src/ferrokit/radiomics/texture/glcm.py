"""Grey level co-occurrence matrix (GLCM) features, IBSI 1 family LFYI (25 features × 6 aggregations).

Reference: Zwanenburg A, Vallières M, et al. "The Image Biomarker Standardization Initiative: standardized
quantitative radiomics for high-throughput image-based phenotyping." Radiology 295(2):328-338 (2020),
doi:10.1148/radiol.2020191145, and the IBSI 1 reference manual (arXiv:1612.07003, section "Grey level
co-occurrence based features") — definitions verified against the manual text; values verified against the
digital-phantom consensus table (see ``tests/radiomics/test_texture_glcm.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ferrokit.radiomics.registry import FeatureInput, register
from ferrokit.radiomics.texture import _kernels
from ferrokit.radiomics.texture.aggregation import (
    DIRECTIONAL_AGGREGATIONS,
    _entropy,
    check_aggregations,
    check_positive_int,
    directional_aggregations,
    directions,
    prepare,
    to_tags,
)

__all__ = ["GLCM_CODES", "GLCM_FEATURES", "GLCMMatrices", "glcm_feature_vector", "glcm_features", "glcm_matrices"]

#: Feature names in IBSI order; the tag of feature ``f`` with aggregation ``a`` is ``cm_{f}_{a}``.
GLCM_FEATURES: tuple[str, ...] = (
    "joint_max", "joint_avg", "joint_var", "joint_entr", "diff_avg", "diff_var", "diff_entr", "sum_avg",
    "sum_var", "sum_entr", "energy", "contrast", "dissimilarity", "inv_diff", "inv_diff_norm", "inv_diff_mom",
    "inv_diff_mom_norm", "inv_var", "corr", "auto_corr", "clust_tend", "clust_shade", "clust_prom",
    "info_corr1", "info_corr2",
)

#: IBSI identifiers of the GLCM features (IBSI 1 reference manual).
GLCM_CODES: dict[str, str] = {
    "joint_max": "GYBY", "joint_avg": "60VM", "joint_var": "UR99", "joint_entr": "TU9B", "diff_avg": "TF7R",
    "diff_var": "D3YU", "diff_entr": "NTRS", "sum_avg": "ZGXS", "sum_var": "OEEB", "sum_entr": "P6QZ",
    "energy": "8ZQL", "contrast": "ACUI", "dissimilarity": "8S9J", "inv_diff": "IB1Z", "inv_diff_norm": "NDRX",
    "inv_diff_mom": "WF0Z", "inv_diff_mom_norm": "1QCO", "inv_var": "E8JP", "corr": "NI2N", "auto_corr": "QWB0",
    "clust_tend": "DG8W", "clust_shade": "7NFM", "clust_prom": "AE86", "info_corr1": "R8DG", "info_corr2": "JN9H",
}


@dataclass(frozen=True)
class GLCMMatrices:
    """Symmetric co-occurrence counts (not normalised).

    Attributes
    ----------
    per_slice : ndarray of int64, shape (nz, 4, N_g, N_g)
        In-plane matrices of each slice of the ROI bounding box, for the directions ``(dy, dx)`` =
        (0, 1), (1, 1), (1, 0), (1, -1) (times ``distance``).
    volume : ndarray of int64, shape (9, N_g, N_g)
        Out-of-plane matrices (``dz = 1``) over the whole volume; the 3D matrices are these plus
        ``per_slice.sum(axis=0)``.
    """

    per_slice: np.ndarray
    volume: np.ndarray

    def matrices_3d(self) -> np.ndarray:
        """The 13 directional 3D matrices, shape (13, N_g, N_g)."""
        return np.concatenate([self.per_slice.sum(axis=0), self.volume], axis=0)


def glcm_matrices(discretised: np.ndarray, mask: np.ndarray, n_levels: int, *, distance: int = 1) -> GLCMMatrices:
    """Build all directional GLCMs of an ROI in one pass over its voxels.

    Element :math:`(i, j)` counts the neighbour pairs at offset :math:`+\\mathbf{m}` and :math:`-\\mathbf{m}`
    with grey levels :math:`i` and :math:`j` (both inside the ROI), so each matrix is symmetric:
    :math:`\\mathbf{M}_\\mathbf{m} = \\mathbf{M}_{\\mathbf{m}+} + \\mathbf{M}_{\\mathbf{m}+}^T` (IBSI).

    Parameters
    ----------
    discretised : array_like of int, shape (nz, ny, nx) or (ny, nx)
        Grey levels ``1..n_levels`` inside ``mask`` (values outside are ignored).
    mask : array_like of bool, same shape
        ROI intensity mask.
    n_levels : int
        Number of grey levels :math:`N_g` (matrix size).
    distance : int
        Chebyshev distance :math:`\\delta` of the neighbours (IBSI default 1).

    Examples
    --------
    >>> import numpy as np
    >>> m = glcm_matrices(np.array([[1, 2, 2]]), np.ones((1, 3), bool), 2)
    >>> m.per_slice[0, 0].tolist()  # direction (0, 1): pairs (1,2) and (2,2), both ways
    [[0, 1], [1, 2]]
    """
    disc, n_levels, _ = prepare(discretised, mask, n_levels)
    distance = check_positive_int("distance", distance)
    per_slice, volume = _kernels.cooccurrence_counts(disc, directions(distance), 4, n_levels)
    return GLCMMatrices(per_slice=per_slice, volume=volume)


def glcm_feature_vector(counts: np.ndarray, n_levels: int) -> np.ndarray:
    """The 25 GLCM features (in :data:`GLCM_FEATURES` order) of a stack of count matrices ``(K, N_g, N_g)``.

    With :math:`p_{ij}` the normalised (symmetric) matrix, marginals :math:`p_{i.}`, :math:`\\mu=\\sum i p_{i.}`,
    :math:`\\sigma^2=\\sum (i-\\mu)^2 p_{i.}`, diagonal and cross-diagonal probabilities
    :math:`p_{i-j,k}=\\sum p_{ij}[k=|i-j|]` and :math:`p_{i+j,k}=\\sum p_{ij}[k=i+j]` (IBSI 1 manual):

    * joint maximum :math:`\\max p_{ij}`; joint average :math:`\\mu`; joint variance
      :math:`\\sum (i-\\mu)^2 p_{ij}`; joint entropy :math:`-\\sum p_{ij}\\log_2 p_{ij}`
    * difference average / variance / entropy: mean :math:`\\mu_d=\\sum k p_{i-j,k}`, :math:`\\sum (k-\\mu_d)^2
      p_{i-j,k}`, :math:`-\\sum p_{i-j,k}\\log_2 p_{i-j,k}`; sum average / variance / entropy likewise over
      :math:`p_{i+j,k}`
    * energy :math:`\\sum p_{ij}^2`; contrast :math:`\\sum (i-j)^2 p_{ij}`; dissimilarity :math:`\\sum |i-j| p_{ij}`
    * inverse difference :math:`\\sum p_{ij}/(1+|i-j|)`, normalised :math:`\\sum p_{ij}/(1+|i-j|/N_g)`;
      inverse difference moment :math:`\\sum p_{ij}/(1+(i-j)^2)`, normalised :math:`\\sum p_{ij}/(1+(i-j)^2/N_g^2)`;
      inverse variance :math:`\\sum_{k\\ge1} p_{i-j,k}/k^2`
    * correlation :math:`(\\sum ij\\,p_{ij}-\\mu^2)/\\sigma^2`; autocorrelation :math:`\\sum ij\\,p_{ij}`;
      cluster tendency / shade / prominence :math:`\\sum (i+j-2\\mu)^{2,3,4} p_{ij}`
    * information correlation 1 :math:`(HXY-HXY_1)/HX` and 2 :math:`\\sqrt{1-\\exp(-2(HXY_2-HXY))}` with
      :math:`HXY=-\\sum p_{ij}\\log_2 p_{ij}`, :math:`HX=-\\sum p_{i.}\\log_2 p_{i.}`,
      :math:`HXY_1=-\\sum p_{ij}\\log_2(p_{i.}p_{.j})`, :math:`HXY_2=-\\sum p_{i.}p_{.j}\\log_2(p_{i.}p_{.j})`.

    :math:`N_g` is ``n_levels``. Rows of empty matrices are nan; correlation is nan when :math:`\\sigma=0` and
    information correlation 1 when :math:`HX=0` (a single grey level: 0/0).
    """
    m = np.asarray(counts, dtype=float)
    k, ng, _ = m.shape
    total = m.sum(axis=(1, 2))
    ok = total > 0
    p = m / np.where(ok, total, 1.0)[:, None, None]
    lv = np.arange(1, ng + 1, dtype=float)
    ii = lv[:, None]
    jj = lv[None, :]
    absdiff = np.abs(ii - jj)
    pi = p.sum(axis=2)
    mu = pi @ lv
    var = ((lv[None, :] - mu[:, None]) ** 2 * pi).sum(axis=1)
    # diagonal (|i-j| = 0..Ng-1) and cross-diagonal (i+j = 2..2Ng) probabilities
    diff_idx = absdiff.astype(np.int64).ravel()
    sum_idx = (ii + jj - 2).astype(np.int64).ravel()
    flat = p.reshape(k, ng * ng)
    p_diff = np.zeros((k, ng))
    p_sum = np.zeros((k, 2 * ng - 1))
    for row in range(k):
        p_diff[row] = np.bincount(diff_idx, weights=flat[row], minlength=ng)
        p_sum[row] = np.bincount(sum_idx, weights=flat[row], minlength=2 * ng - 1)
    kd = np.arange(ng, dtype=float)
    ks = np.arange(2, 2 * ng + 1, dtype=float)
    mu_d = p_diff @ kd
    mu_s = p_sum @ ks
    hxy = _entropy(p, (1, 2))
    hx = _entropy(pi, (1,))
    pipj = pi[:, :, None] * pi[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_pipj = np.where(pipj > 0, np.log2(np.where(pipj > 0, pipj, 1.0)), 0.0)
        hxy1 = -(p * log_pipj).sum(axis=(1, 2))
        hxy2 = -(pipj * log_pipj).sum(axis=(1, 2))
        auto = (p * ii * jj).sum(axis=(1, 2))
        corr = np.where(var > 0, (auto - mu**2) / np.where(var > 0, var, 1.0), np.nan)
        info1 = np.where(hx > 0, (hxy - hxy1) / np.where(hx > 0, hx, 1.0), np.nan)
    info2 = np.sqrt(np.clip(1.0 - np.exp(-2.0 * (hxy2 - hxy)), 0.0, None))
    centred = ii + jj - 2.0 * mu[:, None, None]
    out = np.column_stack([
        p.max(axis=(1, 2)),
        mu,
        var,
        hxy,
        mu_d,
        ((kd[None, :] - mu_d[:, None]) ** 2 * p_diff).sum(axis=1),
        _entropy(p_diff, (1,)),
        mu_s,
        ((ks[None, :] - mu_s[:, None]) ** 2 * p_sum).sum(axis=1),
        _entropy(p_sum, (1,)),
        (p**2).sum(axis=(1, 2)),
        (p * absdiff**2).sum(axis=(1, 2)),
        (p * absdiff).sum(axis=(1, 2)),
        (p / (1.0 + absdiff)).sum(axis=(1, 2)),
        (p / (1.0 + absdiff / n_levels)).sum(axis=(1, 2)),
        (p / (1.0 + absdiff**2)).sum(axis=(1, 2)),
        (p / (1.0 + (absdiff / n_levels) ** 2)).sum(axis=(1, 2)),
        p_diff[:, 1:] @ (1.0 / kd[1:] ** 2),
        corr,
        auto,
        (p * centred**2).sum(axis=(1, 2)),
        (p * centred**3).sum(axis=(1, 2)),
        (p * centred**4).sum(axis=(1, 2)),
        info1,
        info2,
    ])
    out[~ok] = np.nan
    return out


def glcm_features(discretised: np.ndarray, mask: np.ndarray, n_levels: int, *, distance: int = 1,
                  aggregations: tuple[str, ...] | None = None) -> dict[str, float]:
    """The 25 IBSI GLCM features in the requested aggregations (all six by default: 150 tags).

    Parameters are those of :func:`glcm_matrices`, plus ``aggregations``: a subset of ``("2D_avg", "2D_comb",
    "2_5D_avg", "2_5D_comb", "3D_avg", "3D_comb")`` (tag suffixes, e.g. ``cm_joint_max_3D_comb``). The feature
    formulas are listed in :func:`glcm_feature_vector`, the aggregation methods in
    :mod:`ferrokit.radiomics.texture.aggregation`.

    Examples
    --------
    >>> import numpy as np
    >>> f = glcm_features(np.array([[1, 2], [2, 1]]), np.ones((2, 2), bool), 2)
    >>> round(f["cm_contrast_2_5D_comb"], 4)  # horizontal/vertical pairs differ, diagonal pairs do not
    0.6667
    """
    which = check_aggregations(aggregations, DIRECTIONAL_AGGREGATIONS)
    mats = glcm_matrices(discretised, mask, n_levels, distance=distance)
    n_levels = int(n_levels)
    aggregated = directional_aggregations(mats.per_slice, mats.volume,
                                          lambda stack: glcm_feature_vector(stack, n_levels), which)
    return to_tags("cm_", GLCM_FEATURES, aggregated)


def compute_glcm(inp: FeatureInput) -> dict[str, float]:
    return glcm_features(inp.discretised, inp.intensity_mask, inp.n_levels, distance=inp.settings.texture.distance,
                         aggregations=inp.settings.texture.aggregations)


compute_glcm.__doc__ = (
    "GLCM features (IBSI family LFYI) of a :class:`~ferrokit.radiomics.registry.FeatureInput`, for the\n"
    "aggregations and Chebyshev distance of ``inp.settings.texture``; see :func:`glcm_features`.\n\n"
    "Formulas (IBSI 1 manual):\n" + (glcm_feature_vector.__doc__ or ""))

GLCM_TAGS: tuple[str, ...] = tuple(f"cm_{f}_{a}" for f in GLCM_FEATURES for a in DIRECTIONAL_AGGREGATIONS)
register("glcm", list(GLCM_TAGS), compute_glcm,
         {f"cm_{f}_{a}": GLCM_CODES[f] for f in GLCM_FEATURES for a in DIRECTIONAL_AGGREGATIONS})
