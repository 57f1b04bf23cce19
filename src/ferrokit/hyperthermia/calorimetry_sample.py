"""Calorimetry sample metadata (one pydantic schema for YAML, CLI and Python) and what follows from it: the
iron mass and the heat-capacity budget.

Every measurement should record geometry, volume, concentration and its basis, probe type and position,
and the field calibration (Wells et al., Int. J. Hyperthermia 38 (2021) 447: interlaboratory ILP spread
±30–40 %, systematic per lab) [V abstract]; they are echoed into every saved result.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import field_validator

from ferrokit._shared.schema import FrozenModel, Quantity
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.hyperthermia.heat_capacity import HeatCapacityBudget, total_heat_capacity, water_density
from ferrokit.materials import iron_mass_to_oxide_mass, oxide_mass_to_iron_mass

__all__ = ["CalorimetrySample", "Component", "Concentration", "FieldCalibration", "Geometry", "Probe",
           "parse_specific_heat", "sample_heat_capacity", "sample_iron_mass"]

Mass = Quantity("mass")
Volume = Quantity("volume")
Length = Quantity("length")
Fraction = Quantity("dimensionless")

_CP_UNITS = {"j/(kgk)": 1.0, "j/kg/k": 1.0, "j/kgk": 1.0, "j/(kg.k)": 1.0, "jkg-1k-1": 1.0,
             "kj/(kgk)": 1e3, "kj/kg/k": 1e3, "kj/(kg.k)": 1e3, "j/(gk)": 1e3, "j/g/k": 1e3, "j/(g.k)": 1e3,
             "jg-1k-1": 1e3}


def parse_specific_heat(value, *, name: str = "specific_heat") -> float:
    """Specific heat from ``"4.18 J/(g K)"``/``"4180 J/(kg K)"`` (or an SI number) to J kg⁻¹ K⁻¹.

    >>> parse_specific_heat("0.83 kJ/(kg K)")
    830.0
    """
    if isinstance(value, bool):
        raise FerroKitInputError(f"{name}: expected a number with a unit, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    m = re.match(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$", str(value))
    if not m:
        raise FerroKitInputError(f"{name}: cannot read {value!r}; write e.g. '4180 J/(kg K)'")
    unit = m.group(2).replace("·", ".").replace("*", ".").replace(" ", "").replace("⁻¹", "-1").lower()
    if unit not in _CP_UNITS:
        raise FerroKitInputError(f"{name}: unknown specific-heat unit {m.group(2)!r}; allowed: J/(kg K), "
                                 "kJ/(kg K), J/(g K)")
    return float(m.group(1)) * _CP_UNITS[unit]


class Geometry(FrozenModel):
    """Container and fill geometry (free text plus the numbers that matter for losses)."""

    container: str | None = None
    shape: Literal["cylinder", "sphere", "cuvette", "other"] | None = None
    inner_diameter: Length | None = None
    fill_height: Length | None = None
    insulation: str | None = None
    notes: str | None = None


class Concentration(FrozenModel):
    """Magnetic-material concentration and the mass it counts (``basis``: Fe, oxide or particle)."""

    value: Quantity("mass_concentration")
    basis: Literal["Fe", "oxide", "particle"]
    relative_uncertainty: Fraction = 0.0
    method: str | None = None

    @field_validator("value")
    @classmethod
    def _positive(cls, v):
        if v <= 0:
            raise ValueError(f"must be > 0, got {v:g} kg/m3")
        return v


class Probe(FrozenModel):
    """Temperature probe: type, position, response time."""

    type: str
    position: str | None = None
    time_constant: Quantity("time") | None = None
    calibration: str | None = None


class FieldCalibration(FrozenModel):
    """How the AC field was measured; amplitude/frequency here are used when ``--field`` is not given."""

    amplitude: Quantity("field") | None = None
    frequency: Quantity("frequency") | None = None
    relative_uncertainty: Fraction | None = None
    method: str | None = None
    date: str | None = None


class Component(FrozenModel):
    """One heat-capacity contributor: a built-in ``material`` or an explicit ``specific_heat``; water may
    be given by ``volume`` (mass = V ρ_water(T))."""

    name: str
    material: str | None = None
    mass: Mass | None = None
    volume: Volume | None = None
    mass_uncertainty: Mass | None = None
    specific_heat: float | str | None = None
    specific_heat_uncertainty: float | str | None = None

    @field_validator("mass", "volume", "mass_uncertainty")
    @classmethod
    def _nonneg(cls, v):
        if v is not None and v < 0:
            raise ValueError(f"must be ≥ 0, got {v:g}")
        return v

    @field_validator("specific_heat", "specific_heat_uncertainty")
    @classmethod
    def _cp(cls, v, info):
        if v is None:
            return v
        x = parse_specific_heat(v, name=info.field_name)
        if x < 0 or (info.field_name == "specific_heat" and x == 0):
            raise ValueError(f"must be > 0, got {x:g} J/(kg K)")
        return x


class CalorimetrySample(FrozenModel):
    """Sample description for ``ferrokit calorimetry analyze --sample``. Unknown keys are errors."""

    name: str | None = None
    description: str | None = None
    composition: str = "Fe3O4"
    volume: Volume | None = None
    concentration: Concentration | None = None
    iron_mass: Mass | None = None
    iron_mass_relative_uncertainty: Fraction = 0.0
    ambient: Quantity("temperature") | None = None
    geometry: Geometry | None = None
    probe: Probe | None = None
    field_calibration: FieldCalibration | None = None
    components: tuple[Component, ...] = ()

    @field_validator("volume", "iron_mass")
    @classmethod
    def _positive(cls, v):
        if v is not None and v <= 0:
            raise ValueError(f"must be > 0, got {v:g}")
        return v


def sample_iron_mass(sample: CalorimetrySample | None, *, iron_mass: float | None = None,
                     volume: float | None = None) -> tuple[float, float, str]:
    """``(m_Fe [kg], standard uncertainty [kg], source)`` from an explicit mass, the sample's, or c × V."""
    rel = sample.iron_mass_relative_uncertainty if sample is not None else 0.0
    if iron_mass is not None:
        if iron_mass <= 0:
            raise FerroKitInputError(f"iron mass must be > 0 kg, got {iron_mass:g}")
        return iron_mass, rel * iron_mass, "given"
    if sample is not None and sample.iron_mass is not None:
        return sample.iron_mass, rel * sample.iron_mass, "sample file (iron_mass)"
    vol = volume if volume is not None else (sample.volume if sample is not None else None)
    if sample is not None and sample.concentration is not None and vol is not None:
        c = sample.concentration
        mass = c.value * vol
        if c.basis == "oxide":
            mass = float(oxide_mass_to_iron_mass(mass, sample.composition))
        elif c.basis == "particle":
            raise FerroKitInputError("concentration basis 'particle' needs the iron mass fraction of the "
                                     "particles; give iron_mass (or --fe-mass) instead")
        rel_c = (rel ** 2 + c.relative_uncertainty ** 2) ** 0.5
        return mass, rel_c * mass, f"concentration ({c.basis} basis) × volume"
    raise FerroKitInputError("the iron mass is unknown: give --fe-mass (e.g. 1mg), or iron_mass or "
                             "concentration + volume in the sample file")


