"""``run_study``: particle → PK → MRI (→ photoacoustic) → hyperthermia plan (→ photothermal) → CDT → response arms
and immune model. The optical stages run only when the config has an ``optics`` section.

Each stage calls the domain packages' public functions; this module only wires their outputs together and
keeps the numbers with their units, the assumptions and the parameter sources (DESIGN.md, "The main job").
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ferrokit import __version__
from ferrokit._shared.rng import as_rng
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.study.config import StudyConfig, config_hash
from ferrokit.study.optics_stages import photoacoustic_stage, photothermal_stage
from ferrokit.study.stages import StageResult, mri_stage, particle_stage, pk_stage
from ferrokit.study.therapy import cdt_stage, hyperthermia_stage, response_stage

__all__ = ["OPTICS_STAGES", "STAGES", "StudyResult", "run_study", "save_results"]

#: Stage names in run order (progress callbacks receive these).
STAGES: tuple[str, ...] = ("particle", "pk", "mri", "hyperthermia", "cdt", "response")
#: Optional optical stages (config ``optics``): photoacoustic runs after mri, photothermal after hyperthermia.
#: Their progress is reported under "mri" and "hyperthermia", so a progress display needs only STAGES.
OPTICS_STAGES: tuple[str, ...] = ("photoacoustic", "photothermal")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, eq=False)
class StudyResult:
    """Everything a study produced: the validated config, provenance and one :class:`StageResult` per stage."""

    config: StudyConfig
    stages: dict[str, StageResult]
    provenance: dict[str, Any]
    raw_config: dict[str, Any] | None = None
    files: dict[str, Path] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Key numbers per stage (SI values with units) and the provenance: the ``--json`` output."""
        return {"ferrokit_version": __version__, "study": self.config.name,
                "stages": {n: s.to_dict() for n, s in self.stages.items()},
                "provenance": {k: v for k, v in self.provenance.items() if k != "config"},
                "files": {k: str(v) for k, v in self.files.items()}}


def run_study(config: StudyConfig, *, out_dir: str | Path | None = None, progress: Progress | None = None,
              raw_config: dict[str, Any] | None = None, input_files: dict[str, str | Path] | None = None
              ) -> StudyResult:
    """Run the virtual study of ``config``.

    Parameters
    ----------
    config : StudyConfig
        The validated study (see :func:`ferrokit.study.validate_study_config`).
    out_dir : path, optional
        When given, the labelled results (CSV tables, ``results.nc``, ``provenance.json``, ``summary.json``) are
        written there, each atomically, after every stage has succeeded (see :func:`save_results`).
    progress : callable(stage, done, total), optional
        Called as each stage advances.
    raw_config : dict, optional
        The mapping as read from the file (kept in the provenance beside the validated SI config).
    input_files : mapping role → path, optional
        Files the study was read from; their SHA-256 goes into the provenance.

    Returns
    -------
    StudyResult
    """
    if not isinstance(config, StudyConfig):
        raise FerroKitInputError("config must be a StudyConfig (use validate_study_config or load_study_config)")

    def tick(stage: str, done: int = 1, total: int = 1) -> None:
        if progress is not None:
            progress(stage, done, total)

    rng = as_rng(config.seed)
    particle = config.particle.resolve()
    stages: dict[str, StageResult] = {}
    tick("particle", 0)
    stages["particle"] = particle_stage(config, particle)
    tick("particle")
    tick("pk", 0)
    pk_res, stages["pk"], i_amf = pk_stage(config)
    tick("pk")
    tick("mri", 0)
    stages["mri"] = mri_stage(config, pk_res, stages["particle"], rng)
    optics = config.optics
    if optics is not None and optics.pa is not None:
        stages["photoacoustic"] = photoacoustic_stage(config, particle, pk_res)
    tick("mri")
    iron = float(pk_res.concentration("tumour")[i_amf])
    plan, stages["hyperthermia"] = hyperthermia_stage(
        config, particle, iron, progress=None if progress is None else (lambda i, n: progress("hyperthermia", i, n)))
    t90 = float(plan.summary["tumour_t90_final"]["value"])
    cem43 = float(plan.summary["tumour_cem43_t90"]["value"])
    ptt = None
    if optics is not None and optics.ptt is not None:
        ptt, stages["photothermal"] = photothermal_stage(config, particle, pk_res)
    tick("cdt", 0)
    cdt_runs, stages["cdt"] = cdt_stage(config, particle, iron, t90)
    tick("cdt")
    tick("response", 0)
    _, stages["response"] = response_stage(config, particle, cem43, t90, cdt_runs, rng,
                                           ptt_cem43=None if ptt is None else ptt[0])
    tick("response")
    prov = provenance(config, raw_config=raw_config, input_files=input_files)
    result = StudyResult(config=config, stages=stages, provenance=prov, raw_config=raw_config)
    if out_dir is not None:
        files = save_results(result, out_dir)
        result = StudyResult(config=config, stages=stages, provenance=prov, raw_config=raw_config, files=files)
    return result


