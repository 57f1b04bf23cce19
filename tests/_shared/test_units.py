"""Unit parsing at the boundary: conversions against exact definitions, and bad input."""

import math

import pytest

from ferrokit._shared.units import convert, from_si, parse_quantity, split_header, unit_factor
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import MU_0


@pytest.mark.parametrize(
    ("text", "dimension", "expected"),
    [
        ("12nm", "length", 12e-9),
        ("12 nm", "length", 12e-9),
        ("0.5 µm", "length", 0.5e-6),
        ("37C", "temperature", 310.15),
        ("37 °C", "temperature", 310.15),
        ("300 K", "temperature", 300.0),
        ("15kA/m", "field", 15e3),
        ("100 Oe", "field", 100 * 1e3 / (4 * math.pi)),  # 1 Oe = 1000/(4π) A/m exactly
        ("10 mT", "field", 10e-3 / MU_0),  # μ0H → H
        ("1 T", "field", 1 / MU_0),
        ("60emu/g", "mass_magnetization", 60.0),  # emu/g ≡ A m²/kg
        ("60 A m2/kg", "mass_magnetization", 60.0),
        ("60 A·m²/kg", "mass_magnetization", 60.0),
        ("1 emu", "moment", 1e-3),
        ("480 emu/cm3", "volume_magnetization", 480e3),
        ("300kHz", "frequency", 3e5),
        ("10 ms", "time", 1e-2),
        ("5 mg", "mass", 5e-6),
        ("1 mL", "volume", 1e-6),
        ("13.5 kJ/m3", "energy_density", 13.5e3),
        ("1e5 erg/cm3", "energy_density", 1e4),  # 1 erg/cm³ = 0.1 J/m³
        ("0.69 mPa s", "viscosity", 0.69e-3),
        ("1 cP", "viscosity", 1e-3),
        ("2 mM", "concentration", 2.0),
        ("1 mg/mL", "mass_concentration", 1.0),
        ("5.17 g/cm3", "mass_concentration", 5170.0),
        ("2 W/g", "specific_power", 2000.0),
        ("-5 kOe", "field", -5e3 * 1e3 / (4 * math.pi)),
        ("1.5e-3 s", "time", 1.5e-3),
    ],
)
def test_parse_quantity(text, dimension, expected):
    assert parse_quantity(text, dimension) == pytest.approx(expected, rel=1e-12)


def test_round_trip_and_factor():
    for unit in ("nm", "um", "mm"):
        assert from_si(convert(7.3, unit, "length"), unit, "length") == pytest.approx(7.3, rel=1e-12)
    assert from_si(convert(37.0, "C", "temperature"), "C", "temperature") == pytest.approx(37.0)
    assert unit_factor("Oe", "field") == pytest.approx(79.57747154594767, rel=1e-12)
    with pytest.raises(FerroKitInputError, match="offset"):
        unit_factor("C", "temperature")


@pytest.mark.parametrize(
    ("text", "dimension", "fragment"),
    [
        ("12", "length", "no unit"),
        (12, "length", "no unit"),
        ("twelve nm", "length", "cannot read"),
        ("12 parsec", "length", "unknown length unit"),
        ("12 nm", "temperature", "unknown temperature unit"),
        ("nan nm", "length", "cannot read"),
        ("", "length", "cannot read"),
        (True, "length", "expected a number"),
    ],
)
def test_bad_quantities(text, dimension, fragment):
    with pytest.raises(FerroKitInputError, match=fragment):
        parse_quantity(text, dimension, name="--core")


def test_bare_numbers_when_allowed():
    assert parse_quantity("12", "length", allow_bare=True) == 12.0
    assert parse_quantity(0.3, "dimensionless") == 0.3


@pytest.mark.parametrize(
    ("header", "expected"),
    [("H (Oe)", ("H", "Oe")), ("M [emu/g]", ("M", "emu/g")), ("mu0H (T)", ("mu0H", "T")), ("field", ("field", ""))],
)
def test_split_header(header, expected):
    assert split_header(header) == expected


def test_no_case_folding_between_units():
    # "kg" is exactly a mass unit, so it is never read as kG (kilogauss) ...
    with pytest.raises(FerroKitInputError, match="unknown field unit"):
        parse_quantity("15 kg", "field")
    # ... while case slips that match nothing else are accepted
    assert parse_quantity("100 oe", "field") == pytest.approx(100 * 1e3 / (4 * math.pi))
    assert parse_quantity("300 KHZ", "frequency") == 3e5
