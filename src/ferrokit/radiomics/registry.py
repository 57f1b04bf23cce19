"""The explicit registry of IBSI 1 features: tag → (IBSI code, family, compute function).

Contract for feature families (read this before writing one)
------------------------------------------------------------
A family is a module that, **at import time**, calls :func:`register` once::

    from ferrokit.radiomics.registry import FeatureInput, register

    def compute_glcm(inp: FeatureInput) -> dict[str, float]:
        '''GLCM features.  Formulas: ... (each feature's IBSI formula, in :math:) ...'''
        ...
        return {"cm_joint_max_3D_comb": 0.509, ...}

    register("glcm", tags=[...every tag the family can return...], compute=compute_glcm,
             codes={"cm_joint_max_3D_comb": "GYBY", ...})

A family may call :func:`register` more than once with different compute functions (e.g. one per
aggregation); each tag belongs to exactly one compute function.

* ``family`` is a short lowercase name (``morphology``, ``local_intensity``, ``statistics``,
  ``intensity_histogram``, ``ivh``, ``glcm``, ``glrlm``, ``glszm``, ``gldzm``, ``ngtdm``, ``ngldm``); it is
  what ``settings.families`` and ``ibsi-check --family`` select.
* ``tags`` are the IBSI tags *exactly* as in the digital-phantom reference table (``morph_volume``,
  ``stat_kurt``, ``cm_joint_max_2_5D_avg``, ``szm_sze_2D``): one tag per feature × aggregation.
* ``codes`` maps every tag to its four-character IBSI identifier (from the IBSI 1 manual, e.g. ``GYBY``);
  tags of the same feature in different aggregations share a code.
* ``compute(inp)`` receives a :class:`FeatureInput` and returns ``{tag: value}`` for a subset of the
  registered tags (for example only the aggregations ``inp.settings.texture.aggregations`` asks for). It must
  return plain Python floats (``nan`` only where IBSI defines the feature as undefined, e.g. a zero
  denominator), must not modify the arrays, and must not return unregistered tags
  (:func:`~ferrokit.radiomics.extract.extract_features` raises if it does).
* The docstring of ``compute`` carries each feature's formula (IBSI notation) and the reference.

Texture families live in the package :mod:`ferrokit.radiomics.texture`, whose ``__init__`` imports its
family modules (each registering itself); :func:`load_families` imports that package when it exists.

Units
-----
The feature engine works in **IBSI units, not SI**: spacing in millimetres, volumes in mm³, areas in mm²,
lengths in mm, intensities in the image's own units (HU, arbitrary MRI units). This is the one documented
exception to FerroKit's "SI inside" rule, so that every value compares directly with the IBSI reference
tables (Zwanenburg et al., Radiology 2020, doi:10.1148/radiol.2020191145). Feature values are therefore
reported with the unit ``IBSI`` and the conventions of the IBSI 1 reference manual.

Array conventions
-----------------
All arrays are 3D NumPy arrays indexed ``(z, y, x)`` (slice, row, column); ``spacing`` is ``(dz, dy, dx)``
in mm. A 2D image is a single-slice volume of shape ``(1, ny, nx)``; 2D (slice-wise) texture aggregation
iterates over axis 0.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ferrokit._shared.validation import FerroKitInputError

if TYPE_CHECKING:  # pragma: no cover
    from ferrokit.radiomics.settings import RadiomicsSettings

__all__ = ["FAMILY_ORDER", "FeatureInput", "FeatureSpec", "families", "features", "get_feature", "load_families",
           "register"]

#: Families in the order of the IBSI 1 manual (also the order of output columns).
FAMILY_ORDER: tuple[str, ...] = ("morphology", "local_intensity", "statistics", "intensity_histogram", "ivh",
                                 "glcm", "glrlm", "glszm", "gldzm", "ngtdm", "ngldm")

_TAG_PREFIX = {"morphology": "morph_", "local_intensity": "loc_", "statistics": "stat_",
               "intensity_histogram": "ih_", "ivh": "ivh_", "glcm": "cm_", "glrlm": "rlm_", "glszm": "szm_",
               "gldzm": "dzm_", "ngtdm": "ngt_", "ngldm": "ngl_"}


@dataclass(frozen=True, eq=False)
class FeatureInput:
    """Everything a feature family needs, after IBSI processing (interpolation, re-segmentation, discretisation).

    Attributes
    ----------
    image : ndarray of float64, shape (nz, ny, nx)
        Intensities after interpolation (and rounding, if requested); the full (cropped) grid, *not*
        re-segmented, because local intensity features use voxels outside the ROI.
    intensity_mask : ndarray of bool, same shape
        ROI intensity mask: the interpolated ROI after re-segmentation (range / outlier).
    morphological_mask : ndarray of bool, same shape
        ROI morphological mask: the interpolated ROI *before* re-segmentation (IBSI §2.2).
    discretised : ndarray of int32, same shape
        Grey levels ``1..n_levels`` inside ``intensity_mask``, 0 outside.
    n_levels : int
        Number of grey levels N_g of the discretisation (matrix size of texture features).
    spacing : tuple of float
        Voxel spacing ``(dz, dy, dx)`` in **mm** (IBSI units; see the module docstring).
    settings : RadiomicsSettings
        The validated settings (texture aggregation, distances, IVH options, ...).
    ivh_intensity : ndarray of float64, same shape
        Intensities used by the intensity-volume histogram (IBSI §3.5): discretised for IVH as the settings
        say, meaningful only inside ``intensity_mask``.
    ivh_range : tuple of float
        ``(lowest, highest)`` intensity of the IVH's intensity range (re-segmentation range bounds where
        given, else the ROI minimum/maximum).
    ivh_step : float
        Discretisation interval w_d between consecutive IVH intensities (1 for discrete intensities and
        fixed bin number, the bin width for fixed bin size; see :mod:`ferrokit.radiomics.features.ivh`).
    """

    image: np.ndarray
    intensity_mask: np.ndarray
    morphological_mask: np.ndarray
    discretised: np.ndarray
    n_levels: int
    spacing: tuple[float, float, float]
    settings: RadiomicsSettings
    ivh_intensity: np.ndarray
    ivh_range: tuple[float, float]
    ivh_step: float

    @property
    def voxel_volume(self) -> float:
        """Volume of one voxel [mm³]."""
        return float(np.prod(self.spacing))

    @property
    def roi_values(self) -> np.ndarray:
        """Intensities inside the intensity mask (1D float64)."""
        return self.image[self.intensity_mask]


@dataclass(frozen=True)
class FeatureSpec:
    """One registered feature: its IBSI tag and code, its family and the family's compute function."""

    tag: str
    code: str
    family: str
    compute: Callable[[FeatureInput], Mapping[str, float]]


