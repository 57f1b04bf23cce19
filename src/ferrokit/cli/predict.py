"""``ferrokit predict``: derived properties of a particle (later issues add MRI and AMF outputs here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from ferrokit import __version__
from ferrokit._shared.schema import validate_model
from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli._common import console, handle_errors, print_json
from ferrokit.constants import MU_0
from ferrokit.hyperthermia.slp import parse_amf, predict_slp
from ferrokit.io.atomic import write_json_atomic
from ferrokit.io.particle_file import read_particle
from ferrokit.magnetism.properties import DEFAULT_TAU0, MagneticProperties, predict_magnetic_properties
from ferrokit.materials.library import get_agent
from ferrokit.materials.particle import Particle
from ferrokit.mri.relaxivity import predict_relaxivity

HELP = (
    "Predict the derived properties of a particle: composition, density, Fe fraction, Ms at T, K_eff, "
    "Néel/Brown/effective relaxation times and blocking temperature; with --field, the relaxivities r1, r2, r2* "
    "and the regime; with --amf, the SLP, ILP, ξ, the heating model and the field-safety checks. Give the "
    "particle as options in lab units, as a library agent (--agent), or as a YAML file (--particle); options "
    "override agent/file values."
)


def _coating(text: str) -> dict[str, Any]:
    parts = [p.strip() for p in text.split(":")]
    if len(parts) not in (2, 3) or not parts[0]:
        raise FerroKitInputError(f"--coating: expected MATERIAL:THICKNESS[:permeable|impermeable], got {text!r}")
    out: dict[str, Any] = {"material": parts[0], "thickness": parse_quantity(parts[1], "length", name="--coating")}
    if len(parts) == 3:
        if parts[2] not in ("permeable", "impermeable"):
            raise FerroKitInputError(f"--coating: third part must be 'permeable' or 'impermeable', got {parts[2]!r}")
        out["permeable"] = parts[2] == "permeable"
    return out


def _cluster(text: str) -> dict[str, Any]:
    parts = text.split(":")
    try:
        cores = int(parts[0])
        packing = float(parts[1]) if len(parts) == 2 else None
    except (ValueError, IndexError):
        cores, packing = -1, None
    if len(parts) != 2 or cores < 1 or packing is None:
        raise FerroKitInputError(f"--cluster: expected CORES:PACKING_FRACTION, e.g. 20:0.6, got {text!r}")
    return {"cores": cores, "packing_fraction": packing}


def build_particle(
    *,
    agent: str | None,
    particle_file: Path | None,
    composition: str | None,
    core: str | None,
    sigma: float | None,
    shape: str | None,
    coating: str | None,
    hydrodynamic: str | None,
    cluster: str | None,
    ms: str | None,
    ms_basis: str,
    ms_temperature: str | None,
    anisotropy: str | None,
) -> Particle:
    """Assemble a Particle from an agent or a file, then apply the options given on the command line."""
    if agent and particle_file:
        raise FerroKitInputError("give either --agent or --particle, not both")
    base: dict[str, Any] = {}
    if agent:
        base = get_agent(agent).particle.model_dump(exclude_none=True)
    elif particle_file:
        base = read_particle(particle_file).model_dump(exclude_none=True)
    over: dict[str, Any] = {}
    if composition is not None:
        over["composition"] = composition
    if core is not None:
        over["core_diameter"] = parse_quantity(core, "length", name="--core")
    if sigma is not None:
        over["core_sigma"] = sigma
    if shape is not None:
        over["shape"] = shape
    if coating is not None:
        over["coating"] = None if coating.lower() == "none" else _coating(coating)
    if hydrodynamic is not None:
        over["hydrodynamic_diameter"] = parse_quantity(hydrodynamic, "length", name="--hydrodynamic")
    if cluster is not None:
        over["cluster"] = _cluster(cluster)
    if ms is not None:
        entry: dict[str, Any] = {"value": parse_quantity(ms, "mass_magnetization", name="--ms"), "basis": ms_basis}
        if ms_temperature is not None:
            entry["temperature"] = parse_quantity(ms_temperature, "temperature", name="--ms-temperature")
        over["ms"] = entry
    if anisotropy is not None:
        over["anisotropy"] = parse_quantity(anisotropy, "energy_density", name="--anisotropy")
    data = {**base, **over}
    if "composition" not in data or "core_diameter" not in data:
        raise FerroKitInputError("describe the particle: --agent NAME, --particle FILE.yaml, or at least "
                                 "--composition and --core")
    return validate_model(Particle, data, where="particle")


def _fmt(x: float) -> str:
    return f"{x:.4g}" if 1e-3 <= abs(x) < 1e5 or x == 0 else f"{x:.3e}"


_DISPLAY: list[tuple[str, str, float, str]] = [
    # key, label, factor from SI, lab unit
    ("density", "density", 1e-3, "g/cm³"),
    ("molar_mass", "molar mass", 1e3, "g/mol"),
    ("iron_mass_fraction", "Fe mass fraction", 1.0, "g Fe/g oxide"),
    ("metal_mass_fraction", "metal mass fraction", 1.0, "g metal/g oxide"),
    ("equivalent_diameter", "core (volume-equivalent sphere)", 1e9, "nm"),
    ("volume_weighted_diameter", "volume-weighted mean core", 1e9, "nm"),
    ("aggregate_diameter", "aggregate", 1e9, "nm"),
    ("hydrodynamic_diameter", "hydrodynamic", 1e9, "nm"),
    ("ms_mass", "Ms (per g oxide)", 1.0, "emu/g"),
    ("ms_iron", "Ms (per g Fe)", 1.0, "emu/g Fe"),
    ("ms_volume", "Ms (volume)", 1e-3, "kA/m"),
    ("k_eff", "K_eff", 1e-3, "kJ/m³"),
    ("energy_barrier_ratio", "K_eff V / k_B T", 1.0, ""),
    ("viscosity", "carrier viscosity", 1e3, "mPa s"),
    ("tau_neel", "τ Néel", 1.0, "s"),
    ("tau_brown", "τ Brown", 1.0, "s"),
    ("tau_eff", "τ effective", 1.0, "s"),
    ("blocking_temperature", "blocking temperature", 1.0, "K"),
]


def show_properties(props: MagneticProperties) -> None:
    """Print the properties as a table in lab units."""
    p = props.particle
    table = Table(title=f"{p.name or p.composition_info.formula} at {props.temperature:g} K "
                        f"({props.temperature - 273.15:.4g} °C)")
    table.add_column("property")
    table.add_column("value", justify="right")
    table.add_column("unit")
    table.add_column("source", overflow="fold")
    for key, label, factor, unit in _DISPLAY:
        v = props.values[key]
        table.add_row(label, _fmt(v.value * factor), unit, v.source)
    console.print(p.describe())
    console.print(table)
    for note in props.notes:
        console.print(f"note: {note}")


def predict(
    agent: str | None = typer.Option(None, "--agent", help="Library agent, e.g. ferumoxytol."),
    particle_file: Path | None = typer.Option(None, "--particle", help="Particle YAML file."),
    composition: str | None = typer.Option(None, "--composition", help="e.g. Fe3O4, Zn0.4Mn0.6Fe2O4."),
    core: str | None = typer.Option(None, "--core", help="Median core size, e.g. 12nm."),
    sigma: float | None = typer.Option(None, "--sigma", help="Lognormal σ of the core size (0 = monodisperse)."),
    shape: str | None = typer.Option(None, "--shape", help="sphere, cube or octahedron."),
    coating: str | None = typer.Option(None, "--coating", help="MATERIAL:THICKNESS[:impermeable], or none."),
    hydrodynamic: str | None = typer.Option(None, "--hydrodynamic", help="Hydrodynamic diameter, e.g. 30nm."),
    cluster: str | None = typer.Option(None, "--cluster", help="CORES:PACKING_FRACTION for multicore particles."),
    ms: str | None = typer.Option(None, "--ms", help="Measured Ms, e.g. 60emu/g (replaces the model)."),
    ms_basis: str = typer.Option("oxide", "--ms-basis", help="Mass basis of --ms: oxide, iron, metal."),
    ms_temperature: str | None = typer.Option(None, "--ms-temperature", help="Temperature of --ms (300K)."),
    anisotropy: str | None = typer.Option(None, "--anisotropy", help="Measured K_eff, e.g. 15kJ/m3."),
    temperature: str = typer.Option("300K", "--temperature", "-T", help="Temperature, e.g. 37C or 310K."),
    tau0: str = typer.Option(f"{DEFAULT_TAU0:g}s", "--tau0", help="Néel attempt time."),
    field: str | None = typer.Option(None, "--field", help="MRI field B0, e.g. 3T: adds r1, r2, r2* and the regime."),
    echo_spacing: str | None = typer.Option(None, "--echo-spacing", help="CPMG echo spacing for r2, e.g. 10ms."),
    amf: str | None = typer.Option(None, "--amf", help="AMF as FREQUENCY,AMPLITUDE, e.g. 300kHz,15kA/m (or mT, Oe)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (SI values with units) instead of a table."),
    out: Path | None = typer.Option(None, "--out", help="Also write the JSON to this file."),
) -> None:
    handle_errors(_predict)(agent, particle_file, composition, core, sigma, shape, coating, hydrodynamic,
                            cluster, ms, ms_basis, ms_temperature, anisotropy, temperature, tau0, field,
                            echo_spacing, amf, json_out, out)


def _predict(agent, particle_file, composition, core, sigma, shape, coating, hydrodynamic, cluster, ms,
             ms_basis, ms_temperature, anisotropy, temperature, tau0, field, echo_spacing, amf, json_out,
             out) -> None:
    particle = build_particle(
        agent=agent, particle_file=particle_file, composition=composition, core=core, sigma=sigma, shape=shape,
        coating=coating, hydrodynamic=hydrodynamic, cluster=cluster, ms=ms, ms_basis=ms_basis,
        ms_temperature=ms_temperature, anisotropy=anisotropy,
    )
    if echo_spacing is not None and field is None:
        raise FerroKitInputError("--echo-spacing needs --field (the MRI field B0)")
    t = parse_quantity(temperature, "temperature", name="--temperature")
    t0 = parse_quantity(tau0, "time", name="--tau0")
    props = predict_magnetic_properties(particle, temperature=t, tau0=t0)
    result: dict[str, Any] = {"ferrokit_version": __version__, "agent": agent, **props.to_dict()}
    relax = slp = None
    if field is not None:
        b0 = MU_0 * parse_quantity(field, "field", name="--field")
        te = None if echo_spacing is None else parse_quantity(echo_spacing, "time", name="--echo-spacing")
        relax = predict_relaxivity(particle, field=b0, temperature=t, echo_spacing=te)
        result["relaxivity"] = relax.to_dict()
        unit = "mM-1 s-1"
        result["properties"].update({
            "r1": {"value": relax.r1, "unit": unit, "source": relax.models.get("r1", "")},
            "r2": {"value": relax.r2, "unit": unit, "source": relax.models.get("r2", "")},
            "r2star": {"value": relax.r2star, "unit": unit, "source": relax.models.get("r2star", "")},
            "r2_r1": {"value": relax.r2_r1, "unit": "1"},
            "mri_regime": {"value": relax.regime, "unit": ""},
        })
    if amf is not None:
        frequency, amplitude = parse_amf(amf)
        slp = predict_slp(particle, frequency=frequency, amplitude=amplitude, temperature=t, tau0=t0)
        result["heating"] = slp.to_dict()
        result["properties"].update({
            "slp": {"value": slp.slp / 1e3, "unit": "W/g Fe", "source": slp.model},
            "slp_oxide": {"value": slp.slp_oxide / 1e3, "unit": "W/g oxide", "source": slp.model},
            "ilp": {"value": slp.ilp * 1e9, "unit": "nH m2/kg Fe"},
            "xi": {"value": slp.xi, "unit": "1", "source": "μ0 Ms V H / k_B T, median core"},
            "heating_model": {"value": slp.model, "unit": ""},
            "heating_blend_weight": {"value": slp.blend_weight, "unit": "1",
                                     "source": "master-equation weight of the unified model (0 = LRT)"},
        })
    if out is not None:
        write_json_atomic(out, result)
    if json_out:
        print_json(result)
    else:
        show_properties(props)
        if relax is not None:
            _show_relaxivity(relax)
        if slp is not None:
            _show_heating(slp)
        if out is not None:
            console.print(f"wrote {out}")


def _show_relaxivity(r) -> None:
    table = Table(title=f"MRI at {r.field:g} T" + (f", echo spacing {r.echo_spacing * 1e3:g} ms"
                                                    if r.echo_spacing else ""))
    for col in ("quantity", "value", "unit", "model"):
        table.add_column(col, overflow="fold")
    table.add_row("r1", f"{r.r1:.4g}", "mM⁻¹ s⁻¹", r.models.get("r1", ""))
    table.add_row("r2", f"{r.r2:.4g}", "mM⁻¹ s⁻¹", r.models.get("r2", ""))
    table.add_row("r2*", f"{r.r2star:.4g}", "mM⁻¹ s⁻¹", r.models.get("r2star", ""))
    table.add_row("r2/r1", f"{r.r2_r1:.3g}", "", "")
    table.add_row("Δω·τ_D", f"{r.delta_omega_tau_d:.3g}", "", f"regime: {r.regime}")
    console.print(table)
    for note in r.notes:
        console.print(f"note: {note}")


def _show_heating(s) -> None:
    table = Table(title=f"AMF {s.frequency / 1e3:g} kHz, {s.amplitude / 1e3:.4g} kA/m")
    for col in ("quantity", "value", "unit"):
        table.add_column(col)
    table.add_row("SLP", f"{s.slp / 1e3:.4g}", "W/g Fe")
    table.add_row("SLP", f"{s.slp_oxide / 1e3:.4g}", "W/g oxide")
    table.add_row("ILP", f"{s.ilp * 1e9:.4g}", "nH m² kg⁻¹")
    table.add_row("ξ", f"{s.xi:.3g}", "")
    table.add_row("model", s.model, "")
    if s.model == "unified":
        table.add_row("master-equation weight", f"{s.blend_weight:.3g}", "0 = LRT, 1 = master equation")
    for check in s.limit_checks:
        flag = "[red]EXCEEDED[/]" if check.exceeded else "ok"
        table.add_row(f"H·f vs {check.name}", f"{check.value:.3g} / {check.limit:.3g}", f"A m⁻¹ s⁻¹ {flag}")
    console.print(table)
    for note in s.notes:
        console.print(f"note: {note}")
