"""Stoner–Wohlfarth (SW) dynamic hysteresis with thermal activation: closed forms and a master-equation loop.

A single-domain particle with uniaxial anisotropy K, volume V and magnetisation Ms, its easy axis at an
angle ψ to a field H along z, has the energy

.. math:: E(\\theta) = K V \\sin^2(\\theta - \\psi) - \\mu_0 M_s V H \\cos\\theta,

with θ the angle of the moment from the field. Below the switching field there are two minima; at T = 0
the moment jumps when its minimum vanishes (anisotropy field :math:`H_K = 2K/(\\mu_0 M_s)` for ψ = 0,
astroid :math:`h_{sw} = (\\cos^{2/3}\\psi + \\sin^{2/3}\\psi)^{-3/2}` in general). At T > 0 it jumps earlier,
thermally activated over the barrier.

Closed forms (Carrey, Mehdaoui & Respaud, "Simple models for dynamic hysteresis loop calculations of
magnetic single-domain nanoparticles: application to magnetic hyperthermia optimization", J. Appl. Phys.
109 (2011) 083921, doi:10.1063/1.3551582; formulas as recorded in SCIENCE.md §3 [S, re-derived here for
the aligned case, checked against :func:`simulate_sw_loop` in the tests]):

.. math::
    \\kappa = \\frac{k_B T}{K V}\\ln\\frac{k_B T}{4\\mu_0 H_{max} M_s V f \\tau_0},\\qquad
    H_C^{aligned} = H_K(1-\\kappa^{1/2}),\\qquad H_C^{random} \\approx 0.48\\,H_K(1-\\kappa^{0.8}),

loop area :math:`A \\approx 4\\mu_0 H_C M_s` (aligned) and :math:`\\approx 2\\mu_0 H_C M_s` (random), power
per volume :math:`A f`.

The reference :func:`simulate_sw_loop` integrates the two-state master equation: each minimum is
depopulated at the Néel–Arrhenius rate :math:`\\tau_0^{-1}\\exp(-\\Delta E/k_B T)` over the lower of the two
saddle energies, the populations follow a sinusoidal field, and a vanished minimum empties at once.
:func:`master_equation_power` is the same model, tabulated and compiled, with escape over either in-plane
barrier and a Brown channel, valid from the linear to the hysteretic regime (the unified SLP model).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit

from ferrokit._shared.validation import (
    FerroKitInputError,
    check_choice,
    check_positive,
    check_range,
    check_values,
    scalar_or_array,
)
from ferrokit.constants import K_B, MU_0

__all__ = [
    "ORIENTATIONS",
    "SWLoop",
    "anisotropy_field",
    "coercive_field",
    "loop_area",
    "master_equation_power",
    "simulate_sw_loop",
    "thermal_kappa",
]

#: Easy-axis orientations understood by the SW functions.
ORIENTATIONS = ("aligned", "random")

#: Prefactor of the random-orientation coercive field at T = 0 (Carrey et al. 2011, SCIENCE.md §3 [S]).
RANDOM_HC_FACTOR = 0.48


def anisotropy_field(anisotropy, ms_volume):
    """Anisotropy field :math:`H_K = 2K/(\\mu_0 M_s)` [A/m].

    Parameters
    ----------
    anisotropy : float or array_like
        Uniaxial anisotropy energy density K [J/m³] (> 0).
    ms_volume : float or array_like
        Saturation magnetisation [A/m] (> 0).

    Examples
    --------
    >>> round(anisotropy_field(1e4, 4e5) / 1e3, 3)
    39.789
    """
    k = check_values("anisotropy", anisotropy, unit="J/m3")
    ms = check_values("ms_volume", ms_volume, unit="A/m")
    return scalar_or_array(2.0 * k / (MU_0 * ms))


def _thermal_inputs(anisotropy, ms_volume, volume, amplitude, frequency, temperature, tau0):
    """Validated (K, Ms, V, H, f, T, τ0) for the thermally activated models."""
    return (check_values("anisotropy", anisotropy, unit="J/m3"), check_values("ms_volume", ms_volume, unit="A/m"),
            check_values("volume", volume, unit="m3"), check_values("amplitude", amplitude, unit="A/m"),
            check_values("frequency", frequency, unit="Hz"), check_positive("temperature", temperature, unit="K"),
            check_positive("tau0", tau0, unit="s"))


def thermal_kappa(*, anisotropy, ms_volume, volume, amplitude, frequency, temperature, tau0: float = 1e-9):
    """Thermal-activation parameter κ of Carrey et al. (2011).

    .. math:: \\kappa = \\frac{k_B T}{K V}\\ln\\frac{k_B T}{4\\mu_0 H_{max} M_s V f \\tau_0}

    κ → 0: athermal (T = 0) SW loop; κ ≥ 1: the particle reverses thermally before the field builds any
    coercivity (superparamagnetic at this sweep rate). A negative logarithm (sweep faster than τ0 allows)
    is returned as κ = 0.

    Parameters
    ----------
    anisotropy : float or array_like
        K [J/m³].
    ms_volume : float or array_like
        Ms [A/m].
    volume : float or array_like
        Particle (core) volume V [m³].
    amplitude : float or array_like
        Field amplitude H_max [A/m].
    frequency : float or array_like
        Field frequency f [Hz].
    temperature : float
        T [K].
    tau0 : float
        Attempt time [s].

    Returns
    -------
    float or ndarray
        κ ≥ 0 (dimensionless); inputs broadcast together.

    Examples
    --------
    >>> k = thermal_kappa(anisotropy=1e4, ms_volume=4e5, volume=(20e-9) ** 3, amplitude=2e4,
    ...                   frequency=3e5, temperature=300.0)
    >>> 0.0 < k < 1.0
    True
    """
    k, ms, v, h, f, t, tau0 = _thermal_inputs(anisotropy, ms_volume, volume, amplitude, frequency, temperature, tau0)
    kt = K_B * t
    arg = kt / (4.0 * MU_0 * h * ms * v * f * tau0)
    kappa = kt / (k * v) * np.log(arg)
    return scalar_or_array(np.maximum(kappa, 0.0))


def _check_orientation(orientation: str) -> str:
    return check_choice("orientation", orientation, ORIENTATIONS)


def coercive_field(*, anisotropy, ms_volume, volume, amplitude, frequency, temperature, tau0: float = 1e-9,
                   orientation: str = "random"):
    """Thermally activated coercive field of SW particles (closed form of Carrey et al. 2011).

    .. math:: H_C^{aligned} = H_K(1 - \\kappa^{1/2}), \\qquad H_C^{random} = 0.48\\,H_K(1 - \\kappa^{0.8})

    and 0 for κ ≥ 1. Parameters as in :func:`thermal_kappa`; ``orientation`` is ``"aligned"`` (easy axes
    parallel to the field) or ``"random"`` (isotropic easy axes).

    Notes
    -----
    Status: formulas as in Carrey et al., J. Appl. Phys. 109 (2011) 083921, doi:10.1063/1.3551582 [S]; the
    two-state master equation (:func:`simulate_sw_loop`) gives H_C 7–14 % below both (tests, docs/hyperthermia.md).
    Validity: non-interacting, uniaxial, coherent rotation; H_max large enough to close a major loop.

    Examples
    --------
    At κ → 0 the aligned coercivity is H_K:

    >>> hc = coercive_field(anisotropy=1e5, ms_volume=4e5, volume=(30e-9) ** 3, amplitude=1e6,
    ...                     frequency=1e5, temperature=1.0, orientation="aligned")
    >>> 0.98 < hc / anisotropy_field(1e5, 4e5) <= 1.0
    True
    """
    orientation = _check_orientation(orientation)
    kappa = np.asarray(thermal_kappa(anisotropy=anisotropy, ms_volume=ms_volume, volume=volume,
                                     amplitude=amplitude, frequency=frequency, temperature=temperature,
                                     tau0=tau0))
    hk = np.asarray(anisotropy_field(anisotropy, ms_volume))
    kc = np.minimum(kappa, 1.0)
    if orientation == "aligned":
        hc = hk * (1.0 - np.sqrt(kc))
    else:
        hc = RANDOM_HC_FACTOR * hk * (1.0 - kc**0.8)
    return scalar_or_array(hc)


def loop_area(coercive, ms_volume, *, orientation: str = "random"):
    """Closed-form SW loop area per unit volume [J/m³ per cycle].

    .. math:: A^{aligned} = 4\\mu_0 H_C M_s, \\qquad A^{random} \\approx 2\\mu_0 H_C M_s

    At T = 0 these give 4 μ0 H_K Ms = 8K (square loop) and 0.96 μ0 H_K Ms (random; the exact SW ensemble
    loop is 0.99 μ0 H_K Ms, see the tests). Power per volume is ``A × f``.

    Parameters
    ----------
    coercive : float or array_like
        H_C [A/m] (≥ 0).
    ms_volume : float or array_like
        Ms [A/m].
    orientation : {"aligned", "random"}

    Examples
    --------
    >>> hk = anisotropy_field(1e4, 4e5)
    >>> round(loop_area(hk, 4e5, orientation="aligned") / 1e4, 6)
    8.0
    """
    orientation = _check_orientation(orientation)
    hc = check_values("coercive", coercive, sign=None, unit="A/m")
    if np.any(hc < 0):
        raise FerroKitInputError("coercive must be ≥ 0 A/m")
    ms = check_values("ms_volume", ms_volume, unit="A/m")
    factor = 4.0 if orientation == "aligned" else 2.0
    return scalar_or_array(factor * MU_0 * hc * ms)


# ---------------------------------------------------------------------------------------------------------
# two-state master equation (reference)


def _extrema(h: np.ndarray, psi: float, n_theta: int) -> tuple[np.ndarray, ...]:
    """Minima/saddles of e(θ) = sin²(θ−ψ) − 2h cos θ (energy in units of KV) for each reduced field h.

    Returns (e_plus, e_minus, e_saddle, cos_plus, cos_minus, e_top) with NaN where a minimum does not exist;
    e_saddle is the lower and e_top the higher in-plane maximum (NaN unless both minima exist)."""
    # "plus" is the minimum with the moment on the +easy-axis side (cos(θ−ψ) > 0)
    dtheta = 2.0 * math.pi / n_theta
    theta = np.arange(n_theta) * dtheta
    e = np.sin(theta - psi)[None, :] ** 2 - 2.0 * h[:, None] * np.cos(theta)[None, :]
    em, ep = np.roll(e, 1, axis=1), np.roll(e, -1, axis=1)
    curv = ep - 2.0 * e + em
    safe = np.where(np.abs(curv) > 0, curv, 1.0)
    # parabolic refinement of each grid extremum
    shift = np.clip(0.5 * (em - ep) / safe, -0.5, 0.5)
    e_ref = e - 0.25 * (em - ep) * shift
    th_ref = theta[None, :] + shift * dtheta
    is_min = (e < em) & (e <= ep)
    is_max = (e > em) & (e >= ep)
    side = np.cos(th_ref - psi) > 0
    inf = np.inf
    e_plus = np.where(is_min & side, e_ref, inf).min(axis=1)
    e_minus = np.where(is_min & ~side, e_ref, inf).min(axis=1)
    e_sad = np.where(is_max, e_ref, inf).min(axis=1)
    i_plus = np.argmin(np.where(is_min & side, e_ref, inf), axis=1)
    i_minus = np.argmin(np.where(is_min & ~side, e_ref, inf), axis=1)
    rows = np.arange(h.size)
    c_plus = np.cos(th_ref[rows, i_plus])
    c_minus = np.cos(th_ref[rows, i_minus])
    both = np.isfinite(e_plus) & np.isfinite(e_minus)
    e_plus = np.where(np.isfinite(e_plus), e_plus, np.nan)
    e_minus = np.where(np.isfinite(e_minus), e_minus, np.nan)
    e_top = np.where(both, np.where(is_max, e_ref, -inf).max(axis=1), np.nan)
    e_sad = np.where(both, e_sad, np.nan)
    return e_plus, e_minus, e_sad, c_plus, c_minus, e_top


@dataclass(frozen=True)
class SWLoop:
    """A steady-state dynamic hysteresis loop from :func:`simulate_sw_loop` (SI values).

    Attributes
    ----------
    field : ndarray
        H over one period [A/m].
    magnetization : ndarray
        Ensemble M along the field [A/m] at those fields.
    area : float
        Loop area :math:`\\mu_0\\oint M\\,dH` [J/m³ per cycle].
    coercive_field : float
        Mean |H| where M crosses zero on the two branches [A/m] (0 for a closed loop).
    power_density : float
        ``area × frequency`` [W/m³ of magnetic material].
    """

    field: np.ndarray
    magnetization: np.ndarray
    area: float
    coercive_field: float
    power_density: float
    anisotropy_field: float
    kappa: float
    orientation: str
    frequency: float
    temperature: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "orientation": self.orientation,
            "area": {"value": self.area, "unit": "J/m3"},
            "coercive_field": {"value": self.coercive_field, "unit": "A/m"},
            "power_density": {"value": self.power_density, "unit": "W/m3"},
            "anisotropy_field": {"value": self.anisotropy_field, "unit": "A/m"},
            "kappa": {"value": self.kappa, "unit": "1"},
            "frequency": {"value": self.frequency, "unit": "Hz"},
            "temperature": {"value": self.temperature, "unit": "K"},
            "field": {"value": self.field.tolist(), "unit": "A/m"},
            "magnetization": {"value": self.magnetization.tolist(), "unit": "A/m"},
        }

    def plot(self, ax=None):
        """Plot μ0H [mT] against M/Ms; returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(4.5, 3.5))
        ms = np.max(np.abs(self.magnetization)) or 1.0
        ax.plot(MU_0 * self.field * 1e3, self.magnetization / ms)
        ax.set_xlabel("μ0H (mT)")
        ax.set_ylabel("M / max|M|")
        ax.set_title(f"SW {self.orientation}, κ = {self.kappa:.2f}, H_C = {self.coercive_field / 1e3:.3g} kA/m")
        return ax


