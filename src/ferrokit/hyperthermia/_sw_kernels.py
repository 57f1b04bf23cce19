"""Numba kernels of the unified SLP model (no validation, no I/O): the tabulated two-state master equation
(:func:`ferrokit.hyperthermia.stoner_wohlfarth.master_equation_power`) and the nonlinear superparamagnetic
relaxation models (:func:`ferrokit.hyperthermia.kinetic.kinetic_loop_area`).

Valid plain Python as well (slow without numba).
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


@njit
def _langevin_pair(y):  # pragma: no cover - compiled
    """L(y) and R(y) = L(y)/(y L'(y)) (R → 1 at y → 0, ≈ y at large |y|)."""
    ay = abs(y)
    if ay < 0.05:
        y2 = y * y
        lo = 1.0 / 3.0 - y2 / 45.0 + 2.0 * y2 * y2 / 945.0  # L(y)/y
        dl = 1.0 / 3.0 - y2 / 15.0 + 2.0 * y2 * y2 / 189.0  # L'(y)
        return y * lo, lo / dl
    e = math.exp(-2.0 * ay)
    lv = (1.0 + e) / (1.0 - e) - 1.0 / ay
    dl = 1.0 / (ay * ay) - 4.0 * e / ((1.0 - e) * (1.0 - e))
    r = lv / (ay * dl)
    return (lv if y > 0 else -lv), r


@njit
def _kinetic_half(xi, a, y0, sn, sm, cs, effective_field):  # pragma: no cover - compiled
    """Integrate half a period (phase 0..π) from y(0) = y0; return (y(π), −∫₀^π m cos φ dφ).

    sn, cs: sin and cos of the n + 1 phase nodes kπ/n; sm: sin at the n step midpoints. Debye
    (``effective_field`` False): the variable is m, dm/dφ = (L(ξ sin φ) − m)/a. Effective field: the variable is
    y (m = L(y)), dy/dφ = (ξ sin φ − y) R(y)/a. Each step: exponential integrator with the target linear over
    the step and the rate frozen at a predicted midpoint (for the linear Debye form: exact for that target).
    """
    n = sm.size
    dphi = math.pi / n
    u = y0
    acc = 0.0
    t0 = 0.0  # Debye target L(ξ sin 0)
    if effective_field:
        m_prev, r_u = _langevin_pair(u)
    else:
        m_prev, r_u = u, 1.0
    e_debye = math.exp(-dphi / a)
    for k in range(n):
        x1 = xi * sn[k + 1]
        if effective_field:
            x0 = xi * sn[k]
            s = (x1 - x0) / dphi
            r = r_u / a
            xh = xi * sm[k]
            sh = (xh - x0) / (0.5 * dphi)
            uh = xh - sh / r + (u - x0 + sh / r) * math.exp(-0.5 * r * dphi)  # predictor: half step
            r = _langevin_pair(uh)[1] / a
            u = x1 - s / r + (u - x0 + s / r) * math.exp(-r * dphi)
            m, r_u = _langevin_pair(u)
        else:
            t1 = _langevin_pair(x1)[0]
            s = (t1 - t0) / dphi
            u = t1 - s * a + (u - t0 + s * a) * e_debye
            t0 = t1
            m = u
        acc += 0.5 * (m * cs[k + 1] + m_prev * cs[k]) * dphi
        m_prev = m
    return u, -acc


@njit
def kinetic_areas(xi, a, effective_field, n_steps, out):  # pragma: no cover - compiled
    """Reduced loop area A = −∮ m dh (m = M/Ms, h = H/H_max = sin φ) of the nonlinear relaxation models.

    xi, a : (n,) arrays — ξ = μ0 Ms V H_max/(k_B T) (> 0) and ωτ (> 0); ``n_steps`` steps per half period.
    Periodic steady state from the antisymmetry y(φ + π) = −y(φ): the root of G(y0) = y(π; y0) + y0
    (G' ∈ [1, 2]) by secant steps kept inside the bracket where G changes sign (bisection when they leave it);
    A = 2 × (−∫₀^π m cos φ dφ) of the last pass.
    """
    dphi = math.pi / n_steps
    sn = np.empty(n_steps + 1)
    cs = np.empty(n_steps + 1)
    sm = np.empty(n_steps)
    for k in range(n_steps + 1):
        sn[k] = math.sin(k * dphi)
        cs[k] = math.cos(k * dphi)
    sn[n_steps] = 0.0
    for k in range(n_steps):
        sm[k] = math.sin((k + 0.5) * dphi)
    for q in range(xi.size):
        x = xi[q]
        aa = a[q]
        if aa > 1e12 or x <= 0.0:
            out[q] = 0.0
            continue
        lin = aa / (1.0 + aa * aa)
        if effective_field:
            lo, hi = -x, 0.0
            y_a = -x * lin  # linear-response start
        else:
            lo, hi = -1.0, 0.0
            y_a = -_langevin_pair(x)[0] * lin
        g_a = _kinetic_half(x, aa, y_a, sn, sm, cs, effective_field)[0] + y_a
        y_b = min(max(y_a - g_a, lo), hi)  # one fixed-point step y0 → −y(π; y0) as the second point
        if y_b == y_a:
            y_b = y_a * 0.999 - 1e-12
        end, area = _kinetic_half(x, aa, y_b, sn, sm, cs, effective_field)
        g_b = end + y_b
        for _ in range(60):
            if abs(g_b) <= 1e-11 * (1.0 + abs(y_b)):
                break
            if g_a < 0.0:
                lo = max(lo, y_a)
            else:
                hi = min(hi, y_a)
            if g_b < 0.0:
                lo = max(lo, y_b)
            else:
                hi = min(hi, y_b)
            if g_b == g_a:
                break
            y_n = y_b - g_b * (y_b - y_a) / (g_b - g_a)
            if not (lo <= y_n <= hi):
                y_n = 0.5 * (lo + hi)
            y_a, g_a = y_b, g_b
            y_b = y_n
            end, area = _kinetic_half(x, aa, y_b, sn, sm, cs, effective_field)
            g_b = end + y_b
        out[q] = 2.0 * area
