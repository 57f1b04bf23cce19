"""Constrained multi-objective inverse design: maximise r2 and SLP of a Zn-ferrite particle under constraints.

Objectives (physics models, no fitted data): SLP from :func:`ferrokit.hyperthermia.predict_slp` (``auto``) and
r2 from :func:`ferrokit.mri.predict_relaxivity` (long-echo limit) for a particle ``Zn_x Fe_(3-x) O4`` with a
lognormal core, model Ms (bulk Ms(T) with dead layer) and model K_eff (bulk + surface term), and a coating.

Constraints (every returned candidate satisfies all of them): core size < ``max_core_size``; hydrodynamic
diameter ≤ ``max_hydrodynamic_size``; H·f ≤ the chosen limit (:data:`ferrokit.hyperthermia.safety.HF_LIMITS`
or a number); predicted viability (:mod:`ferrokit.design.viability`, DiTox-trained) ≥ ``min_viability``.

Search: a Latin hypercube over the design box, then ``refine_rounds`` rounds of Gaussian perturbation
(σ = 5 % of each range) around the current Pareto front (local refinement). The Pareto front is the set of
non-dominated feasible points (:func:`pareto_mask`, implemented here; both objectives maximised).

Uncertainty: the physics model's poorly known parameters are drawn ``n_draws`` times (common random numbers
for every candidate): Néel attempt time τ0 log-uniform in [1e-10, 1e-8] s, dead layer uniform in
[0.2, 1.0] nm, surface anisotropy K_S uniform in [1e-5, 6e-5] J/m², core σ ± 0.05; the 5–95 % quantiles of SLP
and r2 are reported for the ranked candidates.

Ranking: Pareto rank (non-dominated sorting), then crowding distance (Deb et al., IEEE Trans Evol Comput 2002
6:182, doi:10.1109/4235.996017 [seen-secondary]), both on (log10 SLP, log10 r2) of the ranking objective.
``search.objective = "robust"`` (default) ranks on the ``search.robust_quantile`` (default 10 %) quantile of
each candidate's uncertainty draws; ``"expected"`` on the mean of log10 over the draws; ``"nominal"`` on the
nominal parameter values. Ranking the nominal values picks points whose nominal value is optimistic (the
winner's curse: the chosen front sits at or above the upper quantiles of its own draws); the robust objective
is evaluated for the ``search.n_screen`` best feasible points by nominal rank (a screen; the draws are the
costly part), and the candidates are re-ranked on it.

Next batch (active learning, optimistic hypervolume improvement): for each ranked candidate the optimistic
outcome u(x) = (95 % SLP, 95 % r2) in log10; the acquisition is the exact 2-D hypervolume improvement of u(x)
over the front of the *median* predictions. Candidates are picked greedily; after each pick its u(x) is
added to the reference front (so the next pick must improve a different part of the front) and candidates
closer than ``min_distance`` (Euclidean distance in the design box scaled to [0, 1]) to a picked one are
skipped (diversity). Points whose uncertainty could most extend the front are the most informative to make.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import Field

from ferrokit import __version__
from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.schema import FrozenModel
from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError, check_array

__all__ = ["VARIABLES", "Constraints", "DesignSpace", "OptimizationResult", "OptimizeConfig", "SearchSettings",
           "crowding_distance", "hypervolume_2d", "nondominated_ranks", "optimize", "pareto_mask",
           "rank_candidates", "ranking_objective"]

#: Design variables: name → (dimension, SI unit).
VARIABLES: dict[str, tuple[str, str]] = {"zn_fraction": ("dimensionless", "1"), "core_size": ("length", "m"),
                                         "coating_thickness": ("length", "m"), "frequency": ("frequency", "Hz"),
                                         "amplitude": ("field", "A/m")}


# ------------------------------------------------------------------------------------------------ Pareto tools

def pareto_mask(objectives) -> np.ndarray:
    """True for the non-dominated rows of ``objectives`` (n × m, every column maximised).

    Row a dominates b when a ≥ b in every objective and a > b in at least one; duplicates do not dominate
    each other (both kept).

    >>> pareto_mask([[1, 2], [2, 1], [1, 1], [0, 3]]).tolist()
    [True, True, False, True]
    """
    y = check_array("objectives", objectives, ndim=2)
    n = len(y)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        dominated = np.all(y >= y[i], axis=1) & np.any(y > y[i], axis=1)
        keep[i] = not dominated.any()
    return keep


def nondominated_ranks(objectives) -> np.ndarray:
    """Pareto rank of each row (0 = the front, 1 = the front after removing it, …), all columns maximised.

    >>> nondominated_ranks([[1, 2], [2, 1], [1, 1], [0, 0]]).tolist()
    [0, 0, 1, 2]
    """
    y = check_array("objectives", objectives, ndim=2)
    ranks = np.full(len(y), -1)
    left = np.arange(len(y))
    r = 0
    while left.size:
        front = pareto_mask(y[left])
        ranks[left[front]] = r
        left = left[~front]
        r += 1
    return ranks


def crowding_distance(objectives) -> np.ndarray:
    """NSGA-II crowding distance (boundary points: inf) of a set of points.

    >>> crowding_distance([[0, 2], [1, 1], [2, 0]]).tolist()
    [inf, 2.0, inf]
    """
    y = check_array("objectives", objectives, ndim=2)
    n, m = y.shape
    d = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for j in range(m):
        order = np.argsort(y[:, j], kind="stable")
        span = y[order[-1], j] - y[order[0], j]
        d[order[0]] = d[order[-1]] = np.inf
        if span > 0:
            d[order[1:-1]] += (y[order[2:], j] - y[order[:-2], j]) / span
    return d


def hypervolume_2d(points, reference) -> float:
    """Area dominated by ``points`` (maximised in both columns) and bounded below by ``reference``.

    >>> hypervolume_2d([[1, 2], [2, 1]], [0, 0])
    3.0
    """
    p = check_array("points", points, ndim=2)
    ref = np.asarray(reference, dtype=float)
    p = p[np.all(p > ref, axis=1)]
    if p.size == 0:
        return 0.0
    p = p[pareto_mask(p)]
    p = p[np.argsort(-p[:, 0])]
    area, y_prev = 0.0, ref[1]
    for x, y in p:
        if y > y_prev:
            area += (x - ref[0]) * (y - y_prev)
            y_prev = y
    return float(area)


def ranking_objective(nominal, samples, objective: str = "robust", quantile: float = 0.1) -> np.ndarray:
    """Objectives (n × m, log10, maximised) a candidate is ranked on.

    Parameters
    ----------
    nominal : array (n, m)
        Objective values at the nominal model parameters (linear, > 0).
    samples : array (n_draws, m, n)
        The same objectives under the uncertainty draws (NaN: a draw the model could not evaluate).
    objective : {"robust", "expected", "nominal"}
        ``robust``: the ``quantile`` quantile of log10 over the draws; ``expected``: the mean of log10;
        ``nominal``: log10 of ``nominal``.

    >>> s = np.array([[[10.0]], [[1000.0]]])  # two draws, one objective, one candidate
    >>> ranking_objective([[500.0]], s, "expected").tolist()
    [[2.0]]
    """
    nom = np.log10(check_array("nominal", nominal, ndim=2))
    if objective == "nominal":
        return nom
    with np.errstate(divide="ignore", invalid="ignore"):
        ls = np.log10(np.asarray(samples, dtype=float))
    if ls.ndim != 3 or ls.shape[1:] != nom.shape[::-1]:
        raise FerroKitInputError(f"samples must have shape (n_draws, {nom.shape[1]}, {nom.shape[0]}), "
                                 f"got {ls.shape}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns → NaN (ranked last below)
        if objective == "expected":
            out = np.nanmean(ls, axis=0).T
        elif objective == "robust":
            out = np.nanquantile(ls, quantile, axis=0).T
        else:
            raise FerroKitInputError(f"objective must be robust, expected or nominal; got {objective!r}")
    return np.where(np.isfinite(out), out, -np.inf)


def rank_candidates(objectives) -> np.ndarray:
    """Order (best first) by Pareto rank, then by crowding distance (larger first), all columns maximised.

    >>> rank_candidates([[1, 1], [2, 2], [0, 3]]).tolist()
    [1, 2, 0]
    """
    obj = check_array("objectives", objectives, ndim=2, finite=False)
    obj = np.where(np.isfinite(obj), obj, -1e300)
    ranks = nondominated_ranks(obj)
    crowd = np.zeros(len(obj))
    for k in np.unique(ranks):
        m = ranks == k
        crowd[m] = crowding_distance(obj[m])
    return np.lexsort((-crowd, ranks))


# ------------------------------------------------------------------------------------------------ config

def _range(pair: Any, dim: str, name: str) -> tuple[float, float]:
    if not isinstance(pair, (list, tuple)) or len(pair) != 2:
        raise FerroKitInputError(f"{name}: give [low, high], got {pair!r}")
    vals = []
    for x in pair:
        if dim == "dimensionless":
            vals.append(float(x))
        elif isinstance(x, (int, float)):
            raise FerroKitInputError(f"{name}: {x!r} has no unit")
        else:
            vals.append(parse_quantity(x, dim, name=name))
    lo, hi = vals
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 <= lo <= hi):
        raise FerroKitInputError(f"{name}: need 0 ≤ low ≤ high, got {pair!r}")
    return lo, hi


class DesignSpace(FrozenModel):
    """The box searched (ranges with units) and the fixed particle settings."""

    zn_fraction: tuple[float, float] = (0.0, 0.4)
    core_size: tuple[str | float, str | float] = ("6 nm", "24 nm")
    coating_thickness: tuple[str | float, str | float] = ("2 nm", "20 nm")
    frequency: tuple[str | float, str | float] = ("100 kHz", "1 MHz")
    amplitude: tuple[str | float, str | float] = ("5 kA/m", "30 kA/m")
    core_sigma: float = Field(default=0.2, ge=0.0, le=0.5)
    coating: str = "PEG"
    field_strength: str = "3 T"
    temperature: str = "310 K"

    def box(self) -> dict[str, tuple[float, float]]:
        out = {n: _range(getattr(self, n), dim, f"space.{n}") for n, (dim, _) in VARIABLES.items()}
        if out["zn_fraction"][1] > 1.0:
            raise FerroKitInputError("space.zn_fraction: x in Zn_x Fe_(3-x) O4 must lie in [0, 1]")
        for n in ("core_size", "frequency", "amplitude"):
            if out[n][0] <= 0:
                raise FerroKitInputError(f"space.{n}: must be > 0")
        return out


class Constraints(FrozenModel):
    """Design constraints (all must hold for a candidate to be returned)."""

    max_core_size: str = "20 nm"
    max_hydrodynamic_size: str = "50 nm"
    hf_limit: str | float = "hergt"
    min_viability: float = Field(default=0.7, ge=0.0, le=1.0)
    dose: float = Field(default=1e-3, gt=0.0, le=1.0, description="DiTox concentration scale (labelled g/L)")
    exposure: str = "24 h"

    def si(self) -> dict[str, float]:
        from ferrokit.hyperthermia.safety import HF_LIMITS

        if isinstance(self.hf_limit, (int, float)):
            hf = float(self.hf_limit)
        else:
            key = self.hf_limit.strip().lower().split("-")[0]
            if key in HF_LIMITS:
                hf = HF_LIMITS[key][0]
            else:
                try:
                    hf = float(self.hf_limit.strip().split()[0])
                except ValueError:
                    raise FerroKitInputError(f"constraints.hf_limit: a name ({', '.join(HF_LIMITS)}) or a "
                                             f"number in A/(m s); got {self.hf_limit!r}") from None
        if not (math.isfinite(hf) and hf > 0):
            raise FerroKitInputError(f"constraints.hf_limit must be > 0, got {hf:g}")
        return {"max_core_size": parse_quantity(self.max_core_size, "length", name="constraints.max_core_size"),
                "max_hydrodynamic_size": parse_quantity(self.max_hydrodynamic_size, "length",
                                                        name="constraints.max_hydrodynamic_size"),
                "hf_limit": hf, "min_viability": self.min_viability, "dose": self.dose,
                "exposure": parse_quantity(self.exposure, "time", name="constraints.exposure")}


class SearchSettings(FrozenModel):
    """Search budget, uncertainty draws and batch size."""

    n_initial: int = Field(default=200, ge=8, le=20000)
    refine_rounds: int = Field(default=2, ge=0, le=20)
    n_refine: int = Field(default=40, ge=1, le=5000)
    n_draws: int = Field(default=12, ge=2, le=500)
    top: int = Field(default=10, ge=1, le=500)
    batch_size: int = Field(default=4, ge=1, le=100)
    min_distance: float = Field(default=0.15, ge=0.0, le=2.0)
    objective: Literal["robust", "expected", "nominal"] = "robust"
    robust_quantile: float = Field(default=0.1, gt=0.0, lt=0.5)
    n_screen: int = Field(default=60, ge=1, le=5000)


class OptimizeConfig(FrozenModel):
    """The ``ferrokit design optimize`` config."""

    space: DesignSpace = Field(default_factory=DesignSpace)
    constraints: Constraints = Field(default_factory=Constraints)
    search: SearchSettings = Field(default_factory=SearchSettings)
    seed: int = 0


# ------------------------------------------------------------------------------------------------ evaluation

def _b0(text: str) -> float:
    t = text.strip()
    try:
        if t.endswith("mT"):
            return float(t[:-2]) * 1e-3
        if t.endswith("T"):
            return float(t[:-1])
    except ValueError:
        pass
    raise FerroKitInputError(f"space.field_strength: write B0 in tesla, e.g. '3 T'; got {text!r}")


def _evaluate(x: np.ndarray, space: DesignSpace, *, draw: dict | None = None) -> dict[str, np.ndarray]:
    from ferrokit.hyperthermia import predict_slp
    from ferrokit.materials import Particle
    from ferrokit.mri import predict_relaxivity

    b0 = _b0(space.field_strength)
    temp = parse_quantity(space.temperature, "temperature", name="space.temperature")
    draw = draw or {}
    n = len(x)
    out = {k: np.full(n, np.nan) for k in ("slp", "r2", "hydrodynamic_size")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, (zn, d, t, f, h) in enumerate(x):
            comp = f"Zn{zn:.4f}Fe{3 - zn:.4f}O4" if zn > 1e-4 else "Fe3O4"
            try:
                p = Particle(composition=comp, core_diameter=d,
                             core_sigma=min(max(space.core_sigma + draw.get("dsigma", 0.0), 0.0), 1.0),
                             coating={"material": space.coating, "thickness": t},
                             dead_layer=draw.get("dead_layer", 5e-10),
                             surface_anisotropy=draw.get("surface_anisotropy", 3.5e-5))
                out["hydrodynamic_size"][i] = p.hydrodynamic_diameter_value
                out["slp"][i] = predict_slp(p, frequency=f, amplitude=h, temperature=temp,
                                            tau0=draw.get("tau0", 1e-9)).slp
                out["r2"][i] = predict_relaxivity(p, field=b0, temperature=temp).r2
            except (FerroKitInputError, ValueError):
                continue
    return out


@dataclass(frozen=True)
class OptimizationResult:
    """Evaluated points, the Pareto front, ranked candidates with uncertainty and the suggested batch (SI)."""

    x: np.ndarray
    names: tuple[str, ...]
    slp: np.ndarray
    r2: np.ndarray
    hydrodynamic_size: np.ndarray
    viability: np.ndarray
    feasible: np.ndarray
    front: np.ndarray
    candidates: tuple[dict, ...]
    batch: tuple[dict, ...]
    violations: dict
    settings: dict = field(default_factory=dict)
    viability_model: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"n_evaluated": len(self.x), "n_feasible": int(self.feasible.sum()),
                "n_front": len(self.front), "violations": self.violations, "candidates": list(self.candidates),
                "next_batch": list(self.batch), "settings": self.settings, "viability_model": self.viability_model,
                "units": {"core_size": "m", "coating_thickness": "m", "hydrodynamic_size": "m", "frequency": "Hz",
                          "amplitude": "A/m", "hf": "A/(m s)", "slp": "W/kg",
                          "r2": "s-1 per mol/m3 (= mM-1 s-1)", "viability": "fraction", "zn_fraction": "1"},
                "ferrokit_version": __version__}

    def plot(self, ax=None):
        """r2 vs SLP: feasible points, the Pareto front, ranked candidates (5–95 % bars) and the next batch."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4.5))
        f = self.feasible
        ax.scatter(self.slp[~f] / 1e3, self.r2[~f], s=6, c="0.85", label="infeasible")
        ax.scatter(self.slp[f] / 1e3, self.r2[f], s=8, c="0.5", label="feasible")
        fr = self.front[np.argsort(self.slp[self.front])]
        ax.plot(self.slp[fr] / 1e3, self.r2[fr], "r.-", label="Pareto front")
        for c in self.candidates:  # bars: 5–95 % of the parameter draws around their median
            u = c["uncertainty"]
            ax.errorbar(u["slp_q50"] / 1e3, u["r2_q50"], xerr=[[(u["slp_q50"] - u["slp_q05"]) / 1e3],
                                                               [(u["slp_q95"] - u["slp_q50"]) / 1e3]],
                        yerr=[[u["r2_q50"] - u["r2_q05"]], [u["r2_q95"] - u["r2_q50"]]], fmt="o", ms=3, c="C0",
                        lw=0.8)
        ax.scatter([b["slp"] / 1e3 for b in self.batch], [b["r2"] for b in self.batch], marker="*", s=120,
                   c="C2", zorder=5, label="next batch")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("SLP (W/g)")
        ax.set_ylabel("r2 (mM⁻¹ s⁻¹)")
        ax.legend(fontsize=8)
        ax.figure.tight_layout()
        return ax