def _crossing(h: np.ndarray, m: np.ndarray) -> float:
    """Mean |h| at the sign changes of m over a closed loop (linear interpolation); 0 if none."""
    m2 = np.append(m, m[0])
    h2 = np.append(h, h[0])
    idx = np.nonzero(np.signbit(m2[:-1]) != np.signbit(m2[1:]))[0]
    if idx.size == 0:
        return 0.0
    out = []
    for i in idx:
        dm = m2[i + 1] - m2[i]
        frac = -m2[i] / dm if dm != 0 else 0.0
        out.append(abs(h2[i] + frac * (h2[i + 1] - h2[i])))
    return float(np.mean(out))


def simulate_sw_loop(*, anisotropy: float, ms_volume: float, volume: float, amplitude: float, frequency: float,
                     temperature: float, tau0: float = 1e-9, orientation: str = "random", n_steps: int = 2000,
                     n_angles: int = 24, n_cycles: int = 3, n_theta: int = 720) -> SWLoop:
    """Steady-state dynamic hysteresis of uniaxial SW particles from the two-state master equation.

    For each easy-axis angle ψ, the population :math:`p_+` of the minimum on the +easy-axis side obeys

    .. math:: \\frac{dp_+}{dt} = -\\nu_{+}p_+ + \\nu_{-}(1-p_+), \\qquad
              \\nu_\\pm = \\tau_0^{-1}\\exp(-\\Delta E_\\pm/k_B T),

    with :math:`\\Delta E_\\pm` the height of the lower saddle above each minimum of
    :math:`E(\\theta) = KV\\sin^2(\\theta-\\psi) - \\mu_0 M_s V H\\cos\\theta` (minima found on a θ grid with
    parabolic refinement). Where a minimum does not exist its population is 0. The field is
    :math:`H_{max}\\sin 2\\pi f t`; each of ``n_steps`` steps per period is integrated exactly for
    constant rates; the last of ``n_cycles`` periods is returned. ``"random"`` averages over easy axes with
    cos ψ uniform on [0, 1] (midpoint rule, ``n_angles`` angles).

    Parameters
    ----------
    anisotropy, ms_volume, volume, amplitude, frequency, temperature, tau0 :
        K [J/m³], Ms [A/m], V [m³], H_max [A/m], f [Hz], T [K], τ0 [s].
    orientation : {"aligned", "random"}
    n_steps, n_angles, n_cycles, n_theta : int
        Time steps per period (100–20000), easy-axis angles (1–200), periods (1–20), θ grid (90–20000).

    Returns
    -------
    SWLoop

    Notes
    -----
    Validity: non-interacting particles, coherent rotation, no intra-well relaxation (the moment sits at
    its minimum), one attempt time for both wells; no Brown rotation (immobilised particles). This is the
    reference used to check the closed forms of :func:`coercive_field` and :func:`loop_area`.

    Examples
    --------
    Athermal limit (KV/k_BT ≈ 8e4): the aligned loop is the square 4 μ0 H_K Ms = 8K:

    >>> loop = simulate_sw_loop(anisotropy=1e5, ms_volume=4e5, volume=(30e-9) ** 3, amplitude=1e6,
    ...                         frequency=1e5, temperature=1.0, orientation="aligned", n_steps=1000)
    >>> abs(loop.area / 8e5 - 1) < 0.02
    True
    """
    k = check_positive("anisotropy", anisotropy, unit="J/m3")
    ms = check_positive("ms_volume", ms_volume, unit="A/m")
    v = check_positive("volume", volume, unit="m3")
    hmax = check_positive("amplitude", amplitude, unit="A/m")
    f = check_positive("frequency", frequency, unit="Hz")
    t = check_positive("temperature", temperature, unit="K")
    tau0 = check_positive("tau0", tau0, unit="s")
    orientation = _check_orientation(orientation)
    n_steps = int(check_range("n_steps", n_steps, 100, 20000))
    n_angles = int(check_range("n_angles", n_angles, 1, 200))
    n_cycles = int(check_range("n_cycles", n_cycles, 1, 20))
    n_theta = int(check_range("n_theta", n_theta, 90, 20000))

    hk = 2.0 * k / (MU_0 * ms)
    beta = k * v / (K_B * t)
    dt = 1.0 / (f * n_steps)
    phase = 2.0 * math.pi * (np.arange(n_steps) + 1.0) / n_steps
    h_red = (hmax / hk) * np.sin(phase)
    if orientation == "aligned":
        psis, weights = np.array([0.0]), np.array([1.0])
    else:
        u = (np.arange(n_angles) + 0.5) / n_angles  # cos ψ, uniform for isotropic axes
        psis, weights = np.arccos(u), np.full(n_angles, 1.0 / n_angles)

    tables = [_extrema(h_red, float(p), n_theta) for p in psis]
    e_p = np.stack([tb[0] for tb in tables])  # (n_psi, n_steps)
    e_m = np.stack([tb[1] for tb in tables])
    e_s = np.stack([tb[2] for tb in tables])
    c_p = np.stack([tb[3] for tb in tables])
    c_m = np.stack([tb[4] for tb in tables])
    has_p, has_m = np.isfinite(e_p), np.isfinite(e_m)
    both = has_p & has_m
    with np.errstate(invalid="ignore"):
        d_p = np.where(both, e_s - e_p, 0.0)  # barriers in units of KV
        d_m = np.where(both, e_s - e_m, 0.0)
    # equilibrium population of "+" and decay factor over one step, for constant rates
    p_eq = np.where(both, expit(beta * (d_p - d_m)), np.where(has_p, 1.0, 0.0))
    rate_sum = (np.exp(-beta * d_p) + np.exp(-beta * d_m)) / tau0
    decay = np.where(both, np.exp(-rate_sum * dt), 0.0)
    c_p = np.where(has_p, c_p, 0.0)
    c_m = np.where(has_m, c_m, 0.0)

    p = np.where(has_p[:, -1], 1.0, 0.0)  # start: the state at the end of the first period's field
    m = np.empty(n_steps)
    for cycle in range(n_cycles):
        last = cycle == n_cycles - 1
        for i in range(n_steps):
            p = p_eq[:, i] + (p - p_eq[:, i]) * decay[:, i]
            if last:
                m[i] = float(np.dot(weights, p * c_p[:, i] + (1.0 - p) * c_m[:, i]))
    field = h_red * hk
    mag = m * ms
    hh = np.append(field, field[0])
    mm = np.append(mag, mag[0])
    area = abs(float(MU_0 * np.sum(0.5 * (mm[1:] + mm[:-1]) * np.diff(hh))))
    hc = _crossing(field, mag)
    kappa = float(thermal_kappa(anisotropy=k, ms_volume=ms, volume=v, amplitude=hmax, frequency=f,
                                temperature=t, tau0=tau0))
    return SWLoop(field=field, magnetization=mag, area=area, coercive_field=hc, power_density=area * f,
                  anisotropy_field=hk, kappa=kappa, orientation=orientation, frequency=f, temperature=t)


