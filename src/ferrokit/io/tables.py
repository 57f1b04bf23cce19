"""Tidy tables (one row per case) as CSV or Parquet, read and written atomically.

A :class:`Table` is a plain, dependency-free container: ordered column names and one ``dict`` per row. CSV
cells are typed on reading, column by column: a column whose non-empty cells are all integers becomes ``int``,
all numbers (``nan`` and ``inf`` included) ``float``, anything else stays ``str``; an empty cell is ``None``.
The ``id`` column always stays text (``"007"`` is not 7). Floats are written with ``repr`` so a CSV round trip
is exact. Parquet (pyarrow) keeps its own types; ``null`` is ``None``.

>>> t = Table.from_rows([{"id": "a", "x": 1.5}, {"id": "b", "x": None}])
>>> t.columns, t.column("x")
(('id', 'x'), [1.5, None])
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.io.atomic import atomic_write, write_text_atomic

__all__ = ["TEXT_COLUMNS", "Table", "as_table", "read_table", "table_format", "write_table"]

#: Columns that are always read as text from CSV, whatever their cells look like.
TEXT_COLUMNS: frozenset[str] = frozenset({"id"})
_INT = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True)
class Table:
    """Ordered columns and one mapping per row (every row has every column; missing values are ``None``)."""

    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> Table:
        """Build a table; ``columns`` default to the union of the rows' keys in first-seen order."""
        rows = [dict(r) for r in rows]
        if columns is None:
            seen: dict[str, None] = {}
            for r in rows:
                seen.update(dict.fromkeys(r))
            columns = list(seen)
        cols = tuple(str(c) for c in columns)
        if len(set(cols)) != len(cols):
            dup = sorted({c for c in cols if cols.count(c) > 1})
            raise FerroKitInputError(f"duplicate column name(s): {', '.join(map(repr, dup))}")
        return cls(columns=cols, rows=tuple({c: r.get(c) for c in cols} for r in rows))

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list[Any]:
        """The values of one column (``KeyError`` if absent)."""
        if name not in self.columns:
            raise KeyError(name)
        return [r[name] for r in self.rows]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"columns": [...], "rows": [...]}``."""
        return {"columns": list(self.columns), "rows": [dict(r) for r in self.rows]}

    def to_pandas(self):
        """A ``pandas.DataFrame`` (needs pandas, which FerroKit does not require)."""
        import pandas as pd

        return pd.DataFrame([r for r in self.rows], columns=list(self.columns))


def table_format(path: str | os.PathLike) -> str:
    """``"csv"`` or ``"parquet"`` from a file name (``.csv``, ``.parquet``/``.pq``), else FerroKitInputError."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise FerroKitInputError(f"{Path(path).name}: use a .csv or .parquet file name")


def as_table(obj: Any, *, name: str = "table") -> Table:
    """A :class:`Table` from a Table, a CSV/Parquet path, a list of row mappings, a pandas DataFrame or a
    pyarrow Table."""
    if isinstance(obj, Table):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        return read_table(obj)
    if hasattr(obj, "to_pylist") and hasattr(obj, "column_names"):  # pyarrow.Table
        return Table.from_rows(obj.to_pylist(), obj.column_names)
    if hasattr(obj, "to_dict") and hasattr(obj, "columns"):  # pandas.DataFrame
        rows = obj.to_dict(orient="records")
        clean = [{str(k): _clean(v) for k, v in r.items()} for r in rows]
        return Table.from_rows(clean, [str(c) for c in obj.columns])
    if isinstance(obj, Sequence) and all(isinstance(r, Mapping) for r in obj):
        return Table.from_rows(obj)
    raise FerroKitInputError(f"{name}: expected a table (CSV/Parquet path, list of rows, DataFrame), "
                             f"got {type(obj).__name__}")


def _clean(v: Any) -> Any:
    """A plain Python value from a pandas cell (numpy scalars unwrapped, NA/NaT/None → None)."""
    v = v.item() if hasattr(v, "item") and not isinstance(v, (str, bytes)) else v
    if v is None or isinstance(v, (str, bool, int, float)):
        return v
    try:
        import pandas as pd

        if pd.isna(v):
            return None
    except (ImportError, TypeError, ValueError):
        pass
    return v


