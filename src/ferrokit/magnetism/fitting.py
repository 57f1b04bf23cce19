"""Fit measured M(H) curves with a lognormal-Langevin model plus a linear background.

Model (per unit mass, SI):

.. math:: M(H) = M_s \\left\\langle L\\!\\left(\\frac{\\mu_0 M_{s,V} \\pi d^3 H}{6 k_B T}\\right)
          \\right\\rangle_{V} + \\chi_{bg} H,

with ``d`` lognormal (median ``d0``, σ of ``ln d``), the average volume-weighted (Gauss–Hermite in ln d),
``Ms`` the saturation magnetisation per unit mass [A m²/kg], :math:`M_{s,V}` the saturation magnetisation
per unit volume of the magnetic material [A/m] that sets the Langevin argument, and :math:`\\chi_{bg}` a
linear (dia- or paramagnetic) background [A m²/kg per A/m = m³/kg]. By default
:math:`M_{s,V} = M_s \\rho` (``density`` of the magnetic material), which is right when the mass used to
normalise M is the mass of magnetic material; when it is not (coated particles, normalisation per g Fe)
pass the magnetic material's ``ms_volume`` explicitly.

This is the method of R. W. Chantrell, J. Popplewell and S. W. Charles, IEEE Trans. Magn. 14 (1978)
975–977, doi:10.1109/TMAG.1978.1059918 (magnetic size distribution from the magnetisation curve), done as
a full nonlinear least-squares fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from ferrokit._shared.validation import (
    FerroKitInputError,
    check_array,
    check_positive,
    check_range,
)
from ferrokit.constants import K_B, MU_0, MU_B
from ferrokit.magnetism.distribution import (
    DEFAULT_NODES,
    lognormal_mean_diameter,
    lognormal_mean_volume,
    lognormal_moment,
    volume_weighted_mean_diameter,
)
from ferrokit.magnetism.hysteresis import loop_parameters
from ferrokit.magnetism.langevin import _reduced_magnetization

__all__ = ["LangevinFit", "LangevinModel"]

PARAM_UNITS: dict[str, str] = {
    "ms": "A m2/kg",
    "median_diameter": "m",
    "sigma": "1",
    "chi_background": "m3/kg",
}

_D_MIN, _D_MAX = 0.5e-9, 100e-9
_SIGMA_MIN, _SIGMA_MAX = 0.01, 1.2
_MIN_POINTS = 10
_REFERENCE = ("Chantrell, Popplewell & Charles, IEEE Trans. Magn. 14 (1978) 975, "
              "doi:10.1109/TMAG.1978.1059918")


@dataclass(frozen=True, eq=False)
class LangevinFit:
    """Result of :meth:`LangevinModel.fit` (frozen; SI values).

    Attributes
    ----------
    params : dict
        ``ms`` [A m²/kg], ``median_diameter`` [m], ``sigma`` [1], ``chi_background`` [m³/kg
        = A m²/kg per A/m].
    stderr : dict
        One standard error per parameter, from the Jacobian covariance scaled by the residual variance
        (0 for a parameter held fixed; the OLS standard error for a background fixed from the high-field
        slope).
    correlation_median_sigma : float
        Correlation coefficient of the median and σ estimates (|r| near 1: the data do not separate
        them; typical for broad distributions or curves far from saturation).
    derived : dict
        ``ms_volume`` [A/m] used in ξ, ``mean_diameter`` [m], ``volume_weighted_mean_diameter`` [m],
        ``mean_moment`` [A m²] (number-averaged μ = Ms,V ⟨V⟩), ``mean_moment_bohr`` [μ_B],
        ``initial_mass_susceptibility`` [m³/kg] (dM/dH at H = 0, Langevin part).
    reduced_chi_square : float
        Σ r²/(n − p), with r the residual divided by ``magnetization_error`` when given (dimensionless),
        else the raw residual (then it is the residual variance in (A m²/kg)²).
    residual_std, r_squared, n_points, n_parameters :
        Fit quality.
    coercivity, coercivity_resolution : float
        Hc and its resolution [A/m] from the loop branches (0 ± resolution for an anhysteretic curve).
    remanence, remanence_resolution : float
        Mr and its resolution [A m²/kg].
    """

    params: dict[str, float]
    stderr: dict[str, float]
    correlation_median_sigma: float
    covariance: np.ndarray
    free_parameters: tuple[str, ...]
    derived: dict[str, float]
    reduced_chi_square: float
    reduced_chi_square_unit: str
    residual_std: float
    r_squared: float
    n_points: int
    n_parameters: int
    coercivity: float
    coercivity_resolution: float
    remanence: float
    remanence_resolution: float
    temperature: float
    density: float
    ms_volume_given: float | None
    background_method: str
    background_above: float | None
    n_nodes: int
    field: np.ndarray = dc_field(repr=False)
    magnetization: np.ndarray = dc_field(repr=False)
    at_bounds: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    units = PARAM_UNITS

    def predict(self, field) -> np.ndarray:
        """Model magnetisation [A m²/kg] at ``field`` [A/m] with the fitted parameters."""
        h = check_array("field", np.atleast_1d(field))
        p = self.params
        return _model(h, p["ms"], p["median_diameter"], p["sigma"], p["chi_background"],
                      self.derived["ms_volume"], self.temperature, self.n_nodes)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON summary: SI values with unit names."""

        def q(value, unit):
            return {"value": _num(value), "unit": unit}

        d = self.derived
        return {
            "model": "lognormal-Langevin"
                     + ("" if self.background_method == "none" else " + linear background"),
            "reference": _REFERENCE,
            "params": {k: {"value": _num(self.params[k]), "stderr": _num(self.stderr[k]),
                           "unit": PARAM_UNITS[k]} for k in PARAM_UNITS},
            "free_parameters": list(self.free_parameters),
            "correlation_median_sigma": _num(self.correlation_median_sigma),
            "derived": {
                "ms_volume": q(d["ms_volume"], "A/m"),
                "mean_diameter": q(d["mean_diameter"], "m"),
                "volume_weighted_mean_diameter": q(d["volume_weighted_mean_diameter"], "m"),
                "mean_moment": q(d["mean_moment"], "A m2"),
                "mean_moment_bohr": q(d["mean_moment_bohr"], "mu_B"),
                "initial_mass_susceptibility": q(d["initial_mass_susceptibility"], "m3/kg"),
            },
            "fit_quality": {
                "reduced_chi_square": q(self.reduced_chi_square, self.reduced_chi_square_unit),
                "residual_std": q(self.residual_std, "A m2/kg"),
                "r_squared": _num(self.r_squared),
                "n_points": self.n_points,
                "n_parameters": self.n_parameters,
            },
            "loop": {
                "coercivity": {"value": _num(self.coercivity), "resolution": _num(self.coercivity_resolution),
                               "unit": "A/m"},
                "remanence": {"value": _num(self.remanence), "resolution": _num(self.remanence_resolution),
                              "unit": "A m2/kg"},
            },
            "settings": {
                "temperature": q(self.temperature, "K"),
                "density": q(self.density, "kg/m3"),
                "ms_volume": None if self.ms_volume_given is None else q(self.ms_volume_given, "A/m"),
                "background": self.background_method,
                "background_above": (None if self.background_above is None
                                     else q(self.background_above, "A/m")),
                "n_nodes": self.n_nodes,
            },
            "at_bounds": list(self.at_bounds),
            "notes": list(self.notes),
        }

    def plot(self, ax=None):
        """Plot data, fit and residuals (matplotlib, imported lazily).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw data and fit into this axes only. Without it a new figure (pyplot) with a residual panel
            below the main panel is made.

        Returns
        -------
        matplotlib.axes.Axes
            The main (data + fit) axes; its ``.figure`` is the figure to save or close.
        """
        import matplotlib.pyplot as plt

        h_ka = self.field / 1e3
        order = np.argsort(self.field, kind="stable")
        hs = np.linspace(self.field.min(), self.field.max(), 400)
        if ax is None:
            _, (ax_main, ax_res) = plt.subplots(
                2, 1, sharex=True, figsize=(6.0, 5.5), gridspec_kw={"height_ratios": [3, 1]})
        else:
            ax_main, ax_res = ax, None
        ax_main.plot(h_ka, self.magnetization, "o", ms=3, mfc="none", label="data")
        ax_main.plot(hs / 1e3, self.predict(hs), "-", lw=1.5, label="lognormal-Langevin fit")
        p = self.params
        ax_main.set_ylabel("M (A m² kg⁻¹ = emu g⁻¹)")
        ax_main.set_title(f"Ms = {p['ms']:.1f} A m²/kg, d0 = {p['median_diameter'] * 1e9:.2f} nm, "
                          f"σ = {p['sigma']:.3f}", fontsize=9)
        ax_main.axhline(0, color="0.7", lw=0.5)
        ax_main.axvline(0, color="0.7", lw=0.5)
        ax_main.legend(frameon=False, fontsize=8)
        if ax_res is not None:
            res = self.magnetization - self.predict(self.field)
            ax_res.plot(h_ka[order], res[order], ".", ms=3)
            ax_res.axhline(0, color="0.5", lw=0.8)
            ax_res.set_ylabel("residual")
            ax_res.set_xlabel("H (kA m⁻¹)")
        else:
            ax_main.set_xlabel("H (kA m⁻¹)")
        return ax_main