# ---------------------------------------------------------------------------------------------------------
# fast tabulated master equation (the unified SLP model)

#: Defaults of :func:`master_equation_power`: half-period steps, easy-axis angles (Gauss–Legendre in cos ψ),
#: reduced-field table points over [0, 1], θ grid of the table.
ME_STEPS, ME_ANGLES, ME_TABLE, ME_THETA = 64, 8, 501, 720


@functools.lru_cache(maxsize=4)
def _me_tables(n_angles: int, n_table: int, n_theta: int) -> tuple[np.ndarray, ...]:
    """Barriers (units of KV; −1 where a well is absent) and cos θ of both wells on h ∈ [0, 1] per angle."""
    u, w = np.polynomial.legendre.leggauss(n_angles)
    u, w = 0.5 * (u + 1.0), 0.5 * w  # cos ψ on [0, 1]: isotropic easy axes
    h = np.linspace(0.0, 1.0, n_table)
    dp, dm, cp, cm, gap = (np.empty((n_angles, n_table)) for _ in range(5))
    for j, psi in enumerate(np.arccos(u)):
        e_p, e_m, e_s, c_p, c_m, e_t = _extrema(h, float(psi), n_theta)
        gap[j] = np.where(np.isfinite(e_t), 0.5 * (e_t - e_s), 0.0)
        has_p, has_m = np.isfinite(e_p), np.isfinite(e_m)
        both = has_p & has_m
        with np.errstate(invalid="ignore"):
            dp[j] = np.where(both, np.maximum(e_s - e_p, 0.0), np.where(has_p, 0.0, -1.0))
            dm[j] = np.where(both, np.maximum(e_s - e_m, 0.0), np.where(has_m, 0.0, -1.0))
        cp[j] = np.where(has_p, c_p, c_m)
        cm[j] = np.where(has_m, c_m, c_p)
    for arr in (dp, dm, cp, cm, gap, w):
        arr.setflags(write=False)
    return dp, dm, cp, cm, gap, w


