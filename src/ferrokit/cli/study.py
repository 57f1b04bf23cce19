"""``ferrokit study``: run a virtual study (``run``) or a parameter sweep on Dask (``sweep``)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ferrokit import __version__
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli._common import console, err_console, handle_errors, print_json

app = typer.Typer(help="Virtual theranostic studies: particle → PK → MRI → hyperthermia → CDT → response.",
                  no_args_is_help=True)


def check_out_dir(out: Path) -> None:
    """Refuse an output path that is an existing file (before anything is computed or written)."""
    if out.exists() and not out.is_dir():
        raise FerroKitInputError(f"--out {out}: exists and is not a folder")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise FerroKitInputError(f"--out {out}: {parent} is a file, not a folder")
            break


@contextmanager
def stage_progress(enabled: bool):
    """A rich progress display with one bar per study stage; yields the ``progress(stage, done, total)``."""
    from ferrokit.study import STAGES

    if not enabled:
        yield None
        return
    with Progress(TextColumn("{task.description:<14}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=err_console, transient=False) as prog:
        tasks = {s: prog.add_task(s, total=1, start=False) for s in STAGES}

        def update(stage: str, done: int, total: int) -> None:
            task = tasks[stage]
            prog.start_task(task)
            prog.update(task, completed=done, total=max(total, 1))

        yield update


def run_and_write(config, out: Path, *, raw: dict | None, input_files: dict[str, Path] | None,
                  progress: Callable | None, extra_sections: list[dict[str, Any]] | None = None):
    """Run the study, render the report in memory, then write results and report.html (atomically)."""
    from ferrokit.io.atomic import write_text_atomic
    from ferrokit.report import render_report
    from ferrokit.study import StudyResult, run_study, save_results

    result = run_study(config, progress=progress, raw_config=raw, input_files=input_files)
    html = render_report(result, extra_sections=extra_sections)
    files = save_results(result, out)
    files["report.html"] = write_text_atomic(out / "report.html", html)
    return StudyResult(config=result.config, stages=result.stages, provenance=result.provenance,
                       raw_config=raw, files=files)


@app.command("run")
def run_cmd(
    study: Path = typer.Argument(..., help="Study YAML file (every dimensional value with its unit)."),
    out: Path = typer.Option(..., "--out", help="Output folder (created; files are replaced atomically)."),
    as_json: bool = typer.Option(False, "--json", help="Print key numbers, provenance and files as JSON."),
) -> None:
    """Run a study: labelled results (CSV, NetCDF), provenance JSON and a self-contained report.html."""
    handle_errors(_run)(study, out, as_json)


def _run(study: Path, out: Path, as_json: bool) -> None:
    from ferrokit.study import load_study_config

    config, raw = load_study_config(study)
    check_out_dir(out)
    with stage_progress(not as_json) as prog:
        result = run_and_write(config, out, raw=raw, input_files={"study": study}, progress=prog)
    if as_json:
        print_json(result.summary())
        return
    for stage in result.stages.values():
        console.print(f"[bold]{stage.title}[/]")
        for k in stage.key_numbers:
            console.print(f"  {k.label}: {k.display or k.value}")
    console.print(f"\nReport: [bold]{(out / 'report.html').resolve()}[/] ({len(result.files)} files in {out})")


@app.command("sweep")
def sweep_cmd(
    sweep: Path = typer.Argument(..., help="Sweep YAML: study (path or mapping), parameters (path + values)."),
    out: Path = typer.Option(Path("out/sweep"), "--out", help="Output folder for sweep.csv and sweep.png."),
    scheduler: str | None = typer.Option(None, "--scheduler",
                                         help="Dask scheduler address (default: a local cluster of 2 "
                                              "processes; 'synchronous' runs in this process)."),
    workers: int = typer.Option(2, "--workers", min=1, max=64, help="Processes of the local cluster."),
    as_json: bool = typer.Option(False, "--json", help="Print every point's values, status and metrics."),
) -> None:
    """Sweep study fields (dotted paths) on Dask; a failed point is recorded in the table, not fatal."""
    handle_errors(_sweep)(sweep, out, scheduler, workers, as_json)


def _sweep(sweep: Path, out: Path, scheduler: str | None, workers: int, as_json: bool) -> None:
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ferrokit.io.atomic import save_figure_atomic, write_json_atomic, write_text_atomic
    from ferrokit.study import load_sweep_config, run_sweep
    from ferrokit.study.pipeline import _sha256

    cfg, base, files = load_sweep_config(sweep)
    check_out_dir(out)
    if as_json:
        res = run_sweep(cfg, base, scheduler=scheduler, n_workers=workers)
    else:
        with Progress(TextColumn("sweep points"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=err_console) as prog:
            task = prog.add_task("sweep", total=cfg.n_points)
            res = run_sweep(cfg, base, scheduler=scheduler, n_workers=workers,
                            progress=lambda d, n: prog.update(task, completed=d))
    csv_text = res.to_csv()
    fig = res.plot()
    prov = {"ferrokit_version": __version__, "sweep": cfg.model_dump(mode="json"),
            "input_files": {r: {"path": str(p), "sha256": _sha256(p)} for r, p in files.items()},
            "n_points": len(res.rows), "n_failed": res.n_failed}
    json.dumps(prov)  # serialisable before anything is written
    paths = [write_text_atomic(out / "sweep.csv", csv_text), save_figure_atomic(fig, out / "sweep.png"),
             write_json_atomic(out / "sweep_provenance.json", prov)]
    plt.close(fig)
    if as_json:
        print_json({"ferrokit_version": __version__, **res.to_dict(), "files": [str(p) for p in paths]})
        return
    console.print(f"{len(res.rows)} points, {res.n_failed} failed; table [bold]{paths[0]}[/], plots {paths[1]}")
    for i, r in enumerate(res.rows):
        if r["status"] != "ok":
            console.print(f"  point {i} ({r['values']}): {r['error']}", highlight=False)