def _num(x):
    if x is None:
        return None
    x = float(x)
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _model(h, ms, median, sigma, chi, ms_volume, temperature, n_nodes):
    return ms * _reduced_magnetization(h, ms_volume, median, sigma, temperature, n_nodes) + chi * h


class LangevinModel:
    """Lognormal-Langevin model of a superparamagnetic M(H) curve (``fit`` → :class:`LangevinFit`).

    Parameters
    ----------
    density : float, optional
        Density of the magnetic material [kg/m³], used to convert the fitted mass magnetisation to the volume
        magnetisation in ξ: Ms,V = Ms·ρ. Default: the X-ray density of magnetite,
        ``ferrokit.materials.parse_formula("Fe3O4").density`` (5197 kg/m³).
    temperature : float
        Measurement temperature [K].
    background : bool
        Fit a linear background χ_bg·H jointly (default). ``False`` fixes χ_bg = 0.
    background_above : float, optional
        Instead of fitting χ_bg jointly, estimate it first from the slope of M vs H over |H| >
        ``background_above`` [A/m] (one intercept per field sign, common slope) and hold it fixed. Note the
        approach to saturation (~ −1/ξ) also contributes to that slope, so this is biased for curves far
        from saturation; the joint fit is preferred when the curve is well described by the model.
    ms_volume : float, optional
        Saturation magnetisation of the magnetic material [A/m] to use in ξ instead of Ms·ρ (e.g. when
        M is normalised to the mass of coated particles or of Fe).
    n_nodes : int
        Gauss–Hermite nodes for the size average (40).
    n_starts : int
        Number of starting points of the multi-start search (1–8, default 4: σ = 0.1, 0.25, 0.4, 0.6 with
        the median matched to the low-field slope).

    Notes
    -----
    Fitting is done in (ln Ms, ln d0, ln σ, scaled χ_bg) with bounds d0 ∈ [0.5, 100] nm and
    σ ∈ [0.01, 1.2].
    Loops: both branches are fitted jointly with the (anhysteretic) model, i.e. the fit follows the mean of
    the two branches; Hc and Mr are reported separately from the branches
    (:func:`~ferrokit.magnetism.hysteresis.loop_parameters`). Validity: superparamagnetic, non-interacting
    particles (dilute dispersions or powders where dipolar interactions are weak), size-independent Ms; an
    open loop means part of the ensemble is blocked and the fitted sizes are then only indicative.

    Examples
    --------
    >>> import numpy as np
    >>> from ferrokit.magnetism import langevin_magnetization
    >>> h = np.linspace(-1.6e6, 1.6e6, 81)
    >>> m = 65.0 * langevin_magnetization(h, ms_volume=65.0 * 5197, median_diameter=9e-9, sigma=0.2,
    ...                                   temperature=300.0)
    >>> fit = LangevinModel(background=False).fit(h, m)
    >>> round(fit.params["ms"], 2), round(fit.params["median_diameter"] * 1e9, 2)
    (65.0, 9.0)
    """

    def __init__(self, *, density: float | None = None, temperature: float = 300.0, background: bool = True,
                 background_above: float | None = None, ms_volume: float | None = None,
                 n_nodes: int = DEFAULT_NODES, n_starts: int = 4) -> None:
        if density is None:
            from ferrokit.materials.formula import parse_formula

            density = parse_formula("Fe3O4").density
        self.density = check_range("density", density, 100.0, 30000.0, unit="kg/m3")
        self.temperature = check_range("temperature", temperature, 0.0, 2000.0, unit="K", low_inclusive=False)
        if not isinstance(background, bool):
            raise FerroKitInputError(f"background must be True or False, got {background!r}")
        self.background = background
        self.background_above = (None if background_above is None
                                 else check_positive("background_above", background_above, unit="A/m"))
        if self.background_above is not None and not background:
            raise FerroKitInputError("background_above needs background=True (it estimates the background)")
        self.ms_volume = None if ms_volume is None else check_positive("ms_volume", ms_volume, unit="A/m")
        if isinstance(n_nodes, bool) or not isinstance(n_nodes, (int, np.integer)) or not 1 <= n_nodes <= 200:
            raise FerroKitInputError(f"n_nodes must be an integer in [1, 200], got {n_nodes!r}")
        self.n_nodes = int(n_nodes)
        if (isinstance(n_starts, bool) or not isinstance(n_starts, (int, np.integer))
                or not 1 <= n_starts <= 8):
            raise FerroKitInputError(f"n_starts must be an integer in [1, 8], got {n_starts!r}")
        self.n_starts = int(n_starts)

    # -- helpers -----------------------------------------------------------------------------------
    def _ms_volume(self, ms: float) -> float:
        return self.ms_volume if self.ms_volume is not None else ms * self.density

    def _high_field_slope(self, h: np.ndarray, m: np.ndarray, w: np.ndarray) -> tuple[float, float]:
        thr = self.background_above
        sel = np.abs(h) > thr
        if np.count_nonzero(sel) < 4:
            raise FerroKitInputError(
                f"background_above = {thr:g} A/m leaves {np.count_nonzero(sel)} point(s) with |H| above it; "
                "need at least 4 (lower the threshold)")
        hs, ms, ws = h[sel], m[sel], w[sel]
        cols = [hs]
        for sign in (1.0, -1.0):
            mask = np.sign(hs) == sign
            if np.any(mask):
                cols.append(mask.astype(float))
        a = np.column_stack(cols) / ws[:, None]
        b = ms / ws
        if np.linalg.matrix_rank(a) < a.shape[1] or a.shape[0] <= a.shape[1]:
            raise FerroKitInputError(
                f"background_above = {thr:g} A/m: too few distinct fields above the threshold to fit a slope")
        coef, rss, *_ = np.linalg.lstsq(a, b, rcond=None)
        dof = a.shape[0] - a.shape[1]
        s2 = float(rss[0]) / dof if rss.size else float(np.sum((a @ coef - b) ** 2)) / dof
        cov = s2 * np.linalg.pinv(a.T @ a)
        return float(coef[0]), float(math.sqrt(max(cov[0, 0], 0.0)))

    def _starts(self, h, m, ms0, chi_bg):
        """Starting (ms, median, sigma) triples matched to the low-field slope."""
        n_low = max(5, h.size // 20)
        idx = np.argsort(np.abs(h))[:n_low]
        hl, ml = h[idx], m[idx] - chi_bg * h[idx]
        slope = float(np.polyfit(hl, ml, 1)[0]) if np.ptp(hl) > 0 else 0.0
        ms_v = self._ms_volume(ms0)
        if slope > 0:
            v2v = 3.0 * K_B * self.temperature * slope / (MU_0 * ms0 * ms_v)
            d_eff = (6.0 * v2v / math.pi) ** (1.0 / 3.0)
        else:
            d_eff = 10e-9
        sigmas = (0.1, 0.25, 0.4, 0.6, 0.8, 0.15, 0.3, 0.5)[: self.n_starts]
        out = []
        for s in sigmas:
            d0 = float(np.clip(d_eff * math.exp(-4.5 * s * s), 1.01 * _D_MIN, 0.99 * _D_MAX))
            out.append((ms0, d0, s))
        return out

    # -- fit ---------------------------------------------------------------------------------------
    def fit(self, field, magnetization, *, magnetization_error=None) -> LangevinFit:
        """Fit the model to one M(H) curve or loop.

        Parameters
        ----------
        field : array_like
            Applied field H [A/m] in measurement order (≥ 10 points, not all zero).
        magnetization : array_like
            Mass magnetisation [A m²/kg] (= emu/g), same length.
        magnetization_error : float or array_like, optional
            Standard uncertainty of M [A m²/kg] (scalar or per point); weights the fit and makes the
            reduced χ² dimensionless.

        Returns
        -------
        LangevinFit
        """
        h = check_array("field", field, min_size=_MIN_POINTS)
        m = check_array("magnetization", magnetization, min_size=_MIN_POINTS)
        if h.shape != m.shape:
            raise FerroKitInputError(
                f"field and magnetization must have the same length, got {h.size} and {m.size}")
        if not np.any(h != 0):
            raise FerroKitInputError("field is zero everywhere; an M(H) fit needs a field sweep")
        if np.unique(h).size < 5:
            raise FerroKitInputError(
                "field has fewer than 5 distinct values; an M(H) fit needs a field sweep")
        if magnetization_error is None:
            w = np.ones_like(m)
            weighted = False
        else:
            w = np.broadcast_to(np.asarray(magnetization_error, dtype=float), m.shape).astype(float)
            if not np.all(np.isfinite(w)) or np.any(w <= 0):
                raise FerroKitInputError("magnetization_error must be finite and > 0 (A m2/kg)")
            weighted = True
        h_scale = float(np.max(np.abs(h)))
        m_scale = float(np.max(np.abs(m)))
        if m_scale == 0:
            raise FerroKitInputError("magnetization is zero everywhere; nothing to fit")

        # background handling
        chi_fixed: float | None
        chi_se_fixed = 0.0
        if not self.background:
            method, chi_fixed = "none", 0.0
        elif self.background_above is not None:
            method = "high_field_slope"
            chi_fixed, chi_se_fixed = self._high_field_slope(h, m, w)
        else:
            method, chi_fixed = "fitted", None
        fit_chi = chi_fixed is None

        # rough Ms from the high-field magnetisation (background removed where known)
        chi0 = 0.0 if chi_fixed is None else chi_fixed
        top = np.abs(h) >= np.quantile(np.abs(h), 0.9)
        ms0 = float(np.mean(np.abs(m[top] - chi0 * h[top]))) * 1.05
        ms0 = ms0 if ms0 > 0 else m_scale

        lo = [math.log(1e-3 * m_scale), math.log(_D_MIN), math.log(_SIGMA_MIN)]
        hi = [math.log(1e3 * m_scale), math.log(_D_MAX), math.log(_SIGMA_MAX)]
        if fit_chi:
            lo.append(-20.0)
            hi.append(20.0)
        lo_a, hi_a = np.array(lo), np.array(hi)

        def unpack(theta):
            ms, d0, s = math.exp(theta[0]), math.exp(theta[1]), math.exp(theta[2])
            chi = float(theta[3]) * m_scale / h_scale if fit_chi else chi0
            return ms, d0, s, chi

        def residuals(theta):
            ms, d0, s, chi = unpack(theta)
            return (_model(h, ms, d0, s, chi, self._ms_volume(ms), self.temperature, self.n_nodes) - m) / w

        best = None
        for ms_s, d_s, s_s in self._starts(h, m, ms0, chi0):
            x0 = [math.log(ms_s), math.log(d_s), math.log(s_s)] + ([0.0] if fit_chi else [])
            x0 = np.clip(np.array(x0), lo_a + 1e-9, hi_a - 1e-9)
            res = least_squares(residuals, x0, bounds=(lo_a, hi_a), method="trf", x_scale="jac",
                                xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=2000)
            if best is None or res.cost < best.cost:
                best = res
        assert best is not None
        theta = best.x
        ms, d0, s, chi = unpack(theta)
        r = best.fun
        n, p = h.size, theta.size
        dof = max(n - p, 1)
        red_chi2 = float(np.sum(r**2) / dof)
        jac = best.jac
        cov_theta = np.linalg.pinv(jac.T @ jac) * red_chi2
        se_theta = np.sqrt(np.clip(np.diag(cov_theta), 0.0, None))
        stderr = {
            "ms": ms * float(se_theta[0]),
            "median_diameter": d0 * float(se_theta[1]),
            "sigma": s * float(se_theta[2]),
            "chi_background": float(se_theta[3]) * m_scale / h_scale if fit_chi else chi_se_fixed,
        }
        denom = math.sqrt(cov_theta[1, 1] * cov_theta[2, 2])
        corr = float(cov_theta[1, 2] / denom) if denom > 0 else float("nan")
        names = ("ms", "median_diameter", "sigma") + (("chi_background",) if fit_chi else ())
        at_bounds = tuple(nm for nm, x, a, b in zip(names[:3], theta[:3], lo_a[:3], hi_a[:3], strict=True)
                          if min(x - a, b - x) < 1e-6)
        raw_res = m - _model(h, ms, d0, s, chi, self._ms_volume(ms), self.temperature, self.n_nodes)
        tss = float(np.sum((m - m.mean()) ** 2))
        r2 = 1.0 - float(np.sum(raw_res**2)) / tss if tss > 0 else float("nan")

        ms_v = self._ms_volume(ms)
        mean_v = lognormal_mean_volume(d0, s)
        v2v = math.pi / 6.0 * lognormal_moment(d0, s, 6) / lognormal_moment(d0, s, 3)
        derived = {
            "ms_volume": ms_v,
            "mean_diameter": lognormal_mean_diameter(d0, s),
            "volume_weighted_mean_diameter": volume_weighted_mean_diameter(d0, s),
            "mean_moment": ms_v * mean_v,
            "mean_moment_bohr": ms_v * mean_v / MU_B,
            "initial_mass_susceptibility": MU_0 * ms * ms_v * v2v / (3.0 * K_B * self.temperature),
        }
        notes = []
        if at_bounds:
            notes.append(f"parameter(s) at a bound: {', '.join(at_bounds)}; "
                         "their standard errors are not reliable")
        if math.isfinite(corr) and abs(corr) > 0.9:
            notes.append(f"median and sigma are strongly correlated (r = {corr:.2f}); the curve constrains "
                         "the moment distribution only partly")
        xi_max = MU_0 * ms_v * math.pi / 6.0 * d0**3 * h_scale / (K_B * self.temperature)
        if xi_max < 3.0:
            notes.append("the curve is far from saturation (ξ at max |H| for the median size = "
                         f"{xi_max:.2f}); Ms is extrapolated")
        if not best.success:
            notes.append(f"optimizer did not report convergence: {best.message}")
        lp = loop_parameters(h, m)
        return LangevinFit(
            params={"ms": ms, "median_diameter": d0, "sigma": s, "chi_background": chi},
            stderr=stderr,
            correlation_median_sigma=corr,
            covariance=cov_theta,
            free_parameters=names,
            derived=derived,
            reduced_chi_square=red_chi2,
            reduced_chi_square_unit="1" if weighted else "(A m2/kg)^2",
            residual_std=float(math.sqrt(np.sum(raw_res**2) / dof)),
            r_squared=r2,
            n_points=int(n),
            n_parameters=int(p),
            coercivity=lp.coercivity,
            coercivity_resolution=lp.coercivity_resolution,
            remanence=lp.remanence,
            remanence_resolution=lp.remanence_resolution,
            temperature=self.temperature,
            density=self.density,
            ms_volume_given=self.ms_volume,
            background_method=method,
            background_above=self.background_above,
            n_nodes=self.n_nodes,
            field=h.copy(),
            magnetization=m.copy(),
            at_bounds=at_bounds,
            notes=tuple(notes),
        )
