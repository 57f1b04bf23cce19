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

from ferrokit._shared.validation import FerroKitInputError, check_array, check_choice, check_positive
from ferrokit.mri._relaxometry_models import _MODELS, _fit_rows, _rice, rician_mean  # noqa: F401 (_rice: tests)

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
