"""Field control for hyperthermia plans: field limits, steady-state reachability, and a PI controller.

The manipulated variable is the **power fraction** u ∈ [0, 1]: the heat source is u × Q(H_max), where H_max is
the largest amplitude the chosen H·f limit allows at the working frequency. The amplitude that delivers u is
found from the (monotone) SLP(H) curve, ``slp(H) = u · slp(H_max)``; for SLP ∝ H² (linear response) this is
H = H_max √u. Controlling power rather than amplitude makes the plant linear (temperature rise ∝ power).

Controller: PI on the tumour T90 with conditional-integration anti-windup, overridden by a second PI loop on
the hottest healthy voxel (u = min(u_tumour, u_healthy)); the loop not in command tracks the output
(back-calculation), so neither integrator winds up. Clamped to [0, 1] (amplitude clamped to the limit).
Errors are normalised by the steady-state gains and the steady-state power fraction is fed forward.

Healthy-tissue cap (predictive): the PI override acts on the last *measured* healthy maximum and lets it
overshoot during a ramp (0.55–0.83 K above a 44 °C cap on 32³–64³ versions of the 128³ benchmark ramp). With
temperature-independent perfusion in the implicit step (temperature-dependent perfusion enters explicitly), the
next temperature is affine in the power fraction, :math:`T^{n+1} = T^{n+1}_{free} + u R`, with
:math:`T_{free}` the step without heating and R the (constant) one-step response to full power;
:func:`power_cap` returns the largest u keeping every healthy voxel at or below the cap, the plan applies
min(u_PI, u_cap) and :meth:`PIController.apply_limit` back-calculates both integrators (no wind-up). The cap
then holds to the linear-solver tolerance, except where the un-heated step alone already exceeds it (heat
already deposited and still spreading), where u = 0 is the best possible.

Field limits (SCIENCE.md §3; warn, do not refuse): Atkinson–Brezovich H·f ≤ 4.85×10⁸ A m⁻¹ s⁻¹ [V secondary];
Hergt–Dutz H·f ≤ 5×10⁹ A m⁻¹ s⁻¹ (J Magn Magn Mater 2007 311:187; citation S, value U).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_positive
from ferrokit.constants import MU_0
from ferrokit.hyperthermia.safety import ATKINSON_BREZOVICH, HERGT_DUTZ

#: Named H·f limits [A m⁻¹ s⁻¹] (values and sources in :mod:`ferrokit.hyperthermia.safety`).
FIELD_LIMITS: dict[str, float] = {"atkinson-brezovich": ATKINSON_BREZOVICH, "atkinson": ATKINSON_BREZOVICH,
                                  "hergt-dutz": HERGT_DUTZ, "hergt": HERGT_DUTZ}


def field_limit(limit: str | float) -> float:
    """H·f limit [A m⁻¹ s⁻¹] from a name (``atkinson-brezovich``, ``hergt-dutz``) or a positive value.

    >>> field_limit("atkinson-brezovich")
    485000000.0
    """
    if isinstance(limit, str):
        key = limit.strip().lower().replace("_", "-").replace(" ", "-")
        if key not in FIELD_LIMITS:
            raise FerroKitInputError(f"unknown field limit {limit!r}; use {', '.join(FIELD_LIMITS)} or a value")
        return FIELD_LIMITS[key]
    return check_positive("field limit", limit, unit="A/(m s)")


def max_amplitude(frequency: float, limit: str | float) -> float:
    """Largest amplitude H [A m⁻¹] allowed at ``frequency`` [Hz] by the H·f ``limit``.

    >>> round(max_amplitude(100e3, "atkinson-brezovich"))
    4850
    """
    return field_limit(limit) / check_positive("frequency", frequency, unit="Hz")


class AmplitudeMap:
    """Map a power fraction u to the amplitude with slp(H) = u · slp(H_max), from a tabulated SLP(H) curve.

    Parameters
    ----------
    slp_of_amplitude : callable
        SLP [W kg⁻¹ Fe] as a function of amplitude [A m⁻¹] at the working frequency; must be ≥ 0 and
        non-decreasing on [0, H_max].
    h_max : float
        Largest allowed amplitude [A m⁻¹].
    samples : int
        Table size (monotone linear interpolation between samples).
    """

    def __init__(self, slp_of_amplitude: Callable[[float], float], h_max: float, *, samples: int = 65):
        self.h_max = check_positive("maximum amplitude", h_max, unit="A/m")
        self.h = np.linspace(0.0, self.h_max, samples)
        s = np.array([float(slp_of_amplitude(float(x))) for x in self.h])
        if not np.all(np.isfinite(s)) or np.any(s < 0):
            raise FerroKitInputError("SLP(H) must be finite and ≥ 0 on [0, H_max]")
        if np.any(np.diff(s) < -1e-9 * max(s.max(), 1e-300)):
            raise FerroKitInputError("SLP(H) must not decrease with amplitude on [0, H_max]")
        if s[-1] <= 0:
            raise FerroKitInputError("SLP at the maximum amplitude is 0: no heating is possible")
        self.slp = np.maximum.accumulate(s)
        self.slp_max = float(self.slp[-1])

    def amplitude(self, u: float) -> float:
        """Amplitude [A m⁻¹] delivering power fraction ``u`` (clamped to [0, 1])."""
        target = min(max(float(u), 0.0), 1.0) * self.slp_max
        return float(np.interp(target, self.slp, self.h))

    def slp_at(self, amplitude: float) -> float:
        """SLP [W kg⁻¹] at ``amplitude`` (interpolated)."""
        return float(np.interp(amplitude, self.h, self.slp))


@dataclass
class PIController:
    """PI control of the power fraction on the tumour T90 with a healthy-tissue override.

    Errors are normalised by the steady-state plant gains (kelvin of T90, or of the hottest healthy voxel, per
    unit power fraction, from :func:`steady_reachability`), so ``kp`` is dimensionless and a well-scaled
    default works for any geometry and particle load:
    u = u_ff + kp ẽ + (kp/τ_i) ∫ ẽ dt with ẽ = (set point − measured)/gain.

    Parameters
    ----------
    target : float
        Tumour T90 set point [K].
    healthy_limit : float or None
        Largest allowed healthy-tissue temperature [K] (override loop), ``None`` for none.
    kp : float
        Proportional gain (dimensionless after normalisation).
    integral_time : float
        τ_i [s].
    gain, healthy_gain : float
        Steady-state T90 and healthy-maximum rise at full power [K] (> 0).
    feedforward : float
        u_ff, the steady-state power fraction expected to hold the target (0–1).
    """

    target: float
    healthy_limit: float | None = None
    kp: float = 2.0
    integral_time: float = 60.0
    gain: float = 1.0
    healthy_gain: float = 1.0
    feedforward: float = 0.0
    _i_tumour: float = 0.0
    _i_healthy: float = 0.0
    _last: tuple[float, float, bool] = (0.0, 0.0, False)

    def __post_init__(self) -> None:
        check_positive("target", self.target, unit="K")
        if self.healthy_limit is not None:
            check_positive("healthy_limit", self.healthy_limit, unit="K")
        check_positive("kp", self.kp)
        check_positive("integral_time", self.integral_time, unit="s")
        check_positive("gain", self.gain, unit="K")
        check_positive("healthy_gain", self.healthy_gain, unit="K")
        if not 0.0 <= self.feedforward <= 1.0:
            raise FerroKitInputError(f"feedforward must lie in [0, 1], got {self.feedforward:g}")

    def update(self, t90: float, healthy_max: float | None, dt: float) -> float:
        """New power fraction in [0, 1] from the current tumour T90 and hottest healthy voxel [K]."""
        ki = self.kp / self.integral_time
        e_t = (self.target - float(t90)) / self.gain
        u_t = self.feedforward + self.kp * e_t + self._i_tumour + ki * e_t * dt
        use_h = self.healthy_limit is not None and healthy_max is not None
        e_h = (self.healthy_limit - float(healthy_max)) / self.healthy_gain if use_h else 0.0
        u_h = self.feedforward + self.kp * e_h + self._i_healthy + ki * e_h * dt if use_h else np.inf
        self._last = (e_t, e_h, use_h)
        tumour_commands = u_t <= u_h
        u = min(u_t, u_h)
        u_clamped = min(max(u, 0.0), 1.0)
        e_cmd = e_t if tumour_commands else e_h
        # conditional integration: the commanding loop integrates unless that pushes further into saturation
        integrate = not ((u > 1.0 and e_cmd > 0) or (u < 0.0 and e_cmd < 0))
        if tumour_commands:
            if integrate:
                self._i_tumour += ki * e_t * dt
            if use_h:   # back-calculation: the idle loop tracks the output
                self._i_healthy = u_clamped - self.feedforward - self.kp * e_h
        else:
            if integrate:
                self._i_healthy += ki * e_h * dt
            self._i_tumour = u_clamped - self.feedforward - self.kp * e_t
        return u_clamped


    def apply_limit(self, u_applied: float) -> None:
        """Tell the controller that an external limit applied ``u_applied`` instead of its last output.

        Both integrators are back-calculated so that, with the last errors, the loop would have commanded
        ``u_applied``: the limit does not wind them up (they resume from the applied power).
        """
        u = min(max(float(u_applied), 0.0), 1.0)
        e_t, e_h, use_h = self._last
        self._i_tumour = min(self._i_tumour, u - self.feedforward - self.kp * e_t)
        if use_h:
            self._i_healthy = min(self._i_healthy, u - self.feedforward - self.kp * e_h)


def power_cap(free: np.ndarray, response: np.ndarray, limit: float) -> float:
    """Largest power fraction u ∈ [0, 1] with max(free + u · response) ≤ limit (one-step linear prediction).

    Parameters
    ----------
    free : ndarray
        Temperatures [K] of the capped voxels after the next step without heating.
    response : ndarray
        Their one-step rise [K] at full power (same shape; ≥ 0 where heating reaches them).
    limit : float
        Cap [K].

    Returns
    -------
    float
        u_cap; 0 when the un-heated step already exceeds the cap in a voxel that heating would warm further.

    Examples
    --------
    >>> round(power_cap(np.array([316.0, 315.0]), np.array([2.0, 0.5]), 317.15), 6)
    0.575
    """
    free = np.asarray(free, dtype=float)
    resp = np.asarray(response, dtype=float)
    if free.shape != resp.shape:
        raise FerroKitInputError(f"free and response must have the same shape, got {free.shape} and {resp.shape}")
    heated = resp > 0
    if not np.any(heated):
        return 1.0
    u = float(np.min((limit - free[heated]) / resp[heated]))
    return min(max(u, 0.0), 1.0)


def eddy_current_power(frequency: float, amplitude: float, *, conductivity: float, radius: float) -> dict:
    """Eddy-current heating of tissue by the AMF: a long conducting cylinder coaxial with a uniform field.

    Faraday's law around a circle of radius ρ gives the induced field amplitude E = π μ0 f H ρ, so the
    time-averaged power density, largest at the surface ρ = R, is

    .. math:: p(\\rho) = \\frac{\\sigma E^2}{2} = \\frac{\\sigma (\\pi \\mu_0 f H \\rho)^2}{2}, \\qquad
              \\bar p = \\frac{\\sigma (\\pi \\mu_0 f H R)^2}{4} \\ (\\text{cross-section mean}).

    Source: the circular case of the elliptical cross-section formula J = 2π f B σ (b⁴x² + a⁴y²)^½/(a² + b²)
    quoted for induced currents in the body (adopted by ACGIH 1995 and IEEE 2002) [S, secondary: a book chapter
    on estimating induced currents in the human body, seen in the reference corpus]. Validity: quasi-static
    (skin depth ≫ R: ≈ 1 m for tissue at 100 kHz), homogeneous σ, field uniform and along the cylinder axis;
    real bodies are not cylinders (an estimate, not a dosimetry).

    Parameters
    ----------
    frequency, amplitude : float
        f [Hz] and H [A/m] (> 0).
    conductivity : float
        Tissue electrical conductivity σ [S/m] (> 0; ≈ 0.2–0.6 S/m for soft tissue at 100 kHz–1 MHz, a user input).
    radius : float
        Radius R of the body cross-section enclosed by the field [m] (> 0).

    Returns
    -------
    dict
        ``surface`` p(R) and ``mean`` p̄ [W/m³], ``electric_field`` E(R) [V/m].

    Examples
    --------
    >>> r = eddy_current_power(1e5, 1e4, conductivity=0.5, radius=0.15)
    >>> round(r["surface"] / 1e3, 1), round(r["mean"] / 1e3, 1)
    (87.7, 43.8)
    """
    f = check_positive("frequency", frequency, unit="Hz")
    h = check_positive("amplitude", amplitude, unit="A/m")
    sigma = check_positive("conductivity", conductivity, unit="S/m")
    r = check_positive("radius", radius, unit="m")
    e = np.pi * MU_0 * f * h * r
    return {"surface": float(sigma * e * e / 2.0), "mean": float(sigma * e * e / 4.0), "electric_field": float(e)}


@dataclass(frozen=True)
class Reachability:
    """Steady-state answer to "can the target be reached within the limits?"."""

    reachable: bool
    power_fraction_needed: float | None   # u giving T90 = target (None if not reachable at u = 1)
    power_fraction_allowed: float         # largest u keeping healthy tissue ≤ its limit (≤ 1)
    t90_at_allowed: float                 # steady T90 [K] at the allowed u
    healthy_max_at_allowed: float         # steady hottest healthy voxel [K] at the allowed u
    t90_gain: float                       # steady T90 rise at u = 1 [K]
    healthy_gain: float                   # steady rise of the hottest healthy voxel at u = 1 [K]

    def to_dict(self) -> dict:
        return {"reachable": self.reachable, "power_fraction_needed": self.power_fraction_needed,
                "power_fraction_allowed": self.power_fraction_allowed,
                "t90_at_allowed": {"value": self.t90_at_allowed, "unit": "K"},
                "healthy_max_at_allowed": {"value": self.healthy_max_at_allowed, "unit": "K"},
                "t90_gain": {"value": self.t90_gain, "unit": "K"},
                "healthy_gain": {"value": self.healthy_gain, "unit": "K"}}


def steady_reachability(base: np.ndarray, full: np.ndarray, tumour: np.ndarray, healthy: np.ndarray | None, *,
                        target: float, healthy_limit: float | None) -> Reachability:
    """Reachability from two steady states: without heating (``base``) and at full power (``full``).

    With perfusion independent of temperature the steady field is linear in the power fraction,
    T(u) = base + u (full − base); T90(u) and the healthy maximum are non-decreasing in u and are found by
    bisection.
    """
    from ferrokit.hyperthermia.dose import percentile_temperature

    base = np.asarray(base, dtype=float)
    delta = np.asarray(full, dtype=float) - base
    tum = np.asarray(tumour, dtype=bool)
    if not tum.any():
        raise FerroKitInputError("the tumour region is empty")
    hea = None if healthy is None or not np.any(healthy) else np.asarray(healthy, dtype=bool)

    def t90(u):
        return percentile_temperature(base[tum] + u * delta[tum])

    def hmax(u):
        return float(np.max(base[hea] + u * delta[hea])) if hea is not None else -np.inf

    def bisect(f, level):
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            if f(mid) < level:
                lo = mid
            else:
                hi = mid
        return hi

    u_allowed = 1.0
    if healthy_limit is not None and hea is not None and hmax(1.0) > healthy_limit:
        u_allowed = 0.0 if hmax(0.0) > healthy_limit else bisect(hmax, healthy_limit)
    needed = None if t90(1.0) < target else (0.0 if t90(0.0) >= target else bisect(t90, target))
    reachable = needed is not None and needed <= u_allowed + 1e-12
    return Reachability(reachable=bool(reachable), power_fraction_needed=needed, power_fraction_allowed=u_allowed,
                        t90_at_allowed=t90(u_allowed), healthy_max_at_allowed=hmax(u_allowed),
                        t90_gain=t90(1.0) - t90(0.0),
                        healthy_gain=(hmax(1.0) - hmax(0.0)) if hea is not None else 0.0)
