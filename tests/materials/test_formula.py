"""Tests of composition parsing, charge balance, site occupancy, masses, lattice constants and densities."""

import math

import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.materials import Composition, parse_formula, supported_elements
from ferrokit.materials.formula import ATOMIC_MASS, DOPANT_VALENCE, MN_TETRAHEDRAL_FRACTION

# (text, canonical formula, name, phase)
SPELLINGS = [
    ("Fe3O4", "Fe3O4", "magnetite", "spinel"),
    ("magnetite", "Fe3O4", "magnetite", "spinel"),
    ("Fe1Fe2O4", "Fe3O4", "magnetite", "spinel"),  # DiMag spelling
    ("fe3o4", "Fe3O4", "magnetite", "spinel"),
    ("FE3O4", "Fe3O4", "magnetite", "spinel"),
    ("Fe₃O₄", "Fe3O4", "magnetite", "spinel"),
    ("gamma-Fe2O3", "Fe2O3", "maghemite", "maghemite"),
    ("γ-Fe2O3", "Fe2O3", "maghemite", "maghemite"),
    ("Fe2O3", "Fe2O3", "maghemite", "maghemite"),  # documented choice: unprefixed Fe2O3 = maghemite
    ("maghemite", "Fe2O3", "maghemite", "maghemite"),
    ("MnFe2O4", "MnFe2O4", "manganese ferrite", "spinel"),
    ("CoFe2O4", "CoFe2O4", "cobalt ferrite", "spinel"),
    ("cobalt ferrite", "CoFe2O4", "cobalt ferrite", "spinel"),
    ("NiFe2O4", "NiFe2O4", "nickel ferrite", "spinel"),
    ("ZnFe2O4", "ZnFe2O4", "zinc ferrite", "spinel"),
    ("Zn0.2Fe2.8O4", "Zn0.2Fe2.8O4", None, "spinel"),
    ("Zn0.4Mn0.6Fe2O4", "Zn0.4Mn0.6Fe2O4", None, "spinel"),
    ("(Zn0.4Mn0.6)Fe2O4", "Zn0.4Mn0.6Fe2O4", None, "spinel"),
    (" Zn0.4 Mn0.6 Fe2 O4 ", "Zn0.4Mn0.6Fe2O4", None, "spinel"),
    ("Gd0.05Fe2.95O4", "Gd0.05Fe2.95O4", None, "spinel"),
    ("Fe2.9Gd0.1O4", "Gd0.1Fe2.9O4", None, "spinel"),
    ("Zn0.4Mn0.5Gd0.1Fe2O4", "Zn0.4Mn0.5Gd0.1Fe2O4", None, "spinel"),
    ("Co0.5Fe2.5O4", "Co0.5Fe2.5O4", None, "spinel"),
    ("Eu0.05Fe2.95O4", "Eu0.05Fe2.95O4", None, "spinel"),
    ("[Zn0.2Fe0.8]Fe2O4", "Zn0.2Fe2.8O4", None, "spinel"),
]


@pytest.mark.parametrize(("text", "formula", "name", "phase"), SPELLINGS)
def test_spellings(text, formula, name, phase):
    c = parse_formula(text)
    assert c.text == text
    assert c.formula == formula
    assert c.name == name
    assert c.phase == phase


ALL_TEXTS = [s[0] for s in SPELLINGS]


@pytest.mark.parametrize("text", ALL_TEXTS)
def test_charge_balance_and_site_counts(text):
    """Σ z n = 8 per 4 O²⁻; A holds 1 cation, B holds 2 minus vacancies; every cation placed once."""
    c = parse_formula(text)
    charge = sum(int(ion[-2]) * n for ion, n in c.ions.items() if ion != "O2-")
    assert charge == pytest.approx(8.0, abs=1e-9)
    assert sum(c.tetrahedral.values()) == pytest.approx(1.0, abs=1e-9)
    assert sum(c.octahedral.values()) == pytest.approx(2.0, abs=1e-9)  # includes "vacancy"
    placed = {}
    for site in (c.tetrahedral, c.octahedral):
        for ion, n in site.items():
            if ion != "vacancy":
                el = ion.rstrip("+0123456789")
                placed[el] = placed.get(el, 0.0) + n
    for el, n in c.elements.items():
        if el != "O":
            assert placed[el] == pytest.approx(n * c.formula_scale, abs=1e-9)
    fe_total = c.elements["Fe"] * c.formula_scale
    assert c.fe2_per_formula_unit + c.fe3_per_formula_unit == pytest.approx(fe_total)


