"""Units at the boundary: parse lab-unit strings ("12 nm", "37C", "15kA/m", "60 emu/g") into SI floats.

FerroKit computes in SI only (see docs/units.md). Strings with units are accepted only where users type
them: CLI options, YAML/CSV files and column headers. Each *dimension* has a table of accepted unit
spellings and the factor (and offset, for temperatures) that converts to the SI unit of that dimension.

Magnetic field is special: ``H`` in A/m, kA/m or Oe, or the flux density of free space ``μ0H`` in T, mT or
G, which is converted to H by dividing by μ0 (so "10 mT" means μ0H = 10 mT, i.e. H ≈ 7.96 kA/m).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import MU_0, ZERO_CELSIUS


@dataclass(frozen=True)
class _Unit:
    factor: float
    offset: float = 0.0  # SI = value * factor + offset


_OE = 1e3 / (4 * math.pi)  # 1 Oe = 1000/(4π) A/m (CGS–SI conversion)

# SI unit of each dimension (shown in messages) and its accepted spellings.
# Spellings are matched after normalisation (see _normalise): spaces, '·', '*', '^' removed, 'µ'/'μ' → 'u',
# superscripts → digits, case kept (mT ≠ MT).
_SI_UNIT: dict[str, str] = {
    "length": "m",
    "time": "s",
    "frequency": "Hz",
    "temperature": "K",
    "field": "A/m",
    "mass_magnetization": "A m2/kg",
    "volume_magnetization": "A/m",
    "moment": "A m2",
    "mass": "kg",
    "volume": "m3",
    "viscosity": "Pa s",
    "energy_density": "J/m3",
    "concentration": "mol/m3 (= mM)",
    "mass_concentration": "kg/m3 (= mg/mL)",
    "specific_power": "W/kg",
    "dimensionless": "1",
    "rate": "1/s",
    "absorbed_dose": "Gy",
    "per_dose": "1/Gy",
    "per_dose_squared": "1/Gy2",
    "power": "W",
    "irradiance": "W/m2",
    "radiant_exposure": "J/m2",
    "attenuation": "1/m",
    "speed": "m/s",
    "pressure": "Pa",
    "acoustic_absorption": "Np/m at 1 MHz",
}

_UNITS: dict[str, dict[str, _Unit]] = {
    "length": {
        "m": _Unit(1.0), "cm": _Unit(1e-2), "mm": _Unit(1e-3), "um": _Unit(1e-6), "micron": _Unit(1e-6),
        "nm": _Unit(1e-9), "Å": _Unit(1e-10), "angstrom": _Unit(1e-10), "pm": _Unit(1e-12),
    },
    "time": {
        "s": _Unit(1.0), "sec": _Unit(1.0), "ms": _Unit(1e-3), "us": _Unit(1e-6), "ns": _Unit(1e-9),
        "ps": _Unit(1e-12), "min": _Unit(60.0), "h": _Unit(3600.0), "hr": _Unit(3600.0), "d": _Unit(86400.0),
    },
    "frequency": {"Hz": _Unit(1.0), "kHz": _Unit(1e3), "KHz": _Unit(1e3), "khz": _Unit(1e3), "MHz": _Unit(1e6),
                  "GHz": _Unit(1e9), "1/s": _Unit(1.0)},
    "temperature": {
        "K": _Unit(1.0), "C": _Unit(1.0, ZERO_CELSIUS), "°C": _Unit(1.0, ZERO_CELSIUS),
        "degC": _Unit(1.0, ZERO_CELSIUS), "celsius": _Unit(1.0, ZERO_CELSIUS),
    },
    "field": {
        "A/m": _Unit(1.0), "kA/m": _Unit(1e3), "MA/m": _Unit(1e6), "Oe": _Unit(_OE), "kOe": _Unit(1e3 * _OE),
        "mOe": _Unit(1e-3 * _OE),
        # flux density of free space, B = μ0 H
        "T": _Unit(1.0 / MU_0), "mT": _Unit(1e-3 / MU_0), "uT": _Unit(1e-6 / MU_0),
        "G": _Unit(1e-4 / MU_0), "kG": _Unit(1e-1 / MU_0),
    },
    "mass_magnetization": {
        "Am2/kg": _Unit(1.0), "A.m2/kg": _Unit(1.0), "Am2kg-1": _Unit(1.0), "emu/g": _Unit(1.0),
        "emug-1": _Unit(1.0), "J/(T.kg)": _Unit(1.0), "J/Tkg": _Unit(1.0),
        "mAm2/kg": _Unit(1e-3), "memu/g": _Unit(1e-3),
    },
    "volume_magnetization": {
        "A/m": _Unit(1.0), "kA/m": _Unit(1e3), "MA/m": _Unit(1e6), "emu/cm3": _Unit(1e3), "emu/cc": _Unit(1e3),
        # μ0 M in tesla
        "T": _Unit(1.0 / MU_0), "mT": _Unit(1e-3 / MU_0),
    },
    "moment": {"Am2": _Unit(1.0), "A.m2": _Unit(1.0), "emu": _Unit(1e-3), "memu": _Unit(1e-6),
               "uemu": _Unit(1e-9)},
    "mass": {"kg": _Unit(1.0), "g": _Unit(1e-3), "mg": _Unit(1e-6), "ug": _Unit(1e-9), "ng": _Unit(1e-12)},
    "volume": {
        "m3": _Unit(1.0), "L": _Unit(1e-3), "l": _Unit(1e-3), "mL": _Unit(1e-6), "ml": _Unit(1e-6),
        "uL": _Unit(1e-9), "ul": _Unit(1e-9), "cm3": _Unit(1e-6), "mm3": _Unit(1e-9),
    },
    "viscosity": {"Pas": _Unit(1.0), "Pa.s": _Unit(1.0), "mPas": _Unit(1e-3), "mPa.s": _Unit(1e-3),
                  "cP": _Unit(1e-3), "P": _Unit(0.1)},
    "energy_density": {
        "J/m3": _Unit(1.0), "kJ/m3": _Unit(1e3), "MJ/m3": _Unit(1e6), "erg/cm3": _Unit(0.1),
        "erg/cc": _Unit(0.1),
    },
    "concentration": {"mol/m3": _Unit(1.0), "mM": _Unit(1.0), "M": _Unit(1e3), "uM": _Unit(1e-3),
                      "mmol/L": _Unit(1.0), "mol/L": _Unit(1e3)},
    "mass_concentration": {
        "kg/m3": _Unit(1.0), "mg/mL": _Unit(1.0), "g/L": _Unit(1.0), "mg/L": _Unit(1e-3), "ug/mL": _Unit(1e-3),
        "g/mL": _Unit(1e3), "g/cm3": _Unit(1e3),
    },
    "specific_power": {"W/kg": _Unit(1.0), "W/g": _Unit(1e3), "mW/mg": _Unit(1e3), "mW/g": _Unit(1.0)},
    "dimensionless": {"": _Unit(1.0), "1": _Unit(1.0), "%": _Unit(1e-2)},
    # inverse times (growth and kill rates): 1/d, d-1, /d ...
    "rate": {
        "1/s": _Unit(1.0), "s-1": _Unit(1.0), "/s": _Unit(1.0),
        "1/min": _Unit(1 / 60), "min-1": _Unit(1 / 60), "/min": _Unit(1 / 60),
        "1/h": _Unit(1 / 3600), "h-1": _Unit(1 / 3600), "/h": _Unit(1 / 3600),
        "1/d": _Unit(1 / 86400), "d-1": _Unit(1 / 86400), "/d": _Unit(1 / 86400),
    },
    # radiotherapy: absorbed dose and the linear-quadratic coefficients α [1/Gy] and β [1/Gy²]
    "absorbed_dose": {"Gy": _Unit(1.0), "cGy": _Unit(1e-2), "mGy": _Unit(1e-3)},
    "per_dose": {"1/Gy": _Unit(1.0), "Gy-1": _Unit(1.0), "/Gy": _Unit(1.0), "1/cGy": _Unit(1e2), "cGy-1": _Unit(1e2)},
    "per_dose_squared": {"1/Gy2": _Unit(1.0), "Gy-2": _Unit(1.0), "/Gy2": _Unit(1.0), "1/cGy2": _Unit(1e4),
                         "cGy-2": _Unit(1e4)},
    # optics: laser power, irradiance, radiant exposure and attenuation coefficients (μa, μs')
    "power": {"W": _Unit(1.0), "mW": _Unit(1e-3), "kW": _Unit(1e3), "uW": _Unit(1e-6)},
    "irradiance": {"W/m2": _Unit(1.0), "W/cm2": _Unit(1e4), "mW/cm2": _Unit(10.0), "mW/mm2": _Unit(1e3),
                   "W/mm2": _Unit(1e6)},
    "radiant_exposure": {"J/m2": _Unit(1.0), "J/cm2": _Unit(1e4), "mJ/cm2": _Unit(10.0), "mJ/mm2": _Unit(1e3),
                         "uJ/cm2": _Unit(1e-2)},
    "attenuation": {"1/m": _Unit(1.0), "1/cm": _Unit(100.0), "1/mm": _Unit(1000.0), "m-1": _Unit(1.0),
                    "cm-1": _Unit(100.0), "mm-1": _Unit(1000.0), "/m": _Unit(1.0), "/cm": _Unit(100.0),
                    "/mm": _Unit(1000.0)},
    # acoustics (photoacoustics): sound speed, pressure, and the absorption prefactor α0 at 1 MHz of the power
    # law α = α0 f^y; tissue tables give dB/(MHz^y cm): 1 dB/cm = 100 ln(10)/20 Np/m ≈ 11.513 Np/m
    "speed": {"m/s": _Unit(1.0), "mm/us": _Unit(1e3), "km/s": _Unit(1e3), "mm/s": _Unit(1e-3),
              "cm/s": _Unit(1e-2)},
    "pressure": {"Pa": _Unit(1.0), "kPa": _Unit(1e3), "MPa": _Unit(1e6), "mPa": _Unit(1e-3), "bar": _Unit(1e5),
                 "mbar": _Unit(1e2)},
    "acoustic_absorption": {"Np/m": _Unit(1.0), "dB/(MHzycm)": _Unit(5.0 * math.log(10.0)),
                            "dB/MHzy/cm": _Unit(5.0 * math.log(10.0)), "dB/cm": _Unit(5.0 * math.log(10.0))},
}

_SUPERSCRIPTS = str.maketrans({"²": "2", "³": "3", "¹": "1", "⁻": "-", "µ": "u", "μ": "u"})
_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def _normalise(unit: str) -> str:
    u = unit.strip().translate(_SUPERSCRIPTS)
    u = u.replace("·", ".").replace("*", ".").replace("^", "")
    u = re.sub(r"\s+", "", u)
    # "A.m2/kg" and "Am2/kg" are the same; keep dots only where tables list them
    return u


def _lookup(unit: str, dimension: str) -> _Unit:
    if dimension not in _UNITS:
        raise KeyError(f"unknown dimension {dimension!r}")
    table = _UNITS[dimension]
    u = _normalise(unit)
    if u in table:
        return table[u]
    u2 = u.replace(".", "")
    for key, val in table.items():
        if key.replace(".", "") == u2:
            return val
    # Case-insensitive fallback ("oe" → Oe) only where it is unambiguous in this dimension and the text is
    # not exactly a unit of another dimension: "15 kg" as a field must not become 15 kG (kilogauss).
    if not any(u in other for dim, other in _UNITS.items() if dim != dimension):
        matches = {table[k] for k in table if k.lower() == u.lower()}
        if len(matches) == 1:
            return matches.pop()
    allowed = ", ".join(k for k in table if k)
    raise FerroKitInputError(f"unknown {dimension.replace('_', ' ')} unit {unit!r}; allowed: {allowed}")


def known_units(dimension: str) -> list[str]:
    """The unit spellings accepted for ``dimension``."""
    return [k for k in _UNITS[dimension] if k]


def si_unit(dimension: str) -> str:
    """The SI unit (as shown to users) of ``dimension``."""
    return _SI_UNIT[dimension]


def convert(value: float, unit: str, dimension: str) -> float:
    """Convert ``value`` expressed in ``unit`` to the SI unit of ``dimension``.

    >>> round(convert(10, "mT", "field"))
    7958
    >>> convert(37, "C", "temperature")
    310.15
    """
    u = _lookup(unit, dimension)
    return _scale(value, u.factor) + u.offset


def _scale(value: float, factor: float) -> float:
    # Divide by an exact integer reciprocal (1e9 for nm) so that "12 nm" gives exactly 12e-9, as typed.
    if 0.0 < factor < 1.0:
        inv = round(1.0 / factor)
        if abs(1.0 / inv - factor) <= 1e-15 * factor:
            return value / inv
    return value * factor


def from_si(value: float, unit: str, dimension: str) -> float:
    """Convert an SI ``value`` of ``dimension`` to ``unit`` (the inverse of :func:`convert`).

    >>> from_si(12e-9, "nm", "length")
    12.0
    """
    u = _lookup(unit, dimension)
    return (value - u.offset) / u.factor


def unit_factor(unit: str, dimension: str) -> float:
    """Multiplicative factor from ``unit`` to SI (raises for units with an offset, i.e. °C)."""
    u = _lookup(unit, dimension)
    if u.offset:
        raise FerroKitInputError(f"unit {unit!r} has an offset; use convert() instead")
    return u.factor


def parse_quantity(text: str | float | int, dimension: str, *, name: str = "value",
                   allow_bare: bool = False) -> float:
    """Parse ``"12 nm"``-style text into an SI float of ``dimension``.

    Parameters
    ----------
    text : str or number
        A number followed by a unit. A bare number (str or numeric) is accepted only with
        ``allow_bare=True`` and is then taken as SI, or for dimensionless quantities.
    dimension : str
        One of the dimensions listed in :func:`known_dimensions`.
    name : str
        The name of the option or field, used in error messages.

    Raises
    ------
    FerroKitInputError
        When the text is not a number with a known unit for that dimension, or is not finite.

    Examples
    --------
    >>> round(parse_quantity("12nm", "length") * 1e9, 9)
    12.0
    >>> parse_quantity("15 kA/m", "field")
    15000.0
    >>> parse_quantity("60 emu/g", "mass_magnetization")
    60.0
    """
    if isinstance(text, bool):
        raise FerroKitInputError(f"{name}: expected a number with a unit, got {text!r}")
    if isinstance(text, (int, float)):
        if not (allow_bare or dimension == "dimensionless"):
            raise FerroKitInputError(
                f"{name}: {text!r} has no unit; write it with a unit, e.g. '{text} {_example_unit(dimension)}'"
            )
        value = float(text)
        unit = ""
    else:
        m = _NUMBER.match(str(text))
        if not m:
            raise FerroKitInputError(
                f"{name}: cannot read {text!r}; expected a number and a unit, e.g. '12 {_example_unit(dimension)}'"
            )
        value = float(m.group(1))
        unit = m.group(2)
    if not math.isfinite(value):
        raise FerroKitInputError(f"{name} must be finite, got {text!r}")
    if unit == "":
        if allow_bare or dimension == "dimensionless":
            return value
        raise FerroKitInputError(
            f"{name}: {text!r} has no unit; write it with a unit, e.g. '{value:g} {_example_unit(dimension)}'"
        )
    try:
        return convert(value, unit, dimension)
    except FerroKitInputError as exc:
        raise FerroKitInputError(f"{name}: {exc}") from None


def _example_unit(dimension: str) -> str:
    return {
        "length": "nm", "time": "s", "frequency": "kHz", "temperature": "C", "field": "kA/m",
        "mass_magnetization": "emu/g", "volume_magnetization": "kA/m", "moment": "emu", "mass": "mg",
        "volume": "mL", "viscosity": "mPa s", "energy_density": "kJ/m3", "concentration": "mM",
        "mass_concentration": "mg/mL", "specific_power": "W/g", "rate": "1/d", "absorbed_dose": "Gy",
        "per_dose": "1/Gy", "per_dose_squared": "1/Gy2", "power": "W", "irradiance": "W/cm2",
        "radiant_exposure": "J/cm2", "attenuation": "1/cm", "speed": "m/s", "pressure": "kPa",
        "acoustic_absorption": "dB/(MHz^y cm)",
    }.get(dimension, "")


def known_dimensions() -> list[str]:
    """All dimensions understood by :func:`parse_quantity`."""
    return list(_UNITS)


def split_header(header: str) -> tuple[str, str]:
    """Split a column header ``"H (Oe)"`` or ``"M [emu/g]"`` into ``("H", "Oe")``; no unit gives ``""``.

    >>> split_header("M (A m2/kg)")
    ('M', 'A m2/kg')
    """
    h = header.strip()
    m = re.match(r"^(.*?)\s*[\(\[]\s*(.*?)\s*[\)\]]\s*$", h)
    if m:
        return m.group(1).strip(), m.group(2).strip()
    return h, ""
