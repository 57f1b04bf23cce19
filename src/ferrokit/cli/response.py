"""``ferrokit response``: tumour response of therapy arms (growth, kill, growth delay, Bliss synergy)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ferrokit import __version__
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli._common import console, handle_errors, print_json, write_figure_and_json

app = typer.Typer(
    help="Tumour response (phenomenological): growth laws with kill by heat, ROS, radiation and drug release.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SIMULATE_HELP = (
    "Simulate the therapy arms of a YAML config (growth law, duration, arms with thermal/ros/radiation/chemo; "
    "numbers need units, see examples/response_example.yaml). Prints per-arm final volume, surviving "
    "fractions, time to the target volume, growth delay and the Bliss synergy table; --json prints SI values."
)
_DAY = 86400.0


@app.callback()
def _group() -> None:
    """Tumour and immune response."""


def _read_config(path: Path):
    import yaml

    from ferrokit._shared.schema import validate_model
    from ferrokit.response.arms import ResponseConfig

    if not path.is_file():
        raise FerroKitInputError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise FerroKitInputError(f"{path.name}: not valid YAML ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise FerroKitInputError(f"{path.name}: the config must be a mapping of keys to values")
    return validate_model(ResponseConfig, data, where=path.name, require_units=True)


def _days(x: float | None) -> str:
    return "not reached" if x is None else f"{x / _DAY:.2f} d"


@app.command("simulate", help=SIMULATE_HELP)
def simulate(
    config: Annotated[Path, typer.Argument(help="Response config YAML.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON (SI values with units).")] = False,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the volume curves (PNG/PDF/SVG).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the JSON result to this file.")] = None,
) -> None:
    handle_errors(_simulate)(config, json_out, plot, out)


def _simulate(config: Path, json_out: bool, plot: Path | None, out: Path | None) -> None:
    import numpy as np

    from ferrokit.response import simulate_arms

    if plot is not None and plot.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise FerroKitInputError(f"--plot: use a .png, .pdf or .svg file name, got {plot.name!r}")
    cfg = _read_config(config)
    times = np.linspace(0.0, cfg.duration, cfg.n_times)
    result = simulate_arms(cfg.arms, growth=cfg.growth, duration=cfg.duration, times=times,
                           target_volume=cfg.target_volume, synergy_time=cfg.synergy_time,
                           n_subjects=cfg.n_subjects, rate_cv=cfg.rate_cv, rng=cfg.seed)
    payload = {"ferrokit_version": __version__, "config_file": str(config),
               "config": cfg.model_dump(mode="json"), "result": result.to_dict()}
    write_figure_and_json(plot=plot, plotter=result.plot, out=out, payload=payload)
    if json_out:
        print_json(payload)
        return
    t = Table(title=f"tumour response ({result.growth.kind} growth; target {result.target_volume * 1e9:.4g} mm³)")
    for col in ("arm", "modalities", "final volume", "surviving fraction", "time to target", "growth delay"):
        t.add_column(col, justify="left" if col in ("arm", "modalities", "surviving fraction") else "right")
    for n in result.arm_names:
        surv = ", ".join(f"{m} {s:.3g}" for m, s in result.survival[n].items()) or "—"
        t.add_row(n, "+".join(result.modalities[n]) or "control", f"{result.volume[n][-1] * 1e9:.4g} mm³", surv,
                  _days(result.time_to_target[n]),
                  "—" if result.growth_delay[n] is None else f"{result.growth_delay[n] / _DAY:.2f} d")
    console.print(t)
    if result.synergy:
        s = Table(title=f"Bliss independence at t = {result.synergy_time / _DAY:.3g} d (effect = 1 − V/V_control)")
        for col in ("combination", "monotherapies", "expected", "observed", "excess", "CI", "verdict"):
            s.add_column(col)
        for row in result.synergy:
            ci = "—" if row["bliss_ci"] is None else f"{row['bliss_ci']:.3f}"
            s.add_row(row["combination"], " × ".join(row["monotherapies"]), f"{row['expected']:.3f}",
                      f"{row['observed']:.3f}", f"{row['bliss_excess']:+.3f}", ci, row["verdict"])
        console.print(s)
    for note in result.notes:
        console.print(f"note: {note}", highlight=False)
    for label, path in (("figure", plot), ("JSON", out)):
        if path is not None:
            console.print(f"wrote {label}: {path}")
