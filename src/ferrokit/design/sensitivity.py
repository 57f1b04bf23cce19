"""Global sensitivity analysis of the physics models (SLP, r2) and of the trained design surrogates.

The methods (``sobol``, ``morris``, ``pawn``, ``delta``; SALib), their equations, assumptions and references are
in :mod:`ferrokit.design.sensitivity_methods`, whose public names (:func:`analyze`, :class:`SensitivityReport`,
:func:`ishigami`, ...) are re-exported here. This module applies them to the physics SLP and r2
(:func:`physics_sensitivity`, independent uniform inputs over :data:`PHYSICS_PARAMETERS`) and to a trained
surrogate (:func:`surrogate_sensitivity`: sobol/morris on a box between data quantiles; pawn/delta on the data
rows as they occur, because core size, Ms and dopant fraction are correlated in the DiMag data, SCIENCE.md §8),
and runs the ``ferrokit design sensitivity`` config (:class:`SensitivityConfig`, :func:`run_sensitivity`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.schema import FrozenModel
from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError, check_choice
from ferrokit.design.sensitivity_methods import (
    DEFAULT_METHODS,
    METHODS,
    SensitivityReport,
    SensitivityResult,
    _analyze_one,
    _problem,
    analyze,
    ishigami,
    ishigami_indices,
)

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
