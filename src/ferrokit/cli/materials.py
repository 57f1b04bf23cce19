"""``ferrokit materials``: list and show the reference library."""

from __future__ import annotations

import typer
from rich.table import Table

from ferrokit.cli._common import console, handle_errors, print_json
from ferrokit.materials.library import get_agent, list_agents

app = typer.Typer(no_args_is_help=True)


@app.command("list")
@handle_errors
def list_command(json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List the library agents with composition, sizes and coating."""
    agents = list_agents()
    if json_out:
        print_json([{"name": a.name, "aliases": a.aliases, "description": a.description,
                     "particle": a.particle.model_dump(mode="json", exclude_none=True)} for a in agents])
        return
    table = Table(title="FerroKit reference agents", show_lines=False)
    for col in ("name", "composition", "core (nm)", "d_H (nm)", "coating", "measurements"):
        table.add_column(col)
    for a in agents:
        p = a.particle
        table.add_row(
            a.name,
            p.composition_info.formula,
            f"{p.core_diameter * 1e9:.3g}" + (f" ×{p.cluster.cores}" if p.cluster else ""),
            f"{p.hydrodynamic_diameter_value * 1e9:.3g}" + ("" if p.hydrodynamic_diameter else "*"),
            p.coating.material if p.coating else "-",
            ", ".join(sorted({m.quantity for m in a.measurements})) or "-",
        )
    console.print(table)
    console.print("* computed from core and coating. `ferrokit materials show NAME` for values and sources.")


@app.command("show")
@handle_errors
def show_command(
    name: str = typer.Argument(..., help="Agent name or alias (case-insensitive)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Show one agent: particle values with their sources, and published measurements."""
    agent = get_agent(name)
    if json_out:
        print_json(agent.to_dict())
        return
    p = agent.particle
    console.print(f"[bold]{agent.name}[/] ({', '.join(agent.aliases) or 'no aliases'})")
    console.print(agent.description)
    console.print(p.describe())
    src = Table(title="particle values and sources")
    for col in ("value", "as given", "status", "citation", "DOI"):
        src.add_column(col, overflow="fold")
    for s in agent.sources:
        src.add_row(s.field, s.value, s.status, s.citation, s.doi or "")
    console.print(src)
    if agent.measurements:
        meas = Table(title="published measurements")
        for col in ("quantity", "value", "unit", "conditions", "status", "citation"):
            meas.add_column(col, overflow="fold")
        for m in agent.measurements:
            val = f"{m.value:g}" + (f" ± {m.uncertainty:g}" if m.uncertainty is not None else "")
            cond = ", ".join(f"{k} {v}" for k, v in m.conditions.items())
            meas.add_row(m.quantity, val, m.unit, cond, m.status, m.citation)
        console.print(meas)
