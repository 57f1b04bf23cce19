"""Tumour–immune ODE model (phenomenological) with nanoparticle effects as documented inputs.

Core: the cell-mediated immune model of de Pillis, Radunskaya & Wiseman, Cancer Res 2005 65:7950,
doi 10.1158/0008-5472.CAN-05-0564 [seen-secondary: equations and mouse parameter sets as transcribed in the
public MATLAB code S-Ng/Immune-Response-to-Tumor-Growth ``getParameters.m``, not checked against the paper's
table], fitted there to the Diefenbach et al. (Nature 2001) mouse experiments with NKG2D-ligand-transduced
(``ll``, ``ln``, ``nl``) and control (``nn``) tumour cells. Tumour cells T, NK cells N, CD8⁺ T cells L:

.. math::
    \\dot T = aT(1-bT) - cNT - D,\\qquad D = d\\,\\frac{(L/T)^\\lambda}{s + (L/T)^\\lambda}\\,T,

.. math::
    \\dot N = \\sigma - fN + \\frac{gT^2}{h+T^2}N - pNT,\\qquad
    \\dot L = -mL + j\\frac{D^2}{k + D^2}L - qLT + rNT.

Extension (FerroKit, structure after the M1/M2 re-polarisation model of den Breems & Eftimie, J Theor Biol
2016 390:23, doi 10.1016/j.jtbi.2015.10.034 [seen-abstract]): macrophages recruited at
:math:`R(T) = s_M + a_M T/(T+K_T)`, a fraction φ as M2, re-polarising M1→M2 at k12 and M2→M1 at k21:

.. math::
    \\dot M_1 = (1-\\varphi)R - k_{12}M_1 + k_{21}'M_2 - \\delta_M M_1,\\quad
    \\dot M_2 = \\varphi R + k_{12}M_1 - k_{21}'M_2 - \\delta_M M_2;

M1 kill tumour cells (:math:`-c_{M1}M_1T`), M2 raise the growth rate
(:math:`a' = a[1 + \\gamma M_2/(M_2+K_{M2})]`) and suppress CD8 killing (:math:`d/(1+M_2/K_{sup})`).

Nanoparticle effects (inputs, each a level over time, see :class:`ImmuneEffects`):

* ferroptotic kill rate κ_F(t) [1/s]: removes :math:`\\kappa_F T` and primes CD8 cells by immunogenic cell death,
  :math:`+\\rho_{ICD}\\,\\kappa_F T` (default ρ_ICD = r/c of the ``ll`` set ≈ 0.031 CD8 cells per killed cell,
  by analogy with de Pillis's NK-debris priming) [assumption];
* ROS-driven M2→M1 re-polarisation: :math:`k_{21}' = k_{21} + \\Delta k_{21}(t)` [assumption];
* Mn²⁺ STING activation S(t) ∈ [0, 1]: priming terms r, ρ_ICD and recruitment j × (1 + σ_S S) [assumption];
* anti-PD-L1 blockade B(t) ∈ [0, 1]: CD8 kill d × (1 + ρ_PD B) [assumption];
* NK activation by mild hyperthermia H(t) ∈ [0, 1]: NK kill c × (1 + η_H H) [assumption].

With every extension coefficient and input at zero the model *is* the de Pillis 2005 model. The macrophage
and nanoparticle coefficients have no fitted source: their defaults are illustrative; the model describes
trends (which arm controls the tumour, which escapes), not predictions of cell numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator
from scipy.integrate import solve_ivp

from ferrokit._shared.schema import FrozenModel
from ferrokit._shared.validation import FerroKitInputError, check_positive
from ferrokit.response._units import Rate, Time

DAY = 86400.0
_D = 1.0 / DAY
PHENOMENOLOGICAL_IMMUNE = ("phenomenological tumour–immune model (de Pillis et al. 2005 core + assumed "
                           "macrophage and nanoparticle terms): trends, not predictions of cell numbers")

#: de Pillis et al. 2005 mouse parameter variations (per day; as transcribed, see module notes).
_DE_PILLIS_MOUSE = {
    # variation: (c, g, d, lambda, s, j)
    "nn": (3.23e-7, 2.5e-2, 1.43, 0.58, 2.73, 3.75e-2),
    "nl": (3.23e-7, 2.5e-2, 3.6, 0.46, 1.61, 3.75e-2),
    "ln": (3.5e-6, 2.0e-1, 3.51, 0.9, 5.07, 1.13e-1),
    "ll": (3.5e-6, 2.0e-1, 7.17, 0.75, 0.4, 3.0e-1),
}


class Schedule(FrozenModel):
    """A level over time: piecewise linear through (times [s], values), constant beyond the ends."""

    times: list[Time] = Field(min_length=1)
    values: list[float] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Schedule:
        if len(self.times) != len(self.values):
            raise ValueError("times and values need the same length")
        if any(b < a for a, b in zip(self.times, self.times[1:], strict=False)):
            raise ValueError("times must be non-decreasing")
        if not all(np.isfinite(v) and v >= 0 for v in self.values):
            raise ValueError("values must be finite and ≥ 0")
        return self

    @classmethod
    def pulse(cls, start: float, duration: float, level: float) -> Schedule:
        """``level`` from ``start`` to ``start + duration`` [s], 0 otherwise (1 s ramps)."""
        return cls(times=[start, start + 1.0, start + duration, start + duration + 1.0],
                   values=[0.0, level, level, 0.0])

    def __call__(self, t: float) -> float:
        return float(np.interp(t, self.times, self.values))


Level = float | Schedule


def _level(x: Level, t: float) -> float:
    return x(t) if isinstance(x, Schedule) else float(x)


class ImmuneParameters(FrozenModel):
    """Rates in SI (1/s; files: ``"0.514 1/d"``), cell numbers dimensionless. Defaults: de Pillis ``ll`` mouse
    core [seen-secondary] and illustrative macrophage/nanoparticle coefficients [assumption]."""

    a: Rate = 0.514 * _D
    b: float = 1.02e-9
    c: Rate = 3.5e-6 * _D
    d: Rate = 7.17 * _D
    lam: float = 0.75
    s: float = 0.4
    sigma: Rate = 1.3e4 * _D
    f: Rate = 4.12e-2 * _D
    g: Rate = 2.0e-1 * _D
    h: float = 2.02e7
    p: Rate = 1.0e-7 * _D
    m: Rate = 2.0e-2 * _D
    j: Rate = 3.0e-1 * _D
    k: float = 2.02e7
    q: Rate = 3.42e-10 * _D
    r: Rate = 1.1e-7 * _D
    # macrophages (assumption)
    s_m: Rate = 5e3 * _D
    a_m: Rate = 5e4 * _D
    k_t: float = 1e7
    phi_m2: float = 0.7
    k12: Rate = 0.1 * _D
    k21: Rate = 0.05 * _D
    delta_m: Rate = 0.05 * _D
    c_m1: Rate = 1e-8 * _D
    gamma_m2: float = 0.3
    k_m2: float = 1e6
    k_sup: float = 1e6
    # nanoparticle effect strengths (assumption)
    rho_icd: float = 1.1e-7 / 3.5e-6
    sigma_sting: float = 1.0
    rho_pd: float = 1.0
    eta_heat: float = 0.5

    @model_validator(mode="after")
    def _check(self) -> ImmuneParameters:
        for name, value in self.model_dump().items():
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be finite and ≥ 0, got {value!r}")
        for name in ("b", "h", "k", "k_t", "k_m2", "k_sup", "s", "lam"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0")
        if self.phi_m2 > 1:
            raise ValueError("phi_m2 must lie in [0, 1]")
        return self

    @classmethod
    def de_pillis_mouse(cls, variation: Literal["nn", "nl", "ln", "ll"] = "ll", *, macrophages: bool = True,
                        **overrides: float) -> ImmuneParameters:
        """A de Pillis 2005 mouse variation; ``macrophages=False`` zeroes the macrophage coupling
        (c_m1, gamma_m2 and the CD8 suppression), leaving the bare de Pillis model."""
        if variation not in _DE_PILLIS_MOUSE:
            raise FerroKitInputError(f"variation must be one of {', '.join(_DE_PILLIS_MOUSE)}; got {variation!r}")
        c, g, d, lam, s, j = _DE_PILLIS_MOUSE[variation]
        base: dict[str, Any] = dict(c=c * _D, g=g * _D, d=d * _D, lam=lam, s=s, j=j * _D)
        if not macrophages:
            base.update(c_m1=0.0, gamma_m2=0.0, k_sup=1e300)
        base.update(overrides)
        return cls(**base)


class ImmuneEffects(FrozenModel):
    """Nanoparticle/therapy inputs over time (a number = constant level, or a :class:`Schedule`)."""

    ferroptosis_rate: Level = 0.0      # κ_F [1/s]
    repolarisation: Level = 0.0        # Δk21 [1/s]
    sting: Level = 0.0                 # S ∈ [0, 1]
    pdl1_blockade: Level = 0.0         # B ∈ [0, 1]
    nk_heat: Level = 0.0               # H ∈ [0, 1]

    @field_validator("sting", "pdl1_blockade", "nk_heat")
    @classmethod
    def _unit_interval(cls, v: Level) -> Level:
        vals = v.values if isinstance(v, Schedule) else [v]
        if any(not (0 <= x <= 1) for x in vals):
            raise ValueError("levels must lie in [0, 1]")
        return v

    @field_validator("ferroptosis_rate", "repolarisation")
    @classmethod
    def _nonneg(cls, v: Level) -> Level:
        if not isinstance(v, Schedule) and not (np.isfinite(v) and v >= 0):
            raise ValueError("must be finite and ≥ 0 1/s")
        return v


def tumour_free_equilibrium(params: ImmuneParameters) -> dict[str, float]:
    """The tumour-free equilibrium (T = L = 0) without inputs and the tumour's invasion rate there [1/s].

    N* = σ/f; M1*, M2* solve the linear macrophage balance with R = s_M. A small tumour grows initially at
    :math:`\\lambda_T = a[1 + \\gamma M_2^*/(M_2^*+K_{M2})] - cN^* - c_{M1}M_1^*` (the CD8 term vanishes with
    L = 0): λ_T < 0 means the tumour-free state is locally stable, λ_T > 0 that a small challenge escapes.

    >>> eq = tumour_free_equilibrium(ImmuneParameters.de_pillis_mouse("ll", macrophages=False))
    >>> round(eq["N"]), round(eq["invasion_rate"] * 86400, 4)   # 1.3e4/0.0412; 0.514 − 3.5e-6·N*
    (315534, -0.5904)
    """
    p = params
    n = p.sigma / p.f
    # [δ+k12, -k21; -k12, δ+k21] [M1, M2] = s_M [1-φ, φ]
    mat = np.array([[p.delta_m + p.k12, -p.k21], [-p.k12, p.delta_m + p.k21]])
    rhs = p.s_m * np.array([1.0 - p.phi_m2, p.phi_m2])
    m1, m2 = (np.linalg.solve(mat, rhs) if p.delta_m > 0 else (0.0, 0.0))
    lam = p.a * (1.0 + p.gamma_m2 * m2 / (m2 + p.k_m2)) - p.c * n - p.c_m1 * m1
    return {"T": 0.0, "N": float(n), "L": 0.0, "M1": float(m1), "M2": float(m2), "invasion_rate": float(lam)}


def _rhs(t: float, y: np.ndarray, p: ImmuneParameters, e: ImmuneEffects) -> np.ndarray:
    tum, nk, ly, m1, m2 = np.maximum(y, 0.0)
    kf, dk21 = _level(e.ferroptosis_rate, t), _level(e.repolarisation, t)
    st, bl, ht = _level(e.sting, t), _level(e.pdl1_blockade, t), _level(e.nk_heat, t)
    prime = 1.0 + p.sigma_sting * st
    c_eff = p.c * (1.0 + p.eta_heat * ht)
    d_eff = p.d * (1.0 + p.rho_pd * bl) / (1.0 + m2 / p.k_sup)
    if tum > 1e-12:
        ratio = (ly / tum) ** p.lam
        dk = d_eff * ratio / (p.s + ratio) * tum
    else:
        dk = 0.0
    a_eff = p.a * (1.0 + p.gamma_m2 * m2 / (m2 + p.k_m2))
    recruit = p.s_m + p.a_m * tum / (tum + p.k_t)
    k21 = p.k21 + dk21
    dt = a_eff * tum * (1.0 - p.b * tum) - c_eff * nk * tum - dk - p.c_m1 * m1 * tum - kf * tum
    dn = p.sigma - p.f * nk + p.g * tum**2 / (p.h + tum**2) * nk - p.p * nk * tum
    dl = (-p.m * ly + p.j * prime * dk**2 / (p.k + dk**2) * ly - p.q * ly * tum
          + prime * (p.r * nk * tum + p.rho_icd * kf * tum))
    dm1 = (1.0 - p.phi_m2) * recruit - p.k12 * m1 + k21 * m2 - p.delta_m * m1
    dm2 = p.phi_m2 * recruit + p.k12 * m1 - k21 * m2 - p.delta_m * m2
    return np.array([dt, dn, dl, dm1, dm2])


@dataclass(frozen=True)
class ImmuneResult:
    """Cell numbers over time (SI time [s]); ``outcome`` classifies the end state."""

    times: np.ndarray
    tumour: np.ndarray
    nk: np.ndarray
    cd8: np.ndarray
    m1: np.ndarray
    m2: np.ndarray
    outcome: str
    equilibrium: dict[str, float]
    parameters: ImmuneParameters
    effects: ImmuneEffects
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        cells = {k: {"value": getattr(self, k).tolist(), "unit": "cells"} for k in ("tumour", "nk", "cd8", "m1", "m2")}
        return {"model": "ferrokit.response.simulate_immune", "times": {"value": self.times.tolist(), "unit": "s"},
                **cells, "outcome": self.outcome,
                "tumour_free_equilibrium": {**self.equilibrium, "invasion_rate_unit": "1/s"},
                "parameters": self.parameters.model_dump(), "effects": self.effects.model_dump(),
                "notes": list(self.notes)}

    def plot(self, ax=None):
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        d = self.times / DAY
        for lab, v in (("tumour", self.tumour), ("NK", self.nk), ("CD8⁺ T", self.cd8), ("M1", self.m1),
                       ("M2", self.m2)):
            ax.plot(d, np.maximum(v, 1e-1), label=lab)
        ax.set_yscale("log")
        ax.set_ylim(bottom=1.0)
        ax.set_xlabel("time (d)")
        ax.set_ylabel("cells")
        ax.set_title(f"tumour–immune model: {self.outcome}")
        ax.legend(frameon=False, fontsize=8)
        return ax


def simulate_immune(*, duration: float, initial_tumour: float = 1e4, initial_nk: float | None = None,
                    initial_cd8: float = 0.0, params: ImmuneParameters | None = None,
                    effects: ImmuneEffects | None = None, n_times: int = 401) -> ImmuneResult:
    """Integrate the tumour–immune model (module notes) for ``duration`` [s] from the given cell numbers.

    NK cells and macrophages start at their tumour-free equilibrium unless ``initial_nk`` is given.
    ``outcome``: "tumour-free" (T < 1 cell at the end), "escape" (T > 10 % of the capacity 1/b) or
    "controlled" (otherwise: a small or dormant tumour at the end of the run).

    Examples
    --------
    >>> r = simulate_immune(duration=60 * 86400.0, initial_tumour=1e4,
    ...                     params=ImmuneParameters.de_pillis_mouse("ll", macrophages=False))
    >>> r.outcome
    'tumour-free'
    """
    t_end = check_positive("duration", duration, unit="s")
    t0 = check_positive("initial_tumour", initial_tumour, unit="cells")
    p = params if params is not None else ImmuneParameters()
    e = effects if effects is not None else ImmuneEffects()
    if not isinstance(p, ImmuneParameters) or not isinstance(e, ImmuneEffects):
        raise FerroKitInputError("params must be ImmuneParameters and effects ImmuneEffects")
    if isinstance(n_times, bool) or int(n_times) != n_times or n_times < 2:
        raise FerroKitInputError(f"n_times must be an integer ≥ 2, got {n_times!r}")
    eq = tumour_free_equilibrium(p)
    n0 = eq["N"] if initial_nk is None else float(initial_nk)
    l0 = float(initial_cd8)
    if not (np.isfinite(n0) and n0 >= 0 and np.isfinite(l0) and l0 >= 0):
        raise FerroKitInputError("initial_nk and initial_cd8 must be finite and ≥ 0 cells")
    y0 = np.array([t0, n0, l0, eq["M1"], eq["M2"]])
    # integrate in days for conditioning
    scale = DAY

    def f(td: float, y: np.ndarray) -> np.ndarray:
        return _rhs(td * scale, y, p, e) * scale

    td = np.linspace(0.0, t_end / scale, int(n_times))
    sol = solve_ivp(f, (0.0, td[-1]), y0, method="LSODA", t_eval=td, rtol=1e-8, atol=1e-6, max_step=0.25)
    if not sol.success:
        raise RuntimeError(f"immune ODE failed: {sol.message}")
    y = np.maximum(sol.y, 0.0)
    tum = y[0]
    if tum[-1] < 1.0:
        outcome = "tumour-free"
    elif tum[-1] > 0.1 / p.b:
        outcome = "escape"
    else:
        outcome = "controlled"
    notes = [PHENOMENOLOGICAL_IMMUNE,
             f"tumour-free equilibrium invasion rate {eq['invasion_rate'] * DAY:+.3g} 1/d "
             f"({'small tumours are rejected' if eq['invasion_rate'] < 0 else 'small tumours can grow'})"]
    return ImmuneResult(times=td * scale, tumour=tum, nk=y[1], cd8=y[2], m1=y[3], m2=y[4], outcome=outcome,
                        equilibrium=eq, parameters=p, effects=e, notes=tuple(notes))