def sample_heat_capacity(sample: CalorimetrySample | None, *, iron_mass: float, volume: float | None,
                         temperature: float) -> HeatCapacityBudget:
    """Heat-capacity budget at ``temperature`` [K]: the sample's components, else water of ``volume``; the
    particles (oxide mass from the iron mass and composition, c_p of magnetite) are always added."""
    comps = []
    composition = sample.composition if sample is not None else "Fe3O4"
    for comp in (sample.components if sample is not None else ()):
        mass = comp.mass
        if mass is None:
            if comp.volume is None:
                raise FerroKitInputError(f"component {comp.name!r}: give mass (or volume, for water)")
            if (comp.material or "").lower() != "water":
                raise FerroKitInputError(f"component {comp.name!r}: volume is accepted only for water; give mass")
            mass = comp.volume * water_density(temperature)
        comps.append({"name": comp.name, "material": comp.material, "mass": mass,
                      "mass_uncertainty": comp.mass_uncertainty, "specific_heat": comp.specific_heat,
                      "specific_heat_uncertainty": comp.specific_heat_uncertainty})
    if not comps:
        vol = volume if volume is not None else (sample.volume if sample is not None else None)
        if vol is None:
            raise FerroKitInputError("the heat capacity is unknown: give --volume (water), or components in the "
                                     "sample file")
        comps.append({"name": "water (from volume)", "material": "water", "mass": vol * water_density(temperature)})
    oxide = float(iron_mass_to_oxide_mass(iron_mass, composition))
    comps.append({"name": f"particles ({composition}, from the iron mass)", "material": "magnetite", "mass": oxide})
    return total_heat_capacity(comps, temperature=temperature)
