"""Therapy arms as a pydantic schema: one description for YAML configs, the CLI and Python callers.

Python callers pass SI numbers (and numpy dose maps); files write numbers with units (``"30 min"``,
``"2 Gy"``, ``"0.5 mM"``, ``"0.3 1/d"``) and a bare number there is refused. Every modality has ``times``
(when its kill is applied, from the start of the simulation); the survival of one session is applied at each
listed time (a radiotherapy course lists one time per fraction).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from ferrokit._shared.schema import FrozenModel
from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.response._units import Concentration, PerGray, PerGray2, Rate, Temperature, Time, Volume
from ferrokit.response.growth import GrowthModel
from ferrokit.response.kill import (
    ALPHA_BETA_TUMOUR,
    ALPHA_TUMOUR,
    HEAT_D0_CEM43,
    HEAT_DQ_CEM43,
    ROS_D10_DEFAULT,
)
from ferrokit.response.release import RELEASE_KINDS

MODALITIES = ("thermal", "ros", "radiation", "chemo")


def _map_validator(dimension: str, example: str):
    """A scalar or voxel map: SI number(s)/numpy array (Python), ``"30 min"`` or ``{values: [...], unit: min}``."""

    def parse(text: str, name: str) -> float:
        return parse_quantity(text, dimension, name=name)

    def validate(value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or "value"
        strict = bool(info.context and info.context.get("require_units"))
        try:
            if isinstance(value, str):
                return (parse(value, name),)
            if isinstance(value, dict):
                if set(value) != {"values", "unit"}:
                    raise ValueError(f"a map needs exactly the keys 'values' and 'unit', e.g. {example}")
                vals = np.asarray(value["values"], dtype=float).ravel()
                factor = parse(f"1 {value['unit']}", name)
                return tuple((vals * factor).tolist())
            if isinstance(value, bool):
                raise ValueError(f"expected a number with a unit, got {value!r}")
            if strict:
                raise ValueError(f"{value!r} has no unit; write e.g. {example}")
            arr = np.asarray(value, dtype=float).ravel()
            return tuple(arr.tolist())
        except FerroKitInputError as exc:
            raise ValueError(str(exc)) from None
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ValueError) and str(exc).startswith(("a map", "expected", f"{value!r}")):
                raise
            raise ValueError(f"cannot read {value!r} as a dose; write e.g. {example}") from None

    return validate


def _check_map(name: str, values: tuple[float, ...]) -> None:
    if len(values) == 0:
        raise ValueError(f"{name} is empty")
    arr = np.asarray(values)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be finite and ≥ 0")


TimeMap = Annotated[tuple[float, ...], BeforeValidator(_map_validator("time", "'30 min'"))]
ConcentrationMap = Annotated[tuple[float, ...], BeforeValidator(_map_validator("concentration", "'0.5 mM'"))]
GrayMap = Annotated[tuple[float, ...], BeforeValidator(_map_validator("absorbed_dose", "'2 Gy'"))]
Times = Annotated[list[Time], Field(min_length=1)]


def _concentration_rate(value: Any, info: ValidationInfo) -> Any:
    """``"0.1 mM/h"`` → mol m⁻³ s⁻¹."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if info.context and info.context.get("require_units"):
            raise ValueError(f"{value!r} has no unit; write e.g. '{value} mM/h'")
        return value
    if isinstance(value, str):
        m = re.match(r"^(.*)/\s*([A-Za-z]+)\s*$", value.strip())
        if not m:
            raise ValueError(f"cannot read {value!r}; write a concentration per time, e.g. '0.1 mM/h'")
        try:
            c = parse_quantity(m.group(1), "concentration", name=info.field_name or "dose_rate")
            per = parse_quantity(f"1 {m.group(2)}", "time", name=info.field_name or "dose_rate")
        except FerroKitInputError as exc:
            raise ValueError(str(exc)) from None
        return c / per
    return value


ConcentrationRate = Annotated[float, BeforeValidator(_concentration_rate)]


class _Scheduled(FrozenModel):
    times: Times = Field(default_factory=lambda: [0.0])

    @field_validator("times")
    @classmethod
    def _times(cls, v: list[float]) -> list[float]:
        if any(not np.isfinite(t) or t < 0 for t in v):
            raise ValueError("times must be finite and ≥ 0 s")
        return sorted(v)


class ThermalSpec(_Scheduled):
    """Hyperthermia session(s): CEM43 (scalar or voxel map) → multi-target survival, or an Arrhenius history.

    ``model="cem43"`` uses ``cem43`` [s] with ``d0``/``dq`` [CEM43 s]; ``model="arrhenius"`` uses
    ``temperatures`` [K] sampled at ``heating_times`` [s] and the ``tissue`` parameter set.
    """

    model: Literal["cem43", "arrhenius"] = "cem43"
    cem43: TimeMap | None = None
    d0: Time = HEAT_D0_CEM43
    dq: Time = HEAT_DQ_CEM43
    temperatures: list[Temperature] | None = None
    heating_times: list[Time] | None = None
    tissue: str = "liver"

    @model_validator(mode="after")
    def _check(self) -> ThermalSpec:
        if self.model == "cem43":
            if self.cem43 is None:
                raise ValueError("model cem43 needs cem43 (e.g. '30 min', or a map {values: [...], unit: min})")
            _check_map("cem43", self.cem43)
            if not (self.d0 > 0 and self.dq >= 0):
                raise ValueError("d0 must be > 0 and dq ≥ 0 (CEM43 time)")
        else:
            if not self.temperatures or not self.heating_times or len(self.temperatures) != len(self.heating_times):
                raise ValueError("model arrhenius needs temperatures and heating_times of equal length (≥ 2)")
        return self


