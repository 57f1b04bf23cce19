"""Signal models and the vectorised least-squares engine behind :mod:`ferrokit.mri.relaxometry`.

Each model maps parameters ``p`` (rows = curves) and times ``t`` to signals; the rate ``R = 1/T`` is a fit
parameter. ``_fit_rows`` starts every curve from a grid over the rate with the linear parameters solved in
closed form (variable projection) and refines all curves at once with Levenberg–Marquardt. The equations,
their validity and references are documented in :mod:`ferrokit.mri.relaxometry`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.special import i0e, i1e


def rician_mean(nu, sigma):
    """Mean magnitude of a Rician variable with true amplitude ``nu`` and per-channel noise ``sigma``.

    .. math:: ⟨M⟩ = σ\\sqrt{π/2}\\; e^{-z}\\,[(1+2z) I_0(z) + 2z I_1(z)],\\quad z = ν^2/(4σ^2)

    (:math:`= σ\\sqrt{π/2}\\,L_{1/2}(-ν^2/2σ^2)`, Gudbjartsson & Patz 1995). Limits: ⟨M⟩ → ν for σ → 0 and
    ⟨M⟩ = σ√(π/2) for ν = 0.

    >>> round(float(rician_mean(0.0, 1.0)), 6)   # sqrt(pi/2)
    1.253314
    >>> round(float(rician_mean(100.0, 1.0)), 4)  # ≈ ν + σ²/(2ν)
    100.005
    """
    return _rice(np.asarray(nu, dtype=float), np.asarray(sigma, dtype=float))[0]


def _rice(nu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rician mean and its derivatives ∂/∂ν, ∂/∂σ (Euler: μ is homogeneous of degree 1 in (ν, σ))."""
    nu = np.abs(nu)
    s = np.maximum(sigma, 1e-300)
    c = math.sqrt(math.pi / 2)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        z = nu**2 / (4 * s**2)
        a, b = i0e(z), i1e(z)
        mu = np.where(sigma > 0, s * c * ((1 + 2 * z) * a + 2 * z * b), nu)
        dnu = np.where(sigma > 0, c * nu / (2 * s) * (a + b), 1.0)
        large = z > 1e12  # asymptotic: μ ≈ ν + σ²/(2ν)
        mu = np.where(large, nu + s**2 / (2 * np.maximum(nu, 1e-300)), mu)
        dnu = np.where(large, 1.0, dnu)
        dsig = np.where(sigma > 0, (mu - nu * dnu) / s, 0.0)
    return mu, dnu, dsig


# ---------------------------------------------------------------------------------------------------------
# models: f(P, t, extra) -> (F (n, m), J (n, m, p)); P (n, p)


def _m_exp(p, t, extra):
    e = np.exp(-p[:, 1:2] * t)
    return p[:, 0:1] * e, np.stack([e, -p[:, 0:1] * t * e], axis=-1)


def _m_offset(p, t, extra):
    e = np.exp(-p[:, 1:2] * t)
    return p[:, 0:1] * e + p[:, 2:3], np.stack([e, -p[:, 0:1] * t * e, np.ones_like(e)], axis=-1)


def _m_rician(p, t, extra):
    e = np.exp(-p[:, 1:2] * t)
    nu = p[:, 0:1] * e
    sig = p[:, 2:3] if extra is None else np.broadcast_to(np.asarray(extra, float).reshape(-1, 1), nu.shape)
    sig = np.sqrt(np.maximum(sig, 0.0)) if extra is None else sig  # fitted: the variance σ² (well conditioned)
    mu, dnu, dsig = _rice(nu, sig)
    cols = [dnu * e, dnu * (-p[:, 0:1] * t * e)]
    if extra is None:  # ∂μ/∂σ² = (∂μ/∂σ)/(2σ) → 1/(2ν) as σ → 0
        with np.errstate(divide="ignore", invalid="ignore"):
            dvar = np.where(sig > 1e-6 * np.abs(nu), dsig / (2 * sig), 1 / (2 * np.maximum(np.abs(nu), 1e-300)))
        cols.append(dvar)
    return mu, np.stack(cols, axis=-1)


def _m_recovery(p, t, extra):
    e = np.exp(-p[:, 2:3] * t)
    return p[:, 0:1] + p[:, 1:2] * e, np.stack([np.ones_like(e), e, -p[:, 1:2] * t * e], axis=-1)


