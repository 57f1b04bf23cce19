"""The ``Particle``: what a nanoparticle is, in one validated, immutable description.

A particle is a magnetic core (composition, median size and lognormal spread, shape), an optional coating
or shell, an optional hydrodynamic size, an optional cluster (multicore) structure and optional measured
values (Ms with its mass basis, effective anisotropy) that replace the model values.

All lengths are metres, Ms is A m² kg⁻¹ on the stated mass basis, anisotropy is J m⁻³, temperatures K.
Strings with units ("12 nm", "60 emu/g", "37 C") are accepted where a user types them (YAML, CLI); from
Python, plain numbers are SI.

Size conventions
----------------
``core_diameter`` is the median of a lognormal number distribution of the characteristic size: the
diameter of a sphere, the **edge** of a cube, the **edge** of a regular octahedron (the sizes TEM papers
report). Volumes follow the shape: π d³/6, d³ and (√2/3) d³. Physics that needs a diameter uses the
volume-equivalent sphere diameter :attr:`Particle.equivalent_diameter`.

Cluster (multicore) particles of N cores with packing fraction φ have an aggregate diameter
d_agg = d_eq (N/φ)^{1/3}; the hydrodynamic diameter, when not given, is the aggregate (or core) diameter
plus twice the coating thickness.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ferrokit._shared.schema import EnergyDensity, FrozenModel, Length, MassMagnetization, Temperature
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import ROOM_TEMPERATURE
from ferrokit.materials.bulk import anisotropy_barrier_density, saturation_magnetization
from ferrokit.materials.conversions import convert_magnetization_basis
from ferrokit.materials.formula import Composition, parse_formula
from ferrokit.materials.size import DEFAULT_SURFACE_ANISOTROPY, dead_layer_magnetization, effective_anisotropy

#: Default magnetically dead surface layer [m]: the lower end of the 0.5–1 nm range reported for iron-oxide
#: nanoparticles (SCIENCE.md §1). A documented default, not a measured value: override per particle.
DEFAULT_DEAD_LAYER = 0.5e-9

Shape = Literal["sphere", "cube", "octahedron"]
MassBasis = Literal["oxide", "iron", "metal", "particle"]

_SHAPE_VOLUME_FACTOR = {"sphere": math.pi / 6.0, "cube": 1.0, "octahedron": math.sqrt(2.0) / 3.0}

# Range checks: what a "nanoparticle" core can be in this toolkit.
_MIN_CORE, _MAX_CORE = 0.5e-9, 1e-6


class Coating(FrozenModel):
    """A shell around the core (or around the cluster).

    Parameters
    ----------
    material : str
        Free text (``PEG``, ``dextran``, ``silica``, ``aminosilane`` …), reported, not interpreted.
    thickness : float, optional
        Shell thickness [m], 0 – 1 µm; ``None`` when unknown (then it adds nothing to computed sizes, and an
        impermeable coating of unknown thickness is refused where an impermeable radius is needed).
    permeable : bool
        Whether water diffuses through the shell (hydrated polymers: usually yes; dense silica: no). MRI
        models use the impermeable radius: the core (or cluster) radius, plus the shell when impermeable.
    """

    material: str = Field(min_length=1)
    thickness: Length | None = None
    permeable: bool = True

    @field_validator("thickness")
    @classmethod
    def _thickness(cls, v: float | None) -> float | None:
        if v is not None and not (0.0 <= v <= 1e-6):
            raise ValueError(f"coating thickness must lie in [0, 1000] nm, got {v * 1e9:g} nm")
        return v


class Cluster(FrozenModel):
    """A multicore particle: ``cores`` magnetic cores packed at volume fraction ``packing_fraction``."""

    cores: int = Field(ge=1, le=100_000)
    packing_fraction: float = Field(gt=0.0, le=0.74, description="core volume / aggregate volume; ≤ 0.74 (fcc)")


class MeasuredMs(FrozenModel):
    """A measured saturation magnetisation with its mass basis.

    Parameters
    ----------
    value : float
        Ms [A m² kg⁻¹] (numerically equal to emu g⁻¹).
    basis : {"oxide", "iron", "metal", "particle"}
        Per kg of magnetic oxide, of iron, of all metals (Fe + dopants), or of the whole coated particle.
    temperature : float, optional
        Measurement temperature [K]; values at other temperatures are scaled by the bulk Ms(T) ratio.
    core_mass_fraction : float, optional
        Mass fraction of magnetic oxide in the particle: required when ``basis="particle"``.
    """

    value: MassMagnetization
    basis: MassBasis
    temperature: Temperature = ROOM_TEMPERATURE
    core_mass_fraction: float | None = Field(default=None, gt=0.0, le=1.0)

    @field_validator("value")
    @classmethod
    def _value(cls, v: float) -> float:
        # 250 A m²/kg is above every known ferrite and iron oxide (bcc Fe is 218)
        if not (0.0 < v <= 250.0):
            raise ValueError(f"Ms must lie in (0, 250] emu/g, got {v:g} emu/g")
        return v

    @field_validator("temperature")
    @classmethod
    def _temperature(cls, v: float) -> float:
        if not (0.0 < v <= 1000.0):
            raise ValueError(f"Ms temperature must lie in (0, 1000] K, got {v:g} K")
        return v

    @model_validator(mode="after")
    def _particle_basis(self) -> MeasuredMs:
        if self.basis == "particle" and self.core_mass_fraction is None:
            raise ValueError("basis 'particle' needs core_mass_fraction (magnetic oxide mass / particle mass)")
        return self


class Particle(FrozenModel):
    """A nanoparticle description, validated on construction.

    Examples
    --------
    >>> p = Particle(composition="Fe3O4", core_diameter="12 nm", core_sigma=0.1,
    ...              coating={"material": "PEG", "thickness": "5 nm"})
    >>> round(p.hydrodynamic_diameter_value * 1e9, 3)
    22.0
    >>> p.composition_info.formula
    'Fe3O4'
    """

    name: str | None = None
    composition: str
    core_diameter: Length
    core_sigma: float = Field(default=0.0, ge=0.0, le=1.0, description="lognormal σ of ln d")
    shape: Shape = "sphere"
    coating: Coating | None = None
    hydrodynamic_diameter: Length | None = None
    cluster: Cluster | None = None
    ms: MeasuredMs | None = None
    anisotropy: EnergyDensity | None = None
    dead_layer: Length = DEFAULT_DEAD_LAYER
    surface_anisotropy: float = Field(default=DEFAULT_SURFACE_ANISOTROPY, ge=0.0, le=1e-2,
                                      description="K_S [J m⁻²]")

    # ---- validation ------------------------------------------------------------------------------
    @field_validator("composition")
    @classmethod
    def _composition(cls, v: str) -> str:
        parse_formula(v)  # raises FerroKitInputError (a ValueError) with the reason
        return v

    @field_validator("core_diameter")
    @classmethod
    def _core(cls, v: float) -> float:
        if not (_MIN_CORE <= v <= _MAX_CORE):
            raise ValueError(f"core diameter must lie in [0.5, 1000] nm, got {v * 1e9:g} nm")
        return v

    @field_validator("anisotropy")
    @classmethod
    def _anisotropy(cls, v: float | None) -> float | None:
        if v is not None and not (0.0 < v <= 5e6):
            raise ValueError(f"anisotropy must lie in (0, 5000] kJ/m3, got {v / 1e3:g} kJ/m3")
        return v

    @field_validator("hydrodynamic_diameter")
    @classmethod
    def _hydro(cls, v: float | None) -> float | None:
        if v is not None and not (_MIN_CORE <= v <= 10e-6):
            raise ValueError(f"hydrodynamic diameter must lie in [0.5, 10000] nm, got {v * 1e9:g} nm")
        return v

    @model_validator(mode="after")
    def _consistency(self) -> Particle:
        if self.dead_layer < 0 or 2 * self.dead_layer >= self.equivalent_diameter * (1 - 1e-12):
            raise ValueError(
                f"dead_layer must lie in [0, d/2) = [0, {self.equivalent_diameter * 0.5e9:.3g}) nm, "
                f"got {self.dead_layer * 1e9:g} nm"
            )
        if self.hydrodynamic_diameter is not None:
            solid = self.aggregate_diameter + 2 * self._coating_thickness
            # a DLS size below the solid size is physically impossible; allow 1 % for rounding
            if self.hydrodynamic_diameter < 0.99 * solid:
                raise ValueError(
                    f"hydrodynamic diameter {self.hydrodynamic_diameter * 1e9:g} nm is smaller than the "
                    f"core/cluster plus coating ({solid * 1e9:.3g} nm)"
                )
        return self

    # ---- geometry --------------------------------------------------------------------------------
    @cached_property
    def composition_info(self) -> Composition:
        """The parsed composition (molar mass, density, Fe fraction, site occupancy)."""
        return parse_formula(self.composition)

    @property
    def core_volume(self) -> float:
        """Volume of a core of the median size [m³] (shape-dependent, see module docstring)."""
        return _SHAPE_VOLUME_FACTOR[self.shape] * self.core_diameter**3

    @property
    def equivalent_diameter(self) -> float:
        """Diameter of the sphere with the median core's volume [m]."""
        return (6.0 * self.core_volume / math.pi) ** (1.0 / 3.0)

    @property
    def aggregate_diameter(self) -> float:
        """Diameter of the magnetic unit [m]: the cluster d_eq (N/φ)^{1/3}, or the core for single cores."""
        if self.cluster is None:
            return self.equivalent_diameter
        return self.equivalent_diameter * (self.cluster.cores / self.cluster.packing_fraction) ** (1.0 / 3.0)

    @property
    def hydrodynamic_diameter_value(self) -> float:
        """The given hydrodynamic diameter, else aggregate diameter + 2 × coating thickness [m]."""
        if self.hydrodynamic_diameter is not None:
            return self.hydrodynamic_diameter
        return self.aggregate_diameter + 2.0 * self._coating_thickness

    @property
    def hydrodynamic_diameter_source(self) -> str:
        """``"given"``, ``"computed"`` or ``"computed (coating thickness unknown)"``."""
        if self.hydrodynamic_diameter is not None:
            return "given"
        if self.coating is not None and self.coating.thickness is None:
            return "computed (coating thickness unknown)"
        return "computed"

    @property
    def _coating_thickness(self) -> float:
        return (self.coating.thickness or 0.0) if self.coating else 0.0

    @property
    def hydrodynamic_volume(self) -> float:
        """Volume of the hydrodynamic sphere [m³]."""
        return math.pi / 6.0 * self.hydrodynamic_diameter_value**3

    @property
    def impermeable_radius(self) -> float:
        """Radius water cannot enter [m]: aggregate radius, plus the coating when it is impermeable."""
        r = 0.5 * self.aggregate_diameter
        if self.coating is not None and not self.coating.permeable:
            if self.coating.thickness is None:
                raise FerroKitInputError(
                    f"{self.name or 'particle'}: the impermeable {self.coating.material} coating has no thickness"
                )
            r += self.coating.thickness
        return r

    @property
    def magnetic_volume_fraction_in_aggregate(self) -> float:
        """φ_intra: fraction of the aggregate volume that is magnetic (1 for a single core)."""
        return self.cluster.packing_fraction if self.cluster else 1.0

    # ---- magnetic material properties --------------------------------------------------------------
    def saturation_magnetization(self, temperature: float = ROOM_TEMPERATURE) -> tuple[float, str]:
        """Ms of the core material per kg of oxide [A m² kg⁻¹] at ``temperature`` [K], and its source.

        A measured value (any basis) is converted to the oxide basis and scaled from its measurement
        temperature by the bulk ratio Ms_bulk(T)/Ms_bulk(T_meas). Otherwise the bulk model Ms(T) is reduced
        by a magnetically dead surface layer t: Ms = Ms_bulk (1 − 2t/d)³.

        Returns
        -------
        (ms, source) : (float, str)
            ``source`` is ``"measured (<basis> basis, <T> K)"`` or ``"model (bulk Ms(T), dead layer <t> nm)"``.
        """
        comp = self.composition_info
        bulk_t = saturation_magnetization(comp, temperature)
        if self.ms is not None:
            oxide = convert_magnetization_basis(
                self.ms.value, self.ms.basis, "oxide", comp, particle_mass_fraction=self.ms.core_mass_fraction
            )
            if abs(temperature - self.ms.temperature) > 1e-9:
                bulk_ref = saturation_magnetization(comp, self.ms.temperature)
                if bulk_ref <= 0:
                    raise FerroKitInputError(
                        f"cannot scale the measured Ms of {comp.formula}: the bulk model gives Ms = 0 at "
                        f"{self.ms.temperature:g} K"
                    )
                oxide *= bulk_t / bulk_ref
            return oxide, f"measured ({self.ms.basis} basis, {self.ms.temperature:g} K)"
        ms = dead_layer_magnetization(bulk_t, self.equivalent_diameter, self.dead_layer)
        return ms, f"model (bulk Ms(T), dead layer {self.dead_layer * 1e9:g} nm)"

    def saturation_magnetization_volume(self, temperature: float = ROOM_TEMPERATURE) -> float:
        """Ms of the core material per volume [A m⁻¹]: mass Ms (oxide basis) × X-ray density."""
        return self.saturation_magnetization(temperature)[0] * self.composition_info.density

    def effective_anisotropy(self, temperature: float = ROOM_TEMPERATURE) -> tuple[float, str]:
        """Effective anisotropy energy density K_eff [J m⁻³] for the Néel barrier K_eff V, and its source.

        A measured value is used as given. Otherwise K_eff = K_V + 6 K_S/d (Bødker, Mørup & Linderoth,
        Phys Rev Lett 1994 72:282), with K_V the cubic magnetocrystalline barrier density of the bulk
        material (K1/4 for K1 > 0, |K1|/12 for K1 < 0) and K_S :attr:`surface_anisotropy`.
        """
        if self.anisotropy is not None:
            return self.anisotropy, "measured"
        k_v = anisotropy_barrier_density(self.composition_info, temperature)
        k = effective_anisotropy(k_v, self.surface_anisotropy, self.equivalent_diameter)
        return k, f"model (K_V + 6 K_S/d, K_S = {self.surface_anisotropy:g} J/m2)"

    def describe(self) -> str:
        """A one-line human summary."""
        comp = self.composition_info.formula
        parts = [f"{comp} {self.shape}, core {self.core_diameter * 1e9:.3g} nm (σ {self.core_sigma:g})"]
        if self.cluster:
            parts.append(f"{self.cluster.cores}-core cluster")
        if self.coating:
            t = self.coating.thickness
            parts.append(f"{self.coating.material} " + (f"{t * 1e9:.3g} nm" if t is not None else "(thickness ?)"))
        parts.append(f"d_H {self.hydrodynamic_diameter_value * 1e9:.3g} nm ({self.hydrodynamic_diameter_source})")
        return ", ".join(parts)
