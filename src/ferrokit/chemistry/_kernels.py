"""Rate and rate-Jacobian kernels for assembled reaction networks (no validation, no I/O).

Terms are stored in a CSR-like layout: term ``j`` uses the state indices ``idx[ptr[j]:ptr[j+1]]`` with their
orders (mass action, surface) or Michaelis constants (enzymes). ``kind``: 0 mass action, 1 surface,
2 saturation product (Michaelis–Menten), 3 ping-pong bi-bi. Negative concentrations (solver round-off) are
read as zero in enzyme and fractional-order rate laws;
integer-order mass action uses them as they are (smooth, so Newton iterations converge through 0).
"""

from __future__ import annotations

import math

import numpy as np

from ferrokit._shared.numba import njit

MASS_ACTION, SURFACE, SATURATION, PING_PONG = 0, 1, 2, 3


@njit
def _pos(x):
    return x if x > 0.0 else 0.0


@njit
def _conc(x, n):
    """Concentration entering a power law: as is for integer orders (smooth through 0), clipped otherwise."""
    if n == math.floor(n):
        return x
    return x if x > 0.0 else 0.0


@njit
def _power(x, n):
    if n == 0.0:
        return 1.0
    if n == 1.0:
        return x
    if n == 2.0:
        return x * x
    return x**n


@njit
def rates(c, kind, k, ptr, idx, par, enzyme, carrier, carrier_ref, out):  # pragma: no cover - numba
    """Fill ``out[j]`` with the rate of term j [mol m⁻³ s⁻¹] at state ``c``."""
    surf = 1.0
    if carrier >= 0:
        surf = _power(_pos(c[carrier]) / carrier_ref, 2.0 / 3.0)
    for j in range(kind.shape[0]):
        kj = kind[j]
        if kj == MASS_ACTION or kj == SURFACE:
            r = k[j]
            if kj == SURFACE:
                r *= surf
            for p in range(ptr[j], ptr[j + 1]):
                r *= _power(_conc(c[idx[p]], par[p]), par[p])
            out[j] = r
        elif kj == SATURATION:
            r = k[j] * _pos(c[enzyme[j]])
            for p in range(ptr[j], ptr[j + 1]):
                s = _pos(c[idx[p]])
                r *= s / (par[p] + s)
            out[j] = r
        else:
            a = _pos(c[idx[ptr[j]]])
            b = _pos(c[idx[ptr[j] + 1]])
            ka = par[ptr[j]]
            kb = par[ptr[j] + 1]
            den = kb * a + ka * b + a * b
            out[j] = 0.0 if den <= 0.0 else k[j] * _pos(c[enzyme[j]]) * a * b / den


@njit
def rate_jacobian(c, kind, k, ptr, idx, par, enzyme, carrier, carrier_ref, out):  # pragma: no cover - numba
    """Fill ``out[j, i]`` = ∂r_j/∂c_i (``out`` must be zeroed by the caller)."""
    surf = 1.0
    dsurf = 0.0
    if carrier >= 0:
        x = _pos(c[carrier])
        surf = _power(x / carrier_ref, 2.0 / 3.0)
        dsurf = 0.0 if x <= 0.0 else (2.0 / 3.0) * surf / x
    for j in range(kind.shape[0]):
        kj = kind[j]
        lo = ptr[j]
        hi = ptr[j + 1]
        if kj == MASS_ACTION or kj == SURFACE:
            base = k[j]
            for q in range(lo, hi):
                # derivative with respect to the species of entry q: product over the others
                n = par[q]
                x = _conc(c[idx[q]], n)
                if n == 0.0 or (x <= 0.0 and n < 1.0):
                    d = 0.0
                elif n == 1.0:
                    d = base
                else:
                    d = base * n * _power(x, n - 1.0)
                if d == 0.0:
                    continue
                for p in range(lo, hi):
                    if p != q:
                        d *= _power(_conc(c[idx[p]], par[p]), par[p])
                if kj == SURFACE:
                    d *= surf
                out[j, idx[q]] += d
            if kj == SURFACE and carrier >= 0:
                r = base * dsurf
                for p in range(lo, hi):
                    r *= _power(_conc(c[idx[p]], par[p]), par[p])
                out[j, carrier] += r
        elif kj == SATURATION:
            e = _pos(c[enzyme[j]])
            for q in range(lo, hi):
                s = _pos(c[idx[q]])
                d = k[j] * e * par[q] / ((par[q] + s) * (par[q] + s))
                for p in range(lo, hi):
                    if p != q:
                        sp = _pos(c[idx[p]])
                        d *= sp / (par[p] + sp)
                out[j, idx[q]] += d
            r = k[j]
            for p in range(lo, hi):
                sp = _pos(c[idx[p]])
                r *= sp / (par[p] + sp)
            out[j, enzyme[j]] += r
        else:
            a = _pos(c[idx[lo]])
            b = _pos(c[idx[lo + 1]])
            ka = par[lo]
            kb = par[lo + 1]
            den = kb * a + ka * b + a * b
            if den > 0.0:
                e = _pos(c[enzyme[j]])
                v = k[j] * e
                # d/da [ab/den] = b (den - a (kb + b)) / den² = b² ka / den²
                out[j, idx[lo]] += v * ka * b * b / (den * den)
                out[j, idx[lo + 1]] += v * kb * a * a / (den * den)
                out[j, enzyme[j]] += k[j] * a * b / den


def empty_jacobian(n_terms: int, n_state: int) -> np.ndarray:
    """A zeroed (n_terms, n_state) array for :func:`rate_jacobian`."""
    return np.zeros((n_terms, n_state))
