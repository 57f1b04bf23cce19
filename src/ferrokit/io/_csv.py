"""Shared pieces of the CSV readers with units in their headers (magnetometry, calorimetry, relaxometry)."""

from __future__ import annotations

import math

from ferrokit._shared.validation import FerroKitInputError


def normalise_name(name: str) -> str:
    """Lower-case, unquoted, single-spaced column name (underscores as spaces)."""
    return " ".join(name.strip().strip('"').strip("'").lower().replace("_", " ").split())


def detect_delimiter(header: str) -> str:
    """The separator of a header line: tab, semicolon or comma (in that order of preference)."""
    if "\t" in header:
        return "\t"
    if ";" in header:
        return ";"
    if "," in header:
        return ","
    raise FerroKitInputError(
        "cannot find the column separator in the header line; use commas, semicolons or tabs, "
        "e.g. 'H (Oe),M (emu/g)'")


def parse_cell(text: str, decimal_comma: bool, *, line_no: int, header: str, source: str = "") -> float:
    """One numeric cell, or FerroKitInputError naming the file (``source``), line and column (empty, not a
    number, not finite)."""
    where = f"{source + ' ' if source else ''}line {line_no}, column {header!r}"
    cell = text.strip().strip('"').strip("'")
    if cell == "":
        raise FerroKitInputError(f"{where}: empty cell")
    if decimal_comma and "," in cell and "." not in cell:
        cell = cell.replace(",", ".")
    try:
        value = float(cell)
    except ValueError:
        raise FerroKitInputError(
            f"{where}: not a number: {text.strip()!r}") from None
    if not math.isfinite(value):
        raise FerroKitInputError(
            f"{where}: {text.strip()!r} is not a finite number")
    return value
