"""Thermal properties of tissues for bioheat planning, from a shipped table with a status per value.

The table ``_data/tissue_properties.csv`` (sources in ``_data/SOURCES.md``) holds density ρ [kg m⁻³],
specific heat capacity c [J kg⁻¹ K⁻¹], thermal conductivity k [W m⁻¹ K⁻¹], volumetric blood perfusion as
published by the IT'IS database (mL min⁻¹ kg⁻¹) and metabolic heat [W kg⁻¹] where known. Each value carries a
status (``verified``, ``verified-secondary``, ``unverified``). The perfusion *rate* used by the Pennes
equation is

.. math:: \\omega_b\\,[\\mathrm{s^{-1}}] = F\\,[\\mathrm{mL\\,min^{-1}\\,kg^{-1}}] \\times 10^{-6}
          \\times \\rho / 60,

i.e. volume of blood per volume of tissue per second. Tumour perfusion has no database value (it ranges
from near zero in necrotic cores to above that of the host organ), so a tumour is always built with an
explicit perfusion (:func:`tumour_properties`).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from ferrokit._shared.validation import FerroKitInputError, check_nonnegative, check_positive

#: Blood density [kg m⁻³] (IT'IS v4.2 via a third-party transcription; verified-secondary).
BLOOD_DENSITY = 1049.75
#: Blood specific heat capacity [J kg⁻¹ K⁻¹] (IT'IS v4.2 via a third-party transcription; verified-secondary).
BLOOD_HEAT_CAPACITY = 3617.0


def perfusion_rate_from_flow(flow_ml_min_kg: float, density: float) -> float:
    """Perfusion rate ω_b [s⁻¹] from a tissue-mass-specific blood flow [mL min⁻¹ kg⁻¹] and density [kg m⁻³].

    >>> round(perfusion_rate_from_flow(37.0, 1090.0), 7)
    0.0006722
    """
    check_nonnegative("perfusion", flow_ml_min_kg, unit="mL/min/kg")
    check_positive("density", density, unit="kg/m3")
    return flow_ml_min_kg * 1e-6 * density / 60.0


@dataclass(frozen=True)
class TissueProperties:
    """Thermal properties of one tissue (SI).

    Parameters
    ----------
    name : str
        Identifier (``muscle``, ``liver``, ``tumour`` …).
    density : float
        ρ [kg m⁻³].
    heat_capacity : float
        c [J kg⁻¹ K⁻¹].
    conductivity : float
        k [W m⁻¹ K⁻¹].
    perfusion : float
        Blood perfusion rate ω_b [s⁻¹] (volume of blood per volume of tissue per second).
    metabolic_heat : float
        Metabolic heat per mass [W kg⁻¹] (0 where the table has no value).
    status : dict
        Verification status of the thermal, perfusion and metabolic values.
    source : str
        Where the values come from.
    """

    name: str
    density: float
    heat_capacity: float
    conductivity: float
    perfusion: float
    metabolic_heat: float = 0.0
    status: dict = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        check_positive(f"{self.name}.density", self.density, unit="kg/m3")
        check_positive(f"{self.name}.heat_capacity", self.heat_capacity, unit="J/(kg K)")
        check_positive(f"{self.name}.conductivity", self.conductivity, unit="W/(m K)")
        check_nonnegative(f"{self.name}.perfusion", self.perfusion, unit="1/s")
        check_nonnegative(f"{self.name}.metabolic_heat", self.metabolic_heat, unit="W/kg")

    @property
    def volumetric_heat_capacity(self) -> float:
        """ρc [J m⁻³ K⁻¹]."""
        return self.density * self.heat_capacity

    def to_dict(self) -> dict:
        """SI values with units, status and source."""
        return {
            "name": self.name,
            "density": {"value": self.density, "unit": "kg/m3"},
            "heat_capacity": {"value": self.heat_capacity, "unit": "J/(kg K)"},
            "conductivity": {"value": self.conductivity, "unit": "W/(m K)"},
            "perfusion": {"value": self.perfusion, "unit": "1/s"},
            "metabolic_heat": {"value": self.metabolic_heat, "unit": "W/kg"},
            "status": dict(self.status),
            "source": self.source,
        }


def _num(row: dict, key: str, default: float | None = None) -> float | None:
    text = (row.get(key) or "").strip()
    if not text:
        return default
    return float(text)


@lru_cache(maxsize=1)
def _table() -> dict[str, TissueProperties]:
    text = resources.files("ferrokit.hyperthermia").joinpath("_data/tissue_properties.csv").read_text("utf-8")
    out: dict[str, TissueProperties] = {}
    for row in csv.DictReader(text.splitlines()):
        rho = _num(row, "density_kg_m3")
        flow = _num(row, "perfusion_ml_min_kg")
        out[row["name"]] = TissueProperties(
            name=row["name"],
            density=rho,
            heat_capacity=_num(row, "heat_capacity_J_kgK"),
            conductivity=_num(row, "thermal_conductivity_W_mK"),
            perfusion=perfusion_rate_from_flow(flow, rho) if flow is not None else 0.0,
            metabolic_heat=_num(row, "metabolic_heat_W_kg", 0.0),
            status={"thermal": row["status_thermal"], "perfusion": row["status_perfusion"] or "not applicable",
                    "metabolic": row["status_metabolic"] or "no value (0 used)"},
            source=row["source"],
        )
    return out


def list_tissues() -> list[str]:
    """Names of the tissues in the shipped table.

    >>> "muscle" in list_tissues()
    True
    """
    return sorted(_table())


def get_tissue(name: str) -> TissueProperties:
    """Properties of a tabulated tissue (case-insensitive; spaces and hyphens read as underscores).

    >>> get_tissue("Muscle").conductivity
    0.49
    """
    key = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    table = _table()
    if key in ("tumour", "tumor"):
        raise FerroKitInputError("tissue 'tumour' has no table values: build it with tumour_properties(perfusion=...)"
                                 " (tumour perfusion is a required input)")
    if key not in table:
        raise FerroKitInputError(f"unknown tissue {name!r}; known: {', '.join(sorted(table))}, or 'tumour'")
    return table[key]


def tumour_properties(*, perfusion: float, like: str = "muscle", name: str = "tumour",
                      density: float | None = None, heat_capacity: float | None = None,
                      conductivity: float | None = None, metabolic_heat: float | None = None) -> TissueProperties:
    """A tumour: perfusion rate ω_b [s⁻¹] is required; ρ, c, k default to those of the host tissue ``like``.

    >>> t = tumour_properties(perfusion=2e-3, like="liver")
    >>> (t.conductivity, t.perfusion)
    (0.52, 0.002)
    """
    if perfusion is None or not math.isfinite(float(perfusion)):
        raise FerroKitInputError("tumour perfusion is required (finite, ≥ 0 1/s)")
    host = get_tissue(like)
    return TissueProperties(
        name=name,
        density=host.density if density is None else density,
        heat_capacity=host.heat_capacity if heat_capacity is None else heat_capacity,
        conductivity=host.conductivity if conductivity is None else conductivity,
        perfusion=float(perfusion),
        metabolic_heat=host.metabolic_heat if metabolic_heat is None else metabolic_heat,
        status={"thermal": f"as host tissue {host.name} ({host.status['thermal']})" if density is None
                else "user input", "perfusion": "user input", "metabolic": "user input or host"},
        source=f"user input; unspecified values from {host.name}",
    )
