"""Numba kernels of the k-space solver (no validation); also valid plain Python (then slow: tests only).

Fields are C-contiguous and viewed as ``(pre, n, post)`` around the PML axis, so one kernel serves 2D and 3D.
"""

from __future__ import annotations

import numpy as np

from ferrokit._shared.numba import HAVE_NUMBA, njit


@njit(nogil=True)
def _pml_update3(f, inc, m):  # pragma: no cover - compiled
    """f ← m (m f − inc) in place, m varying along the middle axis of the (pre, n, post) view."""
    n0, n1, n2 = f.shape
    for a in range(n0):
        for j in range(n1):
            mj = m[j]
            if mj == 1.0:
                for b in range(n2):
                    f[a, j, b] -= inc[a, j, b]
            else:
                for b in range(n2):
                    f[a, j, b] = mj * (mj * f[a, j, b] - inc[a, j, b])


@njit(nogil=True)
def _pml_update_last(f, inc, m):  # pragma: no cover - compiled
    """f ← m (m f − inc) in place, m varying along the last axis of the (pre, n) view (vectorised inner loop)."""
    n0, n1 = f.shape
    for a in range(n0):
        for j in range(n1):
            f[a, j] = m[j] * (m[j] * f[a, j] - inc[a, j])


@njit(nogil=True)
def _sum_scaled(out, fields, c2):  # pragma: no cover - compiled
    """out ← c2 Σ_i fields[i] (flat views; 2 or 3 fields, one vectorised pass)."""
    nf, n = fields.shape
    if nf == 2:
        for k in range(n):
            out[k] = c2 * (fields[0, k] + fields[1, k])
    else:
        for k in range(n):
            out[k] = c2 * (fields[0, k] + fields[1, k] + fields[2, k])


@njit(nogil=True)
def _csr_matvec(indptr, indices, values, x, out):  # pragma: no cover - compiled
    for r in range(out.size):
        acc = 0.0
        for k in range(indptr[r], indptr[r + 1]):
            acc += values[k] * x[indices[k]]
        out[r] = acc


def csr_matvec_into(w, x: np.ndarray, out: np.ndarray) -> None:
    """``out ← w @ x`` for a CSR matrix ``w`` (sensor sampling without a temporary per time step)."""
    if HAVE_NUMBA:
        _csr_matvec(w.indptr, w.indices, w.data, x, out)
    else:
        out[...] = w @ x


def pml_update(field: np.ndarray, incr: np.ndarray, m: np.ndarray, axis: int) -> None:
    """``field ← m (m·field − incr)`` in place with the 1-D PML factor ``m`` of ``axis`` (C-contiguous arrays)."""
    shape = field.shape
    view = (int(np.prod(shape[:axis], dtype=int)), shape[axis], int(np.prod(shape[axis + 1:], dtype=int)))
    if HAVE_NUMBA:
        if view[2] == 1:
            _pml_update_last(field.reshape(view[:2]), incr.reshape(view[:2]), m)
        else:
            _pml_update3(field.reshape(view), incr.reshape(view), m)
    else:
        mm = m.reshape(1, -1, 1)
        f = field.reshape(view)
        f *= mm
        f -= incr.reshape(view)
        f *= mm


def sum_scaled(out: np.ndarray, fields: np.ndarray, c2: float) -> None:
    """``out ← c2·Σ_i fields[i]`` for a scalar ``c2`` (``fields`` has one more leading axis than ``out``)."""
    if HAVE_NUMBA and fields.shape[0] in (2, 3):
        _sum_scaled(out.reshape(-1), fields.reshape(fields.shape[0], -1), c2)
    else:
        np.sum(fields, axis=0, out=out)
        out *= c2
