"""Optional numba: ``njit`` compiles with numba when it is installed and is the identity otherwise.

Kernels decorated with :func:`njit` must therefore also be valid (if slower) plain-NumPy Python.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:  # numba is an optional extra ("fast")
    import numba as _numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - depends on the environment
    _numba = None
    HAVE_NUMBA = False


def njit(*args: Any, **kwargs: Any) -> Callable:
    """``numba.njit(cache=True, ...)`` when numba is available, else a no-op decorator."""
    if HAVE_NUMBA:
        kwargs.setdefault("cache", True)
        return _numba.njit(*args, **kwargs)
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]

    def wrap(func: Callable) -> Callable:
        return func

    return wrap
