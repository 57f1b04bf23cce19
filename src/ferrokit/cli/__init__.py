"""Command-line interface: a thin Typer app, one module per domain."""
