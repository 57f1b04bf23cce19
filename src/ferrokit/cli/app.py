"""The ``ferrokit`` command: a thin Typer app; each domain adds its sub-command module here."""

from __future__ import annotations

import typer

from ferrokit import __version__
from ferrokit.cli import (
    calorimetry,
    cdt,
    demo,
    design,
    hyperthermia,
    magnetometry,
    materials,
    mri,
    optics,
    pa,
    pk,
    predict,
    radiomics,
    relaxometry,
    response,
    study,
)

app = typer.Typer(
    name="ferrokit",
    help="FerroKit: iron-based nanomaterial theranostics, from particle to plan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(materials.app, name="materials", help="Browse the reference library of particles.")
app.add_typer(magnetometry.app, name="magnetometry", help="Analyse measured M(H) curves.")
app.add_typer(mri.app, name="mri", help="MRI: Monte Carlo spin-dynamics simulation of relaxation.")
app.add_typer(relaxometry.app, name="relaxometry", help="T1/T2/T2* maps and relaxivities from measurements.")
app.add_typer(calorimetry.app, name="calorimetry", help="SLP/ILP from AMF heating curves.")
app.add_typer(hyperthermia.app, name="hyperthermia", help="SLP maps and 3D bioheat treatment planning.")
app.add_typer(radiomics.app, name="radiomics",
              help="IBSI-compliant radiomics: IBSI check, extraction, cohort batches, delta radiomics, models.")
app.add_typer(optics.app, name="optics", help="Optical spectra, fluence, photothermal therapy and efficiency.")
app.add_typer(pa.app, name="pa", help="Photoacoustics: k-space simulation, reconstruction, spectral unmixing.")
app.add_typer(cdt.app, name="cdt", help="Chemodynamic therapy: Fenton/GOx/GSH reaction kinetics.")
app.add_typer(pk.app, name="pk", help="Nanoparticle biodistribution: PBPK simulation and tumour-delivery fits.")
app.add_typer(design.app, name="design", help="Literature datasets, grouped-CV surrogate models, predictions.")
app.add_typer(response.app, name="response", help="Tumour response to therapy arms, synergy, immune model.")
app.add_typer(study.app, name="study", help="Virtual theranostic study: run a study config or a parameter sweep.")
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
