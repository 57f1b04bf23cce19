"""Read measured agent absorption spectra (CSV) and parse optical quantities typed at the CLI.

Spectrum format:

- text, UTF-8; ``#`` lines are comments; first other line is the header; comma, semicolon or tab separated;
- a wavelength column with its unit: ``wavelength (nm)`` (nm, um, m);
- one absorption column, either Napierian μ_a per mass concentration, named ``mu_a``/``mua``/``absorption``
  with unit ``1/cm per mg/mL`` (= ``1/cm per g/L``), ``1/m per kg/m3`` or ``m2/kg``, or the decadic mass
  extinction coefficient, named ``extinction``/``epsilon`` with unit ``L/(g cm)`` (= ``mL/(mg cm)``) or
  ``m2/kg``, converted with μ_a = ln 10 · ε · c;
- at least 3 rows; wavelengths strictly increasing (rows are sorted if they decrease throughout).
"""

from __future__ import annotations

import math
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

def _unit_key(unit: str) -> str:
    return unit.lower().replace(" ", "").replace("·", "").replace("⁻¹", "-1").replace("³", "3").replace("²", "2")


def read_agent_spectrum(path, *, name: str | None = None, status: str = "measured (user file)") -> AgentSpectrum:
    """Read an agent absorption spectrum (format in the module docstring) into an :class:`AgentSpectrum`."""
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
        elif key in _MUA_NAMES or key in _EXT_NAMES:
            table = _MUA_UNITS if key in _MUA_NAMES else _EXT_UNITS
            uk = _unit_key(unit)
            if uk not in table:
                raise FerroKitInputError(
                    f"{p.name}: column {h!r}: unit {unit!r} not understood; allowed: "
                    + ("'1/cm per mg/mL', '1/cm per g/L', '1/m per kg/m3', 'm2/kg'" if table is _MUA_UNITS
                       else "'L/(g cm)', 'mL/(mg cm)', 'm2/kg'"))
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
