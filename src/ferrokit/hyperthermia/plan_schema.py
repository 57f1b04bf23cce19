"""Hyperthermia treatment plan file: the validated YAML schema (:class:`PlanConfig` and its sections).

Every key of a plan file (docs/bioheat.md): geometry (``grid`` or an image / label map), tissues, particles,
heating, field (fixed amplitude or control within an H·f limit), boundary, time stepping, dose and outputs.
Quantities with units are read to SI on validation; perfusion accepts a volumetric flow (mL/min/kg,
mL/min/100g) or a rate (1/s, 1/min), and the field limit a name or a value in A/m/s. The runner
(:func:`ferrokit.hyperthermia.plan.run_plan`) lives in :mod:`ferrokit.hyperthermia.plan`, which re-exports
every public name of this module.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from ferrokit._shared.schema import FrozenModel, Length, Quantity, Temperature
from ferrokit.constants import BODY_TEMPERATURE
from ferrokit.hyperthermia.dose import CEM43_FLOOR

Time = Quantity("time")
Frequency = Quantity("frequency")
FieldAmplitude = Quantity("field")
Volume = Quantity("volume")
Mass = Quantity("mass")
MassConcentration = Quantity("mass_concentration")
SpecificPower = Quantity("specific_power")

_PERFUSION_UNITS = {"1/s": 1.0, "/s": 1.0, "s-1": 1.0, "1/min": 1 / 60, "/min": 1 / 60, "min-1": 1 / 60}
_FLOW_UNITS = {"ml/min/kg": 1.0, "ml/min/100g": 10.0, "ml/100g/min": 10.0}


def _perfusion(value: Any) -> Any:
    """'0.5 mL/min/100g', '100 mL/min/kg' (→ ('flow', mL/min/kg)) or '2e-3 1/s' (→ ('rate', 1/s))."""
    if isinstance(value, (list, tuple)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"{value!r} has no unit; write e.g. '{value} mL/min/kg' or '{value} 1/s'")
    m = re.match(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$", str(value))
    if not m:
        raise ValueError(f"cannot read perfusion {value!r}; e.g. '100 mL/min/kg' or '2e-3 1/s'")
    x, unit = float(m.group(1)), m.group(2).replace(" ", "").lower()
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"perfusion must be finite and ≥ 0, got {value!r}")
    if unit in _PERFUSION_UNITS:
        return ("rate", x * _PERFUSION_UNITS[unit])
    if unit in _FLOW_UNITS:
        return ("flow", x * _FLOW_UNITS[unit])
    raise ValueError(f"unknown perfusion unit {m.group(2)!r}; use mL/min/kg, mL/min/100g, 1/s or 1/min")


def _hf(value: Any) -> Any:
    if isinstance(value, str) and not re.match(r"^\s*[-+.\d]", value):
        return value
    if isinstance(value, str):
        m = re.match(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(A/m/s|A/\(ms\)|A/\(m s\)|Am-1s-1)\s*$",
                     value)
        if not m:
            raise ValueError(f"cannot read field limit {value!r}; use a name or a value in A/m/s")
        return float(m.group(1))
    raise ValueError(f"field limit {value!r}: give a name (atkinson-brezovich, hergt-dutz) or e.g. '5e9 A/m/s'")


Perfusion = Annotated[Any, BeforeValidator(_perfusion)]
HfLimit = Annotated[str | float, BeforeValidator(_hf)]
Vec3 = tuple[Length, Length, Length]


class GridSpec(FrozenModel):
    shape: tuple[int, int, int]
    spacing: Length | Vec3

    @model_validator(mode="after")
    def _check(self) -> GridSpec:
        if min(self.shape) < 1 or int(np.prod(self.shape)) > 512**3:
            raise ValueError(f"grid shape must be positive and at most 512³ cells, got {self.shape}")
        sp = self.spacing if isinstance(self.spacing, tuple) else (self.spacing,) * 3
        if min(sp) <= 0:
            raise ValueError("spacing must be > 0")
        return self

    def spacing3(self) -> tuple[float, float, float]:
        return tuple(self.spacing) if isinstance(self.spacing, tuple) else (self.spacing,) * 3


class Region(FrozenModel):
    shape: Literal["sphere", "box"]
    tissue: str
    center: Vec3 | None = None
    radius: Length | None = None
    corner_min: Vec3 | None = None
    corner_max: Vec3 | None = None

    @model_validator(mode="after")
    def _check(self) -> Region:
        if self.shape == "sphere" and (self.center is None or self.radius is None or self.radius <= 0):
            raise ValueError("a sphere needs center and radius > 0")
        if self.shape == "box" and (self.corner_min is None or self.corner_max is None
                                    or any(a >= b for a, b in zip(self.corner_min, self.corner_max, strict=True))):
            raise ValueError("a box needs corner_min < corner_max on every axis")
        return self


class LabelMapSpec(FrozenModel):
    path: str
    labels: dict[int, str]


class TumourSpec(FrozenModel):
    perfusion: Perfusion
    like: str = "muscle"


class TissuesSpec(FrozenModel):
    background: str = "muscle"
    regions: tuple[Region, ...] = ()
    label_map: LabelMapSpec | None = None
    tumour: TumourSpec | None = None
    perfusion_increase: float | None = Field(default=None, ge=1.0, le=20.0)
    perfusion_increase_range: tuple[Temperature, Temperature] = (BODY_TEMPERATURE + 2.0, BODY_TEMPERATURE + 8.0)


class ParticlesSpec(FrozenModel):
    kind: Literal["depot", "uniform", "array"]
    center: Vec3 | None = None
    volume: Volume | None = None
    iron_mass: Mass | None = None
    spread: Length = 0.0
    concentration: MassConcentration | None = None
    path: str | None = None
    unit: str = "mg/mL"

    @model_validator(mode="after")
    def _check(self) -> ParticlesSpec:
        need = {"depot": ("center", "volume", "iron_mass"), "uniform": ("concentration",), "array": ("path",)}
        missing = [k for k in need[self.kind] if getattr(self, k) is None]
        if missing:
            raise ValueError(f"particles of kind {self.kind!r} need {', '.join(missing)}")
        for k in ("volume", "iron_mass", "concentration"):
            v = getattr(self, k)
            if v is not None and v <= 0:
                raise ValueError(f"{k} must be > 0")
        if self.spread < 0:
            raise ValueError("spread must be ≥ 0")
        return self


class ParticleRef(FrozenModel):
    agent: str | None = None
    particle: dict[str, Any] | None = None
    model: str = "auto"

    @model_validator(mode="after")
    def _check(self) -> ParticleRef:
        if (self.agent is None) == (self.particle is None):
            raise ValueError("give exactly one of agent or particle")
        return self


class HeatingSpec(FrozenModel):
    slp: SpecificPower | None = None
    slp_amplitude: FieldAmplitude | None = None
    particle: ParticleRef | None = None

    @model_validator(mode="after")
    def _check(self) -> HeatingSpec:
        if (self.slp is None) == (self.particle is None):
            raise ValueError("give exactly one of slp (e.g. '300 W/g', per g Fe) or particle")
        if self.slp is not None and self.slp <= 0:
            raise ValueError("slp must be > 0")
        if self.slp_amplitude is not None and (self.slp is None or self.slp_amplitude <= 0):
            raise ValueError("slp_amplitude (> 0) goes with a constant slp")
        return self


class ControlSpec(FrozenModel):
    target_t90: Temperature
    healthy_max: Temperature | None = None
    kp: float = Field(default=2.0, gt=0)
    integral_time: Time = 60.0


class EddySpec(FrozenModel):
    body_radius: Length
    conductivity: float = Field(gt=0, description="tissue electrical conductivity, S/m")


class FieldSpec(FrozenModel):
    frequency: Frequency
    amplitude: FieldAmplitude | None = None
    control: ControlSpec | None = None
    limit: HfLimit = "atkinson-brezovich"
    eddy_current: EddySpec | None = None  # report-only estimate (control.eddy_current_power)

    @model_validator(mode="after")
    def _check(self) -> FieldSpec:
        if (self.amplitude is None) == (self.control is None):
            raise ValueError("give exactly one of amplitude or control")
        if self.frequency <= 0 or (self.amplitude is not None and self.amplitude <= 0):
            raise ValueError("frequency and amplitude must be > 0")
        return self


class BoundarySpec(FrozenModel):
    kind: Literal["dirichlet", "robin", "adiabatic"] = "dirichlet"
    temperature: Temperature = BODY_TEMPERATURE
    heat_transfer_coefficient: float | None = Field(default=None, gt=0, description="W/(m2 K)")


class DoseSpec(FrozenModel):
    arrhenius: str | None = None
    cem43_floor: Temperature | None = CEM43_FLOOR


class OutputSpec(FrozenModel):
    nifti: bool = True
    png: bool = True


class PlanConfig(FrozenModel):
    """The plan file (see docs/bioheat.md for every key)."""

    grid: GridSpec | None = None
    image: str | None = None
    tissues: TissuesSpec = TissuesSpec()
    particles: ParticlesSpec
    heating: HeatingSpec
    field: FieldSpec
    boundary: BoundarySpec = BoundarySpec()
    arterial_temperature: Temperature = BODY_TEMPERATURE
    duration: Time
    dt: Time = 10.0
    scheme: Literal["backward_euler", "crank_nicolson"] = "backward_euler"
    solver: Literal["auto", "direct", "pcg"] = "auto"
    dose: DoseSpec = DoseSpec()
    outputs: OutputSpec = OutputSpec()

    @model_validator(mode="after")
    def _check(self) -> PlanConfig:
        if (self.grid is None) == (self.image is None and self.tissues.label_map is None):
            raise ValueError("give the geometry once: grid, or image / tissues.label_map")
        if not (0 < self.dt <= self.duration):
            raise ValueError("need 0 < dt ≤ duration")
        if self.duration / self.dt > 100_000:
            raise ValueError("more than 100000 time steps; increase dt")
        return self

    def referenced_files(self) -> dict[str, str]:
        """Files the plan needs read (role → path as written)."""
        out = {}
        if self.image:
            out["image"] = self.image
        if self.tissues.label_map:
            out["label_map"] = self.tissues.label_map.path
        if self.particles.kind == "array":
            out["concentration"] = self.particles.path
        return out
