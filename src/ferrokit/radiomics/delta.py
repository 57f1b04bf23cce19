"""Delta radiomics: the change of every feature between two extractions of the same ROI, joined by case id.

Typical use: features before and after an iron oxide contrast agent (pre- vs post-contrast T2/T2*-weighted
MRI), or before and after treatment. For each case id present in both tables and each IBSI feature tag present
in both:

.. math::

    \\Delta f = f_\\text{post} - f_\\text{pre} \\qquad\\text{(absolute)}, \\qquad
    \\Delta_\\text{rel} f = \\frac{f_\\text{post} - f_\\text{pre}}{|f_\\text{pre}|} \\qquad\\text{(relative)}.

Rule for :math:`f_\\text{pre} = 0` (relative): 0 when :math:`f_\\text{post} = 0` as well (no change), otherwise
NaN (undefined; counted in :attr:`DeltaResult.n_undefined`). A NaN or missing input gives NaN. A case that
failed in either table gets status ``failed`` with the reason and no values.

>>> pre = [{"id": "a", "stat_mean": 100.0, "stat_max": 0.0}]
>>> post = [{"id": "a", "stat_mean": 80.0, "stat_max": 0.0}]
>>> row = delta_features(pre, post, relative=True).table.rows[0]
>>> row["stat_mean"], row["stat_max"]
(-0.2, 0.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ferrokit import __version__
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.io.tables import Table, as_table
from ferrokit.radiomics import registry
from ferrokit.radiomics.batch import _CASE_COLUMNS, PROVENANCE_COLUMNS, is_feature_tag

__all__ = ["DeltaResult", "delta_features"]


@dataclass(frozen=True)
class DeltaResult:
    """The delta table (id, carried columns of the pre table, one column per feature tag, provenance)."""

    table: Table
    relative: bool
    n_undefined: int
    unmatched_pre: tuple[str, ...]
    unmatched_post: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"mode": "relative" if self.relative else "absolute", "n_cases": len(self.table),
                "n_failed": sum(r["status"] != "ok" for r in self.table.rows), "n_undefined": self.n_undefined,
                "unmatched_pre": list(self.unmatched_pre), "unmatched_post": list(self.unmatched_post),
                "table": self.table.to_dict()}


def _num(v: Any) -> float:
    if v is None or isinstance(v, bool):
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _delta(pre: float, post: float, relative: bool) -> tuple[float, bool]:
    """(value, undefined-by-the-pre=0-rule)."""
    if math.isnan(pre) or math.isnan(post):
        return math.nan, False
    d = post - pre
    if not relative:
        return d, False
    if pre == 0.0:
        return (0.0, False) if post == 0.0 else (math.nan, True)
    return d / abs(pre), False


def delta_features(pre_table: Any, post_table: Any, *, relative: bool = False,
                   require_same_settings: bool = True) -> DeltaResult:
    """Feature changes post − pre (or relative to \\|pre\\|) of every case id present in both tables.

    Parameters
    ----------
    pre_table, post_table : path, Table, list of row mappings, pandas or pyarrow table
        Batch tables (:func:`ferrokit.radiomics.batch.run_batch`) or any tables with an ``id`` column and
        IBSI feature-tag columns. Only registered IBSI tags present in both are differenced.
    relative : bool
        ``(post − pre)/|pre|`` instead of ``post − pre``; see the module docstring for ``pre = 0``.
    require_same_settings : bool
        When both tables carry ``settings_hash``, refuse a case whose hashes differ (features extracted with
        different settings are not comparable).

    Returns
    -------
    DeltaResult
        Rows in the order of the pre table; ids found in only one table are listed, not joined.

    Raises
    ------
    FerroKitInputError
        No ``id`` column, duplicate ids, no shared id, no shared feature column, different settings.
    """
    pre = as_table(pre_table, name="pre table")
    post = as_table(post_table, name="post table")
    for name, t in (("pre table", pre), ("post table", post)):
        if "id" not in t.columns:
            raise FerroKitInputError(f"{name}: no 'id' column")
        ids = [str(i) for i in t.column("id")]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise FerroKitInputError(f"{name}: duplicate id(s) {', '.join(map(repr, dup[:5]))}")
    post_rows = {str(r["id"]): r for r in post.rows}
    pre_ids = [str(r["id"]) for r in pre.rows]
    shared = [i for i in pre_ids if i in post_rows]
    if not shared:
        raise FerroKitInputError("pre and post tables share no case id")
    post_cols = set(post.columns)
    order = {s.tag: k for k, s in enumerate(registry.features())}
    tags = sorted((c for c in pre.columns if c in post_cols and is_feature_tag(c)), key=order.__getitem__)
    if not tags:
        raise FerroKitInputError("pre and post tables share no IBSI feature column")
    skip = set(_CASE_COLUMNS) | set(PROVENANCE_COLUMNS) | set(tags)
    carried = [c for c in pre.columns if c not in skip and not is_feature_tag(c)]
    check_hash = require_same_settings and "settings_hash" in pre.columns and "settings_hash" in post_cols
    rows, n_undefined = [], 0
    for r_pre in pre.rows:
        cid = str(r_pre["id"])
        if cid not in post_rows:
            continue
        r_post = post_rows[cid]
        if check_hash and r_pre["settings_hash"] != r_post["settings_hash"]:
            raise FerroKitInputError(f"case {cid!r}: pre and post features were extracted with different settings "
                                     "(settings_hash differs); extract both with the same settings")
        row: dict[str, Any] = {"id": cid, **{c: r_pre[c] for c in carried}}
        errors = [f"{what}: {r.get('error') or 'failed'}" for what, r in (("pre", r_pre), ("post", r_post))
                  if r.get("status", "ok") not in ("ok", None)]
        for tag in tags:
            if errors:
                row[tag] = None
                continue
            value, undefined = _delta(_num(r_pre[tag]), _num(r_post[tag]), relative)
            row[tag] = value
            n_undefined += undefined
        row.update({"ferrokit_version": __version__, "delta": "relative" if relative else "absolute",
                    "pre_settings_hash": r_pre.get("settings_hash"), "post_settings_hash": r_post.get("settings_hash"),
                    "status": "failed" if errors else "ok", "error": "; ".join(errors) or None})
        rows.append(row)
    columns = ["id", *carried, *tags, "ferrokit_version", "delta", "pre_settings_hash", "post_settings_hash",
               "status", "error"]
    pre_set = set(pre_ids)
    return DeltaResult(table=Table.from_rows(rows, columns), relative=relative, n_undefined=n_undefined,
                       unmatched_pre=tuple(i for i in pre_ids if i not in post_rows),
                       unmatched_post=tuple(i for i in post_rows if i not in pre_set))
