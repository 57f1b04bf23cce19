"""``ferrokit radiomics model``: rad-score (LASSO-logistic or LASSO-Cox) and nomogram from a cohort feature table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ferrokit import __version__
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli._common import console, err_console, handle_errors, print_json

MODEL_HELP = ("Fit a rad-score (LASSO-logistic for a binary --outcome, LASSO-Cox for --time/--event) on a cohort "
              "feature table (CSV, one row per case), combine it with --clinical columns in a nomogram, and "
              "evaluate out-of-fold (GroupKFold with --group): AUC or Harrell's C with bootstrap 95 % CI, "
              "calibration, decision curve, Kaplan–Meier risk groups. Writes PNG figures and metrics.json to "
              "--out-dir.")


def _read_csv(path: Path, what: str):
    import pandas as pd

    if not path.is_file():
        raise FileNotFoundError(2, "No such file", str(path))
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise FerroKitInputError(f"{what} {path}: not a readable CSV ({' '.join(str(exc).split())})") from None
    if table.empty:
        raise FerroKitInputError(f"{what} {path}: no rows")
    return table


@handle_errors
def model_command(
    table: Annotated[Path, typer.Argument(help="Cohort CSV: one row per case, feature + outcome columns.")],
    outcome: Annotated[str | None, typer.Option(help="Binary (0/1) outcome column → LASSO-logistic.")] = None,
    time: Annotated[str | None, typer.Option(help="Follow-up time column (> 0) → LASSO-Cox (with --event).")] = None,
    event: Annotated[str | None, typer.Option(help="Event indicator column (1 event, 0 censored).")] = None,
    clinical: Annotated[str | None, typer.Option(help="Comma-separated numeric clinical columns for the "
                                                      "nomogram, e.g. age,stage.")] = None,
    features_prefix: Annotated[str | None, typer.Option(help="Use the columns starting with this prefix as "
                                                             "features (default: all other numeric columns).")] = None,
    group: Annotated[str | None, typer.Option(help="Group column (patient, centre) for GroupKFold.")] = None,
    icc_table: Annotated[Path | None, typer.Option(help="Long CSV of repeated segmentations (id, segmentation, "
                                                        "features); keeps features with ICC(2,1) ≥ 0.75.")] = None,
    id_column: Annotated[str, typer.Option(help="Case-id column.")] = "id",
    correlation: Annotated[float, typer.Option(help="Correlation filter threshold |r|.")] = 0.9,
    folds: Annotated[int, typer.Option(help="Cross-validation folds (≥ 2).")] = 5,
    n_boot: Annotated[int, typer.Option(help="Bootstrap resamples for the CIs (≥ 100).")] = 1000,
    min_events: Annotated[int, typer.Option(help="Minimum events (and non-events) required.")] = 10,
    out_dir: Annotated[Path, typer.Option(help="Folder for figures and metrics.json.")] = Path("radiomics_model"),
    json_out: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed (folds, bootstrap).")] = 0,
) -> None:
    """Rad-score and nomogram modelling with out-of-fold evaluation."""
    run_model_cli(table, outcome=outcome, time=time, event=event, clinical=clinical, features_prefix=features_prefix,
                  group=group, icc_path=icc_table, id_column=id_column, correlation=correlation, folds=folds,
                  n_boot=n_boot, min_events=min_events, out_dir=out_dir, json_out=json_out, seed=seed)


model_command.__doc__ = MODEL_HELP


def run_model_cli(table_path: Path, *, outcome, time, event, clinical, features_prefix, group, icc_path, id_column,
                  correlation, folds, n_boot, min_events, out_dir: Path, json_out: bool, seed: int) -> dict[str, Any]:
    """Load, model, then write every figure and metrics.json (only after all computing succeeded)."""
    from ferrokit.radiomics.modelling_pipeline import model_cohort

    if folds < 2:
        raise FerroKitInputError(f"--folds must be ≥ 2, got {folds}")
    if out_dir.exists() and not out_dir.is_dir():
        raise FerroKitInputError(f"--out-dir {out_dir} exists and is not a folder")
    table = _read_csv(table_path, "table")
    repeats = _read_csv(icc_path, "--icc-table") if icc_path is not None else None
    clin = [c.strip() for c in clinical.split(",") if c.strip()] if clinical else []
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=json_out) as bar:
        task = bar.add_task("fitting rad-score and cross-validating", total=folds + 1)
        result = model_cohort(table, features_prefix=features_prefix, outcome=outcome, time=time, event=event,
                              clinical=clin, group=group, icc_repeats=repeats, id_column=id_column,
                              correlation_threshold=correlation, n_splits=folds, n_boot=n_boot,
                              min_events=min_events, rng=seed, progress=lambda: bar.advance(task))
    import hashlib

    inputs = {"table": {"path": str(table_path), "sha256": hashlib.sha256(table_path.read_bytes()).hexdigest()}}
    if icc_path is not None:
        inputs["icc_table"] = {"path": str(icc_path), "sha256": hashlib.sha256(icc_path.read_bytes()).hexdigest()}
    payload = {"ferrokit_version": __version__, "inputs": inputs,
               "options": {"outcome": outcome, "time": time, "event": event, "clinical": clin,
                           "features_prefix": features_prefix, "group": group, "correlation": correlation,
                           "folds": folds, "n_boot": n_boot, "min_events": min_events},
               **result.to_dict()}
    figures = _draw(result, out_dir)
    payload["figures"] = figures
    from ferrokit.io.atomic import write_json_atomic

    write_json_atomic(out_dir / "metrics.json", _jsonable(payload))
    if json_out:
        print_json(payload)
    else:
        _print_table(payload)
    return payload


def _draw(result, out_dir: Path) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ferrokit.io.atomic import save_figure_atomic

    written = {}
    for name, draw in result.figures().items():
        ax = draw()
        try:
            path = out_dir / f"{name}.png"
            save_figure_atomic(ax.figure, path)
            written[name] = str(path)
        finally:
            plt.close(ax.figure)
    return written


def _jsonable(payload):
    from ferrokit._shared.jsonutil import jsonable

    return jsonable(payload)


def _print_table(p: dict[str, Any]) -> None:
    t = Table(title=f"rad-score model ({p['model']}, {p['n_cases']} cases, {p['n_events']} events)")
    t.add_column("quantity")
    t.add_column("value")
    for key, label in (("radscore_performance", "rad-score"), ("model_performance", "nomogram")):
        e = p[key]
        t.add_row(f"{label} {e['name']} (out-of-fold)", f"{e['value']:.3f} [{e['ci_low']:.3f}, {e['ci_high']:.3f}]")
    t.add_row("selected features", ", ".join(p["radscore"]["selected"]) or "none")
    t.add_row("calibration slope", f"{p['calibration']['slope']:.3f}")
    if p["risk_groups"]:
        t.add_row("log-rank p (median split)", f"{p['risk_groups']['logrank_p']:.3g}")
    t.add_row("figures", ", ".join(p["figures"].values()))
    console.print(t)