@pytest.mark.parametrize(
    ("text", "tet", "octa"),
    [
        ("Fe3O4", {"Fe3+": 1.0}, {"Fe2+": 1.0, "Fe3+": 1.0}),  # inverse spinel
        ("gamma-Fe2O3", {"Fe3+": 1.0}, {"Fe3+": 5 / 3, "vacancy": 1 / 3}),  # Fe8/3 □1/3 O4
        ("ZnFe2O4", {"Zn2+": 1.0}, {"Fe3+": 2.0}),  # normal
        ("CoFe2O4", {"Fe3+": 1.0}, {"Co2+": 1.0, "Fe3+": 1.0}),  # inverse
        ("NiFe2O4", {"Fe3+": 1.0}, {"Ni2+": 1.0, "Fe3+": 1.0}),  # inverse
        ("MnFe2O4", {"Mn2+": 0.81, "Fe3+": 0.19}, {"Mn2+": 0.19, "Fe3+": 1.81}),  # Hastings & Corliss 1956
        ("Zn0.2Fe2.8O4", {"Zn2+": 0.2, "Fe3+": 0.8}, {"Fe2+": 0.8, "Fe3+": 1.2}),
        ("Gd0.05Fe2.95O4", {"Fe3+": 1.0}, {"Gd3+": 0.05, "Fe2+": 1.0, "Fe3+": 0.95}),
    ],
)
def test_site_occupancy(text, tet, octa):
    c = parse_formula(text)
    assert dict(c.tetrahedral) == pytest.approx(tet, abs=1e-9)
    assert dict(c.octahedral) == pytest.approx(octa, abs=1e-9)


def test_mn_fraction_is_the_neutron_value():
    # Hastings & Corliss, Phys Rev 1956 104:328: 0.81 ± 0.03 of tetrahedral sites hold Mn2+ [seen-abstract]
    assert MN_TETRAHEDRAL_FRACTION == 0.81


def test_zinc_limits_a_site_manganese():
    c = parse_formula("Zn0.4Mn0.6Fe2O4")
    assert c.tetrahedral["Zn2+"] == pytest.approx(0.4)
    assert c.tetrahedral["Mn2+"] == pytest.approx(0.81 * 0.6)
    assert c.octahedral["Mn2+"] == pytest.approx(0.19 * 0.6)
    # charge balance caps the divalent ions at 1 per 4 O, so Zn + 0.81 Mn never overfills the A sublattice
    c = parse_formula("Zn0.5Mn0.5Fe2O4")
    assert sum(c.tetrahedral.values()) == pytest.approx(1.0)


def test_molar_mass_and_iron_fraction_of_magnetite():
    c = parse_formula("Fe3O4")
    assert c.molar_mass * 1e3 == pytest.approx(231.53, abs=0.01)  # SCIENCE.md §1, IUPAC atomic weights
    assert c.iron_mass_fraction == pytest.approx(0.724, abs=5e-4)  # 1 g Fe3O4 holds 0.724 g Fe
    assert c.metal_mass_fraction == c.iron_mass_fraction


def test_maghemite_molar_mass_as_written():
    c = parse_formula("gamma-Fe2O3")
    assert c.molar_mass * 1e3 == pytest.approx(159.69, abs=0.01)
    assert c.spinel_molar_mass == pytest.approx(c.molar_mass * 4 / 3)
    assert c.iron_mass_fraction == pytest.approx(0.6994, abs=5e-4)


def test_metal_fraction_and_dopants():
    c = parse_formula("Zn0.4Mn0.6Fe2O4")
    metals = 0.4 * ATOMIC_MASS["Zn"] + 0.6 * ATOMIC_MASS["Mn"] + 2 * ATOMIC_MASS["Fe"]
    assert c.metal_mass_fraction == pytest.approx(metals / c.molar_mass, rel=1e-12)
    assert dict(c.dopants) == {"Zn": 0.4, "Mn": 0.6}
    assert c.fe2_fraction == 0.0


