"""Global sensitivity analysis of the physics models (SLP, r2) and of the trained design surrogates.

Three methods, all through SALib (Herman & Usher, J Open Source Softw 2017 2:97, doi:10.21105/joss.00097
[seen-secondary]; Iwanaga et al., Socio-Environ Syst Model 2022 4:18155, doi:10.18174/sesmo.18155
[seen-secondary]):

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
from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from ferrokit import __version__
from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.schema import FrozenModel
from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError, check_choice

__all__ = [
    "DEFAULT_METHODS",
    "METHODS",
    "PHYSICS_PARAMETERS",
    "SURROGATE_INPUTS",
    "PhysicsSensitivityConfig",
    "SensitivityConfig",
    "SensitivityReport",
    "SensitivityResult",
    "analyze",
    "ishigami",
    "ishigami_indices",
    "physics_outputs",
    "physics_sensitivity",
    "run_sensitivity",
    "surrogate_sensitivity",
]

#: Sensitivity methods.
METHODS: tuple[str, ...] = ("sobol", "morris", "pawn", "delta")
#: Methods run when none are named (delta is slow: a kernel density estimate per bootstrap sample).
DEFAULT_METHODS: tuple[str, ...] = ("sobol", "morris", "pawn")

#: Physics inputs: name → (dimension, SI unit, default range in lab units).
PHYSICS_PARAMETERS: Mapping[str, tuple[str, str, tuple[str, str]]] = {
    "core_size": ("length", "m", ("8 nm", "20 nm")),
    "core_sigma": ("dimensionless", "1", ("0.05", "0.35")),
    "ms": ("mass_magnetization", "A m2/kg", ("40 emu/g", "90 emu/g")),
    "k_eff": ("energy_density", "J/m3", ("5 kJ/m3", "30 kJ/m3")),
    "coating_thickness": ("length", "m", ("2 nm", "20 nm")),
    "frequency": ("frequency", "Hz", ("100 kHz", "500 kHz")),
    "amplitude": ("field", "A/m", ("5 kA/m", "25 kA/m")),
}


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


# ----------------------------------------------------------------------------------------------- physics

class PhysicsSensitivityConfig(FrozenModel):
    """Input ranges (uniform) and fixed settings for the physics sensitivity analysis.

    ``ranges`` maps any of :data:`PHYSICS_PARAMETERS` to ``[low, high]`` with units (``["8 nm", "20 nm"]``);
    omitted inputs take the default range; ``low == high`` holds an input fixed (excluded from the indices).
    ``k_eff`` is the effective uniaxial anisotropy K_eff (Néel barrier K_eff V); ``ms`` is Ms per kg oxide.
    """

    composition: str = "Fe3O4"
    ranges: dict[str, tuple[str | float, str | float]] = Field(default_factory=dict)
    field_strength: str | float = "3 T"
    temperature: str | float = "310 K"
    coating: str = "PEG"
    coating_permeable: bool = True
    outputs: tuple[Literal["slp", "r2"], ...] = ("slp", "r2")

    @field_validator("ranges")
    @classmethod
    def _names(cls, v: dict) -> dict:
        unknown = sorted(set(v) - set(PHYSICS_PARAMETERS))
        if unknown:
            raise ValueError(f"unknown input(s) {unknown}; allowed: {', '.join(PHYSICS_PARAMETERS)}")
        return v

    def si_ranges(self) -> dict[str, tuple[float, float]]:
        """Every physics input's (low, high) in SI."""
        out = {}
        for name, (dim, _, default) in PHYSICS_PARAMETERS.items():
            pair = self.ranges.get(name, default)
            vals = []
            for x in pair:
                if dim == "dimensionless":
                    vals.append(float(x))
                elif isinstance(x, (int, float)):
                    raise FerroKitInputError(f"ranges.{name}: {x!r} has no unit (e.g. '{default[0]}')")
                else:
                    vals.append(parse_quantity(x, dim, name=f"ranges.{name}"))
            lo, hi = vals
            if not (math.isfinite(lo) and math.isfinite(hi) and 0 <= lo <= hi):
                raise FerroKitInputError(f"ranges.{name}: need 0 ≤ low ≤ high, got [{pair[0]}, {pair[1]}]")
            out[name] = (lo, hi)
        if out["core_sigma"][1] > 1.0:
            raise FerroKitInputError("ranges.core_sigma: must lie in [0, 1]")
        for name in ("core_size", "ms", "frequency", "amplitude", "k_eff"):
            if out[name][0] <= 0:
                raise FerroKitInputError(f"ranges.{name}: must be > 0")
        return out