def _row(i: int, res: dict, names: tuple[str, ...], x: np.ndarray) -> dict:
    out = {n: float(v) for n, v in zip(names, x[i], strict=True)}
    out |= {"slp": float(res["slp"][i]), "r2": float(res["r2"][i]),
            "hydrodynamic_size": float(res["hydrodynamic_size"][i]), "viability": float(res["viability"][i]),
            "viability_low": float(res["viability_low"][i]), "hf": float(x[i, 3] * x[i, 4])}
    return out


def optimize(config: OptimizeConfig | None = None, *, viability_model=None, rng: RngLike = None) -> OptimizationResult:
    """Search the design box for feasible particles that maximise SLP and r2 (see the module docstring).

    Parameters
    ----------
    config : OptimizeConfig
    viability_model : ViabilityModel, optional
        Default: :func:`~ferrokit.design.viability.train_viability_model` with the config's seed.
    rng : int or Generator, optional
        Default: ``config.seed``.
    """
    from scipy.stats import qmc

    from ferrokit.design.viability import check_coating, train_viability_model

    cfg = config or OptimizeConfig()
    box = cfg.space.box()
    con = cfg.constraints.si()
    check_coating(cfg.space.coating)
    _b0(cfg.space.field_strength)
    s = cfg.search
    r = as_rng(cfg.seed if rng is None else rng)
    vm = viability_model or train_viability_model(rng=int(r.integers(2**31 - 1)))
    names = tuple(VARIABLES)
    lo, hi = np.array([box[n] for n in names]).T
    span = np.where(hi > lo, hi - lo, 1.0)

    def evaluate(x: np.ndarray) -> dict[str, np.ndarray]:
        res = _evaluate(x, cfg.space)
        v = np.full(len(x), np.nan)
        vlo = np.full(len(x), np.nan)
        ok = np.isfinite(res["hydrodynamic_size"])
        if ok.any():
            v[ok], vlo[ok], _ = vm.predict(np.clip(res["hydrodynamic_size"][ok], 1e-9, 2e-6), cfg.space.coating,
                                           con["dose"], con["exposure"])
        return res | {"viability": v, "viability_low": vlo}

    def feasibility(x: np.ndarray, res: dict) -> dict[str, np.ndarray]:
        return {"core_size": x[:, 1] < con["max_core_size"],
                "hydrodynamic_size": res["hydrodynamic_size"] <= con["max_hydrodynamic_size"],
                "hf": x[:, 3] * x[:, 4] <= con["hf_limit"], "viability": res["viability"] >= con["min_viability"],
                "model": np.isfinite(res["slp"]) & np.isfinite(res["r2"]) & (res["slp"] > 0) & (res["r2"] > 0)}

    x = qmc.scale(qmc.LatinHypercube(d=len(names), seed=int(r.integers(2**31 - 1))).random(s.n_initial), lo, hi)
    res = evaluate(x)
    for _ in range(s.refine_rounds):
        ok = np.all(list(feasibility(x, res).values()), axis=0)
        if not ok.any():
            break
        idx = np.flatnonzero(ok)
        obj = np.log10(np.column_stack([res["slp"][idx], res["r2"][idx]]))
        front = idx[pareto_mask(obj)]
        parents = x[r.choice(front, size=s.n_refine, replace=True)]
        child = np.clip(parents + r.normal(0.0, 0.05, parents.shape) * span, lo, hi)
        new = evaluate(child)
        x = np.vstack([x, child])
        res = {k: np.concatenate([res[k], new[k]]) for k in res}
    checks = feasibility(x, res)
    feasible = np.all(list(checks.values()), axis=0)
    violations = {k: int((~v).sum()) for k, v in checks.items()}
    if not feasible.any():
        raise FerroKitInputError(f"no feasible design among {len(x)} evaluated; constraint violations: {violations}"
                                 " — relax the constraints or widen the design space")
    idx = np.flatnonzero(feasible)
    nominal = np.column_stack([res["slp"][idx], res["r2"][idx]])
    ranks = nondominated_ranks(np.log10(nominal))
    order = rank_candidates(np.log10(nominal))
    front = idx[ranks == 0]
    need = max(s.top, s.batch_size * 3)
    screen = order[:need if s.objective == "nominal" else max(need, s.n_screen)]
    # uncertainty from the physics parameters (common random numbers for every candidate)
    draws = [{"tau0": 10 ** r.uniform(-10, -8), "dead_layer": r.uniform(0.2e-9, 1.0e-9),
              "surface_anisotropy": r.uniform(1e-5, 6e-5), "dsigma": r.uniform(-0.05, 0.05)} for _ in range(s.n_draws)]
    samples = np.array([[_evaluate(x[idx[screen]], cfg.space, draw=d)[k] for k in ("slp", "r2")] for d in draws])
    robj = ranking_objective(nominal[screen], samples, s.objective, s.robust_quantile)
    rq = ranking_objective(nominal[screen], samples, "robust", s.robust_quantile)  # reported for every objective
    pick = rank_candidates(robj)[:need]
    chosen = idx[screen[pick]]
    samples = samples[:, :, pick]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        q05 = np.nanquantile(samples, 0.05, axis=0)
        q50 = np.nanquantile(samples, 0.5, axis=0)
        q95 = np.nanquantile(samples, 0.95, axis=0)
    rank_of = dict(zip(idx.tolist(), ranks.tolist(), strict=True))
    rows = []
    for j, i in enumerate(chosen):
        row = _row(int(i), res, names, x) | {"pareto_rank": int(rank_of[int(i)])}
        row["uncertainty"] = {"slp_q05": float(q05[0, j]), "slp_q50": float(q50[0, j]), "slp_q95": float(q95[0, j]),
                              "r2_q05": float(q05[1, j]), "r2_q50": float(q50[1, j]), "r2_q95": float(q95[1, j])}
        row["ranking_objective"] = {"log10_slp": float(robj[pick[j], 0]), "log10_r2": float(robj[pick[j], 1])}
        row["robust_log10"] = {"quantile": s.robust_quantile, "slp": float(rq[pick[j], 0]),
                               "r2": float(rq[pick[j], 1])}
        rows.append(row)
    batch = _select_batch(rows, chosen, x, lo, span, s.batch_size, s.min_distance)
    settings = {"config": cfg.model_dump(mode="json"), "constraints_si": con, "box_si": box, "seed": cfg.seed,
                "objectives": ["slp (maximise)", "r2 (maximise)"],
                "ranking": f"Pareto rank, then crowding distance, on the {s.objective} objective"
                           + (f" ({100 * s.robust_quantile:g} % quantile of the draws)" if s.objective == "robust"
                              else ""),
                "acquisition": "greedy optimistic (95 %) hypervolume improvement over the median front, "
                               f"min design-space distance {s.min_distance}"}
    return OptimizationResult(x, names, res["slp"], res["r2"], res["hydrodynamic_size"], res["viability"], feasible,
                              front, tuple(rows[:s.top]), tuple(batch), violations, settings, vm.to_dict())


