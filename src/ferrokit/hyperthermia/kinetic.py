"""Nonlinear superparamagnetic relaxation: the loss of a Langevin paramagnet driven beyond linear response.

Two kinetic models of the magnetisation m = M/Ms of particles with a single relaxation time τ (Néel ∥ Brown) in
a field :math:`H(t) = H_{max}\\sin\\omega t`, with :math:`\\xi = \\mu_0 M_s V H_{max}/(k_B T)` and
:math:`\\xi(t) = \\xi\\sin\\omega t`:

- ``"effective_field"`` (default; used by the unified SLP model): the effective-field relaxation equation of
  Martsenyuk, Raikher & Shliomis (MRSh; Sov. Phys. JETP 38 (1974) 413 — journal reference from memory,
  unverified; the MRSh equation itself seen-secondary: named as the framework of particle-rotation heating in
  Iszály et al., arXiv:2510.04361, and reviewed in Shliomis, "Ferrohydrodynamics: retrospective and issues"
  [seen-abstract]), in its collinear form re-derived here from the exact
  first-moment equation of rotational diffusion, :math:`\\tau\\,\\dot m = \\tfrac{\\xi(t)}{3}(1 - \\langle P_2
  \\rangle) - m`, closed with the equilibrium shape of the distribution at an effective field ξ_e
  (m = L(ξ_e), ⟨P2⟩ = 1 − 3L(ξ_e)/ξ_e):

  .. math:: \\frac{dm}{dt} = -\\frac{1}{\\tau}\\frac{L(\\xi_e)}{\\xi_e}\\,\\bigl(\\xi_e - \\xi(t)\\bigr),
            \\qquad m = L(\\xi_e).

  Its relaxation time depends on the field: τ_∥ = τ ξ_e L'(ξ_e)/L(ξ_e) (τ at ξ_e → 0, ≈ τ/ξ_e when
  saturated), which is why a saturated moment follows the field closely. Versus Fokker–Planck solutions the
  effective-field model is "an excellent approximation" for Brownian rotation in oscillating fields, while LRT
  holds only at very low fields and frequencies (comparison of approximate models with Fokker–Planck solutions,
  PubMed Central PMC4474943 [seen-abstract]).
- ``"debye"``: the phenomenological "dynamic Langevin" (nonlinear Debye) relaxation with a field-independent τ,

  .. math:: \\frac{dm}{dt} = \\frac{L(\\xi(t)) - m}{\\tau},

  [standard phenomenological model; studied e.g. by Ilg, arXiv:2504.18402 (2025) and Jánosfalvi, Hakl &
  de Châtel, arXiv:1201.5236 (2012), both seen-abstract]. Its limitation: the field dependence of τ is ignored.
  Being linear in m, only the first harmonic of L(ξ sin ωt) dissipates, so exactly
  :math:`A = \\pi L_1(\\xi)\\,\\omega\\tau/(1 + \\omega^2\\tau^2)` with
  :math:`L_1(\\xi) = \\tfrac{2}{\\pi}\\int_0^\\pi L(\\xi\\sin\\varphi)\\sin\\varphi\\,d\\varphi` (this work
  [computed]); :math:`L_1 \\ge L(\\xi)` (L1 → 4/π, L → 1 at ξ → ∞), so this model gives *more* loss than
  Rosensweig's chord-susceptibility LRT, up to 4/π — it does not describe the drop of the loss at high field.

Both give :math:`P = \\mu_0 f M_s H_{max} A` with :math:`A = -\\oint m\\,dh`, h = H/H_max, in the periodic steady
state, and reduce exactly to LRT (χ0 = μ0 Ms² V/(3 k_B T), P = μ0 π χ0 H² f ωτ/(1 + ω²τ²)) as ξ → 0.
Limits derived here and tested: ξ → ∞ at ωτ = 1, Debye: A → 4ωτ/(1 + ω²τ²) = 2 (square-wave drive);
quasi-static ωτ → 0: A = 2ωτ ξ ∫₀^π K(ξ sin φ) cos²φ dφ with K = L' (Debye) or K = x L'(x)²/L(x) (effective
field). Validity: dilute, non-interacting; one relaxation time per particle, i.e. no anisotropy-barrier structure
(the low-barrier regime KV/k_BT ≲ 4 where the moment diffuses almost freely; for higher barriers use
:func:`~ferrokit.hyperthermia.stoner_wohlfarth.master_equation_power`); inertia-free, no precession.
"""

from __future__ import annotations

import math

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_choice, check_range, scalar_or_array
from ferrokit.constants import MU_0
from ferrokit.magnetism import langevin_parameter

__all__ = ["RELAXATIONS", "kinetic_loop_area", "kinetic_power_density"]

#: Relaxation models of :func:`kinetic_power_density`.
RELAXATIONS = ("effective_field", "debye")

#: Default steps per half period (trapezoid/exponential integrator error ≈ 5e-5 at ξ ≤ 5, ≤ 0.7 % at ξ = 50).
KINETIC_STEPS = 128


