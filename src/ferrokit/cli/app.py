"""The ``ferrokit`` command: a thin Typer app; each domain adds its sub-command module here."""

from __future__ import annotations

import typer

from ferrokit import __version__
from ferrokit.cli import demo, magnetometry, materials, predict

app = typer.Typer(
    name="ferrokit",
    help="FerroKit: iron-based nanomaterial theranostics, from particle to plan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(materials.app, name="materials", help="Browse the reference library of particles.")
app.add_typer(magnetometry.app, name="magnetometry", help="Analyse measured M(H) curves.")
app.command(name="predict", help=predict.HELP)(predict.predict)
app.command(name="demo", help=demo.HELP)(demo.demo)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ferrokit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """FerroKit command line."""


def main() -> None:
    """Console-script entry point."""
    app()
