"""Loader for the shipped bulk-property table ``_data/bulk_properties.csv`` (private).

Each row holds one value for one end member, in SI, with its source, DOI and verification status
(``verified``, ``seen-abstract``, ``seen-secondary`` or ``unverified``; see ``_data/SOURCES.md``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: The end members of the tables, in the order used for Vegard weights.
END_MEMBERS: tuple[str, ...] = ("magnetite", "maghemite", "MnFe2O4", "CoFe2O4", "NiFe2O4", "ZnFe2O4")

#: The divalent dopant whose ferrite MFe2O4 is each end member.
DOPANT_END_MEMBER: dict[str, str] = {"Mn": "MnFe2O4", "Co": "CoFe2O4", "Ni": "NiFe2O4", "Zn": "ZnFe2O4"}


@dataclass(frozen=True)
class TableValue:
    """One tabulated value with its provenance."""

    value: float
    unit: str
    source: str
    doi: str
    status: str
    note: str


@cache
def bulk_table() -> dict[tuple[str, str], TableValue]:
    """All rows of ``bulk_properties.csv`` keyed by ``(end_member, property)``."""
    text = resources.files("ferrokit.materials").joinpath("_data/bulk_properties.csv").read_text("utf-8")
    rows: dict[tuple[str, str], TableValue] = {}
    for row in csv.DictReader(text.splitlines()):
        key = (row["end_member"], row["property"])
        if key in rows:  # pragma: no cover - guards the shipped file
            raise RuntimeError(f"duplicate row {key} in bulk_properties.csv")
        rows[key] = TableValue(float(row["value"]), row["unit"], row["source"], row["doi"], row["status"],
                               row["note"])
    return rows


def table_value(end_member: str, prop: str) -> float | None:
    """The tabulated value of ``prop`` for ``end_member`` in SI, or ``None`` when the table has none."""
    row = bulk_table().get((end_member, prop))
    return None if row is None else row.value
