"""Nanoparticle biodistribution: whole-body PBPK (Lin-lab structure), ferumoxytol human PK, tumour delivery."""

from ferrokit.pk.ferumoxytol import FerumoxytolResult, ferumoxytol_two_compartment
from ferrokit.pk.parameters import (
    ORGANS,
    OrganParameters,
    PBPKParameters,
    TumourTargeting,
    human_parameters,
    mouse_parameters,
    species_parameters,
)
from ferrokit.pk.pbpk import Dosing, PKResult, simulate_pbpk
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
    "DeliveryStatistics",
    "Dosing",
    "FerumoxytolResult",
    "OrganParameters",
    "PBPKParameters",
    "PKResult",
    "TumourFit",
    "TumourTargeting",
    "cheng2020_statistics",
    "cheng2020_time_course",
    "ferumoxytol_two_compartment",
    "fit_tumour_time_course",
    "human_parameters",
    "mouse_parameters",
    "simulate_pbpk",
    "species_parameters",
    "tumour_delivery_statistics",
]
