"""Relaxometry: fit T1, T2 and T2* from signal series, per curve, per label (phantom tube / ROI) or per voxel.

Models (times ``t`` in s; rates ``R = 1/T`` are the internal fit parameters):

- T1, inversion recovery (``"ir"``), magnitude data with polarity restoration:
  :math:`S(TI) = |a + b\\,e^{-TI/T_1}|`, 3 parameters; the fitted offset ``a`` and the inversion factor
  ``-b/a`` (2 for a perfect inversion with TR ≫ T1) are reported.
- T1, saturation recovery (``"sr"``): :math:`S(t) = a + b\\,e^{-t/T_1}` (``b ≈ -a``), no sign flips.
- T1, variable flip angle (``"vfa"``, DESPOT1, spoiled gradient echo):
  :math:`S(α) = M_0 \\sin(B_1 α)\\,(1-E_1)/(1-\\cos(B_1 α) E_1)`, :math:`E_1 = e^{-TR/T_1}`.
- T2 (multi-echo spin echo) and T2* (multi-echo gradient echo): ``"exp"`` :math:`A e^{-TE/T_2}`;
  ``"offset"`` :math:`A e^{-TE/T_2} + c`; ``"rician"``: the mean of a Rician magnitude,
  :math:`⟨M⟩ = σ\\sqrt{π/2}\\,L_{1/2}(-ν^2/2σ^2)`, :math:`ν = A e^{-TE/T_2}` with σ fitted (or given).
  ``drop_first_echo`` discards the first echo (stimulated-echo contamination).

Fitting: a grid over the rate with the linear parameters solved in closed form (variable projection) gives
a robust start for every voxel; a vectorised Levenberg–Marquardt in NumPy then refines all voxels at once.
Uncertainty: :math:`\\mathrm{cov} = s^2 (J^T J)^{-1}`, :math:`s^2 = SSE/(n-p)`; the stderr of T follows
from that of R by the delta method, :math:`δT = δR/R^2`. With as many points as parameters (e.g. 3 TIs for
the 3-parameter IR model) the fit is exact and the stderr is NaN (no degrees of freedom).

A label (tube) fit uses the mean signal of its voxels (the least-squares fit of the pooled voxels has the
same parameters) and the pooled voxel scatter for the noise: :math:`s^2 = SSE_{pool}/(N m - p)`,
:math:`\\mathrm{cov} = s^2 (N J^T J)^{-1}` — this assumes independent voxel noise (smoothed or
interpolated images make it optimistic).

References
----------
- Barral J.K. et al., "A robust methodology for in vivo T1 mapping", MRM 2010 64:1057, DOI
  10.1002/mrm.22497 (polarity restoration of IR magnitude data) [seen-secondary].
- Milford D., Rosbach N., Bendszus M., Heiland S., "Mono-exponential fitting in T2-relaxometry: relevance of
  offset and first echo", PLoS One 2015 10:e0145255, DOI 10.1371/journal.pone.0145255 [seen-abstract].
- Gudbjartsson H., Patz S., "The Rician distribution of noisy MRI data", MRM 1995 34:910, DOI
  10.1002/mrm.1910340618 (Rician mean) [seen-secondary].
- Deoni S.C.L., Rutt B.K., Peters T.M., "Rapid combined T1 and T2 mapping using gradient recalled
  acquisition in the steady state", MRM 2003 49:515, DOI 10.1002/mrm.10407 (DESPOT1) [seen-secondary].
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.special import i0e, i1e

from ferrokit._shared.validation import FerroKitInputError, check_array, check_choice, check_positive

__all__ = [
    "MIN_POINTS",
    "T1_METHODS",
    "T2_MODELS",
    "RelaxometryFit",
    "RelaxometryMap",
    "fit_curve",
    "fit_labels",
    "fit_map",
    "rician_mean",
]

#: Fewest TIs/TEs/flip angles accepted.
MIN_POINTS = 3
T1_METHODS: tuple[str, ...] = ("ir", "sr", "vfa")
T2_MODELS: tuple[str, ...] = ("exp", "offset", "rician")
_QUANTITIES = ("T1", "T2", "T2*")
_PARAM_NAMES = {  # (names of the fit parameters, in order; the rate is converted to the time constant)
    "ir": ("offset", "amplitude", "rate"), "sr": ("offset", "amplitude", "rate"),
    "vfa": ("m0", "rate"), "exp": ("amplitude", "rate"), "offset": ("amplitude", "rate", "offset"),
    "rician": ("amplitude", "rate", "noise_variance"), "rician_fixed": ("amplitude", "rate"),
}


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


@dataclass(frozen=True, eq=False)
class RelaxometryFit:
    """One fitted relaxation curve (a CSV series, a label's mean signal, or a single voxel).

    Attributes
    ----------
    quantity : str
        ``"T1"``, ``"T2"`` or ``"T2*"``.
    model : str
        ``ir``, ``sr``, ``vfa``, ``exp``, ``offset`` or ``rician``.
    value, stderr : float
        The time constant [s] and its standard error [s] (NaN when there are no degrees of freedom).
    params, param_stderr : dict
        Fit parameters in SI (signal amplitudes in signal units, rate in 1/s, offset, noise_sigma).
    times : ndarray
        TIs/TEs [s] or flip angles [rad] (VFA) used in the fit (after dropping the first echo).
    signal : ndarray
        The signal fitted (sign-restored for IR).
    n_voxels, dof : int
        Voxels pooled (1 for a curve) and residual degrees of freedom.
    residual_std : float
        :math:`\\sqrt{SSE/dof}` [signal units].
    converged : bool
    tr : float or None
        Repetition time [s] (VFA).
    notes : tuple of str
    """

    quantity: str
    model: str
    value: float
    stderr: float
    params: dict[str, float]
    param_stderr: dict[str, float]
    times: np.ndarray = field(repr=False)
    signal: np.ndarray = field(repr=False)
    n_voxels: int
    dof: int
    residual_std: float
    converged: bool
    tr: float | None = None
    noise_sigma: float | None = None
    notes: tuple[str, ...] = ()

    def predict(self, times) -> np.ndarray:
        """Model signal at ``times`` [s] (flip angles [rad] for VFA); signed for IR/SR."""
        t = np.asarray(times, dtype=float)
        kind = "rician_fixed" if self.model == "rician" and self.noise_sigma is not None else self.model
        par = dict(self.params)
        if kind == "rician":
            par["noise_variance"] = par["noise_sigma"] ** 2
        p = np.array([[par[k] for k in _PARAM_NAMES[kind]]])
        extra = self.tr if self.model == "vfa" else self.noise_sigma
        return _MODELS[kind](p, t.ravel(), extra)[0][0].reshape(t.shape)

    def to_dict(self) -> dict:
        """SI values with their units."""
        unit = {"offset": "signal", "amplitude": "signal", "m0": "signal", "rate": "1/s", "noise_sigma": "signal"}
        out = {
            "quantity": self.quantity, "model": self.model,
            "value": {"value": self.value, "stderr": self.stderr, "unit": "s"},
            "params": {k: {"value": v, "stderr": self.param_stderr[k], "unit": unit[k]}
                       for k, v in self.params.items()},
            "times": {"value": self.times.tolist(), "unit": "rad" if self.model == "vfa" else "s"},
            "n_points": int(self.times.size), "n_voxels": self.n_voxels, "dof": self.dof,
            "residual_std": self.residual_std, "converged": self.converged, "notes": list(self.notes),
        }
        if self.model == "ir":
            a, b = self.params["offset"], self.params["amplitude"]
            out["inversion_factor"] = -b / a if a else float("nan")
        if self.tr is not None:
            out["tr"] = {"value": self.tr, "unit": "s"}
        return out

    def plot(self, ax=None, *, label: str | None = None):
        """Data and fitted curve; returns the axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        scale, xl = (180 / math.pi, "flip angle (deg)") if self.model == "vfa" else (1e3, "time (ms)")
        tt = np.linspace(0 if self.model != "vfa" else self.times.min(), self.times.max(), 200)
        line = ax.plot(tt * scale, self.predict(tt), "-", lw=1)[0]
        txt = f"{self.quantity} = {self.value * 1e3:.4g} ± {self.stderr * 1e3:.2g} ms"
        ax.plot(self.times * scale, self.signal, "o", ms=4, color=line.get_color(),
                label=f"{label}: {txt}" if label else txt)
        ax.set_xlabel(xl)
        ax.set_ylabel("signal (a.u.)" + (" (sign-restored)" if self.model == "ir" else ""))
        ax.legend(fontsize=7)
        return ax


def _check_inputs(quantity: str, times, model: str, *, tr, noise_sigma, drop_first_echo: bool, m: int):
    check_choice("quantity", quantity, _QUANTITIES)
    if quantity == "T1":
        check_choice("method", model, T1_METHODS)
        if drop_first_echo:
            raise FerroKitInputError("drop_first_echo applies to T2/T2* echo trains only")
    else:
        check_choice("model", model, T2_MODELS)
    t = check_array("times" if model != "vfa" else "flip_angles", times)
    if t.size != m:
        raise FerroKitInputError(f"got {t.size} times/flip angles for {m} images/points per curve; they must match")
    if model == "vfa":
        if tr is None:
            raise FerroKitInputError("the VFA method needs the repetition time tr [s]")
        check_positive("tr", tr, unit="s")
        if np.any(t <= 0) or np.any(t >= math.pi):
            raise FerroKitInputError("flip_angles must lie in (0, 180) deg, i.e. (0, π) rad")
    elif np.any(t < 0) or (model == "ir" and np.any(t <= 0)):
        raise FerroKitInputError("times must be > 0 s (inversion times) or ≥ 0 s (echo/saturation times)")
    if np.unique(t).size < MIN_POINTS:
        raise FerroKitInputError(f"need at least {MIN_POINTS} distinct times/flip angles, got {np.unique(t).size}")
    if noise_sigma is not None:
        if model != "rician":
            raise FerroKitInputError("noise_sigma is used only by the 'rician' model")
        check_positive("noise_sigma", noise_sigma)
    keep = np.ones(t.size, bool)
    if drop_first_echo:
        keep[np.argmin(t)] = False
        if np.unique(t[keep]).size < MIN_POINTS:
            raise FerroKitInputError(f"after dropping the first echo fewer than {MIN_POINTS} echoes remain")
    return t, keep


def _kind(model: str, noise_sigma) -> str:
    return "rician_fixed" if model == "rician" and noise_sigma is not None else model


def _make_fit(quantity, model, kind, p, cov, sse, ok, y, t, *, n_voxels, tr, noise_sigma, notes=()):
    names = _PARAM_NAMES[kind]
    m = t.size
    npar = len(names)
    dof = n_voxels * m - npar
    s2 = sse / dof if dof > 0 else float("nan")
    perr = np.sqrt(np.abs(np.diag(cov)) * s2 / n_voxels) if dof > 0 else np.full(npar, np.nan)
    params = {k: float(v) for k, v in zip(names, p, strict=True)}
    perrs = {k: float(v) for k, v in zip(names, perr, strict=True)}
    if "noise_variance" in params:  # report σ (stderr by the delta method)
        v = params.pop("noise_variance")
        ev = perrs.pop("noise_variance")
        params["noise_sigma"] = math.sqrt(v)
        perrs["noise_sigma"] = ev / (2 * math.sqrt(v)) if v > 0 else float("nan")
    rate = params["rate"]
    notes = list(notes)
    if dof <= 0:
        notes.append(f"{m} points for {npar} parameters: exact fit, no uncertainty")
    if not ok:
        notes.append("the fit did not converge or the rate hit its bound; do not trust this value")
    return RelaxometryFit(quantity=quantity, model=model, value=1 / rate, stderr=perrs["rate"] / rate**2,
                          params=params, param_stderr=perrs, times=t, signal=y, n_voxels=n_voxels, dof=int(dof),
                          residual_std=float(math.sqrt(s2)) if dof > 0 else float("nan"), converged=bool(ok),
                          tr=tr, noise_sigma=noise_sigma, notes=tuple(notes))


def fit_curve(signal, times, *, quantity: str, model: str, tr: float | None = None,
              noise_sigma: float | None = None, drop_first_echo: bool = False, b1: float = 1.0) -> RelaxometryFit:
    """Fit one relaxation curve.

    Parameters
    ----------
    signal : array (m,)
        Signal at each time (magnitude for IR).
    times : array (m,)
        TI, saturation delay or TE [s]; flip angles [rad] for ``model="vfa"``.
    quantity : {"T1", "T2", "T2*"}
    model : str
        T1: ``ir``, ``sr`` or ``vfa``; T2/T2*: ``exp``, ``offset`` or ``rician``.
    tr : float, optional
        Repetition time [s] (VFA only).
    noise_sigma : float, optional
        Known per-channel noise σ for the ``rician`` model (fitted when omitted).
    drop_first_echo : bool
        Discard the shortest TE.
    b1 : float
        Flip-angle scale (B1 map value, 1 = nominal), VFA only.

    Examples
    --------
    >>> import numpy as np
    >>> te = np.array([10, 20, 40, 80]) * 1e-3
    >>> fit = fit_curve(1000 * np.exp(-te / 0.05), te, quantity="T2", model="exp")
    >>> round(fit.value, 6)
    0.05
    """
    y = check_array("signal", signal)
    t, keep = _check_inputs(quantity, times, model, tr=tr, noise_sigma=noise_sigma,
                            drop_first_echo=drop_first_echo, m=y.size)
    return _fit_pooled(quantity, model, y[None, :], t, keep, tr=tr, noise_sigma=noise_sigma, b1=b1)


def _fit_pooled(quantity, model, yv: np.ndarray, t, keep, *, tr, noise_sigma, b1) -> RelaxometryFit:
    """Fit the mean of the rows of ``yv`` (n_voxels, m); noise from the pooled scatter."""
    check_positive("b1", b1)
    t, yv = t[keep], yv[:, keep]
    order = np.argsort(t, kind="stable")
    t, yv = t[order], yv[:, order]
    tf = t * b1 if model == "vfa" else t
    kind = _kind(model, noise_sigma)
    ymean = yv.mean(axis=0)[None, :]
    p, cov, sse, ok, yused = _fit_rows(kind, ymean, tf, tr=tr, noise_sigma=noise_sigma)
    y_used = yused[0]
    n = yv.shape[0]
    if n > 1:  # pooled SSE: scatter about the mean + n × misfit of the mean
        signs = np.where(y_used < 0, -1.0, 1.0) if model == "ir" else 1.0
        sse_pool = float(np.sum((yv * signs - y_used) ** 2) + n * sse[0])
    else:
        sse_pool = float(sse[0])
    return _make_fit(quantity, model, kind, p[0], cov[0], sse_pool, bool(ok[0]), y_used, t, n_voxels=n, tr=tr,
                     noise_sigma=noise_sigma)


def fit_labels(series, times, labels, *, quantity: str, model: str, tr: float | None = None,
               noise_sigma: float | None = None, drop_first_echo: bool = False,
               b1: float = 1.0) -> dict[int, RelaxometryFit]:
    """Fit the mean signal of each label (> 0) of ``labels`` in ``series`` (spatial shape + (m,)).

    Returns ``{label: RelaxometryFit}`` in label order. See the module docstring for the pooled noise.
    """
    y = np.asarray(series, dtype=float)
    lab = np.asarray(labels)
    if y.ndim < 2 or y.shape[:-1] != lab.shape:
        raise FerroKitInputError(f"labels shape {lab.shape} does not match the image shape {y.shape[:-1]}")
    if not np.all(np.isfinite(y)):
        raise FerroKitInputError("the image series contains NaN or inf")
    t, keep = _check_inputs(quantity, times, model, tr=tr, noise_sigma=noise_sigma,
                            drop_first_echo=drop_first_echo, m=y.shape[-1])
    ids = [int(v) for v in np.unique(lab) if v > 0]
    if not ids:
        raise FerroKitInputError("the label map / mask is empty (no voxel > 0)")
    return {i: _fit_pooled(quantity, model, y[lab == i], t, keep, tr=tr, noise_sigma=noise_sigma, b1=b1)
            for i in ids}


@dataclass(frozen=True, eq=False)
class RelaxometryMap:
    """Per-voxel fit: parameter maps with the image's spatial shape (NaN where not fitted or failed).

    Attributes
    ----------
    quantity, model : str
    maps : dict of ndarray
        ``{quantity_key: T [s], quantity_key + "_stderr": [s], param: ..., param + "_stderr": ...}`` where
        quantity_key is ``t1``, ``t2`` or ``t2star``.
    mask : ndarray of bool
        Voxels fitted.
    n_fitted, n_failed : int
    """

    quantity: str
    model: str
    maps: dict[str, np.ndarray] = field(repr=False)
    mask: np.ndarray = field(repr=False)
    n_fitted: int
    n_failed: int

    @property
    def key(self) -> str:
        """File-name key of the time constant map (``t1``, ``t2``, ``t2star``)."""
        return self.quantity.lower().replace("*", "star")

    def to_dict(self) -> dict:
        """Summary (no arrays): median and IQR of the time constant over fitted voxels."""
        v = self.maps[self.key][self.mask]
        v = v[np.isfinite(v)]
        q = np.percentile(v, [25, 50, 75]).tolist() if v.size else [float("nan")] * 3
        return {"quantity": self.quantity, "model": self.model, "n_fitted": self.n_fitted,
                "n_failed": self.n_failed, "median": {"value": q[1], "unit": "s"},
                "iqr": {"value": [q[0], q[2]], "unit": "s"}, "maps": sorted(self.maps)}


def fit_map(series, times, *, quantity: str, model: str, mask=None, tr: float | None = None,
            noise_sigma: float | None = None, drop_first_echo: bool = False, b1=1.0, chunk: int = 20000,
            progress: Callable[[int, int], None] | None = None) -> RelaxometryMap:
    """Per-voxel fit of ``series`` (spatial shape + (m,)) inside ``mask`` (all voxels when None).

    ``b1`` may be a scalar or a map (VFA). ``progress(done, total)`` is called after each chunk of voxels.
    Voxels whose fit fails (no convergence, rate at its bound) are NaN and counted in ``n_failed``.

    Examples
    --------
    >>> import numpy as np
    >>> te = np.array([0.01, 0.02, 0.04, 0.08])
    >>> t2 = np.array([[0.03, 0.06]])
    >>> res = fit_map(500 * np.exp(-te / t2[..., None]), te, quantity="T2", model="exp")
    >>> np.round(res.maps["t2"], 6).tolist()
    [[0.03, 0.06]]
    """
    y = np.asarray(series, dtype=float)
    if y.ndim < 2:
        raise FerroKitInputError(f"series must have spatial axes and a last axis of times, got shape {y.shape}")
    t, keep = _check_inputs(quantity, times, model, tr=tr, noise_sigma=noise_sigma,
                            drop_first_echo=drop_first_echo, m=y.shape[-1])
    shape = y.shape[:-1]
    msk = np.ones(shape, bool) if mask is None else np.asarray(mask) > 0
    if msk.shape != shape:
        raise FerroKitInputError(f"mask shape {msk.shape} does not match the image shape {shape}")
    if not msk.any():
        raise FerroKitInputError("the mask is empty (no voxel > 0)")
    b1map = np.broadcast_to(np.asarray(b1, dtype=float), shape)
    if not np.all(np.isfinite(b1map[msk])) or np.any(b1map[msk] <= 0):
        raise FerroKitInputError("b1 must be finite and > 0")
    yv = y[msk][:, keep]
    if not np.all(np.isfinite(yv)):
        raise FerroKitInputError("the image series contains NaN or inf inside the mask")
    t = t[keep]
    order = np.argsort(t, kind="stable")
    t, yv = t[order], yv[:, order]
    b1v = b1map[msk]
    kind = _kind(model, noise_sigma)
    names = _PARAM_NAMES[kind]
    npar, m = len(names), t.size
    n = yv.shape[0]
    params, errs, ok = np.full((n, npar), np.nan), np.full((n, npar), np.nan), np.zeros(n, bool)
    for s in range(0, n, chunk):
        sl = slice(s, min(s + chunk, n))
        if model == "vfa" and np.ptp(b1v[sl]) > 0:
            for b in np.unique(b1v[sl]):  # group voxels with the same B1 (a measured map: few unique values)
                ii = np.flatnonzero(b1v[sl] == b) + s
                params[ii], errs[ii], ok[ii] = _chunk(kind, yv[ii], t * b, tr, noise_sigma, m, npar)
        else:
            tt = t * b1v[s] if model == "vfa" else t
            params[sl], errs[sl], ok[sl] = _chunk(kind, yv[sl], tt, tr, noise_sigma, m, npar)
        if progress is not None:
            progress(sl.stop, n)
    params[~ok], errs[~ok] = np.nan, np.nan
    key = quantity.lower().replace("*", "star")
    maps: dict[str, np.ndarray] = {}

    def put(name, values):
        full = np.full(shape, np.nan)
        full[msk] = values
        maps[name] = full

    rate, rerr = params[:, names.index("rate")], errs[:, names.index("rate")]
    put(key, 1 / rate)
    put(key + "_stderr", rerr / rate**2)
    for i, name in enumerate(names):
        if name == "noise_variance":
            sig = np.sqrt(params[:, i])
            with np.errstate(divide="ignore", invalid="ignore"):
                put("noise_sigma", sig)
                put("noise_sigma_stderr", np.where(sig > 0, errs[:, i] / (2 * sig), np.nan))
        elif name != "rate":
            put(name, params[:, i])
            put(name + "_stderr", errs[:, i])
    return RelaxometryMap(quantity=quantity, model=model, maps=maps, mask=msk, n_fitted=int(ok.sum()),
                          n_failed=int(n - ok.sum()))


def _chunk(kind, y, t, tr, noise_sigma, m, npar):
    p, cov, sse, ok, _ = _fit_rows(kind, y, t, tr=tr, noise_sigma=noise_sigma)
    dof = m - npar
    if dof > 0:
        err = np.sqrt(np.abs(np.diagonal(cov, axis1=1, axis2=2)) * (sse / dof)[:, None])
    else:
        err = np.full(p.shape, np.nan)
    return p, err, ok
