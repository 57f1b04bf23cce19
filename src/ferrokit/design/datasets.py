"""Design datasets: the shipped DiMag tables (SAR, r1, r2) and user measurement files, with explicit units.

Every row is validated; rows that cannot be used are returned as :class:`RejectedRow` (line number and
reason), never silently dropped. Values are SI inside (see ``docs/design.md`` for the evidence behind the
units of the DiMag columns, whose headers carry none):

============================  ===========================  ===================================
DiMag column                  unit in the file             SI column of :class:`DesignTable`
============================  ===========================  ===================================
Area/volume                   nm⁻¹ (surface/volume)        ``core_size`` = 6/(A/V) [m]
Max/min(size)                 flag 0/1 (meaning unclear)   ``shape_flag`` [1]
Saturation magnetization      emu/g                        ``ms`` [A m² kg⁻¹]
Coercivity                    Oe                           ``coercivity`` [A/m]
Remanence magnetization       emu/g                        ``remanence`` [A m² kg⁻¹]
Concentration of particles    mg/mL                        ``concentration`` [kg/m³]
Field amplitude               Oe                           ``field_amplitude`` [A/m]
Field frequency               MHz                          ``frequency`` [Hz]
SAR                           W/g                          ``sar`` [W/kg]
Field strength (r1, r2)       T                            ``field_strength`` [T]
r1 / r2 relaxivity            mM⁻¹ s⁻¹                     ``r1``/``r2`` [s⁻¹ per mol m⁻³]
============================  ===========================  ===================================

DiMag: Copyright (c) 2024 ai-chem, BSD-3-Clause (``ferrokit/design/_data/dimag/LICENSE``).
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import numpy as np

from ferrokit._shared.units import convert
from ferrokit._shared.validation import FerroKitInputError, check_choice
from ferrokit.constants import MU_0
from ferrokit.io._csv import detect_delimiter, normalise_name
from ferrokit.materials import parse_formula

__all__ = ["NUMERIC_COLUMNS", "TARGETS", "DesignTable", "DiToxTable", "RejectedRow", "load_dimag", "load_ditox",
           "normalise_doi", "read_design_csv"]

#: Targets a design model can learn.
TARGETS: tuple[str, ...] = ("sar", "r1", "r2")

_SIZE_RANGE = (1e-9, 1e-6)  # m: what a "nanoparticle" core size can be here
_MS_MAX = 250.0  # A m2/kg: above every ferrite and iron oxide (bcc Fe is 218)
_B0_RANGE = (1e-3, 30.0)  # T

#: Numeric SI columns of a table, per target (NaN where a value is not reported).
NUMERIC_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "sar": ("core_size", "shape_flag", "ms", "coercivity", "remanence", "coating_logp", "coating_h_acceptors",
            "concentration", "field_amplitude", "frequency", "sar"),
    "r1": ("core_size", "shape_flag", "ms", "coating_logp", "coating_h_acceptors", "field_strength", "r1"),
    "r2": ("core_size", "shape_flag", "ms", "coating_logp", "coating_h_acceptors", "field_strength", "r2"),
}

# DiMag header → (column, unit, dimension). Area/volume is converted to a size separately.
_DIMAG: dict[str, tuple[str, str, str]] = {
    "max/min(size)": ("shape_flag", "", "dimensionless"),
    "saturation magnetization": ("ms", "emu/g", "mass_magnetization"),
    "coercivity": ("coercivity", "Oe", "field"),
    "remanence magnetization": ("remanence", "emu/g", "mass_magnetization"),
    "logp of organic coating": ("coating_logp", "", "dimensionless"),
    "number h acceptors of organic coating": ("coating_h_acceptors", "", "dimensionless"),
    "concentration of particles": ("concentration", "mg/mL", "mass_concentration"),
    "field amplitude": ("field_amplitude", "Oe", "field"),
    "field frequency": ("frequency", "MHz", "frequency"),
    "sar": ("sar", "W/g", "specific_power"),
    "field strength": ("field_strength", "T", "field"),
    "r1 relaxivity": ("r1", "", "relaxivity"),
    "r2 relaxivity": ("r2", "", "relaxivity"),
}

# User schema: column → dimension (units in the header, "name (unit)").
_USER_DIMENSION: dict[str, str] = {
    "core_size": "length", "surface_to_volume": "inverse_length", "shape_flag": "dimensionless",
    "ms": "mass_magnetization", "coercivity": "field", "remanence": "mass_magnetization",
    "coating_logp": "dimensionless", "coating_h_acceptors": "dimensionless",
    "concentration": "mass_concentration", "field_amplitude": "field", "frequency": "frequency",
    "sar": "specific_power", "field_strength": "field", "r1": "relaxivity", "r2": "relaxivity",
}
_USER_ALIASES = {"core diameter": "core_size", "core size": "core_size", "size": "core_size",
                 "surface to volume": "surface_to_volume", "area/volume": "surface_to_volume",
                 "shape flag": "shape_flag", "ms": "ms", "saturation magnetization": "ms",
                 "coercivity": "coercivity", "remanence": "remanence", "coating logp": "coating_logp",
                 "coating h acceptors": "coating_h_acceptors", "concentration": "concentration",
                 "field amplitude": "field_amplitude", "frequency": "frequency", "sar": "sar", "slp": "sar",
                 "field strength": "field_strength", "b0": "field_strength", "r1": "r1", "r2": "r2"}
_TEXT_ALIASES = {"doi": "doi", "group": "doi", "composition": "composition", "core composition": "composition",
                 "shell": "shell", "coating": "shell", "shell composition": "shell"}
# relaxivity: s^-1 per mol m^-3 = mM^-1 s^-1; accepted spellings after removing spaces, lower case
_RELAXIVITY_UNITS = {"", "mm-1s-1", "s-1mm-1", "1/(mms)", "1/(smm)", "/mm/s", "l/(mmols)", "lmmol-1s-1",
                     "mm^-1s^-1", "s^-1mm^-1", "mm⁻¹s⁻¹", "mm-1.s-1"}
_INVERSE_LENGTH = {"1/nm": 1e9, "nm-1": 1e9, "nm^-1": 1e9, "1/m": 1.0, "m-1": 1.0, "1/um": 1e6, "um-1": 1e6}
_HEADER_UNIT = re.compile(r"^(.*?)\s*[\(\[]\s*(.*?)\s*[\)\]]\s*$")


@dataclass(frozen=True)
class RejectedRow:
    """A row that was not used: where it is and why."""

    source: str
    line: int
    reason: str
    doi: str = ""

    def to_dict(self) -> dict:
        return {"source": self.source, "line": self.line, "doi": self.doi, "reason": self.reason}


@dataclass(frozen=True)
class DesignTable:
    """Validated rows of one target, column-wise, SI units.

    Attributes
    ----------
    target : {"sar", "r1", "r2"}
    text : Mapping[str, tuple[str, ...]]
        ``doi`` (normalised, the grouping key), ``composition`` (canonical formula), ``shell`` (free text).
    numeric : Mapping[str, numpy.ndarray]
        The columns of :data:`NUMERIC_COLUMNS` in SI (NaN: not reported). The target column is NaN for rows
        read for prediction only.
    lines : tuple[int, ...]
        Line of each row in its source file (header = line 1).
    sources : tuple[str, ...]
        Source (file name) of each row.
    rejected : tuple[RejectedRow, ...]
        Rows that failed validation, with the reason.
    """

    target: str
    text: Mapping[str, tuple[str, ...]]
    numeric: Mapping[str, np.ndarray]
    lines: tuple[int, ...]
    sources: tuple[str, ...]
    rejected: tuple[RejectedRow, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def y(self) -> np.ndarray:
        """The target column in SI (W/kg for SAR, s⁻¹ per mol m⁻³ for r1/r2)."""
        return self.numeric[self.target]

    @property
    def groups(self) -> np.ndarray:
        """The grouping key of each row (normalised DOI)."""
        return np.asarray(self.text["doi"], dtype=object)

    def subset(self, index: Sequence[int] | np.ndarray) -> DesignTable:
        """Rows at ``index`` (rejected rows are kept)."""
        idx = np.asarray(index, dtype=int)
        return DesignTable(self.target, {k: tuple(v[i] for i in idx) for k, v in self.text.items()},
                           {k: v[idx] for k, v in self.numeric.items()}, tuple(self.lines[i] for i in idx),
                           tuple(self.sources[i] for i in idx), self.rejected)

    def concat(self, other: DesignTable) -> DesignTable:
        """This table followed by ``other`` (same target)."""
        if other.target != self.target:
            raise FerroKitInputError(f"cannot combine a {self.target} table with a {other.target} table")
        return DesignTable(self.target, {k: self.text[k] + other.text[k] for k in self.text},
                           {k: np.concatenate([self.numeric[k], other.numeric[k]]) for k in self.numeric},
                           self.lines + other.lines, self.sources + other.sources,
                           self.rejected + other.rejected)

    def summary(self) -> dict:
        """Counts (rows, papers, rejected by reason) for reports and ``--json``."""
        reasons: dict[str, int] = {}
        for r in self.rejected:
            key = r.reason.split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
        return {"target": self.target, "rows": len(self), "groups": len(set(self.text["doi"])),
                "rejected": len(self.rejected), "rejected_by_reason": reasons}

    def to_dict(self) -> dict:
        out = self.summary()
        out["rejected_rows"] = [r.to_dict() for r in self.rejected]
        out["units"] = {"core_size": "m", "ms": "A m2/kg", "coercivity": "A/m", "remanence": "A m2/kg",
                        "concentration": "kg/m3", "field_amplitude": "A/m", "frequency": "Hz", "sar": "W/kg",
                        "field_strength": "T", "r1": "s-1 per mol/m3 (= mM-1 s-1)",
                        "r2": "s-1 per mol/m3 (= mM-1 s-1)"}
        return out


def normalise_doi(text: str) -> str:
    """Lower-case DOI without resolver prefix: ``https://doi.org/10.1/X`` → ``10.1/x``.

    >>> normalise_doi("http://dx.doi.org/10.1021/NN2048137 ")
    '10.1021/nn2048137'
    """
    t = text.strip().lower()
    t = re.sub(r"^(https?://)?(dx\.)?doi\.org/", "", t)
    return re.sub(r"^doi:\s*", "", t)


def _convert(value: float, unit: str, dimension: str) -> float:
    if dimension == "relaxivity":
        u = re.sub(r"\s+", "", unit).lower().replace("·", "").replace("*", "")
        if u not in _RELAXIVITY_UNITS:
            raise FerroKitInputError(f"unknown relaxivity unit {unit!r}; use mM-1 s-1 (= L mmol-1 s-1)")
        return value
    if dimension == "inverse_length":
        u = re.sub(r"\s+", "", unit)
        if u not in _INVERSE_LENGTH:
            raise FerroKitInputError(f"unknown surface/volume unit {unit!r}; allowed: {', '.join(_INVERSE_LENGTH)}")
        return value * _INVERSE_LENGTH[u]
    if dimension == "dimensionless" and unit == "":
        return value
    si = convert(value, unit, dimension)
    return si


class _Row:
    """One row being read: SI values and text cells."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}
        self.text: dict[str, str] = {}


