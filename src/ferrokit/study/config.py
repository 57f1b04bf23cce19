"""The study config: one pydantic schema (``extra="forbid"``) for YAML files and Python callers alike.

A file is validated with ``require_units=True`` (:func:`load_study_config`): every dimensional value carries
its unit (``"5 mg/kg"``, ``"150 mm3"``, ``"7 T"``, ``"30 ms"``, ``"300 kHz"``). Python callers may pass SI
numbers. Every field is listed, with its meaning and default, in docs/study.md.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from ferrokit._shared.schema import FrozenModel, Length, Quantity, Temperature, validate_model
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import MU_0
from ferrokit.hyperthermia.plan import HfLimit, Perfusion
from ferrokit.materials import Particle
from ferrokit.response.arms import ChemoSpec, RadiationSpec
from ferrokit.response.kill import HEAT_D0_CEM43, HEAT_DQ_CEM43, ROS_D10_DEFAULT

__all__ = [
    "AMFSpec",
    "ArmSpec",
    "CDTSpec",
    "DoseSpec",
    "GrowthSpec",
    "ImagingSpec",
    "ImmuneSpec",
    "OpticsSpec",
    "PASpec",
    "PTTSpec",
    "ParticleSpec",
    "ResponseSpec",
    "StudyConfig",
    "TumourSpec",
    "config_hash",
    "load_study_config",
    "validate_study_config",
]

Time = Quantity("time")
Rate = Quantity("rate")
Volume = Quantity("volume")
Frequency = Quantity("frequency")
FieldH = Quantity("field")
Concentration = Quantity("concentration")
SpecificPower = Quantity("specific_power")
Irradiance = Quantity("irradiance")
RadiantExposure = Quantity("radiant_exposure")

_NUM = r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$"
_DOSE_UNITS = {"mg/kg": 1e-6, "ug/g": 1e-6, "µg/g": 1e-6, "μg/g": 1e-6, "g/kg": 1e-3, "ug/kg": 1e-9,
               "µg/kg": 1e-9, "μg/kg": 1e-9, "mg/g": 1e-3}
_ANGLE_UNITS = {"deg": math.pi / 180.0, "°": math.pi / 180.0, "rad": 1.0}


def _with_unit(table: dict[str, float], what: str, example: str):
    def validate(value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool):
            raise ValueError(f"expected a number with a unit, e.g. '{example}'")
        if isinstance(value, (int, float)):
            if info.context and info.context.get("require_units"):
                raise ValueError(f"{value!r} has no unit; write it with a unit, e.g. '{example}'")
            return float(value)
        m = re.match(_NUM, str(value))
        if not m or m.group(2).replace(" ", "") not in table:
            raise ValueError(f"cannot read {what} {value!r}; allowed units: {', '.join(table)} (e.g. '{example}')")
        return float(m.group(1)) * table[m.group(2).replace(" ", "")]

    return BeforeValidator(validate)


def _tesla(value: Any, info: ValidationInfo) -> Any:
    """B0 as a flux density: '7 T', '1.5 T', '3000 mT' → tesla (SI numbers are tesla)."""
    if isinstance(value, str):
        from ferrokit._shared.units import parse_quantity

        return parse_quantity(value, "field", name="field") * MU_0
    if isinstance(value, (int, float)) and not isinstance(value, bool) and info.context \
            and info.context.get("require_units"):
        raise ValueError(f"{value!r} has no unit; write it with a unit, e.g. '{value} T'")
    return value


#: Dose per body mass [kg Fe per kg body weight]; files write "5 mg/kg" (mg Fe per kg).
DosePerMass = Annotated[float, _with_unit(_DOSE_UNITS, "dose", "5 mg/kg")]
#: Flip angle [rad]; files write "30 deg".
Angle = Annotated[float, _with_unit(_ANGLE_UNITS, "angle", "30 deg")]
#: Main field B0 [T]; files write "7 T".
Tesla = Annotated[float, BeforeValidator(_tesla)]


class ParticleSpec(FrozenModel):
    """Exactly one of ``agent`` (a reference agent name) or ``particle`` (a Particle description)."""

    agent: str | None = None
    particle: Particle | None = None

    @model_validator(mode="after")
    def _one(self) -> ParticleSpec:
        if (self.agent is None) == (self.particle is None):
            raise ValueError("give exactly one of agent (e.g. ferumoxytol) or particle (a particle description)")
        if self.agent is not None:
            from ferrokit.materials import get_agent

            try:
                get_agent(self.agent)
            except FerroKitInputError as exc:
                raise ValueError(str(exc)) from None
        return self

    def resolve(self) -> Particle:
        """The Particle this spec names."""
        if self.particle is not None:
            return self.particle
        from ferrokit.materials import get_agent

        return get_agent(self.agent).particle


class DoseSpec(FrozenModel):
    amount: DosePerMass
    route: Literal["iv", "infusion", "intratumoral"] = "iv"
    infusion_time: Time = 0.0

    @field_validator("amount")
    @classmethod
    def _amount(cls, v: float) -> float:
        if not 0 < v <= 0.1:
            raise ValueError(f"must lie in (0, 100000] mg/kg (iron per body mass), got {v * 1e6:g} mg/kg")
        return v

    @model_validator(mode="after")
    def _check(self) -> DoseSpec:
        if self.route == "infusion" and self.infusion_time <= 0:
            raise ValueError("route infusion needs infusion_time > 0 (e.g. '30 min')")
        if self.route != "infusion" and self.infusion_time != 0:
            raise ValueError("infusion_time goes with route infusion only")
        return self


class TumourSpec(FrozenModel):
    """Tumour size and perfusion (required: no default tumour perfusion), host tissue and PK retention."""

    volume: Volume
    perfusion: Perfusion
    like: str = "muscle"
    partition_coefficient: float | None = Field(default=None, gt=0, le=100)
    permeability_coefficient: float | None = Field(default=None, gt=0, le=10)

    @field_validator("volume")
    @classmethod
    def _volume(cls, v: float) -> float:
        if not 1e-10 <= v <= 1e-3:
            raise ValueError(f"must lie in [0.1, 1e6] mm3, got {v * 1e9:g} mm3")
        return v


class SequenceSpec(FrozenModel):
    kind: Literal["spin_echo", "gradient_echo"] = "spin_echo"
    te: Time
    tr: Time
    flip_angle: Angle | None = None

    @model_validator(mode="after")
    def _check(self) -> SequenceSpec:
        if not 0 < self.te < self.tr:
            raise ValueError("need 0 < te < tr")
        if self.kind == "gradient_echo" and (self.flip_angle is None or not 0 < self.flip_angle < math.pi):
            raise ValueError("a gradient_echo sequence needs flip_angle in (0, 180) deg")
        return self


class TissueRelaxation(FrozenModel):
    t1: Time
    t2: Time
    pd: float = Field(default=1.0, gt=0, le=10)

    @model_validator(mode="after")
    def _check(self) -> TissueRelaxation:
        if not (0 < self.t2 <= self.t1):
            raise ValueError("need 0 < t2 ≤ t1")
        return self


# Illustrative intrinsic relaxation times (order of magnitude for 7 T in mice) — assumptions, replace with
# measured values: the report lists them under the MRI stage's assumptions.
_DEFAULT_TISSUES = {
    "tumour": TissueRelaxation(t1=2.0, t2=0.045, pd=0.9),
    "liver": TissueRelaxation(t1=1.2, t2=0.025, pd=0.75),
    "muscle": TissueRelaxation(t1=1.9, t2=0.030, pd=0.8),
}


class ImagingSpec(FrozenModel):
    field: Tesla
    times: list[Time] = Field(min_length=1, max_length=50)
    sequence: SequenceSpec
    tissues: dict[Literal["tumour", "liver", "muscle"], TissueRelaxation] = Field(
        default_factory=lambda: dict(_DEFAULT_TISSUES))
    noise_sigma: float = Field(default=0.01, ge=0, le=1)
    matrix: int = Field(default=64, ge=16, le=256)
    field_of_view: Length = 0.03

    @model_validator(mode="after")
    def _check(self) -> ImagingSpec:
        if not 1e-4 <= self.field <= 30:
            raise ValueError("field must lie in [0.1 mT, 30 T]")
        if any(t <= 0 for t in self.times):
            raise ValueError("imaging times must be > 0 s after injection")
        if list(self.times) != sorted(set(self.times)):
            raise ValueError("imaging times must be strictly increasing")
        missing = {"tumour", "liver", "muscle"} - set(self.tissues)
        if missing:
            raise ValueError(f"tissues needs tumour, liver and muscle (missing {', '.join(sorted(missing))})")
        if not 0.005 <= self.field_of_view <= 0.5:
            raise ValueError("field_of_view must lie in [5, 500] mm")
        return self


class ControlSpec(FrozenModel):
    target_t90: Temperature
    healthy_max: Temperature | None = None


class AMFSpec(FrozenModel):
    """Alternating magnetic field session: fixed amplitude or T90 control within an H·f limit."""

    time: Time
    frequency: Frequency
    amplitude: FieldH | None = None
    control: ControlSpec | None = None
    duration: Time
    limit: HfLimit = "hergt-dutz"
    slp: SpecificPower | None = None
    slp_amplitude: FieldH | None = None
    grid_cells: int = Field(default=21, ge=9, le=61)
    dt: Time = 30.0

    @model_validator(mode="after")
    def _check(self) -> AMFSpec:
        if (self.amplitude is None) == (self.control is None):
            raise ValueError("give exactly one of amplitude or control")
        if self.time <= 0 or self.duration <= 0 or self.frequency <= 0:
            raise ValueError("time (after injection), duration and frequency must be > 0")
        if not 0 < self.dt <= self.duration:
            raise ValueError("need 0 < dt ≤ duration")
        if self.duration / self.dt > 2000:
            raise ValueError("more than 2000 time steps; increase dt")
        if self.slp_amplitude is not None and self.slp is None:
            raise ValueError("slp_amplitude goes with slp")
        if self.slp is not None and self.slp_amplitude is None:
            raise ValueError("slp needs slp_amplitude (the field of the SLP measurement, to scale ∝ H²)")
        return self


class CDTSpec(FrozenModel):
    ph: float = Field(ge=1, le=9)
    h2o2: Concentration
    gsh: Concentration
    o2: Concentration
    glucose: Concentration = 0.0
    duration: Time

    @model_validator(mode="after")
    def _check(self) -> CDTSpec:
        if min(self.h2o2, self.gsh, self.o2, self.glucose) < 0:
            raise ValueError("concentrations must be ≥ 0")
        if not 0 < self.duration <= 1e6:
            raise ValueError("duration must lie in (0, 1e6] s")
        return self


class GrowthSpec(FrozenModel):
    kind: Literal["exponential", "logistic", "gompertz"]
    rate: Rate
    capacity: Volume | None = None


class ArmSpec(FrozenModel):
    """A therapy arm: which modalities of the study it receives (no modality: the control)."""

    name: str = Field(min_length=1, max_length=60)
    hyperthermia: bool = False
    cdt: bool = False
    pdl1_blockade: float = Field(default=0.0, ge=0, le=1)
    radiation: RadiationSpec | None = None
    chemo: ChemoSpec | None = None
    ptt: bool = False

    @model_validator(mode="after")
    def _check(self) -> ArmSpec:
        if self.ptt and self.hyperthermia:
            raise ValueError("an arm cannot combine ptt with hyperthermia (two thermal sessions are not modelled)")
        return self


class ImmuneSpec(FrozenModel):
    """Tumour–immune model: how the study's physics enter ImmuneEffects (each mapping is an assumption)."""

    duration: Time = 60 * 86400.0
    initial_tumour: float = Field(default=1e6, gt=0, le=1e10)
    variation: Literal["nn", "nl", "ln", "ll"] = "ll"
    effect_window: Time = 3 * 86400.0
    ferroptosis_rate_max: Rate = 0.5 / 86400.0
    repolarisation_max: Rate = 0.5 / 86400.0
    sting_level: float = Field(default=0.5, ge=0, le=1)
    nk_heat_full: Temperature = 316.15


