"""``ferrokit cdt``: chemodynamic-therapy kinetics (``simulate``: Fenton/GOx/GSH network for one condition)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ferrokit import __version__
from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.chemistry import gox_molar_concentration, load_network, simulate_cdt
from ferrokit.chemistry.cdt import GOX_MOLAR_MASS, CDTResult
from ferrokit.chemistry.network import parse_rate_unit
from ferrokit.cli._common import console, handle_errors, print_json
from ferrokit.cli.predict import build_particle
from ferrokit.io.atomic import save_figure_atomic, write_json_atomic, write_text_atomic
from ferrokit.materials.conversions import iron_molar_concentration

app = typer.Typer(
    help="Chemodynamic therapy (CDT) kinetics: Fenton/Haber–Weiss chemistry, GOx cascade, GSH, ferroptosis.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SIMULATE_HELP = (
    "Simulate the CDT reaction network in a closed, well-mixed volume at one pH and temperature: iron-oxide "
    "particles (surface-catalysed H2O2 decomposition scaled by their surface area), dissolved iron (Fenton), "
    "GOx (glucose + O2 -> gluconate + H2O2), GSH scavenging and a phenomenological ferroptosis index. Prints "
    "the cumulative ·OH dose and final concentrations; --json prints SI values with units. --gox in ug/mL is "
    f"converted with the GOx molar mass {GOX_MOLAR_MASS * 1e3:g} g/mol (160 kDa): 10 ug/mL = 62.5 nM."
)


@app.callback()
def _group() -> None:
    """Chemodynamic therapy kinetics."""


def _conc(text: str, name: str) -> float:
    return parse_quantity(text, "concentration", name=name)


def _iron(text: str) -> float:
    """Fe concentration [mol/m³] from a molar ('0.5mM') or an Fe mass concentration ('28ug/mL')."""
    try:
        return parse_quantity(text, "concentration", name="--iron")
    except FerroKitInputError as first:
        try:
            return float(iron_molar_concentration(parse_quantity(text, "mass_concentration", name="--iron")))
        except FerroKitInputError:
            raise first from None


def _gox(text: str) -> float:
    """GOx [mol/m³] from a mass ('10ug/mL', 160 kDa) or a molar concentration ('0.0625uM')."""
    try:
        return gox_molar_concentration(parse_quantity(text, "mass_concentration", name="--gox"))
    except FerroKitInputError:
        return parse_quantity(text, "concentration", name="--gox")


def _rate_constant(text: str) -> float:
    parts = text.strip().split(maxsplit=1)
    try:
        value = float(parts[0])
    except (ValueError, IndexError):
        value = float("nan")
    if len(parts) != 2 or not value == value:
        raise FerroKitInputError(f"--fe3-gsh-rate: expected a number and a unit, e.g. '10 M-1 s-1', got {text!r}")
    factor, dims = parse_rate_unit(parts[1])
    if dims != (-1, 3, -1):
        raise FerroKitInputError(f"--fe3-gsh-rate: {parts[1]!r} is not a second-order rate unit (M-1 s-1)")
    if value < 0:
        raise FerroKitInputError("--fe3-gsh-rate must be ≥ 0")
    return value * factor


def _initial_items(items: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        if "=" not in item:
            raise FerroKitInputError(f"--initial: expected SPECIES=CONCENTRATION, e.g. Fe2+=10uM, got {item!r}")
        name, value = item.split("=", 1)
        out[name.strip()] = _conc(value, f"--initial {name.strip()}")
    return out


def simulate(
    agent: str | None = typer.Option(None, "--agent", help="Library agent, e.g. ferumoxytol."),
    particle_file: Path | None = typer.Option(None, "--particle", help="Particle YAML file."),
    composition: str | None = typer.Option(None, "--composition", help="e.g. Fe3O4, Zn0.4Mn0.6Fe2O4."),
    core: str | None = typer.Option(None, "--core", help="Median core size, e.g. 10nm."),
    sigma: float | None = typer.Option(None, "--sigma", help="Lognormal σ of the core size."),
    shape: str | None = typer.Option(None, "--shape", help="sphere, cube or octahedron."),
    coating: str | None = typer.Option(None, "--coating", help="MATERIAL:THICKNESS[:impermeable], or none."),
    cluster: str | None = typer.Option(None, "--cluster", help="CORES:PACKING_FRACTION for multicore particles."),
    iron: str = typer.Option("0.5mM", "--iron", help="Fe concentration, e.g. 0.5mM or 28ug/mL (Fe)."),
    ph: float = typer.Option(6.5, "--ph", help="Buffered pH (1-9)."),
    temperature: str = typer.Option("37C", "--temperature", "-T", help="Temperature, e.g. 37C or 43C."),
    h2o2: str = typer.Option("100uM", "--h2o2", help="Initial H2O2."),
    gsh: str = typer.Option("2mM", "--gsh", help="Initial glutathione (GSH)."),
    glucose: str = typer.Option("5mM", "--glucose", help="Initial glucose."),
    o2: str = typer.Option("0.05mM", "--o2", help="Initial dissolved O2 (0.05mM: hypoxic tumour)."),
    gox: str = typer.Option("0ug/mL", "--gox", help="Glucose oxidase, e.g. 10ug/mL (160 kDa) or 0.0625uM."),
    initial: list[str] = typer.Option([], "--initial", help="Other initial values SPECIES=CONC (repeatable)."),
    dissolved_iron: str = typer.Option(
        "Fe2+", "--dissolved-iron", help="Without a particle, --iron is dissolved iron of this species."),
    fe3_gsh_rate: str | None = typer.Option(
        None, "--fe3-gsh-rate", help="k of Fe3+ + GSH -> Fe2+ + GS* (no literature value), e.g. '10 M-1 s-1'."),
    dissolution: str | None = typer.Option(
        None, "--dissolution-rate", help="First-order particle dissolution rate, e.g. 1e-5Hz (1/s)."),
    oxygen_supply: str | None = typer.Option(
        None, "--o2-supply", help="Relaxation rate of O2 back to --o2 (perfusion), e.g. 1e-3Hz."),
    duration: str = typer.Option("1h", "--duration", help="Simulated time, e.g. 1h, 30min."),
    points: int = typer.Option(201, "--points", help="Number of output times."),
    network: Path | None = typer.Option(None, "--network", help="Custom network CSV/YAML (see docs/chemistry.md)."),
    include: str | None = typer.Option(None, "--include", help="Reaction sets, comma-separated, e.g. "
                                       "fenton,surface,gox,gsh,ferroptosis,ferryl."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (SI values with units) instead of a table."),
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a figure (PNG/PDF/SVG).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the result: .json or .csv.")] = None,
) -> None:
    handle_errors(run_simulate)(
        agent=agent, particle_file=particle_file, composition=composition, core=core, sigma=sigma, shape=shape,
        coating=coating, cluster=cluster, iron=iron, ph=ph, temperature=temperature, h2o2=h2o2, gsh=gsh,
        glucose=glucose, o2=o2, gox=gox, initial=initial, dissolved_iron=dissolved_iron, fe3_gsh_rate=fe3_gsh_rate,
        dissolution=dissolution, oxygen_supply=oxygen_supply, duration=duration, points=points, network=network,
        include=include, json_out=json_out, plot=plot, out=out)


app.command(name="simulate", help=SIMULATE_HELP)(simulate)


def run_simulate(*, agent, particle_file, composition, core, sigma, shape, coating, cluster, iron, ph, temperature,
                 h2o2, gsh, glucose, o2, gox, initial, dissolved_iron, fe3_gsh_rate, dissolution, oxygen_supply,
                 duration, points, network, include, json_out, plot, out) -> dict[str, Any]:
    """Parse the options, simulate, then write (nothing is written unless the run succeeded)."""
    if out is not None and out.suffix.lower() not in (".json", ".csv"):
        raise FerroKitInputError(f"--out must end in .json or .csv, got {out.name!r}")
    if plot is not None and plot.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise FerroKitInputError(f"--plot must end in .png, .pdf or .svg, got {plot.name!r}")
    particle = None
    if any(v is not None for v in (agent, particle_file, composition, core, sigma, shape, coating, cluster)):
        particle = build_particle(agent=agent, particle_file=particle_file, composition=composition, core=core,
                                  sigma=sigma, shape=shape, coating=coating, hydrodynamic=None, cluster=cluster,
                                  ms=None, ms_basis="oxide", ms_temperature=None, anisotropy=None)
    init = {"H2O2": _conc(h2o2, "--h2o2"), "GSH": _conc(gsh, "--gsh"), "glucose": _conc(glucose, "--glucose"),
            "O2": _conc(o2, "--o2")}
    init.update(_initial_items(initial))
    sets = None if include is None else [s.strip() for s in include.split(",") if s.strip()]
    net = None
    if network is not None:
        net = load_network(network, include=sets)
        sets = None
    kwargs: dict[str, Any] = {}
    if fe3_gsh_rate is not None:
        kwargs["fe3_gsh_rate"] = _rate_constant(fe3_gsh_rate)
    if dissolution is not None:
        kwargs["dissolution_rate"] = parse_quantity(dissolution, "frequency", name="--dissolution-rate")
    if oxygen_supply is not None:
        kwargs["oxygen_supply_rate"] = parse_quantity(oxygen_supply, "frequency", name="--o2-supply")
    t_kelvin = parse_quantity(temperature, "temperature", name="--temperature")
    gox_si = _gox(gox)
    result_kwargs = dict(particle=particle, iron_concentration=_iron(iron), ph=ph, temperature=t_kelvin,
                         initial=init, duration=parse_quantity(duration, "time", name="--duration"), network=net,
                         include=sets, gox=gox_si, dissolved_iron=dissolved_iron, n_times=points, **kwargs)
    if json_out:
        res = simulate_cdt(**result_kwargs)
    else:
        with console.status("integrating the reaction network…"):
            res = simulate_cdt(**result_kwargs)
    data = {"ferrokit_version": __version__, "agent": agent, **res.to_dict()}
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig = res.plot()
        try:
            save_figure_atomic(fig, plot)
        finally:
            plt.close(fig)
    if out is not None:
        if out.suffix.lower() == ".json":
            write_json_atomic(out, data)
        else:
            write_text_atomic(out, result_csv(res))
    if json_out:
        print_json(data)
    else:
        show_result(res)
        for path in (plot, out):
            if path is not None:
                console.print(f"wrote {path}")
    return data


def result_csv(res: CDTResult) -> str:
    """The time courses as CSV with units in the headers (SI)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    names = list(res.concentrations)
    header = ["t (s)"] + [f"{n} (mol/m3)" for n in names] + [f"net {n} (mol/m3)" for n in res.fixed_production]
    header += ["OH production rate (mol/(m3 s))", "cumulative OH (mol/m3)"]
    if res.ferroptosis_index is not None:
        header.append("ferroptosis index (1)")
    w.writerow(header)
    for i, t in enumerate(res.times):
        row = [t] + [res.concentrations[n][i] for n in names] + [v[i] for v in res.fixed_production.values()]
        row += [res.hydroxyl_production_rate[i], res.cumulative_hydroxyl[i]]
        if res.ferroptosis_index is not None:
            row.append(res.ferroptosis_index[i])
        w.writerow([f"{x:.8g}" for x in row])
    return buf.getvalue()


