r"""Tumour delivery: the Cheng et al. 2020 collection, sampled delivery statistics and time-course fitting.

Data: ``_data/nano_tumor_datasets_cheng2020.csv`` (per data set: type, targeting, size, tumour model, dose,
body weight, DE24/DE168/DEmax) and ``_data/nano_tumor_timecourse_cheng2020.csv`` (1722 tumour %ID points in
378 data sets), CC0, from UFPBPK/Nano-AI-PBPK-G1 (Cheng Y-H, He C, Riviere JE, Monteiro-Riviere NA, Lin Z,
ACS Nano 2020 14:3075, doi:10.1021/acsnano.9b08142 [seen-abstract: median DE 0.76 %ID at 24 h, 0.35 at 168 h]).

The tumour sub-model is the PBPK tumour compartment (capillary blood, tissue, phagocytes) of
:mod:`ferrokit.pk.pbpk`; its parameters PA_C,T, P_T, K_max,T, K_50,T, n_T, k_rel,T and the tumour blood-flow
fraction are what differ most between tumour models and particles.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.validation import FerroKitInputError, check_array, check_range
from ferrokit.pk.parameters import PBPKParameters, mouse_parameters
from ferrokit.pk.pbpk import Dosing, simulate_pbpk

_HOUR = 3600.0

# Bounds of the tumour parameters in fits, in the parameter-table units. They span the Lin-lab defaults
# (UFPBPK NanoPBPK.R G1/G2: PA_C,T 0.001–0.00377, P_T 0.00377–0.15, K_max,T 0.002–0.4 /h, K_50,T 2e-5–24 h,
# n_T 0.61–5, k_rel,T 0.005–0.0071 /h, Q_T 0.01–0.033 of cardiac output) with about two decades either side;
# they are box limits for the optimiser, not priors (a parameter ending on one is reported as not identified).
FIT_BOUNDS: MappingProxyType = MappingProxyType({
    "permeability_coefficient": (2e-5, 0.2),
    "partition_coefficient": (3e-4, 2.0),
    "uptake_max": (3e-4, 3.0),          # 1/h
    "uptake_t50": (0.01, 240.0),         # h
    "uptake_hill": (0.05, 50.0),
    "release_rate": (3e-5, 0.1),         # 1/h
    "blood_flow_fraction": (3e-4, 0.3),
    "capillary_blood_fraction": (1e-4, 0.1),  # tumour vascular volume fraction (default 0.01)
    # time scale s of the plasma curve, C_p(t) = C_p,default(t/s) (population model only, ferrokit.pk.population):
    # post-distribution plasma half-life s × 36.2 h, i.e. 4.3 min to 72 h
    "plasma_time_scale": (2e-3, 2.0),
})
_UNIT = {"uptake_max": 1 / _HOUR, "uptake_t50": _HOUR, "release_rate": 1 / _HOUR}


@cache
def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("ferrokit.pk").joinpath(f"_data/{name}").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def cheng2020_datasets() -> list[dict[str, str]]:
    """Rows of the per-data-set table (strings as in the file; see ``_data/SOURCES.md`` for the columns)."""
    return [dict(r) for r in _read("nano_tumor_datasets_cheng2020.csv")]


def cheng2020_time_course(dataset_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Times [s] and tumour %ID of data set ``dataset_id`` (1–378) of the collection."""
    pts = [(float(r["time_h"]), float(r["tumour_pct_ID"])) for r in _read("nano_tumor_timecourse_cheng2020.csv")
           if r["ID"] == str(dataset_id) and r["tumour_pct_ID"] not in ("", "NA")]
    if not pts:
        raise FerroKitInputError(f"dataset id must be one of 1–378 of the Cheng 2020 collection; got {dataset_id!r}")
    pts.sort()
    return np.array([p[0] for p in pts]) * _HOUR, np.array([p[1] for p in pts])


def _schedules() -> list[np.ndarray]:
    ids = sorted({int(r["ID"]) for r in _read("nano_tumor_timecourse_cheng2020.csv")})
    return [cheng2020_time_course(i)[0] for i in ids]