class ResponseSpec(FrozenModel):
    growth: GrowthSpec
    duration: Time
    ros_d10: Concentration = ROS_D10_DEFAULT
    heat_d0: Time = HEAT_D0_CEM43
    heat_dq: Time = HEAT_DQ_CEM43
    arms: list[ArmSpec] = Field(min_length=1, max_length=20)
    immune: ImmuneSpec | None = ImmuneSpec()

    @model_validator(mode="after")
    def _check(self) -> ResponseSpec:
        names = [a.name for a in self.arms]
        if len(set(names)) != len(names):
            raise ValueError(f"arm names must be unique, got {names}")
        if self.duration <= 0:
            raise ValueError("duration must be > 0")
        return self


def tumour_radius(volume: float) -> float:
    """Radius [m] of the sphere of the tumour's ``volume`` [m³]."""
    return (3 * volume / (4 * math.pi)) ** (1 / 3)


class PASpec(FrozenModel):
    """Photoacoustic imaging of a 2D slice through the tumour centre with a ring array (docs/study.md)."""

    grid: int = Field(default=128, ge=48, le=256)
    body_radius: Length = 0.01
    n_sensors: int = Field(default=128, ge=16, le=512)
    pulse_fluence: RadiantExposure = 200.0
    sound_speed: Quantity("speed") = 1540.0

    @model_validator(mode="after")
    def _check(self) -> PASpec:
        if not 3e-3 <= self.body_radius <= 0.1:
            raise ValueError("body_radius must lie in [3, 100] mm")
        if not 0 < self.pulse_fluence <= 1e3:
            raise ValueError("pulse_fluence must lie in (0, 100] mJ/cm2")
        if not 1300 <= self.sound_speed <= 1800:
            raise ValueError("sound_speed must lie in [1300, 1800] m/s (soft tissue)")
        return self


