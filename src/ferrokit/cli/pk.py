"""``ferrokit pk``: nanoparticle biodistribution (``simulate``: whole-body PBPK; ``fit``: tumour time course)."""

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
from ferrokit._shared.units import parse_quantity, split_header
from ferrokit._shared.validation import FerroKitInputError, check_choice
from ferrokit.cli._common import console, handle_errors, print_json, write_figure_and_json
from ferrokit.cli.predict import build_particle
from ferrokit.io.atomic import atomic_write, save_figure_atomic, write_json_atomic

app = typer.Typer(
    help="Nanoparticle biodistribution: whole-body PBPK simulation and tumour time-course fitting.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)

SIM_HELP = (
    "Simulate the whole-body nanoparticle PBPK model (Lin-lab structure: plasma + lung, brain, kidney, liver, "
    "spleen, muscle, rest, tumour with blood/tissue/phagocyte sub-compartments) after an IV bolus, an infusion "
    "or an intratumoral injection, with passive EPR or active targeting. Prints %ID per organ at key times; "
    "--json prints SI values with units."
)
FIT_HELP = (
    "Fit tumour parameters of the PBPK model to a tumour %ID time course: a data set of the Cheng et al. 2020 "
    "collection (--dataset ID, 1-378) or a CSV file with 'time (h)' and 'tumour (%ID)' columns (units in the "
    "headers). Prints the parameters with standard errors from the Jacobian covariance."
)

_HOUR = 3600.0
_REPORT_HOURS = (0.25, 1, 4, 8, 24, 48, 72, 168, 336, 720)


@app.callback()
def _group() -> None:
    """Nanoparticle biodistribution."""


def parse_dose(text: str, body_weight: float) -> float:
    """'5mg/kg' (mass per body mass) or '0.1mg' (absolute) -> dose [kg]."""
    s = str(text).strip()
    if "/" in s:
        num, den = s.rsplit("/", 1)
        den_f = {"kg": 1.0, "g": 1e-3}.get(den.strip())
        if den_f is None:
            raise FerroKitInputError(f"--dose: per-body-mass doses end in /kg or /g, got {text!r}")
        per = parse_quantity(num, "mass", name="--dose") / den_f
        if not 0 < per <= 0.1:
            raise FerroKitInputError(f"--dose must lie in (0, 100000] mg/kg, got {text!r}")
        return per * body_weight
    dose = parse_quantity(s, "mass", name="--dose")
    if not 0 < dose <= 0.1 * body_weight:
        raise FerroKitInputError(f"--dose must be > 0 and at most 10 % of the body weight, got {text!r}")
    return dose


def _particle_mass(particle) -> float:
    """Fe mass per particle [kg] (core volume × density × Fe mass fraction × cores per cluster)."""
    info = particle.composition_info
    cores = particle.cluster.cores if getattr(particle, "cluster", None) is not None else 1
    return particle.core_volume * info.density * info.iron_mass_fraction * cores


def simulate(
    species: str = typer.Option("mouse", "--species", help="mouse or human."),
    dose: str = typer.Option("5mg/kg", "--dose", help="Dose, per body mass (5mg/kg) or absolute (0.1mg); "
                             "the basis (mg Fe) is yours: %ID does not depend on it."),
    route: str = typer.Option("iv", "--route", help="iv, infusion or intratumoral."),
    infusion_time: str | None = typer.Option(None, "--infusion-time", help="Infusion duration, e.g. 30min."),
    duration: str = typer.Option("168h", "--duration", help="Simulated time, e.g. 168h or 7d."),
    body_weight: str | None = typer.Option(None, "--body-weight", help="Override the body weight, e.g. 25g."),
    agent: str | None = typer.Option(None, "--agent", help="Library agent (see ferrokit materials list)."),
    particle_file: Annotated[Path | None, typer.Option("--particle", help="Particle YAML file.")] = None,
    composition: str | None = typer.Option(None, "--composition", help="e.g. Fe3O4."),
    core: str | None = typer.Option(None, "--core", help="Core diameter, e.g. 12nm."),
    hydrodynamic: str | None = typer.Option(None, "--hydrodynamic", help="Hydrodynamic diameter, e.g. 30nm."),
    targeting: str = typer.Option("none", "--targeting", help="none (passive EPR) or active (receptor binding)."),
    kon: float | None = typer.Option(None, "--kon", help="Association rate constant in 1/(M s), e.g. 1e5."),
    koff: str | None = typer.Option(None, "--koff", help="Dissociation rate constant, e.g. 1e-4 1/s."),
    receptor_density: str | None = typer.Option(None, "--receptors", help="Receptor density in tumour, e.g. 1uM."),
    particle_mass: str | None = typer.Option(None, "--particle-mass",
                                             help="Dosed mass per particle (default from the particle: Fe mass)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (SI values with units)."),
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a %ID-vs-time figure (PNG/PDF/SVG).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the full result (.json or .csv).")] = None,
) -> None:
    handle_errors(run_simulate)(
        species=species, dose=dose, route=route, infusion_time=infusion_time, duration=duration,
        body_weight=body_weight, agent=agent, particle_file=particle_file, composition=composition, core=core,
        hydrodynamic=hydrodynamic, targeting=targeting, kon=kon, koff=koff, receptor_density=receptor_density,
        particle_mass=particle_mass, json_out=json_out, plot=plot, out=out)


app.command(name="simulate", help=SIM_HELP)(simulate)


def _check_outputs(plot: Path | None, out: Path | None) -> None:
    if plot is not None and plot.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise FerroKitInputError(f"--plot: use a .png, .pdf or .svg file name, got {plot.name!r}")
    if out is not None and out.suffix.lower() not in (".json", ".csv"):
        raise FerroKitInputError(f"--out: use a .json or .csv file name, got {out.name!r}")


def run_simulate(*, species: str, dose: str, route: str, infusion_time: str | None, duration: str,
                 body_weight: str | None, agent: str | None, particle_file: Path | None, composition: str | None,
                 core: str | None, hydrodynamic: str | None, targeting: str, kon: float | None, koff: str | None,
                 receptor_density: str | None, particle_mass: str | None, json_out: bool, plot: Path | None,
                 out: Path | None) -> dict[str, Any]:
    """Validate every option, simulate, then write: nothing is written on bad input."""
    from ferrokit.pk import Dosing, TumourTargeting, simulate_pbpk, species_parameters

    _check_outputs(plot, out)
    check_choice("--species", species, ("mouse", "human"))
    check_choice("--route", route, ("iv", "infusion", "intratumoral"))
    check_choice("--targeting", targeting, ("none", "active"))
    params = species_parameters(species)
    if body_weight is not None:
        params = params.replace(body_weight=parse_quantity(body_weight, "mass", name="--body-weight"))
    dur = parse_quantity(duration, "time", name="--duration")
    t_inf = 0.0
    if route == "infusion":
        if infusion_time is None:
            raise FerroKitInputError("--route infusion needs --infusion-time, e.g. 30min")
        t_inf = parse_quantity(infusion_time, "time", name="--infusion-time")
    elif infusion_time is not None:
        raise FerroKitInputError("--infusion-time is only used with --route infusion")
    dosing = Dosing(dose=parse_dose(dose, params.body_weight), route=route, infusion_time=t_inf)
    particle = None
    particle_info: dict[str, Any] = {}
    if agent or particle_file or composition or core:
        particle = build_particle(agent=agent, particle_file=particle_file, composition=composition, core=core,
                                  sigma=None, shape=None, coating=None, hydrodynamic=hydrodynamic, cluster=None,
                                  ms=None, ms_basis="oxide", ms_temperature=None, anisotropy=None)
        particle_info = {"composition": particle.composition, "core_diameter": {"value": particle.core_diameter,
                         "unit": "m"}, "hydrodynamic_diameter": {"value": particle.hydrodynamic_diameter_value,
                                                                 "unit": "m"}}
    elif hydrodynamic is not None:
        d_h = parse_quantity(hydrodynamic, "length", name="--hydrodynamic")
        if not 0.5e-9 <= d_h <= 10e-6:
            raise FerroKitInputError("--hydrodynamic must lie in [0.5, 10000] nm")
        particle_info = {"hydrodynamic_diameter": {"value": d_h, "unit": "m"}}
    notes = []
    d_h = particle_info.get("hydrodynamic_diameter", {}).get("value")
    if d_h is not None and not 13e-9 <= d_h <= 100e-9:
        notes.append(f"hydrodynamic diameter {d_h * 1e9:.3g} nm lies outside the 13-100 nm range the "
                     "nanoparticle-specific parameters were calibrated for (Lin et al. 2016)")
    if d_h is not None and d_h < 6e-9:
        notes.append("particles below ~6 nm are cleared by the kidneys; this model's urinary clearance does not "
                     "depend on size")
    if route == "intratumoral":
        o = params.organ("tumour")
        k = o.permeability_coefficient * params.organ_flow("tumour") / (
            o.partition_coefficient * params.organ_volume("tumour") * (1 - o.capillary_blood_fraction))
        notes.append(f"intratumoral retention is set by the tumour partition and permeability coefficients: "
                     f"with these values free particles leave the tumour tissue at {k * _HOUR:.3g} /h")
    if targeting == "active":
        if kon is None or koff is None or receptor_density is None:
            raise FerroKitInputError("--targeting active needs --kon, --koff and --receptors")
        if not (math.isfinite(kon) and kon > 0):
            raise FerroKitInputError(f"--kon must be > 0 1/(M s), got {kon}")
        if particle_mass is not None:
            m_p = parse_quantity(particle_mass, "mass", name="--particle-mass")
        elif particle is not None:
            m_p = _particle_mass(particle)
        else:
            raise FerroKitInputError("--targeting active needs the particle (--agent, --particle or --composition "
                                     "and --core) or --particle-mass to turn receptor numbers into mass")
        tg = TumourTargeting(kon=kon * 1e-3, koff=parse_quantity(koff, "frequency", name="--koff"),
                             receptor_density=parse_quantity(receptor_density, "concentration", name="--receptors"),
                             particle_mass=m_p)
        params = params.with_targeting(tg)
    elif any(v is not None for v in (kon, koff, receptor_density, particle_mass)):
        raise FerroKitInputError("--kon, --koff, --receptors and --particle-mass need --targeting active")

    result = simulate_pbpk(params, dosing, duration=dur)
    payload = {"ferrokit_version": __version__, "command": "pk simulate", "particle": particle_info,
               "notes": notes, "parameters": params.to_dict(), "result": result.to_dict()}
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ax = result.plot()
        try:
            save_figure_atomic(ax.figure, plot)
        finally:
            plt.close(ax.figure)
    if out is not None:
        if out.suffix.lower() == ".csv":
            atomic_write(out, lambda tmp: Path(tmp).write_text(_result_csv(result), encoding="utf-8"), suffix=".csv")
        else:
            write_json_atomic(out, payload)
    if json_out:
        print_json(payload)
    else:
        _show(result, dosing, params)
        for note in notes:
            console.print(f"note: {note}", highlight=False)
        for label, path in (("figure", plot), ("result", out)):
            if path is not None:
                console.print(f"wrote {label}: {path}", highlight=False)
    return payload


def _result_csv(result) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    names = list(result.amounts)
    w.writerow(["time (h)"] + [f"{n} (%ID)" for n in names] + [f"{n} (mg/mL)" for n in names]
               + ["bile (%ID)", "urine (%ID)"])
    d = result.dosing.dose
    for i, t in enumerate(result.times):
        w.writerow([f"{t / _HOUR:.6g}"] + [f"{result.percent_id[n][i]:.6g}" for n in names]
                   + [f"{result.concentrations[n][i]:.6g}" for n in names]
                   + [f"{100 * result.excreted[k][i] / d:.6g}" for k in ("bile", "urine")])
    return buf.getvalue()


def _show(result, dosing, params) -> None:
    th = result.times / _HOUR
    hours = [h for h in _REPORT_HOURS if h <= th[-1] + 1e-9]
    table = Table(title=f"{params.species} PBPK, {dosing.route}, dose {dosing.dose * 1e6:.4g} mg "
                        f"({dosing.dose / params.body_weight * 1e6:.4g} mg/kg): %ID")
    table.add_column("organ")
    for h in hours:
        table.add_column(f"{h:g} h", justify="right")
    idx = [int(np.argmin(np.abs(th - h))) for h in hours]
    for name in result.amounts:
        table.add_row(name, *[f"{result.percent_id[name][i]:.3g}" for i in idx])
    for name in ("bile", "urine"):
        table.add_row(name, *[f"{100 * result.excreted[name][i] / dosing.dose:.3g}" for i in idx])
    console.print(table)
    i24 = idx[hours.index(24)] if 24 in hours else idx[-1]
    console.print(f"tumour {result.concentration('tumour')[i24] * 1e3:.4g} µg/g, liver "
                  f"{result.concentration('liver')[i24] * 1e3:.4g} µg/g at {th[i24]:g} h; "
                  f"mass balance error {result.mass_balance_error:.1e} of the dose", highlight=False)


def read_tumour_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A CSV with 'time (unit)' and 'tumour (%ID)' columns -> times [s], %ID."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FerroKitInputError(f"{path}: not a UTF-8 text file") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) < 2:
        raise FerroKitInputError(f"{path}: needs a header line and at least one data row")
    delim = "\t" if "\t" in lines[0] else ";" if ";" in lines[0] else ","
    rows = list(csv.reader(lines, delimiter=delim))
    heads = [split_header(h) for h in rows[0]]
    names = [h[0].strip().lower() for h in heads]
    it = next((i for i, n in enumerate(names) if n in ("time", "t")), None)
    iy = next((i for i, n in enumerate(names) if n in ("tumour", "tumor")), None)
    if it is None or iy is None:
        raise FerroKitInputError(f"{path}: needs columns 'time (h)' and 'tumour (%ID)'; found {', '.join(rows[0])}")
    if not heads[it][1]:
        raise FerroKitInputError(f"{path}: the time column needs a unit in its header, e.g. 'time (h)'")
    if heads[iy][1].replace(" ", "").lower() not in ("%id", "%inj.dose", "percentid"):
        raise FerroKitInputError(f"{path}: the tumour column must be in %ID, e.g. 'tumour (%ID)'; "
                                 f"got {rows[0][iy]!r}")
    t, y = [], []
    for n, r in enumerate(rows[1:], start=2):
        if len(r) <= max(it, iy):
            raise FerroKitInputError(f"{path}: line {n} has {len(r)} columns, expected {len(rows[0])}")
        t.append(parse_quantity(f"{r[it].strip()} {heads[it][1]}", "time", name=f"{path}: line {n} time"))
        try:
            v = float(r[iy])
        except ValueError:
            raise FerroKitInputError(f"{path}: line {n}: tumour value {r[iy]!r} is not a number") from None
        if not math.isfinite(v):
            raise FerroKitInputError(f"{path}: line {n}: tumour value must be finite, got {r[iy]!r}")
        y.append(v)
    return np.array(t), np.array(y)


def fit(
    data: Annotated[Path | None, typer.Argument(help="CSV with 'time (h)' and 'tumour (%ID)' columns.")] = None,
    dataset: int | None = typer.Option(None, "--dataset", help="Data set ID of the Cheng 2020 collection (1-378)."),
    params_opt: str = typer.Option("permeability_coefficient,uptake_max", "--params",
                                   help="Comma-separated tumour parameters to fit: permeability_coefficient, "
                                        "partition_coefficient, uptake_max, uptake_t50, release_rate, "
                                        "blood_flow_fraction."),
    body_weight: str | None = typer.Option(None, "--body-weight", help="Mouse body weight, e.g. 20g."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (SI values with units)."),
    plot: Annotated[Path | None, typer.Option("--plot", help="Write data and fit (PNG/PDF/SVG).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the JSON result to this file.")] = None,
) -> None:
    handle_errors(run_fit)(data=data, dataset=dataset, params_opt=params_opt, body_weight=body_weight,
                           json_out=json_out, plot=plot, out=out)


app.command(name="fit", help=FIT_HELP)(fit)


def run_fit(*, data: Path | None, dataset: int | None, params_opt: str, body_weight: str | None, json_out: bool,
            plot: Path | None, out: Path | None) -> dict[str, Any]:
    from ferrokit.pk import mouse_parameters
    from ferrokit.pk.tumour import cheng2020_datasets, cheng2020_time_course, fit_tumour_time_course

    if (data is None) == (dataset is None):
        raise FerroKitInputError("give either a CSV file or --dataset ID, not both and not neither")
    if out is not None and out.suffix.lower() != ".json":
        raise FerroKitInputError(f"--out: use a .json file name, got {out.name!r}")
    _check_outputs(plot, None)
    names = tuple(s.strip() for s in params_opt.split(",") if s.strip())
    params = mouse_parameters()
    info: dict[str, Any] = {}
    if dataset is not None:
        t, y = cheng2020_time_course(dataset)
        row = next(r for r in cheng2020_datasets() if r["ID"] == str(dataset))
        info = {k: row[k] for k in ("Type", "TS", "HD", "Shape", "TM", "CT", "Dose", "BW", "TW") if k in row}
        if row.get("BW"):
            params = params.replace(body_weight=float(row["BW"]) * 1e-3)
        source = f"Cheng 2020 data set {dataset}"
    else:
        t, y = read_tumour_csv(data)
        source = Path(data).name
    if body_weight is not None:
        params = params.replace(body_weight=parse_quantity(body_weight, "mass", name="--body-weight"))
    result = fit_tumour_time_course(t, y, params=params, fit=names, dataset=source)
    payload = {"ferrokit_version": __version__, "command": "pk fit", "source": source, "dataset_info": info,
               "body_weight": {"value": params.body_weight, "unit": "kg"}, "fit": result.to_dict()}
    write_figure_and_json(plot=plot, plotter=result.plot, out=out, payload=payload)
    if json_out:
        print_json(payload)
    else:
        table = Table(title=f"tumour PBPK fit to {source} ({result.times.size} points)")
        for c in ("parameter", "value", "unit", "95 % interval", "note"):
            table.add_column(c)
        units = {"uptake_max": "1/h", "release_rate": "1/h", "uptake_t50": "h"}
        for k, v in result.params.items():
            lo, hi = result.interval_95[k]
            table.add_row(k, f"{v:.4g}", units.get(k, "1"), f"{lo:.3g} – {hi:.3g}",
                          "at bound" if k in result.at_bound else "")
        console.print(table)
        console.print(f"rms residual of ln(%ID): {result.rms_log_residual:.3f}", highlight=False)
        for label, path in (("figure", plot), ("JSON", out)):
            if path is not None:
                console.print(f"wrote {label}: {path}", highlight=False)
    return payload