def _m_vfa(p, alpha, tr):
    e1 = np.exp(-p[:, 1:2] * tr)
    sa, ca = np.sin(alpha), np.cos(alpha)
    den = 1 - ca * e1
    g = sa * (1 - e1) / den
    df_de = p[:, 0:1] * sa * (ca - 1) / den**2
    return p[:, 0:1] * g, np.stack([g * np.ones_like(e1), df_de * (-tr * e1)], axis=-1)


_MODELS: dict[str, Callable] = {"exp": _m_exp, "offset": _m_offset, "rician": _m_rician,
                                "rician_fixed": _m_rician, "ir": _m_recovery, "sr": _m_recovery, "vfa": _m_vfa}
_RATE_INDEX = {"ir": 2, "sr": 2, "vfa": 1, "exp": 1, "offset": 1, "rician": 1, "rician_fixed": 1}


def _grid_start(y: np.ndarray, t: np.ndarray, basis: Callable[[float], np.ndarray], rates: np.ndarray):
    """Best rate on a grid with the linear coefficients in closed form (variable projection)."""
    best_sse = np.full(y.shape[0], np.inf)
    best_coef = np.zeros((y.shape[0], basis(rates[0]).shape[1]))
    best_rate = np.full(y.shape[0], rates[0])
    for r in rates:
        b = basis(r)
        coef = y @ np.linalg.pinv(b).T
        sse = np.sum((y - coef @ b.T) ** 2, axis=1)
        better = sse < best_sse
        best_sse[better], best_coef[better], best_rate[better] = sse[better], coef[better], r
    return best_coef, best_rate


def _start(model: str, y: np.ndarray, t: np.ndarray, extra, rates: np.ndarray) -> np.ndarray:
    if model == "vfa":  # DESPOT1 linearisation: S/sinα = E1 S/tanα + M0(1-E1), per voxel
        xs, ys = y / np.tan(t), y / np.sin(t)
        xm, ym = xs.mean(1, keepdims=True), ys.mean(1, keepdims=True)
        slope = np.sum((xs - xm) * (ys - ym), 1) / np.maximum(np.sum((xs - xm) ** 2, 1), 1e-300)
        slope = np.clip(np.nan_to_num(slope, nan=0.5), 1e-6, 1 - 1e-9)
        inter = ym[:, 0] - slope * xm[:, 0]
        return np.column_stack([inter / (1 - slope), -np.log(slope) / extra])
    if model in ("ir", "sr"):
        coef, rate = _grid_start(y, t, lambda r: np.column_stack([np.ones_like(t), np.exp(-r * t)]), rates)
        return np.column_stack([coef, rate])
    if model == "exp" or model == "rician_fixed":
        coef, rate = _grid_start(y, t, lambda r: np.exp(-r * t)[:, None], rates)
        return np.column_stack([coef[:, 0], rate])
    coef, rate = _grid_start(y, t, lambda r: np.column_stack([np.exp(-r * t), np.ones_like(t)]), rates)
    if model == "offset":
        return np.column_stack([coef[:, 0], rate, coef[:, 1]])
    floor = np.maximum(coef[:, 1], 1e-3 * np.abs(y).max(axis=1) + 1e-300) / math.sqrt(math.pi / 2)
    return np.column_stack([coef[:, 0], rate, floor**2])  # rician: noise floor c ≈ σ√(π/2); fit σ²


