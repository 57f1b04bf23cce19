"""Numba kernels of the optics solvers (no validation, no I/O); also valid plain Python.

Inner products are written as loops: NumPy's BLAS ``dot`` is fast alone but stalls badly when its threads
compete with other processes for few cores, which made the conjugate-gradient solve 40× slower.
"""

from __future__ import annotations

import numpy as np

from ferrokit._shared.numba import HAVE_NUMBA, njit


@njit
def _dot_loop(a, b):  # pragma: no cover - compiled
    s = 0.0
    for i in range(a.size):
        s += a[i] * b[i]
    return s


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product of two 1-D float arrays without BLAS threads."""
    if HAVE_NUMBA:
        return float(_dot_loop(a, b))
    return float(np.einsum("i,i->", a, b))