def _validate(target: str, row: _Row, *, need_target: bool, need_group: bool) -> str | None:
    """Fill derived columns and return a rejection reason or None."""
    v = row.values
    if need_group and not row.text.get("doi"):
        return "missing DOI/group: grouped validation needs the paper of each row"
    comp_text = row.text.get("composition", "")
    if not comp_text:
        return "missing composition"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            comp = parse_formula(comp_text)
    except FerroKitInputError as exc:
        return f"composition not a supported spinel iron oxide: {exc}"
    row.text["composition"] = comp.formula
    if "core_size" not in v or not math.isfinite(v["core_size"]):
        s2v = v.pop("surface_to_volume", math.nan)
        if not (math.isfinite(s2v) and s2v > 0):
            return "size: surface/volume must be > 0 (size = 6/(A/V))"
        v["core_size"] = 6.0 / s2v
    v.pop("surface_to_volume", None)
    d = v["core_size"]
    if not (_SIZE_RANGE[0] <= d <= _SIZE_RANGE[1]):
        return f"size: derived core size {d * 1e9:.3g} nm outside [1, 1000] nm"
    ms = v.get("ms", math.nan)
    if not (math.isfinite(ms) and 0 < ms <= _MS_MAX):
        return f"Ms: {ms:g} A m2/kg outside (0, 250] emu/g"
    if target == "sar":
        for name in ("field_amplitude", "frequency"):
            if not (math.isfinite(v.get(name, math.nan)) and v[name] > 0):
                return f"{name}: must be > 0, got {v.get(name, math.nan):g}"
    else:
        b0 = v.get("field_strength", math.nan)
        if not (math.isfinite(b0) and _B0_RANGE[0] <= b0 <= _B0_RANGE[1]):
            return f"field_strength: B0 {b0:g} T outside [0.001, 30] T"
    y = v.get(target, math.nan)
    if need_target and not (math.isfinite(y) and y > 0):
        return f"{target}: target must be a finite value > 0 (log target), got {y:g}"
    if not need_target and math.isfinite(y) and y <= 0:
        v[target] = math.nan
    return None


