"""Parameter sweeps over any study field, run on Dask; a failed point is recorded, never fatal.

A sweep file names a base study (a path relative to the sweep file, or an inline mapping) and parameters,
each a dotted path into the study mapping with a list of values written as in a study file::

    study: demo-study.yaml
    mode: grid                  # grid (every combination) or zip (the i-th value of each)
    parameters:
      - {path: dose.amount, values: [5 mg/kg, 10 mg/kg, 20 mg/kg]}
      - {path: amf.frequency, values: [200 kHz, 300 kHz]}

List items are addressed by index (``response.arms.1.hyperthermia``). Each point is validated and run on its
own; its key numbers (SI, one column per stage number) or its one-line error go into the table.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from ferrokit._shared.schema import FrozenModel, validate_model
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.study.config import read_yaml_mapping, validate_study_config

__all__ = ["SweepConfig", "SweepParameter", "SweepResult", "load_sweep_config", "run_point", "run_sweep"]


class SweepParameter(FrozenModel):
    path: str = Field(min_length=1)
    values: list[Any] = Field(min_length=1, max_length=1000)


class SweepConfig(FrozenModel):
    study: str | dict[str, Any]
    mode: Literal["grid", "zip"] = "grid"
    parameters: list[SweepParameter] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _check(self) -> SweepConfig:
        if self.mode == "zip" and len({len(p.values) for p in self.parameters}) != 1:
            raise ValueError("mode zip needs the same number of values for every parameter")
        if self.n_points > 10_000:
            raise ValueError(f"{self.n_points} points; at most 10000")
        return self

    @property
    def n_points(self) -> int:
        if self.mode == "zip":
            return len(self.parameters[0].values)
        return int(np.prod([len(p.values) for p in self.parameters]))

    def points(self) -> list[list[tuple[str, Any]]]:
        """Every point as a list of (dotted path, value)."""
        paths = [p.path for p in self.parameters]
        combos = (zip(*(p.values for p in self.parameters), strict=True) if self.mode == "zip"
                  else itertools.product(*(p.values for p in self.parameters)))
        return [list(zip(paths, c, strict=True)) for c in combos]


def load_sweep_config(path: str | Path) -> tuple[SweepConfig, dict[str, Any], dict[str, Path]]:
    """Read a sweep file; returns the config, the base study mapping and the input files (role → path)."""
    p = Path(path)
    cfg = validate_model(SweepConfig, read_yaml_mapping(p), where=str(p))
    files = {"sweep": p}
    if isinstance(cfg.study, str):
        sp = (p.parent / cfg.study) if not Path(cfg.study).is_absolute() else Path(cfg.study)
        base = read_yaml_mapping(sp)
        files["study"] = sp
    else:
        base = dict(cfg.study)
    validate_study_config(base, require_units=True, where="sweep base study")
    for par in cfg.parameters:
        _check_path(base, par.path)
    return cfg, base, files


def _check_path(data: dict[str, Any], path: str) -> None:
    node: Any = data
    parts = path.split(".")
    for i, key in enumerate(parts[:-1]):
        node = _child(node, key, ".".join(parts[: i + 1]))
        if node is None:
            return  # an optional section that the point creates
    if not isinstance(node, (dict, list)):
        raise FerroKitInputError(f"parameters: path {path!r} does not lead into a mapping or list of the study")


def _child(node: Any, key: str, where: str) -> Any:
    if isinstance(node, list):
        if not key.isdigit() or int(key) >= len(node):
            raise FerroKitInputError(f"parameters: {where!r}: list index out of range (0–{len(node) - 1})")
        return node[int(key)]
    if isinstance(node, dict):
        return node.get(key)
    raise FerroKitInputError(f"parameters: {where!r} is not a mapping or list")


def set_path(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``data`` with the dotted ``path`` set to ``value`` (missing mappings are created)."""
    out = copy.deepcopy(data)
    node: Any = out
    parts = path.split(".")
    for key in parts[:-1]:
        if isinstance(node, list):
            node = node[int(key)]
        else:
            node = node.setdefault(key, {})
    if isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value
    return out


def run_point(base: dict[str, Any], point: list[tuple[str, Any]]) -> dict[str, Any]:
    """Run one sweep point; returns {"status": "ok", "metrics": {...}} or {"status": "failed", "error": ...}."""
    from ferrokit.study.pipeline import run_study

    try:
        data = base
        for path, value in point:
            data = set_path(data, path, value)
        cfg = validate_study_config(data, require_units=True, where="point")
        res = run_study(cfg)
    except Exception as exc:  # recorded, not fatal: the batch goes on (DESIGN.md, Scale)
        msg = " ".join(str(exc).split()) or type(exc).__name__
        return {"status": "failed", "error": f"{type(exc).__name__}: {msg}" if not isinstance(
            exc, FerroKitInputError) else msg}
    metrics = {}
    for sname, stage in res.stages.items():
        for k in stage.key_numbers:
            if isinstance(k.value, (int, float)) and not isinstance(k.value, bool):
                metrics[f"{sname}: {k.label} [{k.unit}]"] = float(k.value)
    return {"status": "ok", "metrics": metrics}