class PTTSpec(FrozenModel):
    """Photothermal therapy session: a laser spot over the tumour, bioheat with the fluence as heat source."""

    time: Time
    wavelength: Length
    irradiance: Irradiance
    duration: Time
    dt: Time = 10.0
    beam_margin: Length = 1e-3
    grid_cells: int = Field(default=21, ge=9, le=41)

    @model_validator(mode="after")
    def _check(self) -> PTTSpec:
        if not 650e-9 <= self.wavelength <= 1000e-9:
            raise ValueError("wavelength must lie in [650, 1000] nm (haemoglobin table)")
        if not 0 < self.irradiance <= 1e5:
            raise ValueError("irradiance must lie in (0, 10] W/cm2")
        if self.time <= 0 or self.duration <= 0:
            raise ValueError("time (after injection) and duration must be > 0")
        if not 0 < self.dt <= self.duration or self.duration / self.dt > 2000:
            raise ValueError("need 0 < dt ≤ duration and at most 2000 time steps")
        if self.beam_margin < 0:
            raise ValueError("beam_margin must be ≥ 0")
        return self


class OpticsSpec(FrozenModel):
    """Optical modalities: photoacoustic imaging at the MRI times and an optional photothermal session."""

    wavelengths: list[Length] = Field(min_length=1, max_length=4)
    tissue: Literal["soft", "fatty", "skin"] = "soft"
    tumour_depth: Length | None = None
    pa: PASpec | None = PASpec()
    ptt: PTTSpec | None = None

    @model_validator(mode="after")
    def _check(self) -> OpticsSpec:
        if any(not 650e-9 <= w <= 1000e-9 for w in self.wavelengths):
            raise ValueError("wavelengths must lie in [650, 1000] nm (haemoglobin table)")
        if list(self.wavelengths) != sorted(set(self.wavelengths)):
            raise ValueError("wavelengths must be strictly increasing")
        if self.tumour_depth is not None and self.tumour_depth <= 0:
            raise ValueError("tumour_depth must be > 0")
        return self


