"""Read measured agent absorption spectra (CSV) and parse optical quantities typed at the CLI.

Spectrum format:

- text, UTF-8; ``#`` lines are comments; first other line is the header; comma, semicolon or tab separated;
- a wavelength column with its unit: ``wavelength (nm)`` (nm, um, m);
- one absorption column, either Napierian μ_a per mass concentration, named ``mu_a``/``mua``/``absorption``
  with unit ``1/cm per mg/mL`` (= ``1/cm per g/L``), ``1/m per kg/m3`` or ``m2/kg``, or the decadic mass
  extinction coefficient, named ``extinction``/``epsilon`` with unit ``L/(g cm)`` (= ``mL/(mg cm)``) or
  ``m2/kg``, converted with μ_a = ln 10 · ε · c; or the decadic MOLAR extinction coefficient (same names) with unit
  ``1/(M cm)`` (= ``M-1 cm-1``, ``L/(mol cm)``) or ``m2/mol``, which needs the molar mass of the absorbing unit in
  a comment line ``# molar mass: 1200 g/mol`` (g/mol, kg/mol, Da or kDa) or the ``molar_mass`` argument [kg/mol]:
  ε_mass = ε_molar / M. The concentrations unmixed with such a spectrum are mass concentrations of that unit
  (choose M = 55.845 g/mol to count moles of Fe as iron mass);
- at least 3 rows; wavelengths strictly increasing (rows are sorted if they decrease throughout).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from ferrokit._shared.units import convert, split_header
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.io._csv import detect_delimiter, normalise_name, parse_cell
from ferrokit.optics.spectra import AgentSpectrum

__all__ = ["read_agent_spectrum"]

_MUA_NAMES = {"mu a", "mua", "absorption", "mu_a", "absorption coefficient"}
_EXT_NAMES = {"extinction", "epsilon", "extinction coefficient", "mass extinction"}
# factors to m²/kg (SI mass absorption); keys are normalised (lower case, no spaces)
_MUA_UNITS = {"1/cmpermg/ml": 100.0, "1/cmperg/l": 100.0, "cm-1permg/ml": 100.0, "cm-1perg/l": 100.0,
              "1/mperkg/m3": 1.0, "m2/kg": 1.0, "ml/(mgcm)": 100.0, "l/(gcm)": 100.0, "1/mmpermg/ml": 1000.0}
_EXT_UNITS = {"l/(gcm)": 100.0, "ml/(mgcm)": 100.0, "lg-1cm-1": 100.0, "m2/kg": 1.0}
# molar extinction: factors to m²/mol (1 L mol⁻¹ cm⁻¹ = 0.1 m² mol⁻¹)
_MOLAR_UNITS = {"1/(mcm)": 0.1, "m-1cm-1": 0.1, "l/(molcm)": 0.1, "lmol-1cm-1": 0.1, "1/(molarcm)": 0.1,
                "m2/mol": 1.0}
_MOLAR_MASS = re.compile(r"^#\s*molar[ _]mass\s*[:=]\s*([0-9.eE+-]+)\s*(g/mol|kg/mol|da|kda)\s*$", re.IGNORECASE)
_MOLAR_MASS_FACTOR = {"g/mol": 1e-3, "kg/mol": 1.0, "da": 1e-3, "kda": 1.0}


def _unit_key(unit: str) -> str:
    return unit.lower().replace(" ", "").replace("·", "").replace("⁻¹", "-1").replace("³", "3").replace("²", "2")


def _file_molar_mass(text: str, fname: str) -> float | None:
    """The ``# molar mass: … g/mol`` comment of a spectrum file [kg/mol], or None."""
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("#") and "molar" in s.lower() and "mass" in s.lower():
            m = _MOLAR_MASS.match(s)
            if not m:
                raise FerroKitInputError(f"{fname}: cannot read {s!r}; write e.g. '# molar mass: 1200 g/mol'")
            try:
                value = float(m.group(1)) * _MOLAR_MASS_FACTOR[m.group(2).lower()]
            except ValueError:
                raise FerroKitInputError(f"{fname}: bad number in {s!r}") from None
            if not (math.isfinite(value) and value > 0):
                raise FerroKitInputError(f"{fname}: the molar mass must be > 0, got {s!r}")
            return value
    return None


