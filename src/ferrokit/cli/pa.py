"""``ferrokit pa``: photoacoustic simulation (``simulate``) and multispectral unmixing (``unmix``)."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
import yaml
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ferrokit import __version__
from ferrokit._shared.schema import validate_model
from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli._common import console, err_console, handle_errors, print_json
from ferrokit.io.atomic import atomic_write, save_figure_atomic, write_json_atomic

app = typer.Typer(
    help="Photoacoustic imaging: k-space forward simulation with reconstruction, and spectral unmixing.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SIMULATE_HELP = (
    "Simulate a photoacoustic acquisition from a YAML config (grid, medium, absorbers × fluence × Grüneisen → "
    "p0, sensor array, reconstruction methods): k-space pseudospectral propagation, sensor data and "
    "reconstructed images written as NIfTI/PNG/NPY with a summary JSON. See docs/photoacoustics.md."
)
UNMIX_HELP = (
    "Unmix multiwavelength PA images (one NIfTI/NRRD per wavelength, or one 4D image) into absorber "
    "concentrations by non-negative least squares with known spectra (HbO2, Hb from Prahl; magnetite; measured "
    "agent spectra from CSV with --agent), and sO2 when HbO2 and Hb are both components. Images are taken as "
    "μ_a ∝ p0: give --fluence and --gruneisen to convert p0 [Pa] to μ_a and get absolute concentrations. "
    "--tissue divides out the depth- and wavelength-dependent fluence Φ(z, λ) of the diffusion approximation "
    "in that background tissue (spectral colouring); --fluence is then the incident radiant exposure."
)


@app.callback()
def _group() -> None:
    """Photoacoustic imaging."""


# ------------------------------------------------------------------------------------------------ simulate
def _read_config(path: Path):
    from ferrokit.optics.photoacoustics.config import PAConfig

    if not path.is_file():
        raise FerroKitInputError(f"config file not found: {path}")
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise FerroKitInputError(f"{path.name}: not valid YAML ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise FerroKitInputError(f"{path.name}: the config must be a mapping of keys to values")
    return validate_model(PAConfig, data, where=path.name, require_units=True), hashlib.sha256(raw).hexdigest()


def _geometry(grid) -> dict[str, Any]:
    sp = list(grid.spacing) + [grid.spacing[0]] * (3 - grid.ndim)
    org = [grid.axis(i)[0] for i in range(grid.ndim)] + [0.0] * (3 - grid.ndim)
    return {"spacing": tuple(sp), "origin": tuple(org)}


def _vol(a: np.ndarray) -> np.ndarray:
    return a[..., None] if a.ndim == 2 else a


def _save_npy(path: Path, arr: np.ndarray) -> Path:
    return atomic_write(path, lambda tmp: np.save(tmp, arr, allow_pickle=False), suffix=".npy")


def _mid(a: np.ndarray) -> np.ndarray:
    return a if a.ndim == 2 else a[:, :, a.shape[2] // 2]


def _images_figure(result):
    import matplotlib.pyplot as plt

    panels = [("p0 [Pa]", result.p0)] + [(f"{k}", v) for k, v in result.images.items()]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.2), squeeze=False)
    g = result.grid
    ext = [g.axis(1)[0] * 1e3, g.axis(1)[-1] * 1e3, g.axis(0)[-1] * 1e3, g.axis(0)[0] * 1e3]
    for ax, (name, img) in zip(axes[0], panels, strict=True):
        im = ax.imshow(_mid(img), cmap="inferno", extent=ext)
        pos = result.sensor.positions
        ax.plot(pos[:, 1] * 1e3, pos[:, 0] * 1e3, ".", ms=1.5, color="c")
        ax.set_title(name)
        ax.set_xlabel("y [mm]")
        ax.set_ylabel("x [mm]")
        ax.set_xlim(ext[0], ext[1])
        ax.set_ylim(ext[2], ext[3])
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    return fig


def _sensor_figure(result):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    d = result.sensor_data
    v = float(np.abs(d).max()) or 1.0
    t_us = result.dt * (d.shape[1] - 1) * 1e6
    im = ax.imshow(d, aspect="auto", cmap="RdBu_r", vmin=-v, vmax=v, extent=(0, t_us, d.shape[0] - 0.5, -0.5))
    ax.set_xlabel("time [µs]")
    ax.set_ylabel("sensor element")
    fig.colorbar(im, ax=ax, label="pressure [Pa]")
    fig.tight_layout()
    return fig


def _write_simulation(result, cfg, out: Path) -> list[Path]:
    """Write every output; called only after the whole computation succeeded."""
    from ferrokit.io.images import write_nifti

    files: list[Path] = []
    geo = _geometry(result.grid)
    if cfg.outputs.nifti:
        files.append(write_nifti(out / "p0_Pa.nii.gz", _vol(result.p0), **geo))
        files.append(write_nifti(out / "mu_a_per_m.nii.gz", _vol(result.mu_a), **geo))
        for name, img in result.images.items():
            files.append(write_nifti(out / f"recon_{name}.nii.gz", _vol(img), **geo))
    if cfg.outputs.sensor_data:
        files.append(_save_npy(out / "sensor_data_Pa.npy", result.sensor_data.astype(np.float32)))
        files.append(_save_npy(out / "sensor_positions_m.npy", result.sensor.positions))
    if cfg.outputs.png:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        for name, make in (("images.png", _images_figure), ("sensor_data.png", _sensor_figure)):
            fig = make(result)
            try:
                files.append(save_figure_atomic(fig, out / name))
            finally:
                plt.close(fig)
    return files


def simulate_command(
    config: Annotated[Path, typer.Argument(help="PA simulation YAML file (see examples/pa_example.yaml).")],
    out: Path = typer.Option(Path("out/pa"), "--out", "-o", help="Output folder."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON instead of a table."),
    no_progress: bool = typer.Option(False, "--no-progress", help="Hide the progress bar."),
) -> None:
    handle_errors(_simulate)(config, out, json_out, no_progress)


app.command(name="simulate", help=SIMULATE_HELP)(simulate_command)


def _simulate(config: Path, out: Path, json_out: bool, no_progress: bool) -> dict[str, Any]:
    from ferrokit.optics.photoacoustics.config import run_pa

    cfg, sha = _read_config(config)
    t0 = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeRemainingColumn(), console=err_console, disable=json_out or no_progress,
                  transient=True) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = run_pa(cfg, progress=progress)
    elapsed = time.perf_counter() - t0
    payload = {"ferrokit_version": __version__, "command": "pa simulate", "config_file": str(config),
               "config_sha256": sha, "config": cfg.model_dump(mode="json"), "seed": cfg.seed,
               "run_time": {"value": elapsed, "unit": "s"}, "result": result.to_dict()}
    files = _write_simulation(result, cfg, out)
    files.append(write_json_atomic(out / "summary.json", {**payload, "files": [str(f) for f in files]}))
    payload["files"] = [str(f) for f in files]
    if json_out:
        print_json(payload)
    else:
        r = payload["result"]
        t = Table(title=f"photoacoustic simulation: {config.name}")
        t.add_column("quantity")
        t.add_column("value", justify="right")
        t.add_row("grid", f"{' × '.join(map(str, result.grid.shape))} @ {result.grid.spacing[0] * 1e3:g} mm")
        t.add_row("time steps", f"{r['n_samples']} × {result.dt * 1e9:.3g} ns")
        t.add_row("p0 max", f"{r['p0_max']['value']:.4g} Pa (Γ = {result.gruneisen:.3g})")
        t.add_row("sensor", f"{result.sensor.kind}, {result.sensor.n} elements")
        t.add_row("sensor peak", f"{r['sensor_peak']['value']:.4g} Pa")
        for name, info in r["images"].items():
            t.add_row(f"{name}: corr. with p0", f"{info['correlation_with_p0']:.3f}")
        for name, sec in result.timings.items():
            t.add_row(f"time {name}", f"{sec:.2f} s")
        console.print(t)
        console.print(f"wrote {len(files)} files to {out} in {elapsed:.1f} s", highlight=False)
    return payload


# --------------------------------------------------------------------------------------------------- unmix
def _wavelengths(text: str) -> list[float]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise FerroKitInputError("--wavelengths: give a list such as 750,800,850nm")
    last = parts[-1]
    unit = last.lstrip("0123456789.eE+- ")
    out = []
    for p in parts:
        has_unit = bool(p.lstrip("0123456789.eE+- "))
        out.append(parse_quantity(p if has_unit else f"{p} {unit}", "length", name="--wavelengths"))
    return out


def unmix_command(
    images: Annotated[list[Path], typer.Argument(help="One image per wavelength (NIfTI/NRRD), or one 4D image.")],
    wavelengths: str = typer.Option(..., "--wavelengths", "-w", help="Wavelengths in image order, e.g. 750,800,850nm."),
    components: str = typer.Option("HbO2,Hb", "--components", "-c",
                                   help="Absorbers to unmix: HbO2, Hb, magnetite (comma-separated)."),
    agent: list[Path] = typer.Option([], "--agent", "-a",
                                     help="Measured agent spectrum CSV ('wavelength (nm)' and 'mu_a (1/cm per "
                                          "mg/mL)' or 'extinction (L/(g cm))' columns); repeatable. Component "
                                          "name = file stem; concentration in mg/mL = kg/m3."),
    fluence: str | None = typer.Option(None, "--fluence", help="Fluence, e.g. 10mJ/cm2 (with --gruneisen)."),
    gruneisen: float | None = typer.Option(None, "--gruneisen", help="Grüneisen parameter (with --fluence)."),
    tissue: str | None = typer.Option(None, "--tissue",
                                      help="Background tissue (soft, tumour, fatty, skin) for the depth-dependent "
                                           "fluence correction Φ(z, λ) (diffusion approximation)."),
    depth_axis: int = typer.Option(2, "--depth-axis", help="Image axis (0, 1, 2) along which light enters."),
    surface: int = typer.Option(0, "--surface",
                                help="Index of the first tissue voxel along --depth-axis (illuminated face)."),
    relative_index: float = typer.Option(1.4, "--relative-index", help="n_tissue/n_outside for the boundary."),
    min_total: float = typer.Option(0.05, "--min-total",
                                    help="sO2 is left undefined (NaN) where HbO2 + Hb is below this fraction of "
                                         "its maximum."),
    out: Path = typer.Option(Path("out/pa_unmix"), "--out", "-o", help="Output folder."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    correction = None if tissue is None else {"tissue": tissue, "depth_axis": depth_axis, "surface": surface,
                                              "relative_index": relative_index}
    handle_errors(_unmix)(images, wavelengths, components, agent, fluence, gruneisen, correction, min_total, out,
                          json_out)


app.command(name="unmix", help=UNMIX_HELP)(unmix_command)


def _depth_correction(stack: np.ndarray, wl: list[float], spacing, corr: dict, e0: float) -> tuple[np.ndarray, dict]:
    """Φ(λ, voxel) [J/m² per unit E0 × e0] of the background tissue, broadcastable to ``stack``, and its summary."""
    from ferrokit.optics import tissue_optics
    from ferrokit.optics.photoacoustics.unmixing import depth_fluence

    ndim = stack.ndim - 1
    ax, surf = corr["depth_axis"], corr["surface"]
    if not 0 <= ax < ndim:
        raise FerroKitInputError(f"--depth-axis must be 0..{ndim - 1} for {ndim}D images, got {ax}")
    n = stack.shape[1 + ax]
    if not 0 <= surf < n:
        raise FerroKitInputError(f"--surface must be a voxel index in [0, {n - 1}] along axis {ax}, got {surf}")
    bg = tissue_optics(corr["tissue"], wl)
    h = float(spacing[ax])
    # voxel centres below the illuminated face; voxels in front of the surface get the surface value (z = 0)
    z = np.clip((np.arange(n) - surf + 0.5) * h, 0.0, None)
    phi = depth_fluence(wl, z, mu_a=bg.mu_a, mu_s_prime=bg.mu_s_prime, irradiance=e0,
                        relative_index=corr["relative_index"])
    shape = [len(wl)] + [1] * ndim
    shape[1 + ax] = n
    info = {"model": "diffusion approximation, broad collimated beam, semi-infinite homogeneous background "
                     "(fluence_1d)", "tissue": bg.tissue, "depth_axis": ax, "surface_index": surf,
            "relative_index": corr["relative_index"], "voxel_size_along_depth": {"value": h, "unit": "m"},
            "background_mu_a": {"value": np.atleast_1d(bg.mu_a).tolist(), "unit": "1/m"},
            "background_mu_s_prime": {"value": np.atleast_1d(bg.mu_s_prime).tolist(), "unit": "1/m"},
            "fluence_at_deepest_voxel_over_incident": {"value": (phi[:, -1] / e0).tolist(), "unit": "1"}}
    return phi.reshape(shape), info


def _unmix(images: list[Path], wavelengths: str, components: str, agents: list[Path], fluence: str | None,
           gruneisen: float | None, correction: dict | None, min_total: float, out: Path,
           json_out: bool) -> dict[str, Any]:
    from ferrokit.io.images import check_same_geometry, read_image, write_nifti
    from ferrokit.io.spectra import read_agent_spectrum
    from ferrokit.optics.photoacoustics.unmixing import (
        KNOWN_COMPONENTS,
        endmember_matrix,
        linear_unmix,
        oxygen_saturation,
    )

    wl = _wavelengths(wavelengths)
    names = [c.strip() for c in components.split(",") if c.strip()]
    spectra = [read_agent_spectrum(p) for p in agents]
    for sp_ in spectra:
        if sp_.name in names or not re.fullmatch(r"[A-Za-z0-9_.-]+", sp_.name):
            raise FerroKitInputError(f"--agent {sp_.name!r}: the file stem must be a new component name made of "
                                     "letters, digits, '_', '-' or '.'")
    units = {n: KNOWN_COMPONENTS.get(n, "?") for n in names} | {sp_.name: "kg/m3" for sp_ in spectra}
    if (fluence is None) != (gruneisen is None):
        raise FerroKitInputError("give --fluence and --gruneisen together (or neither for relative concentrations)")
    if not 0 <= min_total < 1:
        raise FerroKitInputError(f"--min-total must lie in [0, 1), got {min_total:g}")
    imgs = [read_image(p) for p in images]
    if len(imgs) == 1 and imgs[0].array.ndim == 4:
        stack = np.moveaxis(imgs[0].array, 3, 0)
    else:
        for im in imgs:
            if im.array.ndim != 3:
                raise FerroKitInputError(f"{Path(im.source).name}: expected a 3D image, got shape {im.array.shape}")
        for im in imgs[1:]:
            check_same_geometry(imgs[0], im, what="wavelength images")
        stack = np.stack([im.array for im in imgs])
    if stack.shape[0] != len(wl):
        raise FerroKitInputError(f"{stack.shape[0]} wavelength image(s) but {len(wl)} wavelength(s) in --wavelengths")
    if not np.all(np.isfinite(stack)):
        raise FerroKitInputError("the images contain non-finite values (NaN or inf)")
    e = endmember_matrix([*names, *spectra], wl)
    names = [*names, *(sp_.name for sp_ in spectra)]
    scale_note = "relative (image units per unit absorption)"
    e0 = 1.0
    if fluence is not None:
        e0 = parse_quantity(fluence, "radiant_exposure", name="--fluence")
        if e0 <= 0 or not 0 < gruneisen <= 2:
            raise FerroKitInputError("--fluence must be > 0 and --gruneisen in (0, 2]")
        stack = stack / gruneisen
        scale_note = "absolute (images p0 [Pa] divided by Γ·Φ)"
    phi, corr_info = (e0, None) if correction is None else _depth_correction(stack, wl, imgs[0].spacing, correction, e0)
    res = linear_unmix(stack, e, components=names, fluence=phi)
    files = []
    for n, c in zip(names, res.concentrations, strict=True):
        files.append(write_nifti(out / f"{n}.nii.gz", c, like=imgs[0] if imgs[0].array.ndim == 3 else None,
                                 spacing=imgs[0].spacing, origin=imgs[0].origin, direction=imgs[0].direction))
    summary: dict[str, Any] = {"ferrokit_version": __version__, "command": "pa unmix",
                               "inputs": [im.to_dict() for im in imgs],
                               "wavelengths": {"value": wl, "unit": "m"}, "scale": scale_note,
                               "units": {n: units[n] if fluence is not None else "relative" for n in names},
                               "agents": [{"name": sp_.name, "source": sp_.source, "status": sp_.status,
                                           "peak_wavelength": {"value": sp_.peak_wavelength(), "unit": "m"}}
                                          for sp_ in spectra],
                               "fluence_correction": corr_info,
                               "unmixing": res.to_dict()}
    if "HbO2" in names and "Hb" in names:
        ox, de = res.component("HbO2"), res.component("Hb")
        so2 = oxygen_saturation(ox, de, min_total=min_total * float((ox + de).max()))
        files.append(write_nifti(out / "sO2.nii.gz", so2, spacing=imgs[0].spacing, origin=imgs[0].origin,
                                 direction=imgs[0].direction))
        ok = np.isfinite(so2)
        summary["sO2"] = {"mean": float(np.mean(so2[ok])) if ok.any() else None, "defined_voxels": int(ok.sum()),
                          "unit": "fraction"}
    files.append(write_json_atomic(out / "unmix.json", summary))
    summary["files"] = [str(f) for f in files]
    if json_out:
        print_json(summary)
    else:
        t = Table(title="photoacoustic spectral unmixing")
        t.add_column("component")
        t.add_column("mean", justify="right")
        t.add_column("max", justify="right")
        t.add_column("unit")
        for n, info in summary["unmixing"]["components"].items():
            t.add_row(n, f"{info['mean']:.4g}", f"{info['max']:.4g}", summary["units"][n])
        if "sO2" in summary and summary["sO2"]["mean"] is not None:
            t.add_row("sO2", f"{summary['sO2']['mean']:.3f}", "", "fraction")
        console.print(t)
        console.print(f"wrote {len(files)} files to {out}", highlight=False)
    return summary