def kinetic_loop_area(xi, omega_tau, *, relaxation: str = "effective_field", n_steps: int = KINETIC_STEPS):
    """Reduced loop area :math:`A = -\\oint m\\,dh` (m = M/Ms, h = H/H_max) in the periodic steady state.

    Parameters
    ----------
    xi : float or array_like
        ξ = μ0 Ms V H_max/(k_B T) (≥ 0; 0 gives 0).
    omega_tau : float or array_like
        2πfτ (> 0; ``inf`` gives 0). Broadcast with ``xi``.
    relaxation : {"effective_field", "debye"}
        Kinetic model (module docstring).
    n_steps : int
        Steps per half period, 16–20000.

    Returns
    -------
    float or ndarray
        A (dimensionless); LRT: πξ/3 · ωτ/(1 + ω²τ²).

    Examples
    --------
    >>> round(kinetic_loop_area(0.01, 1.0) / (math.pi * 0.01 / 6), 3)  # LRT at small ξ
    1.0
    >>> round(kinetic_loop_area(1e4, 1.0, relaxation="debye"), 2)  # square-wave limit 4ωτ/(1 + ω²τ²)
    2.0
    """
    from ferrokit.hyperthermia._sw_kernels import kinetic_areas

    relaxation = check_choice("relaxation", relaxation, RELAXATIONS)
    n_steps = int(check_range("n_steps", n_steps, 16, 20000))
    x = np.asarray(xi, dtype=float)
    a = np.asarray(omega_tau, dtype=float)
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise FerroKitInputError("xi must be finite and ≥ 0")
    if np.any(np.isnan(a)) or np.any(a <= 0):
        raise FerroKitInputError("omega_tau must be > 0 (inf allowed)")
    x, a = np.broadcast_arrays(x, a)
    out = np.empty(x.size)
    kinetic_areas(np.ascontiguousarray(x, dtype=float).ravel(), np.ascontiguousarray(a, dtype=float).ravel(),
                  relaxation == "effective_field", n_steps, out)
    return scalar_or_array(out.reshape(x.shape))


def loss_inputs(frequency, amplitude, ms_volume, tau) -> tuple[np.ndarray, ...]:
    """Validated arrays (f, H, Ms, τ) of the relaxation-loss models (here and in :mod:`ferrokit.hyperthermia.slp`)."""
    f = np.asarray(frequency, dtype=float)
    h = np.asarray(amplitude, dtype=float)
    ms = np.asarray(ms_volume, dtype=float)
    tau = np.asarray(tau, dtype=float)
    for name, arr in (("frequency", f), ("amplitude", h)):
        if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
            raise FerroKitInputError(f"{name} must be finite and > 0")
    if not np.all(np.isfinite(ms)) or np.any(ms < 0):
        raise FerroKitInputError("ms_volume must be finite and ≥ 0 A/m")
    if np.any(np.isnan(tau)) or np.any(tau <= 0):
        raise FerroKitInputError("tau must be > 0 s (inf allowed)")
    return f, h, ms, tau


def kinetic_power_density(*, frequency, amplitude, ms_volume, diameter, tau, temperature: float,
                          relaxation: str = "effective_field", n_steps: int = KINETIC_STEPS):
    """Power per unit volume of magnetic material [W/m³] of the nonlinear relaxation model, one particle size.

    .. math:: P = \\mu_0 f M_s H_{max} A(\\xi, \\omega\\tau), \\qquad
              \\xi = \\mu_0 M_s (\\pi d^3/6) H_{max}/(k_B T),

    with A from :func:`kinetic_loop_area`; same inputs as
    :func:`~ferrokit.hyperthermia.slp.lrt_power_density`, to which it reduces as ξ → 0. Inputs broadcast.

    Parameters
    ----------
    frequency, amplitude : float or array_like
        f [Hz], H_max [A/m] (> 0).
    ms_volume : float or array_like
        Ms [A/m] (≥ 0).
    diameter : float or array_like
        Magnetic (volume-equivalent) diameter [m].
    tau : float or array_like
        Relaxation time τ [s] (> 0, ``inf``: no loss), e.g. 1/τ = 1/τ_N + 1/τ_B.
    temperature : float
        T [K].
    relaxation : {"effective_field", "debye"}
        Kinetic model (module docstring).
    n_steps : int
        Steps per half period.

    Notes
    -----
    Cost ≈ 12 µs (Debye) and ≈ 45–60 µs (effective field) per case with numba (128 steps, 2–5 half-period
    passes to find the steady state). Status: equations as stated in the module docstring; the limits above are tested.

    Examples
    --------
    >>> p = kinetic_power_density(frequency=1e5, amplitude=1e3, ms_volume=4e5, diameter=10e-9,
    ...                           tau=1 / (2 * math.pi * 1e5), temperature=300.0)
    >>> round(p / 1e6, 3)  # ξ = 0.0636: LRT's 1.672
    1.672
    """
    f, h, ms, tau = loss_inputs(frequency, amplitude, ms_volume, tau)
    xi = langevin_parameter(1.0, diameter, h, temperature) * ms
    area = kinetic_loop_area(xi, 2.0 * math.pi * f * tau, relaxation=relaxation, n_steps=n_steps)
    p = MU_0 * f * h * ms * area
    return float(p) if np.ndim(p) == 0 else p