@dataclass(frozen=True)
class DeliveryStatistics:
    """Summary of tumour delivery: DE24, DE168, DEmax [%ID] and the (sampled) time of peak [s].

    ``source`` is ``"model"`` (sampled parameters) or ``"cheng2020"`` (the collection). Peak times of the model
    are read at the sampling schedule of a randomly chosen data set of the collection, as the data were.
    """

    source: str
    de24: np.ndarray
    de168: np.ndarray
    demax: np.ndarray
    peak_time: np.ndarray
    peak_at_last_sample: float

    @property
    def n(self) -> int:
        return int(self.de24.size)

    def summary(self) -> dict[str, float]:
        """Medians of DE24, DE168, DEmax [%ID]; median and quartiles of the peak time [h]."""
        q1, med, q3 = np.percentile(self.peak_time / _HOUR, [25, 50, 75])
        return {"n": self.n, "median_de24": float(np.median(self.de24)),
                "median_de168": float(np.median(self.de168)), "median_demax": float(np.median(self.demax)),
                "median_peak_h": float(med), "peak_q1_h": float(q1), "peak_q3_h": float(q3),
                "fraction_peak_at_last_sample": self.peak_at_last_sample}

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "summary": self.summary(),
                "units": {"de": "%ID", "peak_time": "h (summary), s (values)"},
                "de24": self.de24.tolist(), "de168": self.de168.tolist(), "demax": self.demax.tolist(),
                "peak_time": self.peak_time.tolist()}


def cheng2020_statistics() -> DeliveryStatistics:
    """Delivery statistics of the Cheng et al. 2020 collection, computed from the shipped files.

    >>> s = cheng2020_statistics().summary()
    >>> s["median_de24"], s["median_peak_h"], s["peak_q1_h"], s["peak_q3_h"]
    (0.735, 8.0, 4.0, 24.0)
    """
    rows = cheng2020_datasets()
    de = {k: np.array([float(r[c]) for r in rows if r[c]]) for k, c in
          (("24", "DE24"), ("168", "DE168"), ("max", "Demax"))}
    peaks, last = [], 0
    ids = sorted({int(r["ID"]) for r in _read("nano_tumor_timecourse_cheng2020.csv")})
    for i in ids:
        t, y = cheng2020_time_course(i)
        k = int(np.argmax(y))
        peaks.append(t[k])
        last += k == t.size - 1
    return DeliveryStatistics("cheng2020", de["24"], de["168"], de["max"], np.array(peaks), last / len(ids))


def _time_scaled_body(params: PBPKParameters, scale: float) -> PBPKParameters:
    r"""The body (all but the tumour) running ``scale`` times slower: every rate constant divided by ``scale``.

    Cardiac output, biliary and urinary clearance, K_max and k_rel of every organ but the tumour are divided by
    s, K_50 multiplied by it (PA = PA_C·Q follows Q); the tumour's blood-flow fraction is multiplied by s so that
    its flow and its own parameters are unchanged. Volumes, hence the initial plasma concentration, stay:
    the dose is conserved and the plasma curve becomes :math:`C_p(t) = C_{p,1}(t/s)` up to the tumour's small
    feedback and the rest of body's flow, which absorbs the tumour's change of fraction (≤ 0.01/0.69 = 1.5 %).
    """
    if scale == 1.0:
        return params
    organs = tuple(o if o.name == "tumour" else dataclasses.replace(
        o, uptake_max=o.uptake_max / scale, release_rate=o.release_rate / scale, uptake_t50=o.uptake_t50 * scale)
        for o in params.organs)
    p = dataclasses.replace(params, organs=organs,
                            cardiac_output_coefficient=params.cardiac_output_coefficient / scale,
                            biliary_clearance_coefficient=params.biliary_clearance_coefficient / scale,
                            urinary_clearance_coefficient=params.urinary_clearance_coefficient / scale)
    return p.with_organ("tumour", blood_flow_fraction=params.organ("tumour").blood_flow_fraction * scale)


