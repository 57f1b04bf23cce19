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


@njit
def tumour_bdf2(th, ca, q, vb, vt, pa, part, kmax, k50, n, krel, out):
    """Tumour sub-model driven by a given arterial plasma concentration (variable-step BDF2).

    States (fractions of the dose) blood b, tissue t, phagocytes p; ``th`` [h] increasing from 0, ``ca`` the
    arterial concentration [dose fraction / m³] on ``th``; flows [m³/h], volumes [m³], rates [1/h].
    dA_b/dt = q (C_A - A_b/V_b) - PA A_b/V_b + PA A_t/(P V_t); dA_t/dt = PA A_b/V_b - PA A_t/(P V_t) - K(t) A_t
    + k_rel A_p; dA_p/dt = K(t) A_t - k_rel A_p. BDF2 is L-stable, so the fast blood mode (q/V_b ~ 10³/h) is
    damped without resolving it. Fills ``out`` (m × 3).
    """
    m = th.shape[0]
    a_bb = -(q + pa) / vb
    a_bt = pa / (part * vt)
    a_tb = pa / vb
    yb, yt, yp = 0.0, 0.0, 0.0
    pb, pt, pp = 0.0, 0.0, 0.0
    out[0, 0] = 0.0
    out[0, 1] = 0.0
    out[0, 2] = 0.0
    h_prev = 0.0
    for i in range(1, m):
        h = th[i] - th[i - 1]
        if i == 1:  # backward Euler start
            beta = h
            rb, rt, rp = yb, yt, yp
        else:
            w = h / h_prev
            c0 = (1.0 + w) * (1.0 + w) / (1.0 + 2.0 * w)
            c1 = w * w / (1.0 + 2.0 * w)
            beta = h * (1.0 + w) / (1.0 + 2.0 * w)
            rb = c0 * yb - c1 * pb
            rt = c0 * yt - c1 * pt
            rp = c0 * yp - c1 * pp
        kk = hill_rate(th[i], kmax, k50, n, True)
        rb += beta * q * ca[i]
        # (I - beta A) y = r, A = [[a_bb, a_bt, 0], [a_tb, -a_bt - kk, krel], [0, kk, -krel]]
        m00 = 1.0 - beta * a_bb
        m01 = -beta * a_bt
        m10 = -beta * a_tb
        m11 = 1.0 + beta * (a_bt + kk)
        m12 = -beta * krel
        m21 = -beta * kk
        m22 = 1.0 + beta * krel
        # eliminate b (row 0) and p (row 2) into row 1
        s11 = m11 - m10 * m01 / m00 - m12 * m21 / m22
        r1 = rt - m10 * rb / m00 - m12 * rp / m22
        nt = r1 / s11
        nb = (rb - m01 * nt) / m00
        np_ = (rp - m21 * nt) / m22
        pb, pt, pp = yb, yt, yp
        yb, yt, yp = nb, nt, np_
        h_prev = h
        out[i, 0] = yb
        out[i, 1] = yt
        out[i, 2] = yp