def _lm(model: str, y: np.ndarray, t: np.ndarray, extra, p0: np.ndarray, rate_bounds: tuple[float, float],
        max_iter: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised Levenberg–Marquardt: returns params, covariance, SSE, converged flags."""
    f = _MODELS[model]
    ri = _RATE_INDEX[model]
    p = p0.copy()
    n, npar = p.shape
    lam = np.full(n, 1e-3)
    fit, jac = f(p, t, extra)
    sse = np.sum((y - fit) ** 2, axis=1)
    active = np.isfinite(sse)
    done = np.zeros(n, bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        j = jac[idx]
        r = y[idx] - fit[idx]
        jtj = np.einsum("nmp,nmq->npq", j, j)
        g = np.einsum("nmp,nm->np", j, r)
        d = np.diagonal(jtj, axis1=1, axis2=2)
        damp = lam[idx, None] * np.maximum(d, 1e-12 * d.max(axis=1, keepdims=True) + 1e-300)
        a = jtj + np.einsum("np,pq->npq", damp, np.eye(npar))
        try:
            step = np.linalg.solve(a, g[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = np.einsum("npq,nq->np", np.linalg.pinv(a), g)
        pn = p[idx] + step
        pn[:, ri] = np.clip(pn[:, ri], *rate_bounds)
        if model == "rician":
            pn[:, 2] = np.maximum(pn[:, 2], 0.0)
        fn, jn = f(pn, t, extra)
        ssen = np.sum((y[idx] - fn) ** 2, axis=1)
        better = np.isfinite(ssen) & (ssen <= sse[idx])
        bi = idx[better]
        gain = (sse[bi] - ssen[better]) / np.maximum(sse[bi], 1e-300)
        small = np.all(np.abs(step[better]) <= 1e-10 * (np.abs(pn[better]) + 1e-12), axis=1)
        p[bi], fit[bi], jac[bi], sse[bi] = pn[better], fn[better], jn[better], ssen[better]
        lam[bi] = np.maximum(lam[bi] / 10, 1e-12)
        lam[idx[~better]] *= 10
        conv = (gain < 1e-12) | small | (sse[bi] <= 1e-28 * np.sum(y[bi] ** 2, axis=1))
        done[bi[conv]] = True
        active[bi[conv]] = False
        stuck = idx[~better][lam[idx[~better]] > 1e12]
        done[stuck] = True  # no downhill step at any damping: a (local) minimum
        active[stuck] = False
    jtj = np.einsum("nmp,nmq->npq", jac, jac)
    cov = np.linalg.pinv(jtj)
    at_bound = (p[:, ri] <= rate_bounds[0] * (1 + 1e-9)) | (p[:, ri] >= rate_bounds[1] * (1 - 1e-9))
    ok = done & np.all(np.isfinite(p), axis=1) & ~at_bound
    return p, cov, sse, ok


def _restore_polarity(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two sign-restored candidates per curve: points before the minimum negated, without / with it."""
    k = np.argmin(np.abs(y), axis=1)
    idx = np.arange(y.shape[1])[None, :]
    ya = np.where(idx < k[:, None], -np.abs(y), np.abs(y))
    yb = np.where(idx <= k[:, None], -np.abs(y), np.abs(y))
    return ya, yb


def _fit_rows(kind: str, y: np.ndarray, t: np.ndarray, *, tr: float | None, noise_sigma: float | None):
    """Fit every row of ``y`` (n, m) with model ``kind``: params (n,p), cov (n,p,p), sse (n), ok (n), y used."""
    tpos = t[t > 0] if kind != "vfa" else np.array([tr])
    tmin, tmax = float(tpos.min()), float(np.max(t) if kind != "vfa" else tr)
    bounds = (1e-3 / tmax, 1e3 / tmin) if kind != "vfa" else (1e-4 / tr, 50.0 / tr)
    rates = np.geomspace(0.03 / tmax, 30.0 / tmin, 60)
    extra = tr if kind == "vfa" else noise_sigma
    if kind == "ir":
        # rank: converged and physical (a > 0, 0 < -b/a ≤ 2.2: an inversion cannot exceed 180°) first, then
        # lower SSE; with 3 TIs both sign patterns fit exactly and only the physical check can decide
        best, best_rank = None, None
        for cand in _restore_polarity(y):
            p0 = _start("ir", cand, t, None, rates)
            out = (*_lm("ir", cand, t, None, p0, bounds), cand)
            a, b = out[0][:, 0], out[0][:, 1]
            with np.errstate(divide="ignore", invalid="ignore"):
                physical = (a > 0) & (-b / a > 0) & (-b / a <= 2.2)
            rank = 2 * out[3].astype(int) + physical.astype(int)
            if best is None:
                best, best_rank = list(out), rank
            else:
                better = (rank > best_rank) | ((rank == best_rank) & (out[2] < best[2]))
                best_rank = np.where(better, rank, best_rank)
                for i in range(5):
                    best[i] = np.where(better.reshape((-1,) + (1,) * (best[i].ndim - 1)), out[i], best[i])
        return tuple(best)
    p0 = _start(kind, y, t, extra, rates)
    return (*_lm(kind, y, t, extra, p0, bounds), y)
