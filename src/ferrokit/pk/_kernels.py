"""Numba kernels of the PBPK right-hand side and its analytic Jacobian (no validation, no I/O).

State y: amounts as fractions of the dose; time in hours (scaled for conditioning; SI at the API).
dy/dt = L·y + Σ_k transfer_k(t, y) + input, where L holds every linear exchange (blood flow, membrane
permeation, excretion) and each transfer moves mass from ``src`` to ``dst`` at
k(t)·y_src·max(0, 1 − y_dst/cap) and back at k_rel·y_dst, with k(t) = k_max tⁿ/(k50ⁿ + tⁿ) (Hill) or k_max.
"""

from __future__ import annotations

import numpy as np

from ferrokit._shared.numba import njit


@njit
def hill_rate(t, kmax, k50, n, hill):
    """Uptake rate constant at time t: Hill-type if ``hill`` else constant ``kmax``."""
    if kmax == 0.0:
        return 0.0
    if not hill or k50 <= 0.0:
        return kmax
    if t <= 0.0:
        return 0.0
    x = (t / k50) ** n
    return kmax * x / (1.0 + x)


@njit
def rhs(t, y, lin, src, dst, kmax, k50, n, hill, cap, krel, inflow_idx, inflow_rate, out):
    """Fill ``out`` with dy/dt."""
    m = y.shape[0]
    for i in range(m):
        acc = 0.0
        for j in range(m):
            acc += lin[i, j] * y[j]
        out[i] = acc
    for k in range(src.shape[0]):
        s = src[k]
        d = dst[k]
        rate = hill_rate(t, kmax[k], k50[k], n[k], hill[k])
        g = 1.0 - y[d] / cap[k]
        if g < 0.0:
            g = 0.0
        flux = rate * y[s] * g - krel[k] * y[d]
        out[s] -= flux
        out[d] += flux
    if inflow_idx >= 0:
        out[inflow_idx] += inflow_rate


@njit
def jacobian(t, y, lin, src, dst, kmax, k50, n, hill, cap, krel, out):
    """Fill ``out`` with ∂(dy/dt)/∂y."""
    m = y.shape[0]
    for i in range(m):
        for j in range(m):
            out[i, j] = lin[i, j]
    for k in range(src.shape[0]):
        s = src[k]
        d = dst[k]
        rate = hill_rate(t, kmax[k], k50[k], n[k], hill[k])
        g = 1.0 - y[d] / cap[k]
        dfs = 0.0
        dfd = -krel[k]
        if g > 0.0:
            dfs = rate * g
            dfd -= rate * y[s] / cap[k]
        out[s, s] -= dfs
        out[d, s] += dfs
        out[s, d] -= dfd
        out[d, d] += dfd


def empty_like_state(m: int) -> tuple[np.ndarray, np.ndarray]:
    """Work arrays for :func:`rhs` and :func:`jacobian`."""
    return np.zeros(m), np.zeros((m, m))
