"""Magnetism: Langevin magnetisation of lognormal ensembles, susceptibilities, Néel/Brown relaxation,
water viscosity, and fitting of measured M(H) curves.

All public functions take and return SI values (A/m, m, K, s, Pa s, A m²/kg); see docs/magnetism.md.
"""

from ferrokit.magnetism.distribution import (
    DEFAULT_NODES,
    lognormal_mean_diameter,
    lognormal_mean_volume,
    lognormal_moment,
    lognormal_nodes,
    volume_weighted_mean_diameter,
    volume_weighted_nodes,
)
from ferrokit.magnetism.fitting import LangevinFit, LangevinModel
from ferrokit.magnetism.hysteresis import LoopParameters, loop_parameters
from ferrokit.magnetism.langevin import (
    chord_susceptibility,
    initial_susceptibility,
    langevin,
    langevin_derivative,
    langevin_magnetization,
    langevin_parameter,
)
from ferrokit.magnetism.properties import MagneticProperties, Value, predict_magnetic_properties
from ferrokit.magnetism.relaxation import (
    NEEL_FORMS,
    blocking_temperature,
    brown_time,
    effective_time,
    neel_time,
    sphere_volume,
)
from ferrokit.magnetism.viscosity import WATER_TEMPERATURE_RANGE, water_density, water_viscosity

__all__ = [
    "DEFAULT_NODES",
    "NEEL_FORMS",
    "WATER_TEMPERATURE_RANGE",
    "LangevinFit",
    "LangevinModel",
    "LoopParameters",
    "MagneticProperties",
    "Value",
    "blocking_temperature",
    "brown_time",
    "chord_susceptibility",
    "effective_time",
    "initial_susceptibility",
    "langevin",
    "langevin_derivative",
    "langevin_magnetization",
    "langevin_parameter",
    "lognormal_mean_diameter",
    "lognormal_mean_volume",
    "lognormal_moment",
    "lognormal_nodes",
    "loop_parameters",
    "neel_time",
    "predict_magnetic_properties",
    "sphere_volume",
    "volume_weighted_mean_diameter",
    "volume_weighted_nodes",
    "water_density",
    "water_viscosity",
]