def _finish(target: str, rows: list[tuple[int, _Row]], rejected: list[RejectedRow], source: str) -> DesignTable:
    cols = NUMERIC_COLUMNS[target]
    numeric = {c: np.array([r.values.get(c, math.nan) for _, r in rows], dtype=float) for c in cols}
    text = {k: tuple(r.text.get(k, "") for _, r in rows) for k in ("doi", "composition", "shell")}
    return DesignTable(target, text, numeric, tuple(line for line, _ in rows), tuple(source for _ in rows),
                       tuple(rejected))


def _parse_number(cell: str, *, line: int, header: str) -> float:
    c = cell.strip().strip('"')
    if c == "":
        return math.nan
    try:
        x = float(c)
    except ValueError:
        raise FerroKitInputError(f"line {line}, column {header!r}: not a number: {cell.strip()!r}") from None
    if not math.isfinite(x):
        raise FerroKitInputError(f"line {line}, column {header!r}: {cell.strip()!r} is not finite")
    return x


def _read_dimag_rows(target: str, reader: list[list[str]], header: list[str], source: str, *,
                     need_target: bool, need_group: bool) -> DesignTable:
    names = [normalise_name(h) for h in header]
    index = {n: i for i, n in enumerate(names)}
    required = ["core composition", "area/volume", "saturation magnetization"]
    required += ["field amplitude", "field frequency"] if target == "sar" else ["field strength"]
    if need_target:
        required.append("sar" if target == "sar" else f"{target} relaxivity")
    if need_group:
        required.append("doi")
    missing = [r for r in required if r not in index]
    if missing:
        raise FerroKitInputError(f"{source}: missing DiMag column(s) {', '.join(missing)} for target {target}")
    rows: list[tuple[int, _Row]] = []
    rejected: list[RejectedRow] = []
    for k, cells in enumerate(reader):
        line = k + 2
        if not any(c.strip() for c in cells):
            continue
        row = _Row()

        def get(n: str, cells: list[str] = cells) -> str:
            return cells[index[n]] if n in index and index[n] < len(cells) else ""

        row.text = {"doi": normalise_doi(get("doi")), "composition": get("core composition").strip(),
                    "shell": get("shell composition").strip()}
        try:
            s2v = _parse_number(get("area/volume"), line=line, header="Area/volume")
            row.values["surface_to_volume"] = s2v * 1e9  # nm^-1 → m^-1
            for name, (col, unit, dim) in _DIMAG.items():
                if name in index and col in NUMERIC_COLUMNS[target]:
                    x = _parse_number(get(name), line=line, header=header[index[name]])
                    if math.isfinite(x):
                        x = _convert(x, unit, dim)
                        if col == "field_strength":
                            x = x * MU_0  # A/m back to B0 = μ0 H in T
                    row.values[col] = x
        except FerroKitInputError as exc:
            rejected.append(RejectedRow(source, line, f"unreadable cell: {exc}", row.text["doi"]))
            continue
        reason = _validate(target, row, need_target=need_target, need_group=need_group)
        if reason:
            rejected.append(RejectedRow(source, line, reason, row.text["doi"]))
        else:
            rows.append((line, row))
    return _finish(target, rows, rejected, source)


