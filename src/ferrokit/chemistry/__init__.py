"""Chemodynamic therapy kinetics: a reaction-network engine and the Fenton/Haber–Weiss/GOx/GSH network.

Public API
----------
load_network, ReactionNetwork, Reaction, Species, arrhenius_factor, parse_rate_unit
    Networks from tables (CSV/YAML with units), rate laws, temperature dependence.
assemble, KineticSystem
    The ODE system with an analytic Jacobian, solved stiffly.
simulate_cdt, CDTResult, surface_area_concentration, surface_to_volume_ratio, gox_molar_concentration
    CDT in one call, coupled to a :class:`ferrokit.materials.Particle`.
"""

from ferrokit.chemistry.cdt import (
    DEFAULT_FERROPTOSIS_THRESHOLD,
    DEFAULT_GPX4,
    DEFAULT_LIPID,
    GOX_MOLAR_MASS,
    CDTResult,
    gox_molar_concentration,
    simulate_cdt,
    surface_area_concentration,
    surface_to_volume_ratio,
)
from ferrokit.chemistry.network import (
    DEFAULT_SETS,
    EQUILIBRIUM_RELAXATION,
    RATE_LAWS,
    Reaction,
    ReactionNetwork,
    Species,
    arrhenius_factor,
    load_network,
    parse_rate_unit,
)
from ferrokit.chemistry.system import KineticSystem, assemble

__all__ = [
    "DEFAULT_FERROPTOSIS_THRESHOLD",
    "DEFAULT_GPX4",
    "DEFAULT_LIPID",
    "DEFAULT_SETS",
    "EQUILIBRIUM_RELAXATION",
    "GOX_MOLAR_MASS",
    "RATE_LAWS",
    "CDTResult",
    "KineticSystem",
    "Reaction",
    "ReactionNetwork",
    "Species",
    "arrhenius_factor",
    "assemble",
    "gox_molar_concentration",
    "load_network",
    "parse_rate_unit",
    "simulate_cdt",
    "surface_area_concentration",
    "surface_to_volume_ratio",
]