# --------------------------------------------------------------------------------------------------------- read
def read_table(path: str | os.PathLike) -> Table:
    """Read a CSV (comma, semicolon or tab; UTF-8, BOM allowed) or Parquet table.

    Raises
    ------
    FerroKitInputError
        Missing file, unknown extension, empty file, ragged rows, duplicate or empty column names, a damaged
        Parquet file.
    """
    p = Path(path)
    fmt = table_format(p)
    if not p.is_file():
        raise FerroKitInputError(f"table not found: {p}")
    return _read_csv(p) if fmt == "csv" else _read_parquet(p)


def _read_csv(p: Path) -> Table:
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FerroKitInputError(f"{p.name}: not a UTF-8 text file") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise FerroKitInputError(f"{p.name}: empty file (expected a header line)")
    header = lines[0]
    delim = "\t" if "\t" in header else (";" if ";" in header and "," not in header else ",")
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    try:
        all_rows = [r for r in reader]
    except csv.Error as exc:
        raise FerroKitInputError(f"{p.name}: not a valid CSV file ({exc})") from None
    names = [c.strip() for c in all_rows[0]]
    if any(not c for c in names):
        raise FerroKitInputError(f"{p.name}: empty column name in the header")
    if len(set(names)) != len(names):
        dup = sorted({c for c in names if names.count(c) > 1})
        raise FerroKitInputError(f"{p.name}: duplicate column name(s): {', '.join(map(repr, dup))}")
    body = []
    for line_no, cells in enumerate(all_rows[1:], start=2):
        if not cells or all(not c.strip() for c in cells):
            continue  # blank line
        if len(cells) != len(names):
            raise FerroKitInputError(f"{p.name} line {line_no}: {len(cells)} cells for {len(names)} columns")
        body.append([c.strip() for c in cells])
    columns = {n: [r[i] for r in body] for i, n in enumerate(names)}
    typed = {n: (_cells_as_text(v) if n in TEXT_COLUMNS else _type_cells(v)) for n, v in columns.items()}
    rows = [{n: typed[n][i] for n in names} for i in range(len(body))]
    return Table(columns=tuple(names), rows=tuple(rows))


def _cells_as_text(cells: list[str]) -> list[str | None]:
    return [c if c != "" else None for c in cells]


def _type_cells(cells: list[str]) -> list[Any]:
    filled = [c for c in cells if c != ""]
    if filled and all(_INT.match(c) for c in filled):
        return [int(c) if c != "" else None for c in cells]
    try:
        [float(c) for c in filled]
    except ValueError:
        return _cells_as_text(cells)
    return [float(c) if c != "" else None for c in cells]


def _read_parquet(p: Path) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        tab = pq.read_table(p)
    except (pa.ArrowException, OSError) as exc:
        raise FerroKitInputError(f"{p.name}: not a valid Parquet file ({' '.join(str(exc).split())})") from None
    names = [str(c) for c in tab.column_names]
    if len(set(names)) != len(names):
        raise FerroKitInputError(f"{p.name}: duplicate column names")
    return Table(columns=tuple(names), rows=tuple(tab.to_pylist()))


# -------------------------------------------------------------------------------------------------------- write
def write_table(table: Table, path: str | os.PathLike) -> Path:
    """Write ``table`` as CSV or Parquet (by extension) atomically: never a partial file."""
    fmt = table_format(path)
    if fmt == "csv":
        return write_text_atomic(path, _csv_text(table))
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = [_arrow_column(table.column(c)) for c in table.columns]
    tab = pa.Table.from_arrays(arrays, names=list(table.columns)) if table.columns else pa.table({})
    return atomic_write(path, lambda tmp: pq.write_table(tab, tmp), suffix=Path(path).suffix)


def _csv_text(table: Table) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(table.columns)
    for r in table.rows:
        w.writerow([_cell(r[c]) for c in table.columns])
    return buf.getvalue()


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
    return str(v)


def _arrow_column(values: list[Any]):
    import pyarrow as pa

    kinds = {type(v) for v in values if v is not None}
    if kinds <= {int}:
        return pa.array(values, type=pa.int64())
    if kinds <= {int, float}:
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
    if kinds <= {bool}:
        return pa.array(values, type=pa.bool_())
    return pa.array([None if v is None else str(v) for v in values], type=pa.string())
