"""Hyperthermia plan files: read the plan YAML and the images it references, write maps, curves and figures.

Maps are written as NIfTI in lab units named in the file name (``temperature_max_C.nii.gz``,
``cem43_min.nii.gz``), curves as CSV (SI columns with units in the headers) and PNG, the summary as JSON.
Every file is written atomically (temporary file, then rename).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ferrokit._shared.schema import validate_model
from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import ZERO_CELSIUS
from ferrokit.hyperthermia.plan import PlanConfig, PlanResult, Volume3D
from ferrokit.io.atomic import save_figure_atomic, write_json_atomic, write_text_atomic
from ferrokit.io.images import read_image, write_nifti


def read_plan(path: str | os.PathLike) -> PlanConfig:
    """Read and validate a plan YAML file (numbers need units)."""
    p = Path(path)
    if not p.is_file():
        raise FerroKitInputError(f"plan file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise FerroKitInputError(f"{p.name}: not valid YAML ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise FerroKitInputError(f"{p.name}: the plan must be a mapping of keys to values")
    return validate_model(PlanConfig, data, where=p.name, require_units=True)


def _load_array(path: Path, spacing_default) -> Volume3D:
    if not path.exists():
        raise FerroKitInputError(f"file not found: {path}")
    if path.name.lower().endswith(".npy"):
        if spacing_default is None:
            raise FerroKitInputError(f"{path.name}: a .npy array needs the plan's grid for its spacing")
        try:
            arr = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise FerroKitInputError(f"{path.name}: cannot read the array ({exc})") from None
        return Volume3D(np.asarray(arr), tuple(spacing_default))
    img = read_image(path)
    if img.array.ndim != 3:
        raise FerroKitInputError(f"{path.name}: expected a 3D image, got shape {img.array.shape}")
    return Volume3D(np.asarray(img.array), tuple(img.spacing), geometry=img)


def load_plan_arrays(config: PlanConfig, base_dir: str | os.PathLike) -> dict[str, Volume3D]:
    """Load every file the plan references (paths relative to ``base_dir``); concentration converted to kg/m³."""
    base = Path(base_dir)
    spacing = config.grid.spacing3() if config.grid is not None else None
    out: dict[str, Volume3D] = {}
    for role, rel in config.referenced_files().items():
        p = Path(rel) if Path(rel).is_absolute() else base / rel
        vol = _load_array(p, spacing)
        if spacing is None and role != "concentration":
            spacing = vol.spacing
        if role == "concentration":
            factor = parse_quantity(f"1 {config.particles.unit}", "mass_concentration", name="particles.unit")
            vol = Volume3D(np.asarray(vol.data, dtype=float) * factor, vol.spacing, vol.geometry)
        if role == "label_map":
            d = np.asarray(vol.data)
            if not np.all(np.isfinite(d)) or np.any(d != np.round(d)):
                raise FerroKitInputError(f"{p.name}: a label map must hold integers")
            vol = Volume3D(d.astype(np.int64), vol.spacing, vol.geometry)
        out[role] = vol
    return out


_CURVE_COLUMNS = [("time", "s", 1.0, 0.0), ("amplitude", "A/m", 1.0, 0.0), ("power_fraction", "1", 1.0, 0.0),
                  ("tumour_t90", "C", 1.0, -ZERO_CELSIUS), ("tumour_mean", "C", 1.0, -ZERO_CELSIUS),
                  ("tumour_max", "C", 1.0, -ZERO_CELSIUS), ("healthy_max", "C", 1.0, -ZERO_CELSIUS),
                  ("tumour_cem43_t90", "min", 1 / 60, 0.0)]


def curves_csv(result: PlanResult) -> str:
    """The time curves as CSV text (temperatures in °C, CEM43 in min, headers with units)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([f"{k} ({u})" for k, u, _, _ in _CURVE_COLUMNS])
    n = result.curves["time"].size
    for i in range(n):
        w.writerow([f"{result.curves[k][i] * f + o:.6g}" for k, _, f, o in _CURVE_COLUMNS])
    return buf.getvalue()


