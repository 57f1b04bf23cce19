"""Feature extraction: IBSI processing, then every selected family from the registry."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ferrokit import __version__
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics import registry
from ferrokit.radiomics.processing import process
from ferrokit.radiomics.settings import RadiomicsSettings

__all__ = ["FeatureResult", "extract_features"]


@dataclass(frozen=True)
class FeatureResult:
    """Feature values of one image/ROI pair.

    Attributes
    ----------
    features : dict
        IBSI tag → value, in registry (IBSI family) order. Units are IBSI's (mm, mm², mm³, image units).
    settings : RadiomicsSettings
        The validated settings used.
    provenance : dict
        FerroKit version, processing diagnostics (shapes, spacing, voxel counts, N_g), families computed.
    """

    features: dict[str, float]
    settings: RadiomicsSettings
    provenance: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, tag: str) -> float:
        return self.features[tag]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: features with IBSI codes and families, settings, provenance."""
        feats = {}
        for tag, value in self.features.items():
            spec = registry.get_feature(tag)
            feats[tag] = {"value": value, "ibsi_code": spec.code, "family": spec.family, "unit": "IBSI"}
        return {"features": feats, "settings": self.settings.model_dump(mode="json"),
                "provenance": self.provenance}

    def to_row(self, **extra: Any) -> dict[str, Any]:
        """A flat tidy row (``extra`` columns first, then one column per tag, then provenance columns)."""
        row: dict[str, Any] = dict(extra)
        row.update(self.features)
        row["ferrokit_version"] = self.provenance.get("ferrokit_version", __version__)
        row["n_voxels_intensity"] = self.provenance.get("n_voxels_intensity")
        row["n_levels"] = self.provenance.get("n_levels")
        return row


def extract_features(image, mask, spacing, settings: RadiomicsSettings | None = None) -> FeatureResult:
    """Extract IBSI 1 features of one ROI.

    Parameters
    ----------
    image : array (z, y, x) or (y, x)
        Intensities (finite).
    mask : array, same shape
        Binary ROI mask (bool or 0/1).
    spacing : sequence of 3 floats
        Voxel spacing (dz, dy, dx) in **mm** (IBSI units).
    settings : RadiomicsSettings, optional
        Processing and feature settings (default: ``RadiomicsSettings()``: no interpolation, fixed bin
        number 32, all families, 3D merged texture).

    Returns
    -------
    FeatureResult

    Raises
    ------
    FerroKitInputError
        Mismatched image/mask geometry, an empty mask, non-finite intensities, invalid settings or a
        discretisation that does not fit the data.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.arange(27, dtype=float).reshape(3, 3, 3); roi = np.ones((3, 3, 3), bool)
    >>> s = RadiomicsSettings(families=("statistics",))
    >>> extract_features(img, roi, (1.0, 1.0, 1.0), s)["stat_mean"]
    13.0
    """
    if settings is None:
        settings = RadiomicsSettings()
    if not isinstance(settings, RadiomicsSettings):
        raise FerroKitInputError("settings must be a RadiomicsSettings (see ferrokit.radiomics.settings)")
    roi = process(image, mask, spacing, settings)
    inp = registry.FeatureInput(
        image=roi.image, intensity_mask=roi.intensity_mask, morphological_mask=roi.morphological_mask,
        discretised=roi.discretised, n_levels=roi.n_levels, spacing=roi.spacing, settings=settings,
        ivh_intensity=roi.ivh_intensity, ivh_range=roi.ivh_range, ivh_step=roi.ivh_step)
    for arr in (inp.image, inp.intensity_mask, inp.morphological_mask, inp.discretised, inp.ivh_intensity):
        arr.flags.writeable = False
    values: dict[str, float] = {}
    computed = []
    for family, compute in registry.compute_functions(settings.families):
        got = compute(inp)
        for tag, value in got.items():
            spec = registry.get_feature(tag)
            if spec.compute is not compute:
                raise RuntimeError(f"{family} returned {tag!r}, which is registered by another function")
            values[tag] = float(value) if value is not None and not isinstance(value, bool) else math.nan
        computed.append(family)
    order = {s.tag: i for i, s in enumerate(registry.features())}
    values = dict(sorted(values.items(), key=lambda kv: order[kv[0]]))
    missing = sorted(set(settings.families) - {s.family for s in registry.features()})
    provenance = {"ferrokit_version": __version__, **roi.diagnostics,
                  "families": list(dict.fromkeys(computed)), "families_unavailable": missing,
                  "ivh_range": list(roi.ivh_range), "ivh_step": roi.ivh_step,
                  "numpy_version": np.__version__}
    return FeatureResult(features=values, settings=settings, provenance=provenance)
