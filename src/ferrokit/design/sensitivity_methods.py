"""Global sensitivity-analysis methods for any model over independent uniform inputs: sampling, indices, results.

The engine of :mod:`ferrokit.design.sensitivity`, which re-exports every public name of this module and applies
the methods to the physics models and the trained design surrogates. Four methods, all through SALib (Herman &
Usher, J Open Source Softw 2017 2:97, doi:10.21105/joss.00097 [seen-secondary]; Iwanaga et al., Socio-Environ
Syst Model 2022 4:18155, doi:10.18174/sesmo.18155 [seen-secondary]):

``sobol``
    Variance-based first-order and total indices :math:`S_i = V[E(Y|X_i)]/V(Y)`,
    :math:`S_{Ti} = E[V(Y|X_{\\sim i})]/V(Y)` from a Saltelli/Sobol' sequence of :math:`N(D+2)` model runs
    (Saltelli et al., Comput Phys Commun 2010 181:259, doi:10.1016/j.cpc.2009.09.018 [seen-secondary]),
    bootstrap confidence intervals. Assumes **independent** inputs.
``morris``
    Elementary effects: :math:`\\mu^*` (mean |EE|, importance) and :math:`\\sigma` (non-linearity/interaction)
    from :math:`r(D+1)` runs (Morris, Technometrics 1991 33:161; Campolongo et al., Environ Model Softw 2007
    22:1509, doi:10.1016/j.envsoft.2006.10.004 [seen-secondary]). A cheap screening; independent inputs.
``pawn``
    PAWN, moment-independent: the median over S conditioning slices of the Kolmogorov–Smirnov distance between
    the unconditional CDF of Y and its CDF with :math:`X_i` in a slice (Pianosi & Wagener, Environ Model Softw
    2015 67:1, doi:10.1016/j.envsoft.2015.01.004; given-data form 2018, 108:197,
    doi:10.1016/j.envsoft.2018.07.019 [seen-secondary]); confidence interval by bootstrap over rows. A
    non-influential input scores the KS noise of a slice (≈ 1.36/√(n/S) at 95 %), not 0.
``delta``
    Borgonovo's moment-independent :math:`\\delta_i = \\tfrac12 E_{X_i}\\int |f_Y(y) - f_{Y|X_i}(y)| dy`
    (Borgonovo, Reliab Eng Syst Saf 2007 92:771, doi:10.1016/j.ress.2006.04.015 [seen-secondary];
    estimator Plischke, Borgonovo & Smith, Eur J Oper Res 2013 226:536, doi:10.1016/j.ejor.2012.11.047
    [seen-secondary]). It is computed from any *given* sample, so it can be evaluated on the literature rows as
    they occur. This matters because core size, Ms and dopant fraction are **correlated** in the DiMag data
    (larger cores have larger Ms; Zn/Mn-doped papers report other sizes): Sobol/Morris sample each input
    independently over a box, i.e. also in corners no paper synthesised, while delta on the data keeps the
    joint distribution (SCIENCE.md §8, following the SALib maintainers' advice [seen-secondary]).

Validation: :func:`ishigami` with the analytic indices of :func:`ishigami_indices` (Ishigami & Homma 1990,
Proc ISUMA '90, doi:10.1109/ISUMA.1990.151285 [seen-secondary]; values for a = 7, b = 0.1:
S = 0.3139, 0.4424, 0; S_T = 0.5576, 0.4424, 0.2437, Saltelli et al. 2010 [seen-secondary; also derived
below]).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ferrokit import __version__
from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.validation import FerroKitInputError, check_choice

__all__ = [
    "DEFAULT_METHODS",
    "METHODS",
    "SensitivityReport",
    "SensitivityResult",
    "analyze",
    "ishigami",
    "ishigami_indices",
]

#: Sensitivity methods.
METHODS: tuple[str, ...] = ("sobol", "morris", "pawn", "delta")
#: Methods run when none are named (delta is slow: a kernel density estimate per bootstrap sample).
DEFAULT_METHODS: tuple[str, ...] = ("sobol", "morris", "pawn")


def _sensitivity_lib():
    try:
        from SALib.analyze import delta as delta_an
        from SALib.analyze import morris as morris_an
        from SALib.analyze import sobol as sobol_an
        from SALib.sample import morris as morris_sa
        from SALib.sample import sobol as sobol_sa
    except ImportError:  # pragma: no cover - depends on the environment
        raise FerroKitInputError("sensitivity analysis needs SALib: pip install 'ferrokit[design]'") from None
    return sobol_sa, sobol_an, morris_sa, morris_an, delta_an


# ----------------------------------------------------------------------------------------------- validation

def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """Ishigami function :math:`f = \\sin x_1 + a \\sin^2 x_2 + b x_3^4 \\sin x_1`, :math:`x_i \\sim U(-\\pi, \\pi)`.

    >>> float(ishigami(np.array([[0.0, math.pi / 2, 1.0]])) [0])
    7.0
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    if x.shape[1] != 3:
        raise FerroKitInputError(f"ishigami needs 3 columns, got {x.shape[1]}")
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[str, tuple[float, float, float]]:
    """Analytic first-order and total Sobol indices of :func:`ishigami`.

    :math:`V_1 = \\tfrac12(1 + b\\pi^4/5)^2`, :math:`V_2 = a^2/8`, :math:`V_{13} = b^2\\pi^8(1/18 - 1/50)`,
    :math:`V = V_1 + V_2 + V_{13}` (Ishigami & Homma 1990; Sobol' & Levitan 1999 [seen-secondary]).

    >>> s = ishigami_indices()
    >>> [round(v, 4) for v in s["S1"]], [round(v, 4) for v in s["ST"]]
    ([0.3139, 0.4424, 0.0], [0.5576, 0.4424, 0.2437])
    """
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return {"S1": (v1 / v, v2 / v, 0.0), "ST": ((v1 + v13) / v, v2 / v, v13 / v)}


