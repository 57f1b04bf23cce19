"""Input validation helpers: every public function checks its inputs with these and names the bad one.

All errors raised for bad *user input* are :class:`FerroKitInputError` (a :class:`ValueError`), so the CLI
can turn them into one clear line and exit code 2.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np


class FerroKitInputError(ValueError):
    """A user-supplied value, file or option is invalid. The message says what, where and what is allowed."""


def check_finite(name: str, value: float) -> float:
    """Return ``float(value)`` or raise if it is not a finite real number."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise FerroKitInputError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise FerroKitInputError(f"{name} must be finite, got {value!r}")
    return x


def check_positive(name: str, value: float, *, unit: str = "") -> float:
    """Return ``float(value)`` or raise unless it is finite and > 0."""
    x = check_finite(name, value)
    if x <= 0:
        raise FerroKitInputError(f"{name} must be > 0{' ' + unit if unit else ''}, got {x:g}")
    return x


def check_nonnegative(name: str, value: float, *, unit: str = "") -> float:
    """Return ``float(value)`` or raise unless it is finite and ≥ 0."""
    x = check_finite(name, value)
    if x < 0:
        raise FerroKitInputError(f"{name} must be ≥ 0{' ' + unit if unit else ''}, got {x:g}")
    return x


def check_range(
    name: str,
    value: float,
    low: float,
    high: float,
    *,
    unit: str = "",
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return ``float(value)`` or raise unless it lies in the interval [low, high] (bounds as requested)."""
    x = check_finite(name, value)
    ok_low = x >= low if low_inclusive else x > low
    ok_high = x <= high if high_inclusive else x < high
    if not (ok_low and ok_high):
        lb = "[" if low_inclusive else "("
        hb = "]" if high_inclusive else ")"
        u = f" {unit}" if unit else ""
        raise FerroKitInputError(f"{name} must lie in {lb}{low:g}, {high:g}{hb}{u}, got {x:g}")
    return x


def check_choice(name: str, value: str, choices: Iterable[str]) -> str:
    """Return ``value`` or raise unless it is one of ``choices``."""
    options = list(choices)
    if value not in options:
        raise FerroKitInputError(f"{name} must be one of {', '.join(options)}; got {value!r}")
    return value


def check_array(name: str, values, *, ndim: int = 1, min_size: int = 1, finite: bool = True) -> np.ndarray:
    """Return ``values`` as a float array after checking dimension, size and finiteness."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise FerroKitInputError(f"{name} must be numeric") from None
    if arr.ndim != ndim:
        raise FerroKitInputError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if arr.size < min_size:
        raise FerroKitInputError(f"{name} needs at least {min_size} values, got {arr.size}")
    if finite and not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise FerroKitInputError(f"{name} contains {bad} non-finite value(s) (NaN or inf)")
    return arr


def check_values(name: str, value, *, sign: str | None = "positive", unit: str = "") -> np.ndarray:
    """Return ``value`` as a float array (any shape) after checking it is finite and, by ``sign``, > 0
    (``"positive"``), ≥ 0 (``"nonnegative"``) or unrestricted (``None``)."""
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise FerroKitInputError(f"{name} must be finite{' (' + unit + ')' if unit else ''}")
    if sign is not None:
        bad = arr <= 0 if sign == "positive" else arr < 0
        if np.any(bad):
            v = float(arr.ravel()[np.argmax(bad.ravel())])
            op = ">" if sign == "positive" else "≥"
            raise FerroKitInputError(f"{name} must be {op} 0{' ' + unit if unit else ''}, got {v:g}")
    return arr


def scalar_or_array(x):
    """A Python float for 0-d results, the array otherwise (public functions accept scalars or arrays)."""
    return float(x) if np.ndim(x) == 0 else x
