"""Optics: absorption spectra, tissue optical properties, diffusion fluence, photothermal therapy,
fluorescence/SERS signal maps, photodynamic therapy and the photoacoustic source term. See docs/optics.md.

All public functions take and return SI values (m, 1/m, W, W/m², J/m², K, s, kg/m³); lab units only at the
CLI/file boundary. The photoacoustic solver and reconstruction live in :mod:`ferrokit.optics.photoacoustics`.
"""

from ferrokit.optics.fluence import (
    FluenceResult,
    boundary_factor,
    collimated_source,
    diffusion_coefficient,
    effective_attenuation,
    fluence_1d,
    point_source_fluence,
    solve_fluence,
    specular_reflectance,
)
from ferrokit.optics.fluorescence import FluorescenceImage, fluorescence_image, sers_spectra, unmix_nnls
from ferrokit.optics.pdt import PDTDose, pdt_dose, singlet_oxygen_rate
from ferrokit.optics.photoacoustic_source import gruneisen_water, initial_pressure
from ferrokit.optics.photothermal import (
    PhotothermalEfficiency,
    PhotothermalResult,
    photothermal_efficiency,
    photothermal_heat_source,
    simulate_photothermal,
)
from ferrokit.optics.properties import (
    TISSUE_COMPOSITION,
    TISSUE_SCATTERING,
    ScatteringParameters,
    TissueOptics,
    reduced_scattering,
    tissue_absorption,
    tissue_optics,
)
from ferrokit.optics.spectra import (
    AgentSpectrum,
    blood_absorption,
    hemoglobin_extinction,
    lipid_absorption,
    magnetite_agent,
    magnetite_mass_absorption,
    magnetite_refractive_index,
    melanin_absorption,
    small_sphere_mass_absorption,
    water_absorption,
)

__all__ = [
    "TISSUE_COMPOSITION",
    "TISSUE_SCATTERING",
    "AgentSpectrum",
    "FluenceResult",
    "FluorescenceImage",
    "PDTDose",
    "PhotothermalEfficiency",
    "PhotothermalResult",
    "ScatteringParameters",
    "TissueOptics",
    "blood_absorption",
    "boundary_factor",
    "collimated_source",
    "diffusion_coefficient",
    "effective_attenuation",
    "fluence_1d",
    "fluorescence_image",
    "gruneisen_water",
    "hemoglobin_extinction",
    "initial_pressure",
    "lipid_absorption",
    "magnetite_agent",
    "magnetite_mass_absorption",
    "magnetite_refractive_index",
    "melanin_absorption",
    "pdt_dose",
    "photothermal_efficiency",
    "photothermal_heat_source",
    "point_source_fluence",
    "reduced_scattering",
    "sers_spectra",
    "simulate_photothermal",
    "singlet_oxygen_rate",
    "small_sphere_mass_absorption",
    "solve_fluence",
    "specular_reflectance",
    "tissue_absorption",
    "tissue_optics",
    "unmix_nnls",
    "water_absorption",
]