def _apply(params: PBPKParameters, values: dict[str, float]) -> PBPKParameters:
    """Tumour parameters in table units applied to ``params``; ``plasma_time_scale`` time-scales the body."""
    v = dict(values)
    scale = float(v.pop("plasma_time_scale", 1.0))
    p = params.with_organ("tumour", **{k: x * _UNIT.get(k, 1.0) for k, x in v.items()})
    return _time_scaled_body(p, scale)


def tumour_delivery_statistics(params: PBPKParameters | None = None, *, n_samples: int = 200, rng: RngLike = None,
                               population=None, progress=None) -> DeliveryStatistics:
    """Tumour delivery statistics of the whole-body PBPK model over a population of tumour parameters.

    Each sample: tumour parameters drawn from ``population`` (default: the hierarchical lognormal population
    fitted to all data sets of the collection, :func:`ferrokit.pk.population.population_from_collection`; its
    plasma time scale s divides every rate constant of the body but the tumour, so that the plasma curve runs s
    times slower), an IV bolus of the full PBPK model, DE24 and DE168 [%ID] at 24 and 168 h, DEmax over the
    curve, and the peak time read at the sampling times of a randomly drawn data set of the Cheng 2020
    collection. Compare with :func:`cheng2020_statistics`; the held-out validation is
    :func:`ferrokit.pk.population.validate_tumour_population`.

    Parameters
    ----------
    params : PBPKParameters — base set (default :func:`mouse_parameters`)
    n_samples : int — 10–5000; rng : Generator | int | None
    population : TumourPopulation, optional; progress : callable, optional — called with the number of finished
        samples
    """
    from ferrokit.pk.population import population_from_collection

    if not isinstance(n_samples, (int, np.integer)) or not 10 <= n_samples <= 5000:
        raise FerroKitInputError(f"n_samples must be an integer in [10, 5000], got {n_samples!r}")
    g = as_rng(rng)
    base = mouse_parameters() if params is None else params
    pop = population_from_collection() if population is None else population
    dosing = Dosing(dose=1e-6 * base.body_weight * 5)  # linear model: %ID independent of dose
    schedules = _schedules()
    samples = pop.sample(int(n_samples), rng=g)
    dense = np.unique(np.concatenate([np.geomspace(0.05, 168, 60), [24.0, 168.0]])) * _HOUR
    de24, de168, demax, peaks, last = [], [], [], [], 0
    for i, s in enumerate(samples):
        sched = schedules[int(g.integers(len(schedules)))]
        t = np.unique(np.concatenate([[0.0], dense, sched]))
        r = simulate_pbpk(_apply(base, dict(zip(pop.names, s, strict=True))), dosing, duration=float(t[-1]),
                          times=t, rtol=1e-6)
        y = r.percent_id["tumour"]
        de24.append(float(np.interp(24 * _HOUR, t, y)))
        de168.append(float(np.interp(168 * _HOUR, t, y)))
        demax.append(float(np.max(y)))
        ys = np.interp(sched, t, y)
        k = int(np.argmax(ys))
        peaks.append(sched[k])
        last += k == sched.size - 1
        if progress is not None:
            progress(i + 1)
    return DeliveryStatistics("model", np.array(de24), np.array(de168), np.array(demax), np.array(peaks),
                              last / len(samples))


