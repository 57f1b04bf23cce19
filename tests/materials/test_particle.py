"""Particle model: geometry, overrides and validation."""

import math

import pytest
from pydantic import ValidationError

from ferrokit._shared.schema import validate_model
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.materials import Particle, parse_formula, saturation_magnetization
from ferrokit.materials.bulk import anisotropy_barrier_density


def test_units_and_si_give_the_same_particle():
    a = Particle(composition="Fe3O4", core_diameter="12 nm", coating={"material": "PEG", "thickness": "5 nm"})
    b = Particle(composition="Fe3O4", core_diameter=12e-9, coating={"material": "PEG", "thickness": 5e-9})
    assert a == b


def test_hydrodynamic_diameter_computed_from_core_and_coating():
    p = Particle(composition="Fe3O4", core_diameter="10 nm", coating={"material": "dextran", "thickness": "8 nm"})
    assert p.hydrodynamic_diameter_value == pytest.approx(26e-9, rel=1e-12)
    assert p.hydrodynamic_diameter_source == "computed"
    q = Particle(composition="Fe3O4", core_diameter="10 nm", hydrodynamic_diameter="40 nm")
    assert q.hydrodynamic_diameter_value == pytest.approx(40e-9)
    assert q.hydrodynamic_diameter_source == "given"


@pytest.mark.parametrize(
    ("shape", "factor"), [("sphere", math.pi / 6), ("cube", 1.0), ("octahedron", math.sqrt(2) / 3)]
)
def test_shape_volumes(shape, factor):
    # sphere V = π d³/6; cube V = a³; regular octahedron V = (√2/3) a³ (edge a)
    p = Particle(composition="Fe3O4", core_diameter="19 nm", shape=shape)
    assert p.core_volume == pytest.approx(factor * (19e-9) ** 3, rel=1e-12)
    assert math.pi / 6 * p.equivalent_diameter**3 == pytest.approx(p.core_volume, rel=1e-12)


def test_cluster_aggregate_diameter():
    # N cores of diameter d at packing φ fill a sphere of diameter d (N/φ)^(1/3)
    p = Particle(composition="gamma-Fe2O3", core_diameter="8 nm", cluster={"cores": 20, "packing_fraction": 0.5})
    assert p.aggregate_diameter == pytest.approx(8e-9 * (40) ** (1 / 3), rel=1e-12)
    assert p.magnetic_volume_fraction_in_aggregate == 0.5
    assert p.hydrodynamic_diameter_value == pytest.approx(p.aggregate_diameter)


def test_impermeable_radius_includes_only_impermeable_coatings():
    core = 5e-9
    perm = Particle(composition="Fe3O4", core_diameter="10 nm", coating={"material": "PEG", "thickness": "4 nm"})
    imperm = Particle(composition="Fe3O4", core_diameter="10 nm",
                      coating={"material": "silica", "thickness": "4 nm", "permeable": False})
    assert perm.impermeable_radius == pytest.approx(core)
    assert imperm.impermeable_radius == pytest.approx(core + 4e-9)


def test_model_ms_applies_the_dead_layer():
    p = Particle(composition="Fe3O4", core_diameter="10 nm", dead_layer="1 nm")
    bulk = saturation_magnetization(parse_formula("Fe3O4"), 300.0)
    ms, source = p.saturation_magnetization(300.0)
    assert ms == pytest.approx(bulk * (1 - 2 * 1 / 10) ** 3, rel=1e-12)
    assert source.startswith("model")
    assert p.saturation_magnetization_volume(300.0) == pytest.approx(ms * parse_formula("Fe3O4").density)


def test_measured_ms_on_iron_basis_is_converted_to_oxide():
    comp = parse_formula("Fe3O4")
    p = Particle(composition="Fe3O4", core_diameter="10 nm", ms={"value": "80 emu/g", "basis": "iron"})
    ms, source = p.saturation_magnetization(300.0)
    # per g oxide = per g Fe × (g Fe / g oxide)
    assert ms == pytest.approx(80 * comp.iron_mass_fraction, rel=1e-12)
    assert "measured" in source


def test_measured_ms_is_scaled_with_temperature_by_the_bulk_ratio():
    comp = parse_formula("Fe3O4")
    p = Particle(composition="Fe3O4", core_diameter="10 nm",
                 ms={"value": "70 emu/g", "basis": "oxide", "temperature": "300 K"})
    ms310, _ = p.saturation_magnetization(310.15)
    ratio = saturation_magnetization(comp, 310.15) / saturation_magnetization(comp, 300.0)
    assert ms310 == pytest.approx(70 * ratio, rel=1e-12)
    assert ms310 < 70


def test_effective_anisotropy_model_and_override():
    p = Particle(composition="Fe3O4", core_diameter="10 nm", surface_anisotropy=2e-5)
    k, src = p.effective_anisotropy(300.0)
    k_v = anisotropy_barrier_density(parse_formula("Fe3O4"), 300.0)
    assert k == pytest.approx(k_v + 6 * 2e-5 / 10e-9, rel=1e-12)  # Bødker et al. 1994
    assert src.startswith("model")
    q = Particle(composition="Fe3O4", core_diameter="10 nm", anisotropy="25 kJ/m3")
    assert q.effective_anisotropy(300.0) == (25e3, "measured")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"composition": "Fe3O4", "core_diameter": "0 nm"}, "core diameter"),
        ({"composition": "Fe3O4", "core_diameter": 12}, "core diameter"),  # 12 m from Python
        ({"composition": "Fe3O4", "core_diameter": "12 parsecs"}, "unit"),
        ({"composition": "Fe3O4", "core_diameter": "12 nm", "core_sigma": 1.5}, "core_sigma"),
        ({"composition": "Fe3O4", "core_diameter": "12 nm", "shape": "rod"}, "shape"),
        ({"composition": "Xx3O4", "core_diameter": "12 nm"}, "composition"),
        ({"composition": "Fe3O4", "core_diameter": "12 nm", "colour": "black"}, "unknown key"),
        ({"composition": "Fe3O4", "core_diameter": "20 nm", "hydrodynamic_diameter": "15 nm"}, "smaller"),
        ({"composition": "Fe3O4", "core_diameter": "2 nm", "dead_layer": "1 nm"}, "dead_layer"),
        ({"composition": "Fe3O4", "core_diameter": "12 nm", "ms": {"value": "60 emu/g", "basis": "particle"}},
         "core_mass_fraction"),
        ({"composition": "Fe3O4", "core_diameter": "12 nm", "ms": {"value": "900 emu/g", "basis": "oxide"}},
         "Ms"),
        ({"composition": "Fe3O4", "core_diameter": "12 nm", "cluster": {"cores": 5, "packing_fraction": 0.9}},
         "packing_fraction"),
        ({"core_diameter": "12 nm"}, "composition"),
    ],
)
def test_bad_particles_name_the_problem(data, fragment):
    with pytest.raises(FerroKitInputError) as exc:
        validate_model(Particle, data, where="particle")
    assert fragment in str(exc.value)
    assert "\n" not in str(exc.value)


def test_files_require_units():
    with pytest.raises(FerroKitInputError, match="has no unit"):
        validate_model(Particle, {"composition": "Fe3O4", "core_diameter": 12}, require_units=True)


def test_particle_is_frozen():
    p = Particle(composition="Fe3O4", core_diameter="12 nm")
    with pytest.raises(ValidationError):
        p.core_diameter = 1e-8
