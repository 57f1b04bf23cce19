"""Heat-capacity bookkeeping for calorimetry: specific heats of sample components and the total C = Σ m_i c_i.

Built-in specific heats (SI, J kg⁻¹ K⁻¹) with their sources and how sure we are of them:

===============  ==========================  ===========================================================  ======
material         c_p                         source                                                       status
===============  ==========================  ===========================================================  ======
water            4217 (0 °C) … 4178 (37 °C)  saturated liquid water, 273.15–373.15 K, as tabulated in      S
                 … 4217 (100 °C), T table    Incropera & DeWitt, *Fundamentals of Heat and Mass Transfer*
                                             Table A.6 (transcribed by amesweb.info); agrees with the
                                             IAPWS-95 values of the Engineering ToolBox (4219.9 J/kg/K at
                                             0.01 °C, 4195.5 at 10 °C) within 0.1 %
borosilicate     830 ± 40                    Schott Duran/Borofloat data sheets (0.83 kJ/kg/K at 20 °C)   U
glass
soda-lime glass  840 ± 60                    common handbook value                                        U
polypropylene    1920 ± 150                  handbook range 1.7–2.0 kJ/kg/K (vial/tube material)          U
agar gel         4100 ± 100                  1–2 % agar gels are ≥ 98 % water; value = water minus 2 %    U
magnetite        651 ± 10                    C_p = 150.7 J/mol/K at 298.15 K (recalled from Robie &       U
                                             Hemingway, USGS Bull. 2131, 1995; smoothed values in
                                             Hemingway, Am. Mineral. 1990), M = 0.23153 kg/mol
maghemite        650 ± 40                    assumed equal to magnetite per kg                            U
===============  ==========================  ===========================================================  ======

The magnetic particles add little (1 mg Fe as magnetite: 0.9 mJ/K against 4.18 J/K for 1 mL of water) but
are counted. Water's c_p varies by < 1 % between 0 and 100 °C; it is evaluated at the mean sample
temperature of the analysed heating curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_nonnegative, check_positive, check_range

__all__ = [
    "MATERIALS",
    "HeatCapacityBudget",
    "MaterialHeatCapacity",
    "specific_heat",
    "specific_heat_water",
    "total_heat_capacity",
    "water_density",
]

# saturated liquid water: T [K], c_p [J/(kg K)] (Incropera & DeWitt Table A.6 via amesweb.info) [S]
_WATER_T = np.array([273.15, 275.0, 280.0, 285.0, 290.0, 295.0, 300.0, 305.0, 310.0, 315.0, 320.0, 325.0,
                     330.0, 335.0, 340.0, 345.0, 350.0, 355.0, 360.0, 365.0, 370.0, 373.15])
_WATER_CP = np.array([4217.0, 4211.0, 4198.0, 4189.0, 4184.0, 4181.0, 4179.0, 4178.0, 4178.0, 4179.0, 4180.0,
                      4182.0, 4184.0, 4186.0, 4188.0, 4191.0, 4195.0, 4199.0, 4203.0, 4209.0, 4214.0, 4217.0])
#: Relative standard uncertainty given to the tabulated water c_p (table rounding 1 J/kg/K and source spread).
WATER_CP_REL_UNCERTAINTY = 1e-3

# water density at 0.1 MPa: T [°C] → ρ [kg/m³] (CRC Handbook values as commonly tabulated) [U]
_RHO_T = np.array([0.0, 10.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0]) + 273.15
_RHO = np.array([999.84, 999.70, 998.21, 997.05, 995.65, 992.22, 988.04, 983.20, 977.76, 971.79, 965.31,
                 958.35])


@dataclass(frozen=True)
class MaterialHeatCapacity:
    """A built-in specific heat: value [J kg⁻¹ K⁻¹] at 25 °C, standard uncertainty, source and status."""

    name: str
    specific_heat: float
    uncertainty: float
    source: str
    status: str  # "V", "S" or "U" as in SCIENCE.md
    temperature_dependent: bool = False

    def to_dict(self) -> dict:
        return {"name": self.name, "specific_heat": {"value": self.specific_heat, "unit": "J/(kg K)"},
                "uncertainty": {"value": self.uncertainty, "unit": "J/(kg K)"}, "source": self.source,
                "status": self.status, "temperature_dependent": self.temperature_dependent}


#: Built-in materials (keys are the names accepted in sample files).
MATERIALS: dict[str, MaterialHeatCapacity] = {
    m.name: m for m in (
        MaterialHeatCapacity("water", 4181.3, 4.2, "Incropera & DeWitt, Fundamentals of Heat and Mass Transfer, "
                             "Table A.6 (saturated liquid water), via amesweb.info; T-dependent", "S", True),
        MaterialHeatCapacity("borosilicate_glass", 830.0, 40.0, "Schott Duran/Borofloat 33 data sheets", "U"),
        MaterialHeatCapacity("soda_lime_glass", 840.0, 60.0, "handbook value", "U"),
        MaterialHeatCapacity("glass", 830.0, 60.0, "borosilicate value, wider uncertainty", "U"),
        MaterialHeatCapacity("polypropylene", 1920.0, 150.0, "handbook range 1.7–2.0 kJ/(kg K)", "U"),
        MaterialHeatCapacity("agar_gel", 4100.0, 100.0, "1–2 % agar gel ≈ water (−2 %)", "U"),
        MaterialHeatCapacity("magnetite", 651.0, 10.0, "Robie & Hemingway, USGS Bull. 2131 (1995): "
                             "C_p(298.15 K) = 150.7 J/(mol K) (recalled, not checked), M = 0.23153 kg/mol", "U"),
        MaterialHeatCapacity("maghemite", 650.0, 40.0, "assumed equal to magnetite per kg", "U"),
    )
}
MATERIALS["iron_oxide"] = MATERIALS["magnetite"]


def specific_heat_water(temperature):
    """Isobaric specific heat of liquid water c_p(T) [J kg⁻¹ K⁻¹], linear interpolation in a table.

    Parameters
    ----------
    temperature : float or array
        Temperature [K], 273.15–373.15 K.

    Notes
    -----
    Saturated-liquid values (equal to 1 atm values below 100 °C to < 0.1 %) from Incropera & DeWitt,
    Fundamentals of Heat and Mass Transfer, Table A.6 [S, transcription]; the minimum (4178 J/kg/K) lies near
    37 °C. Cross-checked against IAPWS-95 values (Engineering ToolBox) within 0.1 %.

    >>> round(specific_heat_water(300.0), 1)
    4179.0
    """
    t = np.asarray(temperature, dtype=float)
    if not np.all(np.isfinite(t)) or np.any(t < _WATER_T[0]) or np.any(t > _WATER_T[-1]):
        raise FerroKitInputError(f"temperature must lie in [{_WATER_T[0]:g}, {_WATER_T[-1]:g}] K for liquid "
                                 "water, got " + np.array2string(t, precision=2))
    out = np.interp(t, _WATER_T, _WATER_CP)
    return float(out) if out.ndim == 0 else out


def water_density(temperature: float) -> float:
    """Density of liquid water [kg m⁻³] at 0.1 MPa, linear interpolation of CRC Handbook values [U], 0–100 °C.

    >>> water_density(298.15)
    997.05
    """
    t = check_range("temperature", temperature, _RHO_T[0], _RHO_T[-1], unit="K")
    return float(np.interp(t, _RHO_T, _RHO))


def specific_heat(material: str, temperature: float = 298.15) -> tuple[float, float]:
    """``(c_p, standard uncertainty)`` [J kg⁻¹ K⁻¹] of a built-in material at ``temperature`` [K].

    >>> specific_heat("magnetite")
    (651.0, 10.0)
    """
    key = material.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in MATERIALS:
        raise FerroKitInputError(f"unknown material {material!r}; built-in: {', '.join(sorted(MATERIALS))} "
                                 "(or give specific_heat explicitly)")
    m = MATERIALS[key]
    if m.temperature_dependent:
        cp = specific_heat_water(temperature)
        return cp, cp * WATER_CP_REL_UNCERTAINTY
    return m.specific_heat, m.uncertainty


@dataclass(frozen=True)
class HeatCapacityBudget:
    """Total heat capacity C = Σ m_i c_i [J/K] with its standard uncertainty and one row per component.

    ``rows``: tuples ``(name, material, mass [kg], mass_uncertainty [kg], c_p [J/(kg K)], c_p uncertainty,
    m·c_p [J/K], source)``; ``uncertainty``: √Σ[(c σ_m)² + (m σ_c)²] (independent components).
    """

    total: float
    uncertainty: float
    temperature: float
    rows: tuple[tuple, ...]

    @property
    def relative_uncertainty(self) -> float:
        return self.uncertainty / self.total

    def to_dict(self) -> dict:
        return {
            "total": {"value": self.total, "unit": "J/K"},
            "uncertainty": {"value": self.uncertainty, "unit": "J/K"},
            "evaluated_at": {"value": self.temperature, "unit": "K"},
            "components": [
                {"name": r[0], "material": r[1], "mass": {"value": r[2], "unit": "kg"},
                 "mass_uncertainty": {"value": r[3], "unit": "kg"},
                 "specific_heat": {"value": r[4], "unit": "J/(kg K)"},
                 "specific_heat_uncertainty": {"value": r[5], "unit": "J/(kg K)"},
                 "heat_capacity": {"value": r[6], "unit": "J/K"}, "source": r[7]}
                for r in self.rows
            ],
        }


def total_heat_capacity(components, *, temperature: float = 298.15) -> HeatCapacityBudget:
    """Sum the heat capacities of sample components.

    .. math:: C = \\sum_i m_i c_i, \\qquad
              \\sigma_C^2 = \\sum_i (c_i \\sigma_{m_i})^2 + (m_i \\sigma_{c_i})^2

    Parameters
    ----------
    components : iterable of dict
        Each with ``name``, ``mass`` [kg] and either ``material`` (a key of :data:`MATERIALS`) or
        ``specific_heat`` [J kg⁻¹ K⁻¹]; optional ``mass_uncertainty`` [kg] and
        ``specific_heat_uncertainty`` [J kg⁻¹ K⁻¹] (default: the table's, or 0 for a given c_p).
    temperature : float
        Temperature [K] at which T-dependent specific heats (water) are evaluated.

    >>> b = total_heat_capacity([{"name": "water", "material": "water", "mass": 1e-3}], temperature=300.0)
    >>> round(b.total, 4)
    4.179
    """
    rows = []
    var = 0.0
    for i, comp in enumerate(components):
        name = str(comp.get("name") or comp.get("material") or f"component {i + 1}")
        mass = check_nonnegative(f"{name}: mass", comp["mass"], unit="kg")
        dm = check_nonnegative(f"{name}: mass_uncertainty", comp.get("mass_uncertainty") or 0.0, unit="kg")
        material = comp.get("material")
        if comp.get("specific_heat") is not None:
            cp = check_positive(f"{name}: specific_heat", comp["specific_heat"], unit="J/(kg K)")
            dcp = check_nonnegative(f"{name}: specific_heat_uncertainty",
                                    comp.get("specific_heat_uncertainty") or 0.0)
            source = "given"
        elif material is not None:
            cp, dcp = specific_heat(material, temperature)
            if comp.get("specific_heat_uncertainty") is not None:
                dcp = check_nonnegative(f"{name}: specific_heat_uncertainty", comp["specific_heat_uncertainty"])
            source = MATERIALS[material.strip().lower().replace(" ", "_").replace("-", "_")].source
        else:
            raise FerroKitInputError(f"{name}: give a material ({', '.join(sorted(MATERIALS))}) or specific_heat")
        rows.append((name, material, mass, dm, cp, dcp, mass * cp, source))
        var += (cp * dm) ** 2 + (mass * dcp) ** 2
    if not rows:
        raise FerroKitInputError("components: at least one component is needed")
    total = sum(r[6] for r in rows)
    if total <= 0:
        raise FerroKitInputError("components: the total heat capacity is 0; give the sample masses")
    return HeatCapacityBudget(total=float(total), uncertainty=math.sqrt(var), temperature=float(temperature),
                              rows=tuple(rows))