def plot_delivery_comparison(model: DeliveryStatistics, data: DeliveryStatistics, *, fig=None):
    """Histograms of DE24 and peak time: model samples against the Cheng 2020 collection; returns the figure."""
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=(11, 4))
    axs = fig.subplots(1, 3)
    bins = np.geomspace(1e-3, 1e2, 31)
    for ax, key, label in ((axs[0], "de24", "DE at 24 h (%ID)"), (axs[1], "de168", "DE at 168 h (%ID)")):
        for st, c in ((data, "C0"), (model, "C3")):
            v = np.clip(getattr(st, key), 1e-3, None)
            ax.hist(v, bins=bins, weights=np.full(v.size, 1.0 / v.size), alpha=0.5, color=c,
                    label=f"{st.source} (n={st.n}), median {np.median(v):.2f}")
        ax.set_xscale("log")
        ax.set_xlabel(label + ", values < 1e-3 in the first bin")
        ax.set_ylabel("fraction per bin")
        ax.legend(fontsize=8)
    tb = np.array([0, 1, 2, 4, 6, 8, 12, 24, 48, 72, 168, 400])
    for st, c in ((data, "C0"), (model, "C3")):
        s = st.summary()
        axs[2].hist(st.peak_time / _HOUR, bins=tb, alpha=0.5, color=c, weights=np.full(st.n, 1.0 / st.n),
                    label=f"{st.source}: median {s['median_peak_h']:g} h, IQR {s['peak_q1_h']:g}–{s['peak_q3_h']:g}")
    axs[2].set_xscale("symlog", linthresh=1)
    axs[2].set_xlabel("time of sampled peak (h)")
    axs[2].legend(fontsize=8)
    fig.tight_layout()
    return fig


FIT_PARAMETERS = ("permeability_coefficient", "partition_coefficient", "uptake_max", "uptake_t50",
                  "release_rate", "blood_flow_fraction", "capillary_blood_fraction")