def _user_column(header: str) -> tuple[str, str] | None:
    """Map ``"core diameter (nm)"`` → ("core_size", "nm"); None for columns this schema does not know."""
    m = _HEADER_UNIT.match(header.strip())
    name, unit = (m.group(1), m.group(2)) if m else (header, "")
    key = normalise_name(name)
    if key in _TEXT_ALIASES:
        return _TEXT_ALIASES[key], ""
    if key in _USER_ALIASES:
        return _USER_ALIASES[key], unit
    return None


def _read_user_rows(target: str, reader: list[list[str]], header: list[str], source: str, *,
                    need_target: bool, need_group: bool) -> DesignTable:
    mapping: dict[int, tuple[str, str]] = {}
    for i, h in enumerate(header):
        col = _user_column(h)
        if col is not None:
            mapping[i] = col
    present = {c for c, _ in mapping.values()}
    required = ["composition", "ms"] + (["field_amplitude", "frequency"] if target == "sar" else ["field_strength"])
    if need_target:
        required.append(target)
    if need_group:
        required.append("doi")
    missing = [r for r in required if r not in present]
    if "core_size" not in present and "surface_to_volume" not in present:
        missing.append("core_size (or surface_to_volume)")
    if missing:
        raise FerroKitInputError(
            f"{source}: missing column(s) {', '.join(missing)} for target {target}; "
            "see docs/design.md (e.g. 'core_size (nm)', 'ms (emu/g)', 'field_amplitude (kA/m)', 'frequency (kHz)')")
    for i, (col, unit) in mapping.items():
        dim = _USER_DIMENSION.get(col)
        if dim is None:
            continue
        if unit == "" and dim not in ("dimensionless", "relaxivity"):
            raise FerroKitInputError(f"{source}: column {header[i]!r} needs a unit in its header, "
                                     f"e.g. '{col} (...)'")
        _convert(1.0, unit, dim)  # unknown unit → one clear error before reading rows
    allowed = set(NUMERIC_COLUMNS[target]) | {"surface_to_volume"}
    rows: list[tuple[int, _Row]] = []
    rejected: list[RejectedRow] = []
    for k, cells in enumerate(reader):
        line = k + 2
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise FerroKitInputError(f"{source}, line {line}: {len(cells)} cells but {len(header)} columns")
        row = _Row()
        try:
            for i, (col, unit) in mapping.items():
                cell = cells[i] if i < len(cells) else ""
                if col in _TEXT_ALIASES.values():
                    row.text[col] = normalise_doi(cell) if col == "doi" else cell.strip()
                elif col in allowed:
                    x = _parse_number(cell, line=line, header=header[i])
                    if math.isfinite(x):
                        x = _convert(x, unit, _USER_DIMENSION[col])
                        if col == "field_strength":
                            x = x * MU_0
                    row.values[col] = x
        except FerroKitInputError as exc:
            rejected.append(RejectedRow(source, line, f"unreadable cell: {exc}", row.text.get("doi", "")))
            continue
        reason = _validate(target, row, need_target=need_target, need_group=need_group)
        if reason:
            rejected.append(RejectedRow(source, line, reason, row.text.get("doi", "")))
        else:
            rows.append((line, row))
    return _finish(target, rows, rejected, source)


