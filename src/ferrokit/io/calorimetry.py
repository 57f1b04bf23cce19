"""Read calorimetry heating curves (CSV) and calorimetry sample files (YAML).

Heating-curve format (see docs/calorimetry.md):

- text, UTF-8 (a BOM is accepted); ``#`` lines are comments; blank lines are skipped; the first other line
  is the header; comma-, semicolon- or tab-separated (with ``;``/tab a decimal comma is accepted);
- every time and temperature header carries its unit in brackets: ``time (s)``, ``t (min)``, ``T (°C)``,
  ``T (C)``, ``T (K)``; names are free for temperatures (``T``, ``T1``, ``probe 2``, ...): any column whose
  unit is a temperature unit is a probe; °F is refused;
- one time column (names ``t``, ``time``, ``elapsed``, ``elapsed time``, or any name with a time unit);
- optional field column (names ``field``, ``amf``, ``field on``, ``field state``, ``on``; or ``laser``,
  ``laser on``, ``light`` for photothermal curves) with unit ``on/off`` or ``0/1`` (or none); cells
  ``on``/``off``/``1``/``0`` only;
- other columns are ignored; time must increase strictly; at least 12 rows.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from ferrokit._shared.schema import validate_model
from ferrokit._shared.units import convert, split_header
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.hyperthermia.calorimetry_sample import CalorimetrySample
from ferrokit.io._csv import detect_delimiter, normalise_name, parse_cell

__all__ = ["HeatingCurveData", "read_calorimetry_sample", "read_heating_curve"]

MIN_ROWS = 12
_TIME_NAMES = {"t", "time", "elapsed", "elapsed time", "time elapsed"}
_TEMP_NAME = re.compile(r"^(t|temp|temperature|probe|sample|sample temperature|t probe)\s*_?\s*\d*$")
_FIELD_NAMES = {"field", "amf", "field on", "field state", "on", "field on/off", "ac field", "laser", "laser on",
                "laser state", "light"}
_FIELD_UNITS = {"", "on/off", "0/1", "1/0", "off/on", "bool", "state"}
_FAHRENHEIT = {"f", "°f", "degf", "fahrenheit"}


@dataclass(frozen=True, eq=False)
class HeatingCurveData:
    """A heating curve in SI: time [s], one or more probe temperatures [K], optional field on/off."""

    time: np.ndarray = field(repr=False)
    temperatures: dict = field(repr=False)
    field_on: np.ndarray | None = field(repr=False)
    source: str
    sha256: str
    columns: dict
    comments: tuple[str, ...] = ()

    @property
    def probes(self) -> tuple[str, ...]:
        return tuple(self.temperatures)

    @property
    def mean_temperature(self) -> np.ndarray:
        """Mean over probes [K]."""
        return np.mean(np.vstack(list(self.temperatures.values())), axis=0)

    def to_dict(self) -> dict:
        return {"source": self.source, "sha256": self.sha256, "n_points": int(self.time.size),
                "probes": list(self.probes), "has_field_column": self.field_on is not None,
                "columns": {k: {"header": v[0], "unit": v[1]} for k, v in self.columns.items()},
                "duration": {"value": float(self.time[-1] - self.time[0]), "unit": "s"}}


def _is_unit(unit: str, dimension: str) -> bool:
    try:
        convert(1.0, unit, dimension)
    except FerroKitInputError:
        return False
    return True


def _field_cell(text: str, *, line_no: int, header: str) -> bool:
    v = text.strip().strip('"').strip("'").lower()
    if v in ("on", "1", "1.0", "true"):
        return True
    if v in ("off", "0", "0.0", "false"):
        return False
    raise FerroKitInputError(f"line {line_no}, column {header!r}: field state {text.strip()!r}; allowed: on, off, "
                             "1, 0")


def read_heating_curve(path) -> HeatingCurveData:
    """Read a heating curve (format in the module docstring).

    Raises
    ------
    FerroKitInputError
        Missing/empty file; no time or temperature column; a time/temperature header without a unit or with
        an unknown unit (°F included); a non-numeric, empty or NaN cell; a field cell other than
        on/off/1/0; time not strictly increasing; fewer than 12 rows.
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
        text = raw.decode("latin-1")
    comments, data = [], []
    header_line = None
    for no, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            comments.append(s[1:].strip())
        elif header_line is None:
            header_line = line
        else:
            data.append((no, line))
    if header_line is None:
        raise FerroKitInputError(f"{p}: the file is empty (no header and no data)")
    delim = detect_delimiter(header_line)
    headers = [h.strip().strip('"').strip("'") for h in header_line.split(delim)]
    time_col = None
    temp_cols: list[tuple[int, str, str]] = []
    field_col = None
    for i, h in enumerate(headers):
        if not h:
            continue
        name, unit = split_header(h)
        key = normalise_name(name)
        ukey = unit.strip().lower().replace(" ", "")
        if key in _FIELD_NAMES and ukey in _FIELD_UNITS:
            if field_col is not None:
                raise FerroKitInputError(f"{p.name}: two field columns, {headers[field_col[0]]!r} and {h!r}")
            field_col = (i, h, unit)
            continue
        if ukey in _FAHRENHEIT:
            raise FerroKitInputError(f"{p.name}: column {h!r}: °F is not accepted; convert to °C or K")
        if unit and _is_unit(unit, "time"):
            if time_col is not None:
                raise FerroKitInputError(f"{p.name}: two time columns, {headers[time_col[0]]!r} and {h!r}; keep one")
            time_col = (i, h, unit)
        elif unit and _is_unit(unit, "temperature"):
            temp_cols.append((i, h, unit))
        elif key in _TIME_NAMES or _TEMP_NAME.match(key):
            if not unit:
                raise FerroKitInputError(f"{p.name}: column {h!r} has no unit; write it in the header, e.g. "
                                         "'time (s)' or 'T (°C)'")
            raise FerroKitInputError(f"{p.name}: column {h!r}: unknown unit {unit!r}; time: s, min, h; "
                                     "temperature: K, C, °C")
    if time_col is None:
        raise FerroKitInputError(f"{p.name}: no time column in the header {header_line.strip()!r}; name it e.g. "
                                 "'time (s)' or 't (min)'")
    if not temp_cols:
        raise FerroKitInputError(f"{p.name}: no temperature column in the header {header_line.strip()!r}; name "
                                 "it e.g. 'T (°C)' or 'T1 (K)'")
    decimal_comma = delim in (";", "\t")
    width = max([time_col[0]] + [c[0] for c in temp_cols] + ([field_col[0]] if field_col else [])) + 1
    tv, temps, fv = [], {c[1]: [] for c in temp_cols}, []
    for no, line in data:
        cells = line.split(delim)
        if len(cells) < width:
            raise FerroKitInputError(f"{p.name} line {no}: {len(cells)} cell(s), but the header needs {width}")
        tv.append(parse_cell(cells[time_col[0]], decimal_comma, line_no=no, header=time_col[1], source=p.name))
        for i, h, _ in temp_cols:
            temps[h].append(parse_cell(cells[i], decimal_comma, line_no=no, header=h, source=p.name))
        if field_col is not None:
            fv.append(_field_cell(cells[field_col[0]], line_no=no, header=field_col[1]))
    if len(tv) < MIN_ROWS:
        raise FerroKitInputError(f"{p.name}: {len(tv)} data row(s); a heating curve needs at least {MIN_ROWS}")
    t = np.array([convert(v, time_col[2], "time") for v in tv])
    bad = np.flatnonzero(np.diff(t) <= 0)
    if bad.size:
        no = data[int(bad[0]) + 1][0]
        raise FerroKitInputError(f"{p.name} line {no}: time {tv[int(bad[0]) + 1]:g} {time_col[2]} does not "
                                 "increase; rows must be in time order without repeats")
    temperatures = {}
    columns = {"time": (time_col[1], time_col[2])}
    for _, h, unit in temp_cols:
        arr = np.array([convert(v, unit, "temperature") for v in temps[h]])
        if np.any(arr <= 0):
            raise FerroKitInputError(f"{p.name}: column {h!r} has temperatures ≤ 0 K")
        temperatures[split_header(h)[0]] = arr
        columns[f"temperature:{split_header(h)[0]}"] = (h, unit)
    if field_col is not None:
        columns["field"] = (field_col[1], field_col[2])
    return HeatingCurveData(time=t, temperatures=temperatures,
                            field_on=np.array(fv, dtype=bool) if field_col is not None else None,
                            source=str(p), sha256=digest, columns=columns, comments=tuple(comments))


def read_calorimetry_sample(path) -> tuple[CalorimetrySample, str]:
    """Read and validate a sample YAML file; returns ``(sample, sha256)``. Quantities need units."""
    p = Path(path)
    if not p.exists():
        raise FerroKitInputError(f"file not found: {p}")
    if not p.is_file():
        raise FerroKitInputError(f"not a file: {p}")
    raw = p.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FerroKitInputError(f"{p.name}: not valid YAML ({first})") from None
    if not isinstance(data, dict):
        raise FerroKitInputError(f"{p.name}: expected a mapping of keys (name, volume, concentration, ...)")
    sample = validate_model(CalorimetrySample, data, where=p.name, require_units=True)
    return sample, hashlib.sha256(raw).hexdigest()