@dataclass(frozen=True)
class TumourFit:
    """Fitted tumour parameters (table units: 1/h, h) with standard errors from the Jacobian covariance.

    The fit is in log-parameter space, so ``stderr`` is the standard error of ln(value) (a relative
    uncertainty); ``interval_95`` is value·exp(±1.96·stderr).
    """

    params: MappingProxyType
    stderr: MappingProxyType
    interval_95: MappingProxyType
    times: np.ndarray
    observed: np.ndarray
    predicted: np.ndarray
    curve_times: np.ndarray
    curve: np.ndarray
    rms_log_residual: float
    dataset: str
    at_bound: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "units": {"uptake_max": "1/h", "release_rate": "1/h", "uptake_t50": "h", "others": "1"},
            "params": dict(self.params), "stderr_log": dict(self.stderr),
            "interval_95": {k: list(v) for k, v in self.interval_95.items()},
            "times": {"values": self.times.tolist(), "unit": "s"},
            "observed_percent_id": self.observed.tolist(), "predicted_percent_id": self.predicted.tolist(),
            "rms_log_residual": self.rms_log_residual,
            "at_bound": list(self.at_bound),
        }

    def plot(self, ax=None):
        """Observed and fitted tumour %ID against time (h); returns the Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        ax.plot(self.curve_times / _HOUR, self.curve, label="PBPK fit")
        ax.plot(self.times / _HOUR, self.observed, "o", label=f"data ({self.dataset})")
        ax.set_xlabel("time (h)")
        ax.set_ylabel("tumour (%ID)")
        ax.set_title(", ".join(f"{k}={v:.3g}" for k, v in self.params.items()), fontsize=8)
        ax.legend()
        return ax


def fit_tumour_time_course(times, tumour_percent_id, *, params: PBPKParameters | None = None,
                           fit: tuple[str, ...] = ("permeability_coefficient", "uptake_max"),
                           dataset: str = "user data") -> TumourFit:
    """Fit tumour parameters of the PBPK model to a tumour %ID time course after an IV bolus.

    Least squares on ln(%ID) (scipy ``least_squares``, trust-region reflective, bounds
    :data:`FIT_BOUNDS`; a parameter ending on a bound is listed in ``at_bound``), parameters in
    log space; standard errors from
    :math:`\\mathrm{cov} = s^2 (J^T J)^{-1}` with :math:`s^2 = \\mathrm{SSR}/(m - p)`.

    Parameters
    ----------
    times : array — sampling times [s] (> 0, increasing); tumour_percent_id : array — [%ID] (> 0)
    params : PBPKParameters — base (default mouse); other tumour parameters stay at their base values
    fit : tuple of names from :data:`FIT_PARAMETERS` — needs more points than names
    """
    t = check_array("times", times)
    y = check_array("tumour_percent_id", tumour_percent_id)
    if t.size != y.size:
        raise FerroKitInputError(f"times and tumour_percent_id differ in length ({t.size} vs {y.size})")
    if np.any(t <= 0) or np.any(np.diff(t) <= 0):
        raise FerroKitInputError("times must be > 0 and strictly increasing")
    if np.any(y <= 0) or np.any(y > 100):
        raise FerroKitInputError("tumour_percent_id must lie in (0, 100] %ID")
    fit = tuple(fit)
    bad = [f for f in fit if f not in FIT_PARAMETERS]
    if bad or not fit or len(set(fit)) != len(fit):
        raise FerroKitInputError(f"fit must name distinct parameters from {', '.join(FIT_PARAMETERS)}; got {fit}")
    if t.size <= len(fit):
        raise FerroKitInputError(f"need more time points ({t.size}) than fitted parameters ({len(fit)})")
    base = mouse_parameters() if params is None else params
    check_range("last time", t[-1], 0.0, 90 * 86400.0, unit="s")
    dosing = Dosing(dose=5e-6 * base.body_weight)
    tumour = base.organ("tumour")
    start = {"permeability_coefficient": tumour.permeability_coefficient,
             "partition_coefficient": tumour.partition_coefficient, "uptake_max": tumour.uptake_max * _HOUR,
             "uptake_t50": tumour.uptake_t50 / _HOUR, "release_rate": tumour.release_rate * _HOUR,
             "blood_flow_fraction": tumour.blood_flow_fraction,
             "capillary_blood_fraction": tumour.capillary_blood_fraction}
    lo = np.log([FIT_BOUNDS[k][0] for k in fit])
    hi = np.log([FIT_BOUNDS[k][1] for k in fit])
    x0 = np.clip(np.log([max(start[k], 1e-12) for k in fit]), lo + 1e-9, hi - 1e-9)
    tt = np.concatenate([[0.0], t])

    def model(x: np.ndarray, times_out: np.ndarray) -> np.ndarray:
        p = _apply(base, dict(zip(fit, np.exp(x), strict=True)))
        return simulate_pbpk(p, dosing, duration=float(times_out[-1]), times=times_out, rtol=1e-7).percent_id["tumour"]

    def resid(x: np.ndarray) -> np.ndarray:
        return np.log(np.maximum(model(x, tt)[1:], 1e-12)) - np.log(y)

    sol = least_squares(resid, x0, bounds=(lo, hi), method="trf", diff_step=1e-4, x_scale=1.0, max_nfev=200)
    m, k = y.size, len(fit)
    s2 = float(np.sum(sol.fun**2) / (m - k))
    jtj = sol.jac.T @ sol.jac
    try:
        cov = s2 * np.linalg.inv(jtj)
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    except np.linalg.LinAlgError:
        se = np.full(k, np.inf)
    if np.linalg.cond(jtj) > 1e12:
        se = np.full(k, np.inf)  # not identifiable from these data: say so rather than print a tiny error
    vals = np.exp(sol.x)
    curve_t = np.unique(np.concatenate([[0.0], np.geomspace(0.01 * _HOUR, t[-1] * 1.2, 150), t]))
    return TumourFit(
        params=MappingProxyType({f: float(v) for f, v in zip(fit, vals, strict=True)}),
        stderr=MappingProxyType({f: float(e) for f, e in zip(fit, se, strict=True)}),
        interval_95=MappingProxyType({f: _interval(v, e) for f, v, e in zip(fit, vals, se, strict=True)}),
        times=t, observed=y, predicted=model(sol.x, tt)[1:], curve_times=curve_t, curve=model(sol.x, curve_t),
        rms_log_residual=float(np.sqrt(np.mean(sol.fun**2))), dataset=dataset,
        at_bound=tuple(f for f, x, a, b in zip(fit, sol.x, lo, hi, strict=True) if min(x - a, b - x) < 1e-3))


def _interval(value: float, se_log: float) -> tuple[float, float]:
    """value·exp(∓1.96·se) on the log scale; (0, inf) when the parameter is not identifiable."""
    if not np.isfinite(se_log) or se_log > 50:
        return 0.0, math.inf
    return float(value * np.exp(-1.96 * se_log)), float(value * np.exp(1.96 * se_log))
