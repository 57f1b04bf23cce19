"""Synthetic calorimetry heating curves: exact solution of the lumped energy balance, probe lag and noise.

The sample (heat capacity C, loss coefficient L to a bath at T_amb) is heated by a constant power
P = SLP · m_Fe while the field is on:

.. math:: C \\frac{dT}{dt} = P\\,\\mathbb{1}_{on}(t) - L\\,(T - T_{amb}).

In each phase T(s) = A + B e^{-s/τ} with τ = C/L (heating: A = T_amb + P/L; cooling: A = T_amb), or, for
L = 0, T(s) = T_start + (P/C) s. The probe reads T through a first-order lag,
τ_p dT_p/dt = T − T_p, solved analytically for these inputs; Gaussian noise is added last.
"""

from __future__ import annotations

import math

import numpy as np

from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.validation import FerroKitInputError, check_nonnegative, check_positive

__all__ = ["synthetic_heating_curve"]


def _phase(s, t_start, tp_start, *, power, heat_capacity, loss, ambient, probe_lag):
    """True and probe temperatures at times ``s`` ≥ 0 after the start of a phase of constant power."""
    if loss == 0.0:
        g = power / heat_capacity  # T = T0 + g s
        true = t_start + g * s
        if probe_lag == 0.0:
            return true, true.copy()
        # τp Tp' = T0 + g s − Tp: Tp = T0 + g (s − τp) + (Tp0 − T0 + g τp) e^{−s/τp}
        probe = t_start + g * (s - probe_lag) + (tp_start - t_start + g * probe_lag) * np.exp(-s / probe_lag)
        return true, probe
    tau = heat_capacity / loss
    a = ambient + power / loss
    b = t_start - a
    true = a + b * np.exp(-s / tau)
    if probe_lag == 0.0:
        return true, true.copy()
    if abs(tau - probe_lag) <= 1e-9 * tau:  # resonant case: Tp = A + (Tp0 − A) e^{−s/τ} + B (s/τ) e^{−s/τ}
        probe = a + (tp_start - a) * np.exp(-s / tau) + b * (s / tau) * np.exp(-s / tau)
        return true, probe
    k = b * tau / (tau - probe_lag)
    probe = a + k * np.exp(-s / tau) + (tp_start - a - k) * np.exp(-s / probe_lag)
    return true, probe


def synthetic_heating_curve(*, slp: float, iron_mass: float, heat_capacity: float, loss_coefficient: float,
                            ambient: float, duration_on: float, duration_off: float = 0.0,
                            probe_lag: float = 0.0, noise: float = 0.0, sample_interval: float = 1.0,
                            rng: RngLike = None, duration_before: float = 0.0,
                            initial_temperature: float | None = None, return_true: bool = False):
    """A heating (and cooling) curve T(t) from the exact solution of the lumped energy balance.

    .. math:: C\\,\\dot T = P\\,\\mathbb{1}_{on}(t) - L (T - T_{amb}),\\quad P = \\mathrm{SLP}\\,m_{Fe},
              \\qquad \\tau_p \\dot T_p = T - T_p,\\qquad T_{meas} = T_p + \\varepsilon,\\ \\varepsilon\\sim
              N(0, \\sigma^2)

    Parameters
    ----------
    slp : float
        Specific loss power [W/kg Fe] (≥ 0).
    iron_mass : float
        Iron mass [kg] (> 0).
    heat_capacity : float
        Total heat capacity C [J/K] (> 0).
    loss_coefficient : float
        Heat-loss coefficient L [W/K] (≥ 0; 0 is adiabatic).
    ambient : float
        Bath temperature T_amb [K].
    duration_on, duration_off : float
        Field-on time and the following field-off (cooling) time [s]; ``duration_on`` > 0.
    probe_lag : float
        First-order probe time constant τ_p [s] (≥ 0).
    noise : float
        Standard deviation of additive Gaussian noise [K] (≥ 0).
    sample_interval : float
        Time between samples [s] (> 0).
    rng : Generator, int or None
        Random source for the noise.
    duration_before : float
        Baseline before the field is switched on [s] (field off; the sample sits at its initial temperature
        relaxing towards ambient).
    initial_temperature : float, optional
        Sample (and probe) temperature at t = 0 [K]; default ``ambient``.
    return_true : bool
        Also return the noise-free, lag-free sample temperature.

    Returns
    -------
    t : ndarray
        Times [s], 0, Δt, 2Δt, … up to ``duration_before + duration_on + duration_off``.
    T : ndarray
        Measured probe temperature [K].
    field_on : ndarray of bool
        True where the field is on (``duration_before ≤ t < duration_before + duration_on``).
    T_true : ndarray
        Only with ``return_true``.

    Examples
    --------
    Adiabatic, no lag, no noise: a straight line of slope SLP·m/C.

    >>> t, T, on = synthetic_heating_curve(slp=100.0, iron_mass=1e-3, heat_capacity=4.0, loss_coefficient=0.0,
    ...                                    ambient=300.0, duration_on=10.0, sample_interval=1.0)
    >>> round(float(T[10] - T[0]), 6), int(on.sum())
    (0.25, 10)
    """
    slp = check_nonnegative("slp", slp, unit="W/kg")
    iron_mass = check_positive("iron_mass", iron_mass, unit="kg")
    c = check_positive("heat_capacity", heat_capacity, unit="J/K")
    loss = check_nonnegative("loss_coefficient", loss_coefficient, unit="W/K")
    ambient = check_positive("ambient", ambient, unit="K")
    on_time = check_positive("duration_on", duration_on, unit="s")
    off_time = check_nonnegative("duration_off", duration_off, unit="s")
    before = check_nonnegative("duration_before", duration_before, unit="s")
    lag = check_nonnegative("probe_lag", probe_lag, unit="s")
    sigma = check_nonnegative("noise", noise, unit="K")
    dt = check_positive("sample_interval", sample_interval, unit="s")
    t0 = ambient if initial_temperature is None else check_positive("initial_temperature", initial_temperature,
                                                                    unit="K")
    total = before + on_time + off_time
    n = math.floor(total / dt + 1e-9) + 1
    if n < 3:
        raise FerroKitInputError(f"sample_interval {dt:g} s gives fewer than 3 samples over {total:g} s")
    gen = as_rng(rng)
    t = np.arange(n) * dt
    power = slp * iron_mass
    true = np.empty(n)
    probe = np.empty(n)
    bounds = [(0.0, before, 0.0), (before, before + on_time, power), (before + on_time, math.inf, 0.0)]
    cur_t, cur_p = t0, t0
    for start, stop, p in bounds:
        if stop <= start:
            continue
        sel = (t >= start) & (t < stop)
        if np.any(sel):
            tr, pr = _phase(t[sel] - start, cur_t, cur_p, power=p, heat_capacity=c, loss=loss, ambient=ambient,
                            probe_lag=lag)
            true[sel], probe[sel] = tr, pr
        if math.isfinite(stop):  # state at the end of the phase (continuity into the next)
            tr, pr = _phase(np.array([stop - start]), cur_t, cur_p, power=p, heat_capacity=c, loss=loss,
                            ambient=ambient, probe_lag=lag)
            cur_t, cur_p = float(tr[0]), float(pr[0])
    field_on = (t >= before - 1e-9 * dt) & (t < before + on_time - 1e-9 * dt)
    measured = probe + (gen.normal(0.0, sigma, n) if sigma > 0 else 0.0)
    if return_true:
        return t, measured, field_on, true
    return t, measured, field_on
