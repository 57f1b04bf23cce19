"""Radiomics settings: one pydantic schema for YAML files, CLI options and Python (unknown keys are errors).

Lengths in this schema are **millimetres** (IBSI units; see :mod:`ferrokit.radiomics.registry`). A YAML file
may write them as plain numbers (mm) or with a unit (``"2 mm"``, ``"0.2 cm"``).

The presets reproduce the image-processing configurations of the IBSI 1 reference manual
(Zwanenburg et al., Radiology 2020, doi:10.1148/radiol.2020191145; theibsi/ibsi-doc,
docs/05_Reference_data_sets.rst): ``ibsi-digital-phantom`` and the chest-CT configurations
``ibsi-config-a`` … ``ibsi-config-e``.

>>> s = preset("ibsi-config-c")
>>> s.interpolation.spacing, s.discretisation.method, s.discretisation.bin_width, s.ivh.bin_width
((2.0, 2.0, 2.0), 'fixed_bin_size', 25.0, 2.5)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from ferrokit._shared.schema import FrozenModel, validate_model
from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError

__all__ = [
    "AGGREGATIONS",
    "FAMILIES",
    "PRESETS",
    "DiscretisationSettings",
    "IVHSettings",
    "InterpolationSettings",
    "RadiomicsSettings",
    "ResegmentationSettings",
    "TextureSettings",
    "load_settings",
    "parse_spacing",
    "preset",
    "settings_with_options",
]

#: Texture aggregations, spelled as the suffixes of the IBSI tags (``cm_joint_max_2_5D_avg``). Families with
#: one matrix per spatial mode (GLSZM, GLDZM, NGTDM, NGLDM) use the part before ``_avg``/``_comb``.
AGGREGATIONS: tuple[str, ...] = ("2D_avg", "2D_comb", "2_5D_avg", "2_5D_comb", "3D_avg", "3D_comb")
FAMILIES: tuple[str, ...] = ("morphology", "local_intensity", "statistics", "intensity_histogram", "ivh",
                             "glcm", "glrlm", "glszm", "gldzm", "ngtdm", "ngldm")


def _mm(value: Any, name: str) -> float:
    """A length in mm from a number (taken as mm) or a string with a unit ("2 mm", "0.2 cm"; bare = mm)."""
    if isinstance(value, bool):
        raise ValueError(f"{name}: expected a length, got {value!r}")
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return parse_quantity(value, "length", name=name) * 1e3
    return float(value)


def _spacing_validator(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        v = _mm(value, "spacing")
        return (v, v, v)
    if isinstance(value, (list, tuple)):
        if len(value) != 3:
            raise ValueError("spacing must be one length or three lengths (dz, dy, dx)")
        return tuple(_mm(v, "spacing") for v in value)
    raise ValueError(f"spacing must be a length or a list of 3 lengths, got {value!r}")


Spacing = Annotated[tuple[float, float, float] | None, BeforeValidator(_spacing_validator)]


class InterpolationSettings(FrozenModel):
    """Interpolation to a new voxel grid with IBSI grid-centre alignment (IBSI 1 §2.4)."""

    spacing: Spacing = Field(description="new voxel spacing (dz, dy, dx) in mm; one number for isotropic")
    in_plane_only: bool = Field(False, description="2D interpolation: keep the slice spacing (configs A, B)")
    image_method: Literal["nearest", "linear", "cubic"] = Field(
        "linear", description="image interpolation: nearest neighbour, (tri)linear or (tri)cubic B-spline")
    mask_method: Literal["nearest", "linear"] = Field("linear", description="ROI mask interpolation")
    mask_threshold: float = Field(0.5, gt=0.0, le=1.0, description="partial-volume threshold of the ROI mask")
    round_intensities: bool = Field(False, description="round interpolated intensities to integers (CT)")

    @field_validator("spacing")
    @classmethod
    def _positive(cls, v: tuple[float, float, float] | None) -> tuple[float, float, float] | None:
        if v is None:
            raise ValueError("spacing is required when interpolation is given")
        if any(not (x > 0 and x < 1e6) for x in v):
            raise ValueError(f"spacing must be > 0 mm, got {v}")
        return v


class ResegmentationSettings(FrozenModel):
    """Re-segmentation of the intensity mask (IBSI 1 §2.5): a range and/or an outlier filter."""

    range: tuple[float | None, float | None] | None = Field(
        None, description="[lower, upper] intensities kept; null for an open bound")
    outlier_sigma: float | None = Field(None, gt=0, description="drop voxels outside mean ± n·σ (IBSI: 3)")

    @field_validator("range")
    @classmethod
    def _ordered(cls, v):
        if v is not None and v[0] is not None and v[1] is not None and not v[0] < v[1]:
            raise ValueError(f"range must be [lower, upper] with lower < upper, got {list(v)}")
        return v

    @property
    def lower(self) -> float | None:
        return None if self.range is None else self.range[0]

    @property
    def upper(self) -> float | None:
        return None if self.range is None else self.range[1]


class DiscretisationSettings(FrozenModel):
    """Discretisation for the intensity histogram and texture families (IBSI 1 §2.7)."""

    method: Literal["fixed_bin_number", "fixed_bin_size", "none"] = Field(
        "fixed_bin_number", description="'none' uses integer intensities ≥ 1 as grey levels (digital phantom)")
    bin_number: int | None = Field(None, ge=1, le=65536, description="N_g for fixed_bin_number")
    bin_width: float | None = Field(None, description="w_b for fixed_bin_size (image intensity units)")
    lower_bound: float | None = Field(
        None, description="X_min for fixed_bin_size; default: the lower re-segmentation bound")

    @model_validator(mode="after")
    def _consistent(self) -> DiscretisationSettings:
        if self.bin_width is not None and not self.bin_width > 0:
            raise ValueError(f"bin_width must be > 0, got {self.bin_width:g}")
        if self.method == "fixed_bin_number" and self.bin_number is None:
            raise ValueError("fixed_bin_number needs bin_number")
        if self.method == "fixed_bin_size" and self.bin_width is None:
            raise ValueError("fixed_bin_size needs bin_width")
        if self.method == "fixed_bin_number" and (self.bin_width is not None or self.lower_bound is not None):
            raise ValueError("bin_width/lower_bound apply to fixed_bin_size, not fixed_bin_number")
        if self.method == "fixed_bin_size" and self.bin_number is not None:
            raise ValueError("bin_number applies to fixed_bin_number, not fixed_bin_size")
        return self


class IVHSettings(FrozenModel):
    """Discretisation for the intensity-volume histogram (IBSI 1 §3.5).

    ``none``: discrete calibrated intensities (CT), w_d = 1; ``fixed_bin_size``: continuous calibrated
    intensities, bin centres X_min + (X_d − 0.5)·w_b; ``fixed_bin_number``: arbitrary units, N_g bins
    (IBSI recommends 1000) with X_d,gl = X_d.
    """

    method: Literal["none", "fixed_bin_size", "fixed_bin_number"] = "none"
    bin_width: float | None = Field(None, gt=0)
    bin_number: int | None = Field(None, ge=2, le=1_000_000)

    @model_validator(mode="after")
    def _consistent(self) -> IVHSettings:
        if self.method == "fixed_bin_size" and self.bin_width is None:
            raise ValueError("ivh fixed_bin_size needs bin_width")
        if self.method == "fixed_bin_number" and self.bin_number is None:
            raise ValueError("ivh fixed_bin_number needs bin_number")
        return self


class TextureSettings(FrozenModel):
    """Texture-matrix parameters (IBSI 1 §3.6–3.11)."""

    aggregations: tuple[Literal["2D_avg", "2D_comb", "2_5D_avg", "2_5D_comb", "3D_avg", "3D_comb"], ...] = (
        Field(("3D_comb",), min_length=1, description="which IBSI aggregations to compute"))
    distance: int = Field(1, ge=1, le=10, description="Chebyshev distance δ for GLCM, NGTDM, NGLDM")
    ngldm_coarseness: int = Field(0, ge=0, description="NGLDM coarseness parameter α")

    @property
    def spatial_modes(self) -> tuple[str, ...]:
        """``2D``/``2_5D``/``3D`` modes implied by :attr:`aggregations` (for single-matrix families)."""
        modes = []
        for agg in self.aggregations:
            mode = agg.rsplit("_", 1)[0]
            if mode not in modes:
                modes.append(mode)
        return tuple(modes)


class RadiomicsSettings(FrozenModel):
    """All IBSI 1 processing and feature settings of one extraction."""

    interpolation: InterpolationSettings | None = None
    resegmentation: ResegmentationSettings = ResegmentationSettings()
    discretisation: DiscretisationSettings = DiscretisationSettings(method="fixed_bin_number", bin_number=32)
    ivh: IVHSettings = IVHSettings(method="fixed_bin_number", bin_number=1000)
    texture: TextureSettings = TextureSettings()
    families: tuple[Literal["morphology", "local_intensity", "statistics", "intensity_histogram", "ivh",
                            "glcm", "glrlm", "glszm", "gldzm", "ngtdm", "ngldm"], ...] = Field(
        FAMILIES, min_length=1, description="feature families to compute")


_CT_TEXTURE_2D = ("2D_avg", "2D_comb", "2_5D_avg", "2_5D_comb")
_CT_TEXTURE_3D = ("3D_avg", "3D_comb")

PRESETS: dict[str, dict[str, Any]] = {
    "ibsi-digital-phantom": {
        "discretisation": {"method": "none"},
        "ivh": {"method": "none"},
        "texture": {"aggregations": list(AGGREGATIONS)},
    },
    "ibsi-config-a": {
        "resegmentation": {"range": [-500, 400]},
        "discretisation": {"method": "fixed_bin_size", "bin_width": 25},
        "ivh": {"method": "none"},
        "texture": {"aggregations": list(_CT_TEXTURE_2D)},
    },
    "ibsi-config-b": {
        "interpolation": {"spacing": [2, 2, 2], "in_plane_only": True, "image_method": "linear",
                          "round_intensities": True},
        "resegmentation": {"range": [-500, 400]},
        "discretisation": {"method": "fixed_bin_number", "bin_number": 32},
        "ivh": {"method": "none"},
        "texture": {"aggregations": list(_CT_TEXTURE_2D)},
    },
    "ibsi-config-c": {
        "interpolation": {"spacing": [2, 2, 2], "image_method": "linear", "round_intensities": True},
        "resegmentation": {"range": [-1000, 400]},
        "discretisation": {"method": "fixed_bin_size", "bin_width": 25},
        "ivh": {"method": "fixed_bin_size", "bin_width": 2.5},
        "texture": {"aggregations": list(_CT_TEXTURE_3D)},
    },
    "ibsi-config-d": {
        "interpolation": {"spacing": [2, 2, 2], "image_method": "linear", "round_intensities": True},
        "resegmentation": {"outlier_sigma": 3},
        "discretisation": {"method": "fixed_bin_number", "bin_number": 32},
        "ivh": {"method": "none"},
        "texture": {"aggregations": list(_CT_TEXTURE_3D)},
    },
    "ibsi-config-e": {
        "interpolation": {"spacing": [2, 2, 2], "image_method": "cubic", "round_intensities": True},
        "resegmentation": {"range": [-1000, 400], "outlier_sigma": 3},
        "discretisation": {"method": "fixed_bin_number", "bin_number": 32},
        "ivh": {"method": "fixed_bin_number", "bin_number": 1000},
        "texture": {"aggregations": list(_CT_TEXTURE_3D)},
    },
}


def preset(name: str) -> RadiomicsSettings:
    """Settings of a named preset (see :data:`PRESETS`)."""
    if name not in PRESETS:
        raise FerroKitInputError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return validate_model(RadiomicsSettings, PRESETS[name], where=f"preset {name}")


def load_settings(path: str | Path) -> RadiomicsSettings:
    """Read and validate a YAML settings file (unknown keys are errors)."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise FerroKitInputError(f"settings file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FerroKitInputError(f"{p.name}: not valid YAML ({' '.join(str(exc).split())})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FerroKitInputError(f"{p.name}: expected a mapping of settings at the top level")
    return validate_model(RadiomicsSettings, data, where=p.name)


def parse_spacing(text: str) -> tuple[float, float, float]:
    """Parse a CLI ``--resample`` value: ``"1mm"`` (isotropic) or ``"3mm,1mm,1mm"`` (dz,dy,dx) → mm."""
    parts = [t for t in str(text).replace("x", ",").split(",") if t.strip()]
    if len(parts) not in (1, 3):
        raise FerroKitInputError(f"--resample must be one length or three (dz,dy,dx), got {text!r}")
    vals = []
    for t in parts:
        v = _mm(t.strip(), "--resample")
        if not v > 0:
            raise FerroKitInputError(f"--resample must be > 0 mm, got {t.strip()!r}")
        vals.append(v)
    return (vals[0],) * 3 if len(vals) == 1 else tuple(vals)  # type: ignore[return-value]


def settings_with_options(base: RadiomicsSettings, *, bin_number: int | None = None,
                          bin_width: float | None = None, lower_bound: float | None = None,
                          resample: str | None = None, resegment_range: tuple[float, float] | None = None,
                          outlier_sigma: float | None = None, aggregation: list[str] | None = None,
                          families: list[str] | None = None) -> RadiomicsSettings:
    """Apply CLI options on top of ``base`` and re-validate (``--bin-number 32``, ``--resample 1mm``, …)."""
    data = base.model_dump()
    if bin_number is not None and bin_width is not None:
        raise FerroKitInputError("give either --bin-number or --bin-width, not both")
    if bin_number is not None:
        data["discretisation"] = {"method": "fixed_bin_number", "bin_number": bin_number}
    if bin_width is not None:
        data["discretisation"] = {"method": "fixed_bin_size", "bin_width": bin_width,
                                  "lower_bound": lower_bound}
    elif lower_bound is not None:
        if data["discretisation"]["method"] != "fixed_bin_size":
            raise FerroKitInputError("--lower-bound applies to fixed bin size (--bin-width) only")
        data["discretisation"]["lower_bound"] = lower_bound
    if resample is not None:
        interp = dict(data.get("interpolation") or {})
        interp["spacing"] = parse_spacing(resample)
        data["interpolation"] = interp
    if resegment_range is not None:
        data["resegmentation"]["range"] = list(resegment_range)
    if outlier_sigma is not None:
        data["resegmentation"]["outlier_sigma"] = outlier_sigma
    if aggregation:
        data["texture"]["aggregations"] = list(aggregation)
    if families:
        data["families"] = list(families)
    return validate_model(RadiomicsSettings, data, where="options")
