"""``ferrokit relaxometry``: T1/T2/T2* maps and per-label fits from images or relaxometer tables; r1/r2 fits."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.progress import Progress
from rich.table import Table

from ferrokit import __version__
from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli._common import console, handle_errors, print_json
from ferrokit.io.atomic import save_figure_atomic, write_json_atomic, write_text_atomic
from ferrokit.io.images import Image, check_same_geometry, read_image, write_nifti
from ferrokit.io.relaxometry import read_rates_table, read_relaxation_table
from ferrokit.mri.relaxivity_fit import WEIGHTINGS, fit_relaxivity
from ferrokit.mri.relaxometry import RelaxometryFit, fit_curve, fit_labels, fit_map

app = typer.Typer(help="Relaxometry: T1/T2/T2* from images or relaxometer tables; relaxivity from rates.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

_TABLE_EXT = (".csv", ".tsv", ".txt")
_META = {"ir": "inversion_time", "sr": "inversion_time", "vfa": "flip_angle", "T2": "echo_time",
         "T2*": "echo_time"}
_OPT = {"inversion_time": "--ti", "flip_angle": "--flip-angles", "echo_time": "--te"}

ImagesArg = Annotated[list[Path], typer.Argument(
    help="One 4D image, several 3D images (one per TI/TE/flip angle), DICOM series folders, or one CSV table.")]
LabelsOpt = Annotated[Path | None, typer.Option("--labels", help="Label map (tubes/ROIs, integers > 0).")]
MaskOpt = Annotated[Path | None, typer.Option("--mask", help="ROI mask (voxels > 0 are fitted).")]
OutOpt = Annotated[Path | None, typer.Option("--out-dir", help="Write maps (NIfTI), a label table (CSV), a "
                                                               "plot (PNG) and result.json here.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (SI values with units).")]
ThrOpt = Annotated[float, typer.Option("--threshold", help="Without labels/mask: fit voxels whose maximum "
                                                           "signal exceeds this fraction of the image maximum.")]


@app.callback()
def _group() -> None:
    """Relaxometry."""


def parse_list(text: str, dimension: str, name: str) -> np.ndarray:
    """``"10,20,40ms"`` or ``"10ms,20ms"`` → SI array; bare numbers take the unit of the last item."""
    items = [s.strip() for s in text.split(",") if s.strip()]
    if not items:
        raise FerroKitInputError(f"{name}: empty list")
    if dimension == "angle":
        m = items[-1].lower()
        unit = "deg" if m.endswith(("deg", "°")) else "rad" if m.endswith("rad") else None
        if unit is None:
            raise FerroKitInputError(f"{name}: give a unit, e.g. '2,5,10,15deg'")
        out = []
        for s in items:
            v = s.lower().removesuffix("deg").removesuffix("°").removesuffix("rad").strip()
            try:
                x = float(v)
            except ValueError:
                raise FerroKitInputError(f"{name}: cannot read {s!r}") from None
            out.append(math.radians(x) if unit == "deg" else x)
        return np.array(out)
    last_unit = items[-1].lstrip("+-.0123456789eE ").strip()
    if not last_unit:
        raise FerroKitInputError(f"{name}: {text!r} has no unit; e.g. '10,20,40ms'")
    vals = []
    for s in items:
        has_unit = bool(s.lstrip("+-.0123456789eE ").strip())
        vals.append(parse_quantity(s if has_unit else f"{s} {last_unit}", dimension, name=name))
    return np.array(vals)


def _load_series(paths: list[Path]) -> tuple[np.ndarray, Image, list[Image]]:
    imgs = [read_image(p) for p in paths]
    if len(imgs) == 1:
        if imgs[0].array.ndim != 4:
            raise FerroKitInputError(f"{paths[0].name} is 3D; give a 4D series or one 3D image per TI/TE")
        return imgs[0].array, imgs[0], imgs
    for im in imgs:
        if im.array.ndim != 3:
            raise FerroKitInputError(f"{Path(im.source).name} is {im.array.ndim}D; mix no 4D images into a "
                                     "list of 3D images")
        check_same_geometry(imgs[0], im, what="series images")
    return np.stack([im.array for im in imgs], axis=-1), imgs[0], imgs


def _times_from_headers(imgs: list[Image], key: str, m: int) -> np.ndarray | None:
    vals: list[float] = []
    for im in imgs:
        v = im.metadata.get(key)
        if v is None:
            return None
        vals.extend(v if isinstance(v, list) else [v])
    return np.array(vals) if len(vals) == m else None


def _tr_from_headers(imgs: list[Image]) -> float | None:
    vals = []
    for im in imgs:
        v = im.metadata.get("repetition_time")
        if v is None:
            return None
        vals.extend(v if isinstance(v, list) else [v])
    if np.ptp(vals) > 1e-9:
        raise FerroKitInputError("the images have different repetition times; VFA needs one TR (give --tr)")
    return float(vals[0])


def _run(quantity: str, model: str, paths: list[Path], *, times_opt: str | None, tr_opt: str | None,
         labels_path: Path | None, mask_path: Path | None, out_dir: Path | None, json_out: bool,
         threshold: float, noise_sigma: str | None, drop_first_echo: bool, b1: float) -> dict[str, Any]:
    """Load and validate everything, fit, then write: nothing is written unless all inputs were valid."""
    if not paths:
        raise FerroKitInputError("give at least one image or table")
    key = _META["T2" if quantity != "T1" else model]
    dim = "angle" if key == "flip_angle" else "time"
    times = None if times_opt is None else parse_list(times_opt, dim, _OPT[key])
    tr = None if tr_opt is None else parse_quantity(tr_opt, "time", name="--tr")
    sigma = None if noise_sigma is None else float(noise_sigma)
    if not 0 <= threshold < 1:
        raise FerroKitInputError(f"--threshold must lie in [0, 1), got {threshold:g}")
    common = {"quantity": quantity, "model": model, "noise_sigma": sigma, "drop_first_echo": drop_first_echo}
    payload: dict[str, Any] = {"ferrokit_version": __version__, "command": f"relaxometry {quantity.lower()}",
                               "quantity": quantity, "model": model}
    fits: dict[str, RelaxometryFit]
    relmap = None
    ref: Image | None = None
    if len(paths) == 1 and paths[0].suffix.lower() in _TABLE_EXT:
        if labels_path or mask_path:
            raise FerroKitInputError("--labels/--mask apply to images, not to a table")
        if times is not None:
            raise FerroKitInputError(f"{paths[0].name} gives the times; drop {_OPT[key]}")
        table = read_relaxation_table(paths[0])
        want = {"inversion_time": ("inversion", "saturation", "time"), "echo_time": ("echo", "time"),
                "flip_angle": ("flip",)}[key]
        if table.kind not in want:
            raise FerroKitInputError(f"{paths[0].name}: its {table.columns['time'][0]!r} column does not fit "
                                     f"a {quantity} ({model}) fit")
        fits = {lab: fit_curve(s, t, tr=tr, **common) for lab, (t, s) in table.curves().items()}
        payload["input"] = table.to_dict()
    else:
        series, ref, imgs = _load_series(paths)
        m = series.shape[-1]
        source = _OPT[key]
        if times is None:
            times = _times_from_headers(imgs, key, m)
            source = "image headers"
            if times is None:
                raise FerroKitInputError(f"no {key.replace('_', ' ')} in the image headers; give {_OPT[key]}")
        if times.size != m:
            raise FerroKitInputError(f"{_OPT[key]} lists {times.size} values for {m} images/volumes")
        if model == "vfa" and tr is None:
            tr = _tr_from_headers(imgs)
            if tr is None:
                raise FerroKitInputError("no repetition time in the image headers; give --tr")
        payload["input"] = [im.to_dict() for im in imgs]
        payload["times_source"] = source
        lab = None
        if labels_path is not None:
            li = read_image(labels_path)
            check_same_geometry(ref, li, what="image and label map")
            lab = np.rint(li.array).astype(np.int64)
        if mask_path is not None:
            mi = read_image(mask_path)
            check_same_geometry(ref, mi, what="image and mask")
            msk = mi.array > 0
            if not msk.any():
                raise FerroKitInputError(f"{mask_path.name}: the mask is empty")
            lab = msk.astype(np.int64) if lab is None else np.where(msk, lab, 0)
        if lab is None:
            peak = series.max(axis=-1)
            lab = (peak > threshold * peak.max()).astype(np.int64)
        if lab.ndim == 4:
            raise FerroKitInputError("the label map / mask must be 3D")
        if not (lab > 0).any():
            raise FerroKitInputError("the label map / mask is empty (no voxel > 0)")
        fits = {str(k): v for k, v in fit_labels(series, times, lab, tr=tr, b1=b1, **common).items()}
        if out_dir is not None:
            n = int((lab > 0).sum())
            with Progress(console=console, transient=True, disable=json_out or n < 50000) as bar:
                task = bar.add_task(f"fitting {quantity} in {n} voxels", total=n)
                relmap = fit_map(series, times, mask=lab > 0, tr=tr, b1=b1,
                                 progress=lambda done, total: bar.update(task, completed=done), **common)
            payload["map"] = relmap.to_dict()
    payload["labels"] = {k: f.to_dict() for k, f in fits.items()}
    if out_dir is not None:
        payload["outputs"] = _write_outputs(out_dir, quantity, fits, relmap, ref, payload)
    if json_out:
        print_json(payload)
    else:
        _show(quantity, model, fits, payload.get("outputs", []))
    return payload


def _label_csv(quantity: str, fits: dict[str, RelaxometryFit]) -> str:
    names = sorted({k for f in fits.values() for k in f.params if k != "rate"})
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["label", f"{quantity} (s)", f"{quantity} stderr (s)", "model", *names,
                *[f"{n} stderr" for n in names], "n_points", "n_voxels", "dof", "residual_std", "converged"])
    for lab, f in fits.items():
        w.writerow([lab, f"{f.value:.6g}", f"{f.stderr:.3g}", f.model, *[f"{f.params.get(n, math.nan):.6g}"
                    for n in names], *[f"{f.param_stderr.get(n, math.nan):.3g}" for n in names], f.times.size,
                    f.n_voxels, f.dof, f"{f.residual_std:.4g}", f.converged])
    return buf.getvalue()


def _write_outputs(out_dir: Path, quantity: str, fits, relmap, ref: Image | None, payload) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    key = quantity.lower().replace("*", "star")
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for lab, f in list(fits.items())[:12]:
        f.plot(ax=ax, label=f"label {lab}")
    ax.set_title(f"{quantity} fits ({len(fits)} label(s))")
    written = []
    try:
        if relmap is not None:
            for name, arr in sorted(relmap.maps.items()):
                written.append(str(write_nifti(out_dir / f"{name if name.startswith(key) else key + '_' + name}"
                                               ".nii.gz", arr, like=ref)))
        written.append(str(write_text_atomic(out_dir / f"{key}_labels.csv", _label_csv(quantity, fits))))
        written.append(str(save_figure_atomic(fig, out_dir / f"{key}_fit.png")))
    finally:
        plt.close(fig)
    res = out_dir / f"{key}_result.json"
    written.append(str(res))
    write_json_atomic(res, {**payload, "outputs": written})
    return written


def _show(quantity: str, model: str, fits, outputs) -> None:
    table = Table(title=f"{quantity} ({model})")
    for col in ("label", f"{quantity} (ms)", "± (ms)", "points", "voxels", "notes"):
        table.add_column(col)
    for lab, f in fits.items():
        table.add_row(lab, f"{f.value * 1e3:.4g}", f"{f.stderr * 1e3:.2g}", str(f.times.size), str(f.n_voxels),
                      "; ".join(f.notes))
    console.print(table)
    for p in outputs:
        console.print(f"wrote {p}", highlight=False)


@app.command("t1", help="T1 from inversion recovery (ir: magnitude, polarity restored, a + b e^(-TI/T1)), "
                        "saturation recovery (sr) or variable flip angle (vfa, DESPOT1; needs TR).")
def t1(images: ImagesArg,
       ti: Annotated[str | None, typer.Option("--ti", help="Inversion/saturation times, e.g. 50,100,200ms.")] = None,
       flip_angles: Annotated[str | None, typer.Option("--flip-angles", help="VFA flip angles, e.g. 2,5,10deg.")]
       = None,
       tr: Annotated[str | None, typer.Option("--tr", help="Repetition time (VFA), e.g. 15ms.")] = None,
       method: Annotated[str, typer.Option("--method", help="ir, sr or vfa.")] = "ir",
       b1: Annotated[float, typer.Option("--b1", help="Flip-angle scale (VFA), 1 = nominal.")] = 1.0,
       labels: LabelsOpt = None, mask: MaskOpt = None, out_dir: OutOpt = None, json_out: JsonOpt = False,
       threshold: ThrOpt = 0.05) -> None:
    def run():
        if method not in ("ir", "sr", "vfa"):
            raise FerroKitInputError(f"--method must be ir, sr or vfa; got {method!r}")
        if method == "vfa" and ti is not None:
            raise FerroKitInputError("--ti does not apply to --method vfa; give --flip-angles")
        if method != "vfa" and flip_angles is not None:
            raise FerroKitInputError("--flip-angles applies to --method vfa only")
        return _run("T1", method, images, times_opt=flip_angles if method == "vfa" else ti, tr_opt=tr,
                    labels_path=labels, mask_path=mask, out_dir=out_dir, json_out=json_out, threshold=threshold,
                    noise_sigma=None, drop_first_echo=False, b1=b1)

    handle_errors(run)()


def _t2_like(quantity: str):
    default = "offset" if quantity == "T2" else "exp"

    def command(images: ImagesArg,
                te: Annotated[str | None, typer.Option("--te", help="Echo times, e.g. 10,20,30,40ms.")] = None,
                model: Annotated[str, typer.Option("--model", help="exp, offset or rician (noise floor).")]
                = default,
                noise_sigma: Annotated[str | None, typer.Option(
                    "--noise-sigma", help="Known per-channel noise σ (signal units) for --model rician.")] = None,
                drop_first_echo: Annotated[bool, typer.Option("--drop-first-echo",
                                                              help="Discard the first echo.")] = False,
                labels: LabelsOpt = None, mask: MaskOpt = None, out_dir: OutOpt = None, json_out: JsonOpt = False,
                threshold: ThrOpt = 0.05) -> None:
        def run():
            if noise_sigma is not None:
                try:
                    float(noise_sigma)
                except ValueError:
                    raise FerroKitInputError(f"--noise-sigma must be a number, got {noise_sigma!r}") from None
            return _run(quantity, model, images, times_opt=te, tr_opt=None, labels_path=labels, mask_path=mask,
                        out_dir=out_dir, json_out=json_out, threshold=threshold, noise_sigma=noise_sigma,
                        drop_first_echo=drop_first_echo, b1=1.0)

        handle_errors(run)()

    return command


app.command("t2", help="T2 from a multi-echo spin echo (offset, Rician noise-floor or plain exponential).")(
    _t2_like("T2"))
app.command("t2star", help="T2* from a multi-echo gradient echo.")(_t2_like("T2*"))


@app.command("relaxivity", help="r1/r2/r2* by weighted regression of rates on Fe concentration (CSV with "
                                "'concentration (mM)' or '(mg Fe/mL)' and R1/R2/R2* or T1/T2/T2* columns).")
def relaxivity(rates: Annotated[Path, typer.Argument(help="CSV/TSV table of rates vs concentration.")],
               rate: Annotated[str | None, typer.Option("--rate", help="R1, R2 or R2* (default: every one "
                                                                       "in the file).")] = None,
               model: Annotated[str, typer.Option("--model", help="linear or quadratic.")] = "linear",
               weighting: Annotated[str, typer.Option("--weighting", help="1/y (default), 1/y2 or none.")] = "1/y",
               plot: Annotated[Path | None, typer.Option("--plot", help="Write a figure (PNG/PDF/SVG).")] = None,
               out: Annotated[Path | None, typer.Option("--out", help="Also write the JSON here.")] = None,
               json_out: JsonOpt = False) -> None:
    def run():
        if weighting not in WEIGHTINGS:
            raise FerroKitInputError(f"--weighting must be one of {', '.join(WEIGHTINGS)}; got {weighting!r}")
        if plot is not None and plot.suffix.lower() not in (".png", ".pdf", ".svg"):
            raise FerroKitInputError(f"--plot: use a .png, .pdf or .svg file name, got {plot.name!r}")
        table = read_rates_table(rates)
        names = list(table.rates) if rate is None else [rate.upper()]
        for n in names:
            if n not in table.rates:
                raise FerroKitInputError(f"--rate {rate}: {rates.name} has {', '.join(table.rates)}")
        fits = {n: fit_relaxivity(table.concentration, table.rates[n], rate_name=n, model=model,
                                  weighting=weighting) for n in names}
        payload = {"ferrokit_version": __version__, "command": "relaxometry relaxivity", "input": table.to_dict(),
                   "concentration": {"value": table.concentration.tolist(), "unit": "mM"},
                   "fits": {n: f.to_dict() for n, f in fits.items()}}
        if plot is not None:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            fig, axes = plt.subplots(1, len(fits), figsize=(5.5 * len(fits), 4), squeeze=False)
            try:
                for ax, f in zip(axes[0], fits.values(), strict=True):
                    f.plot(ax=ax)
                save_figure_atomic(fig, plot)
            finally:
                plt.close(fig)
        if out is not None:
            write_json_atomic(out, payload)
        if json_out:
            print_json(payload)
        else:
            t = Table(title=f"relaxivity ({model}, weights {weighting}) from {rates.name}")
            for col in ("rate", "relaxivity (1/(mM s))", "95 % CI", "intercept (1/s)", "R²", "outliers"):
                t.add_column(col)
            for n, f in fits.items():
                t.add_row(n, f"{f.relaxivity:.4g} ± {f.relaxivity_stderr:.2g}",
                          f"{f.relaxivity_ci95[0]:.4g} – {f.relaxivity_ci95[1]:.4g}",
                          f"{f.intercept:.4g} ± {f.intercept_stderr:.2g}", f"{f.r_squared:.5f}",
                          ", ".join(str(i) for i in f.outliers) or "none")
            console.print(t)
        return payload

    handle_errors(run)()
