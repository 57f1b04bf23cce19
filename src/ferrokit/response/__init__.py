"""Tumour and immune response (phenomenological): growth laws, kill by heat, ROS, radiation and carrier-
released drug, therapy arms with growth delay and Bliss synergy, and a tumour–immune ODE model with
nanoparticle effects as inputs. See docs/response.md.

All public functions take and return SI values (s, m³, Gy, mol/m³, 1/s); lab units only at the boundary.
"""

from ferrokit.response.arms import (
    ChemoSpec,
    RadiationSpec,
    ReleaseSpec,
    ResponseConfig,
    RosSpec,
    TherapyArm,
    ThermalSpec,
)
from ferrokit.response.growth import GROWTH_KINDS, GrowthModel
from ferrokit.response.immune import (
    ImmuneEffects,
    ImmuneParameters,
    ImmuneResult,
    Schedule,
    simulate_immune,
    tumour_free_equilibrium,
)
from ferrokit.response.kill import (
    cumulative_dose,
    emax_effect,
    linear_quadratic_survival,
    ros_survival,
    thermal_survival_arrhenius,
    thermal_survival_cem43,
    tumour_survival,
)
from ferrokit.response.release import RELEASE_KINDS, ReleaseProfile, ph_release_factor, release_profile
from ferrokit.response.simulate import ResponseResult, simulate_arms
from ferrokit.response.synergy import (
    BlissSynergy,
    bliss_expected,
    bliss_synergy,
    combination_index,
    median_effect_fit,
)

__all__ = [
    "GROWTH_KINDS",
    "RELEASE_KINDS",
    "BlissSynergy",
    "ChemoSpec",
    "GrowthModel",
    "ImmuneEffects",
    "ImmuneParameters",
    "ImmuneResult",
    "RadiationSpec",
    "ReleaseProfile",
    "ReleaseSpec",
    "ResponseConfig",
    "ResponseResult",
    "RosSpec",
    "Schedule",
    "TherapyArm",
    "ThermalSpec",
    "bliss_expected",
    "bliss_synergy",
    "combination_index",
    "cumulative_dose",
    "emax_effect",
    "linear_quadratic_survival",
    "median_effect_fit",
    "ph_release_factor",
    "release_profile",
    "ros_survival",
    "simulate_arms",
    "simulate_immune",
    "thermal_survival_arrhenius",
    "thermal_survival_cem43",
    "tumour_free_equilibrium",
    "tumour_survival",
]
