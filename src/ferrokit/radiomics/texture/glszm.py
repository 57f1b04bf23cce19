"""Grey level size zone matrix (GLSZM) features, IBSI 1 family 9SAK (16 features × 3 aggregations).

A zone is a group of linked ROI voxels with the same grey level: 8-connected within a slice (2D) or
26-connected (3D). Element :math:`s_{ij}` counts the zones of grey level :math:`i` and size :math:`j`.

Reference: Zwanenburg et al., Radiology 295(2):328-338 (2020), doi:10.1148/radiol.2020191145, and the IBSI 1
reference manual (arXiv:1612.07003), section "Grey level size zone based features" (after Thibault et al.,
IEEE Trans Biomed Eng 61:630, 2014) — definitions verified against the manual text; values verified against
the digital-phantom consensus table (``tests/radiomics/test_texture_glszm.py``).
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
    prepare,
    run_length_like_features,
    slice_aggregations,
    to_tags,
)

__all__ = ["GLSZM_CODES", "GLSZM_FEATURES", "GLSZMMatrices", "glszm_feature_vector", "glszm_features",
           "glszm_matrices", "zone_matrix"]

#: IBSI feature names (tag ``szm_{name}_{2D|2_5D|3D}``).
GLSZM_FEATURES: tuple[str, ...] = ("sze", "lze", "lgze", "hgze", "szlge", "szhge", "lzlge", "lzhge", "glnu",
                                   "glnu_norm", "zsnu", "zsnu_norm", "z_perc", "gl_var", "zs_var", "zs_entr")

#: IBSI identifiers (IBSI 1 reference manual; ``sze`` is absent from the reference table used here and was
#: taken from the manual's feature list — seen-secondary).
GLSZM_CODES: dict[str, str] = {
    "sze": "5QRC", "lze": "48P8", "lgze": "XMSY", "hgze": "5GN9", "szlge": "5RAI", "szhge": "HW1V",
    "lzlge": "YH51", "lzhge": "J17V", "glnu": "JNSA", "glnu_norm": "Y1RO", "zsnu": "4JP3", "zsnu_norm": "VB3A",
    "z_perc": "P30P", "gl_var": "BYLV", "zs_var": "3NSA", "zs_entr": "GU8N",
}

#: Columns of the run-length-like feature vector that the zone matrices (GLSZM and GLDZM) report, in IBSI order.
ZONE_FEATURE_COLUMNS = [RL_FEATURES.index(n) for n in ("se", "le", "lge", "hge", "slge", "shge", "llge", "lhge",
                                                       "glnu", "glnu_norm", "jnu", "jnu_norm", "perc", "gl_var",
                                                       "j_var", "entr")]


@dataclass(frozen=True)
class GLSZMMatrices:
    """Zone counts ``s[i - 1, j - 1]`` (grey level ``i``, zone size ``j``) and voxel counts.

    Attributes
    ----------
    per_slice : ndarray of int64, shape (nz, N_g, N_z)
        Zones found within each slice (8-connectivity).
    volume : ndarray of int64, shape (N_g, N_z)
        Zones of the volume (26-connectivity).
    voxels_per_slice : ndarray of int64, shape (nz,)
        ROI voxels of each slice (:math:`N_v` of the slice matrices).
    """

    per_slice: np.ndarray
    volume: np.ndarray
    voxels_per_slice: np.ndarray


def zone_matrix(level: np.ndarray, index: np.ndarray, n_levels: int, n_columns: int,
                group: np.ndarray | None = None, n_groups: int = 1) -> np.ndarray:
    """Histogram of zones by grey level and a 1-based second index (size or distance), optionally per group."""
    if group is None:
        group = np.zeros(len(level), dtype=np.int64)
    out = np.zeros((n_groups, n_levels, n_columns), dtype=np.int64)
    np.add.at(out, (group, level - 1, index - 1), 1)
    return out


def glszm_matrices(discretised: np.ndarray, mask: np.ndarray, n_levels: int) -> GLSZMMatrices:
    """Build the per-slice (2D) and volume (3D) GLSZMs of an ROI.

    Examples
    --------
    >>> import numpy as np
    >>> m = glszm_matrices(np.array([[1, 1, 2], [2, 1, 2]]), np.ones((2, 3), bool), 2)
    >>> m.volume.tolist()  # one zone of three 1s; the 2s at (0,2),(1,2) form one zone, (1,0) another
    [[0, 0, 1], [1, 1, 0]]
    """
    disc, n_levels, _ = prepare(discretised, mask, n_levels)
    dummy = np.zeros(disc.shape, dtype=np.int32)
    lv2, sz2, _, sl2 = _kernels.zone_table(disc, dummy, True)
    lv3, sz3, _, _ = _kernels.zone_table(disc, dummy, False)
    n_cols = int(max(sz3.max(), 1))
    nz = disc.shape[0]
    per_slice = zone_matrix(lv2, sz2, n_levels, n_cols, sl2, nz)
    volume = zone_matrix(lv3, sz3, n_levels, n_cols)[0]
    voxels = (disc > 0).sum(axis=(1, 2)).astype(np.int64)
    return GLSZMMatrices(per_slice=per_slice, volume=volume, voxels_per_slice=voxels)


def glszm_feature_vector(counts: np.ndarray, n_voxels: np.ndarray) -> np.ndarray:
    """The 16 GLSZM features (:data:`GLSZM_FEATURES` order) of a stack ``(K, N_g, N_z)`` of zone counts.

    With :math:`s_{ij}` the zones of grey level :math:`i` and size :math:`j`, :math:`N_s=\\sum s_{ij}` and
    :math:`N_v` the ROI voxels: small / large zone emphasis :math:`\\sum_j s_{.j} j^{\\mp2}/N_s`, low / high grey
    level zone emphasis :math:`\\sum_i s_{i.} i^{\\mp2}/N_s`, the four combined emphases
    :math:`\\sum s_{ij} i^{\\mp2} j^{\\mp2}/N_s`, grey level and zone size non-uniformity
    :math:`\\sum s_{i.}^2/N_s`, :math:`\\sum s_{.j}^2/N_s` (normalised: :math:`/N_s^2`), zone percentage
    :math:`N_s/N_v`, grey level / zone size variance and zone size entropy of :math:`p_{ij}=s_{ij}/N_s`.
    """
    return run_length_like_features(counts, n_voxels)[:, ZONE_FEATURE_COLUMNS]


def glszm_features(discretised: np.ndarray, mask: np.ndarray, n_levels: int, *,
                   aggregations: tuple[str, ...] | None = None) -> dict[str, float]:
    """The 16 IBSI GLSZM features in the requested aggregations (default ``2D``, ``2_5D``, ``3D``: 48 tags).

    2D: features of each slice's matrix, averaged over slices; 2.5D: slice matrices merged (and :math:`N_v`
    summed); 3D: one matrix of 26-connected zones. Formulas in :func:`glszm_feature_vector`.

    Examples
    --------
    >>> import numpy as np
    >>> f = glszm_features(np.array([[1, 2], [2, 1]]), np.ones((2, 2), bool), 2)
    >>> f["szm_z_perc_3D"]  # the diagonal 1s and the diagonal 2s are 8-connected: 2 zones / 4 voxels
    0.5
    """
    which = check_aggregations(aggregations, SLICE_AGGREGATIONS)
    mats = glszm_matrices(discretised, mask, n_levels)
    aggregated = slice_aggregations(mats.per_slice, mats.volume, mats.voxels_per_slice,
                                    float(mats.voxels_per_slice.sum()), glszm_feature_vector, which)
    return to_tags("szm_", GLSZM_FEATURES, aggregated)


def compute_glszm(inp: FeatureInput) -> dict[str, float]:
    return glszm_features(inp.discretised, inp.intensity_mask, inp.n_levels,
                          aggregations=inp.settings.texture.spatial_modes)


compute_glszm.__doc__ = (
    "GLSZM features (IBSI family 9SAK) of a :class:`~ferrokit.radiomics.registry.FeatureInput`, for the\n"
    "spatial modes (2D / 2.5D / 3D) of ``inp.settings.texture``; see :func:`glszm_features`.\n\n"
    "Formulas (IBSI 1 manual):\n" + (glszm_feature_vector.__doc__ or ""))

GLSZM_TAGS: tuple[str, ...] = tuple(f"szm_{f}_{a}" for f in GLSZM_FEATURES for a in SLICE_AGGREGATIONS)
register("glszm", list(GLSZM_TAGS), compute_glszm,
         {f"szm_{f}_{a}": GLSZM_CODES[f] for f in GLSZM_FEATURES for a in SLICE_AGGREGATIONS})
