"""``ferrokit mri``: MRI commands (``montecarlo``: simulate R2/R2* of a particle suspension by random walks)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ferrokit import __version__
from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError, check_choice
from ferrokit.cli._common import console, err_console, handle_errors, print_json
from ferrokit.cli.predict import build_particle
from ferrokit.io.atomic import save_figure_atomic, write_json_atomic
from ferrokit.mri.montecarlo import SEQUENCES, ParticleSimulation, simulate_particle

app = typer.Typer(
    help="MRI: relaxation of particle suspensions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

MONTECARLO_HELP = (
    "Monte Carlo R2/R2* of a particle suspension: water protons random-walk among randomly placed, "
    "magnetised, impermeable spheres (the particle's impermeable radius and Ms at the temperature; clusters "
    "as aggregates with φ_intra Ms). Spheres are assumed fully magnetised at clinical fields, so --field only "
    "documents B0. The walk runs at a simulation volume fraction (default automatic, ≤ 0.01) and the rate is "
    "scaled to the given Fe concentration (dilute limit). Prints R2 or R2*, r2 or r2*, the MAR/SDR closed "
    "forms and the convergence controls."
)


@app.callback()
def _group() -> None:
    """MRI: relaxation of particle suspensions."""


def _count(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise FerroKitInputError(f"{name} must lie in [{low}, {high}], got {value}")
    return value


def show_simulation(sim: ParticleSimulation) -> None:
    """Print the result as a table in lab units."""
    d = sim.to_dict()
    res = sim.simulation
    name = res.rate_name
    th = d["theory_at_concentration"]
    table = Table(title=f"Monte Carlo {res.sequence.upper()} — {sim.particle.describe()}")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("unit")
    rows = [
        ("impermeable radius R", f"{sim.radius * 1e9:.4g}", "nm"),
        ("Δω (equatorial)", f"{sim.delta_omega:.4g}", "rad/s"),
        ("D (water)", f"{sim.diffusion * 1e9:.4g}", "10⁻⁹ m²/s"),
        ("Δω τ_D", f"{th['delta_omega_tau_d']['value']:.4g}", ""),
        ("volume fraction f (at concentration)", f"{sim.volume_fraction:.4g}", ""),
        ("simulated at f_sim", f"{sim.simulation_volume_fraction:.4g}", ""),
        (f"{name} (simulated, scaled)", f"{sim.rate:.4g} ± {sim.rate_stderr:.2g}", "1/s"),
        (f"{name.lower()} relaxivity", f"{sim.relaxivity:.4g} ± {sim.rate_stderr / sim.concentration:.2g}",
         "1/(s mM)"),
        ("MAR closed form R2", f"{th['r2_motional_averaging']['value']:.4g}", "1/s"),
        ("SDR closed form R2*", f"{th['r2star_static_dephasing']['value']:.4g}", "1/s"),
    ]
    c = res.convergence
    rows += [
        ("σ/R, Δω Δt", f"{c['sigma_over_radius']:.3g}, {c['delta_omega_dt']:.3g}", ""),
        ("split cutoff a/R, box L/R", f"{c['cutoff_over_radius']:.3g}, {c['box_over_radius']:.3g}", ""),
        ("MAR terms at f_sim: box, O(f)", f"{c['mar_box_bias']:+.3f}, {c['mar_volume_fraction_term']:+.3f}",
         "relative"),
        ("protons × configurations", f"{c['n_protons']} × {c['n_configurations']}", ""),
        ("steps, proton-steps/s", f"{c['n_steps']}, {c['proton_steps_per_second']:.3g}", ""),
        ("fit window", f"{res.fit_window[0] * 1e6:.4g} – {res.fit_window[1] * 1e6:.4g}", "µs (at f_sim)"),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)


def montecarlo(
    agent: str | None = typer.Option(None, "--agent", help="Library agent, e.g. ferumoxytol."),
    particle_file: Path | None = typer.Option(None, "--particle", help="Particle YAML file."),
    composition: str | None = typer.Option(None, "--composition", help="e.g. Fe3O4 (default Fe3O4 with --core)."),
    core: str | None = typer.Option(None, "--core", help="Median core size, e.g. 10nm."),
    coating: str | None = typer.Option(None, "--coating", help="MATERIAL:THICKNESS[:impermeable], or none."),
    cluster: str | None = typer.Option(None, "--cluster", help="CORES:PACKING_FRACTION for multicore particles."),
    ms: str | None = typer.Option(None, "--ms", help="Measured Ms, e.g. 80emu/g (replaces the model)."),
    ms_basis: str = typer.Option("oxide", "--ms-basis", help="Mass basis of --ms: oxide, iron, metal."),
    concentration: str = typer.Option("0.5mM", "--concentration", "-c", help="Fe concentration, e.g. 0.5mM."),
    field: str = typer.Option("3T", "--field", help="B0 (documentation only: spheres are saturated)."),
    temperature: str = typer.Option("37C", "--temperature", "-T", help="Temperature, e.g. 37C."),
    sequence: str = typer.Option("fid", "--sequence", help="fid (R2*), hahn or cpmg (R2)."),
    echo_spacing: str | None = typer.Option(None, "--echo-spacing", help="CPMG echo spacing 2τ_CP, e.g. 5ms."),
    duration: str | None = typer.Option(None, "--duration",
                                        help="Simulated time at f_sim (default: 3/R2 estimated)."),
    simulation_fraction: float | None = typer.Option(None, "--simulation-fraction",
                                                     help="Volume fraction of the walk (default automatic)."),
    protons: int = typer.Option(10_000, "--protons", help="Protons per configuration."),
    configurations: int = typer.Option(4, "--configurations", help="Independent sphere configurations."),
    spheres: int = typer.Option(2000, "--spheres", help="Spheres per periodic box."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (reproducible runs)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (SI values with units) instead of a table."),
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the signal decays (PNG/PDF/SVG).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the JSON result to this file.")] = None,
) -> None:
    handle_errors(run_montecarlo)(
        agent=agent, particle_file=particle_file, composition=composition, core=core, coating=coating,
        cluster=cluster, ms=ms, ms_basis=ms_basis, concentration=concentration, field=field,
        temperature=temperature, sequence=sequence, echo_spacing=echo_spacing, duration=duration,
        simulation_fraction=simulation_fraction, protons=protons, configurations=configurations, spheres=spheres,
        seed=seed, json_out=json_out, plot=plot, out=out)


app.command(name="montecarlo", help=MONTECARLO_HELP)(montecarlo)


def run_montecarlo(*, agent, particle_file, composition, core, coating, cluster, ms, ms_basis, concentration, field,
                   temperature, sequence, echo_spacing, duration, simulation_fraction, protons, configurations,
                   spheres, seed, json_out, plot, out) -> dict[str, Any]:
    """Validate everything, simulate, then write: nothing is written unless all inputs were valid."""
    if core is not None and composition is None and agent is None and particle_file is None:
        composition = "Fe3O4"
    particle = build_particle(agent=agent, particle_file=particle_file, composition=composition, core=core,
                              sigma=None, shape=None, coating=coating, hydrodynamic=None, cluster=cluster, ms=ms,
                              ms_basis=ms_basis, ms_temperature=None, anisotropy=None)
    c = parse_quantity(concentration, "concentration", name="--concentration")
    b0 = parse_quantity(field, "field", name="--field")
    t = parse_quantity(temperature, "temperature", name="--temperature")
    check_choice("--sequence", sequence, SEQUENCES)
    es = None if echo_spacing is None else parse_quantity(echo_spacing, "time", name="--echo-spacing")
    if sequence == "cpmg" and es is None:
        raise FerroKitInputError("--sequence cpmg needs --echo-spacing, e.g. 5ms")
    dur = None if duration is None else parse_quantity(duration, "time", name="--duration")
    _count("--protons", protons, 10, 10**7)
    _count("--configurations", configurations, 1, 1000)
    _count("--spheres", spheres, 10, 10**6)
    if plot is not None and plot.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise FerroKitInputError(f"--plot: use a .png, .pdf or .svg file name, got {plot.name!r}")

    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} configurations"), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=json_out) as bar:
        task = bar.add_task("random walks", total=configurations)
        sim = simulate_particle(
            particle, concentration=c, temperature=t, sequence=sequence, echo_spacing=es, duration=dur,
            simulation_volume_fraction=simulation_fraction, n_protons=protons, n_configurations=configurations,
            n_spheres=spheres, rng=seed, progress=lambda done, total: bar.update(task, completed=done))
    payload = {
        "ferrokit_version": __version__,
        "command": "mri montecarlo",
        "agent": agent,
        "field": {"value": b0, "unit": "A/m", "note": "spheres assumed saturated; B0 sets only the axis"},
        "seed": seed,
        **sim.to_dict(),
    }
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ax = sim.plot()
        ax.set_title(f"{sim.particle.describe()}\nsimulated at f = {sim.simulation_volume_fraction:.3g}", fontsize=8)
        try:
            save_figure_atomic(ax.figure, plot)
        finally:
            plt.close(ax.figure)
    if out is not None:
        write_json_atomic(out, payload)
    if json_out:
        print_json(payload)
    else:
        show_simulation(sim)
        for label, path in (("figure", plot), ("JSON", out)):
            if path is not None:
                console.print(f"wrote {label}: {path}", highlight=False)
    return payload