def _select_batch(rows: list[dict], chosen: np.ndarray, x: np.ndarray, lo: np.ndarray, span: np.ndarray, size: int,
                  min_distance: float) -> list[dict]:
    med = np.log10(np.array([[r["uncertainty"]["slp_q50"], r["uncertainty"]["r2_q50"]] for r in rows]))
    opt = np.log10(np.array([[r["uncertainty"]["slp_q95"], r["uncertainty"]["r2_q95"]] for r in rows]))
    good = np.all(np.isfinite(med), axis=1) & np.all(np.isfinite(opt), axis=1)
    if not good.any():
        return []
    ref = np.minimum(med[good].min(axis=0), opt[good].min(axis=0)) - 0.1
    reference = med[good]
    z = (x[chosen] - lo) / span
    picked: list[int] = []
    gains: list[float] = []
    width = np.where(good, np.sum(opt - med, axis=1), -np.inf)  # tie-break: the most uncertain candidate
    for _ in range(size):
        base = hypervolume_2d(reference, ref)
        best, best_key = -1, (-1.0, -np.inf)
        for j in np.flatnonzero(good):
            if j in picked or any(np.linalg.norm(z[j] - z[k]) < min_distance for k in picked):
                continue
            gain = hypervolume_2d(np.vstack([reference, opt[j]]), ref) - base
            key = (round(gain, 12), float(width[j]))
            if key > best_key:
                best, best_key = int(j), key
        if best < 0:
            break
        picked.append(best)
        gains.append(best_key[0])
        reference = np.vstack([reference, opt[best]])
    return [rows[j] | {"batch_order": k + 1, "acquisition_hvi": g} for k, (j, g) in enumerate(zip(picked, gains,
                                                                                                   strict=True))]
