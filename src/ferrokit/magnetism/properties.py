"""Derived magnetic properties of a :class:`~ferrokit.materials.Particle` at one temperature.

This is what ``ferrokit predict`` shows: composition-derived quantities, Ms, K_eff, the Néel, Brown and
effective relaxation times and the blocking temperature, each with the model (or measurement) it came
from. Relaxation times are evaluated for the **median** core and the hydrodynamic diameter; the
volume-weighted mean core diameter of the lognormal distribution is reported alongside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ferrokit._shared.validation import FerroKitInputError, check_positive, check_range
from ferrokit.constants import K_B, ROOM_TEMPERATURE
from ferrokit.magnetism.distribution import volume_weighted_mean_diameter
from ferrokit.magnetism.relaxation import blocking_temperature, brown_time, effective_time, neel_time
from ferrokit.magnetism.viscosity import water_viscosity
from ferrokit.materials.conversions import convert_magnetization_basis
from ferrokit.materials.particle import Particle

#: Default attempt time τ0 of the Néel law [s]; 1e-9 s is within the usual 1e-9–1e-10 s range
#: (SCIENCE.md §1: poorly known, hence a parameter).
DEFAULT_TAU0 = 1e-9
#: Default measurement time for the blocking temperature [s] (DC magnetometry, ~100 s).
DEFAULT_MEASUREMENT_TIME = 100.0


@dataclass(frozen=True)
class Value:
    """A number with its SI unit and where it came from."""

    value: float
    unit: str
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "unit": self.unit}
        if self.source:
            out["source"] = self.source
        return out


@dataclass(frozen=True)
class MagneticProperties:
    """Derived properties of a particle at ``temperature``. All values SI; see :meth:`to_dict`."""

    particle: Particle
    temperature: float
    values: dict[str, Value] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> float:
        return self.values[key].value

    def to_dict(self) -> dict[str, Any]:
        comp = self.particle.composition_info
        return {
            "particle": self.particle.model_dump(mode="json", exclude_none=True),
            "particle_units": "SI: lengths m, ms.value A m2/kg, temperatures K, anisotropy J/m3, K_S J/m2",
            "composition": comp.to_dict(),
            "temperature": {"value": self.temperature, "unit": "K"},
            "properties": {k: v.to_dict() for k, v in self.values.items()},
            "notes": list(self.notes),
        }


def predict_magnetic_properties(
    particle: Particle,
    *,
    temperature: float = ROOM_TEMPERATURE,
    tau0: float = DEFAULT_TAU0,
    viscosity: float | None = None,
    measurement_time: float = DEFAULT_MEASUREMENT_TIME,
) -> MagneticProperties:
    """Compute the derived magnetic properties of ``particle``.

    Parameters
    ----------
    particle : Particle
        The particle.
    temperature : float
        Temperature [K], 200–400 K (the carrier is liquid water for the Brown time: 273.15–373.15 K).
    tau0 : float
        Néel attempt time [s], 1e-13 – 1e-7.
    viscosity : float, optional
        Carrier viscosity [Pa s]; default water at ``temperature`` (IAPWS 2008, see
        :func:`ferrokit.magnetism.water_viscosity`).
    measurement_time : float
        Measurement time for the blocking temperature [s].

    Returns
    -------
    MagneticProperties
        ``values`` keys: ``density``, ``molar_mass``, ``iron_mass_fraction``, ``metal_mass_fraction``,
        ``core_volume``, ``equivalent_diameter``, ``volume_weighted_diameter``, ``aggregate_diameter``,
        ``hydrodynamic_diameter``, ``ms_mass``, ``ms_volume``, ``ms_iron``, ``k_eff``, ``energy_barrier_ratio``
        (K V/k_B T), ``tau_neel``, ``tau_brown``, ``tau_eff``, ``blocking_temperature``.
    """
    temperature = check_range("temperature", temperature, 200.0, 400.0, unit="K")
    tau0 = check_range("tau0", tau0, 1e-13, 1e-7, unit="s")
    measurement_time = check_positive("measurement_time", measurement_time, unit="s")
    comp = particle.composition_info
    notes: list[str] = []

    ms_mass, ms_source = particle.saturation_magnetization(temperature)
    ms_vol = ms_mass * comp.density
    ms_fe = convert_magnetization_basis(ms_mass, "oxide", "iron", comp)
    k_eff, k_source = particle.effective_anisotropy(temperature)
    v = particle.core_volume
    vh = particle.hydrodynamic_volume
    if viscosity is None:
        if not (273.15 <= temperature <= 373.15):
            raise FerroKitInputError(
                f"temperature {temperature:g} K: the Brown time needs liquid water (273.15–373.15 K) "
                "or an explicit viscosity"
            )
        eta = water_viscosity(temperature)
        eta_source = "water, IAPWS 2008"
    else:
        eta = check_positive("viscosity", viscosity, unit="Pa s")
        eta_source = "given"

    t_n = neel_time(anisotropy=k_eff, volume=v, temperature=temperature, tau0=tau0)
    t_b = brown_time(hydrodynamic_volume=vh, temperature=temperature, viscosity=eta)
    t_eff = effective_time(t_n, t_b)
    t_block = blocking_temperature(anisotropy=k_eff, volume=v, measurement_time=measurement_time, tau0=tau0)
    sigma = particle.core_sigma
    d_vw = volume_weighted_mean_diameter(particle.equivalent_diameter, sigma)

    if particle.cluster is not None:
        notes.append("cluster: relaxation times are for one core; inter-core interactions are not modelled")
    if sigma > 0:
        notes.append("relaxation times are for the median core; polydisperse averages are computed where used")
    barrier = k_eff * v / (K_B * temperature)
    if barrier < 3.0:
        notes.append(f"K_eff V/k_B T = {barrier:.2g} < 3: the Néel–Arrhenius law is only indicative this close "
                     "to the superparamagnetic limit")
    if t_n > 1e3 * t_b:
        notes.append("Brown relaxation dominates (τN ≫ τB): the moment is blocked in the core")
    elif t_b > 1e3 * t_n:
        notes.append("Néel relaxation dominates (τB ≫ τN)")

    values = {
        "density": Value(comp.density, "kg/m3", "X-ray density from the lattice constant"),
        "molar_mass": Value(comp.molar_mass, "kg/mol"),
        "iron_mass_fraction": Value(comp.iron_mass_fraction, "1", "kg Fe per kg oxide"),
        "metal_mass_fraction": Value(comp.metal_mass_fraction, "1", "kg metal per kg oxide"),
        "core_volume": Value(v, "m3", f"median core, {particle.shape}"),
        "equivalent_diameter": Value(particle.equivalent_diameter, "m", "volume-equivalent sphere"),
        "volume_weighted_diameter": Value(d_vw, "m", "⟨d⁴⟩/⟨d³⟩ of the lognormal"),
        "aggregate_diameter": Value(particle.aggregate_diameter, "m"),
        "hydrodynamic_diameter": Value(particle.hydrodynamic_diameter_value, "m",
                                       particle.hydrodynamic_diameter_source),
        "ms_mass": Value(ms_mass, "A m2/kg", f"per kg oxide; {ms_source}"),
        "ms_volume": Value(ms_vol, "A/m", "ms_mass × density"),
        "ms_iron": Value(ms_fe, "A m2/kg", "per kg Fe"),
        "k_eff": Value(k_eff, "J/m3", k_source),
        "energy_barrier_ratio": Value(barrier, "1", "K_eff V / k_B T"),
        "viscosity": Value(eta, "Pa s", eta_source),
        "tau_neel": Value(t_n, "s", f"Néel–Arrhenius, tau0 = {tau0:g} s"),
        "tau_brown": Value(t_b, "s", "Brown, 3 η V_H / k_B T"),
        "tau_eff": Value(t_eff, "s", "1/τ = 1/τN + 1/τB"),
        "blocking_temperature": Value(t_block, "K", f"K_eff V / (k_B ln(t_m/τ0)), t_m = {measurement_time:g} s"),
    }
    return MagneticProperties(particle=particle, temperature=temperature, values=values, notes=tuple(notes))
