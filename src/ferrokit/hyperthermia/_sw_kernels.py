"""Numba kernel of the tabulated two-state master equation used by the unified SLP model (no validation, no I/O).

Valid plain Python as well (slow without numba). See :func:`ferrokit.hyperthermia.stoner_wohlfarth.me_loop_area`.
"""

from __future__ import annotations

import math

import numpy as np

from ferrokit._shared.numba import njit


@njit
def me_areas(hmax, beta, rate_phase, brown_phase, d_plus, d_minus, c_plus, c_minus, gap, w_psi, n_steps,
             out):  # pragma: no cover - compiled
    """Reduced loop area −∮ m dh (m = M/Ms, h = H/H_K, |h| clamped at 1) for each particle/field case.

    hmax, beta, rate_phase, brown_phase : (n,) arrays — H_max/H_K, KV/k_BT, 1/(2τ0 ω) and 1/(τ_B ω) (rates per
    radian of field phase). d_plus/d_minus: barriers (units of KV) of the field-favoured / opposite well on a
    uniform h grid over [0, 1] per easy-axis angle, shape (n_psi, n_tab); −1 where the well does not exist.
    c_plus/c_minus: cos θ of the wells; gap: half the difference of the two in-plane maxima (units of KV),
    so that each well escapes over either barrier. Half a period (phase 0..π) in ``n_steps`` steps, uniform in
    phase while h < 1; for H_max > H_K the plateau |h| ≥ 1 (one well, p = 1, no area) is a single step and the
    steps are spent on the two ramps. Steady state from the antisymmetry p(t + T/2) = 1 − p(t).
    """
    n_psi, n_tab = d_plus.shape
    dh_tab = 1.0 / (n_tab - 1)
    half = n_steps // 2
    n_nodes = 2 * half + 2
    phi = np.empty(n_nodes)
    h_node = np.empty(n_nodes)
    h_mid = np.empty(n_nodes - 1)
    dphi = np.empty(n_nodes - 1)
    a_buf = np.empty(n_nodes - 1)
    b_buf = np.empty(n_nodes - 1)
    for q in range(hmax.size):
        hm = hmax[q]
        phi1 = math.asin(1.0 / hm) if hm > 1.0 else 0.5 * math.pi
        for k in range(half + 1):
            phi[k] = phi1 * k / half
            phi[n_nodes - 1 - k] = math.pi - phi1 * k / half
        for k in range(n_nodes):
            h_node[k] = min(hm * math.sin(phi[k]), 1.0)
        for k in range(n_nodes - 1):
            h_mid[k] = min(hm * math.sin(0.5 * (phi[k] + phi[k + 1])), 1.0)
            dphi[k] = phi[k + 1] - phi[k]
        be = beta[q]
        r0 = rate_phase[q]
        gb = brown_phase[q]
        total = 0.0
        for j in range(n_psi):
            # pass 1: per-step affine maps p -> A p + B and their composition over half a period
            a = 1.0
            b = 0.0
            for k in range(n_nodes - 1):
                x = h_mid[k] / dh_tab
                i = min(int(x), n_tab - 2)
                f = x - i
                dp0 = d_plus[j, i]
                dp1 = d_plus[j, i + 1]
                dm0 = d_minus[j, i]
                dm1 = d_minus[j, i + 1]
                if dm0 < 0.0 or dm1 < 0.0:  # the opposite well has vanished: it empties at once
                    aa = 0.0
                    bb = 1.0
                elif dp0 < 0.0 or dp1 < 0.0:  # not reached for h >= 0; kept for safety
                    aa = 0.0
                    bb = 0.0
                else:
                    dp = dp0 + f * (dp1 - dp0)
                    dm = dm0 + f * (dm1 - dm0)
                    # escape over either in-plane barrier: ½(e^{−βd} + e^{−β(d + 2g)}) per well
                    two = 0.5 * (1.0 + math.exp(-2.0 * be * (gap[j, i] + f * (gap[j, i + 1] - gap[j, i]))))
                    gam = (r0 * two * (math.exp(-be * dp) + math.exp(-be * dm)) + gb) * dphi[k]
                    peq = 1.0 / (1.0 + math.exp(-be * (dp - dm)))
                    aa = math.exp(-gam)
                    bb = peq * (1.0 - aa)
                a_buf[k] = aa
                b_buf[k] = bb
                a = aa * a
                b = aa * b + bb
            p = (1.0 - b) / (1.0 + a)  # p(T/2) = 1 − p(0)
            # pass 2: populations at the nodes, m, trapezoid ∫ m dh
            acc = 0.0
            m_prev = 0.0
            for k in range(n_nodes):
                x = h_node[k] / dh_tab
                i = min(int(x), n_tab - 2)
                f = x - i
                cp = c_plus[j, i] + f * (c_plus[j, i + 1] - c_plus[j, i])
                cm = c_minus[j, i] + f * (c_minus[j, i + 1] - c_minus[j, i])
                m = p * cp + (1.0 - p) * cm
                if k > 0:
                    acc += 0.5 * (m + m_prev) * (h_node[k] - h_node[k - 1])
                m_prev = m
                if k < n_nodes - 1:
                    p = a_buf[k] * p + b_buf[k]
            total += w_psi[j] * acc
        out[q] = -2.0 * total
