"""Tests of mass, concentration, volume-fraction and magnetisation-basis conversions."""

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.materials import (
    convert_magnetization_basis,
    iron_mass_concentration,
    iron_mass_to_oxide_mass,
    iron_molar_concentration,
    oxide_mass_to_iron_mass,
    oxide_volume_fraction,
    parse_formula,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # SCIENCE.md §1 [S, computed from density]: 1 mM Fe ↔ 1.49e-5 (magnetite), 1.64e-5 (maghemite).
        # Tolerance 0.5 %: the quoted values are rounded to 3 significant digits.
        ("Fe3O4", 1.49e-5),
        ("gamma-Fe2O3", 1.64e-5),
    ],
)
def test_volume_fraction_of_1_mM_iron(text, expected):
    assert oxide_volume_fraction(1.0, text) == pytest.approx(expected, rel=5e-3)


def test_volume_fraction_is_linear_and_vectorised():
    c = np.array([0.0, 0.5, 1.0, 2.0])
    phi = oxide_volume_fraction(c, "Fe3O4")
    assert isinstance(phi, np.ndarray)
    assert phi == pytest.approx(c * oxide_volume_fraction(1.0, "Fe3O4"))


def test_iron_mass_round_trip():
    comp = parse_formula("Zn0.4Mn0.6Fe2O4")
    for m in (0.0, 1e-6, 0.3, 2.0):
        assert oxide_mass_to_iron_mass(iron_mass_to_oxide_mass(m, comp), comp) == pytest.approx(m, rel=1e-12)
    assert oxide_mass_to_iron_mass(1.0, "Fe3O4") == pytest.approx(0.724, abs=5e-4)


def test_concentration_round_trip_and_value():
    # 1 mg Fe/mL = 1 kg/m³ = 1/55.845 mol/L = 17.91 mM (exact arithmetic with M_Fe = 55.845 g/mol)
    assert iron_molar_concentration(1.0) == pytest.approx(17.907, abs=1e-3)
    for c in (0.0, 0.1, 10.0):
        assert iron_mass_concentration(iron_molar_concentration(c)) == pytest.approx(c, rel=1e-12)


@pytest.mark.parametrize("basis", ["oxide", "iron", "metal", "particle"])
def test_magnetization_basis_round_trip(basis):
    comp = parse_formula("Zn0.4Mn0.6Fe2O4")
    there = convert_magnetization_basis(80.0, "oxide", basis, comp, particle_mass_fraction=0.6)
    back = convert_magnetization_basis(there, basis, "oxide", comp, particle_mass_fraction=0.6)
    assert back == pytest.approx(80.0, rel=1e-12)


def test_magnetization_basis_values():
    comp = parse_formula("Zn0.4Mn0.6Fe2O4")
    to_iron = convert_magnetization_basis(1.0, "oxide", "iron", comp)
    to_metal = convert_magnetization_basis(1.0, "oxide", "metal", comp)
    assert to_iron == pytest.approx(1 / comp.iron_mass_fraction)
    assert to_metal == pytest.approx(1 / comp.metal_mass_fraction)
    assert convert_magnetization_basis(100.0, "oxide", "particle", comp, particle_mass_fraction=0.25) == 25.0
    # for a pure iron oxide, "iron" and "metal" are the same basis
    assert convert_magnetization_basis(92.0, "iron", "metal", "Fe3O4") == pytest.approx(92.0)


def test_particle_basis_needs_mass_fraction():
    with pytest.raises(FerroKitInputError, match="particle_mass_fraction"):
        convert_magnetization_basis(50.0, "particle", "oxide", "Fe3O4")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"from_basis": "grams"}, "from_basis"),
        ({"to_basis": "Fe"}, "to_basis"),
        ({"particle_mass_fraction": 0.0}, "particle_mass_fraction"),
        ({"particle_mass_fraction": 1.5}, "particle_mass_fraction"),
        ({"value": float("nan")}, "finite"),
    ],
)
def test_bad_basis_inputs(kwargs, fragment):
    args = {"value": 50.0, "from_basis": "oxide", "to_basis": "iron", "composition": "Fe3O4"} | kwargs
    with pytest.raises(FerroKitInputError, match=fragment):
        convert_magnetization_basis(**args)


@pytest.mark.parametrize("bad", [-1.0, float("inf"), "abc", [1.0, -2.0]])
def test_bad_amounts(bad):
    with pytest.raises(FerroKitInputError):
        iron_molar_concentration(bad)
    with pytest.raises(FerroKitInputError):
        oxide_volume_fraction(bad, "Fe3O4")


def test_bad_composition_type():
    with pytest.raises(FerroKitInputError, match="composition"):
        iron_mass_to_oxide_mass(1.0, 42)  # type: ignore[arg-type]