class StudyConfig(FrozenModel):
    """A virtual theranostic study (docs/study.md lists every field)."""

    name: str = Field(default="study", min_length=1, max_length=80)
    seed: int = Field(ge=0, le=2**32 - 1)
    particle: ParticleSpec
    dose: DoseSpec
    species: Literal["mouse", "human"] = "mouse"
    tumour: TumourSpec
    imaging: ImagingSpec
    amf: AMFSpec
    cdt: CDTSpec
    response: ResponseSpec
    pk_duration: Time | None = None
    optics: OpticsSpec | None = None

    @model_validator(mode="after")
    def _check(self) -> StudyConfig:
        t_last = max(self.event_times)
        if self.pk_duration is not None and self.pk_duration < t_last:
            raise ValueError("pk_duration must cover the last imaging time and the AMF (and PTT) session")
        if self.amf.time >= self.response.duration:
            raise ValueError("response.duration must extend past the AMF session time")
        ptt = None if self.optics is None else self.optics.ptt
        if any(a.ptt for a in self.response.arms) and ptt is None:
            raise ValueError("an arm with ptt needs optics.ptt (the photothermal session)")
        if ptt is not None and ptt.time >= self.response.duration:
            raise ValueError("response.duration must extend past the PTT session time")
        if self.optics is not None:
            r_t = tumour_radius(self.tumour.volume)
            depth = self.optics.tumour_depth if self.optics.tumour_depth is not None else r_t + 5e-4
            if depth < r_t:
                raise ValueError(f"optics.tumour_depth (centre) must be ≥ the tumour radius {r_t * 1e3:.2f} mm")
            if self.optics.pa is not None and depth + r_t > 1.8 * self.optics.pa.body_radius:
                raise ValueError("optics.pa.body_radius is too small for the tumour at its depth")
            if ptt is not None and depth + r_t > 0.9 * 6 * r_t:
                raise ValueError("optics.tumour_depth too large for the PTT grid (side 6 tumour radii)")
        return self

    @property
    def event_times(self) -> list[float]:
        """Imaging, AMF and (when given) PTT session times [s]."""
        times = [*self.imaging.times, self.amf.time]
        if self.optics is not None and self.optics.ptt is not None:
            times.append(self.optics.ptt.time)
        return times

    @property
    def optical_tumour_depth(self) -> float | None:
        """Depth of the tumour centre below the skin [m]: ``optics.tumour_depth`` or radius + 0.5 mm."""
        if self.optics is None:
            return None
        if self.optics.tumour_depth is not None:
            return float(self.optics.tumour_depth)
        return tumour_radius(self.tumour.volume) + 5e-4

    @property
    def pk_end(self) -> float:
        """Simulated PK time [s]: ``pk_duration`` or the last event + 1 day."""
        if self.pk_duration is not None:
            return float(self.pk_duration)
        return float(max(self.event_times) + 86400.0)


def validate_study_config(data: Any, *, require_units: bool = True, where: str = "study") -> StudyConfig:
    """Validate a study mapping; raises FerroKitInputError with one line naming the field(s)."""
    if not isinstance(data, dict):
        raise FerroKitInputError(f"{where}: expected a mapping of study keys, got {type(data).__name__}")
    return validate_model(StudyConfig, data, where=where, require_units=require_units)


def read_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping (one-line errors for unreadable/invalid files)."""
    p = Path(path)
    if not p.is_file():
        raise FerroKitInputError(f"{p}: no such file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise FerroKitInputError(f"{p}: not valid YAML ({' '.join(str(exc).split())[:200]})") from None
    if not isinstance(data, dict):
        raise FerroKitInputError(f"{p}: expected a mapping of study keys at the top level")
    return data


def load_study_config(path: str | Path) -> tuple[StudyConfig, dict[str, Any]]:
    """Read and validate a study YAML file (units required); returns the config and the raw mapping."""
    raw = read_yaml_mapping(path)
    return validate_study_config(raw, require_units=True, where=str(path)), raw


def config_hash(config: StudyConfig) -> str:
    """SHA-256 of the validated config (canonical JSON of its SI values)."""
    text = json.dumps(config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
