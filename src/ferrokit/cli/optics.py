"""`ferrokit optics`: tissue/agent spectra, diffusion fluence, photothermal efficiency and PTT simulation."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
import yaml
from pydantic import Field
from rich.progress import Progress
from rich.table import Table

from ferrokit import __version__
from ferrokit._shared.jsonutil import jsonable
from ferrokit._shared.schema import FrozenModel, Length, Quantity, validate_model
from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli._common import console, handle_errors, print_json
from ferrokit.hyperthermia.bioheat import BioheatProblem, BoundaryCondition, sphere_volume_fraction
from ferrokit.hyperthermia.heat_capacity import total_heat_capacity
from ferrokit.hyperthermia.tissues import get_tissue
from ferrokit.io.atomic import save_figure_atomic, write_bytes_atomic, write_json_atomic, write_text_atomic
from ferrokit.io.calorimetry import read_heating_curve
from ferrokit.io.spectra import read_agent_spectrum
from ferrokit.optics.fluence import fluence_1d
from ferrokit.optics.photothermal import photothermal_efficiency, simulate_photothermal
from ferrokit.optics.properties import TISSUE_COMPOSITION, tissue_optics
from ferrokit.optics.spectra import AgentSpectrum, magnetite_agent

app = typer.Typer(help="Optical properties, light fluence and photothermal therapy.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
ptt_app = typer.Typer(help="Photothermal therapy simulation.", no_args_is_help=True, add_completion=False,
                      pretty_exceptions_enable=False)
app.add_typer(ptt_app, name="ptt")


@app.callback()
def _group() -> None:
    """Optical properties, light fluence and photothermal therapy."""


@ptt_app.callback()
def _ptt_group() -> None:
    """Photothermal therapy simulation."""


def _agent(spec: str | None) -> AgentSpectrum | None:
    if spec is None:
        return None
    if spec.strip().lower() == "magnetite":
        return magnetite_agent()
    return read_agent_spectrum(spec)


@app.command()
@handle_errors
def spectrum(
    tissue: Annotated[str | None, typer.Option(help=f"tissue type: {', '.join(TISSUE_COMPOSITION)}")] = None,
    agent: Annotated[str | None, typer.Option(help="'magnetite' or a spectrum CSV ('wavelength (nm)', "
                                                   "'mu_a (1/cm per mg/mL)')")] = None,
    concentration: Annotated[str, typer.Option(help="agent mass concentration, e.g. '0.1 mg/mL'")] = "1 mg/mL",
    start: Annotated[str, typer.Option("--from", help="first wavelength, e.g. '650 nm'")] = "650 nm",
    stop: Annotated[str, typer.Option("--to", help="last wavelength")] = "1000 nm",
    step: Annotated[str, typer.Option(help="wavelength step")] = "10 nm",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON (SI units)")] = False,
    plot: Annotated[Path | None, typer.Option(help="write a figure (PNG/SVG/PDF)")] = None,
) -> None:
    """μ_a (and μ_s') of a tissue and/or an agent over a wavelength range."""
    if tissue is None and agent is None:
        raise FerroKitInputError("give --tissue and/or --agent")
    lo = parse_quantity(start, "length", name="--from")
    hi = parse_quantity(stop, "length", name="--to")
    dl = parse_quantity(step, "length", name="--step")
    if not (0 < lo < hi) or dl <= 0:
        raise FerroKitInputError("--from must be below --to and --step > 0")
    n = int(np.floor((hi - lo) / dl + 1e-9)) + 1
    if n > 10_000:
        raise FerroKitInputError(f"{n} wavelengths; use a larger --step")
    wl = lo + dl * np.arange(n)
    conc = parse_quantity(concentration, "mass_concentration", name="--concentration")
    if conc < 0:
        raise FerroKitInputError("--concentration must be ≥ 0")
    ag = _agent(agent)
    out: dict = {"ferrokit_version": __version__, "wavelength": {"value": wl.tolist(), "unit": "m"}}
    rows = {"λ (nm)": wl * 1e9}
    tis = None
    if tissue is not None:
        tis = tissue_optics(tissue, wl, agents=((ag, conc),) if ag is not None else ())
        out["tissue"] = tis.to_dict()
        rows["μa tissue (1/cm)"] = np.atleast_1d(tis.mu_a) / 100
        rows["μs' (1/cm)"] = np.atleast_1d(tis.mu_s_prime) / 100
    if ag is not None:
        mu = np.asarray(ag.absorption(wl, conc))
        out["agent"] = {"name": ag.name, "source": ag.source, "status": ag.status,
                        "concentration": {"value": conc, "unit": "kg/m3"},
                        "mu_a": {"value": np.atleast_1d(mu).tolist(), "unit": "1/m"}}
        rows["μa agent (1/cm)"] = np.atleast_1d(mu) / 100
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        for k, v in rows.items():
            if k != "λ (nm)":
                ax.semilogy(wl * 1e9, np.maximum(v, 1e-6), label=k)
        ax.set_xlabel("wavelength (nm)")
        ax.set_ylabel("coefficient (1/cm)")
        ax.legend()
        save_figure_atomic(fig, plot)
        plt.close(fig)
    if as_json:
        print_json(out)
        return
    table = Table(title="optical spectrum")
    for k in rows:
        table.add_column(k, justify="right")
    for i in range(n):
        table.add_row(*(f"{rows[k][i]:.4g}" for k in rows))
    console.print(table)


@app.command()
@handle_errors
def fluence(
    mu_a: Annotated[str, typer.Option("--mu-a", help="absorption coefficient, e.g. '0.1 /cm'")],
    mu_s: Annotated[str, typer.Option("--mu-s", help="reduced scattering coefficient μs', e.g. '10 /cm'")],
    depth: Annotated[str, typer.Option(help="maximum depth, e.g. '2 cm'")] = "2 cm",
    points: Annotated[int, typer.Option(help="number of depths")] = 41,
    irradiance: Annotated[str, typer.Option(help="incident irradiance, e.g. '1 W/cm2'")] = "1 W/cm2",
    index: Annotated[float, typer.Option("--n", help="tissue refractive index relative to outside")] = 1.4,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON (SI units)")] = False,
    plot: Annotated[Path | None, typer.Option(help="write a figure")] = None,
) -> None:
    """1D diffusion fluence rate Φ(z) under a broad collimated beam (semi-infinite medium, Robin boundary)."""
    a = parse_quantity(mu_a, "attenuation", name="--mu-a")
    s = parse_quantity(mu_s, "attenuation", name="--mu-s")
    e0 = parse_quantity(irradiance, "irradiance", name="--irradiance")
    zmax = parse_quantity(depth, "length", name="--depth")
    if zmax <= 0 or not (2 <= points <= 100_000):
        raise FerroKitInputError("--depth must be > 0 and --points in [2, 100000]")
    z = np.linspace(0.0, zmax, points)
    phi = fluence_1d(z, mu_a=a, mu_s_prime=s, irradiance=e0, relative_index=index)
    mu_eff = float(np.sqrt(3 * a * (a + s)))
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.semilogy(z * 1e3, phi / 1e4)
        ax.set_xlabel("depth (mm)")
        ax.set_ylabel("fluence rate (W/cm²)")
        save_figure_atomic(fig, plot)
        plt.close(fig)
    if as_json:
        print_json({"ferrokit_version": __version__, "mu_a": {"value": a, "unit": "1/m"},
                    "mu_s_prime": {"value": s, "unit": "1/m"}, "mu_eff": {"value": mu_eff, "unit": "1/m"},
                    "irradiance": {"value": e0, "unit": "W/m2"}, "relative_index": index,
                    "depth": {"value": z.tolist(), "unit": "m"}, "fluence_rate": {"value": phi.tolist(),
                                                                                  "unit": "W/m2"}})
        return
    console.print(f"μ_eff = {mu_eff / 100:.4g} /cm  (1/e depth {1e3 / mu_eff:.3g} mm)")
    table = Table()
    table.add_column("depth (mm)", justify="right")
    table.add_column("Φ (W/cm²)", justify="right")
    for zi, pi in zip(z, phi, strict=True):
        table.add_row(f"{zi * 1e3:.3g}", f"{pi / 1e4:.4g}")
    console.print(table)


@app.command("ptt-efficiency")
@handle_errors
def ptt_efficiency(
    curve: Annotated[Path, typer.Argument(help="heating/cooling curve CSV: 'time (s),T (°C)[,field (on/off)]'")],
    power: Annotated[str, typer.Option(help="laser power on the sample, e.g. '1 W'")],
    absorbance: Annotated[float, typer.Option(help="sample absorbance (decadic) at the laser wavelength")],
    water_mass: Annotated[str, typer.Option(help="water (solvent) mass, e.g. '1 g'")],
    container_mass: Annotated[str | None, typer.Option(help="container mass, e.g. '2 g'")] = None,
    container_material: Annotated[str, typer.Option(help="container material (heat capacity table)")] =
        "borosilicate",
    solvent_power: Annotated[str, typer.Option(help="Q0: heat from solvent+container (blank), e.g. '10 mW'")] =
        "0 W",
    laser_on: Annotated[str | None, typer.Option(help="laser switch-on time if the CSV has no on/off column")] = None,
    laser_off: Annotated[str | None, typer.Option(help="laser switch-off time if the CSV has no on/off column")] =
        None,
    ambient: Annotated[str | None, typer.Option(help="surrounding temperature, e.g. '25 C'")] = None,
    transient: Annotated[str, typer.Option(help="time dropped after each switch in the fits")] = "0 s",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON (SI units)")] = False,
) -> None:
    """Photothermal conversion efficiency η (Roper method and energy-balance fit) from a heating/cooling curve."""
    data = read_heating_curve(curve)
    t = data.time
    y = data.mean_temperature
    if data.field_on is not None:
        on = data.field_on
    else:
        if laser_on is None or laser_off is None:
            raise FerroKitInputError("the curve has no on/off column: give --laser-on and --laser-off")
        t1 = parse_quantity(laser_on, "time", name="--laser-on")
        t2 = parse_quantity(laser_off, "time", name="--laser-off")
        if not t1 < t2:
            raise FerroKitInputError("--laser-on must be before --laser-off")
        on = (t >= t1) & (t < t2)
    comps = [{"name": "water", "material": "water", "mass": parse_quantity(water_mass, "mass", name="--water-mass")}]
    if container_mass is not None:
        comps.append({"name": "container", "material": container_material,
                      "mass": parse_quantity(container_mass, "mass", name="--container-mass")})
    budget = total_heat_capacity(comps, temperature=float(np.mean(y)))
    res = photothermal_efficiency(
        t, y, on, laser_power=parse_quantity(power, "power", name="--power"), absorbance=absorbance,
        heat_capacity=budget.total, solvent_power=parse_quantity(solvent_power, "power",
                                                                         name="--solvent-power"),
        ambient=None if ambient is None else parse_quantity(ambient, "temperature", name="--ambient"),
        transient=parse_quantity(transient, "time", name="--transient"))
    if as_json:
        print_json({"ferrokit_version": __version__, "input": data.to_dict(), "heat_capacity": budget.to_dict(),
                    "result": res.to_dict()})
        return
    console.print(f"η (Roper)          = {100 * res.eta_roper:.1f} %")
    console.print(f"η (energy balance) = {100 * res.eta_energy_balance:.1f} "
                  f"± {100 * res.eta_energy_balance_stderr:.1f} %")
    console.print(f"τ_s = {res.tau_s:.1f} s, hS = {1e3 * res.hs:.3g} mW/K, C = {budget.total:.4g} J/K, "
                  f"T_max − T_surr = {res.t_max - res.t_surr:.2f} K, "
                  f"plateau reached {100 * res.plateau_fraction:.1f} %")


class _Grid(FrozenModel):
    shape: tuple[int, int, int]
    spacing: Length


class _Laser(FrozenModel):
    wavelength: Length
    irradiance: str
    beam_radius: Length | None = None
    duration: Quantity("time")
    cooling: Quantity("time") = 0.0


class _Inclusion(FrozenModel):
    center: tuple[Length, Length, Length]
    radius: Length
    agent: str = "magnetite"
    concentration: Quantity("mass_concentration")


class _PTTConfig(FrozenModel):
    grid: _Grid
    laser: _Laser
    dt: Quantity("time")
    tissue: str = "soft"
    thermal_tissue: str = "muscle"
    relative_index: float = Field(1.4, ge=1.0, le=2.0)
    tumour: _Inclusion | None = None
    surface_heat_transfer: float = Field(10.0, gt=0, description="W/(m2 K), skin to air")
    air_temperature: Quantity("temperature") = 298.15
    output: str = "ptt_out"


def _ptt_setup(cfg: _PTTConfig, base: Path):
    shape = cfg.grid.shape
    if min(shape) < 2 or int(np.prod(shape)) > 200_000:
        raise FerroKitInputError("grid.shape must have ≥ 2 cells per axis and ≤ 200000 cells")
    h = (cfg.grid.spacing,) * 3
    wl = cfg.laser.wavelength
    frac = np.zeros(shape)
    agent = None
    conc = 0.0
    if cfg.tumour is not None:
        frac = sphere_volume_fraction(shape, h, cfg.tumour.center, cfg.tumour.radius)
        spec = cfg.tumour.agent
        agent = magnetite_agent() if spec.strip().lower() == "magnetite" else read_agent_spectrum(base / spec)
        conc = cfg.tumour.concentration
    normal = tissue_optics(cfg.tissue, wl)
    tumour = tissue_optics("tumour", wl)
    mu_a = (1 - frac) * float(normal.mu_a) + frac * float(tumour.mu_a)
    if agent is not None:
        mu_a = mu_a + frac * float(agent.absorption(wl, conc))
    mu_s = (1 - frac) * float(normal.mu_s_prime) + frac * float(tumour.mu_s_prime)
    e0 = parse_quantity(cfg.laser.irradiance, "irradiance", name="laser.irradiance")
    irr = np.full(shape[:2], e0)
    if cfg.laser.beam_radius is not None:
        x = (np.arange(shape[0]) + 0.5) * h[0] - shape[0] * h[0] / 2
        y = (np.arange(shape[1]) + 0.5) * h[1] - shape[1] * h[1] / 2
        irr = np.where(np.add.outer(x**2, y**2) <= cfg.laser.beam_radius**2, e0, 0.0)
    th = get_tissue(cfg.thermal_tissue)
    air = BoundaryCondition(kind="robin", temperature=cfg.air_temperature,
                            heat_transfer_coefficient=cfg.surface_heat_transfer)
    body = BoundaryCondition()
    prob = BioheatProblem(spacing=h, density=th.density, heat_capacity=th.heat_capacity, conductivity=th.conductivity,
                          perfusion=th.perfusion, metabolic_heat=th.metabolic_heat, shape=shape,
                          boundary=(body, body, body, body, air, body))
    return prob, mu_a, mu_s, irr


@ptt_app.command()
@handle_errors
def simulate(
    config: Annotated[Path, typer.Argument(help="PTT config YAML (see examples/ptt_example.yaml)")],
    out: Annotated[Path | None, typer.Option(help="output folder (default: the config's 'output')")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON summary (SI units)")] = False,
) -> None:
    """Laser heating on a voxel grid → fluence, temperature and CEM43 maps (NPZ, JSON, PNG)."""
    if not config.is_file():
        raise FerroKitInputError(f"file not found: {config}")
    try:
        raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FerroKitInputError(f"{config.name}: not valid YAML ({str(exc).splitlines()[0]})") from None
    cfg = validate_model(_PTTConfig, raw, where=config.name, require_units=True)
    prob, mu_a, mu_s, irr = _ptt_setup(cfg, config.parent)
    out_dir = out if out is not None else config.parent / cfg.output
    n_steps = round(cfg.laser.duration / cfg.dt) + round(cfg.laser.cooling / cfg.dt)
    with Progress(console=console, transient=True, disable=as_json) as bar:
        task = bar.add_task("bioheat", total=n_steps)
        res = simulate_photothermal(prob, mu_a, mu_s, irradiance=irr, laser_duration=cfg.laser.duration,
                                    dt=cfg.dt, cooling_duration=cfg.laser.cooling,
                                    relative_index=cfg.relative_index,
                                    progress=lambda i, n: bar.update(task, completed=i))
    buf = io.BytesIO()
    np.savez_compressed(buf, fluence=res.fluence.fluence, mu_a=mu_a, max_temperature=res.max_temperature,
                        cem43=res.cem43, heat_source=res.heat_source, times=res.times,
                        max_temperature_trace=res.max_temperature_trace, spacing=np.array(prob.spacing))
    summary = {"ferrokit_version": __version__, "config": cfg.model_dump(mode="json"), "result": res.to_dict()}
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = res.plot()
    write_bytes_atomic(out_dir / "ptt_maps.npz", buf.getvalue())
    write_json_atomic(out_dir / "ptt_summary.json", jsonable(summary))
    save_figure_atomic(fig, out_dir / "ptt_maps.png")
    plt.close(fig)
    write_text_atomic(out_dir / "README.txt", "ptt_maps.npz: fluence [W/m2], mu_a [1/m], max_temperature [K], "
                      "cem43 [s], heat_source [W/m3], times [s], spacing [m]\n")
    if as_json:
        print_json(summary)
        return
    d = res.to_dict()
    console.print(f"peak temperature {d['peak_temperature']['value'] - 273.15:.1f} °C "
                  f"(rise {d['peak_rise']['value']:.1f} K), max CEM43 {d['max_cem43']['value'] / 60:.3g} min, "
                  f"absorbed power {d['absorbed_power']['value']:.3g} W → {out_dir}")


__all__ = ["app"]
