"""Nanoparticle biodistribution: whole-body PBPK (Lin-lab structure), ferumoxytol human PK, tumour delivery."""

from ferrokit.pk.ferumoxytol import (
    VMAX_LANDRY2005,
    FerumoxytolResult,
    calibrate_vmax,
    ferumoxytol_two_compartment,
)
from ferrokit.pk.hierarchical import HierarchicalFit, fit_hierarchical_population
from ferrokit.pk.parameters import (
    ORGANS,
    OrganParameters,
    PBPKParameters,
    TumourTargeting,
    human_parameters,
    mouse_parameters,
    scale_rates_allometrically,
    species_parameters,
)
from ferrokit.pk.pbpk import Dosing, PKResult, simulate_pbpk
from ferrokit.pk.population import (
    CollectionFits,
    PopulationValidation,
    TumourPopulation,
    cheng2020_fits,
    fit_cheng2020_collection,
    population_from_collection,
    tumour_response,
    validate_tumour_population,
)
from ferrokit.pk.tumour import (
    DeliveryStatistics,
    TumourFit,
    cheng2020_statistics,
    cheng2020_time_course,
    fit_tumour_time_course,
    tumour_delivery_statistics,
)

__all__ = [
    "ORGANS",
    "VMAX_LANDRY2005",
    "CollectionFits",
    "DeliveryStatistics",
    "Dosing",
    "FerumoxytolResult",
    "HierarchicalFit",
    "OrganParameters",
    "PBPKParameters",
    "PKResult",
    "PopulationValidation",
    "TumourFit",
    "TumourPopulation",
    "TumourTargeting",
    "calibrate_vmax",
    "cheng2020_fits",
    "cheng2020_statistics",
    "cheng2020_time_course",
    "ferumoxytol_two_compartment",
    "fit_cheng2020_collection",
    "fit_hierarchical_population",
    "fit_tumour_time_course",
    "human_parameters",
    "mouse_parameters",
    "population_from_collection",
    "scale_rates_allometrically",
    "simulate_pbpk",
    "species_parameters",
    "tumour_delivery_statistics",
    "tumour_response",
    "validate_tumour_population",
]
