"""Numba kernels for the bioheat PCG: 7-point stencil product and fused vector updates (no validation, no I/O).

Every kernel is also valid plain Python/NumPy (slow without numba; the solver then uses scipy.sparse instead).
"""

from __future__ import annotations

import math

from ferrokit._shared.numba import njit


@njit
def stencil_matvec(diag, gx, gy, gz, x, out):  # pragma: no cover - compiled
    """out = diag·x − Σ_faces g (x_neighbour) for a 3D grid (arrays shaped (nx, ny, nz); g per interior face)."""
    nx, ny, nz = x.shape
    for i in range(nx):
        for j in range(ny):
            for k in range(nz):
                v = diag[i, j, k] * x[i, j, k]
                if i > 0:
                    v -= gx[i - 1, j, k] * x[i - 1, j, k]
                if i < nx - 1:
                    v -= gx[i, j, k] * x[i + 1, j, k]
                if j > 0:
                    v -= gy[i, j - 1, k] * x[i, j - 1, k]
                if j < ny - 1:
                    v -= gy[i, j, k] * x[i, j + 1, k]
                if k > 0:
                    v -= gz[i, j, k - 1] * x[i, j, k - 1]
                if k < nz - 1:
                    v -= gz[i, j, k] * x[i, j, k + 1]
                out[i, j, k] = v


@njit
def dot(a, b):  # pragma: no cover - compiled
    """Σ a·b over flat arrays."""
    s = 0.0
    for i in range(a.size):
        s += a[i] * b[i]
    return s


@njit
def update_xr(x, r, p, ap, alpha):  # pragma: no cover - compiled
    """x += α p; r −= α Ap; return ‖r‖²."""
    s = 0.0
    for i in range(x.size):
        x[i] += alpha * p[i]
        r[i] -= alpha * ap[i]
        s += r[i] * r[i]
    return s


@njit
def update_p(p, z, beta):  # pragma: no cover - compiled
    """p = z + β p."""
    for i in range(p.size):
        p[i] = z[i] + beta * p[i]


@njit
def accumulate_dose(t_new, t_old, dt, t43, floor, use_floor, cem, a, ea_over_r, damage, use_arr, tmax):
    """One interval of CEM43 (mean temperature, R = 0.5/0.25), trapezoid Arrhenius, and running maximum (flat)."""
    for i in range(t_new.size):
        tn = t_new[i]
        to = t_old[i]
        m = 0.5 * (tn + to)
        if not (use_floor and m < floor):
            d = t43 - m
            if m >= t43:
                cem[i] += 0.5**d * dt
            else:
                cem[i] += 0.25 ** min(d, 500.0) * dt
        if use_arr:
            damage[i] += 0.5 * (a * math.exp(-ea_over_r / tn) + a * math.exp(-ea_over_r / to)) * dt
        if tn > tmax[i]:
            tmax[i] = tn