class RosSpec(_Scheduled):
    """Chemodynamic ROS: cumulative ·OH ``dose`` [mol/m³] (scalar or map) or ``dose_rate`` × ``exposure``."""

    dose: ConcentrationMap | None = None
    dose_rate: ConcentrationRate | None = None
    exposure: Time | None = None
    d10: Concentration = ROS_D10_DEFAULT

    @model_validator(mode="after")
    def _check(self) -> RosSpec:
        if (self.dose is None) == (self.dose_rate is None):
            raise ValueError("give either dose (cumulative ·OH, e.g. '0.5 mM') or dose_rate with exposure")
        if self.dose is not None:
            _check_map("dose", self.dose)
        elif self.exposure is None or self.exposure <= 0 or self.dose_rate < 0:
            raise ValueError("dose_rate needs exposure > 0 and dose_rate ≥ 0")
        if not self.d10 > 0:
            raise ValueError("d10 must be > 0 mol/m³")
        return self

    def cumulative(self) -> np.ndarray:
        """Cumulative ·OH dose [mol/m³] (array)."""
        if self.dose is not None:
            return np.asarray(self.dose)
        return np.asarray([self.dose_rate * self.exposure])


class RadiationSpec(_Scheduled):
    """External-beam radiotherapy: one fraction of ``dose_per_fraction`` [Gy] at each of ``times``."""

    dose_per_fraction: GrayMap
    alpha: PerGray = ALPHA_TUMOUR
    beta: PerGray2 = ALPHA_TUMOUR / ALPHA_BETA_TUMOUR
    ser: float = 1.0

    @model_validator(mode="after")
    def _check(self) -> RadiationSpec:
        _check_map("dose_per_fraction", self.dose_per_fraction)
        if self.alpha < 0 or self.beta < 0 or not self.ser > 0:
            raise ValueError("alpha and beta must be ≥ 0 and ser > 0")
        return self


class ReleaseSpec(FrozenModel):
    """Carrier release law; ``t50`` is the time to release half of the load at pH 7.4 (no trigger)."""

    kind: Literal["first_order", "higuchi", "korsmeyer_peppas"]
    t50: Time
    exponent: float = 0.5
    lag: Time = 0.0
    ph: float = 7.4
    pka: float | None = None
    max_factor: float = 1.0

    @model_validator(mode="after")
    def _check(self) -> ReleaseSpec:
        if self.kind not in RELEASE_KINDS or not self.t50 > 0:
            raise ValueError("t50 must be > 0")
        if not 0 < self.exponent <= 1:
            raise ValueError("exponent must lie in (0, 1]")
        if not 0 <= self.ph <= 14 or (self.pka is not None and not 0 <= self.pka <= 14):
            raise ValueError("ph and pka must lie in [0, 14]")
        if self.max_factor < 1:
            raise ValueError("max_factor must be ≥ 1")
        return self

    def rate_constant(self) -> float:
        """k from t50: ln2/t50 (first order), 0.5/√t50 (Higuchi), 0.5/t50ⁿ (Korsmeyer–Peppas)."""
        if self.kind == "first_order":
            return float(np.log(2.0) / self.t50)
        n = 0.5 if self.kind == "higuchi" else self.exponent
        return float(0.5 / self.t50**n)


class ChemoSpec(FrozenModel):
    """Drug released from the carrier given at ``time``: free concentration
    :math:`\\dot C = C_{load}\\dot F(t) - k_{el} C` drives an Emax kill rate."""

    time: Time = 0.0
    release: ReleaseSpec
    loaded_concentration: Concentration
    elimination_rate: Rate = 0.0
    emax: Rate
    ec50: Concentration
    hill: float = 1.0

    @model_validator(mode="after")
    def _check(self) -> ChemoSpec:
        if self.time < 0 or self.loaded_concentration < 0 or self.elimination_rate < 0 or self.emax < 0:
            raise ValueError("time, loaded_concentration, elimination_rate and emax must be ≥ 0")
        if not (self.ec50 > 0 and self.hill > 0):
            raise ValueError("ec50 and hill must be > 0")
        return self


class TherapyArm(FrozenModel):
    """A named arm: no modality is the control; one is a monotherapy; several are a combination."""

    name: str = Field(min_length=1)
    thermal: ThermalSpec | None = None
    ros: RosSpec | None = None
    radiation: RadiationSpec | None = None
    chemo: ChemoSpec | None = None

    @property
    def modalities(self) -> tuple[str, ...]:
        return tuple(m for m in MODALITIES if getattr(self, m) is not None)


class ResponseConfig(FrozenModel):
    """The ``ferrokit response simulate`` file: growth law, duration, arms and read-outs."""

    growth: GrowthModel
    duration: Time
    n_times: int = Field(default=241, ge=2, le=100_000)
    target_volume: Volume | None = None
    synergy_time: Time | None = None
    n_subjects: int = Field(default=1, ge=1, le=10_000)
    rate_cv: float = Field(default=0.0, ge=0.0, le=2.0)
    seed: int | None = None
    arms: list[TherapyArm] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> ResponseConfig:
        if not self.duration > 0:
            raise ValueError("duration must be > 0")
        names = [a.name for a in self.arms]
        if len(set(names)) != len(names):
            raise ValueError(f"arm names must be unique, got {names}")
        return self