def master_equation_power(*, anisotropy, ms_volume, volume, amplitude, frequency, temperature, tau0: float = 1e-9,
                          tau_brown=math.inf, n_steps: int = ME_STEPS, n_angles: int = ME_ANGLES):
    """Dissipated power per volume [W/m³] of randomly oriented SW particles from the two-state master equation.

    The model of :func:`simulate_sw_loop` (random easy axes), made fast and valid across the whole field
    range so that it joins linear response at small ξ and the thermally activated SW loop at large ξ:

    .. math:: \\frac{dp_+}{dt} = -\\nu_+ p_+ + \\nu_-(1-p_+) - \\frac{p_+ - p_+^{eq}}{\\tau_B},\\qquad
              \\nu_\\pm = \\frac{1}{2\\tau_0}\\exp\\left(-\\frac{\\Delta E_\\pm}{k_B T}\\right),\\qquad
              P = \\mu_0 M_s H_K f \\oint m\\,dh = 2 K f \\oint m\\,dh,

    with :math:`p_+^{eq} = \\nu_-/(\\nu_+ + \\nu_-)`, m = M/Ms and h = H/H_K.

    - **Attempt-time convention**: the escape rate per well is :math:`e^{-\\Delta E/k_BT}/(2\\tau_0)`, so that
      the zero-field relaxation time is the Néel–Arrhenius :math:`\\tau_N = \\tau_0 e^{KV/k_BT}` used by LRT
      (:func:`ferrokit.magnetism.neel_time`); :func:`simulate_sw_loop` uses :math:`e^{-\\Delta E/k_BT}/\\tau_0`
      (Carrey's convention), i.e. the same model with τ0 doubled.
    - **Brown channel** (approximation, this work): particles free to rotate relax the well populations towards
      equilibrium at the extra rate 1/τ_B. In the linear regime this gives exactly LRT's
      1/τ = 1/τ_N + 1/τ_B; at large fields it is a crude stand-in for bodily rotation (``tau_brown=inf``:
      immobilised).
    - **Numerics**: barriers and well positions tabulated once on h ∈ [0, 1] (``_extrema``, parabolic
      refinement) and interpolated linearly; |h| > 1 is clamped (a single well: the reversible part of M
      encloses no area); easy axes by ``n_angles``-point Gauss–Legendre in cos ψ; ``n_steps`` steps per half
      period (uniform in phase while |h| < 1; above H_K the one-well plateau is one step and the steps go to the
      two ramps) with rates at the step midpoint, integrated exactly; steady state from the antisymmetry
      p(t + T/2) = 1 − p(t) (no transient cycles).

    Parameters
    ----------
    anisotropy, ms_volume, volume, amplitude, frequency : float or array_like
        K [J/m³], Ms [A/m], V [m³], H_max [A/m], f [Hz] (all > 0); broadcast together.
    temperature : float
        T [K].
    tau0 : float
        Attempt time [s] in the LRT convention above.
    tau_brown : float or array_like
        Brown time τ_B [s] (> 0; ``inf`` for immobilised particles).
    n_steps, n_angles : int
        Steps per half period (16–20000) and easy-axis angles (2–64).

    Returns
    -------
    float or ndarray
        Power per volume of magnetic material [W/m³].

    Notes
    -----
    Validity: non-interacting, uniaxial, coherent rotation, no intra-well relaxation lag (the moment sits at
    its minimum); the two-state picture needs a barrier of a few k_BT (KV/k_BT ≳ 3) to be quantitative.
    Agreement with LRT at ξ → 0 and with :func:`simulate_sw_loop` (24 angles, 2000 steps) in the hysteretic
    regime is tested; see docs/hyperthermia.md for the numbers. Status: model and rates as in Carrey et al.
    2011 [S]; the Brown channel is this work's approximation [computed].

    Examples
    --------
    Athermal square loops are not reached with random axes; the T → 0 random-ensemble loop is ≈ μ0 H_K Ms:

    >>> k, ms = 1e5, 4e5
    >>> p = master_equation_power(anisotropy=k, ms_volume=ms, volume=(30e-9) ** 3, amplitude=1e6,
    ...                           frequency=1e5, temperature=1.0)
    >>> 0.95 < p / (MU_0 * anisotropy_field(k, ms) * ms * 1e5) < 1.0
    True
    """
    from ferrokit.hyperthermia._sw_kernels import me_areas

    k, ms, v, h, f, t, tau0 = _thermal_inputs(anisotropy, ms_volume, volume, amplitude, frequency, temperature, tau0)
    tb = np.asarray(tau_brown, dtype=float)
    if np.any(np.isnan(tb)) or np.any(tb <= 0):
        raise FerroKitInputError("tau_brown must be > 0 s (inf allowed)")
    n_steps = 2 * (int(check_range("n_steps", n_steps, 16, 20000)) // 2)
    n_angles = int(check_range("n_angles", n_angles, 2, 64))
    k, ms, v, h, f, tb = np.broadcast_arrays(k, ms, v, h, f, tb)
    shape = k.shape
    dp, dm, cp, cm, gap, w = _me_tables(n_angles, ME_TABLE, ME_THETA)
    hk = 2.0 * k / (MU_0 * ms)
    omega = 2.0 * math.pi * f
    out = np.empty(k.size)
    me_areas(np.ascontiguousarray(h / hk, dtype=float).ravel(), np.ascontiguousarray(k * v / (K_B * t)).ravel(),
             np.ascontiguousarray(1.0 / (2.0 * tau0 * omega)).ravel(), np.ascontiguousarray(1.0 / (tb * omega)).ravel(),
             dp, dm, cp, cm, gap, w, n_steps, out)
    return scalar_or_array((2.0 * k.ravel() * f.ravel() * out).reshape(shape))
