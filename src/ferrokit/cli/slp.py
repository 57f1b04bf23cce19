"""``ferrokit hyperthermia slp-map``: SLP over core size × frequency × field, with the optimum under an H·f limit.

Registered as ``ferrokit hyperthermia slp-map`` by :mod:`ferrokit.cli.hyperthermia`.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import typer
from rich.table import Table

from ferrokit import __version__
from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError, check_positive
from ferrokit.cli._common import console, handle_errors, print_json
from ferrokit.cli.predict import build_particle
from ferrokit.hyperthermia.safety import HF_LIMITS
from ferrokit.hyperthermia.slp import MODELS
from ferrokit.hyperthermia.slp_map import SLPMap, slp_map
from ferrokit.io.atomic import save_figure_atomic, write_bytes_atomic, write_json_atomic

SLP_MAP_HELP = (
    "Map the predicted SLP (W/g Fe) over core size × frequency × field amplitude and report the best cell under "
    "an H·f limit (atkinson = 4.85e8, hergt = 5e9 A/(m s), or a number). Ranges are START:STOP:N (linear) or "
    "comma lists with units, e.g. --core-range 6nm:24nm:19 --frequencies 100kHz:1MHz:10 --amplitudes 5kA/m:30kA/m:11."
)


def parse_range(text: str, dimension: str, *, name: str) -> np.ndarray:
    """``"6nm:24nm:19"`` → 19 linearly spaced SI values; ``"100kHz,300kHz"`` → a list."""
    text = text.strip()
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise FerroKitInputError(f"{name}: expected START:STOP:N, e.g. 6nm:24nm:19, got {text!r}")
        start = parse_quantity(parts[0], dimension, name=name)
        stop = parse_quantity(parts[1], dimension, name=name)
        try:
            n = int(parts[2])
        except ValueError:
            n = 0
        if not 1 <= n <= 500:
            raise FerroKitInputError(f"{name}: N must be an integer in [1, 500], got {parts[2]!r}")
        if n > 1 and stop <= start:
            raise FerroKitInputError(f"{name}: STOP must be larger than START, got {text!r}")
        return np.linspace(start, stop, n) if n > 1 else np.array([start])
    values = [parse_quantity(p, dimension, name=name) for p in text.split(",") if p.strip()]
    if not values:
        raise FerroKitInputError(f"{name}: no values in {text!r}")
    return np.array(values)


def parse_limit(text: str) -> tuple[float, str]:
    """``atkinson`` | ``hergt`` | a number in A/(m s) → (limit, label)."""
    key = text.strip().lower()
    if key in HF_LIMITS:
        return HF_LIMITS[key][0], key
    try:
        value = float(key)
    except ValueError:
        raise FerroKitInputError(f"--limit: expected atkinson, hergt or a number in A/(m s), got {text!r}") from None
    return check_positive("--limit", value, unit="A/(m s)"), "custom"


def _write_npz(path: Path, result: SLPMap) -> None:
    buf = io.BytesIO()
    opt = result.optimum or {}
    np.savez(buf, core_diameters=result.core_diameters, frequencies=result.frequencies,
             amplitudes=result.amplitudes, slp=result.slp, slp_oxide=result.slp_oxide, xi=result.xi,
             blend_weight=result.blend_weight,
             model=result.model.astype(str), allowed=result.allowed, hf_limit=result.hf_limit,
             optimum_index=np.array(opt.get("index", [-1, -1, -1])), ferrokit_version=__version__,
             units=np.array(["core_diameters m", "frequencies Hz", "amplitudes A/m", "slp W/kg Fe",
                             "slp_oxide W/kg oxide", "hf_limit A/(m s)"]))
    data = buf.getvalue()
    write_bytes_atomic(path, data)


def slp_map_command(
    agent: str | None = typer.Option(None, "--agent", help="Library agent, e.g. nanotherm."),
    particle_file: Path | None = typer.Option(None, "--particle", help="Particle YAML file."),
    composition: str | None = typer.Option(None, "--composition", help="e.g. Fe3O4."),
    core: str | None = typer.Option(None, "--core", help="Median core size of the template particle, e.g. 12nm."),
    sigma: float | None = typer.Option(None, "--sigma", help="Lognormal σ of the core size."),
    shape: str | None = typer.Option(None, "--shape", help="sphere, cube or octahedron."),
    coating: str | None = typer.Option(None, "--coating", help="MATERIAL:THICKNESS[:impermeable], or none."),
    hydrodynamic: str | None = typer.Option(None, "--hydrodynamic", help="Hydrodynamic diameter, e.g. 30nm."),
    cluster: str | None = typer.Option(None, "--cluster", help="CORES:PACKING_FRACTION."),
    ms: str | None = typer.Option(None, "--ms", help="Measured Ms, e.g. 60emu/g."),
    ms_basis: str = typer.Option("oxide", "--ms-basis", help="Mass basis of --ms: oxide, iron, metal."),
    ms_temperature: str | None = typer.Option(None, "--ms-temperature", help="Temperature of --ms."),
    anisotropy: str | None = typer.Option(None, "--anisotropy", help="Measured K_eff, e.g. 15kJ/m3."),
    core_range: str = typer.Option("6nm:24nm:19", "--core-range", help="Core sizes START:STOP:N or a list."),
    frequencies: str = typer.Option("100kHz:1MHz:10", "--frequencies", help="Frequencies START:STOP:N or a list."),
    amplitudes: str = typer.Option("5kA/m:30kA/m:11", "--amplitudes", help="Field amplitudes (H or μ0H)."),
    limit: str = typer.Option("atkinson", "--limit", help="H·f limit: atkinson, hergt or a number in A/(m s)."),
    model: str = typer.Option("auto", "--model", help="auto, lrt, sw_random or sw_aligned."),
    temperature: str = typer.Option("37C", "--temperature", "-T", help="Temperature, e.g. 37C."),
    viscosity: str | None = typer.Option(None, "--viscosity", help="Carrier viscosity, e.g. 0.69mPas (default water)."),
    tau0: str = typer.Option("1e-9s", "--tau0", help="Néel attempt time."),
    plot: Path | None = typer.Option(None, "--plot", help="Write heatmap slices to this image (png, pdf, svg)."),
    out: Path | None = typer.Option(None, "--out", help="Write the map to .json or .npz."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (SI values with units)."),
) -> None:
    """Map SLP over core size × frequency × amplitude and report the optimum under an H·f limit."""
    handle_errors(_run)(agent, particle_file, composition, core, sigma, shape, coating, hydrodynamic, cluster, ms,
                        ms_basis, ms_temperature, anisotropy, core_range, frequencies, amplitudes, limit, model,
                        temperature, viscosity, tau0, plot, out, json_out)


def _run(agent, particle_file, composition, core, sigma, shape, coating, hydrodynamic, cluster, ms, ms_basis,
         ms_temperature, anisotropy, core_range, frequencies, amplitudes, limit, model, temperature, viscosity,
         tau0, plot, out, json_out) -> None:
    if out is not None and out.suffix.lower() not in (".json", ".npz"):
        raise FerroKitInputError(f"--out: the file must end in .json or .npz, got {out.name!r}")
    if model not in MODELS:
        raise FerroKitInputError(f"--model must be one of {', '.join(MODELS)}; got {model!r}")
    if plot is not None and plot.suffix.lower() not in (".png", ".pdf", ".svg", ".jpg", ".jpeg"):
        raise FerroKitInputError(f"--plot: use a .png, .pdf, .svg or .jpg file, got {plot.name!r}")
    if core is None and agent is None and particle_file is None:
        # a particle from options alone needs a template core size: the first of the mapped sizes
        core = core_range.replace(",", ":").split(":")[0]
    particle = build_particle(
        agent=agent, particle_file=particle_file, composition=composition, core=core, sigma=sigma, shape=shape,
        coating=coating, hydrodynamic=hydrodynamic, cluster=cluster, ms=ms, ms_basis=ms_basis,
        ms_temperature=ms_temperature, anisotropy=anisotropy,
    )
    cores = parse_range(core_range, "length", name="--core-range")
    freqs = parse_range(frequencies, "frequency", name="--frequencies")
    amps = parse_range(amplitudes, "field", name="--amplitudes")
    hf_limit, label = parse_limit(limit)
    t = parse_quantity(temperature, "temperature", name="--temperature")
    eta = None if viscosity is None else parse_quantity(viscosity, "viscosity", name="--viscosity")
    result = slp_map(particle, core_diameters=cores, frequencies=freqs, amplitudes=amps, hf_limit=hf_limit,
                     temperature=t, viscosity=eta, model=model,
                     tau0=parse_quantity(tau0, "time", name="--tau0"))
    head = {"ferrokit_version": __version__, "agent": agent, "limit": label,
            "particle": particle.model_dump(mode="json", exclude_none=True)}
    payload = {**head, **result.to_dict()}
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig = result.plot()
        try:
            save_figure_atomic(fig, plot)
        finally:
            plt.close(fig)
    if out is not None:
        if out.suffix.lower() == ".npz":
            _write_npz(out, result)
        else:
            write_json_atomic(out, payload)
    if json_out:
        # with --out the arrays are in the file; stdout carries the summary
        print_json(payload if out is None else {**head, **result.to_dict(include_arrays=False), "out": str(out)})
        return
    _show(result, label)
    for path in (plot, out):
        if path is not None:
            console.print(f"wrote {path}")


def _show(result: SLPMap, label: str) -> None:
    table = Table(title=f"SLP map: {result.slp.shape[0]} core sizes × {result.slp.shape[1]} frequencies × "
                        f"{result.slp.shape[2]} amplitudes at {result.temperature:g} K")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("unit")
    table.add_row("H·f limit", f"{result.hf_limit:.3g} ({label})", "A/(m s)")
    table.add_row("allowed cells", f"{int(result.allowed.sum())} of {result.allowed.size}", "")
    table.add_row("max SLP (any cell)", f"{result.slp.max() / 1e3:.4g}", "W/g Fe")
    opt = result.optimum
    if opt is not None:
        table.add_row("optimum core", f"{opt['core_diameter'] * 1e9:.4g}", "nm")
        table.add_row("optimum frequency", f"{opt['frequency'] / 1e3:.4g}", "kHz")
        table.add_row("optimum amplitude", f"{opt['amplitude'] / 1e3:.4g}", "kA/m")
        table.add_row("optimum SLP", f"{opt['slp'] / 1e3:.4g}", "W/g Fe")
        table.add_row("model at optimum", opt["model"], "")
    console.print(table)
    for note in result.notes:
        console.print(f"note: {note}")