def _b0_tesla(value: str | float) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    try:
        if text.endswith("mT"):
            return float(text[:-2]) * 1e-3
        if text.endswith("T"):
            return float(text[:-1])
    except ValueError:
        pass
    raise FerroKitInputError(f"field_strength: write B0 in tesla, e.g. '3 T'; got {value!r}")


def physics_outputs(x: np.ndarray, names: Sequence[str], fixed: Mapping[str, float], *,
                    config: PhysicsSensitivityConfig) -> dict[str, np.ndarray]:
    """SLP [W/kg] (:func:`ferrokit.hyperthermia.predict_slp`, ``model="auto"``) and r2 [s⁻¹ per mol m⁻³]
    (:func:`ferrokit.mri.predict_relaxivity`, long-echo limit) for each row of ``x``.

    Columns of ``x`` are ``names``; other inputs take ``fixed`` (SI). A row the models refuse is NaN.
    """
    from ferrokit.hyperthermia import predict_slp
    from ferrokit.materials import MeasuredMs, Particle
    from ferrokit.mri import predict_relaxivity

    b0 = _b0_tesla(config.field_strength)
    temp = parse_quantity(config.temperature, "temperature", name="temperature") if isinstance(
        config.temperature, str) else float(config.temperature)
    out = {k: np.full(len(x), np.nan) for k in config.outputs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, row in enumerate(np.atleast_2d(x)):
            v = dict(fixed) | dict(zip(names, (float(t) for t in row), strict=True))
            try:
                p = Particle(composition=config.composition, core_diameter=v["core_size"],
                             core_sigma=v["core_sigma"], anisotropy=v["k_eff"],
                             ms=MeasuredMs(value=v["ms"], basis="oxide", temperature=temp),
                             coating={"material": config.coating, "thickness": v["coating_thickness"],
                                      "permeable": config.coating_permeable})
                if "slp" in out:
                    out["slp"][i] = predict_slp(p, frequency=v["frequency"], amplitude=v["amplitude"],
                                                temperature=temp).slp
                if "r2" in out:
                    out["r2"][i] = predict_relaxivity(p, field=b0, temperature=temp).r2
            except (FerroKitInputError, ValueError):
                continue
    return out


def physics_sensitivity(config: PhysicsSensitivityConfig | None = None, *, methods: Sequence[str] = DEFAULT_METHODS,
                        n_sobol: int = 64, n_morris: int = 10, n_delta: int = 256, conf_level: float = 0.95,
                        rng: RngLike = 0) -> SensitivityReport:
    """Sensitivity of the physics SLP and r2 to core size, σ, Ms, K_eff, coating, frequency and amplitude.

    Outputs are analysed as log10 (SLP and r2 span decades; indices of the log are less dominated by a few
    extreme runs). Inputs are independent uniforms over ``config.ranges``. An input the output does not depend
    on gets S_T = 0 and μ* = 0 exactly (e.g. frequency for r2).

    Examples
    --------
    >>> rep = physics_sensitivity(methods=["morris"], n_morris=2, rng=1)
    >>> r2 = rep.result("morris", "log10_r2")
    >>> float(r2.indices["mu_star"][r2.names.index("frequency")])
    0.0
    """
    cfg = config or PhysicsSensitivityConfig()
    ranges = cfg.si_ranges()
    _b0_tesla(cfg.field_strength)
    names = [n for n, (lo, hi) in ranges.items() if hi > lo]
    fixed = {n: lo for n, (lo, hi) in ranges.items() if hi == lo}

    def func(x: np.ndarray) -> dict[str, np.ndarray]:
        y = physics_outputs(x, names, fixed, config=cfg)
        with np.errstate(divide="ignore", invalid="ignore"):
            return {f"log10_{k}": np.log10(v) for k, v in y.items()}

    rep = analyze(func, names, [ranges[n] for n in names], methods=methods, n_sobol=n_sobol, n_morris=n_morris,
                  n_delta=n_delta, conf_level=conf_level, model="physics", rng=rng)
    units = {n: PHYSICS_PARAMETERS[n][1] for n in ranges}
    settings = dict(rep.settings) | {"model": "physics", "composition": cfg.composition, "fixed": fixed,
                                     "units": units, "field_strength_T": _b0_tesla(cfg.field_strength),
                                     "outputs": {"log10_slp": "log10(W/kg)", "log10_r2": "log10(s-1 per mol/m3)"}}
    return SensitivityReport(rep.results, settings)


# ----------------------------------------------------------------------------------------------- surrogate

#: Inputs varied in the surrogate analysis, per target (DesignTable columns; ``dopant_fraction`` is x in
#: Zn_x Fe_(3-x) O4 for the box sample and the total dopant fraction per formula unit on the data).
SURROGATE_INPUTS: Mapping[str, tuple[str, ...]] = {
    "sar": ("core_size", "ms", "dopant_fraction", "field_amplitude", "frequency", "coating_logp"),
    "r1": ("core_size", "ms", "dopant_fraction", "field_strength", "coating_logp"),
    "r2": ("core_size", "ms", "dopant_fraction", "field_strength", "coating_logp"),
}


def _dopant_fraction(formulas: Sequence[str]) -> np.ndarray:
    from ferrokit.materials import parse_formula

    cache: dict[str, float] = {}
    for f in set(formulas):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cache[f] = float(sum(parse_formula(f).dopants.values()))
    return np.array([cache[f] for f in formulas])


def _synthetic_table(table, names: Sequence[str], x: np.ndarray):
    """A DesignTable whose rows take ``x`` for ``names`` and the data median for every other column."""
    from ferrokit.design.datasets import DesignTable

    n = len(x)
    numeric = {}
    for col, values in table.numeric.items():
        finite = values[np.isfinite(values)]
        numeric[col] = np.full(n, float(np.median(finite)) if finite.size else np.nan)
    comp = ["Fe3O4"] * n
    for j, name in enumerate(names):
        if name == "dopant_fraction":
            comp = [f"Zn{v:.4f}Fe{3 - v:.4f}O4" if v > 1e-4 else "Fe3O4" for v in x[:, j]]
        else:
            numeric[name] = x[:, j].astype(float)
    text = {"doi": ("synthetic",) * n, "composition": tuple(comp), "shell": ("",) * n}
    return DesignTable(table.target, text, numeric, tuple(range(2, n + 2)), ("sensitivity sample",) * n)


def surrogate_sensitivity(model, table, *, methods: Sequence[str] = DEFAULT_METHODS, n_sobol: int = 64,
                          n_morris: int = 10, conf_level: float = 0.95, quantiles: tuple[float, float] = (0.05, 0.95),
                          rng: RngLike = 0) -> SensitivityReport:
    """Sensitivity of a trained surrogate's log10 prediction to its main inputs.

    ``sobol``/``morris``: independent uniforms between the ``quantiles`` of each input in ``table`` (Zn ferrite
    for the dopant axis; every other column at its data median). ``pawn``/``delta``: on the rows of ``table`` as they
    are (the empirical, correlated joint distribution), output = the model's prediction for those rows. The
    Spearman correlation matrix of the inputs in ``table`` is reported in ``settings``.

    Parameters
    ----------
    model : TrainedModel
    table : DesignTable
        Rows of the same target (usually the training table).
    """
    from scipy.stats import spearmanr

    if getattr(model, "target", None) != table.target:
        raise FerroKitInputError(f"the model predicts {getattr(model, 'target', '?')}, the table is {table.target}")
    if len(table) < 32:
        raise FerroKitInputError(f"surrogate sensitivity needs at least 32 table rows, got {len(table)}")
    for m in methods:
        check_choice("method", m, METHODS)
    names = list(SURROGATE_INPUTS[table.target])
    data = np.column_stack([_dopant_fraction(table.text["composition"]) if n == "dopant_fraction"
                            else table.numeric[n] for n in names])
    keep = [j for j in range(len(names)) if np.sum(np.isfinite(data[:, j])) >= 0.8 * len(table)]
    names = [names[j] for j in keep]
    data = data[:, keep]
    bounds = []
    for j, n in enumerate(names):
        col = data[:, j][np.isfinite(data[:, j])]
        lo, hi = (float(np.quantile(col, q)) for q in quantiles)
        if n == "dopant_fraction":
            lo, hi = 0.0, min(max(hi, 0.1), 1.0)
        bounds.append((lo, hi))
    r = as_rng(rng)
    results: list[SensitivityResult] = []
    box = [m for m in methods if m in ("sobol", "morris")]
    if box:
        def func(x: np.ndarray) -> np.ndarray:
            return np.log10(model.predict(_synthetic_table(table, names, x)).value)

        rep = analyze(func, names, bounds, methods=box, n_sobol=n_sobol, n_morris=n_morris, conf_level=conf_level,
                      model=f"surrogate {table.target}", rng=r)
        results += [SensitivityResult(s.method, s.model, f"log10_{table.target}", s.names, s.indices,
                                      s.n_evaluations, s.conf_level, ("independent uniform box between data "
                                                                      f"quantiles {quantiles}",))
                    for s in rep.results]
    complete = np.all(np.isfinite(data), axis=1)
    given = [m for m in methods if m in ("pawn", "delta")]
    if given:
        y = np.log10(model.predict(table.subset(np.flatnonzero(complete))).value)
        problem = _problem(names, bounds)
        for m in given:
            results.append(_analyze_one(m, problem, data[complete], y, seed=int(r.integers(2**31 - 1)),
                                        conf_level=conf_level, num_resamples=100, model=f"surrogate {table.target}",
                                        output=f"log10_{table.target}",
                                        notes=(f"on {int(complete.sum())} data rows (correlated inputs as observed)",)))
    rho = spearmanr(data[complete]).statistic if complete.sum() > 2 else np.full((len(names),) * 2, np.nan)
    settings = {"model": f"surrogate {table.target} ({model.feature_set})", "inputs": dict(zip(
        names, (list(b) for b in bounds), strict=True)), "methods": list(methods), "n_sobol": n_sobol,
        "n_morris": n_morris, "n_delta_rows": int(complete.sum()), "conf_level": conf_level,
        "spearman_correlation": {"inputs": names, "matrix": np.round(np.atleast_2d(rho), 3).tolist()},
        "units": {"core_size": "m", "ms": "A m2/kg", "dopant_fraction": "1", "field_amplitude": "A/m",
                  "frequency": "Hz", "field_strength": "T", "coating_logp": "1"}}
    return SensitivityReport(tuple(results), settings)


# ----------------------------------------------------------------------------------------------- config / CLI

class SurrogateSettings(FrozenModel):
    """Which surrogate to train (on the shipped DiMag table) for the surrogate analysis."""

    target: Literal["sar", "r1", "r2"] = "r2"
    feature_set: Literal["baseline", "hybrid"] = "baseline"
    n_estimators: int = Field(default=100, ge=10, le=2000)
    max_depth: int | None = Field(default=3, ge=1, le=3, description="tree depth; null: tuned by grouped CV")


class SensitivityConfig(FrozenModel):
    """The ``ferrokit design sensitivity`` config: physics or surrogate model, methods and sample sizes."""

    model: Literal["physics", "surrogate"] = "physics"
    methods: tuple[Literal["sobol", "morris", "pawn", "delta"], ...] = DEFAULT_METHODS
    n_sobol: int = Field(default=64, ge=8, le=2**16)
    n_morris: int = Field(default=10, ge=2, le=1000)
    n_samples: int = Field(default=256, ge=32, le=2**16, description="pawn/delta sample size (physics)")
    conf_level: float = Field(default=0.95, gt=0.5, lt=1.0)
    seed: int = 0
    physics: PhysicsSensitivityConfig = Field(default_factory=PhysicsSensitivityConfig)
    surrogate: SurrogateSettings = Field(default_factory=SurrogateSettings)


def run_sensitivity(config: SensitivityConfig) -> SensitivityReport:
    """Run the analysis a :class:`SensitivityConfig` describes (surrogate: trained on DiMag first)."""
    if config.model == "physics":
        return physics_sensitivity(config.physics, methods=config.methods, n_sobol=config.n_sobol,
                                   n_morris=config.n_morris, n_delta=config.n_samples, conf_level=config.conf_level,
                                   rng=config.seed)
    from ferrokit.design.datasets import load_dimag
    from ferrokit.design.models import train_model

    table = load_dimag(config.surrogate.target)
    model = train_model(table, feature_set=config.surrogate.feature_set, n_estimators=config.surrogate.n_estimators,
                        rng=config.seed, max_depth=config.surrogate.max_depth)
    rep = surrogate_sensitivity(model, table, methods=config.methods, n_sobol=config.n_sobol,
                                n_morris=config.n_morris, conf_level=config.conf_level, rng=config.seed)
    settings = dict(rep.settings) | {"grouped_oof_r2_log": model.provenance["grouped_oof_r2_log"]}
    return SensitivityReport(rep.results, settings)