def _shown(x: float) -> float:
    """Solver round-off below 1e-15 mol/m³ (1 fM) is shown as 0."""
    return 0.0 if abs(x) < 1e-15 else float(x)


def show_result(res: CDTResult) -> None:
    """Print the key numbers in lab units."""
    c = res.conditions
    title = (f"CDT, pH {c['ph']:g}, {c['temperature'][0] - 273.15:.4g} °C, {c['duration'][0] / 60:.4g} min, "
             f"surface {c['surface_area_concentration'][0]:.4g} m²/m³")
    table = Table(title=title)
    for col in ("quantity", "start", "end", "unit"):
        table.add_column(col, justify="right" if col in ("start", "end") else "left")
    table.add_row("cumulative ·OH", "0", f"{res.total_hydroxyl * 1e3:.4g}", "µM")
    table.add_row("peak ·OH production", "", f"{max(res.hydroxyl_production_rate) * 1e6:.4g}", "nM/s")
    for name in ("H2O2", "Fe2+", "Fe3+", "Fe(s)", "GSH", "GSSG", "glucose", "gluconate", "O2", "LOOH"):
        if name in res.concentrations:
            v0, v1 = (_shown(x) for x in (res.concentrations[name][0], res.concentrations[name][-1]))
            table.add_row(name, f"{v0 * 1e3:.4g}", f"{v1 * 1e3:.4g}", "µM")
    if "H+" in res.fixed_production:
        table.add_row("net H+ released", "0", f"{res.fixed_production['H+'][-1] * 1e3:.4g}", "µM")
    if res.ferroptosis_index is not None:
        table.add_row("ferroptosis index", f"{res.ferroptosis_index[0]:.3g}", f"{res.ferroptosis_index[-1]:.3g}",
                      "[LOOH]/threshold")
    console.print(table)
    console.print(f"reaction sets: {', '.join(res.reaction_sets)}", highlight=False)
    for note in res.notes:
        console.print(f"note: {note}", highlight=False)
