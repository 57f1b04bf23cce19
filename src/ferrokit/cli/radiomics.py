"""``ferrokit radiomics``: IBSI-compliant feature extraction (``extract``), the IBSI 1 check (``ibsi-check``),
cohort extraction on Dask (``batch``) and delta radiomics (``delta``)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ferrokit import __version__
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli._common import console, handle_errors, print_json
from ferrokit.io.atomic import write_text_atomic

app = typer.Typer(
    help="IBSI-compliant radiomics: feature extraction and the IBSI 1 digital-phantom check.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

CHECK_HELP = ("Compute every registered feature on the IBSI 1 digital phantom and compare it with the IBSI "
              "consensus value and tolerance (Zwanenburg et al., Radiology 2020). Exit 1 if any feature fails.")
EXTRACT_HELP = ("Extract IBSI 1 features of one image and ROI mask (NIfTI, NRRD or a DICOM series folder). Settings: "
                "--preset or --config YAML, then options on top. Values are in IBSI units (mm, image units).")


@app.callback()
def _group() -> None:
    """IBSI-compliant radiomics."""


# --------------------------------------------------------------------------------------------------- ibsi-check
def ibsi_check(
    family: Annotated[list[str] | None, typer.Option(
        "--family", help="Only this family (repeatable): morphology, local_intensity, statistics, "
                         "intensity_histogram, ivh, glcm, glrlm, glszm, gldzm, ngtdm, ngldm.")] = None,
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    failures_only: bool = typer.Option(False, "--failures", help="Table: show only failing features."),
) -> None:
    handle_errors(run_ibsi_check_cli)(family=family, json_out=json_out, failures_only=failures_only)


app.command(name="ibsi-check", help=CHECK_HELP)(ibsi_check)


def run_ibsi_check_cli(*, family: list[str] | None, json_out: bool, failures_only: bool) -> dict[str, Any]:
    from ferrokit.radiomics.ibsi import allowed_deviation, run_ibsi_check

    check = run_ibsi_check(family)
    payload = check.to_dict()
    if json_out:
        print_json(payload)
    else:
        table = Table(title="IBSI 1 digital phantom: FerroKit vs consensus")
        table.add_column("tag", no_wrap=True, min_width=26)
        for col, just in (("family", "left"), ("code", "left"), ("value", "right"), ("reference", "right"),
                          ("± allowed", "right"), ("", "center")):
            table.add_column(col, justify=just)  # type: ignore[arg-type]
        for r in check.rows:
            if failures_only and r.passed is not False:
                continue
            mark = {True: "[green]pass[/]", False: "[bold red]FAIL[/]", None: "[yellow]no ref[/]"}[r.passed]
            ref = "—" if r.reference is None else f"{r.reference:.4g}"
            tol = "—" if r.reference is None else f"{allowed_deviation(r.reference, r.tolerance or 0.0):.3g}"
            table.add_row(r.tag, r.family, r.code, f"{r.value:.6g}", ref, tol, mark)
        console.print(table)
        summary = Table(title="per family")
        for col in ("family", "passed", "failed", "no reference", "total"):
            summary.add_column(col, justify="left" if col == "family" else "right")
        for fam, c in check.counts().items():
            summary.add_row(fam, str(c["passed"]), str(c["failed"]), str(c["no_reference"]), str(c["total"]))
        console.print(summary)
        console.print(f"{check.n_passed} passed, {check.n_failed} failed, "
                      f"{sum(1 for r in check.rows if r.passed is None)} without reference value", highlight=False)
        if check.references_not_computed:
            console.print(f"{len(check.references_not_computed)} reference values of the selected families "
                          "have no registered feature", highlight=False)
    if check.n_failed:
        raise typer.Exit(1)
    return payload


# ------------------------------------------------------------------------------------------------------ extract
def extract(
    image: Annotated[Path, typer.Argument(help="Image: .nii, .nii.gz, .nrrd/.nhdr or a DICOM folder.")],
    mask: Annotated[Path, typer.Argument(help="ROI mask on the same voxel grid.")],
    preset_name: str | None = typer.Option(None, "--preset", help="ibsi-digital-phantom, ibsi-config-a … -e."),
    config: Annotated[Path | None, typer.Option("--config", help="Settings YAML file.")] = None,
    label: int | None = typer.Option(None, "--label", help="Mask label value of the ROI (default: any non-zero)."),
    bin_number: int | None = typer.Option(None, "--bin-number", help="Fixed bin number discretisation, e.g. 32."),
    bin_width: float | None = typer.Option(None, "--bin-width", help="Fixed bin size (image units), e.g. 25."),
    lower_bound: float | None = typer.Option(None, "--lower-bound", help="Lower bound X_min for --bin-width."),
    resample: str | None = typer.Option(None, "--resample", help="Resample to 1mm or 3mm,1mm,1mm (dz,dy,dx)."),
    resegment: str | None = typer.Option(None, "--range", help="Re-segmentation range 'lower,upper', e.g. -500,400."),
    outlier_sigma: float | None = typer.Option(None, "--outlier-sigma", help="Outlier re-segmentation, e.g. 3."),
    aggregation: Annotated[list[str] | None, typer.Option(
        "--aggregation", help="Texture aggregation (repeatable): 2D_avg, 2D_comb, 2_5D_avg, 2_5D_comb, 3D_avg, "
                              "3D_comb.")] = None,
    family: Annotated[list[str] | None, typer.Option("--family", help="Only this family (repeatable).")] = None,
    json_out: bool = typer.Option(False, "--json", help="Print JSON (features with IBSI codes, settings)."),
    out: Annotated[Path | None, typer.Option("--out", help="Write one tidy CSV row (features + provenance).")] = None,
) -> None:
    handle_errors(run_extract)(image, mask, preset_name=preset_name, config=config, label=label,
                               bin_number=bin_number, bin_width=bin_width, lower_bound=lower_bound,
                               resample=resample, resegment=resegment, outlier_sigma=outlier_sigma,
                               aggregation=aggregation, family=family, json_out=json_out, out=out)


app.command(name="extract", help=EXTRACT_HELP)(extract)


def _parse_range(text: str) -> tuple[float, float]:
    parts = [p.strip() for p in text.split(",")]
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        raise FerroKitInputError(f"--range must be 'lower,upper' (two numbers), got {text!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise FerroKitInputError(f"--range needs finite lower < upper, got {text!r}")
    return lo, hi


def _settings(preset_name: str | None, config: Path | None, **options: Any):
    from ferrokit.radiomics.settings import RadiomicsSettings, load_settings, preset, settings_with_options

    if preset_name is not None and config is not None:
        raise FerroKitInputError("give either --preset or --config, not both")
    base = preset(preset_name) if preset_name else (load_settings(config) if config else RadiomicsSettings())
    return settings_with_options(base, **options)


def run_extract(image: Path, mask: Path, *, preset_name: str | None, config: Path | None, label: int | None,
                bin_number: int | None, bin_width: float | None, lower_bound: float | None, resample: str | None,
                resegment: str | None, outlier_sigma: float | None, aggregation: list[str] | None,
                family: list[str] | None, json_out: bool, out: Path | None) -> dict[str, Any]:
    """Load, validate settings, extract, then write (nothing is written unless everything succeeded)."""
    from ferrokit.radiomics import extract_features

    if out is not None and out.suffix.lower() != ".csv":
        raise FerroKitInputError(f"--out: use a .csv file name, got {out.name!r}")
    settings = _settings(preset_name, config, bin_number=bin_number, bin_width=bin_width, lower_bound=lower_bound,
                         resample=resample, resegment_range=None if resegment is None else _parse_range(resegment),
                         outlier_sigma=outlier_sigma, aggregation=aggregation, families=family)
    from ferrokit.radiomics.batch import load_roi

    img, sel, sp_i, meta_i, meta_m = load_roi(image, mask, label)
    result = extract_features(img, sel, sp_i, settings)
    payload = {"ferrokit_version": __version__, "command": "radiomics extract",
               "image": {"path": str(image), "sha256": meta_i.sha256}, "mask": {"path": str(mask),
               "sha256": meta_m.sha256}, "label": label, **result.to_dict()}
    if out is not None:
        row = result.to_row(image=str(image), mask=str(mask), label=label, image_sha256=meta_i.sha256,
                            mask_sha256=meta_m.sha256)
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
        write_text_atomic(out, buf.getvalue())
    if json_out:
        print_json(payload)
    else:
        table = Table(title=f"IBSI features of {Path(image).name} ({result.provenance['n_voxels_intensity']} voxels)")
        for col in ("tag", "family", "code", "value"):
            table.add_column(col, justify="right" if col == "value" else "left")
        for tag, fe in payload["features"].items():
            table.add_row(tag, fe["family"], fe["ibsi_code"], f"{fe['value']:.6g}")
        console.print(table)
        if out is not None:
            console.print(f"wrote features: {out}", highlight=False)
    return payload


# -------------------------------------------------------------------------------------------------------- batch
BATCH_HELP = ("Extract features of every case of a manifest (CSV/Parquet: id, image, mask, optional label, outcome "
              "and clinical columns) on Dask into one tidy table (CSV or Parquet) with provenance columns. Resumes "
              "an existing output (cases with status ok are kept); a failing case is recorded, not fatal.")


def batch(
    manifest: Annotated[Path, typer.Argument(help="Manifest CSV/Parquet: id, image, mask[, label, ...].")],
    preset_name: str | None = typer.Option(None, "--preset", help="ibsi-digital-phantom, ibsi-config-a … -e."),
    config: Annotated[Path | None, typer.Option("--config", help="Settings YAML file.")] = None,
    bin_number: int | None = typer.Option(None, "--bin-number", help="Fixed bin number discretisation, e.g. 32."),
    bin_width: float | None = typer.Option(None, "--bin-width", help="Fixed bin size (image units), e.g. 25."),
    lower_bound: float | None = typer.Option(None, "--lower-bound", help="Lower bound X_min for --bin-width."),
    resample: str | None = typer.Option(None, "--resample", help="Resample to 1mm or 3mm,1mm,1mm (dz,dy,dx)."),
    resegment: str | None = typer.Option(None, "--range", help="Re-segmentation range 'lower,upper', e.g. -500,400."),
    outlier_sigma: float | None = typer.Option(None, "--outlier-sigma", help="Outlier re-segmentation, e.g. 3."),
    aggregation: Annotated[list[str] | None, typer.Option(
        "--aggregation", help="Texture aggregation (repeatable): 2D_avg, 2D_comb, 2_5D_avg, 2_5D_comb, 3D_avg, "
                              "3D_comb.")] = None,
    family: Annotated[list[str] | None, typer.Option("--family", help="Only this family (repeatable).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output table: .csv or .parquet.")] = Path("features.csv"),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address (default: a local "
                                         "cluster of --workers processes; 'synchronous' runs in this process)."),
    workers: int = typer.Option(2, "--workers", min=1, max=64, help="Processes of the local cluster."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Recompute every case (needed if settings changed)."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary (counts, failures, settings)."),
) -> None:
    handle_errors(run_batch_cli)(manifest, preset_name=preset_name, config=config, bin_number=bin_number,
                                 bin_width=bin_width, lower_bound=lower_bound, resample=resample, resegment=resegment,
                                 outlier_sigma=outlier_sigma, aggregation=aggregation, family=family, out=out,
                                 scheduler=scheduler, workers=workers, overwrite=overwrite, json_out=json_out)


app.command(name="batch", help=BATCH_HELP)(batch)


def run_batch_cli(manifest: Path, *, preset_name: str | None, config: Path | None, bin_number: int | None,
                  bin_width: float | None, lower_bound: float | None, resample: str | None, resegment: str | None,
                  outlier_sigma: float | None, aggregation: list[str] | None, family: list[str] | None, out: Path,
                  scheduler: str | None, workers: int, overwrite: bool, json_out: bool) -> dict[str, Any]:
    """Validate manifest and settings (nothing written on bad input), run the batch, report failures."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ferrokit.cli._common import err_console
    from ferrokit.io.tables import table_format
    from ferrokit.radiomics.batch import read_manifest, run_batch

    table_format(out)
    settings = _settings(preset_name, config, bin_number=bin_number, bin_width=bin_width, lower_bound=lower_bound,
                         resample=resample, resegment_range=None if resegment is None else _parse_range(resegment),
                         outlier_sigma=outlier_sigma, aggregation=aggregation, families=family)
    cases = read_manifest(manifest)
    if json_out:
        result = run_batch(cases, settings, out=out, scheduler=scheduler, n_workers=workers, overwrite=overwrite)
    else:
        with Progress(TextColumn("radiomics cases"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=err_console, transient=True) as prog:
            task = prog.add_task("cases", total=len(cases))
            result = run_batch(cases, settings, out=out, scheduler=scheduler, n_workers=workers, overwrite=overwrite,
                               progress=lambda d, n: prog.update(task, completed=d))
    payload = {"ferrokit_version": __version__, "command": "radiomics batch", "manifest": str(manifest),
               **result.to_dict(), "settings": settings.model_dump(mode="json")}
    if json_out:
        print_json(payload)
    else:
        console.print(f"{result.n_cases} cases: {result.n_cases - result.n_failed} ok "
                      f"({result.n_skipped} kept from the existing table), {result.n_failed} failed; "
                      f"{payload['n_features']} features → {out}", highlight=False)
        for cid, err in result.failures[:20]:
            console.print(f"  {cid}: {err}", highlight=False, soft_wrap=True)
    if result.n_failed:
        err_console.print(f"[yellow]warning:[/] {result.n_failed} of {result.n_cases} cases failed (status/error "
                          f"columns of {out.name})", highlight=False, soft_wrap=True)
    return payload


# -------------------------------------------------------------------------------------------------------- delta
DELTA_HELP = ("Delta radiomics: join two feature tables (e.g. before and after an iron oxide agent) by case id "
              "and write post − pre, or (post − pre)/|pre| with --relative (0 if both are 0, NaN if only pre is 0).")


def delta(
    pre: Annotated[Path, typer.Argument(help="Feature table before (CSV/Parquet from 'radiomics batch').")],
    post: Annotated[Path, typer.Argument(help="Feature table after, same settings.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the delta table (.csv or .parquet).")] = None,
    relative: bool = typer.Option(False, "--relative", help="(post − pre)/|pre| instead of post − pre."),
    allow_different_settings: bool = typer.Option(
        False, "--allow-different-settings", help="Accept cases whose settings_hash differs between the tables."),
    json_out: bool = typer.Option(False, "--json", help="Print the delta table as JSON."),
) -> None:
    handle_errors(run_delta_cli)(pre, post, out=out, relative=relative,
                                 allow_different_settings=allow_different_settings, json_out=json_out)


app.command(name="delta", help=DELTA_HELP)(delta)


def run_delta_cli(pre: Path, post: Path, *, out: Path | None, relative: bool, allow_different_settings: bool,
                  json_out: bool) -> dict[str, Any]:
    from ferrokit.io.tables import read_table, table_format, write_table
    from ferrokit.radiomics.delta import delta_features

    if out is not None:
        table_format(out)
    res = delta_features(read_table(pre), read_table(post), relative=relative,
                         require_same_settings=not allow_different_settings)
    if out is not None:
        write_table(res.table, out)
    payload = {"ferrokit_version": __version__, "command": "radiomics delta", "pre": str(pre), "post": str(post),
               "out": None if out is None else str(out), **res.to_dict()}
    if json_out:
        print_json(payload)
        return payload
    tags = [c for c in res.table.columns if c not in ("id", "ferrokit_version", "delta", "pre_settings_hash",
                                                      "post_settings_hash", "status", "error")]
    console.print(f"{len(res.table)} cases joined by id, {payload['n_failed']} failed, {res.n_undefined} undefined "
                  f"relative changes; {len(res.unmatched_pre)} only in pre, {len(res.unmatched_post)} only in post"
                  + (f"; wrote {out}" if out is not None else ""), highlight=False)
    if out is None:
        table = Table(title=f"{'relative' if relative else 'absolute'} change (first columns)")
        shown = tags[:6]
        for col in ("id", *shown):
            table.add_column(col, justify="left" if col == "id" else "right")
        for r in res.table.rows[:20]:
            table.add_row(str(r["id"]), *("—" if r[t] is None else f"{r[t]:.4g}" if isinstance(r[t], float)
                                          else str(r[t]) for t in shown))
        console.print(table)
    return payload


# `ferrokit radiomics model`: rad-score, nomogram and evaluation (implemented in cli/radiomics_model.py)
from ferrokit.cli.radiomics_model import MODEL_HELP, model_command  # noqa: E402

app.command(name="model", help=MODEL_HELP)(model_command)
