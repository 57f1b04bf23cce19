"""Monte Carlo simulation of proton transverse relaxation around magnetised, water-impermeable spheres.

Algorithm (SCIENCE.md §2, "Monte Carlo recipe" [S]): non-overlapping spheres at random in a periodic box
sized for the volume fraction f; protons start uniformly outside the spheres and random-walk with per-axis
steps of variance σ² = 2DΔt (uniform on [−√3σ, √3σ]: the propagator is Gaussian after a few steps; we use it
because it is ten times cheaper to draw than a normal variate), reflect specularly at sphere surfaces, and
accumulate φ += Δω(x) Δt with the dipole field of every sphere and periodic image (see
:mod:`ferrokit.mri.montecarlo.geometry`). Ideal 180° pulses flip the phase sign: CPMG at τ_CP (2j+1), Hahn
at TE/2 (the Hahn echo at TE is φ(TE) − 2φ(TE/2) of the free phase, so one walk gives all TEs). The signal is
|⟨e^{iφ}⟩|; R2* (FID) or R2 (echoes) is the slope of −ln|S| over the fit window.

Closed forms it reproduces (tests/mri/test_montecarlo.py, docs/mri_montecarlo.md):

* motional averaging, Δω τ_D ≪ 1: R2 = R2* = (16/45) f τ_D Δω² (Gillis & Koenig, MRM 1987 5:323;
  Brooks, Moiny & Gillis, MRM 2001 45:1014) [S];
* static dephasing, Δω τ_D ≫ 1: R2* = 2π/(3√3) f Δω (Yablonskiy & Haacke, MRM 1994 32:749,
  doi:10.1002/mrm.1910320610) [V abstract],

with τ_D = R²/D and Δω = γ μ0 Ms/3 the equatorial shift. In MAR the simulated rate at fraction f is the
closed form × (1 + c f) (c ≈ −4: non-overlapping spheres, :func:`motional_averaging_fraction_term`) ×
(1 − 0.635 R/L) (the periodic box, :func:`motional_averaging_box_bias`); both are reported with every result.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.validation import (
    FerroKitInputError,
    check_choice,
    check_nonnegative,
    check_positive,
    check_range,
)
from ferrokit.mri.montecarlo import _kernels as K
from ferrokit.mri.montecarlo._walk import walk
from ferrokit.mri.montecarlo.geometry import (
    GRID_POINTS_PER_CUTOFF,
    MAX_VOLUME_FRACTION,
    FieldModel,
    SpherePacking,
    build_field_model,
    random_sphere_packing,
)

SEQUENCES = ("fid", "hahn", "cpmg")
#: Most time steps one walk may take.
MAX_STEPS = 5_000_000
SDR_COEFF = 2.0 * math.pi / (3.0 * math.sqrt(3.0))
MAR_COEFF = 16.0 / 45.0


@dataclass(frozen=True)
class DecayFit:
    """Slope fit of −ln|S| = rate·t + c over ``window`` [s]: rate [s⁻¹], its regression stderr, points used."""

    rate: float
    stderr: float
    intercept: float
    window: tuple[float, float]
    n_points: int


def fit_decay(times, signal, *, t_start: float = 0.0, floor: float = 0.0, model: str = "linear") -> DecayFit:
    """Fit ln|S(t)| = c − R t to the points with t ≥ t_start and |S| > floor, weighting by |S|² (the
    variance of ln|S| from N protons is ≈ 1/(2N|S|²)).

    ``model="diffusion_tail"`` fits ln|S| = c + b√t − R t instead: in motional averaging the field correlation
    function of free diffusion decays as t^{-3/2}, so the FID rate approaches R2 as R2 − b/(2√t) and
    −ln|S| = R2 t − b√t + c at long times *[computed: integrate ∫_0^t (t − s) C(s) ds with C ∝ s^{-3/2}]*.
    It removes the slow approach at the price of a larger statistical error.

    >>> t = np.linspace(0, 1, 11)
    >>> round(fit_decay(t, 0.9 * np.exp(-3 * t)).rate, 12)
    3.0
    """
    t = np.asarray(times, dtype=float)
    s = np.abs(np.asarray(signal))
    keep = (t >= t_start) & (s > floor) & (s > 0)
    # stop at the first point below the floor: later points are noise
    below = np.nonzero((t >= t_start) & ~((s > floor) & (s > 0)))[0]
    if below.size:
        keep &= np.arange(t.size) < below[0]
    if np.count_nonzero(keep) < 3:
        raise FerroKitInputError(
            "too few signal points above the noise floor to fit a decay: lengthen the duration, add protons, "
            "or shorten the sample interval")
    check_choice("model", model, ("linear", "diffusion_tail"))
    tt, y, wgt = t[keep], np.log(s[keep]), s[keep] ** 2
    cols = [np.ones_like(tt), -tt] + ([np.sqrt(tt)] if model == "diffusion_tail" else [])
    if tt.size < len(cols) + 1:
        raise FerroKitInputError("too few signal points above the noise floor to fit a decay")
    a = np.vstack(cols).T * np.sqrt(wgt)[:, None]
    coef, *_ = np.linalg.lstsq(a, y * np.sqrt(wgt), rcond=None)
    resid = y - (np.vstack(cols).T @ coef)
    dof = max(1, tt.size - len(cols))
    cov = np.linalg.inv(a.T @ a) * float(np.sum(wgt * resid**2) / dof)
    return DecayFit(rate=float(coef[1]), stderr=float(math.sqrt(max(cov[1, 1], 0.0))), intercept=float(coef[0]),
                    window=(float(tt[0]), float(tt[-1])), n_points=int(tt.size))


@dataclass(frozen=True, eq=False)
class MonteCarloResult:
    """Result of :func:`simulate_relaxation` (all SI).

    Attributes
    ----------
    sequence : str
        ``fid`` (rate is R2*), ``hahn`` or ``cpmg`` (rate is R2).
    times : ndarray
        Sample times [s] of the FID and CPMG signals.
    fid, cpmg : ndarray (complex)
        ⟨e^{iφ}⟩ at ``times``, averaged over all protons and configurations (cpmg is the FID when no echo
        spacing was given).
    echo_times, echo_amplitudes : ndarray
        The echo train used for the fit: CPMG echoes at 2jτ_CP, Hahn echoes at TE = t_{2j}, or the FID samples.
    rate, rate_stderr : float
        Mean fitted R2 or R2* over configurations [s⁻¹] and its standard error (std/√n over configurations,
        or the regression stderr when there is one configuration).
    rates : ndarray
        Fitted rate of each configuration [s⁻¹].
    parameters, convergence, theory : dict
        Inputs; convergence controls (σ/R, Δω Δt, cutoff, box, grid, counts, timing, and for motional
        averaging the relative box bias ``mar_box_bias`` and O(f) term ``mar_volume_fraction_term``); closed-form
        MAR (also with its O(f) term) and SDR rates for the same inputs.
    """

    sequence: str
    times: np.ndarray
    fid: np.ndarray
    cpmg: np.ndarray
    echo_times: np.ndarray
    echo_amplitudes: np.ndarray
    rate: float
    rate_stderr: float
    rates: np.ndarray
    fit_window: tuple[float, float]
    parameters: dict[str, Any] = field(default_factory=dict)
    convergence: dict[str, Any] = field(default_factory=dict)
    theory: dict[str, float] = field(default_factory=dict)
    mean_square_displacement: np.ndarray | None = None

    @property
    def rate_name(self) -> str:
        return "R2*" if self.sequence == "fid" else "R2"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON summary: SI values with unit names."""

        def q(v, unit):
            return {"value": float(v), "unit": unit}

        return {
            "model": "Monte Carlo random walk among magnetised impermeable spheres",
            "sequence": self.sequence,
            "rate_name": self.rate_name,
            "rate": {"value": self.rate, "stderr": self.rate_stderr, "unit": "1/s"},
            "rates_per_configuration": {"value": self.rates.tolist(), "unit": "1/s"},
            "fit_window": {"value": list(self.fit_window), "unit": "s"},
            "theory": {k: q(v, "1/s") if k.startswith("r2") else q(v, "1") for k, v in self.theory.items()},
            "parameters": self.parameters,
            "convergence": self.convergence,
            "signal": {
                "times": {"value": self.times.tolist(), "unit": "s"},
                "fid_magnitude": {"value": np.abs(self.fid).tolist(), "unit": "1"},
                "echo_times": {"value": self.echo_times.tolist(), "unit": "s"},
                "echo_magnitude": {"value": np.abs(self.echo_amplitudes).tolist(), "unit": "1"},
            },
        }

    def plot(self, ax=None):
        """Plot |S| of the FID, the CPMG signal and the fitted echo train (log scale); returns the axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6.4, 4.2))
        scale, unit = (1e3, "ms") if self.times[-1] >= 1e-3 else (1e6, "µs")
        t_ms = self.times * scale
        ax.semilogy(t_ms, np.abs(self.fid), color="0.5", lw=1, label="FID |S|")
        if self.sequence == "cpmg":
            ax.semilogy(t_ms, np.abs(self.cpmg), color="C0", lw=0.8, alpha=0.7, label="CPMG |S|")
        if self.sequence != "fid":
            ax.semilogy(self.echo_times * scale, np.abs(self.echo_amplitudes), "o", ms=3, color="C1",
                        label=f"{self.sequence.upper()} echoes")
        t0, t1 = self.fit_window
        tf = np.linspace(t0, t1, 50)
        amp = np.abs(self.fid if self.sequence == "fid" else self.echo_amplitudes)
        tt = self.times if self.sequence == "fid" else self.echo_times
        i0 = int(np.argmin(np.abs(tt - t0)))
        ax.semilogy(tf * scale, amp[i0] * np.exp(-self.rate * (tf - tt[i0])), "k--", lw=1,
                    label=f"fit {self.rate_name} = {self.rate:.4g} ± {self.rate_stderr:.2g} s⁻¹")
        ax.set_xlabel(f"time [{unit}]")
        ax.set_ylabel("|signal|")
        ax.set_ylim(max(1e-3, float(np.nanmin(np.abs(self.fid))) * 0.8), 1.05)
        ax.legend(fontsize=8)
        return ax


def _int(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise FerroKitInputError(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    return int(value)


#: Σ'_n P2(n_z/|n|)²/|n|² − ∫ d³n P2(n_z/|n|)²/|n|² over the simple-cubic lattice n ∈ Z³, n ≠ 0 (sum and integral
#: damped by e^{−a n²}, a → 0) *[computed; recomputed in tests/mri/test_montecarlo.py]*.
CUBIC_LATTICE_P2_SUM = -0.53159
#: Motional averaging in a periodic cube of edge L (B0 along an edge): R2(L)/R2(∞) = 1 + MAR_BOX_COEFF R/L.
MAR_BOX_COEFF = 15.0 * CUBIC_LATTICE_P2_SUM / (4.0 * math.pi)


def motional_averaging_box_bias(box_over_radius: float) -> float:
    """Relative error of the motional-averaging R2 from the periodic box alone: MAR_BOX_COEFF · R/L ≈ −0.635 R/L.

    In MAR, R2 = ∫⟨Δω(0)Δω(t)⟩dt = (n/D) ∫ d³k/(2π)³ |ω_k|²/k² (free-diffusion propagator; n the sphere number
    density, ω_k the Fourier transform of one sphere's field, ω_k → −(8π/3) Δω R³ P2(k_z/k) as k → 0). A periodic
    cube replaces the integral by the sum over k = 2πn/L, n ≠ 0. The difference comes from k ≲ 2π/L, where
    |ω_k|² is at its k → 0 value, so

    .. math:: \\frac{\\Delta R_2}{R_2} = \\frac{(n/D)(64\\pi^2/9)\\Delta\\omega^2 R^6\\, S/(4\\pi^2 L)}
              {(16/45) f \\tau_D \\Delta\\omega^2} = \\frac{15 S}{4\\pi}\\frac{R}{L}

    with S = :data:`CUBIC_LATTICE_P2_SUM` *[computed]*: −0.85 % at the default 2000 spheres and f = 0.02
    (L = 75 R). The reflecting sphere surfaces change |ω_k|² only at k ~ 1/R, not this long-wavelength part.

    >>> round(motional_averaging_box_bias(75.0), 4)
    -0.0085
    """
    return MAR_BOX_COEFF / check_positive("box_over_radius", box_over_radius)


#: Leading volume-fraction term of motional averaging from the sphere–sphere exclusion alone (pair correlation
#: g(r) = 0 for r < 2R): R2 changes by −8f · 9/16 of the free-diffusion value (8/25) f τ_D Δω², i.e. by
#: −4.5 f · (8/25)/(16/45) = −4.05 f of the closed form *[computed; see motional_averaging_fraction_term]*.
MAR_PAIR_EXCLUSION_COEFF = -4.5 * (8.0 / 25.0) / MAR_COEFF
#: The whole O(f) term as measured by this simulator: weighted fit of MC/(closed form × (1 + box bias)) = 1 + c f
#: over f = 0.005–0.04 at Δω τ_D = 0.3 and 0.15 (2000 spheres; c = −3.96 ± 0.29, χ² = 5.8 for 4 degrees of
#: freedom; benchmarks/results/montecarlo_validation_mar_fraction.json) *[computed]*.
MAR_FRACTION_COEFF = -4.0
MAR_FRACTION_COEFF_STDERR = 0.3


def motional_averaging_fraction_term(volume_fraction: float) -> float:
    """Relative O(f) term of motional-averaging R2 among non-overlapping spheres: R2(f) ≈ R2_MAR (1 + c f).

    The closed form (16/45) f τ_D Δω² is the dilute limit (independent spheres). Impermeable spheres cannot
    overlap, so their density fluctuations are suppressed at wavelengths ≲ 2R: with the low-density pair
    correlation, S(k) − 1 = −8f · 3j₁(2kR)/(2kR), and the free-diffusion spectral weight (j₁(kR)/kR)²,

    .. math:: \\frac{\\Delta R_2}{R_2^{free}} = -8f\\,
              \\frac{\\int_0^\\infty (j_1(x)/x)^2\\, 3j_1(2x)/(2x)\\, dx}{\\int_0^\\infty (j_1(x)/x)^2 dx}
              = -8f \\cdot \\frac{9}{16} = -4.5 f,

    −4.05 f of the (reflecting-surface) closed form (:data:`MAR_PAIR_EXCLUSION_COEFF`) *[computed]*. Smaller
    terms of the opposite sign (other spheres obstruct diffusion, and they exclude water less near a sphere
    than in the bulk) are not derived here; the simulator measures the total c = :data:`MAR_FRACTION_COEFF`
    ± :data:`MAR_FRACTION_COEFF_STDERR` *[computed]*, which is what this returns (c f). It is physics of a
    suspension at fraction f, not a simulation error: the dilute closed form holds as f → 0.

    >>> round(motional_averaging_fraction_term(0.02), 3)
    -0.08
    """
    return MAR_FRACTION_COEFF * check_positive("volume_fraction", volume_fraction)


def default_cutoff(radius: float, volume_fraction: float) -> float:
    """Default support a of the field split's screening charge [m]: R·max(3, 0.65 f^{-1/3}).

    ≈ 0.3 spheres within a; a fixed fraction of the box (L/a ≈ 31 at 2000 spheres), so the long-range grid has
    ≈ 125³ records (128 MB) at the default 2000 spheres whatever f. A smaller a leaves fewer spheres in the
    short-range sum at the cost of grid memory (f = 0.01, 1 thread, ns per proton-step: a = 3 R 17.2, 3.5 R 18.7,
    f^{-1/3} R = 4.6 R 22.0, medians of 5 alternating runs on a busy host); the field itself does not depend
    on a (exact split)."""
    return radius * max(3.0, 0.65 * volume_fraction ** (-1.0 / 3.0))


def neighbour_skin(cutoff: float, sigma: float) -> float:
    """Neighbour-list skin [m]: max(0.75 a, 3√3 σ), the least skin of any list (each list's own skin reaches to the
    nearest image it leaves out, 1.25 × this on average at the defaults). Lists are rebuilt after a displacement of
    one skin, i.e. every ≳ (skin/σ)²/3 steps (≈ 40 at the defaults); longer lists cost little in the lane walker
    (a list level with no lane inside the cutoff skips the division and square root). Measured at f = 0.01,
    a = 3 R, 1 thread: 0.6 a 15.6, 0.75 a 14.6, 0.9 a 15.0, 1.1 a 15.1 ns per proton-step (docs/mri_montecarlo.md,
    Performance)."""
    return max(0.75 * cutoff, 3.0 * math.sqrt(3.0) * sigma)


def theory_rates(*, radius: float, volume_fraction: float, delta_omega: float, diffusion: float) -> dict[str, float]:
    """Closed-form MAR R2 and SDR R2* [s⁻¹] and Δω τ_D (computed here, independently of mri.relaxivity).

    ``r2_motional_averaging_at_fraction`` is the MAR form with its O(f) term,
    R2_MAR (1 + :func:`motional_averaging_fraction_term`).
    """
    tau_d = radius**2 / diffusion if diffusion > 0 else math.inf
    mar = MAR_COEFF * volume_fraction * tau_d * delta_omega**2 if diffusion > 0 else math.inf
    return {"r2_motional_averaging": mar,
            "r2_motional_averaging_at_fraction": mar * (1.0 + motional_averaging_fraction_term(volume_fraction)),
            "r2star_static_dephasing": SDR_COEFF * volume_fraction * delta_omega,
            "delta_omega_tau_d": delta_omega * tau_d}


def simulate_relaxation(
    *,
    radius: float,
    volume_fraction: float,
    delta_omega: float,
    diffusion: float,
    duration: float,
    sequence: str = "fid",
    echo_spacing: float | None = None,
    n_protons: int = 10_000,
    n_configurations: int = 4,
    n_spheres: int = 2000,
    dt: float | None = None,
    step_fraction: float = 0.2,
    cutoff: float | None = None,
    points_per_cutoff: float = GRID_POINTS_PER_CUTOFF,
    n_samples: int = 200,
    fit_start: float | None = None,
    rng: RngLike = None,
    progress: Callable[[int, int], None] | None = None,
    overlapping: bool = False,
) -> MonteCarloResult:
    """Simulate the FID, Hahn-echo or CPMG signal of water diffusing among magnetised spheres; fit R2/R2*.

    Parameters
    ----------
    radius : float
        Water-impermeable sphere radius R [m], 0.1 nm – 100 µm.
    volume_fraction : float
        Magnetic (sphere) volume fraction f, (0, 0.3].
    delta_omega : float
        Equatorial frequency shift Δω = γ μ0 Ms/3 [rad/s], > 0.
    diffusion : float
        Water self-diffusion coefficient D [m²/s], ≥ 0 (0: static dephasing).
    duration : float
        Simulated time [s].
    sequence : {"fid", "hahn", "cpmg"}
        Which signal is fitted: FID → R2*; Hahn echoes (all TE ≤ duration) or the CPMG echo train → R2.
    echo_spacing : float, optional
        CPMG echo spacing 2τ_CP [s]; required for ``cpmg``.
    n_protons : int
        Protons per configuration.
    n_configurations : int
        Independent sphere packings; the rate stderr is the spread over them.
    n_spheres : int
        Spheres per box (sets the box size L = (n 4πR³/3f)^{1/3}).
    dt : float, optional
        Time step [s]; default: σ = √(2DΔt) = ``step_fraction`` R, capped so that Δω Δt ≤ 0.1.
    cutoff : float, optional
        Support a [m] of the screening charge of the field split (the short-range part is exactly zero beyond
        it); default R·max(3, 0.65 f^{-1/3}) (:func:`default_cutoff`). The long-range grid carries the rest, so a
        trades short-range work for grid memory ((4L/a)³ records of 64 bytes), not accuracy.
    points_per_cutoff : float
        Long-range grid points per cutoff radius, h = a/points_per_cutoff, in [2, 16] (accuracy: the rms error
        of the total field is ≈ 0.5 % of its rms at 4, ≈ 0.3 % at 5; the grid holds (L/h)³ 64-byte records).
    n_samples : int
        Number of signal samples over ``duration`` (rounded so that the samples fall on time steps).
    fit_start : float, optional
        Start of the fit window [s]; default min(10 τ_D, 3/Δω), capped at duration/3.
    rng : Generator, int or None
        Random source (sphere packings, starting positions, and the seeds of the walkers' streams).
    progress : callable, optional
        Called as ``progress(done, total)`` after each configuration.
    overlapping : bool
        Place the sphere centres independently (overlaps allowed) instead of as non-overlapping spheres: no
        sphere–sphere pair correlation, so in MAR the dilute closed form holds at finite f (checks the simulator;
        real particles do not overlap).

    Returns
    -------
    MonteCarloResult
    """
    radius = check_positive("radius", radius, unit="m")
    if not 1e-10 <= radius <= 1e-4:
        raise FerroKitInputError(f"radius must lie in [0.1 nm, 100 µm], got {radius:g} m")
    f = check_positive("volume_fraction", volume_fraction)
    if f > MAX_VOLUME_FRACTION:
        raise FerroKitInputError(f"volume_fraction must lie in (0, {MAX_VOLUME_FRACTION}], got {f:g}")
    dw = check_positive("delta_omega", delta_omega, unit="rad/s")
    d = check_nonnegative("diffusion", diffusion, unit="m2/s")
    duration = check_positive("duration", duration, unit="s")
    sequence = check_choice("sequence", sequence, SEQUENCES)
    n_protons = _int("n_protons", n_protons, 10, 10**8)
    n_configurations = _int("n_configurations", n_configurations, 1, 1000)
    n_spheres = _int("n_spheres", n_spheres, 10, 10**6)
    n_samples = _int("n_samples", n_samples, 10, 100_000)
    step_fraction = check_positive("step_fraction", step_fraction)
    if step_fraction > 0.5:
        raise FerroKitInputError(f"step_fraction must lie in (0, 0.5] (σ ≪ R), got {step_fraction:g}")
    points_per_cutoff = check_range("points_per_cutoff", points_per_cutoff, 2.0, 16.0)
    if sequence == "cpmg":
        if echo_spacing is None:
            raise FerroKitInputError("echo_spacing is required for the cpmg sequence")
        echo_spacing = check_positive("echo_spacing", echo_spacing, unit="s")
        if echo_spacing > duration:
            raise FerroKitInputError(f"echo_spacing ({echo_spacing:g} s) must not exceed duration ({duration:g} s)")
    elif echo_spacing is not None:
        echo_spacing = check_positive("echo_spacing", echo_spacing, unit="s")

    # ---- time step: σ = step_fraction R and Δω Δt ≤ 0.1 ------------------------------------------------------
    if dt is None:
        dt_max = 0.1 / dw
        if d > 0:
            dt_max = min(dt_max, (step_fraction * radius) ** 2 / (2 * d))
    else:
        dt_max = check_positive("dt", dt, unit="s")
    sample_interval = duration / n_samples
    if echo_spacing is not None:  # samples and pulses on the step grid: τ_CP = n_tau Δt, sample = k Δt
        tau = echo_spacing / 2
        n_tau = max(1, math.ceil(tau / dt_max))
        step = tau / n_tau
        sample_every = max(1, round(sample_interval / step))
        if sample_every > n_tau:
            sample_every = n_tau
        while n_tau % sample_every:
            sample_every -= 1
    else:
        n_tau = 0
        sample_every = max(1, math.ceil(sample_interval / dt_max))
        step = sample_interval / sample_every
    n_steps = sample_every * math.ceil(duration / (sample_every * step) - 1e-9)
    n_samp = n_steps // sample_every + 1
    n_echoes = (n_steps // (2 * n_tau) + 1) if n_tau else 0
    sigma = math.sqrt(2 * d * step)
    if sigma > 0.5 * radius:
        raise FerroKitInputError(
            f"the diffusion step σ = √(2DΔt) = {sigma / radius:.3g} R must stay ≤ 0.5 R: lower dt")
    if n_steps > MAX_STEPS or n_steps * n_protons * n_configurations > 1e12:
        raise FerroKitInputError(
            f"{n_steps} time steps (Δt = {step:.3g} s) × {n_protons} protons × {n_configurations} configurations is "
            f"too much work (at most {MAX_STEPS:.0e} steps, 1e12 proton-steps): shorten the duration")

    cutoff_r = default_cutoff(radius, f) if cutoff is None else check_positive("cutoff", cutoff)
    if not radius + 3 * sigma < cutoff_r:
        raise FerroKitInputError(f"cutoff must exceed R + 3σ = {(radius + 3 * sigma):g} m, got {cutoff_r:g} m")
    skin = neighbour_skin(cutoff_r, sigma)
    tau_d = radius**2 / d if d > 0 else math.inf
    if fit_start is None:
        fit_start = min(10 * tau_d, 3.0 / dw)
    fit_start = min(check_nonnegative("fit_start", fit_start, unit="s"), duration / 3)

    gen = as_rng(rng)
    times = np.arange(n_samp) * sample_every * step
    fid_all = np.zeros((n_configurations, n_samp), dtype=complex)
    cpmg_all = np.zeros_like(fid_all)
    hahn_all = np.zeros_like(fid_all)
    echo_all = np.zeros((n_configurations, n_echoes), dtype=complex)
    msd = np.zeros(n_samp)
    rates, errs, windows = [], [], []
    geo: dict[str, Any] = {}
    t_walk = 0.0
    for c in range(n_configurations):
        packing = random_sphere_packing(radius=radius, volume_fraction=f, n_spheres=n_spheres, rng=gen,
                                        overlapping=overlapping)
        model = build_field_model(packing, cutoff=cutoff_r, skin=skin, points_per_cutoff=points_per_cutoff)
        pos0 = starting_positions(packing, n_protons, gen)
        seed = np.uint64(gen.integers(0, 2**63, dtype=np.int64))
        t0 = time.perf_counter()
        out = run_walk(model, pos0, seed, sigma=sigma, phase_per_step=dw * step, n_steps=n_steps,
                       sample_every=sample_every, n_tau=n_tau, n_echoes=n_echoes)
        t_walk += time.perf_counter() - t0
        fid_all[c], cpmg_all[c], hahn_all[c], echo_all[c] = out["fid"], out["cpmg"], out["hahn"], out["echoes"]
        msd += out["msd"] / n_configurations
        et, ea = _fit_series(sequence, times, out["fid"], out["hahn"], out["echoes"], n_tau * step)
        fit = fit_decay(et, ea, t_start=fit_start, floor=3.0 / math.sqrt(n_protons))
        rates.append(fit.rate)
        errs.append(fit.stderr)
        windows.append(fit.window)
        geo = {"box_over_radius": packing.box / radius, "n_spheres": packing.n_spheres,
               "grid_points_per_side": model.grid_points,
               "grid_spacing_over_radius": model.grid_spacing / radius,
               "neighbour_list_capacity": model.list_cap}
        if progress is not None:
            progress(c + 1, n_configurations)

    fid = fid_all.mean(axis=0)
    cpmg = cpmg_all.mean(axis=0)
    echo_t, echo_a = _fit_series(sequence, times, fid, hahn_all.mean(axis=0), echo_all.mean(axis=0), n_tau * step)
    rates_arr = np.array(rates)
    rate = float(rates_arr.mean())
    rate_err = float(rates_arr.std(ddof=1) / math.sqrt(n_configurations)) if n_configurations > 1 else errs[0]
    window = (min(w[0] for w in windows), max(w[1] for w in windows))
    steps_total = n_steps * n_protons * n_configurations
    conv = {
        "dt": {"value": step, "unit": "s"},
        "n_steps": n_steps,
        "sigma_over_radius": sigma / radius,
        "delta_omega_dt": dw * step,
        "cutoff_over_radius": cutoff_r / radius,
        "neighbour_skin_over_radius": skin / radius,
        **geo,
        "n_protons": n_protons,
        "n_configurations": n_configurations,
        "proton_steps": steps_total,
        "walk_seconds": t_walk,
        "proton_steps_per_second": steps_total / t_walk if t_walk > 0 else math.inf,
        "rate_stderr_over_configurations": rate_err,
        "rate_relative_stderr": rate_err / rate if rate else math.inf,
        "fit_start": {"value": fit_start, "unit": "s"},
        "noise_floor": 3.0 / math.sqrt(n_protons),
        # motional averaging only (Δω τ_D ≪ 1): relative bias of the rate from the periodic box, and the O(f)
        # term by which a suspension at this f differs from the dilute closed form (physics, not an error)
        "mar_box_bias": motional_averaging_box_bias(geo["box_over_radius"]),
        "mar_volume_fraction_term": 0.0 if overlapping else motional_averaging_fraction_term(f),
    }
    params = {
        "radius": {"value": radius, "unit": "m"},
        "volume_fraction": {"value": f, "unit": "1"},
        "delta_omega": {"value": dw, "unit": "rad/s"},
        "diffusion": {"value": d, "unit": "m2/s"},
        "duration": {"value": n_steps * step, "unit": "s"},
        "echo_spacing": {"value": 2 * n_tau * step if n_tau else None, "unit": "s"},
        "sequence": sequence,
        "overlapping_spheres": bool(overlapping),
    }
    return MonteCarloResult(
        sequence=sequence, times=times, fid=fid, cpmg=cpmg, echo_times=echo_t, echo_amplitudes=echo_a, rate=rate,
        rate_stderr=rate_err, rates=rates_arr, fit_window=window, parameters=params, convergence=conv,
        theory=theory_rates(radius=radius, volume_fraction=f, delta_omega=dw, diffusion=d),
        mean_square_displacement=msd,
    )


def _fit_series(sequence, times, fid, hahn, echoes, tau_cp):
    if sequence == "fid":
        return times, fid
    if sequence == "hahn":
        return times[::2], hahn[::2]
    return np.arange(echoes.size) * 2 * tau_cp, echoes


def starting_positions(packing: SpherePacking, n: int, rng: RngLike = None) -> np.ndarray:
    """``n`` positions uniform in the box and outside every sphere (rejection sampling)."""
    gen = as_rng(rng)
    out = np.empty((0, 3))
    box, r2 = packing.box, packing.radius**2
    # exact rejection test against the spheres through a coarse cell search (vectorised by chunks)
    while out.shape[0] < n:
        cand = gen.uniform(0.0, box, size=(max(2 * (n - out.shape[0]), 64), 3))
        keep = np.ones(len(cand), dtype=bool)
        for start in range(0, packing.n_spheres, 256):
            d = cand[:, None, :] - packing.centers[None, start:start + 256, :]
            d -= box * np.rint(d / box)
            keep &= ~np.any(np.einsum("ijk,ijk->ij", d, d) < r2, axis=1)
        out = np.concatenate([out, cand[keep]])
    return np.ascontiguousarray(out[:n])


def run_walk(model: FieldModel, pos0: np.ndarray, seed, *, sigma: float, phase_per_step: float, n_steps: int,
             sample_every: int, n_tau: int, n_echoes: int) -> dict[str, np.ndarray]:
    """Run the compiled walker for one configuration: mean complex signals, mean |Δr|², final positions.

    Requires R + 3σ < cutoff (the largest step is 3σ): the walker's neighbour lists rely on it."""
    if not model.packing.radius + 3.0 * sigma < model.cutoff:
        raise FerroKitInputError(f"the walker needs R + 3σ < cutoff, got R = {model.packing.radius:g}, "
                                 f"σ = {sigma:g}, cutoff = {model.cutoff:g}")
    n_samp = n_steps // sample_every + 1
    fid = np.zeros((K.N_CHUNKS, n_samp, 2))
    cpmg = np.zeros_like(fid)
    hahn = np.zeros_like(fid)
    echoes = np.zeros((K.N_CHUNKS, n_echoes, 2))
    msd = np.zeros((K.N_CHUNKS, n_samp))
    pos_out = np.empty_like(pos0)
    p = model.packing
    walk(np.ascontiguousarray(pos0, dtype=float), np.uint64(seed), p.centers, p.box, p.radius, model.ncell,
         *model.stencils, model.list_cap, model.cutoff**2, model.skin, model.near_coef, model.taylor.reshape(-1),
         model.grid_points, model.grid_spacing, math.sqrt(3.0) * sigma, phase_per_step, n_steps, sample_every, n_tau,
         fid, cpmg, hahn, echoes, msd, pos_out)
    n = pos0.shape[0]

    def c(a):
        s = a.sum(axis=0)
        return (s[:, 0] + 1j * s[:, 1]) / n

    return {"fid": c(fid), "cpmg": c(cpmg), "hahn": c(hahn), "echoes": c(echoes), "msd": msd.sum(axis=0) / n,
            "positions": pos_out}
