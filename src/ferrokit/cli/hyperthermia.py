"""``ferrokit hyperthermia``: SLP maps and treatment planning (commands live in cli/slp.py and cli/plan.py)."""

from __future__ import annotations

import typer

from ferrokit.cli import plan, slp

app = typer.Typer(no_args_is_help=True, help="Magnetic hyperthermia: SLP maps and 3D treatment planning.")
app.command(name="slp-map", help=slp.SLP_MAP_HELP)(slp.slp_map_command)
app.command(name="plan", help=plan.HELP)(plan.plan_command)
