r"""Hierarchical (empirical-Bayes, mixed-effects) population of the Cheng 2020 tumour parameters.

The per-data-set fits of :mod:`ferrokit.pk.population` treat every data set alone; 216 of the 378 sets have
3–4 points for 5 parameters, so their fits are not unique and a population built from them is too wide. Here the
population and the data sets are estimated together (nonlinear mixed-effects model, log-parameters
:math:`\theta_i \sim N(\mu, \Omega)`, :math:`\ln y_{ij} = \ln f(t_{ij}; \theta_i) + \varepsilon_{ij}`,
:math:`\varepsilon_{ij} \sim N(0, \sigma^2)`), by the standard two-stage / first-order-conditional (FOCE-like,
Laplace) alternation:

(a) **MAP step** — for every data set, with the current :math:`(\mu, \Omega, \sigma^2)` as a Gaussian prior,

    .. math:: \hat\theta_i = \arg\min_\theta\; \sum_j r_{ij}(\theta)^2/\sigma^2
              + (\theta - \mu)^\top \Omega^{-1} (\theta - \mu),

   penalised least squares (residual vector :math:`[r/\sigma,\, L^{-1}(\theta - \mu)]`, :math:`\Omega = LL^\top`)
   inside :data:`~ferrokit.pk.tumour.FIT_BOUNDS`, from the previous estimate (first iteration: also from
   :math:`\mu`, the lower cost kept); the Gauss–Newton posterior precision is
   :math:`H_i = J_i^\top J_i/\sigma^2 + \Omega^{-1}`.
(b) **Population step** (EM under the Laplace approximation)

    .. math:: \mu = \overline{\hat\theta_i},\qquad
              \Omega = \overline{(\hat\theta_i - \mu)(\hat\theta_i - \mu)^\top} + \overline{H_i^{-1}},\qquad
              \sigma^2 = \frac{\sum_i \big[\mathrm{SSR}_i + \mathrm{tr}(J_i H_i^{-1} J_i^\top)\big]}{\sum_i n_i}.

The first iteration starts from the cached independent fits (mean and covariance of their logs, σ² pooled
from the sets with more points than parameters). Each iteration reports the largest change of μ, the relative
(Frobenius) change of Ω, σ and the Laplace approximation of −2 ln(marginal likelihood).

References: Lindstrom MJ, Bates DM, "Nonlinear mixed effects models for repeated measures data", Biometrics
1990 46:673–687 (alternating penalised nonlinear least squares and linear-mixed-model steps) [seen-secondary:
citation in the SAS NLMIXED/TMODEL reference lists; the DOI 10.2307/2532087 is unverified]; Beal SL, Sheiner
LB, "Estimating population kinetics", CRC Crit Rev Biomed Eng 1982 8:195–222 (population PK, the NONMEM
first-order methods) [seen-secondary: same lists]. The EM form of step (b) is the standard one for Gaussian
random effects (exact for a linear model, tested against the closed-form marginal likelihood).
Validity: linearisation of the model around each MAP estimate (Laplace); parameters
held at the box bounds; the residual sd is common to all data sets.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from scipy.linalg import solve_triangular
from scipy.optimize import least_squares

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.pk.parameters import mouse_parameters
from ferrokit.pk.population import (
    _GRID_H,
    CollectionFits,
    TumourPopulation,
    _default_driver,
    _set_data,
    _solve,
    cheng2020_fits,
)
from ferrokit.pk.tumour import FIT_BOUNDS


@dataclass(frozen=True)
class HierarchicalFit:
    """Result of :func:`fit_hierarchical_population`.

    ``fits`` holds the MAP log-parameters (``rms``: rms of the ln %ID residuals at the MAP); ``post_cov`` [n × k
    × k] the per-set posterior covariances :math:`H_i^{-1}`; ``history`` one dict per iteration (changes, σ,
    −2 ln L); ``log_mean``/``log_cov`` the final population (μ, Ω).
    """

    fits: CollectionFits
    post_cov: np.ndarray
    log_mean: np.ndarray
    log_cov: np.ndarray
    residual_sd: float
    history: tuple[dict, ...]
    converged: bool

    @property
    def names(self) -> tuple[str, ...]:
        return self.fits.names

    def subset(self, ids) -> HierarchicalFit:
        """The same fit restricted to (reordered as) the data sets ``ids``; the population (μ, Ω) is kept."""
        sub = self.fits.subset(ids)  # raises for unknown ids
        pos = {int(i): k for k, i in enumerate(self.fits.ids)}
        sel = np.array([pos[int(i)] for i in ids], dtype=int)
        return HierarchicalFit(sub, self.post_cov[sel], self.log_mean, self.log_cov,
                               self.residual_sd, self.history, self.converged)

    def population(self, method: str = "lognormal", rows=None) -> TumourPopulation:
        """The population of the data sets ``rows`` (indices, repeats allowed; default all).

        ``"lognormal"``: N(μ, Ω) with μ, Ω from the population step (b) over those rows (no refit: a bootstrap
        of rows resamples the MAP estimates and their posterior covariances); ``"kde"``: the kernel density of
        the MAP estimates (as :meth:`TumourPopulation.from_fits`).
        """
        x = self.fits.log_params if rows is None else self.fits.log_params[np.asarray(rows, dtype=int)]
        pc = self.post_cov if rows is None else self.post_cov[np.asarray(rows, dtype=int)]
        if method == "kde":
            return TumourPopulation(self.names, "kde", x.mean(axis=0), np.atleast_2d(np.cov(x.T)), x.copy())
        if method != "lognormal":
            raise FerroKitInputError(f"method must be 'lognormal' or 'kde', got {method!r}")
        mu, om = _population_step(x, pc)
        return TumourPopulation(self.names, "lognormal", mu, om, x.copy())

    def to_csv(self) -> str:
        """MAP table (as :meth:`CollectionFits.to_csv`) plus the upper triangle of each H⁻¹; σ and the iteration
        history in a leading JSON comment line; μ and Ω are recomputed from the rows on reading."""
        k = len(self.names)
        iu = np.triu_indices(k)
        rows = self.fits.to_csv().splitlines()
        head = {"residual_sd_ln": self.residual_sd, "converged": self.converged, "iterations": list(self.history)}
        out = ["# " + json.dumps(head), rows[0] + "," + ",".join(f"pc_{a}_{b}" for a, b in zip(*iu, strict=True))]
        out += [r + "," + ",".join(f"{v:.6e}" for v in c[iu]) for r, c in zip(rows[1:], self.post_cov, strict=True)]
        return "\n".join(out) + "\n"

    @classmethod
    def from_csv(cls, text: str) -> HierarchicalFit:
        lines = text.splitlines()
        if len(lines) < 3 or not lines[0].startswith("# "):
            raise FerroKitInputError("hierarchical fit table is empty or lacks its header line")
        try:
            head = json.loads(lines[0][2:])
            fits = CollectionFits.from_csv("\n".join(lines[1:]))
            k = len(fits.names)
            iu = np.triu_indices(k)
            pcols = [f"pc_{a}_{b}" for a, b in zip(*iu, strict=True)]
            post = np.zeros((fits.ids.size, k, k))
            for n, r in enumerate(csv.DictReader(io.StringIO("\n".join(lines[1:])))):
                post[n][iu] = [float(r[c]) for c in pcols]
                post[n] = post[n] + np.triu(post[n], 1).T
            sd = float(head["residual_sd_ln"])
        except (KeyError, ValueError, TypeError) as exc:
            raise FerroKitInputError(f"hierarchical fit table is malformed: {exc}") from None
        mu, om = _population_step(fits.log_params, post)
        return cls(fits, post, mu, om, sd, tuple(head.get("iterations", ())), bool(head.get("converged", False)))

    def to_dict(self) -> dict[str, Any]:
        return {"names": list(self.names), "ln_mean": self.log_mean.tolist(), "ln_cov": self.log_cov.tolist(),
                "residual_sd_ln": self.residual_sd, "iterations": list(self.history), "converged": self.converged,
                "map": self.fits.to_dict()}


def _population_step(x: np.ndarray, post_cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mu = x.mean(axis=0)
    d = x - mu
    return mu, d.T @ d / x.shape[0] + post_cov.mean(axis=0)


def _minus2_loglik(ssr, n, sigma2, x, mu, omega, post_cov) -> float:
    """Laplace approximation of −2 ln L (constants kept) at the MAP estimates."""
    _, ld_om = np.linalg.slogdet(omega)
    _, ld_pc = np.linalg.slogdet(post_cov)  # ln det H⁻¹, one per set
    d = x - mu
    quad = np.einsum("ij,ij->i", d, np.linalg.solve(omega, d.T).T)
    return float(np.sum(ssr / sigma2 + n * np.log(2 * np.pi * sigma2) + quad + ld_om - ld_pc))


def _bounds(names) -> tuple[np.ndarray, np.ndarray]:
    return np.log([FIT_BOUNDS[p][0] for p in names]), np.log([FIT_BOUNDS[p][1] for p in names])


def _map_fit(data, names, mu, omega, sigma2, starts, max_nfev: int = 60):
    """MAP estimate of one data set under the prior N(μ, Ω) with residual variance σ².

    Returns (θ̂, H⁻¹, SSR of ln %ID, tr(J H⁻¹ Jᵀ)); the lowest penalised cost over ``starts``.
    """
    th, y, n_grid = data
    base = mouse_parameters()
    ca = _default_driver()
    lo, hi = _bounds(names)
    chol = np.linalg.cholesky(omega)
    sig = float(np.sqrt(sigma2))

    def aug(z):
        yf = _solve(base, ca, dict(zip(names, np.exp(z), strict=True)), n_grid)
        r = np.log(np.maximum(np.interp(th, _GRID_H[:n_grid], yf), 1e-12)) - np.log(y)
        return np.concatenate([r / sig, solve_triangular(chol, z - mu, lower=True)])

    sol = min((least_squares(aug, np.clip(s, lo + 1e-9, hi - 1e-9), bounds=(lo, hi), method="trf", diff_step=1e-4,
                             max_nfev=max_nfev) for s in starts), key=lambda r: r.cost)
    jac = sol.jac
    h_inv = np.linalg.inv(jac.T @ jac)  # H ≥ Ω⁻¹ > 0: always invertible
    jd = jac[: th.size] * sig  # Jacobian of the ln %ID residuals
    r = sol.fun[: th.size] * sig
    return sol.x, h_inv, float(r @ r), float(np.trace(jd @ h_inv @ jd.T))


def fit_hierarchical_population(fits: CollectionFits | None = None, *, max_iter: int = 5, tol: float = 0.05,
                                max_nfev: int = 60, progress=None) -> HierarchicalFit:
    """Empirical-Bayes population of the tumour parameters by alternating MAP and population steps.

    Parameters
    ----------
    fits : CollectionFits — independent per-set fits used as the starting point and defining the data sets and
        parameter names (default: the shipped :func:`~ferrokit.pk.population.cheng2020_fits`, all 378 sets)
    max_iter : int — 1–50 iterations; tol : float — stop when the largest change of μ is below ``tol`` (ln
        units) and the relative change of Ω below ``2·tol``
    max_nfev : int — evaluation limit of each MAP fit (10–1000); progress : callable, optional — called with
        the number of finished iterations

    >>> from ferrokit.pk import cheng2020_fits
    >>> h = fit_hierarchical_population(cheng2020_fits().subset(range(1, 41)), max_iter=1)
    >>> len(h.history), h.fits.ids.size, h.post_cov.shape
    (1, 40, (40, 5, 5))
    """
    fits = cheng2020_fits() if fits is None else fits
    if not isinstance(max_iter, (int, np.integer)) or not 1 <= max_iter <= 50:
        raise FerroKitInputError(f"max_iter must be an integer in [1, 50], got {max_iter!r}")
    if not isinstance(max_nfev, (int, np.integer)) or not 10 <= max_nfev <= 1000:
        raise FerroKitInputError(f"max_nfev must be an integer in [10, 1000], got {max_nfev!r}")
    if not np.isfinite(tol) or tol <= 0:
        raise FerroKitInputError(f"tol must be a positive number, got {tol!r}")
    n_sets, k = fits.log_params.shape
    if n_sets < k + 2:
        raise FerroKitInputError(f"need at least {k + 2} fitted data sets, got {n_sets}")
    names = fits.names
    lo, hi = _bounds(names)
    data = [_set_data(int(i)) for i in fits.ids]
    n_obs = np.array([d[0].size for d in data])
    x = fits.log_params.copy()
    mu = x.mean(axis=0)
    omega = np.cov(x.T, bias=True)
    rich = n_obs > k  # σ² to start: pooled over the sets with more points than parameters
    sigma2 = float(np.sum(fits.rms[rich] ** 2 * n_obs[rich]) / np.sum(n_obs[rich] - k))
    history, converged = [], False
    for it in range(int(max_iter)):
        new_x = np.empty_like(x)
        post = np.empty((n_sets, k, k))
        ssr = np.empty(n_sets)
        trace = np.empty(n_sets)
        rms = np.empty(n_sets)
        for i, d in enumerate(data):
            # from μ as well in the first iteration, while the previous estimate is the unpenalised fit
            starts = [x[i]] if it > 0 else [x[i], mu]
            new_x[i], post[i], ssr[i], trace[i] = _map_fit(d, names, mu, omega, sigma2, starts, max_nfev)
            rms[i] = float(np.sqrt(ssr[i] / d[0].size))
        new_mu, new_omega = _population_step(new_x, post)
        new_sigma2 = float(np.sum(ssr + trace) / np.sum(n_obs))
        history.append({"iteration": it + 1, "max_change_ln_mean": float(np.abs(new_mu - mu).max()),
                        "rel_change_cov": float(np.linalg.norm(new_omega - omega) / np.linalg.norm(omega)),
                        "residual_sd_ln": float(np.sqrt(new_sigma2)),
                        "minus2_loglik": _minus2_loglik(ssr, n_obs, sigma2, new_x, mu, omega, post),
                        "median_rms_ln": float(np.median(rms))})
        x, mu, omega, sigma2 = new_x, new_mu, new_omega, new_sigma2
        if progress is not None:
            progress(it + 1)
        if history[-1]["max_change_ln_mean"] < tol and history[-1]["rel_change_cov"] < 2 * tol:
            converged = True
            break
    at_bound = np.minimum(x - lo, hi - x) < 1e-3
    map_fits = CollectionFits(fits.ids.copy(), names, x, rms, n_obs, at_bound)
    return HierarchicalFit(map_fits, post, mu, omega, float(np.sqrt(sigma2)), tuple(history), converged)


_FILE = "cheng2020_hierarchical_fits.csv"


@cache
def _cached_text() -> str:
    return resources.files("ferrokit.pk").joinpath(f"_data/{_FILE}").read_text("utf-8")


def cheng2020_hierarchical() -> HierarchicalFit:
    """The shipped hierarchical fit of all 378 data sets (``_data/cheng2020_hierarchical_fits.csv``, written by
    ``examples/pk_cheng_comparison.py``; a test re-runs the MAP step of random sets against it)."""
    return HierarchicalFit.from_csv(_cached_text())


__all__ = ["HierarchicalFit", "cheng2020_hierarchical", "fit_hierarchical_population"]