def _sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def provenance(config: StudyConfig, *, raw_config: dict[str, Any] | None = None,
               input_files: dict[str, str | Path] | None = None) -> dict[str, Any]:
    """Package version, the full validated config (SI), its hash, input file hashes and the seed."""
    import scipy

    return {
        "ferrokit_version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "seed": config.seed,
        "config_sha256": config_hash(config),
        "config": config.model_dump(mode="json"),
        "config_as_written": raw_config,
        "input_files": {role: {"path": str(p), "sha256": _sha256(p)} for role, p in (input_files or {}).items()},
        "units": "SI throughout (s, m, m3, K, A/m, Hz, T, kg, mol/m3 = mM, W/kg); kg Fe/m3 = mg Fe/mL",
    }


# ------------------------------------------------------------------------------------------------- output

def _csv_text(table: dict[str, tuple[np.ndarray, str]]) -> str:
    cols = list(table)
    header = ",".join(f"{c} [{table[c][1]}]" for c in cols)
    data = np.column_stack([np.asarray(table[c][0], dtype=float) for c in cols])
    buf = io.StringIO()
    np.savetxt(buf, data, delimiter=",", fmt="%.10g")
    return header + "\n" + buf.getvalue()


def netcdf_bytes(result: StudyResult) -> bytes:
    """All tables and arrays as a NetCDF-3 file (scipy.io.netcdf_file); variables carry ``units``."""
    import os
    import tempfile

    from scipy.io import netcdf_file

    fd, tmp = tempfile.mkstemp(suffix=".nc")
    os.close(fd)
    try:
        with netcdf_file(tmp, "w", version=2) as nc:
            nc.title = f"FerroKit virtual study {result.config.name}"
            nc.ferrokit_version = __version__
            nc.config_sha256 = result.provenance["config_sha256"]
            nc.seed = int(result.config.seed)
            for stage in result.stages.values():
                for tname, table in stage.tables.items():
                    dim = f"{tname}_row"
                    n = len(next(iter(table.values()))[0])
                    nc.createDimension(dim, n)
                    for col, (vals, unit) in table.items():
                        v = nc.createVariable(f"{tname}__{_nc_name(col)}", "d", (dim,))
                        v[:] = np.asarray(vals, dtype=float)
                        v.units = unit
                for aname, (arr, unit, dims) in stage.arrays.items():
                    names = tuple(f"{aname}_{d}" for d in dims)
                    for d, size in zip(names, arr.shape, strict=True):
                        nc.createDimension(d, size)
                    v = nc.createVariable(_nc_name(aname), "d" if arr.dtype.kind == "f" else "i", names)
                    v[:] = arr
                    v.units = unit
        return Path(tmp).read_bytes()
    finally:
        Path(tmp).unlink(missing_ok=True)


def _nc_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)


def save_results(result: StudyResult, out_dir: str | Path) -> dict[str, Path]:
    """Write the labelled results to ``out_dir`` (each file atomically) and return the written paths.

    ``tables/<stage>_<table>.csv`` (headers ``name [unit]``), ``results.nc`` (NetCDF-3), ``provenance.json``
    and ``summary.json`` (key numbers, assumptions and sources per stage, plus each domain result's details).
    Everything is serialised in memory first, so a failure writes nothing.
    """
    from ferrokit._shared.jsonutil import jsonable
    from ferrokit.io.atomic import write_bytes_atomic, write_text_atomic

    out = Path(out_dir)
    payload: dict[str, bytes] = {}
    for sname, stage in result.stages.items():
        for tname, table in stage.tables.items():
            key = f"tables/{tname}.csv" if tname.startswith(sname) else f"tables/{sname}_{tname}.csv"
            payload[key] = _csv_text(table).encode("utf-8")
    payload["results.nc"] = netcdf_bytes(result)
    payload["provenance.json"] = (json.dumps(jsonable(result.provenance), indent=2, ensure_ascii=False) + "\n"
                                  ).encode("utf-8")
    summary = {"ferrokit_version": __version__, "study": result.config.name,
               "stages": {n: {**s.to_dict(), "details": s.details} for n, s in result.stages.items()}}
    payload["summary.json"] = (json.dumps(jsonable(summary), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    written: dict[str, Path] = {}
    for rel, data in payload.items():
        path = out / rel
        written[rel] = (write_text_atomic(path, data.decode("utf-8")) if rel.endswith((".csv", ".json"))
                        else write_bytes_atomic(path, data))
    return written