@dataclass(frozen=True)
class SweepResult:
    """One row per point: the parameter values as written, status, error and the metrics (SI, unit in name)."""

    parameters: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]

    @property
    def n_failed(self) -> int:
        return sum(r["status"] != "ok" for r in self.rows)

    def metric_names(self) -> list[str]:
        names: dict[str, None] = {}
        for r in self.rows:
            names.update(dict.fromkeys(r.get("metrics", {})))
        return list(names)

    def varying_metrics(self) -> list[str]:
        """Metrics whose value differs between the successful points (what a sweep plot should show)."""
        out = []
        for m in self.metric_names():
            if m.startswith("pk: mass balance"):
                continue
            vals = [r["metrics"][m] for r in self.rows if r["status"] == "ok" and m in r["metrics"]]
            if len(vals) > 1 and not np.allclose(vals, vals[0], rtol=1e-9, atol=0.0):
                out.append(m)
        return out

    def to_csv(self) -> str:
        import csv
        import io

        metrics = self.metric_names()
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["point", *self.parameters, "status", "error", *metrics])
        for i, r in enumerate(self.rows):
            w.writerow([i, *(r["values"][p] for p in self.parameters), r["status"], r.get("error", ""),
                        *(repr(r["metrics"][m]) if m in r.get("metrics", {}) else "" for m in metrics)])
        return buf.getvalue()

    def to_dict(self) -> dict[str, Any]:
        return {"parameters": list(self.parameters), "n_points": len(self.rows), "n_failed": self.n_failed,
                "rows": [dict(r) for r in self.rows]}

    def plot(self, metrics: list[str] | None = None):
        """Each metric against the point index (labelled by the parameter values); returns the figure."""
        import matplotlib.pyplot as plt

        names = metrics or self.varying_metrics()[:8]
        n = max(len(names), 1)
        fig, axes = plt.subplots(n, 1, figsize=(7, 2.2 * n), squeeze=False)
        labels = [", ".join(str(r["values"][p]) for p in self.parameters) for r in self.rows]
        x = np.arange(len(self.rows))
        for ax, m in zip(axes[:, 0], names, strict=False):
            y = [r["metrics"].get(m, np.nan) if r["status"] == "ok" else np.nan for r in self.rows]
            ax.plot(x, y, "o-")
            for i, r in enumerate(self.rows):
                if r["status"] != "ok":
                    ax.axvline(i, color="r", alpha=0.3)
            ax.set_ylabel(m.split(": ", 1)[-1], fontsize=7)
            ax.set_title(m.split(": ", 1)[0], fontsize=8, loc="left")
            ax.set_xticks(x)
            ax.set_xticklabels(labels, rotation=30, fontsize=7, ha="right")
        axes[-1, 0].set_xlabel(" / ".join(self.parameters) + " (red: failed point)")
        fig.tight_layout()
        return fig


def run_sweep(config: SweepConfig, base: dict[str, Any], *, scheduler: str | None = None, n_workers: int = 2,
              progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Run every point of ``config`` on Dask.

    ``scheduler``: None → a local ``dask.distributed.LocalCluster`` of ``n_workers`` processes; an address
    (``tcp://host:8786``) → that cluster; ``"synchronous"`` → in this process, one point after another.
    """
    points = config.points()
    total = len(points)
    outcomes: list[dict[str, Any] | None] = [None] * total
    if scheduler == "synchronous":
        for i, pt in enumerate(points):
            outcomes[i] = run_point(base, pt)
            if progress:
                progress(i + 1, total)
    else:
        from dask.distributed import Client, LocalCluster, as_completed

        cluster = None
        if scheduler is None:
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(scheduler)
        try:
            futures = {client.submit(run_point, base, pt, pure=False): i for i, pt in enumerate(points)}
            for done, fut in enumerate(as_completed(futures), start=1):
                i = futures[fut]
                try:
                    outcomes[i] = fut.result()
                except Exception as exc:  # a worker died: recorded, not fatal
                    outcomes[i] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
                if progress:
                    progress(done, total)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    names = tuple(p.path for p in config.parameters)
    rows = tuple({"values": dict(pt), **out} for pt, out in zip(points, outcomes, strict=True))
    return SweepResult(parameters=names, rows=rows)
