"""Read M(H) magnetometry curves (VSM/SQUID exports) from delimited text files into SI arrays.

Format (see docs/magnetism.md):

- text, UTF-8 (a BOM is accepted); lines starting with ``#`` are comments; blank lines are skipped;
- the first other line is the header; comma-, semicolon- or tab-separated (detected from the header);
  with ``;`` or tab separators a decimal comma (``1,5``) is accepted;
- every header carries its unit in brackets, ``H (Oe)`` or ``M [emu/g]``; column names are
  case-insensitive and extra columns are ignored;
- field column (names ``H``, ``field``, ``applied field``, ``magnetic field``, ``B``, ``B0``, ``mu0H``,
  ``μ0H``, ``µ0H``): units A/m, kA/m, MA/m, Oe, kOe; or μ0H in T, mT, G (converted to H = B/μ0);
- magnetisation column (names ``M``, ``magnetization``, ``magnetisation``, ``moment``): the unit decides
  what it is —
  mass magnetisation (emu/g, A m2/kg, Am2/kg, memu/g) is used as is; magnetic moment (emu, memu, A m2)
  is divided by ``mass``; volume magnetisation (A/m, kA/m, emu/cm3, or μ0M in T/mT) is divided by
  ``density``; without the needed ``mass``/``density`` the reader stops with a clear message;
- optional temperature column (``T``, ``temp``, ``temperature`` with a K/°C unit; its mean is reported) or
  a comment line ``# temperature: 300 K`` (also ``# T = 27 C``; a comment that does not parse as a
  temperature is left as a comment).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

import numpy as np

from ferrokit._shared.units import convert, parse_quantity, split_header, unit_factor
from ferrokit._shared.validation import FerroKitInputError, check_positive
from ferrokit.io._csv import detect_delimiter, normalise_name, parse_cell

__all__ = ["MIN_POINTS", "MHCurve", "read_mh_curve"]

#: Fewest data rows accepted.
MIN_POINTS = 10

_FIELD_NAMES = {"h", "field", "applied field", "magnetic field", "b", "b0", "mu0h", "μ0h", "µ0h", "u0h",
                "mu_0h", "mu0 h", "μ0 h", "µ0 h", "h applied", "applied field h"}
_MAG_NAMES = {"m", "magnetization", "magnetisation", "moment", "magnetic moment", "mass magnetization",
              "mass magnetisation"}
_TEMP_NAMES = {"t", "temp", "temperature"}
_TEMP_COMMENT = re.compile(r"^#\s*(?:temperature|temp|t)\s*[:=]\s*(.+?)\s*$", re.IGNORECASE)


@dataclass(frozen=True, eq=False)
class MHCurve:
    """An M(H) curve in SI units, in measurement order.

    Attributes
    ----------
    field : ndarray
        Applied field H [A/m].
    magnetization : ndarray
        Mass magnetisation [A m²/kg] (= emu/g).
    source : str
        Path of the file read.
    sha256 : str
        SHA-256 of the file's bytes (provenance).
    columns : dict
        ``{"field": (header, unit), "magnetization": (header, unit)[, "temperature": (header, unit)]}``
        exactly as read.
    magnetization_kind : str
        ``"mass"``, ``"moment"`` (divided by ``mass``) or ``"volume"`` (divided by ``density``).
    temperature : float or None
        Measurement temperature [K] from a temperature column (mean) or a ``# temperature:`` comment.
    mass : float or None
        Sample mass [kg] used to normalise a moment column.
    density : float or None
        Density [kg/m³] used to convert a volume magnetisation.
    comments : tuple of str
        The comment lines (without ``#``).
    """

    field: np.ndarray = dc_field(repr=False)
    magnetization: np.ndarray = dc_field(repr=False)
    source: str
    sha256: str
    columns: dict[str, tuple[str, str]]
    magnetization_kind: str
    temperature: float | None = None
    mass: float | None = None
    density: float | None = None
    comments: tuple[str, ...] = ()

    @property
    def n_points(self) -> int:
        """Number of data rows."""
        return int(self.field.size)

    def to_dict(self) -> dict:
        """Provenance summary (no arrays)."""
        return {
            "source": self.source,
            "sha256": self.sha256,
            "n_points": self.n_points,
            "columns": {k: {"header": v[0], "unit": v[1]} for k, v in self.columns.items()},
            "magnetization_kind": self.magnetization_kind,
            "temperature": None if self.temperature is None else {"value": self.temperature, "unit": "K"},
            "mass": None if self.mass is None else {"value": self.mass, "unit": "kg"},
            "density": None if self.density is None else {"value": self.density, "unit": "kg/m3"},
        }


def _try_unit(unit: str, dimension: str) -> bool:
    try:
        convert(1.0, unit, dimension)
    except FerroKitInputError:
        return False
    return True


def _mag_kind(unit: str, header: str) -> str:
    kinds = (("mass", "mass_magnetization"), ("moment", "moment"), ("volume", "volume_magnetization"))
    for kind, dim in kinds:
        if _try_unit(unit, dim):
            return kind
    raise FerroKitInputError(
        f"column {header!r}: unknown magnetisation unit {unit!r}; allowed: emu/g, A m2/kg, Am2/kg, memu/g "
        "(mass magnetisation); emu, memu, A m2 (moment, needs the sample mass); A/m, kA/m, emu/cm3, T, mT "
        "(volume magnetisation, needs the density)")


def read_mh_curve(path, *, mass: float | None = None, density: float | None = None) -> MHCurve:
    """Read an M(H) curve from a CSV/TSV file (format in the module docstring and docs/magnetism.md).

    Parameters
    ----------
    path : str or path-like
        The file.
    mass : float, optional
        Sample mass [kg]; required when the magnetisation column is a moment (``m (emu)``, ``m (A m2)``).
    density : float, optional
        Density [kg/m³] of the material the volume magnetisation refers to; required when the
        magnetisation column is a volume magnetisation (``M (kA/m)``, ``M (emu/cm3)``).

    Returns
    -------
    MHCurve
        Field [A/m] and mass magnetisation [A m²/kg] in file order, with provenance.

    Raises
    ------
    FerroKitInputError
        Missing or empty file; no header, field or magnetisation column; a header without a unit or with
        an unknown unit; duplicated columns; a non-numeric, empty or non-finite cell (the message gives the
        line and column); fewer than 10 rows; a field that is zero everywhere; a moment without ``mass`` or
        a volume magnetisation without ``density``.
    """
    p = Path(path)
    if not p.exists():
        raise FerroKitInputError(f"file not found: {p}")
    if not p.is_file():
        raise FerroKitInputError(f"not a file: {p}")
    raw = p.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte string
            raise FerroKitInputError(f"{p}: not a text file") from None
    if mass is not None:
        mass = check_positive("mass", mass, unit="kg")
    if density is not None:
        density = check_positive("density", density, unit="kg/m3")

    comments: list[str] = []
    header_line: str | None = None
    header_no = 0
    data: list[tuple[int, str]] = []
    temperature_comment: float | None = None
    for no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            comments.append(stripped[1:].strip())
            m = _TEMP_COMMENT.match(stripped)
            if m and temperature_comment is None:
                try:  # a comment is free text: one that does not parse as a temperature is just a comment
                    temperature_comment = parse_quantity(m.group(1), "temperature")
                except FerroKitInputError:
                    temperature_comment = None
            continue
        if header_line is None:
            header_line, header_no = line, no
        else:
            data.append((no, line))
    if header_line is None:
        raise FerroKitInputError(f"{p}: the file is empty (no header and no data)")

    delim = detect_delimiter(header_line)
    headers = [h.strip().strip('"').strip("'") for h in header_line.split(delim)]
    roles: dict[str, tuple[int, str, str]] = {}
    seen: dict[str, str] = {}
    for i, h in enumerate(headers):
        if not h:
            continue
        name, unit = split_header(h)
        key = normalise_name(name)
        if key + "|" + unit.lower() in seen:
            raise FerroKitInputError(f"{p.name}: duplicated column {h!r} (line {header_no})")
        seen[key + "|" + unit.lower()] = h
        if key in _FIELD_NAMES:
            role = "field"
        elif key in _MAG_NAMES:
            role = "magnetization"
        elif key in _TEMP_NAMES:
            if not unit or not _try_unit(unit, "temperature"):
                continue  # e.g. 't (s)' is a time column: ignored
            role = "temperature"
        else:
            continue
        if not unit:
            example = "H (Oe)" if role == "field" else "M (emu/g)"
            raise FerroKitInputError(
                f"{p.name}: column {h!r} has no unit; write it in the header, e.g. {example!r}")
        if role in roles:
            raise FerroKitInputError(
                f"{p.name}: two {role} columns, {headers[roles[role][0]]!r} and {h!r}; keep one "
                "(or rename the other)")
        roles[role] = (i, h, unit)
    if "field" not in roles:
        raise FerroKitInputError(
            f"{p.name}: no field column in the header {header_line.strip()!r}; name it H, field or mu0H "
            "with a unit, e.g. 'H (Oe)'")
    if "magnetization" not in roles:
        raise FerroKitInputError(
            f"{p.name}: no magnetisation column in the header {header_line.strip()!r}; name it M or moment "
            "with a unit, e.g. 'M (emu/g)'")

    fi, fh, fu = roles["field"]
    mi, mh, mu = roles["magnetization"]
    if not _try_unit(fu, "field"):
        raise FerroKitInputError(
            f"{p.name}: column {fh!r}: unknown field unit {fu!r}; allowed: A/m, kA/m, MA/m, Oe, kOe, "
            "and μ0H in T, mT, G")
    kind = _mag_kind(mu, mh)
    if kind == "moment" and mass is None:
        raise FerroKitInputError(
            f"{p.name}: column {mh!r} is a magnetic moment; give the sample mass (mass=..., CLI --mass 5mg) "
            "to get emu/g")
    if kind == "volume" and density is None:
        raise FerroKitInputError(
            f"{p.name}: column {mh!r} is a volume magnetisation; give the density of the magnetic material "
            "(density=..., CLI --density 5.2g/cm3) to convert it to A m2/kg")
    decimal_comma = delim in (";", "\t")
    needed = [fi, mi] + ([roles["temperature"][0]] if "temperature" in roles else [])
    width = max(needed) + 1
    hv, mv, tv = [], [], []
    for no, line in data:
        cells = line.split(delim)
        if len(cells) < width:
            raise FerroKitInputError(
                f"{p.name} line {no}: {len(cells)} cell(s), but the header needs at least {width} "
                f"(column {headers[width - 1]!r})")
        hv.append(parse_cell(cells[fi], decimal_comma, line_no=no, header=fh, source=p.name))
        mv.append(parse_cell(cells[mi], decimal_comma, line_no=no, header=mh, source=p.name))
        if "temperature" in roles:
            ti, th, _ = roles["temperature"]
            tv.append(parse_cell(cells[ti], decimal_comma, line_no=no, header=th, source=p.name))
    if len(hv) < MIN_POINTS:
        raise FerroKitInputError(
            f"{p.name}: {len(hv)} data row(s); an M(H) curve needs at least {MIN_POINTS}")
    h_si = np.asarray(hv) * unit_factor(fu, "field")
    if not np.any(h_si != 0):
        raise FerroKitInputError(f"{p.name}: column {fh!r} is zero on every row; no field sweep to analyse")
    m_arr = np.asarray(mv)
    if kind == "mass":
        m_si = m_arr * unit_factor(mu, "mass_magnetization")
    elif kind == "moment":
        m_si = m_arr * unit_factor(mu, "moment") / mass
    else:
        m_si = m_arr * unit_factor(mu, "volume_magnetization") / density
    columns = {"field": (fh, fu), "magnetization": (mh, mu)}
    temperature = temperature_comment
    if tv:
        ti, th, tu = roles["temperature"]
        t_si = np.array([convert(t, tu, "temperature") for t in tv])
        if np.any(t_si <= 0):
            raise FerroKitInputError(f"{p.name}: column {th!r} has temperatures ≤ 0 K")
        temperature = float(np.mean(t_si))
        columns["temperature"] = (th, tu)
    return MHCurve(
        field=h_si, magnetization=m_si, source=str(p), sha256=digest, columns=columns,
        magnetization_kind=kind, temperature=temperature,
        mass=mass if kind == "moment" else None, density=density if kind == "volume" else None,
        comments=tuple(comments),
    )