@pytest.mark.parametrize(
    ("text", "density_g_cm3", "tol"),
    [
        # X-ray density from a = 8.396 Å: 5.18 g/cm³ tabulated (SCIENCE.md; BMC Materials 2019 table) [S].
        # 1 % covers the spread of tabulated a (8.394–8.397 Å) and rounding of the quoted density.
        ("Fe3O4", 5.18, 0.01),
        # maghemite 4.87–4.90 g/cm³ (SCIENCE.md, BMC Materials 2019 table) [S]; 1 % as above.
        ("gamma-Fe2O3", 4.87, 0.01),
    ],
)
def test_density_from_lattice_constant(text, density_g_cm3, tol):
    c = parse_formula(text)
    assert c.density / 1e3 == pytest.approx(density_g_cm3, rel=tol)


def test_density_formula_is_eight_formula_units_per_cell():
    c = parse_formula("Fe3O4")
    assert c.density == pytest.approx(8 * c.spinel_molar_mass / (6.02214076e23 * c.lattice_constant**3))


def test_vegard_weights_and_lattice_constant():
    for text in ALL_TEXTS:
        c = parse_formula(text)
        assert sum(c.vegard_weights.values()) == pytest.approx(1.0)
    a_fe, a_zn = parse_formula("Fe3O4").lattice_constant, parse_formula("ZnFe2O4").lattice_constant
    c = parse_formula("Zn0.2Fe2.8O4")
    assert c.lattice_constant == pytest.approx(0.8 * a_fe + 0.2 * a_zn)


def test_to_dict_is_json_friendly():
    import json

    d = parse_formula("Zn0.4Mn0.6Fe2O4").to_dict()
    json.dumps(d)
    assert d["units"]["density"] == "kg/m3"
    assert d["tetrahedral"]["Zn2+"] == pytest.approx(0.4)


def test_composition_is_frozen_and_hashable():
    c = parse_formula("Fe3O4")
    assert isinstance(c, Composition)
    with pytest.raises(AttributeError):
        c.formula = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        c.elements["Fe"] = 2.0  # type: ignore[index]
    assert hash(c) == hash(parse_formula("Fe1Fe2O4"))
    assert c == parse_formula("Fe3O4")


def test_supported_elements_have_data():
    for el in supported_elements():
        assert el in ATOMIC_MASS
        assert el in ("Fe", "O") or el in DOPANT_VALENCE


BAD = [
    ("Cu0.5Fe2.5O4", "not supported"),
    ("Xq3O4", "unknown element"),
    ("Fe3", "no oxygen"),
    ("Co3O4", "no iron"),
    ("Fe-1O4", "negative"),
    ("Fe..3O4", "unexpected character"),
    ("Fe3O4!", "unexpected character"),
    ("ZnxFe3-xO4", "composition variable"),
    ("(Fe3O4", "missing closing"),
    ("Fe3O4)", "unbalanced"),
    ("", "empty"),
    ("alpha-Fe2O3", "not a spinel"),
    ("hematite", "not a spinel"),
    ("beta-Fe2O3", "not a spinel"),
    ("gamma-Fe3O4", "not maghemite"),
    ("FeO", "at most 3"),
    ("Fe2.5O4", "at least 8/3"),
    ("Zn1.5Fe1.5O4", "tetrahedral"),  # more Zn than A sites
    ("Co1.5Fe1.5O4", "charges cannot balance"),  # would need Fe above 3+
    ("Ni2Fe1O4", "charges cannot balance"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD)
def test_bad_formulas(text, fragment):
    with pytest.raises(FerroKitInputError, match=fragment):
        parse_formula(text)


def test_non_string_is_rejected():
    with pytest.raises(FerroKitInputError, match="string"):
        parse_formula(3.0)  # type: ignore[arg-type]


def test_heavy_rare_earth_doping_warns():
    with pytest.warns(UserWarning, match="Gd/Eu"):
        parse_formula("Gd0.5Fe2.5O4")


def test_atomic_masses_sum():
    c = parse_formula("CoFe2O4")
    assert c.molar_mass == pytest.approx(ATOMIC_MASS["Co"] + 2 * ATOMIC_MASS["Fe"] + 4 * ATOMIC_MASS["O"])
    assert math.isclose(c.formula_scale, 1.0)