def read_agent_spectrum(path, *, name: str | None = None, status: str = "measured (user file)",
                        molar_mass: float | None = None) -> AgentSpectrum:
    """Read an agent absorption spectrum (format in the module docstring) into an :class:`AgentSpectrum`.

    ``molar_mass`` [kg/mol] converts a molar extinction column (it overrides a ``# molar mass:`` comment).
    """
    p = Path(path)
    if not p.is_file():
        raise FerroKitInputError(f"file not found: {p}")
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FerroKitInputError(f"{p.name}: not a UTF-8 text file") from None
    lines = [(i, ln) for i, ln in enumerate(text.splitlines(), 1) if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise FerroKitInputError(f"{p.name}: the file is empty")
    header = lines[0][1]
    delim = detect_delimiter(header)
    heads = [h.strip().strip('"') for h in header.split(delim)]
    wl_col = val_col = None
    factor = 1.0
    for i, h in enumerate(heads):
        nm, unit = split_header(h)
        key = normalise_name(nm)
        if key in ("wavelength", "lambda", "wl"):
            if not unit:
                raise FerroKitInputError(f"{p.name}: column {h!r} has no unit; write 'wavelength (nm)'")
            try:
                convert(1.0, unit, "length")
            except FerroKitInputError:
                raise FerroKitInputError(f"{p.name}: column {h!r}: unknown length unit {unit!r} (nm, um, m)") from None
            wl_col = (i, h, unit)
        elif key in _EXT_NAMES and _unit_key(unit) in _MOLAR_UNITS:
            mm = molar_mass if molar_mass is not None else _file_molar_mass(text, p.name)
            if mm is None:
                raise FerroKitInputError(f"{p.name}: column {h!r} is per mole: give the molar mass of the absorbing "
                                         "unit in a comment line '# molar mass: 1200 g/mol'")
            if not (math.isfinite(mm) and mm > 0):
                raise FerroKitInputError(f"molar_mass must be finite and > 0 kg/mol, got {mm!r}")
            if val_col is not None:
                raise FerroKitInputError(f"{p.name}: two absorption columns; keep one")
            factor = _MOLAR_UNITS[_unit_key(unit)] / mm * math.log(10.0)
            val_col = (i, h)
        elif key in _MUA_NAMES or key in _EXT_NAMES:
            table = _MUA_UNITS if key in _MUA_NAMES else _EXT_UNITS
            uk = _unit_key(unit)
            if uk not in table:
                raise FerroKitInputError(
                    f"{p.name}: column {h!r}: unit {unit!r} not understood; allowed: "
                    + ("'1/cm per mg/mL', '1/cm per g/L', '1/m per kg/m3', 'm2/kg'" if table is _MUA_UNITS
                       else "'L/(g cm)', 'mL/(mg cm)', 'm2/kg', or molar '1/(M cm)', 'L/(mol cm)', 'm2/mol'"))
            factor = table[uk] * (1.0 if table is _MUA_UNITS else math.log(10.0))
            if val_col is not None:
                raise FerroKitInputError(f"{p.name}: two absorption columns; keep one")
            val_col = (i, h)
    if wl_col is None:
        raise FerroKitInputError(f"{p.name}: no wavelength column; name it 'wavelength (nm)'")
    if val_col is None:
        raise FerroKitInputError(f"{p.name}: no absorption column; name it 'mu_a (1/cm per mg/mL)' or "
                                 "'extinction (L/(g cm))'")
    dec = delim in (";", "\t")
    wl, mu = [], []
    for no, line in lines[1:]:
        cells = line.split(delim)
        if len(cells) <= max(wl_col[0], val_col[0]):
            raise FerroKitInputError(f"{p.name} line {no}: too few cells")
        wl.append(convert(parse_cell(cells[wl_col[0]], dec, line_no=no, header=wl_col[1]), wl_col[2], "length"))
        mu.append(parse_cell(cells[val_col[0]], dec, line_no=no, header=val_col[1]) * factor)
    if len(wl) < 3:
        raise FerroKitInputError(f"{p.name}: {len(wl)} data row(s); at least 3 needed")
    w, m = np.array(wl), np.array(mu)
    if np.all(np.diff(w) < 0):
        w, m = w[::-1], m[::-1]
    if np.any(np.diff(w) <= 0):
        raise FerroKitInputError(f"{p.name}: wavelengths must increase (or decrease) strictly, without repeats")
    if np.any(m < 0):
        raise FerroKitInputError(f"{p.name}: negative absorption values")
    return AgentSpectrum(name or p.stem, w, m, source=str(p), status=status)