def _parse_text(text: str, target: str, source: str, *, need_target: bool, need_group: bool) -> DesignTable:
    check_choice("target", target, TARGETS)
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].strip():
        raise FerroKitInputError(f"{source}: empty file (a header line is needed)")
    delim = detect_delimiter(lines[0])
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delim))
    header, body = rows[0], rows[1:]
    if not any(any(c.strip() for c in r) for r in body):
        raise FerroKitInputError(f"{source}: no data rows below the header")
    dimag = any(normalise_name(h) == "area/volume" for h in header) and any(
        normalise_name(h) == "core composition" for h in header)
    reader = _read_dimag_rows if dimag else _read_user_rows
    return reader(target, body, header, source, need_target=need_target, need_group=need_group)


def read_design_csv(path: str | Path, target: str, *, need_target: bool = True,
                    need_group: bool = True) -> DesignTable:
    """Read a measurement file: the DiMag column layout, or the FerroKit schema with units in the headers.

    Parameters
    ----------
    path : str or Path
        CSV (comma, semicolon or tab). DiMag layout is recognised by its ``Area/volume`` and
        ``Core composition`` columns (units as in the shipped tables). Otherwise the FerroKit schema:
        ``doi``, ``composition``, ``shell`` (text), ``core_size (nm)`` or ``surface_to_volume (1/nm)``,
        ``ms (emu/g)``, optional ``coercivity (Oe)``, ``remanence (emu/g)``, ``concentration (mg/mL)``,
        ``coating_logp``, ``coating_h_acceptors``, ``shape_flag``; for SAR ``field_amplitude (kA/m)``,
        ``frequency (kHz)``, ``sar (W/g)``; for r1/r2 ``field_strength (T)`` and ``r1``/``r2 (mM-1 s-1)``.
        Any unit FerroKit knows for the dimension is accepted; unknown columns are ignored.
    target : {"sar", "r1", "r2"}
    need_target : bool
        Require the target column and a positive value (training); False for prediction.
    need_group : bool
        Require a DOI/group per row (training and grouped evaluation).

    Returns
    -------
    DesignTable
        Valid rows, and rejected rows with reasons in ``rejected``.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FerroKitInputError(f"{p}: not a UTF-8 text file") from None
    return _parse_text(text, target, p.name, need_target=need_target, need_group=need_group)


def load_dimag(target: str) -> DesignTable:
    """The shipped DiMag table of ``target`` ("sar", "r1" or "r2"), validated, SI units.

    Source: ai-chem/DiMag ``database/{SAR,r1,r2}.csv`` (BSD-3-Clause, Copyright (c) 2024 ai-chem).
    Rows with compositions :func:`ferrokit.materials.parse_formula` rejects (carbides, fluorides, Tb/Cu/Mg
    ferrites, charge-unbalanced formulas) are returned in ``rejected`` with the parser's reason.

    Examples
    --------
    >>> t = load_dimag("sar")
    >>> len(t) + len(t.rejected)
    460
    >>> round(float(t.numeric["frequency"].max()) / 1e6, 2)  # MHz column → Hz
    0.9
    """
    check_choice("target", target, TARGETS)
    name = {"sar": "SAR.csv", "r1": "r1.csv", "r2": "r2.csv"}[target]
    text = files("ferrokit.design").joinpath("_data", "dimag", name).read_text(encoding="utf-8")
    return _parse_text(text, target, f"DiMag {name}", need_target=True, need_group=True)


@dataclass(frozen=True)
class DiToxTable:
    """The DiTox cytotoxicity table (cell viability vs material, size, dose, cell line, time, assay)."""

    columns: Mapping[str, tuple]
    units: Mapping[str, str]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))


def load_ditox(material: str | None = None) -> DiToxTable:
    """The shipped DiTox table (ai-chem/DiTox_v1, Apache-2.0), SI units for the numeric columns.

    Parameters
    ----------
    material : str, optional
        Keep only rows of this ``Material`` (e.g. ``"Fe3O4"``).

    Examples
    --------
    >>> t = load_ditox()
    >>> len(t)
    3087
    >>> len(load_ditox("Fe3O4"))
    441
    """
    text = files("ferrokit.design").joinpath("_data", "ditox", "dataset_3090.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    numeric = {"Diameter (nm)": ("diameter", 1e-9, "m"), "Zeta potential (mV)": ("zeta_potential", 1e-3, "V"),
               "Concentration (g/L)": ("concentration", 1.0, "kg/m3"), "Viability (%)": ("viability", 1e-2, "1"),
               "Time (h)": ("time", 3600.0, "s")}
    if material is not None:
        rows = [r for r in rows if r["Material"] == material]
        if not rows:
            raise FerroKitInputError(f"material {material!r} not in DiTox")
    cols: dict[str, tuple] = {}
    for src, (dst, factor, _) in numeric.items():
        cols[dst] = tuple(float(r[src]) * factor for r in rows)
    for src in ("Material", "Cell_type", "Coat", "Test", "Animal", "Cell_organ"):
        cols[normalise_name(src).replace(" ", "_")] = tuple(r[src] for r in rows)
    units = {dst: unit for dst, _, unit in numeric.values()}
    return DiToxTable(cols, units)

