"""Cohort extraction on Dask: a manifest of cases → one tidy feature table (CSV or Parquet) with provenance.

The manifest (CSV or Parquet) has one row per case: ``id``, ``image``, ``mask``, optionally ``label`` (the
mask value of the ROI; default any non-zero voxel) and any outcome or clinical columns, which are carried
through to the output unchanged. Relative paths are resolved against the manifest's folder.

The output has one row per case, in manifest order::

    id, image, mask, [label], <outcome/clinical columns>, <IBSI feature tags>, ferrokit_version, settings_hash,
    image_sha256, mask_sha256, n_voxels_intensity, n_levels, status, error

``status`` is ``ok`` or ``failed`` (then ``error`` says why and the features are empty): one failing case never
stops the batch. ``settings_hash`` is the SHA-256 of the canonical JSON of the validated settings.

Resuming: when the output file exists, cases already present with status ``ok``, the same settings hash, the
same label and unchanged image/mask files (SHA-256) are kept and not recomputed; failed and new cases are
(re)computed. A file written with other settings is refused unless ``overwrite=True``. While running, the
table is rewritten atomically every ``checkpoint_interval`` seconds and when the run is interrupted, so a
killed batch resumes where it stopped.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ferrokit import __version__
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.io.tables import Table, read_table, table_format, write_table
from ferrokit.radiomics import registry
from ferrokit.radiomics.extract import extract_features
from ferrokit.radiomics.settings import RadiomicsSettings

__all__ = ["PROVENANCE_COLUMNS", "BatchResult", "Case", "Manifest", "extract_case", "is_feature_tag", "load_roi",
           "read_manifest", "run_batch", "settings_hash"]

#: Columns written after the feature columns of every batch table.
PROVENANCE_COLUMNS: tuple[str, ...] = ("ferrokit_version", "settings_hash", "image_sha256", "mask_sha256",
                                       "n_voxels_intensity", "n_levels", "status", "error")
_CASE_COLUMNS = ("id", "image", "mask", "label")


@dataclass(frozen=True)
class Case:
    """One manifest row: ``image``/``mask`` as written (``image_path``/``mask_path`` resolved)."""

    id: str
    image: str
    mask: str
    image_path: Path
    mask_path: Path
    label: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    """A validated manifest: its cases, whether it has a ``label`` column and its extra (carried) columns."""

    path: Path | None
    cases: tuple[Case, ...]
    has_label: bool
    extra_columns: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.cases)


@dataclass(frozen=True)
class BatchResult:
    """The cohort table and what the run did (cases computed, kept from a previous run, failed)."""

    table: Table
    out: Path
    settings_hash: str
    n_computed: int
    n_skipped: int
    failures: tuple[tuple[str, str], ...]

    @property
    def n_cases(self) -> int:
        return len(self.table)

    @property
    def n_failed(self) -> int:
        return len(self.failures)

    def to_dict(self) -> dict[str, Any]:
        return {"out": str(self.out), "settings_hash": self.settings_hash, "n_cases": self.n_cases,
                "n_computed": self.n_computed, "n_skipped": self.n_skipped, "n_failed": self.n_failed,
                "failures": [{"id": i, "error": e} for i, e in self.failures],
                "n_features": sum(1 for c in self.table.columns if is_feature_tag(c))}


def is_feature_tag(name: str) -> bool:
    """Whether ``name`` is a registered IBSI feature tag (a feature column of a batch table)."""
    return name in _feature_tags()


@functools.cache
def _feature_tags() -> frozenset[str]:
    return frozenset(s.tag for s in registry.features())


def settings_hash(settings: RadiomicsSettings) -> str:
    """SHA-256 (hex) of the canonical JSON of ``settings`` (sorted keys, no whitespace)."""
    text = json.dumps(settings.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# ----------------------------------------------------------------------------------------------------- manifest
def read_manifest(path: str | os.PathLike) -> Manifest:
    """Read and validate a manifest (CSV or Parquet).

    Raises
    ------
    FerroKitInputError
        Missing ``id``/``image``/``mask`` columns, no cases, an empty id/image/mask cell, duplicate ids, a
        non-integer label, or an extra column named like a feature tag or a provenance column. Missing image
        files are *not* an error here: they fail their case when the batch runs.
    """
    p = Path(path)
    table = read_table(p)
    return _manifest_from_table(table, p.name, p.resolve().parent, p)


def _manifest_from_table(table: Table, name: str, base: Path, path: Path | None) -> Manifest:
    lower = {c.lower(): c for c in table.columns}
    missing = [c for c in ("id", "image", "mask") if c not in lower]
    if missing:
        raise FerroKitInputError(f"{name}: missing column(s) {', '.join(map(repr, missing))}; a manifest needs "
                                 "id, image, mask (optional: label, outcome and clinical columns)")
    if not table.rows:
        raise FerroKitInputError(f"{name}: no cases (the manifest has a header but no rows)")
    has_label = "label" in lower
    case_cols = {lower[c] for c in _CASE_COLUMNS if c in lower}
    extra_cols = tuple(c for c in table.columns if c not in case_cols)
    clash = [c for c in extra_cols if c in PROVENANCE_COLUMNS or is_feature_tag(c)]
    if clash:
        raise FerroKitInputError(f"{name}: column(s) {', '.join(map(repr, clash))} clash with feature or "
                                 "provenance columns of the output; rename them")
    cases, seen = [], {}
    for i, row in enumerate(table.rows, start=1):
        cid = _text(row[lower["id"]])
        if not cid:
            raise FerroKitInputError(f"{name} row {i}: empty id")
        if cid in seen:
            raise FerroKitInputError(f"{name}: duplicate id {cid!r} (rows {seen[cid]} and {i})")
        seen[cid] = i
        img, msk = _text(row[lower["image"]]), _text(row[lower["mask"]])
        if not img or not msk:
            raise FerroKitInputError(f"{name} row {i} (id {cid!r}): empty {'image' if not img else 'mask'} cell")
        label = _label(row[lower["label"]], name, i) if has_label else None
        cases.append(Case(id=cid, image=img, mask=msk, image_path=_resolve(img, base), mask_path=_resolve(msk, base),
                          label=label, extra={c: row[c] for c in extra_cols}))
    return Manifest(path=path, cases=tuple(cases), has_label=has_label, extra_columns=extra_cols)


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _label(v: Any, name: str, i: int) -> int | None:
    if v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and math.isnan(v)):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        f = math.nan
    if not (math.isfinite(f) and f.is_integer()) or isinstance(v, bool):
        raise FerroKitInputError(f"{name} row {i}: label must be an integer mask value, got {v!r}")
    return int(f)


def _resolve(text: str, base: Path) -> Path:
    p = Path(text).expanduser()
    return p if p.is_absolute() else base / p


# -------------------------------------------------------------------------------------------------------- cases
def load_roi(image: str | os.PathLike, mask: str | os.PathLike, label: int | None = None, *,
             roi: int | str | None = None):
    """Read an image and its ROI mask into the radiomics convention.

    Returns ``(image_zyx, roi_bool, spacing_mm, image_meta, mask_meta)``: arrays ``(z, y, x)``, spacing
    ``(dz, dy, dx)`` in mm (``read_image`` gives (x, y, z) arrays and metres) and the two
    :class:`ferrokit.io.images.Image` objects (for their SHA-256). The ROI is ``mask == label``, or any
    non-zero voxel when ``label`` is None.

    A DICOM RT Structure Set or Segmentation file as ``mask`` is rasterised onto the image's grid
    (:mod:`ferrokit.io.dicom_masks`); ``roi`` (or else ``label``) chooses the structure: an ROI name/number
    (RTSTRUCT) or a segment label/number (SEG), optional when the file holds only one.

    Raises
    ------
    FerroKitInputError
        Missing or unreadable files, a non-3D image, mismatched image/mask geometry, a label absent from the mask.
    """
    from ferrokit.io.images import check_same_geometry, read_image

    for what, p in (("image", image), ("mask", mask)):
        if not Path(p).exists():
            raise FerroKitInputError(f"{what} file not found: {p}")
    from ferrokit.io.dicom_masks import dicom_mask_modality

    modality = dicom_mask_modality(mask)
    if modality is None:
        if roi is not None:
            raise FerroKitInputError("roi: applies only to DICOM RTSTRUCT/SEG masks; use label for a label map")
        meta_i, meta_m = read_image(image), read_image(mask)
        check_same_geometry(meta_i, meta_m, what="image and mask geometry")
    else:
        meta_i = read_image(image)
        meta_m, label = _dicom_mask(meta_i, Path(mask), modality, label if roi is None else roi), None
    arrays = []
    for meta in (meta_i, meta_m):
        arr = meta.array
        if arr.ndim == 4 and arr.shape[3] == 1:
            arr = arr[..., 0]
        if arr.ndim != 3:
            raise FerroKitInputError(f"{Path(meta.source).name}: expected a 3D image, got shape {arr.shape}")
        arrays.append(np.ascontiguousarray(arr.transpose(2, 1, 0)))
    img, roi = arrays
    if label is not None:
        sel = roi == label
        if not sel.any():
            raise FerroKitInputError(f"label {label}: no voxel of the mask has this value")
    else:
        sel = roi != 0
    sx, sy, sz = (1e3 * float(s) for s in meta_i.spacing)
    return img, sel, (sz, sy, sx), meta_i, meta_m


def _dicom_mask(ref, path: Path, modality: str, which: int | str | None):
    """An RTSTRUCT/SEG mask rasterised on ``ref`` as an :class:`Image` (values 0/1, SHA-256 of the file)."""
    from ferrokit.io.dicom_masks import read_rtstruct_mask, read_seg_mask
    from ferrokit.io.images import Image

    if modality == "RTSTRUCT":
        sel = read_rtstruct_mask(path, ref, roi_name=which if isinstance(which, str) else None,
                                 roi_number=None if which is None or isinstance(which, str) else int(which))
    else:
        sel = read_seg_mask(path, ref, segment=which)
    meta = {"modality": modality, "roi": which}
    return Image(sel.astype(float), ref.spacing, ref.origin, ref.direction, meta, str(path),
                 hashlib.sha256(path.read_bytes()).hexdigest())


def _error_text(exc: BaseException) -> str:
    msg = " ".join(str(exc).split())
    return msg if isinstance(exc, FerroKitInputError) and msg else f"{type(exc).__name__}: {msg}".rstrip(": ")


def _file_sha(p: Path) -> str | None:
    if not p.is_file():
        return None
    h = hashlib.sha256()
    with p.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def extract_case(case: Case, settings: RadiomicsSettings) -> dict[str, Any]:
    """Extract one case; never raises for a bad case (``status`` ``failed`` with the ``error`` instead).

    Returns the feature and provenance part of the case's row (``features`` dict, ``image_sha256``,
    ``mask_sha256``, ``n_voxels_intensity``, ``n_levels``, ``status``, ``error``).
    """
    part: dict[str, Any] = {"features": {}, "image_sha256": None, "mask_sha256": None,
                            "n_voxels_intensity": None, "n_levels": None}
    try:
        img, roi, spacing, meta_i, meta_m = load_roi(case.image_path, case.mask_path, case.label)
        part["image_sha256"], part["mask_sha256"] = meta_i.sha256, meta_m.sha256
        res = extract_features(img, roi, spacing, settings)
    except Exception as exc:  # recorded, not fatal: the batch goes on (DESIGN.md, Scale)
        for key, p in (("image_sha256", case.image_path), ("mask_sha256", case.mask_path)):
            part[key] = part[key] or _file_sha(p)
        return {**part, "status": "failed", "error": _error_text(exc)}
    part.update(features=dict(res.features), n_voxels_intensity=res.provenance.get("n_voxels_intensity"),
                n_levels=res.provenance.get("n_levels"), status="ok", error=None)
    return part


# -------------------------------------------------------------------------------------------------------- batch
def _case_columns(manifest: Manifest, case: Case) -> dict[str, Any]:
    row: dict[str, Any] = {"id": case.id, "image": case.image, "mask": case.mask}
    if manifest.has_label:
        row["label"] = case.label
    row.update(case.extra)
    return row


def _previous(out: Path, shash: str, overwrite: bool) -> dict[str, dict[str, Any]]:
    """Rows of an existing output keyed by id (empty when there is none or ``overwrite``)."""
    if overwrite or not out.exists():
        return {}
    try:
        prev = read_table(out)
    except FerroKitInputError as exc:
        raise FerroKitInputError(f"cannot resume from {out.name}: {exc}; use --overwrite to replace it") from None
    if "settings_hash" not in prev.columns or "status" not in prev.columns or "id" not in prev.columns:
        raise FerroKitInputError(f"{out.name} exists and is not a ferrokit batch table; use --overwrite to "
                                 "replace it or choose another --out")
    hashes = {str(h) for h in prev.column("settings_hash") if h is not None}
    if hashes - {shash}:
        other = sorted(hashes - {shash})[0]
        raise FerroKitInputError(f"{out.name} was extracted with other settings (settings hash {other[:12]}…, now "
                                 f"{shash[:12]}…); use --overwrite to recompute every case, or another --out")
    return {str(r["id"]): r for r in prev.rows if r["id"] is not None}


def _reusable(prev: dict[str, Any] | None, case: Case, shash: str) -> bool:
    if prev is None or prev.get("status") != "ok" or prev.get("settings_hash") != shash:
        return False
    old_label = prev.get("label")
    if (old_label if old_label is None else int(old_label)) != case.label:
        return False
    for key, p in (("image_sha256", case.image_path), ("mask_sha256", case.mask_path)):
        if p.is_file() and _file_sha(p) != prev.get(key):
            return False  # the file changed since: recompute (DICOM folders are trusted by id)
        if not p.exists():
            return False
    return True


def _part_from_previous(prev: dict[str, Any]) -> dict[str, Any]:
    feats = {k: v for k, v in prev.items() if is_feature_tag(k)}
    feats = {k: (math.nan if v is None else float(v)) for k, v in feats.items()}
    return {"features": feats, **{k: prev.get(k) for k in ("image_sha256", "mask_sha256", "n_voxels_intensity",
                                                           "n_levels")}, "status": "ok", "error": None,
            "ferrokit_version": prev.get("ferrokit_version")}


def _assemble(manifest: Manifest, parts: dict[str, dict[str, Any]], shash: str) -> Table:
    present: set[str] = set()
    for part in parts.values():
        present.update(part["features"])
    tags = [s.tag for s in registry.features() if s.tag in present]
    rows = []
    for case in manifest.cases:
        if case.id not in parts:
            continue
        part = parts[case.id]
        row = _case_columns(manifest, case)
        row.update({t: part["features"].get(t) for t in tags})
        row.update({"ferrokit_version": part.get("ferrokit_version") or __version__, "settings_hash": shash,
                    **{k: part[k] for k in PROVENANCE_COLUMNS[2:]}})
        rows.append(row)
    columns = [*_case_columns(manifest, manifest.cases[0]), *tags, *PROVENANCE_COLUMNS]
    return Table.from_rows(rows, columns)


def run_batch(manifest: Manifest | str | os.PathLike, settings: RadiomicsSettings | None = None, *,
              out: str | os.PathLike, scheduler: str | None = None, n_workers: int = 2,
              progress: Callable[[int, int], None] | None = None, overwrite: bool = False,
              checkpoint_interval: float | None = 30.0) -> BatchResult:
    """Extract every case of ``manifest`` and write the cohort table to ``out`` (``.csv`` or ``.parquet``).

    Parameters
    ----------
    manifest : Manifest or path
        From :func:`read_manifest`, or its file.
    settings : RadiomicsSettings, optional
        One set of settings for every case (default ``RadiomicsSettings()``).
    out : path
        Output table; an existing one is resumed (see the module docstring).
    scheduler : str, optional
        None → a local ``dask.distributed.LocalCluster`` of ``n_workers`` processes; an address
        (``tcp://host:8786``) → that cluster (its workers must see the image files); ``"synchronous"`` → in
        this process, one case after another.
    n_workers : int
        Processes of the local cluster (1–64).
    progress : callable, optional
        ``progress(done, total)`` after each case (cases kept from a previous run count as done).
    overwrite : bool
        Recompute every case even when ``out`` holds results (required if its settings differ).
    checkpoint_interval : float or None
        Rewrite ``out`` with the finished cases at most this often [s] while running; None: only at the end
        (an interrupted run still writes what it finished).

    Returns
    -------
    BatchResult

    Raises
    ------
    FerroKitInputError
        Bad manifest, settings or output name, or an existing output made with other settings. Nothing is
        written then. A failing *case* never raises: it is recorded with ``status`` ``failed``.
    """
    if not isinstance(manifest, Manifest):
        manifest = read_manifest(manifest)
    settings = RadiomicsSettings() if settings is None else settings
    if not isinstance(settings, RadiomicsSettings):
        raise FerroKitInputError("settings must be a RadiomicsSettings (see ferrokit.radiomics.settings)")
    if isinstance(n_workers, bool) or not isinstance(n_workers, int) or not 1 <= n_workers <= 64:
        raise FerroKitInputError(f"n_workers must be an integer from 1 to 64, got {n_workers!r}")
    if checkpoint_interval is not None and not checkpoint_interval >= 0:
        raise FerroKitInputError(f"checkpoint_interval must be >= 0 s or None, got {checkpoint_interval!r}")
    out = Path(out)
    table_format(out)
    if out.is_dir():
        raise FerroKitInputError(f"--out {out} is a folder; give a .csv or .parquet file name")
    shash = settings_hash(settings)
    previous = _previous(out, shash, overwrite)

    parts: dict[str, dict[str, Any]] = {}
    pending: list[Case] = []
    for case in manifest.cases:
        prev = previous.get(case.id)
        if _reusable(prev, case, shash):
            parts[case.id] = _part_from_previous(prev)
        else:
            pending.append(case)
    n_skipped, total = len(parts), len(manifest.cases)
    last_write = time.monotonic()

    def record(case: Case, part: dict[str, Any]) -> None:
        nonlocal last_write
        parts[case.id] = part
        if progress:
            progress(len(parts), total)
        if checkpoint_interval is not None and time.monotonic() - last_write >= checkpoint_interval:
            write_table(_assemble(manifest, parts, shash), out)
            last_write = time.monotonic()

    if progress:
        progress(n_skipped, total)
    try:
        _run(pending, settings, record, scheduler, n_workers)
    except BaseException:
        if len(parts) > n_skipped:  # keep what finished, so the next run resumes from there
            write_table(_assemble(manifest, parts, shash), out)
        raise
    table = _assemble(manifest, parts, shash)
    write_table(table, out)
    failures = tuple((r["id"], r["error"] or "") for r in table.rows if r["status"] != "ok")
    return BatchResult(table=table, out=out, settings_hash=shash, n_computed=len(pending), n_skipped=n_skipped,
                       failures=failures)


def _run(pending: list[Case], settings: RadiomicsSettings, record: Callable[[Case, dict[str, Any]], None],
         scheduler: str | None, n_workers: int) -> None:
    """Compute ``pending`` in this process or on Dask, calling ``record(case, part)`` as each finishes."""
    if not pending:
        return
    if scheduler == "synchronous":
        for case in pending:
            record(case, extract_case(case, settings))
        return
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, ValueError, TypeError) as exc:
            raise FerroKitInputError(f"--scheduler {scheduler!r}: cannot connect ({exc})") from None
    try:
        futures = {client.submit(extract_case, case, settings, pure=False): case for case in pending}
        for fut in as_completed(futures):
            case = futures[fut]
            try:
                part = fut.result()
            except Exception as exc:  # a worker died or the task could not run: recorded, not fatal
                part = {"features": {}, "image_sha256": None, "mask_sha256": None, "n_voxels_intensity": None,
                        "n_levels": None, "status": "failed", "error": _error_text(exc)}
            record(case, part)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
