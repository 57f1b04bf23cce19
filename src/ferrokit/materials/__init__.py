"""ferrokit.materials: what the particle is.

Chemistry and bulk properties (this layer): composition parsing (:func:`parse_formula` →
:class:`Composition`), mass/concentration conversions, bulk Ms(T), Curie temperature, cubic K1(T), the
Zn-substitution (Yafet–Kittel) model and finite-size corrections; the :class:`Particle` description and
the cited reference library (:func:`get_agent`, :func:`list_agents`). See ``docs/materials.md``.
"""

from ferrokit.materials.bulk import (
    IONIC_MOMENTS,
    YAFET_KITTEL_RATIO,
    BulkMagneticProperties,
    anisotropy_barrier_density,
    anisotropy_constant,
    bulk_magnetic_properties,
    curie_temperature,
    net_moment_per_formula_unit,
    reduced_magnetization,
    saturation_magnetization,
    saturation_magnetization_volume,
    yafet_kittel_cosine,
    zinc_canting_factor,
)
from ferrokit.materials.conversions import (
    MAGNETIZATION_BASES,
    convert_magnetization_basis,
    iron_mass_concentration,
    iron_mass_to_oxide_mass,
    iron_molar_concentration,
    oxide_mass_to_iron_mass,
    oxide_volume_fraction,
)
from ferrokit.materials.formula import (
    MN_TETRAHEDRAL_FRACTION,
    Composition,
    parse_formula,
    supported_elements,
)
from ferrokit.materials.library import Measurement, ReferenceAgent, SourceRecord, get_agent, list_agents
from ferrokit.materials.particle import DEFAULT_DEAD_LAYER, Cluster, Coating, MeasuredMs, Particle
from ferrokit.materials.size import (
    DEFAULT_SURFACE_ANISOTROPY,
    dead_layer_magnetization,
    effective_anisotropy,
)

__all__ = [
    "DEFAULT_DEAD_LAYER",
    "DEFAULT_SURFACE_ANISOTROPY",
    "IONIC_MOMENTS",
    "MAGNETIZATION_BASES",
    "MN_TETRAHEDRAL_FRACTION",
    "YAFET_KITTEL_RATIO",
    "BulkMagneticProperties",
    "Cluster",
    "Coating",
    "Composition",
    "MeasuredMs",
    "Measurement",
    "Particle",
    "ReferenceAgent",
    "SourceRecord",
    "anisotropy_barrier_density",
    "anisotropy_constant",
    "bulk_magnetic_properties",
    "convert_magnetization_basis",
    "curie_temperature",
    "dead_layer_magnetization",
    "effective_anisotropy",
    "get_agent",
    "iron_mass_concentration",
    "iron_mass_to_oxide_mass",
    "iron_molar_concentration",
    "list_agents",
    "net_moment_per_formula_unit",
    "oxide_mass_to_iron_mass",
    "oxide_volume_fraction",
    "parse_formula",
    "reduced_magnetization",
    "saturation_magnetization",
    "saturation_magnetization_volume",
    "supported_elements",
    "yafet_kittel_cosine",
    "zinc_canting_factor",
]
