"""``ferrokit magnetometry``: analyse measured M(H) curves (``fit``: lognormal-Langevin fit)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ferrokit import __version__
from ferrokit._shared.units import from_si, parse_quantity
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli._common import console, handle_errors, print_json, write_figure_and_json
from ferrokit.constants import MU_B, ROOM_TEMPERATURE
from ferrokit.io.magnetometry import read_mh_curve
from ferrokit.magnetism.fitting import LangevinFit, LangevinModel
from ferrokit.materials.formula import parse_formula

app = typer.Typer(
    help="Analyse measured M(H) magnetometry curves (VSM/SQUID CSV exports).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

FIT_HELP = (
    "Fit a lognormal-Langevin model (+ linear background) to an M(H) curve or loop in a CSV file with units "
    "in the headers, e.g. 'H (Oe),M (emu/g)'. Prints Ms, the magnetic core size distribution, coercivity and "
    "remanence; --json prints SI values with units."
)

_OE = from_si(1.0, "Oe", "field")  # Oe per (A/m)


@app.callback()
def _group() -> None:
    """Analyse measured M(H) magnetometry curves."""


def _pm(value: float, err: float, fmt: str | None = None) -> str:
    """``value ± err`` with the error to 2 significant digits and the value to the same decimal place."""
    if fmt is not None:
        return f"{value:{fmt}} ± {err:{fmt}}"
    if not math.isfinite(err) or err <= 0:
        return f"{value:.4g} ± {err:.2g}"
    decimals = max(0, 1 - math.floor(math.log10(err)))
    return f"{value:.{decimals}f} ± {err:.{decimals}f}"


def show_fit(fit: LangevinFit, *, source: str, temperature_source: str) -> None:
    """Print the fit as a table in lab units."""
    p, e, d = fit.params, fit.stderr, fit.derived
    table = Table(title=f"lognormal-Langevin fit of {source} at {fit.temperature:g} K ({temperature_source})")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("unit")
    chi_lab = p["chi_background"] / _OE  # (A m2/kg)/(A/m) -> emu/(g Oe)
    rows = [
        ("Ms", _pm(p["ms"], e["ms"]), "emu/g"),
        ("median core diameter d0", _pm(p["median_diameter"] * 1e9, e["median_diameter"] * 1e9), "nm"),
        ("σ (of ln d)", _pm(p["sigma"], e["sigma"]), ""),
        ("correlation d0–σ", f"{fit.correlation_median_sigma:.3f}", ""),
        ("background χ_bg", _pm(chi_lab, e["chi_background"] / _OE, ".3e") + f" [{fit.background_method}]",
         "emu/(g Oe)"),
        ("mean diameter ⟨d⟩", f"{d['mean_diameter'] * 1e9:.3f}", "nm"),
        ("volume-weighted mean diameter", f"{d['volume_weighted_mean_diameter'] * 1e9:.3f}", "nm"),
        ("mean moment ⟨μ⟩", f"{d['mean_moment'] / MU_B:.4g}", "μ_B"),
        ("Ms (volume, used in ξ)", f"{d['ms_volume'] / 1e3:.4g}", "kA/m"),
        ("coercivity Hc", f"{fit.coercivity * _OE:.4g} ± {fit.coercivity_resolution * _OE:.2g}", "Oe"),
        ("", f"{fit.coercivity / 1e3:.4g} ± {fit.coercivity_resolution / 1e3:.2g}", "kA/m"),
        ("remanence Mr", f"{fit.remanence:.4g} ± {fit.remanence_resolution:.2g}", "emu/g"),
        ("R²", f"{fit.r_squared:.6f}", ""),
        ("residual std", f"{fit.residual_std:.4g}", "emu/g"),
        ("points", str(fit.n_points), ""),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for note in fit.notes:
        console.print(f"note: {note}", highlight=False)


def fit(
    curve: Annotated[Path, typer.Argument(help="CSV/TSV file with a field and a magnetisation column.")],
    mass: str | None = typer.Option(None, "--mass", help="Sample mass for a moment column, e.g. 5mg."),
    temperature: str | None = typer.Option(
        None, "--temperature", "-T",
        help="Measurement temperature, e.g. 300K or 27C (default: from the file, else 300 K)."),
    density: str | None = typer.Option(
        None, "--density",
        help="Density of the magnetic material, e.g. 5.2g/cm3 (default: X-ray density of --composition); "
             "sets Ms,V = Ms·ρ in ξ and converts volume magnetisation columns."),
    composition: str = typer.Option(
        "Fe3O4", "--composition", help="Magnetic material (sets the default density), e.g. gamma-Fe2O3."),
    no_background: bool = typer.Option(False, "--no-background", help="No linear background term."),
    background_above: str | None = typer.Option(
        None, "--background-above",
        help="Estimate the background from the slope above this |H| (e.g. 10kOe) instead of fitting it."),
    json_out: bool = typer.Option(False, "--json",
                                  help="Print JSON (SI values with units) instead of a table."),
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Write a figure of data, fit and residuals (PNG/PDF/SVG).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Also write the JSON result to this file.")] = None,
) -> None:
    handle_errors(run_fit)(curve, mass=mass, temperature=temperature, density=density, composition=composition,
                           no_background=no_background, background_above=background_above,
                           json_out=json_out, plot=plot, out=out)


app.command(name="fit", help=FIT_HELP)(fit)


def run_fit(curve: Path, *, mass: str | None, temperature: str | None, density: str | None, composition: str,
            no_background: bool,
            background_above: str | None, json_out: bool, plot: Path | None,
            out: Path | None) -> dict[str, Any]:
    """Load, fit, then write: nothing is written unless every input was valid and the fit ran."""
    if no_background and background_above is not None:
        raise FerroKitInputError("give either --no-background or --background-above, not both")
    mass_si = None if mass is None else parse_quantity(mass, "mass", name="--mass")
    rho = (parse_formula(composition).density if density is None
           else parse_quantity(density, "mass_concentration", name="--density"))
    t_opt = None if temperature is None else parse_quantity(temperature, "temperature", name="--temperature")
    thr = (None if background_above is None
           else parse_quantity(background_above, "field", name="--background-above"))
    if plot is not None and plot.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise FerroKitInputError(f"--plot: use a .png, .pdf or .svg file name, got {plot.name!r}")
    data = read_mh_curve(curve, mass=mass_si, density=rho)
    if mass_si is not None and data.magnetization_kind != "moment":
        raise FerroKitInputError(f"--mass is only used with a moment column (m (emu), m (A m2)); {curve.name} has a "
                                 f"{data.magnetization_kind} magnetisation column")
    if t_opt is not None:
        t, t_source = t_opt, "--temperature"
    elif data.temperature is not None:
        t, t_source = data.temperature, "from the file"
    else:
        t, t_source = ROOM_TEMPERATURE, "default 300 K"
    model = LangevinModel(density=rho, temperature=t, background=not no_background, background_above=thr)
    result = model.fit(data.field, data.magnetization)
    payload = {
        "ferrokit_version": __version__,
        "command": "magnetometry fit",
        "input": data.to_dict(),
        "temperature_source": t_source,
        "fit": result.to_dict(),
    }
    write_figure_and_json(plot=plot, plotter=result.plot, out=out, payload=payload)
    if json_out:
        print_json(payload)
    else:
        show_fit(result, source=Path(curve).name, temperature_source=t_source)
        for label, path in (("figure", plot), ("JSON", out)):
            if path is not None:
                console.print(f"wrote {label}: {path}", highlight=False)
    return payload