def _slice_index(result: PlanResult) -> int:
    m = result.tumour_mask if result.tumour_mask.any() else result.concentration > 0
    if not m.any():
        return result.tumour_mask.shape[2] // 2
    return round(float(np.mean(np.nonzero(m)[2])))


def _plot_maps(result: PlanResult, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = _slice_index(result)
    sx, sy = result.spacing[0] * 1e3, result.spacing[1] * 1e3
    nx, ny = result.temperature_max.shape[:2]
    ext = [0, ny * sy, nx * sx, 0]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    panels = [(result.temperature_max[:, :, k] - ZERO_CELSIUS, "max temperature (°C)", "inferno"),
              (np.log10(np.maximum(result.cem43[:, :, k] / 60.0, 1e-3)), "log10 CEM43 (min)", "viridis"),
              (result.concentration[:, :, k], "iron (mg/mL)", "Greys")]
    for ax, (img, title, cmap) in zip(axes, panels, strict=True):
        im = ax.imshow(img, cmap=cmap, extent=ext)
        if result.tumour_mask[:, :, k].any():
            ax.contour(result.tumour_mask[:, :, k].astype(float), levels=[0.5], colors="cyan", linewidths=0.8,
                       extent=[0, ny * sy, 0, nx * sx], origin="upper")
        ax.set_title(f"{title}, slice z={k}")
        ax.set_xlabel("y (mm)")
        ax.set_ylabel("x (mm)")
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    out = save_figure_atomic(fig, path)
    plt.close(fig)
    return out


def _plot_curves(result: PlanResult, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = result.curves
    t = c["time"] / 60.0
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    for key, label in (("tumour_t90", "tumour T90"), ("tumour_max", "tumour max"), ("healthy_max", "healthy max")):
        a1.plot(t, c[key] - ZERO_CELSIUS, label=label)
    target = result.summary.get("control", {}).get("target_t90", {}).get("value")
    if target is not None:
        a1.axhline(target - ZERO_CELSIUS, color="k", ls="--", lw=0.8, label="target")
    a1.set_ylabel("temperature (°C)")
    a1.legend()
    a2.plot(t, c["amplitude"] / 1e3, color="C3")
    a2.set_ylabel("amplitude (kA/m)")
    a2.set_xlabel("time (min)")
    fig.tight_layout()
    out = save_figure_atomic(fig, path)
    plt.close(fig)
    return out


def write_plan_outputs(result: PlanResult, out_dir: str | os.PathLike, *, nifti: bool = True, png: bool = True,
                       extra: dict[str, Any] | None = None) -> list[Path]:
    """Write maps (NIfTI), curves (CSV, PNG), slices (PNG) and ``summary.json`` into ``out_dir``."""
    out = Path(out_dir)
    written: list[Path] = []
    if nifti:
        geo = result.geometry
        kw = {"like": geo} if geo is not None else {"spacing": result.spacing}
        maps = {"temperature_final_C": result.temperature_final - ZERO_CELSIUS,
                "temperature_max_C": result.temperature_max - ZERO_CELSIUS,
                "cem43_min": result.cem43 / 60.0, "iron_mg_per_mL": result.concentration,
                "tissue_index": result.tissue_index.astype(np.int16)}
        if result.damage is not None:
            maps["arrhenius_omega"] = result.damage
        for name, arr in maps.items():
            written.append(write_nifti(out / f"{name}.nii.gz", arr, **kw))
    written.append(write_text_atomic(out / "curves.csv", curves_csv(result)))
    if png:
        written.append(_plot_curves(result, out / "curves.png"))
        written.append(_plot_maps(result, out / "maps.png"))
    written.append(write_json_atomic(out / "summary.json", {**(extra or {}), **result.to_dict()}))
    return written
