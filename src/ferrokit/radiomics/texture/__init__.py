"""IBSI 1 texture-matrix features: GLCM, GLRLM, GLSZM, GLDZM, NGTDM and NGLDM.

Importing this package registers all six families with :mod:`ferrokit.radiomics.registry` (408 tags: GLCM
150, GLRLM 96, GLSZM 48, GLDZM 48, NGTDM 15, NGLDM 51). The core functions take plain arrays, indexed
``(z, y, x)`` (a 2D ``(y, x)`` array is one slice), with discretised grey levels ``1..n_levels`` inside the ROI
mask, and return ``{IBSI tag: value}``::

    glcm_features(discretised, mask, n_levels, *, distance=1, aggregations=None)
    glrlm_features(discretised, mask, n_levels, *, aggregations=None)
    glszm_features(discretised, mask, n_levels, *, aggregations=None)
    gldzm_features(discretised, mask, n_levels, *, morphological_mask=None, aggregations=None)
    ngtdm_features(discretised, mask, n_levels, *, distance=1, aggregations=None)
    ngldm_features(discretised, mask, n_levels, *, distance=1, alpha=0, aggregations=None)

The matrices themselves are available from the ``*_matrices`` functions. Definitions and aggregation methods:
``docs/radiomics_texture.md`` and :mod:`ferrokit.radiomics.texture.aggregation`.
"""

from ferrokit.radiomics.texture.aggregation import DIRECTIONAL_AGGREGATIONS, SLICE_AGGREGATIONS
from ferrokit.radiomics.texture.glcm import GLCM_FEATURES, GLCM_TAGS, glcm_features, glcm_matrices
from ferrokit.radiomics.texture.gldzm import GLDZM_FEATURES, GLDZM_TAGS, gldzm_features, gldzm_matrices
from ferrokit.radiomics.texture.glrlm import GLRLM_FEATURES, GLRLM_TAGS, glrlm_features, glrlm_matrices
from ferrokit.radiomics.texture.glszm import GLSZM_FEATURES, GLSZM_TAGS, glszm_features, glszm_matrices
from ferrokit.radiomics.texture.ngldm import NGLDM_FEATURES, NGLDM_TAGS, ngldm_features, ngldm_matrices
from ferrokit.radiomics.texture.ngtdm import NGTDM_FEATURES, NGTDM_TAGS, ngtdm_features, ngtdm_matrices

#: Every texture tag, family by family in IBSI order.
TEXTURE_TAGS: tuple[str, ...] = GLCM_TAGS + GLRLM_TAGS + GLSZM_TAGS + GLDZM_TAGS + NGTDM_TAGS + NGLDM_TAGS

__all__ = [
    "DIRECTIONAL_AGGREGATIONS", "GLCM_FEATURES", "GLDZM_FEATURES", "GLRLM_FEATURES", "GLSZM_FEATURES",
    "NGLDM_FEATURES", "NGTDM_FEATURES", "SLICE_AGGREGATIONS", "TEXTURE_TAGS", "glcm_features", "glcm_matrices",
    "gldzm_features", "gldzm_matrices", "glrlm_features", "glrlm_matrices", "glszm_features", "glszm_matrices",
    "ngldm_features", "ngldm_matrices", "ngtdm_features", "ngtdm_matrices",
]
