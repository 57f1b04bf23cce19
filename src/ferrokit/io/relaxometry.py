"""Read relaxometry tables: benchtop relaxometer curves (signal vs TI/TE) and rate-vs-concentration tables.

Common format: UTF-8 text (BOM accepted), ``#`` comment lines and blank lines skipped, a header line, comma-,
semicolon- or tab-separated (decimal comma accepted with ``;``/tab); column names are case-insensitive;
units in brackets, ``TI (ms)``. Extra columns are ignored.

Relaxation curves (:func:`read_relaxation_table`):

- a time column: ``TI``/``inversion time``, ``TS``/``saturation time``/``delay`` (T1), ``TE``/``echo time``
  (T2/T2*), ``flip angle``/``FA`` (VFA, unit deg or rad), or ``t``/``time``; with a time unit (ms, s, us);
- a signal column: ``signal``, ``intensity``, ``amplitude``, ``magnitude``, ``S`` (any unit or none, e.g.
  ``signal (a.u.)``);
- optional ``label``/``sample``/``tube`` column (text or number): one curve per label.

Rate tables (:func:`read_rates_table`):

- concentration: ``concentration``, ``conc``, ``c``, ``[Fe]``, ``Fe`` in mM / mmol/L / uM / M (molar Fe) or
  in a Fe mass concentration such as ``mg Fe/mL``, ``mgFe/mL``, ``ug Fe/mL`` (converted with
  :func:`ferrokit.materials.iron_molar_concentration`); a mass unit without "Fe" is refused (mass of what?);
- one or more of ``R1``/``R2``/``R2*`` (1/s, s-1, /s, Hz, 1/ms) or ``T1``/``T2``/``T2*`` (ms, s), converted
  to rates; the same quantity given both ways is refused;
- optional ``label``/``sample`` column.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ferrokit._shared.units import convert
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.io._csv import detect_delimiter, parse_cell
from ferrokit.materials.conversions import iron_molar_concentration

__all__ = ["RatesTable", "RelaxationTable", "read_rates_table", "read_relaxation_table"]

_TIME_NAMES = {
    "ti": "inversion", "inversion time": "inversion", "ts": "saturation", "saturation time": "saturation",
    "delay": "saturation", "recovery time": "saturation", "te": "echo", "echo time": "echo",
    "t": "time", "time": "time", "tau": "time", "flip angle": "flip", "fa": "flip", "alpha": "flip",
}
_SIGNAL_NAMES = {"signal", "intensity", "amplitude", "magnitude", "s", "mean signal", "mean"}
_LABEL_NAMES = {"label", "sample", "tube", "id", "name", "roi"}
_CONC_NAMES = {"concentration", "conc", "c", "[fe]", "fe", "fe concentration", "iron concentration",
               "concentration fe", "c fe"}
_RATE_RE = re.compile(r"^(r|t)\s*([12])\s*(\*?)$")


def split_header(header: str) -> tuple[str, str]:
    """``"[Fe] (mM)"`` → ``("[Fe]", "mM")``: the unit is the *last* bracket group (names may hold brackets)."""
    m = re.match(r"^(.*?)\s*[\(\[]([^()\[\]]*)[\)\]]\s*$", header.strip())
    if m and m.group(1).strip():
        return m.group(1).strip(), m.group(2).strip()
    return header.strip(), ""


def _norm(name: str) -> str:
    return " ".join(name.strip().strip('"').strip("'").lower().replace("_", " ").split())


def _read_lines(path) -> tuple[Path, str, list[str], list[tuple[int, list[str]]], str]:
    p = Path(path)
    if not p.exists():
        raise FerroKitInputError(f"file not found: {p}")
    if p.is_dir():
        raise FerroKitInputError(f"{p} is a folder, expected a CSV/TSV file")
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FerroKitInputError(f"{p.name}: not a UTF-8 text file") from None
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise FerroKitInputError(f"{p.name}: no header line (the file is empty or only comments)")
    _, header_line = lines[0]
    try:
        delim = detect_delimiter(header_line)
    except FerroKitInputError:  # one column: the missing-column messages below say what is needed
        delim = ","
    headers = [h.strip().strip('"').strip("'") for h in header_line.split(delim)]
    rows = []
    for no, ln in lines[1:]:
        cells = ln.split(delim)
        if len(cells) < len(headers):
            raise FerroKitInputError(f"{p.name} line {no}: {len(cells)} cell(s), the header has {len(headers)}")
        rows.append((no, cells))
    return p, hashlib.sha256(raw).hexdigest(), headers, rows, delim


def _labels(rows, idx) -> np.ndarray | None:
    if idx is None:
        return None
    return np.array([r[1][idx].strip().strip('"').strip("'") for r in rows], dtype=object)


@dataclass(frozen=True, eq=False)
class RelaxationTable:
    """Relaxation curve(s) in SI: ``times`` [s] (flip angles [rad] when ``kind == "flip"``), ``signal``."""

    times: np.ndarray = field(repr=False)
    signal: np.ndarray = field(repr=False)
    labels: np.ndarray | None = field(repr=False)
    kind: str
    columns: dict[str, tuple[str, str]]
    source: str
    sha256: str

    def curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """``{label: (times, signal)}`` in file order of first appearance (``"all"`` without a label column)."""
        if self.labels is None:
            return {"all": (self.times, self.signal)}
        out = {}
        for lab in dict.fromkeys(self.labels.tolist()):
            sel = self.labels == lab
            out[str(lab)] = (self.times[sel], self.signal[sel])
        return out

    def to_dict(self) -> dict:
        """Provenance summary."""
        return {"source": self.source, "sha256": self.sha256, "kind": self.kind, "n_rows": int(self.times.size),
                "columns": {k: {"header": h, "unit": u} for k, (h, u) in self.columns.items()}}


def read_relaxation_table(path) -> RelaxationTable:
    """Read a relaxometer export (signal vs TI/TE/flip angle); see the module docstring for the format."""
    p, digest, headers, rows, delim = _read_lines(path)
    tcol = scol = lcol = None
    for i, h in enumerate(headers):
        name, unit = split_header(h)
        n = _norm(name)
        if n in _TIME_NAMES and tcol is None:
            tcol = (i, h, unit, _TIME_NAMES[n])
        elif n in _SIGNAL_NAMES and scol is None:
            scol = (i, h, unit)
        elif n in _LABEL_NAMES and lcol is None:
            lcol = i
    if tcol is None:
        raise FerroKitInputError(f"{p.name}: no time column in the header {headers}; name it 'TI (ms)', "
                                 "'TE (ms)', 'time (s)' or 'flip angle (deg)'")
    if scol is None:
        raise FerroKitInputError(f"{p.name}: no signal column in the header {headers}; name it 'signal'")
    ti, th, tu, kind = tcol
    if not tu:
        raise FerroKitInputError(f"{p.name}: column {th!r} has no unit; write it as e.g. '{th} (ms)'")
    if kind == "flip":
        factors = {"deg": np.pi / 180, "degree": np.pi / 180, "degrees": np.pi / 180, "°": np.pi / 180,
                   "rad": 1.0}
        if tu.lower() not in factors:
            raise FerroKitInputError(f"{p.name}: column {th!r}: flip angle unit must be deg or rad, got {tu!r}")
        factor = factors[tu.lower()]
    else:
        factor = convert(1.0, tu, "time") if _is_unit(tu, "time") else None
        if factor is None:
            raise FerroKitInputError(f"{p.name}: column {th!r}: unknown time unit {tu!r}; use ms, s or us")
    dc = delim in (";", "\t")
    t = np.array([parse_cell(r[1][ti], dc, line_no=r[0], header=th, source=p.name) for r in rows]) * factor
    s = np.array([parse_cell(r[1][scol[0]], dc, line_no=r[0], header=scol[1], source=p.name) for r in rows])
    if t.size == 0:
        raise FerroKitInputError(f"{p.name}: no data rows")
    return RelaxationTable(times=t, signal=s, labels=_labels(rows, lcol), kind=kind,
                           columns={"time": (th, tu), "signal": (scol[1], scol[2])}, source=str(p), sha256=digest)


def _is_unit(unit: str, dim: str) -> bool:
    try:
        convert(1.0, unit, dim)
    except FerroKitInputError:
        return False
    return True


@dataclass(frozen=True, eq=False)
class RatesTable:
    """Rates vs Fe concentration in SI: ``concentration`` [mol/m³ = mM], ``rates`` {``R1``/``R2``/``R2*``: 1/s}."""

    concentration: np.ndarray = field(repr=False)
    rates: dict[str, np.ndarray] = field(repr=False)
    labels: np.ndarray | None = field(repr=False)
    columns: dict[str, tuple[str, str]]
    concentration_basis: str
    source: str
    sha256: str

    def to_dict(self) -> dict:
        """Provenance summary."""
        return {"source": self.source, "sha256": self.sha256, "n_rows": int(self.concentration.size),
                "concentration_basis": self.concentration_basis,
                "columns": {k: {"header": h, "unit": u} for k, (h, u) in self.columns.items()}}


def _rate_factor(name: str, header: str, unit: str, src: str) -> tuple[str, bool, float]:
    """(rate name, is_time_column, factor to SI)."""
    m = _RATE_RE.match(name)
    rate = f"R{m.group(2)}{m.group(3)}"
    is_time = m.group(1) == "t"
    if not unit:
        raise FerroKitInputError(f"{src}: column {header!r} has no unit; write e.g. "
                                 f"'{'T' if is_time else 'R'}{rate[1:]} ({'ms' if is_time else '1/s'})'")
    if is_time:
        if not _is_unit(unit, "time"):
            raise FerroKitInputError(f"{src}: column {header!r}: {unit!r} is not a time unit (ms, s)")
        return rate, True, convert(1.0, unit, "time")
    u = unit.replace(" ", "").replace("^", "")
    u = {"Hz": "1/s", "s-1": "1/s", "/s": "1/s", "1/s": "1/s", "ms-1": "1/ms", "/ms": "1/ms", "1/ms": "1/ms"}.get(u)
    if u is None:
        raise FerroKitInputError(f"{src}: column {header!r}: unknown rate unit {unit!r}; use 1/s, s-1 or 1/ms "
                                 f"(or give T{rate[1:]} in ms or s)")
    return rate, False, 1.0 if u == "1/s" else 1e3


def read_rates_table(path) -> RatesTable:
    """Read a rate-vs-concentration table; see the module docstring for the format."""
    p, digest, headers, rows, delim = _read_lines(path)
    ccol = lcol = None
    rate_cols: dict[str, tuple[int, str, str, bool, float]] = {}
    for i, h in enumerate(headers):
        name, unit = split_header(h)
        n = _norm(name)
        if n in _CONC_NAMES and ccol is None:
            ccol = (i, h, unit)
        elif _RATE_RE.match(n.replace(" ", "")):
            rate, is_time, factor = _rate_factor(n.replace(" ", ""), h, unit, p.name)
            if rate in rate_cols:
                raise FerroKitInputError(f"{p.name}: {rate} is given twice (columns {rate_cols[rate][1]!r} and "
                                         f"{h!r}); keep one")
            rate_cols[rate] = (i, h, unit, is_time, factor)
        elif n in _LABEL_NAMES and lcol is None:
            lcol = i
    if ccol is None:
        raise FerroKitInputError(f"{p.name}: no concentration column in {headers}; name it "
                                 "'concentration (mM)' or 'concentration (mg Fe/mL)'")
    if not rate_cols:
        raise FerroKitInputError(f"{p.name}: no R1/R2/R2* or T1/T2/T2* column in {headers}")
    ci, ch, cu = ccol
    if not cu:
        raise FerroKitInputError(f"{p.name}: column {ch!r} has no unit; write 'concentration (mM)' or "
                                 "'concentration (mg Fe/mL)'")
    dc = delim in (";", "\t")
    cvals = np.array([parse_cell(r[1][ci], dc, line_no=r[0], header=ch, source=p.name) for r in rows])
    if cvals.size == 0:
        raise FerroKitInputError(f"{p.name}: no data rows")
    if np.any(cvals < 0):
        raise FerroKitInputError(f"{p.name}: column {ch!r} has a negative concentration")
    if _is_unit(cu, "concentration"):
        conc, basis = cvals * convert(1.0, cu, "concentration"), "molar Fe"
    else:
        has_fe = re.search(r"fe", cu, re.IGNORECASE) or "fe" in _norm(split_header(ch)[0]).split()
        mass_unit = re.sub(r"\s*fe\s*", "", cu, flags=re.IGNORECASE)
        if not _is_unit(mass_unit, "mass_concentration"):
            raise FerroKitInputError(f"{p.name}: column {ch!r}: unknown concentration unit {cu!r}; use mM, "
                                     "mmol/L, uM or mg Fe/mL")
        if not has_fe:
            raise FerroKitInputError(f"{p.name}: column {ch!r}: {cu!r} does not say mass of what; write "
                                     "'mg Fe/mL' for an iron mass concentration")
        conc = iron_molar_concentration(cvals * convert(1.0, mass_unit, "mass_concentration"))
        conc, basis = np.asarray(conc, dtype=float), "mass Fe"
    rates: dict[str, np.ndarray] = {}
    columns = {"concentration": (ch, cu)}
    for rate, (i, h, unit, is_time, factor) in sorted(rate_cols.items()):
        v = np.array([parse_cell(r[1][i], dc, line_no=r[0], header=h, source=p.name) for r in rows]) * factor
        if np.any(v <= 0):
            raise FerroKitInputError(f"{p.name}: column {h!r} has values ≤ 0")
        rates[rate] = 1 / v if is_time else v
        columns[rate] = (h, unit)
    return RatesTable(concentration=conc, rates=rates, labels=_labels(rows, lcol), columns=columns,
                      concentration_basis=basis, source=str(p), sha256=digest)
