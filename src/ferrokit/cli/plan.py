"""``ferrokit hyperthermia plan``: run a treatment plan YAML → temperature/dose maps, curves, summary."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ferrokit import __version__
from ferrokit.cli._common import console, err_console, handle_errors, print_json
from ferrokit.constants import ZERO_CELSIUS

HELP = ("Run a hyperthermia treatment plan (YAML): 3D Pennes bioheat with the particle heat source, field "
        "control, CEM43/Arrhenius dose. Writes NIfTI maps, PNG slices, curves (CSV/PNG) and summary.json.")


def _c(entry) -> str:
    return "—" if entry is None or entry.get("value") is None else f"{entry['value'] - ZERO_CELSIUS:.2f} °C"


def _table(summary: dict) -> Table:
    t = Table(title="hyperthermia plan")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    rows = [("SLP source", summary["slp_source"]),
            ("iron mass", f"{summary['iron_mass']['value'] * 1e6:.3g} mg"),
            ("frequency", f"{summary['frequency']['value'] / 1e3:.4g} kHz"),
            ("max amplitude allowed", f"{summary['max_amplitude_allowed']['value'] / 1e3:.3g} kA/m"),
            ("final amplitude", f"{summary['amplitude_final']['value'] / 1e3:.3g} kA/m"),
            ("steps × dt", f"{summary['steps']} × {summary['dt']['value']:.4g} s ({summary['scheme']}, "
                           f"{summary['solver']})")]
    if "tumour_t90_final" in summary:
        rows += [("tumour T90 (final)", _c(summary["tumour_t90_final"])),
                 ("tumour max", _c(summary["tumour_max_temperature"])),
                 ("tumour CEM43T90", f"{summary['tumour_cem43_t90']['value'] / 60:.3g} min")]
    rows.append(("healthy tissue max", _c(summary["healthy_max_temperature"])))
    ctrl = summary.get("control")
    if ctrl:
        ss = ctrl["steady_state"]
        rows += [("target T90", _c(ctrl["target_t90"])),
                 ("reachable (steady state)", "yes" if ss["reachable"] else "NO"),
                 ("reached in this run", "yes" if ctrl["reached_in_run"] else "no")]
        if ctrl.get("healthy_limit_respected") is not None:
            rows.append(("healthy limit respected", "yes" if ctrl["healthy_limit_respected"] else "NO (overshoot)"))
    for chk in summary.get("field_limit_checks", []):
        rows.append((f"H·f vs {chk['name']}", "EXCEEDED" if chk["exceeded"] else "within"))
    for k, v in rows:
        t.add_row(k, str(v))
    return t


def plan_command(
    plan_file: Path = typer.Argument(..., help="Plan YAML file."),
    out: Path = typer.Option(Path("out/plan"), "--out", "-o", help="Output folder."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON instead of a table."),
    no_progress: bool = typer.Option(False, "--no-progress", help="Hide the progress bar."),
) -> None:
    handle_errors(_plan)(plan_file, out, json_out, no_progress)


def _plan(plan_file: Path, out: Path, json_out: bool, no_progress: bool) -> None:
    from ferrokit.hyperthermia.plan import run_plan
    from ferrokit.io.plan_files import load_plan_arrays, read_plan, write_plan_outputs

    config = read_plan(plan_file)
    arrays = load_plan_arrays(config, plan_file.parent)
    t0 = time.perf_counter()
    show = not (json_out or no_progress)
    with Progress(TextColumn("bioheat"), BarColumn(), TextColumn("{task.completed}/{task.total} steps"),
                  TimeRemainingColumn(), console=err_console, disable=not show, transient=True) as bar:
        task = bar.add_task("plan", total=None)

        def progress(i: int, n: int) -> None:
            bar.update(task, completed=i, total=n)

        result = run_plan(config, arrays=arrays, progress=progress)
    elapsed = time.perf_counter() - t0
    extra = {"ferrokit_version": __version__, "plan_file": str(plan_file), "run_time": {"value": elapsed,
                                                                                        "unit": "s"}}
    files = write_plan_outputs(result, out, nifti=config.outputs.nifti, png=config.outputs.png, extra=extra)
    if json_out:
        print_json({**extra, "summary": result.summary, "files": [str(f) for f in files]})
    else:
        console.print(_table(result.summary))
        console.print(f"wrote {len(files)} files to {out} in {elapsed:.1f} s")


def _app() -> typer.Typer:
    """A one-command Typer app (for tests and standalone use); the main CLI registers :func:`plan_command`."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command(name="plan", help=HELP)(plan_command)

    @app.callback()
    def _group() -> None:
        """Hyperthermia planning."""

    return app