# ----------------------------------------------------------------------------------------------- results

@dataclass(frozen=True)
class SensitivityResult:
    """Indices of one method for one output.

    ``indices`` holds arrays aligned with ``names``: sobol ``S1, S1_conf, ST, ST_conf``; morris ``mu_star,
    mu_star_conf, sigma, mu``; pawn ``pawn, pawn_conf, pawn_max``; delta ``delta, delta_conf, S1, S1_conf``.
    ``*_conf`` are half-widths of the bootstrap confidence interval at ``conf_level``.
    """

    method: str
    model: str
    output: str
    names: tuple[str, ...]
    indices: Mapping[str, np.ndarray]
    n_evaluations: int
    conf_level: float = 0.95
    notes: tuple[str, ...] = ()

    @property
    def main(self) -> tuple[str, str]:
        """(index, its CI) used for ranking and plots."""
        return {"sobol": ("ST", "ST_conf"), "morris": ("mu_star", "mu_star_conf"),
                "pawn": ("pawn", "pawn_conf"), "delta": ("delta", "delta_conf")}[self.method]

    def ranking(self) -> list[str]:
        """Input names, most influential first (by :attr:`main`)."""
        key = self.indices[self.main[0]]
        return [self.names[i] for i in np.argsort(-np.nan_to_num(key, nan=-np.inf), kind="stable")]

    def to_dict(self) -> dict:
        return {"method": self.method, "model": self.model, "output": self.output, "inputs": list(self.names),
                "indices": {k: [float(x) for x in v] for k, v in self.indices.items()},
                "ranking": self.ranking(), "n_evaluations": self.n_evaluations, "conf_level": self.conf_level,
                "notes": list(self.notes)}

    def plot(self, ax=None):
        """Bar chart of the indices with their confidence intervals (error bars)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        x = np.arange(len(self.names))
        pairs = {"sobol": [("S1", "S1_conf"), ("ST", "ST_conf")], "morris": [("mu_star", "mu_star_conf")],
                 "pawn": [("pawn", "pawn_conf")], "delta": [("delta", "delta_conf"), ("S1", "S1_conf")]}[self.method]
        w = 0.8 / len(pairs)
        for k, (key, conf) in enumerate(pairs):
            ax.bar(x + (k - (len(pairs) - 1) / 2) * w, self.indices[key], w, yerr=self.indices[conf], capsize=3,
                   label=key)
        ax.set_xticks(x, self.names, rotation=30, ha="right")
        ax.set_title(f"{self.model}: {self.output} ({self.method}, {100 * self.conf_level:g} % CI)", fontsize=9)
        ax.legend(fontsize=8)
        ax.figure.tight_layout()
        return ax


@dataclass(frozen=True)
class SensitivityReport:
    """All results of one analysis, with its settings."""

    results: tuple[SensitivityResult, ...]
    settings: Mapping[str, object] = field(default_factory=dict)

    def result(self, method: str, output: str) -> SensitivityResult:
        for r in self.results:
            if r.method == method and r.output == output:
                return r
        raise KeyError((method, output))

    def to_dict(self) -> dict:
        return {"settings": dict(self.settings), "results": [r.to_dict() for r in self.results],
                "ferrokit_version": __version__}

    def plot(self):
        """One panel per result; returns the first Axes (its ``.figure`` holds all panels)."""
        import matplotlib.pyplot as plt

        n = len(self.results)
        cols = min(n, 3)
        rows = math.ceil(n / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 3.4 * rows), squeeze=False)
        for ax, r in zip(axes.flat, self.results, strict=False):
            r.plot(ax)
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        fig.tight_layout()
        return axes.flat[0]


# ----------------------------------------------------------------------------------------------- engine

def _problem(names: Sequence[str], bounds: Sequence[tuple[float, float]]) -> dict:
    if len(names) < 2:
        raise FerroKitInputError(f"sensitivity analysis needs at least 2 varying inputs, got {len(names)}")
    for n, (lo, hi) in zip(names, bounds, strict=True):
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise FerroKitInputError(f"range of {n}: need finite low < high, got [{lo:g}, {hi:g}]")
    return {"num_vars": len(names), "names": list(names), "bounds": [list(b) for b in bounds]}


def _check_outputs(y: Mapping[str, np.ndarray], n: int) -> None:
    for k, v in y.items():
        if v.shape != (n,):
            raise FerroKitInputError(f"model output {k!r} has shape {v.shape}, expected ({n},)")
        bad = int(np.sum(~np.isfinite(v)))
        if bad:
            raise FerroKitInputError(f"model output {k!r} is not finite for {bad} of {n} samples; narrow the ranges")


def analyze(func: Callable[[np.ndarray], Mapping[str, np.ndarray] | np.ndarray], names: Sequence[str],
            bounds: Sequence[tuple[float, float]], *, methods: Sequence[str] = DEFAULT_METHODS, n_sobol: int = 256,
            n_morris: int = 20, n_delta: int = 512, conf_level: float = 0.95, num_resamples: int = 100,
            model: str = "model", rng: RngLike = 0) -> SensitivityReport:
    """Sobol, Morris and/or delta indices of ``func`` over independent uniform inputs in ``bounds``.

    Parameters
    ----------
    func : callable
        ``func(X)`` with ``X`` of shape (n, D) returns an array (n,) or a mapping output name → array (n,).
    names, bounds : sequences
        Input names and (low, high) ranges (uniform distributions).
    methods : subset of {"sobol", "morris", "pawn", "delta"}
    n_sobol : int
        Base sample size N (a power of 2 is best): N (D + 2) runs (first-order and total indices).
    n_morris : int
        Trajectories r: r (D + 1) runs, 4 levels.
    n_delta : int
        Latin-hypercube sample size for pawn and delta.
    rng : int or Generator
        Seed of every sampler and bootstrap.

    Examples
    --------
    >>> rep = analyze(ishigami, ["x1", "x2", "x3"], [(-math.pi, math.pi)] * 3, methods=["sobol"], n_sobol=1024)
    >>> [round(float(s), 1) for s in rep.results[0].indices["ST"]]
    [0.6, 0.4, 0.2]
    """
    sobol_sa, _sobol_an, morris_sa, _morris_an, _delta_an = _sensitivity_lib()
    if not methods:
        raise FerroKitInputError("methods: give at least one of sobol, morris, pawn, delta")
    for m in methods:
        check_choice("method", m, METHODS)
    for label, value, low in (("n_sobol", n_sobol, 8), ("n_morris", n_morris, 2), ("n_delta", n_delta, 32)):
        if int(value) != value or value < low or value > 2**20:
            raise FerroKitInputError(f"{label} must be an integer in [{low}, {2**20}], got {value}")
    problem = _problem(names, bounds)
    r = as_rng(rng)
    results: list[SensitivityResult] = []

    def run(x: np.ndarray) -> dict[str, np.ndarray]:
        y = func(x)
        out = {"y": np.asarray(y, dtype=float)} if not isinstance(y, Mapping) else {
            k: np.asarray(v, dtype=float) for k, v in y.items()}
        _check_outputs(out, len(x))
        return out

    for method in methods:
        seed = int(r.integers(2**31 - 1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SALib: "convergence properties ... N should be a power of 2"
            if method == "sobol":
                x = sobol_sa.sample(problem, int(n_sobol), calc_second_order=False, seed=seed)
            elif method == "morris":
                x = morris_sa.sample(problem, int(n_morris), num_levels=4, seed=seed)
            else:
                from scipy.stats import qmc

                lo, hi = np.array(bounds, dtype=float).T
                x = qmc.scale(qmc.LatinHypercube(d=len(names), seed=seed).random(int(n_delta)), lo, hi)
            ys = run(x)
            for out, y in ys.items():
                results.append(_analyze_one(method, problem, x, y, seed=seed, conf_level=conf_level,
                                            num_resamples=num_resamples, model=model, output=out))
    settings = {"inputs": {n: list(b) for n, b in zip(names, bounds, strict=True)}, "methods": list(methods),
                "n_sobol": n_sobol, "n_morris": n_morris, "n_delta": n_delta, "conf_level": conf_level,
                "distribution": "independent uniform"}
    return SensitivityReport(tuple(results), settings)


def _analyze_one(method: str, problem: dict, x: np.ndarray, y: np.ndarray, *, seed: int, conf_level: float,
                 num_resamples: int, model: str, output: str, notes: tuple[str, ...] = ()) -> SensitivityResult:
    _, sobol_an, _, morris_an, delta_an = _sensitivity_lib()
    names = tuple(problem["names"])
    if float(np.std(y)) == 0.0:
        z = np.zeros(len(names))
        keys = {"sobol": ("S1", "S1_conf", "ST", "ST_conf"), "morris": ("mu_star", "mu_star_conf", "sigma", "mu"),
                "pawn": ("pawn", "pawn_conf", "pawn_max"), "delta": ("delta", "delta_conf", "S1", "S1_conf")}[method]
        return SensitivityResult(method, model, output, names, {k: z.copy() for k in keys}, len(y), conf_level,
                                 (*notes, "output constant over the sample: every index is 0"))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if method == "sobol":
            s = sobol_an.analyze(problem, y, calc_second_order=False, num_resamples=num_resamples,
                                 conf_level=conf_level, seed=seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        elif method == "morris":
            s = morris_an.analyze(problem, x, y, num_resamples=num_resamples, conf_level=conf_level, num_levels=4,
                                  seed=seed)
            keys = ("mu_star", "mu_star_conf", "sigma", "mu")
        elif method == "pawn":
            s = _pawn(problem, x, y, seed=seed, conf_level=conf_level, num_resamples=num_resamples)
            keys = ("pawn", "pawn_conf", "pawn_max")
        else:
            s = delta_an.analyze(problem, x, y, num_resamples=min(num_resamples, 10), conf_level=conf_level,
                                 seed=seed, method="delta")
            keys = ("delta", "delta_conf", "S1", "S1_conf")
    if method == "delta" and "delta" not in s:  # SALib ≥ 1.6 names the classic estimator delta_raw
        s = dict(s) | {"delta": s["delta_raw"], "delta_conf": s["delta_raw_conf"]}
    idx = {k: np.asarray(s[k], dtype=float) for k in keys}
    return SensitivityResult(method, model, output, names, idx, len(y), conf_level, notes)


def _pawn(problem: dict, x: np.ndarray, y: np.ndarray, *, seed: int, conf_level: float, num_resamples: int,
          slices: int = 10) -> dict:
    """PAWN median (and max) KS statistic per input, bootstrap CI half-width of the median."""
    from SALib.analyze import pawn

    n_boot = max(10, min(num_resamples, 50))
    est = pawn.analyze(problem, x, y, S=slices, seed=seed)
    r = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        i = r.integers(0, len(y), len(y))
        boots.append(pawn.analyze(problem, x[i], y[i], S=slices, seed=int(r.integers(2**31 - 1)))["median"])
    half = (1 - conf_level) / 2
    lo, hi = np.quantile(np.array(boots), [half, 1 - half], axis=0)
    return {"pawn": est["median"], "pawn_conf": (hi - lo) / 2, "pawn_max": est["maximum"]}