_REGISTRY: dict[str, FeatureSpec] = {}


def register(family: str, tags: Sequence[str], compute: Callable[[FeatureInput], Mapping[str, float]],
             codes: Mapping[str, str]) -> None:
    """Register the features of one family.

    Parameters
    ----------
    family : str
        One of :data:`FAMILY_ORDER`.
    tags : sequence of str
        Every tag ``compute`` may return; each must start with the family's IBSI prefix (``cm_`` for GLCM, ...).
    compute : callable
        ``compute(FeatureInput) -> {tag: float}``; its docstring states the formulas.
    codes : mapping
        IBSI code of every tag (4 alphanumeric characters).

    Raises
    ------
    FerroKitInputError
        Unknown family, a tag with the wrong prefix, a missing or malformed code, or a tag already registered
        by another compute function. Re-registering the same (family, tags, compute) is a no-op, so a module
        may be re-imported.
    """
    if family not in FAMILY_ORDER:
        raise FerroKitInputError(f"family must be one of {', '.join(FAMILY_ORDER)}; got {family!r}")
    if not callable(compute):
        raise FerroKitInputError("compute must be callable")
    if not compute.__doc__:
        raise FerroKitInputError(f"compute for {family!r} needs a docstring with the feature formulas")
    prefix = _TAG_PREFIX[family]
    if len(set(tags)) != len(tags) or not tags:
        raise FerroKitInputError(f"tags for {family!r} must be a non-empty list without duplicates")
    for tag in tags:
        if not tag.startswith(prefix):
            raise FerroKitInputError(f"tag {tag!r} of family {family!r} must start with {prefix!r}")
        code = codes.get(tag)
        if not isinstance(code, str) or len(code) != 4 or not code.isalnum():
            raise FerroKitInputError(f"tag {tag!r}: IBSI code must be 4 alphanumeric characters, got {code!r}")
        old = _REGISTRY.get(tag)
        if old is not None and old.compute is not compute and old.compute.__qualname__ != compute.__qualname__:
            raise FerroKitInputError(f"tag {tag!r} is already registered by {old.compute.__qualname__}")
    for tag in tags:
        _REGISTRY[tag] = FeatureSpec(tag=tag, code=codes[tag], family=family, compute=compute)


def load_families() -> None:
    """Import every built-in family module so that it registers itself.

    The non-texture families live in :mod:`ferrokit.radiomics.features`; the texture families in
    :mod:`ferrokit.radiomics.texture` (imported when that package is installed).
    """
    importlib.import_module("ferrokit.radiomics.features")
    if importlib.util.find_spec("ferrokit.radiomics.texture") is not None:
        importlib.import_module("ferrokit.radiomics.texture")


def features(family: str | None = None) -> list[FeatureSpec]:
    """Registered features (after :func:`load_families`), in family order then registration order."""
    load_families()
    specs = list(_REGISTRY.values())
    if family is not None:
        if family not in FAMILY_ORDER:
            raise FerroKitInputError(f"family must be one of {', '.join(FAMILY_ORDER)}; got {family!r}")
        specs = [s for s in specs if s.family == family]
    order = {f: i for i, f in enumerate(FAMILY_ORDER)}
    return sorted(specs, key=lambda s: order[s.family])


def families() -> list[str]:
    """Names of the families that have registered features, in IBSI order."""
    present = {s.family for s in features()}
    return [f for f in FAMILY_ORDER if f in present]


def get_feature(tag: str) -> FeatureSpec:
    """The :class:`FeatureSpec` of ``tag``; raise FerroKitInputError for an unknown tag."""
    load_families()
    try:
        return _REGISTRY[tag]
    except KeyError:
        raise FerroKitInputError(f"unknown feature tag {tag!r}") from None


def compute_functions(selected: Sequence[str]) -> list[tuple[str, Callable[[FeatureInput], Mapping[str, float]]]]:
    """Distinct ``(family, compute)`` pairs for the selected families, in IBSI order."""
    load_families()
    out: list[tuple[str, Callable]] = []
    seen: set[int] = set()
    for spec in features():
        if spec.family in selected and id(spec.compute) not in seen:
            seen.add(id(spec.compute))
            out.append((spec.family, spec.compute))
    return out
