"""Outer-sphere relaxation of water protons by superparamagnetic particles: r1 and r2 versus field.

Model (Roch, Muller & Gillis, "Theory of proton relaxation induced by superparamagnetic particles",
J. Chem. Phys. 110 (1999) 5403, doi:10.1063/1.478435), isotropic-moment (zero-anisotropy) limit. Water diffuses
(coefficient D) around impermeable spheres of radius R (closest approach), each carrying a moment of magnitude μ
in the field B0. With x = μ B0/(k_B T), L the Langevin function and Q = 1 − L² − 2L/x,

.. math::

    R_1 &= K \\left[ 7\\frac{L}{x} J_F(\\omega_S) + 3 Q\\, J_F(\\omega_I) + 3 L^2 J_A(\\omega_I) \\right] \\\\
    R_2 &= \\frac{K}{2} \\left[ 13\\frac{L}{x} J_F(\\omega_S) + 3 Q\\, J_F(\\omega_I) + 4 Q\\, J_F(0)
           + 3 L^2 J_A(\\omega_I) + 4 L^2 J_A(0) \\right] \\\\
    K &= \\frac{32\\pi}{135} \\left(\\frac{\\mu_0}{4\\pi}\\right)^2 \\gamma_I^2 \\mu^2 \\frac{n}{R D}

with n the number density of particles, ω_I = γ_I B0 the proton and ω_S = γ_e B0 the electron Larmor
frequencies, τ_D = R²/D, τ_N the Néel time, and the spectral densities normalised to J(0) = 1 (τ_N → ∞):

.. math::

    J_F(\\omega) = \\mathrm{Re}\\frac{1 + \\Omega^{1/2}/4}{1 + \\Omega^{1/2} + 4\\Omega/9 + \\Omega^{3/2}/9},
    \\quad \\Omega = i\\omega\\tau_D + \\tau_D/\\tau_N; \\qquad J_A(\\omega) = J_F(\\omega; \\tau_N\\to\\infty).

The L² terms are the **Curie** contribution (the mean moment μ L(x) along B0, modulated only by diffusion, Ayant
spectral density); the Q and L/x terms are the **Néel** contributions (longitudinal and precessing transverse
fluctuations of the moment, Freed spectral density).

What is derived here and what was read
--------------------------------------
* **Derived** (docs/mri.md gives the steps): the weights 3, 3, 7 (R1) and 4, 3, 4, 3, 13 (R2) and the
  prefactor 32π/135 follow from the classical local-field Redfield rates R1 = γ²[j_xx + j_yy](ω_I),
  R2 = γ²[j_zz(0) + ½(j_xx + j_yy)(ω_I)] with the dipole field of a moment whose mean is μL along B0, whose
  longitudinal fluctuation ⟨δμ_z²⟩ = μ²Q relaxes with τ_N and whose transverse part ⟨μ_x²⟩ = μ²L/x precesses at ω_S,
  and from the diffusion propagator outside a reflecting sphere: its zero-frequency integral is (4/9)τ_D times
  the t = 0 value (solved in closed form), and its frequency dependence is the normalised J_F above (checked
  against a direct numerical solution of the radial diffusion equation in tests/mri/test_outer_sphere.py).
* **Consistent with what was read** [U/S]: the resulting weights (7, 3, 3 in R1 with 32π/135000 when C is in
  mol/L and CGS units; 16π/135000 in R2) match the RMG structure as transcribed in reviews (Laurent et al.,
  Chem. Rev. 108 (2008) 2064, doi:10.1021/cr068445e) and in SCIENCE.md §2; the Freed density form is [S].
* **Checked limits**: B0 → 0 gives R1 = R2 (isotropy); ω_I τ_D ≫ 1 and L → 1 give R2 = 2K =
  (16/45) f τ_D Δω² with Δω = γ μ0 M/3, the motional-averaging result.
* **Not implemented**: RMG's anisotropy-energy weighting (the P/Q mixing of the high- and zero-anisotropy
  limits) and the paper's empirical treatment of polydispersity. Using an Arrhenius τ_N with zero-anisotropy
  weights is an approximation; at clinical fields (x ≫ 1) the Néel terms are small and the Curie term dominates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import constants as _c

from ferrokit._shared.validation import FerroKitInputError, check_nonnegative, check_positive
from ferrokit.constants import GAMMA_PROTON, K_B, MU_0
from ferrokit.magnetism import langevin

__all__ = [
    "GAMMA_ELECTRON",
    "OuterSphereRates",
    "ayant_spectral_density",
    "freed_spectral_density",
    "outer_sphere_rates",
]

#: Electron gyromagnetic ratio |γ_e| [rad s⁻¹ T⁻¹] (CODATA 2018 via scipy), sets ω_S = γ_e B0 (≈ 658.2 ω_I).
GAMMA_ELECTRON: float = abs(_c.physical_constants["electron gyromag. ratio"][0])


def _spectral(omega_tau_d, tau_d_over_tau_n) -> np.ndarray:
    om = np.asarray(omega_tau_d, dtype=float) * 1j + tau_d_over_tau_n
    s = np.sqrt(om)
    return np.real((1.0 + s / 4.0) / (1.0 + s + 4.0 * om / 9.0 + s * om / 9.0))


def freed_spectral_density(omega, tau_d: float, tau_n: float = math.inf):
    """Normalised Freed spectral density J_F(ω) for translational diffusion with moment relaxation.

    .. math:: J_F = \\mathrm{Re}\\frac{1 + \\Omega^{1/2}/4}{1 + \\Omega^{1/2} + 4\\Omega/9 + \\Omega^{3/2}/9},
              \\quad \\Omega = i\\omega\\tau_D + \\tau_D/\\tau_N

    (J. H. Freed, J. Chem. Phys. 68 (1978) 4034, doi:10.1063/1.436302 [S, form as used by RMG 1999]). Normalised
    so that J_F(0) = 1 for τ_N → ∞; the physical one-sided spectral density is (4/9) τ_D J_F times the t = 0
    correlation (derived, see :mod:`ferrokit.mri.outer_sphere`).

    Parameters
    ----------
    omega : float or array_like
        Angular frequency [rad s⁻¹], ≥ 0.
    tau_d : float
        Translational diffusion time R²/D [s], > 0.
    tau_n : float
        Moment (Néel) correlation time [s], > 0; ``inf`` for no moment relaxation (then J_F = J_A).

    Examples
    --------
    >>> float(freed_spectral_density(0.0, 1e-9))
    1.0
    >>> round(float(freed_spectral_density(1e9, 1e-9)), 4)
    0.5123
    """
    w = np.asarray(omega, dtype=float)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise FerroKitInputError("omega must be finite and ≥ 0 rad/s")
    tau_d = check_positive("tau_d", tau_d, unit="s")
    if not (tau_n > 0):
        raise FerroKitInputError(f"tau_n must be > 0 s (inf for none), got {tau_n!r}")
    out = _spectral(w * tau_d, tau_d / tau_n)
    return float(out) if out.ndim == 0 else out


def ayant_spectral_density(omega, tau_d: float):
    """Normalised Ayant (Hwang–Freed) spectral density of pure translational diffusion around a sphere.

    .. math:: J_A(z) = \\frac{1 + 5z/8 + z^2/8}{1 + z + z^2/2 + z^3/6 + 4z^4/81 + z^5/81 + z^6/648},
              \\quad z = \\sqrt{2\\omega\\tau_D}

    (Y. Ayant, E. Belorizky, J. Aluzon, J. Gallice, J. Phys. (Paris) 36 (1975) 991, doi:10.1051/jphys:01975003610099100
    [U citation]). It is identical to :func:`freed_spectral_density` with τ_N → ∞ (tested to 1e-12).

    Examples
    --------
    >>> round(float(ayant_spectral_density(1e9, 1e-9)), 4)
    0.5123
    """
    w = np.asarray(omega, dtype=float)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise FerroKitInputError("omega must be finite and ≥ 0 rad/s")
    tau_d = check_positive("tau_d", tau_d, unit="s")
    z = np.sqrt(2.0 * w * tau_d)
    out = (1 + 5 * z / 8 + z**2 / 8) / (1 + z + z**2 / 2 + z**3 / 6 + 4 * z**4 / 81 + z**5 / 81 + z**6 / 648)
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class OuterSphereRates:
    """Outer-sphere relaxation rates [s⁻¹] and their Curie/Néel parts.

    ``r1``/``r2`` are rates at the given number density (relaxivities per mM Fe when the density is per mM Fe).
    """

    r1: float
    r2: float
    r1_curie: float
    r2_curie: float
    r1_neel: float
    r2_neel: float
    langevin_argument: float
    langevin_value: float
    tau_d: float
    tau_neel: float

    def to_dict(self) -> dict[str, Any]:
        rate = "s-1"
        return {
            "r1": {"value": self.r1, "unit": rate}, "r2": {"value": self.r2, "unit": rate},
            "r1_curie": {"value": self.r1_curie, "unit": rate}, "r2_curie": {"value": self.r2_curie, "unit": rate},
            "r1_neel": {"value": self.r1_neel, "unit": rate}, "r2_neel": {"value": self.r2_neel, "unit": rate},
            "langevin_argument": {"value": self.langevin_argument, "unit": "1"},
            "langevin_value": {"value": self.langevin_value, "unit": "1"},
            "tau_d": {"value": self.tau_d, "unit": "s"},
            "tau_neel": {"value": self.tau_neel if math.isfinite(self.tau_neel) else None, "unit": "s"},
        }


def outer_sphere_rates(*, moment: float, distance: float, number_density: float, diffusion: float, field: float,
                       temperature: float, tau_neel: float = math.inf,
                       langevin_argument: float | None = None) -> OuterSphereRates:
    """Outer-sphere R1 and R2 of water around superparamagnetic spheres (RMG 1999, isotropic-moment limit).

    Equations in the module docstring. All SI.

    Parameters
    ----------
    moment : float
        Saturated moment magnitude μ of one particle (or cluster) [A m²], > 0.
    distance : float
        Distance of closest approach R (impermeable radius) [m], > 0.
    number_density : float
        Particles per volume n [m⁻³], ≥ 0 (use the density per mM Fe to get relaxivities).
    diffusion : float
        Relative translational diffusion coefficient D [m² s⁻¹] (water; the particle's own diffusion is
        negligible), > 0.
    field : float
        B0 [T], ≥ 0.
    temperature : float
        [K], > 0.
    tau_neel : float
        Néel correlation time of the moment [s]; ``inf`` (default) keeps the Curie term only.
    langevin_argument : float, optional
        x used for L(x) instead of μ B0/(k_B T): for a cluster of independent cores pass the **core** x (the mean
        moment is then μ L(x_core)); requires ``tau_neel = inf`` because the cluster's fluctuation spectrum is not
        that of a single moment.

    Returns
    -------
    OuterSphereRates

    Examples
    --------
    High-field limit of the Curie term equals motional averaging, R2 = (16/45) f τ_D Δω²:

    >>> import math
    >>> R, D, M = 5e-9, 3e-9, 4.8e5
    >>> V = 4 * math.pi * R**3 / 3
    >>> n = 1e-5 / V
    >>> out = outer_sphere_rates(moment=M * V, distance=R, number_density=n, diffusion=D, field=1e4,
    ...                          temperature=310.0, langevin_argument=1e12)
    >>> dw = GAMMA_PROTON * MU_0 * M / 3
    >>> round(out.r2 / (16 / 45 * 1e-5 * R**2 / D * dw**2), 4)
    1.0
    """
    mu = check_positive("moment", moment, unit="A m2")
    r = check_positive("distance", distance, unit="m")
    n = check_nonnegative("number_density", number_density, unit="m-3")
    d = check_positive("diffusion", diffusion, unit="m2/s")
    b0 = check_nonnegative("field", field, unit="T")
    t = check_positive("temperature", temperature, unit="K")
    if not (tau_neel > 0):
        raise FerroKitInputError(f"tau_neel must be > 0 s (inf for Curie only), got {tau_neel!r}")
    if langevin_argument is None:
        x = mu * b0 / (K_B * t)
    else:
        x = check_nonnegative("langevin_argument", langevin_argument)
        if math.isfinite(tau_neel):
            raise FerroKitInputError("langevin_argument can only be given with tau_neel = inf (Curie term only)")
    lv = float(langevin(x))
    if x < 1e-6:
        l_over_x, q = 1.0 / 3.0, 1.0 / 3.0
    else:
        l_over_x = lv / x
        q = max(1.0 - lv * lv - 2.0 * l_over_x, 0.0)
    tau_d = r * r / d
    w_i = GAMMA_PROTON * b0
    w_s = GAMMA_ELECTRON * b0
    k = 32.0 * math.pi / 135.0 * (MU_0 / (4 * math.pi)) ** 2 * GAMMA_PROTON**2 * mu**2 * n / (r * d)
    ja_i = float(_spectral(w_i * tau_d, 0.0))
    r1_c = k * 3.0 * lv * lv * ja_i
    r2_c = 0.5 * k * lv * lv * (3.0 * ja_i + 4.0)
    if math.isfinite(tau_neel):
        ratio = tau_d / tau_neel
        jf_s = float(_spectral(w_s * tau_d, ratio))
        jf_i = float(_spectral(w_i * tau_d, ratio))
        jf_0 = float(_spectral(0.0, ratio))
        r1_n = k * (7.0 * l_over_x * jf_s + 3.0 * q * jf_i)
        r2_n = 0.5 * k * (13.0 * l_over_x * jf_s + 3.0 * q * jf_i + 4.0 * q * jf_0)
    else:
        r1_n = r2_n = 0.0
    return OuterSphereRates(r1=r1_c + r1_n, r2=r2_c + r2_n, r1_curie=r1_c, r2_curie=r2_c, r1_neel=r1_n,
                            r2_neel=r2_n, langevin_argument=x, langevin_value=lv, tau_d=tau_d, tau_neel=tau_neel)
