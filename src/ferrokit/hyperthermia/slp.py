"""Specific loss power (SLP) of a particle in an alternating magnetic field: linear response theory (LRT) and
thermally activated Stoner–Wohlfarth (SW) hysteresis, averaged over the lognormal core-size distribution.

Regimes (Carrey, Mehdaoui & Respaud, J. Appl. Phys. 109 (2011) 083921, doi:10.1063/1.3551582 [S]):

- **LRT** (Rosensweig, J. Magn. Magn. Mater. 252 (2002) 370, doi:10.1016/S0304-8853(02)00706-0 [S]) while
  the magnetisation is linear in the field, :math:`\\xi = \\mu_0 M_s V H_{max}/(k_B T) < 1`:

  .. math:: P = \\mu_0 \\pi \\chi_0 H_{max}^2 f \\frac{2\\pi f\\tau}{1 + (2\\pi f\\tau)^2}, \\qquad
            \\chi_0 = \\chi_i \\frac{3}{\\xi}L(\\xi) = \\frac{M_s L(\\xi)}{H_{max}}, \\qquad
            \\frac1\\tau = \\frac1{\\tau_N} + \\frac1{\\tau_B}.

- **SW** (:mod:`ferrokit.hyperthermia.stoner_wohlfarth`) closed forms (``model="sw_random"``/``"sw_aligned"``):
  power per volume = loop area × f with the thermally activated coercive field of Carrey et al.
- **Unified** (``model="auto"``, the default): per size node, a low-barrier branch — LRT at ξ ≤ 0.03, the
  nonlinear effective-field relaxation of a Langevin paramagnet
  (:func:`~ferrokit.hyperthermia.kinetic.kinetic_power_density`, Martsenyuk–Raikher–Shliomis form) from
  ξ = 0.1, joined by :func:`kinetic_weight` — blended with the two-state master equation
  (:func:`~ferrokit.hyperthermia.stoner_wohlfarth.master_equation_power`) by :func:`blend_weight` of ξ and
  KV/k_BT: continuous in field, frequency and size, equal to LRT at small ξ, saturating for superparamagnetic
  particles at ξ ≳ 1 and equal to the thermally activated SW loop at large ξ and barrier (this work [computed];
  checks in docs/hyperthermia.md).

Polydispersity: every quantity is evaluated at the Gauss–Hermite nodes of the volume-weighted lognormal
(:func:`ferrokit.magnetism.lognormal_nodes`), each node with its own Ms (dead layer), K_eff (surface
term), Néel time and hydrodynamic size (core + the particle's constant shell), and the power per volume of
magnetic material is the weighted sum. SLP = P/ρ (per kg oxide) and P/(ρ w_Fe) (per kg Fe).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError, check_choice, check_positive, check_range
from ferrokit.constants import K_B, MU_0
from ferrokit.hyperthermia.kinetic import kinetic_loop_area, loss_inputs
from ferrokit.hyperthermia.safety import LimitCheck, field_limit_checks
from ferrokit.hyperthermia.stoner_wohlfarth import coercive_field, loop_area, master_equation_power, thermal_kappa
from ferrokit.magnetism import (
    DEFAULT_NODES,
    brown_time,
    effective_time,
    langevin,
    langevin_parameter,
    lognormal_nodes,
    neel_time,
    water_viscosity,
)
from ferrokit.materials import (
    Particle,
    anisotropy_barrier_density,
    dead_layer_magnetization,
    effective_anisotropy,
    saturation_magnetization,
)

__all__ = ["MODELS", "SLPPrediction", "lrt_power_density", "parse_amf", "predict_slp"]

#: Accepted ``model`` values of :func:`predict_slp`.
MODELS = ("auto", "unified", "lrt", "sw_aligned", "sw_random")
_CODES = {"lrt": 0, "sw_random": 1, "sw_aligned": 2, "unified": 3}
_NAMES = {v: k for k, v in _CODES.items()}

_F_RANGE = (1.0, 1e8)  # Hz
_H_RANGE = (1e-3, 1e6)  # A/m
_T_RANGE = (200.0, 400.0)  # K
_TAU0_RANGE = (1e-13, 1e-7)  # s

#: Per-node blend of the unified model (see :func:`blend_weight`): ξ and barrier KV/k_BT bounds.
XI_LRT, XI_ME = 0.1, 0.3
BARRIER_LRT, BARRIER_ME = 4.0, 8.0
#: ξ range over which the low-barrier branch goes from LRT to the nonlinear kinetic model (:func:`kinetic_weight`).
XI_KIN0, XI_KIN1 = 0.03, 0.1
_MIN_WEIGHT = 1e-8  # lighter nodes keep their LRT power: their volume share is < 1e-8 (40-node quadrature tails)


def _smoothstep(s):
    s = np.clip(s, 0.0, 1.0)
    return s * s * (3.0 - 2.0 * s)


def kinetic_weight(xi):
    """Weight u of the nonlinear effective-field relaxation (1 − u: LRT) in the low-barrier branch of the unified
    model: :math:`u = S(\\ln(\\xi/0.03)/\\ln(0.1/0.03))` (0 at ξ ≤ 0.03, 1 at ξ ≥ 0.1).

    Both models agree there within 1e-3 (the kinetic model reduces to LRT as ξ → 0), so the switch moves nothing
    abruptly; it only spares the kinetic integration where LRT is exact to O(ξ²).

    Examples
    --------
    >>> float(kinetic_weight(0.01)), float(kinetic_weight(1.0))
    (0.0, 1.0)
    """
    x = np.asarray(xi, dtype=float)
    with np.errstate(divide="ignore"):
        s = np.log(np.maximum(x, 1e-300) / XI_KIN0) / math.log(XI_KIN1 / XI_KIN0)
    return _smoothstep(s)


def blend_weight(xi, barrier):
    """Weight w of the master equation (1 − w: LRT) in the unified model, per particle size.

    .. math:: w = S\\left(\\frac{\\ln(\\xi/0.1)}{\\ln 3}\\right)\\,S\\left(\\frac{\\beta - 4}{4}\\right), \\qquad
              S(s) = 3s^2 - 2s^3 \\ (s \\text{ clipped to } [0, 1]),

    with ξ = μ0 Ms V H_max/(k_B T) and β = KV/(k_B T). Why these bounds (measured, tests and
    docs/hyperthermia.md): for ξ ≤ 0.3 the master equation and LRT agree within 2.5 % (within 0.3 % at
    ξ ≤ 0.1), so blending there moves nothing abruptly; below β ≈ 4 the two-state picture loses its meaning
    (its loss then depends on the easy-axis discretisation by tens of %), so LRT with the chord susceptibility is
    kept; above β = 8 the 8-angle master equation is converged within 2 %.

    Examples
    --------
    >>> float(blend_weight(0.05, 20.0)), float(blend_weight(math.sqrt(0.03), 20.0)), float(blend_weight(2.0, 6.0))
    (0.0, 0.5, 0.5)
    """
    x = np.asarray(xi, dtype=float)
    with np.errstate(divide="ignore"):
        s_xi = np.log(np.maximum(x, 1e-300) / XI_LRT) / math.log(XI_ME / XI_LRT)
    s_beta = (np.asarray(barrier, dtype=float) - BARRIER_LRT) / (BARRIER_ME - BARRIER_LRT)
    return _smoothstep(s_xi) * _smoothstep(s_beta)


def lrt_power_density(*, frequency, amplitude, ms_volume, diameter, tau, temperature: float):
    """Rosensweig's LRT power per unit volume of magnetic material [W/m³] for one particle size.

    .. math:: P = \\mu_0 \\pi f H_{max} M_s L(\\xi)\\,\\frac{2\\pi f\\tau}{1+(2\\pi f\\tau)^2}
              = \\mu_0\\pi\\chi_0 H_{max}^2 f\\,\\frac{2\\pi f\\tau}{1+(2\\pi f\\tau)^2},

    with :math:`\\chi_0 = M_s L(\\xi)/H_{max}` the chord susceptibility of the magnetic material and
    :math:`\\xi = \\mu_0 M_s (\\pi d^3/6) H_{max}/(k_B T)`. At small ξ, :math:`\\chi_0 \\to \\chi_i` and
    P ∝ H². Inputs broadcast together.

    Parameters
    ----------
    frequency : float or array_like
        f [Hz].
    amplitude : float or array_like
        H_max [A/m] (> 0).
    ms_volume : float or array_like
        Ms [A/m] (≥ 0).
    diameter : float or array_like
        Magnetic (volume-equivalent) diameter [m].
    tau : float or array_like
        Relaxation time τ [s] (> 0, ``inf`` allowed: no loss).
    temperature : float
        T [K].

    Notes
    -----
    Validity: ξ < 1 (Carrey et al. 2011); non-interacting particles; one relaxation time per particle.
    Status: formula as in SCIENCE.md §3 [S]; its low-field and ωτ = 1 limits are tested.

    Examples
    --------
    >>> p = lrt_power_density(frequency=1e5, amplitude=1e3, ms_volume=4e5, diameter=10e-9,
    ...                       tau=1 / (2 * math.pi * 1e5), temperature=300.0)
    >>> round(p / 1e6, 3)  # μ0 π f H Ms L(ξ)/2 with ξ = 0.0636
    1.672
    """
    f, h, ms, tau = loss_inputs(frequency, amplitude, ms_volume, tau)
    # ξ is linear in Ms: the Langevin parameter per unit Ms, times Ms
    xi = langevin_parameter(1.0, diameter, h, temperature) * ms
    wt = 2.0 * math.pi * f * tau
    with np.errstate(invalid="ignore", over="ignore"):
        loss = np.where(np.isinf(wt), 0.0, wt / (1.0 + wt * wt))
    p = MU_0 * math.pi * f * h * ms * langevin(xi) * loss
    return float(p) if np.ndim(p) == 0 else p


@dataclass(frozen=True)
class _Ensemble:
    """Per-node properties of the volume-weighted size distribution (index -1 of the arrays: the median)."""

    diameter: np.ndarray  # volume-equivalent core diameter [m]
    weight: np.ndarray  # volume weights of the nodes (sum 1); median excluded
    volume: np.ndarray
    ms: np.ndarray  # [A/m]
    anisotropy: np.ndarray  # [J/m3]
    tau_neel: np.ndarray
    tau_brown: np.ndarray
    tau_eff: np.ndarray
    density: float
    iron_fraction: float
    temperature: float
    tau0: float
    viscosity: float
    sources: dict[str, str]


def _ensemble(particle: Particle, temperature: float, viscosity: float | None, tau0: float,
              n_nodes: int = DEFAULT_NODES) -> _Ensemble:
    comp = particle.composition_info
    d_med = particle.equivalent_diameter
    d_nodes, w = lognormal_nodes(d_med, particle.core_sigma, n_nodes, weighting="volume")
    d = np.append(d_nodes, d_med)
    vol = math.pi / 6.0 * d**3
    sources: dict[str, str] = {}
    if particle.ms is not None:
        ms = np.full(d.size, particle.saturation_magnetization_volume(temperature))
        sources["ms"] = particle.saturation_magnetization(temperature)[1] + ", same for all sizes"
    else:
        bulk = saturation_magnetization(comp, temperature)
        t = particle.dead_layer
        ms = np.array([dead_layer_magnetization(bulk, di, t) if di > 2 * t else 0.0 for di in d]) * comp.density
        sources["ms"] = f"model: bulk Ms(T) with a {t * 1e9:g} nm dead layer, per node size"
    if particle.anisotropy is not None:
        k = np.full(d.size, particle.anisotropy)
        sources["anisotropy"] = "measured, same for all sizes"
    else:
        k_v = anisotropy_barrier_density(comp, temperature)
        k = np.array([effective_anisotropy(k_v, particle.surface_anisotropy, di) for di in d])
        sources["anisotropy"] = (f"model: K_V + 6 K_S/d per node size (K_V = {k_v:.4g} J/m3, "
                                 f"K_S = {particle.surface_anisotropy:g} J/m2)")
        if np.any(k <= 0):
            raise FerroKitInputError(f"the anisotropy model gives K_eff ≤ 0 for {comp.formula}; give a measured "
                                     "anisotropy")
    if viscosity is None:
        if not (273.15 <= temperature <= 373.15):
            raise FerroKitInputError(f"temperature {temperature:g} K: the Brown time needs liquid water "
                                     "(273.15–373.15 K) or an explicit viscosity")
        eta = float(water_viscosity(temperature))
        sources["viscosity"] = "water, IAPWS 2008"
    else:
        eta = viscosity
        sources["viscosity"] = "given"
    # hydrodynamic size follows the core: the aggregate scales with the core, the shell stays constant
    agg = particle.aggregate_diameter / particle.equivalent_diameter
    shell = max(particle.hydrodynamic_diameter_value - particle.aggregate_diameter, 0.0)
    d_h = d * agg + shell
    sources["hydrodynamic"] = (f"{particle.hydrodynamic_diameter_source}; per node: aggregate + constant shell "
                               f"{shell * 1e9:.3g} nm")
    t_n = np.asarray(neel_time(anisotropy=k, volume=vol, temperature=temperature, tau0=tau0))
    t_b = np.asarray(brown_time(hydrodynamic_volume=math.pi / 6.0 * d_h**3, temperature=temperature,
                                viscosity=eta))
    t_eff = np.asarray(effective_time(t_n, t_b))
    return _Ensemble(diameter=d, weight=w, volume=vol, ms=ms, anisotropy=k, tau_neel=t_n, tau_brown=t_b,
                     tau_eff=t_eff, density=comp.density, iron_fraction=comp.iron_mass_fraction,
                     temperature=temperature, tau0=tau0, viscosity=eta, sources=sources)


@dataclass(frozen=True)
class _Grid:
    """SLP and diagnostics on a broadcast grid of (frequency, amplitude)."""

    slp_oxide: np.ndarray
    model: np.ndarray  # codes, see _CODES
    xi: np.ndarray  # median core
    kappa: np.ndarray  # median core
    coercive: np.ndarray  # median core, per the chosen SW orientation (random for LRT cells)
    sw_fraction: np.ndarray  # volume fraction of nodes treated with the SW closed form
    blend: np.ndarray  # unified model: volume-weighted master-equation weight (0 = low-barrier branch only)


def _slp_grid(ens: _Ensemble, frequency: np.ndarray, amplitude: np.ndarray, model: str) -> _Grid:
    f, h = np.broadcast_arrays(np.asarray(frequency, float), np.asarray(amplitude, float))
    fn, hn = f[..., None], h[..., None]
    T = ens.temperature
    ms = ens.ms
    has_ms = ms > 0
    ms_safe = np.where(has_ms, ms, 1.0)
    p_lrt = lrt_power_density(frequency=fn, amplitude=hn, ms_volume=ms, diameter=ens.diameter,
                              tau=ens.tau_eff, temperature=T)
    kappa = np.asarray(thermal_kappa(anisotropy=ens.anisotropy, ms_volume=ms_safe, volume=ens.volume,
                                     amplitude=hn, frequency=fn, temperature=T, tau0=ens.tau0))
    xi_med = np.asarray(langevin_parameter(1.0, ens.diameter[-1], h, T)) * ms[-1]

    code = np.full(f.shape, _CODES["unified" if model == "auto" else model])
    out = np.empty((*f.shape, ens.diameter.size))
    sw_frac = np.zeros(f.shape)
    blend = np.zeros(f.shape)
    hc_med = np.zeros(f.shape)
    lrt_cells = code == _CODES["lrt"]
    out[lrt_cells] = p_lrt[lrt_cells]
    if np.any(code == _CODES["unified"]):
        out[...] = p_lrt
        xi = np.broadcast_to(np.asarray(langevin_parameter(1.0, ens.diameter, hn, T)) * ms, out.shape)
        barrier = ens.anisotropy * ens.volume / (K_B * T)
        used = has_ms & (np.append(ens.weight, 0.0) >= _MIN_WEIGHT)
        w = np.where(used, blend_weight(xi, barrier), 0.0)
        w = np.broadcast_to(w, out.shape)
        # low-barrier branch: LRT → nonlinear effective-field relaxation as ξ grows (kinetic_weight)
        u = np.broadcast_to(np.where(used, kinetic_weight(xi), 0.0), out.shape)
        selk = (u > 0) & (w < 1)
        if np.any(selk):
            f_k = np.broadcast_to(fn, out.shape)[selk]
            cases = np.stack([xi[selk], 2.0 * math.pi * f_k * np.broadcast_to(ens.tau_eff, out.shape)[selk]])
            uniq, inv = np.unique(cases, axis=1, return_inverse=True)  # σ = 0: all nodes alike
            area = kinetic_loop_area(uniq[0], uniq[1])[np.ravel(inv)]
            p_kin = MU_0 * f_k * np.broadcast_to(hn, out.shape)[selk] * np.broadcast_to(ms, out.shape)[selk] * area
            out[selk] = (1.0 - u[selk]) * out[selk] + u[selk] * p_kin
        sel = w > 0
        if np.any(sel):
            full = np.broadcast_arrays(ens.anisotropy, ms_safe, ens.volume, hn, fn, ens.tau_brown, out)[:-1]
            p_me = master_equation_power(anisotropy=full[0][sel], ms_volume=full[1][sel], volume=full[2][sel],
                                         amplitude=full[3][sel], frequency=full[4][sel], temperature=T,
                                         tau0=ens.tau0, tau_brown=full[5][sel])
            out[sel] = (1.0 - w[sel]) * out[sel] + w[sel] * p_me
        blend = np.sum(w[..., :-1] * ens.weight, axis=-1)
        lrt_cells = lrt_cells | (code == _CODES["unified"])  # report the random-axis H_C
    for orient, c in (("random", _CODES["sw_random"]), ("aligned", _CODES["sw_aligned"])):
        hc = np.asarray(coercive_field(anisotropy=ens.anisotropy, ms_volume=ms_safe, volume=ens.volume,
                                       amplitude=hn, frequency=fn, temperature=T, tau0=ens.tau0,
                                       orientation=orient))
        cells = code == c
        # H_C of the median core: for the orientation used; LRT cells report the random-axis value
        hc_med = np.where(cells | (lrt_cells & (orient == "random")), hc[..., -1], hc_med)
        if not np.any(cells):
            continue
        ok = (kappa < 1.0) & (hn >= hc) & (hc > 0) & has_ms
        p_sw = np.asarray(loop_area(hc, ms_safe, orientation=orient)) * fn
        p_cell = np.where(ok, p_sw, p_lrt)
        out[cells] = p_cell[cells]
        frac = np.sum(np.where(ok[..., :-1], ens.weight, 0.0), axis=-1)
        sw_frac = np.where(cells, frac, sw_frac)
    power = np.sum(out[..., :-1] * ens.weight, axis=-1)  # W per m3 of magnetic material
    return _Grid(slp_oxide=power / ens.density, model=code, xi=xi_med, kappa=kappa[..., -1], coercive=hc_med,
                 sw_fraction=sw_frac, blend=blend)


@dataclass(frozen=True)
class SLPPrediction:
    """Predicted SLP of a particle at one field (SI values; see :meth:`to_dict`).

    Attributes
    ----------
    slp : float
        Specific loss power per kg of iron [W/kg Fe].
    slp_oxide : float
        Per kg of magnetic oxide [W/kg oxide].
    ilp : float
        Intrinsic loss power SLP/(H² f), per kg Fe [H m² kg⁻¹] (``to_dict`` also gives nH m² kg⁻¹).
    xi : float
        Langevin parameter μ0 Ms V H_max/(k_B T) of the median core.
    model : str
        ``"unified"`` (the ``"auto"`` default), ``"lrt"``, ``"sw_random"`` or ``"sw_aligned"``: the model used.
    tau_eff, tau_neel, tau_brown : float
        Relaxation times of the median core [s].
    kappa : float
        Carrey's thermal parameter of the median core (SW regime when < 1).
    coercive_field : float
        Closed-form H_C of the median core for the SW orientation used (random for LRT) [A/m].
    sw_fraction : float
        Volume fraction of the size distribution treated with the SW closed form (0 for LRT and unified).
    blend_weight : float
        Unified model: volume-weighted mean of the per-node master-equation weight :func:`blend_weight`
        (0: low-barrier branch only — LRT/kinetic, 1: pure master equation); 0 for the other models.
    notes : tuple of str
        Regime and assumption notes, including exceeded field limits.
    limit_checks : tuple of LimitCheck
        H·f against the Atkinson–Brezovich and Hergt–Dutz limits (warnings, not refusals).
    """

    slp: float
    slp_oxide: float
    ilp: float
    xi: float
    model: str
    tau_eff: float
    tau_neel: float
    tau_brown: float
    kappa: float
    coercive_field: float
    sw_fraction: float
    blend_weight: float
    frequency: float
    amplitude: float
    temperature: float
    notes: tuple[str, ...] = ()
    limit_checks: tuple[LimitCheck, ...] = ()
    inputs: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        def q(v: float, unit: str) -> dict[str, Any]:
            return {"value": v, "unit": unit}

        return {
            "model": self.model,
            "slp": q(self.slp, "W/kg Fe"),
            "slp_oxide": q(self.slp_oxide, "W/kg oxide"),
            "ilp": q(self.ilp, "H m2/kg Fe"),
            "ilp_nH": q(self.ilp * 1e9, "nH m2/kg Fe"),
            "xi": q(self.xi, "1"),
            "kappa": q(self.kappa, "1"),
            "coercive_field": q(self.coercive_field, "A/m"),
            "sw_fraction": q(self.sw_fraction, "1"),
            "blend_weight": q(self.blend_weight, "1"),
            "tau_eff": q(self.tau_eff, "s"),
            "tau_neel": q(self.tau_neel, "s"),
            "tau_brown": q(self.tau_brown, "s"),
            "frequency": q(self.frequency, "Hz"),
            "amplitude": q(self.amplitude, "A/m"),
            "temperature": q(self.temperature, "K"),
            "limit_checks": [c.to_dict() for c in self.limit_checks],
            "notes": list(self.notes),
            "inputs": self.inputs,
        }


def _check_common(frequency, amplitude, temperature, viscosity, model, tau0):
    frequency = check_range("frequency", frequency, *_F_RANGE, unit="Hz")
    amplitude = check_range("amplitude", amplitude, *_H_RANGE, unit="A/m")
    temperature = check_range("temperature", temperature, *_T_RANGE, unit="K")
    if viscosity is not None:
        viscosity = check_range("viscosity", viscosity, 1e-5, 1e6, unit="Pa s")
    model = check_choice("model", model, MODELS)
    tau0 = check_range("tau0", tau0, *_TAU0_RANGE, unit="s")
    return frequency, amplitude, temperature, viscosity, model, tau0


def predict_slp(particle: Particle, *, frequency: float, amplitude: float, temperature: float = 310.15,
                viscosity: float | None = None, model: str = "auto", tau0: float = 1e-9) -> SLPPrediction:
    """Predict the specific loss power of ``particle`` in a field :math:`H_{max}\\sin 2\\pi f t`.

    Parameters
    ----------
    particle : Particle
        The particle (composition, lognormal core size, coating/hydrodynamic size, measured Ms/K_eff).
    frequency : float
        f [Hz], 1 Hz – 100 MHz.
    amplitude : float
        Peak field H_max [A/m], 1e-3 – 1e6 (not μ0H; see :func:`parse_amf` for lab units).
    temperature : float
        T [K], 200–400 (water carrier: 273.15–373.15 unless ``viscosity`` is given). Default 37 °C.
    viscosity : float, optional
        Carrier viscosity [Pa s]; default water at ``temperature`` (IAPWS 2008). A very large value
        (e.g. 1e3) models particles immobilised in cells or a gel (Néel only).
    model : {"auto", "unified", "lrt", "sw_random", "sw_aligned"}
        ``"auto"`` = ``"unified"``: per node of the size distribution, the low-barrier branch (LRT at small ξ,
        the nonlinear effective-field relaxation :func:`~ferrokit.hyperthermia.kinetic.kinetic_power_density`
        from ξ = 0.1, weight :func:`kinetic_weight`) blended with the two-state master equation
        (:func:`~ferrokit.hyperthermia.stoner_wohlfarth.master_equation_power`, random easy axes,
        Néel + a Brown channel) with the weight :func:`blend_weight` (ξ, KV/k_BT) — one prediction,
        continuous in field, frequency and size, equal to LRT at small ξ and to the thermally activated SW loop at
        large ξ. ``"lrt"``, ``"sw_random"`` (closed forms of Carrey et al.) force one model; ``"sw_aligned"``
        is the upper bound for easy axes aligned with the field (chains, magnetosomes).
    tau0 : float
        Néel attempt time [s], 1e-13 – 1e-7 (poorly known: a sensitivity, not a constant).

    Returns
    -------
    SLPPrediction

    Notes
    -----
    Cost: the unified model runs the master equation for every node with weight > 0 (≈ 20–40 µs each) and the
    kinetic model for every node with ξ > 0.03 and weight < 1 (≈ 45–60 µs each); measured 4.5 ms per call
    against 3.0 ms without the kinetic branch (16 nm, σ = 0.2, 20 kA/m, loaded machine); the first call of a
    process builds the barrier tables and loads the compiled kernels, ≈ 1 s.
    In the SW models, nodes of the size distribution outside the closed form's domain (κ ≥ 1, or
    H_max < H_C: no switching) are given their LRT power instead (hybrid; the share treated by SW is
    ``sw_fraction``). The hydrodynamic size of each node is its aggregate size plus the particle's constant
    shell (no independent hydrodynamic spread). Validity: dilute, non-interacting particles (clusters:
    cores relax independently, the cluster rotates as one); uniaxial effective anisotropy. The SW closed forms
    assume immobilised particles. See docs/hyperthermia.md for the validity map and the comparison with
    measurements (interlaboratory spread ±30–40 %, Wells et al., Int J Hyperthermia 2021 38:447).

    Examples
    --------
    >>> p = Particle(composition="Fe3O4", core_diameter="8 nm", core_sigma=0.2,
    ...              coating={"material": "dextran", "thickness": "5 nm"})
    >>> r = predict_slp(p, frequency=3e5, amplitude=1e4)
    >>> r.model, r.xi < 1, r.slp > 0
    ('unified', True, True)
    """
    frequency, amplitude, temperature, viscosity, model, tau0 = _check_common(
        frequency, amplitude, temperature, viscosity, model, tau0)
    if not isinstance(particle, Particle):
        raise FerroKitInputError(f"particle must be a Particle, got {type(particle).__name__}")
    ens = _ensemble(particle, temperature, viscosity, tau0)
    g = _slp_grid(ens, np.array(frequency), np.array(amplitude), model)
    used = _NAMES[int(g.model)]
    slp_ox = float(g.slp_oxide)
    slp_fe = slp_ox / ens.iron_fraction
    xi, kappa = float(g.xi), float(g.kappa)
    checks = field_limit_checks(frequency, amplitude)
    notes = _notes(particle, ens, model, used, xi, kappa, float(g.sw_fraction), float(g.blend), frequency, checks)
    inputs = {
        "ms_volume_median": {"value": float(ens.ms[-1]), "unit": "A/m", "source": ens.sources["ms"]},
        "anisotropy_median": {"value": float(ens.anisotropy[-1]), "unit": "J/m3",
                              "source": ens.sources["anisotropy"]},
        "viscosity": {"value": ens.viscosity, "unit": "Pa s", "source": ens.sources["viscosity"]},
        "hydrodynamic_diameter": {"value": particle.hydrodynamic_diameter_value, "unit": "m",
                                  "source": ens.sources["hydrodynamic"]},
        "core_diameter_equivalent": {"value": particle.equivalent_diameter, "unit": "m"},
        "core_sigma": {"value": particle.core_sigma, "unit": "1"},
        "tau0": {"value": tau0, "unit": "s"},
        "model_requested": model,
    }
    return SLPPrediction(
        slp=slp_fe, slp_oxide=slp_ox, ilp=slp_fe / (amplitude**2 * frequency), xi=xi, model=used,
        tau_eff=float(ens.tau_eff[-1]), tau_neel=float(ens.tau_neel[-1]), tau_brown=float(ens.tau_brown[-1]),
        kappa=kappa, coercive_field=float(g.coercive), sw_fraction=float(g.sw_fraction),
        blend_weight=float(g.blend), frequency=frequency,
        amplitude=amplitude, temperature=temperature, notes=tuple(notes), limit_checks=checks, inputs=inputs,
    )


def _notes(particle: Particle, ens: _Ensemble, requested: str, used: str, xi: float, kappa: float,
           sw_fraction: float, blend: float, frequency: float, checks: tuple[LimitCheck, ...]) -> list[str]:
    notes: list[str] = []
    if used == "unified":
        notes.append(f"model: unified (ξ = {xi:.3g}, κ = {kappa:.3g} for the median core): LRT where ξ ≤ "
                     f"{XI_KIN0:g}; where ξ ≥ {XI_KIN1:g} and KV/k_BT ≤ {BARRIER_LRT:g} the nonlinear effective-field "
                     f"relaxation of a Langevin paramagnet (Shliomis; saturation and field-dependent τ); two-state "
                     f"master equation (random easy axes) where ξ ≥ {XI_ME:g} and KV/k_BT ≥ {BARRIER_ME:g}; blended "
                     f"per core size between; master-equation weight {blend:.3g} of the magnetic volume")
        if blend > 0 and 2 * math.pi * frequency * ens.tau_brown[-1] < 1:
            notes.append("2πf τ_B < 1: Brown rotation enters the nonlinear regime only as an extra relaxation rate "
                         "towards equilibrium (approximation)")
        if xi >= 1 and blend < 0.5:
            notes.append("ξ ≥ 1 with low barriers (KV/k_BT ≤ 8): most of the volume is given the effective-field "
                         "relaxation model (one relaxation time, no barrier structure; approximate for Néel "
                         "relaxation at KV/k_BT ≈ 4–8, where it is blended with the master equation)")
    else:
        notes.append(f"model: {used} as requested (ξ = {xi:.3g}, κ = {kappa:.3g} for the median core)")
        if used == "lrt" and xi >= 1:
            notes.append("ξ ≥ 1: LRT is outside its validity (Carrey et al. 2011); the default unified model uses "
                         "the nonlinear kinetic or master-equation loss there")
    if used not in ("lrt", "unified"):
        notes.append(f"SW closed form used for {sw_fraction:.0%} of the magnetic volume; the rest (κ ≥ 1 or "
                     "H_max below the coercive field) is given its LRT power")
        if 2 * math.pi * frequency * ens.tau_brown[-1] < 1:
            notes.append("2πf τ_B < 1: particles free in a liquid can rotate bodily; the SW closed forms assume "
                         "immobilised particles")
    if particle.core_sigma > 0:
        notes.append("polydisperse: averaged over the volume-weighted lognormal core distribution")
    if particle.cluster is not None:
        notes.append("cluster: cores relax independently (no inter-core interactions); Brown rotation of the "
                     "whole aggregate")
    for c in checks:
        if c.exceeded:
            notes.append("field safety: " + c.message())
    return notes


def parse_amf(text: str, *, name: str = "--amf") -> tuple[float, float]:
    """Parse an alternating-field description like ``"300kHz,15kA/m"`` into (frequency [Hz], amplitude [A/m]).

    The two parts are separated by a comma, in either order; the field may be H (A/m, kA/m, Oe) or the
    free-space flux density μ0H (T, mT, G), converted with :func:`ferrokit._shared.units.parse_quantity`.
    ``name`` is the option named in error messages.

    Raises
    ------
    FerroKitInputError
        Without exactly one frequency and one field, or for non-positive values.

    Examples
    --------
    >>> parse_amf("300kHz,15kA/m")
    (300000.0, 15000.0)
    >>> f, h = parse_amf("100 kHz, 20 mT")
    >>> f, round(h, 1)
    (100000.0, 15915.5)
    >>> f, h = parse_amf("300kHz,200Oe")
    >>> round(h, 2)
    15915.49
    """
    if not isinstance(text, str):
        raise FerroKitInputError(f"{name}: expected text like '300kHz,15kA/m', got {text!r}")
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise FerroKitInputError(f"{name}: expected FREQUENCY,FIELD such as '300kHz,15kA/m', got {text!r}")
    freqs: list[float] = []
    amps: list[float] = []
    for part in parts:
        try:
            freqs.append(parse_quantity(part, "frequency", name=f"{name} frequency"))
            continue
        except FerroKitInputError:
            pass
        try:
            amps.append(parse_quantity(part, "field", name=f"{name} field"))
        except FerroKitInputError:
            raise FerroKitInputError(f"{name}: {part!r} is neither a frequency (Hz, kHz, MHz) nor a field "
                                     "(A/m, kA/m, Oe, mT, T)") from None
    if len(freqs) != 1 or len(amps) != 1:
        raise FerroKitInputError(f"{name}: expected one frequency and one field, got {text!r}")
    freq, amp = freqs[0], amps[0]
    check_positive(f"{name} frequency", freq, unit="Hz")
    check_positive(f"{name} field", amp, unit="A/m")
    return freq, amp
