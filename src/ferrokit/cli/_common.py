"""Shared CLI plumbing: one-line errors with exit codes, JSON output, console."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from ferrokit._shared.jsonutil import jsonable
from ferrokit._shared.validation import FerroKitInputError

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

#: Optional dependencies and the pyproject extra that installs each.
_EXTRAS = {"matplotlib": "plot", "numba": "fast", "nibabel": "imaging", "nrrd": "imaging", "pydicom": "imaging",
           "skimage": "radiomics", "dask": "radiomics", "distributed": "radiomics", "pyarrow": "radiomics",
           "lifelines": "radiomics", "sklearn": "design", "SALib": "design"}

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """Print ``error: message`` on one line to stderr and exit with ``code``."""
    first = escape(" ".join(str(message).split()))  # the message is text, never rich markup ("[design]")
    err_console.print(f"[bold red]error:[/] {first}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def handle_errors(func: F) -> F:
    """Run a command, turning bad input into one line and exit 2, other failures into one line and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except FerroKitInputError as exc:
            fail(str(exc), EXIT_BAD_INPUT)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
            fail(f"{exc.strerror}: {exc.filename}", EXIT_BAD_INPUT)
        except ModuleNotFoundError as exc:
            extra = _EXTRAS.get((exc.name or "").split(".")[0])
            if extra is None:
                raise
            fail(f"this command needs the optional package {exc.name!r}: pip install 'ferrokit[{extra}]'",
                 EXIT_FAILURE)
        except Exception as exc:  # a real failure: one line, exit 1 (FERROKIT_DEBUG=1 shows the traceback)
            import os

            if os.environ.get("FERROKIT_DEBUG"):
                raise
            fail(f"{type(exc).__name__}: {exc}", EXIT_FAILURE)

    return wrapper  # type: ignore[return-value]


def write_figure_and_json(*, plot: Any, plotter: Callable[[], Any], out: Any, payload: Any) -> None:
    """Write ``plotter()``'s figure to ``plot`` and ``payload`` as JSON to ``out`` (each optional, atomic).

    ``plotter`` returns a matplotlib Axes (the result objects' ``plot()``); the figure is closed afterwards.
    """
    from ferrokit.io.atomic import save_figure_atomic, write_json_atomic

    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ax = plotter()
        try:
            save_figure_atomic(ax.figure, plot)
        finally:
            plt.close(ax.figure)
    if out is not None:
        write_json_atomic(out, payload)


def print_json(data: Any) -> None:
    """Print ``data`` as JSON to stdout (plain, no colour, for machines)."""
    sys.stdout.write(json.dumps(jsonable(data), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
