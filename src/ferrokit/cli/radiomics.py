"""``ferrokit radiomics``: IBSI-compliant feature extraction (``extract``) and the IBSI 1 check (``ibsi-check``)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Annotated, Any

import numpy as np
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


def _load(path: Path) -> tuple[np.ndarray, tuple[float, float, float], Any]:
    """Read an image with ferrokit.io.images and convert it to the radiomics convention.

    ``read_image`` returns arrays indexed (x, y, z) with spacing in metres; the radiomics engine takes
    (z, y, x) arrays with spacing (dz, dy, dx) in mm.
    """
    from ferrokit.io.images import read_image

    img = read_image(path)
    arr = img.array
    if arr.ndim == 4 and arr.shape[3] == 1:
        arr = arr[..., 0]
    if arr.ndim != 3:
        raise FerroKitInputError(f"{Path(path).name}: expected a 3D image, got shape {arr.shape}")
    spacing_mm = tuple(1e3 * float(s) for s in img.spacing)
    return np.ascontiguousarray(arr.transpose(2, 1, 0)), (spacing_mm[2], spacing_mm[1], spacing_mm[0]), img


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
    from ferrokit.io.images import check_same_geometry

    img, sp_i, meta_i = _load(image)
    roi, _, meta_m = _load(mask)
    check_same_geometry(meta_i, meta_m, what="image and mask geometry")
    if label is not None:
        sel = roi == label
        if not sel.any():
            raise FerroKitInputError(f"--label {label}: no voxel of the mask has this value")
    else:
        sel = roi != 0
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
