"""``ferrokit calorimetry``: analyse AMF heating curves (``analyze``: SLP/ILP by three methods)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ferrokit import __version__
from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli._common import console, handle_errors, print_json, write_figure_and_json
from ferrokit.hyperthermia.calorimetry import METHODS, analyze_heating_curve, split_phases
from ferrokit.hyperthermia.calorimetry_sample import sample_heat_capacity, sample_iron_mass
from ferrokit.hyperthermia.slp import parse_amf
from ferrokit.io.calorimetry import read_calorimetry_sample, read_heating_curve

app = typer.Typer(
    help="Analyse calorimetric heating curves T(t) measured under an AC magnetic field.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ANALYZE_HELP = (
    "SLP (and ILP with --field) from a heating curve in a CSV file with units in the headers, e.g. "
    "'time (s),T1 (°C),T2 (°C),field (on/off)', by the initial-slope (objective window), Box–Lucas and "
    "loss-corrected (energy balance) methods, side by side with 95 % intervals."
)


@app.callback()
def _group() -> None:
    """Analyse calorimetric heating curves."""


def _pm(value: float, err: float, scale: float = 1.0) -> str:
    v, e = value * scale, err * scale
    if not math.isfinite(e) or e <= 0:
        return f"{v:.4g}"
    decimals = max(0, 1 - math.floor(math.log10(e)))
    return f"{v:.{decimals}f} ± {e:.{decimals}f}"


def analyze(
    curve: Annotated[Path, typer.Argument(help="CSV/TSV heating curve with units in the headers.")],
    fe_mass: str | None = typer.Option(None, "--fe-mass", help="Iron mass in the sample, e.g. 1mg."),
    volume: str | None = typer.Option(None, "--volume", help="Sample (water) volume, e.g. 1mL."),
    field: str | None = typer.Option(None, "--field", help="AC field 'FREQUENCY,AMPLITUDE', e.g. 300kHz,15kA/m."),
    sample: Annotated[Path | None, typer.Option("--sample", help="Sample YAML (components, metadata).")] = None,
    probe: str | None = typer.Option(None, "--probe", help="Analyse this probe column (default: probe mean)."),
    ambient: str | None = typer.Option(None, "--ambient", help="Bath temperature, e.g. 25C (default: fitted)."),
    transient: str | None = typer.Option(None, "--transient",
                                         help="Time left out after each switch in the loss-corrected fit, e.g. 20s."),
    degree: int = typer.Option(1, "--degree", help="Initial-slope polynomial degree (1 or 2)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (SI values with units)."),
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a figure (PNG/PDF/SVG).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the JSON result to this file.")] = None,
) -> None:
    handle_errors(run_analyze)(curve, fe_mass=fe_mass, volume=volume, field=field, sample=sample, probe=probe,
                               ambient=ambient, transient=transient, degree=degree, json_out=json_out, plot=plot,
                               out=out)


app.command(name="analyze", help=ANALYZE_HELP)(analyze)


def run_analyze(curve: Path, *, fe_mass: str | None, volume: str | None, field: str | None, sample: Path | None,
                probe: str | None, ambient: str | None, transient: str | None, degree: int, json_out: bool,
                plot: Path | None, out: Path | None) -> dict[str, Any]:
    """Load, analyse, then write: nothing is written unless every input was valid and the analysis ran."""
    m_fe = None if fe_mass is None else parse_quantity(fe_mass, "mass", name="--fe-mass")
    vol = None if volume is None else parse_quantity(volume, "volume", name="--volume")
    if m_fe is not None and m_fe <= 0:
        raise FerroKitInputError(f"--fe-mass must be > 0, got {fe_mass!r}")
    if vol is not None and vol <= 0:
        raise FerroKitInputError(f"--volume must be > 0, got {volume!r}")
    amb = None if ambient is None else parse_quantity(ambient, "temperature", name="--ambient")
    trans = None if transient is None else parse_quantity(transient, "time", name="--transient")
    if degree not in (1, 2):
        raise FerroKitInputError(f"--degree must be 1 or 2, got {degree}")
    if plot is not None and plot.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise FerroKitInputError(f"--plot: use a .png, .pdf or .svg file name, got {plot.name!r}")
    freq = amp = None
    field_source = None
    u_h = 0.0
    if field is not None:
        freq, amp = parse_amf(field, name="--field")
        field_source = "--field"
    smp, smp_sha = (None, None) if sample is None else read_calorimetry_sample(sample)
    if field is None and smp is not None and smp.field_calibration is not None:
        fc = smp.field_calibration
        if fc.amplitude is not None and fc.frequency is not None:
            freq, amp, field_source = fc.frequency, fc.amplitude, "sample file (field_calibration)"
    if smp is not None and smp.field_calibration is not None and freq is not None:
        u_h = smp.field_calibration.relative_uncertainty or 0.0
    if amb is None and smp is not None:
        amb = smp.ambient
    data = read_heating_curve(curve)
    if probe is not None:
        if probe not in data.temperatures:
            raise FerroKitInputError(f"--probe: no probe {probe!r} in {Path(curve).name}; probes: "
                                     f"{', '.join(data.probes)}")
        temperature, probe_used = data.temperatures[probe], probe
    else:
        temperature = data.mean_temperature
        probe_used = data.probes[0] if len(data.probes) == 1 else "mean of " + ", ".join(data.probes)
    mass, mass_se, mass_source = sample_iron_mass(smp, iron_mass=m_fe, volume=vol)
    on, _ = split_phases(data.time, temperature, data.field_on)
    t_heat = temperature[on] if on.any() else temperature
    budget = sample_heat_capacity(smp, iron_mass=mass, volume=vol, temperature=float(t_heat.mean()))
    result = analyze_heating_curve(
        data.time, temperature, field_on=data.field_on, iron_mass=mass, iron_mass_uncertainty=mass_se,
        heat_capacity=budget.total, heat_capacity_uncertainty=budget.uncertainty, ambient=amb,
        field_amplitude=amp, frequency=freq, field_relative_uncertainty=u_h, transient=trans, degree=degree)
    per_probe = {}
    if len(data.probes) > 1 and probe is None:
        for name, arr in data.temperatures.items():
            r = analyze_heating_curve(data.time, arr, field_on=data.field_on, iron_mass=mass,
                                      iron_mass_uncertainty=mass_se, heat_capacity=budget.total,
                                      heat_capacity_uncertainty=budget.uncertainty, ambient=amb,
                                      field_amplitude=amp, frequency=freq, field_relative_uncertainty=u_h,
                                      transient=trans, degree=degree)
            per_probe[name] = {k: {"value": r.methods[k].slp, "stderr": r.methods[k].slp_stderr, "unit": "W/kg"}
                               for k in METHODS}
    payload = {
        "ferrokit_version": __version__,
        "command": "calorimetry analyze",
        "input": data.to_dict(),
        "probe_analysed": probe_used,
        "sample": None if smp is None else {"file": str(sample), "sha256": smp_sha,
                                            "metadata": smp.model_dump(mode="json")},
        "iron_mass_source": mass_source,
        "field_source": field_source,
        "heat_capacity_budget": budget.to_dict(),
        "result": result.to_dict(),
        "slp_per_probe": per_probe or None,
    }
    write_figure_and_json(plot=plot, plotter=result.plot, out=out, payload=payload)
    if json_out:
        print_json(payload)
    else:
        _show(result, budget, source=Path(curve).name, probe_used=probe_used, per_probe=per_probe)
        for label, path in (("figure", plot), ("JSON", out)):
            if path is not None:
                console.print(f"wrote {label}: {path}", highlight=False)
    return payload


def _show(result, budget, *, source: str, probe_used: str, per_probe: dict) -> None:
    table = Table(title=f"heating-curve analysis of {source} ({probe_used})")
    for col in ("method", "dT/dt (K/min)", "SLP (W/g Fe)", "95 % interval (W/g)"):
        table.add_column(col, justify="left" if col == "method" else "right")
    has_ilp = result.field_amplitude is not None
    if has_ilp:
        table.add_column("ILP (nH m²/kg)", justify="right")
    for name in METHODS:
        m = result.methods[name]
        lo, hi = m.slp_ci95
        row = [name.replace("_", " "), _pm(m.heating_rate, m.heating_rate_stderr, 60.0),
               _pm(m.slp, m.slp_stderr, 1e-3), f"{lo / 1e3:.4g} – {hi / 1e3:.4g}"]
        if has_ilp:
            row.append(_pm(m.ilp, m.ilp_stderr, 1e9))
        table.add_row(*row)
    console.print(table)
    ini = result.methods["initial_slope"].details
    lc = result.methods["loss_corrected"].details
    console.print(f"heat capacity C = {budget.total:.4g} ± {budget.uncertainty:.2g} J/K at "
                  f"{budget.temperature - 273.15:.1f} °C; iron mass {result.iron_mass * 1e6:.4g} mg", highlight=False)
    console.print(f"initial-slope window {ini['window']['value']:.0f} s ({ini['n_points']} points); loss rate L/C = "
                  f"{lc['loss_rate']['value']:.3g} 1/s (L = {lc['loss_coefficient']['value'] * 1e3:.3g} mW/K)",
                  highlight=False)
    sens = Table(title="initial-slope sensitivity to the window")
    for col in ("window (s)", "points", "SLP (W/g)"):
        sens.add_column(col, justify="right")
    rows = result.window_table
    step = max(1, len(rows) // 8)
    for w, n, b, e, _ in rows[::step]:
        sens.add_row(f"{w:.0f}", str(n), _pm(result.heat_capacity * b / result.iron_mass,
                                             result.heat_capacity * e / result.iron_mass, 1e-3))
    console.print(sens)
    if per_probe:
        for name, vals in per_probe.items():
            txt = ", ".join(f"{k.replace('_', ' ')} {v['value'] / 1e3:.4g} W/g" for k, v in vals.items())
            console.print(f"probe {name}: {txt}", highlight=False)
    for note in result.notes:
        console.print(f"note: {note}", highlight=False)
