"""Photothermal therapy: laser heating in the bioheat solver, and photothermal conversion efficiency.

Laser heating: the diffusion fluence rate Φ [W m⁻²] of :func:`ferrokit.optics.fluence.solve_fluence` times
the local absorption μ_a [m⁻¹] is the heat source Q = μ_a Φ [W m⁻³] of the Pennes equation, solved by
:class:`ferrokit.hyperthermia.bioheat.BioheatSolver`; the thermal dose is accumulated by
:class:`ferrokit.hyperthermia.dose.DoseAccumulator` (CEM43, Sapareto & Dewey 1984). Optical properties are
taken as temperature independent (no coagulation-induced scattering change).

Conversion efficiency (Roper, Ahn & Hoepfner, J. Phys. Chem. C 111 (2007) 3636; citation not verified in the
original, formula as widely reused):

.. math:: \\eta = \\frac{hS\\,(T_{max} - T_{surr}) - Q_0}{I\\,(1 - 10^{-A})},\\quad hS = \\sum_i m_i c_{p,i}/\\tau_s

with τ_s the time constant of the cooling curve, I the laser power [W], A the sample absorbance at the laser
wavelength and Q₀ the heat from solvent and container (a blank measurement). The cooling time constant is
taken from the exponential (Box–Lucas) fit of the cooling trace (identical to Roper's linear regression of
t against −ln θ for noise-free data, and unbiased where θ → 0 under noise). A second estimate uses the
loss-corrected energy-balance fit of the whole trace, C dT/dt = P·1_on − hS (T − T_surr), which does not need
the plateau to be reached. Both reuse :mod:`ferrokit.hyperthermia.calorimetry_methods`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_nonnegative, check_positive, check_range
from ferrokit.hyperthermia.bioheat import BioheatProblem, BioheatSolver, solve_steady
from ferrokit.hyperthermia.calorimetry_methods import box_lucas_fit, energy_balance_fit
from ferrokit.hyperthermia.dose import DoseAccumulator
from ferrokit.optics.fluence import FluenceResult, solve_fluence

__all__ = [
    "PhotothermalEfficiency",
    "PhotothermalResult",
    "photothermal_efficiency",
    "photothermal_heat_source",
    "simulate_photothermal",
]


def photothermal_heat_source(mu_a, fluence_rate):
    """Volumetric heat source Q = μ_a Φ [W/m³] from μ_a [1/m] and fluence rate Φ [W/m²] (broadcast).

    >>> photothermal_heat_source(50.0, 1e4)   # 0.5 /cm in 1 W/cm²
    500000.0
    """
    a = np.asarray(mu_a, dtype=float)
    f = np.asarray(fluence_rate, dtype=float)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(f))) or np.any(a < 0) or np.any(f < 0):
        raise FerroKitInputError("mu_a and fluence_rate must be finite and ≥ 0")
    q = a * f
    return float(q) if q.ndim == 0 else q


@dataclass(frozen=True, eq=False)
class PhotothermalResult:
    """Laser heating on a voxel grid: temperature and thermal-dose maps (SI: K, s, W/m³)."""

    times: np.ndarray = field(repr=False)
    max_temperature_trace: np.ndarray = field(repr=False)
    temperature: np.ndarray = field(repr=False)
    max_temperature: np.ndarray = field(repr=False)
    cem43: np.ndarray = field(repr=False)
    heat_source: np.ndarray = field(repr=False)
    fluence: FluenceResult = field(repr=False)
    baseline: np.ndarray = field(repr=False)
    spacing: tuple[float, float, float]
    laser_duration: float

    def to_dict(self) -> dict:
        v = float(np.prod(self.spacing))
        return {"shape": list(self.temperature.shape), "spacing": {"value": list(self.spacing), "unit": "m"},
                "laser_duration": {"value": self.laser_duration, "unit": "s"},
                "duration": {"value": float(self.times[-1]), "unit": "s"},
                "peak_temperature": {"value": float(self.max_temperature.max()), "unit": "K"},
                "peak_rise": {"value": float((self.max_temperature - self.baseline).max()), "unit": "K"},
                "max_cem43": {"value": float(self.cem43.max()), "unit": "s"},
                "volume_cem43_over_240min": {"value": float(np.count_nonzero(self.cem43 >= 240 * 60.0) * v),
                                             "unit": "m3"},
                "absorbed_power": {"value": float(self.heat_source.sum() * v), "unit": "W"},
                "fluence": self.fluence.to_dict()}

    def plot(self, *, axis: int = 1, index: int | None = None):
        """Central slices of the peak temperature [°C] and log10 CEM43 [min], and the peak-temperature trace."""
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
        idx = self.temperature.shape[axis] // 2 if index is None else index
        tmax = np.take(self.max_temperature, idx, axis=axis) - 273.15
        dose = np.take(self.cem43, idx, axis=axis) / 60.0
        im0 = axes[0].imshow(tmax.T, origin="upper", aspect="auto", cmap="inferno")
        axes[0].set_title("peak temperature (°C)")
        fig.colorbar(im0, ax=axes[0])
        im1 = axes[1].imshow(np.log10(np.maximum(dose.T, 1e-3)), origin="upper", aspect="auto")
        axes[1].set_title("log10 CEM43 (min)")
        fig.colorbar(im1, ax=axes[1])
        axes[2].plot(self.times, self.max_temperature_trace - 273.15)
        axes[2].set_xlabel("time (s)")
        axes[2].set_ylabel("max temperature (°C)")
        fig.tight_layout()
        return fig


def simulate_photothermal(problem: BioheatProblem, mu_a, mu_s_prime, *, irradiance, laser_duration: float,
                          dt: float, cooling_duration: float = 0.0, relative_index: float = 1.4,
                          initial_temperature=None, progress: Callable[[int, int], None] | None = None
                          ) -> PhotothermalResult:
    """Laser heating of tissue + agent: diffusion fluence → Q = μ_a Φ → Pennes bioheat → T and CEM43 maps.

    Parameters
    ----------
    problem : BioheatProblem
        Thermal tissue fields and boundaries (its grid defines the optical grid; z = depth, the laser enters
        through the z− face).
    mu_a, mu_s_prime : float or ndarray (grid shape)
        Optical absorption (tissue + agent, e.g. from :func:`ferrokit.optics.tissue_absorption`) and reduced
        scattering at the laser wavelength [1/m].
    irradiance : float or ndarray (nx, ny)
        Laser irradiance on the surface [W/m²] (1 W/cm² = 10⁴ W/m²), a beam profile if an array.
    laser_duration, cooling_duration : float
        Laser-on time and the following cooling time [s].
    dt : float
        Time step [s] (backward Euler).
    initial_temperature : ndarray or float, optional
        Default: the steady state of ``problem`` without the laser (solve_steady).
    progress : callable, optional
        ``progress(step, n_steps)`` after each step.
    """
    t_on = check_positive("laser_duration", laser_duration, unit="s")
    t_off = check_nonnegative("cooling_duration", cooling_duration, unit="s")
    dt = check_positive("dt", dt, unit="s")
    n_on = max(1, round(t_on / dt))
    n_off = round(t_off / dt)
    if n_on + n_off > 100_000:
        raise FerroKitInputError(f"{n_on + n_off} time steps; use a larger dt (at most 100000 steps)")
    shape = problem.shape
    a = np.broadcast_to(np.asarray(mu_a, dtype=float), shape) if np.ndim(mu_a) == 0 else np.asarray(mu_a, float)
    if a.shape != shape:
        raise FerroKitInputError(f"mu_a must be a scalar or of the bioheat grid shape {shape}, got {a.shape}")
    flu = solve_fluence(np.array(a), mu_s_prime, problem.spacing, irradiance=irradiance,
                        relative_index=relative_index)
    q = photothermal_heat_source(a, flu.fluence)
    baseline = solve_steady(problem, 0.0)
    if initial_temperature is None:
        t_now = baseline.copy()
    else:
        t_now = np.broadcast_to(np.asarray(initial_temperature, dtype=float), shape).copy()
        if not np.all(np.isfinite(t_now)) or np.any(t_now <= 0):
            raise FerroKitInputError("initial_temperature must be finite and > 0 K")
    solver = BioheatSolver(problem, dt=dt)
    acc = DoseAccumulator(t_now)
    times = [0.0]
    trace = [float(t_now.max())]
    total = n_on + n_off
    for i in range(total):
        src = q if i < n_on else 0.0
        t_now = solver.step(t_now, src)
        acc.update(t_now, dt)
        times.append((i + 1) * dt)
        trace.append(float(t_now.max()))
        if progress is not None:
            progress(i + 1, total)
    return PhotothermalResult(times=np.array(times), max_temperature_trace=np.array(trace), temperature=t_now,
                              max_temperature=acc.max_temperature.copy(), cem43=acc.cem43.copy(), heat_source=q,
                              fluence=flu, baseline=baseline, spacing=problem.spacing, laser_duration=n_on * dt)


@dataclass(frozen=True)
class PhotothermalEfficiency:
    """Photothermal conversion efficiency by the Roper method and by the energy-balance fit (SI)."""

    eta_roper: float
    eta_energy_balance: float
    eta_energy_balance_stderr: float
    tau_s: float
    tau_s_stderr: float
    hs: float
    t_max: float
    t_surr: float
    heat_capacity: float
    absorbed_fraction: float
    laser_power: float
    solvent_power: float
    plateau_fraction: float
    loss_rate_energy_balance: float

    def to_dict(self) -> dict:
        return {"eta_roper": self.eta_roper, "eta_energy_balance": self.eta_energy_balance,
                "eta_energy_balance_stderr": self.eta_energy_balance_stderr,
                "tau_s": {"value": self.tau_s, "unit": "s"}, "tau_s_stderr": {"value": self.tau_s_stderr, "unit": "s"},
                "hS": {"value": self.hs, "unit": "W/K"}, "T_max": {"value": self.t_max, "unit": "K"},
                "T_surr": {"value": self.t_surr, "unit": "K"}, "heat_capacity": {"value": self.heat_capacity,
                                                                                "unit": "J/K"},
                "absorbed_fraction_1_minus_10^-A": self.absorbed_fraction,
                "laser_power": {"value": self.laser_power, "unit": "W"},
                "solvent_power_Q0": {"value": self.solvent_power, "unit": "W"},
                "plateau_fraction": self.plateau_fraction,
                "loss_rate_energy_balance": {"value": self.loss_rate_energy_balance, "unit": "1/s"},
                "method": "Roper et al. J Phys Chem C 2007 (tau_s from an exponential fit of the cooling curve); "
                          "energy-balance fit of heating+cooling (ferrokit.hyperthermia.calorimetry_methods)"}


def photothermal_efficiency(time, temperature, laser_on, *, laser_power: float, absorbance: float,
                            heat_capacity: float, solvent_power: float = 0.0, ambient: float | None = None,
                            transient: float = 0.0) -> PhotothermalEfficiency:
    """Photothermal conversion efficiency η from a heating (laser on) and cooling (laser off) curve.

    Parameters
    ----------
    time, temperature : array_like
        Times [s] (increasing) and sample temperatures [K].
    laser_on : array_like of bool
        Laser state per sample: one on-period followed by a cooling period.
    laser_power : float
        I, the laser power reaching the sample [W].
    absorbance : float
        Decadic absorbance A of the sample at the laser wavelength (0 < A ≤ 10).
    heat_capacity : float
        Σ m c_p of sample and container [J/K] (see :func:`ferrokit.hyperthermia.heat_capacity.total_heat_capacity`).
    solvent_power : float
        Q₀, heat input from the solvent and container under the same laser (blank) [W].
    ambient : float, optional
        T_surr [K]; default: the mean of the samples before the laser is switched on, else the first sample.
    transient : float
        Seconds dropped after each switch in the fits [s].

    Notes
    -----
    η_Roper uses T_max, the highest temperature of the heating phase, and therefore assumes the plateau was
    reached; ``plateau_fraction`` = (T_max − T_surr)/(ΔT_∞ of the energy-balance fit) says how closely
    (η_Roper is low by about 1 − plateau_fraction).
    """
    t = np.asarray(time, dtype=float)
    y = np.asarray(temperature, dtype=float)
    on = np.asarray(laser_on, dtype=bool)
    if t.ndim != 1 or t.shape != y.shape or t.shape != on.shape:
        raise FerroKitInputError("time, temperature and laser_on must be 1-D arrays of the same length")
    if t.size < 12 or not (np.all(np.isfinite(t)) and np.all(np.isfinite(y))):
        raise FerroKitInputError("time and temperature need ≥ 12 finite samples")
    if np.any(np.diff(t) <= 0):
        raise FerroKitInputError("time must increase strictly")
    if np.any(y <= 0):
        raise FerroKitInputError("temperature must be in K (> 0)")
    power = check_positive("laser_power", laser_power, unit="W")
    a_dec = check_range("absorbance", absorbance, 0.0, 10.0, low_inclusive=False)
    c = check_positive("heat_capacity", heat_capacity, unit="J/K")
    q0 = check_nonnegative("solvent_power", solvent_power, unit="W")
    idx = np.flatnonzero(on)
    if idx.size == 0:
        raise FerroKitInputError("laser_on is never true: no heating phase")
    i_on = int(idx[0])
    i_off = i_on
    while i_off < on.size and on[i_off]:
        i_off += 1
    if np.any(on[i_off:]):
        raise FerroKitInputError("laser_on must be one contiguous on-period followed by cooling")
    if t.size - i_off < 8:
        raise FerroKitInputError("the Roper method needs a cooling curve (≥ 8 samples after the laser is off)")
    if ambient is not None:
        t_surr = check_positive("ambient", ambient, unit="K")
    else:
        t_surr = float(np.mean(y[:i_on])) if i_on >= 3 else float(y[0])
    t_max = float(np.max(y[i_on:i_off]))
    if t_max - t_surr <= 0:
        raise FerroKitInputError("the sample does not warm above the surroundings; check the laser_on column")
    cool = (t >= t[i_off] + transient) if i_off < t.size else np.zeros_like(on)
    # the Box–Lucas fit expects a rising curve: fit the mirrored cooling curve −T(s) (same time constant)
    bl = box_lucas_fit(t[cool] - t[cool][0], -y[cool])
    if not (bl["k"] > 0):
        raise FerroKitInputError("the cooling curve does not decay exponentially; cannot find tau_s")
    tau = 1.0 / bl["k"]
    tau_se = bl["k_stderr"] / bl["k"] ** 2
    hs = c / tau
    absorbed = 1.0 - 10.0 ** (-a_dec)
    eta_r = (hs * (t_max - t_surr) - q0) / (power * absorbed)
    eb = energy_balance_fit(t, y, on, ambient=t_surr, transient=transient)
    p_abs = c * eb["rate"]
    eta_e = (p_abs - q0) / (power * absorbed)
    eta_e_se = c * eb["stderr"] / (power * absorbed)
    lam = eb["loss_rate"]
    plateau = (t_max - t_surr) / (eb["rate"] / lam) if lam > 0 else math.nan
    return PhotothermalEfficiency(eta_roper=float(eta_r), eta_energy_balance=float(eta_e),
                                  eta_energy_balance_stderr=float(eta_e_se), tau_s=float(tau),
                                  tau_s_stderr=float(tau_se), hs=float(hs), t_max=t_max, t_surr=float(t_surr),
                                  heat_capacity=c, absorbed_fraction=float(absorbed), laser_power=power,
                                  solvent_power=q0, plateau_fraction=float(plateau),
                                  loss_rate_energy_balance=float(lam))
