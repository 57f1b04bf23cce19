"""Néel and Brown relaxation times, their parallel combination, and the blocking temperature.

All inputs and outputs are SI: anisotropy energy density K [J/m³], volumes [m³], temperatures [K],
viscosity [Pa s], times [s]. Functions accept scalars or broadcastable arrays and return a float for
scalar input. Exponentials that overflow return ``inf`` silently (a blocked particle has an effectively
infinite Néel time); no overflow warning is emitted.

References
----------
L. Néel, Ann. Géophys. 5 (1949) 99 (thermally activated reversal). W. F. Brown Jr., "Thermal fluctuations
of a single-domain particle", Phys. Rev. 130 (1963) 1677–1686, doi:10.1103/PhysRev.130.1677 (Néel time
from the Fokker–Planck equation, high-barrier asymptote; rotational diffusion time of a sphere).
R. E. Rosensweig, J. Magn. Magn. Mater. 252 (2002) 370–374, doi:10.1016/S0304-8853(02)00706-0.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_choice, check_positive, check_values, scalar_or_array
from ferrokit.constants import K_B
from ferrokit.magnetism.viscosity import water_viscosity

__all__ = [
    "NEEL_FORMS",
    "blocking_temperature",
    "brown_time",
    "effective_time",
    "neel_time",
    "sphere_volume",
]

#: Accepted values of ``form`` in :func:`neel_time`.
NEEL_FORMS = ("arrhenius", "brown_high_barrier")


def sphere_volume(diameter):
    """Volume of a sphere :math:`V = \\pi d^3/6` [m³] from its diameter [m].

    Examples
    --------
    >>> round(sphere_volume(10e-9) * 1e27, 4)
    523.5988
    """
    d = check_values("diameter", diameter, unit="m")
    return scalar_or_array(math.pi / 6.0 * d**3)


def neel_time(*, anisotropy, volume, temperature, tau0: float = 1e-9, form: str = "arrhenius"):
    """Néel relaxation time of a single-domain particle with a uniaxial energy barrier ``KV``.

    ``form="arrhenius"`` (default, the Néel–Arrhenius law):

    .. math:: \\tau_N = \\tau_0 \\exp(\\Gamma), \\qquad \\Gamma = \\frac{K V}{k_B T}.

    ``form="brown_high_barrier"`` (Brown's high-barrier asymptote written with a Γ-independent
    prefactor, the form used by Rosensweig 2002):

    .. math:: \\tau_N = \\tau_0 \\frac{\\sqrt\\pi}{2} \\Gamma^{-1/2} \\exp(\\Gamma).

    Brown (1963) gives, for axially symmetric (uniaxial) particles at high barrier,
    :math:`\\tau_N \\approx \\tau_D (\\sqrt\\pi/2) \\Gamma^{-3/2} e^{\\Gamma}`, where the free-diffusion
    time :math:`\\tau_D = \\mu (1+\\alpha^2)/(2\\gamma\\alpha k_B T)` is itself proportional to
    :math:`V/T`, i.e. to Γ. Writing :math:`\\tau_D = \\tau_0 \\Gamma` with a constant ``τ0`` gives the form
    above; ``tau0`` therefore means different things in the two forms, and a τ0 fitted with one form must
    not be used with the other.

    Parameters
    ----------
    anisotropy : float or array_like
        Effective anisotropy energy density K_eff [J/m³] (> 0; for cubic magnetite use an effective
        uniaxial value, e.g. |K1|/12 to |K1|/4 depending on the model, or a measured K_eff).
    volume : float or array_like
        Magnetic core volume [m³] (> 0).
    temperature : float or array_like
        Temperature [K] (> 0).
    tau0 : float
        Attempt time [s] (> 0); poorly known, typically 1e-10–1e-9 s.
    form : {"arrhenius", "brown_high_barrier"}
        Which expression to use (see above).

    Returns
    -------
    float or ndarray
        τN [s]; ``inf`` where ``exp(Γ)`` overflows (Γ > ~709), without a warning.

    Warns
    -----
    UserWarning
        With ``form="brown_high_barrier"`` where Γ < 2: the asymptote is then outside its validity (it
        diverges as Γ → 0, whereas the true τN tends to the free-diffusion time).

    Notes
    -----
    Validity: non-interacting particles, zero (or small, ξ ≪ Γ) field, Γ ≳ 2 for the Arrhenius law to
    describe the longest relaxation time. Status: the Arrhenius form is standard (Néel 1949); the
    ``brown_high_barrier`` prefactor follows Brown, Phys. Rev. 130 (1963) 1677, doi:10.1103/PhysRev.130.1677,
    whose high-barrier asymptote is confirmed by the exact solution of Coffey et al., Phys. Rev. E 49 (1994)
    1869 (abstract read); the exact prefactor (√π/2)Γ^(−3/2) with τ_D was not read in the original paper
    here and is recorded as unverified in docs/magnetism.md.

    Examples
    --------
    Magnetite-like core, d = 10 nm, K = 13.5 kJ/m³, 300 K (Γ ≈ 1.707):

    >>> round(neel_time(anisotropy=13.5e3, volume=sphere_volume(10e-9), temperature=300.0) * 1e9, 3)
    5.51
    """
    form = check_choice("form", form, NEEL_FORMS)
    k = check_values("anisotropy", anisotropy, unit="J/m3")
    v = check_values("volume", volume, unit="m3")
    t = check_values("temperature", temperature, unit="K")
    tau0 = check_positive("tau0", tau0, unit="s")
    gamma = k * v / (K_B * t)
    with np.errstate(over="ignore"):
        tau = tau0 * np.exp(gamma)
        if form == "brown_high_barrier":
            if np.any(gamma < 2.0):
                warnings.warn(
                    "neel_time(form='brown_high_barrier') used where the barrier KV/kT < 2; the high-barrier "
                    "asymptote is not valid there", UserWarning, stacklevel=2)
            tau = tau * (0.5 * math.sqrt(math.pi)) / np.sqrt(gamma)
    return scalar_or_array(tau)


def brown_time(*, hydrodynamic_volume, temperature, viscosity=None):
    """Brownian (rotational diffusion) relaxation time of a sphere in a liquid.

    .. math:: \\tau_B = \\frac{3 \\eta V_H}{k_B T}

    (Debye/Brown rotational diffusion time of a sphere of hydrodynamic volume V_H; note the factor 3,
    equal to :math:`4\\pi\\eta r_H^3/(k_B T)`).

    Parameters
    ----------
    hydrodynamic_volume : float or array_like
        Hydrodynamic volume V_H [m³] (core + coating + hydration shell).
    temperature : float or array_like
        Temperature [K].
    viscosity : float or array_like, optional
        Carrier viscosity η [Pa s]. Default: water at ``temperature`` from the IAPWS 2008 formulation
        (:func:`~ferrokit.magnetism.viscosity.water_viscosity`), which requires 273.15–373.15 K.

    Returns
    -------
    float or ndarray
        τB [s].

    Notes
    -----
    Validity: rigid sphere, no-slip, Newtonian carrier, dilute (no interparticle hydrodynamics), zero
    field. Reference: W. F. Brown Jr., Phys. Rev. 130 (1963) 1677, doi:10.1103/PhysRev.130.1677;
    Rosensweig 2002, doi:10.1016/S0304-8853(02)00706-0.

    Examples
    --------
    30 nm hydrodynamic diameter in water at 37 °C (η ≈ 0.6913 mPa s):

    >>> round(brown_time(hydrodynamic_volume=sphere_volume(30e-9), temperature=310.15) * 1e6, 3)
    6.847
    """
    vh = check_values("hydrodynamic_volume", hydrodynamic_volume, unit="m3")
    t = check_values("temperature", temperature, unit="K")
    eta = water_viscosity(t) if viscosity is None else check_values("viscosity", viscosity, unit="Pa s")
    return scalar_or_array(3.0 * np.asarray(eta) * vh / (K_B * t))


def effective_time(tau_neel, tau_brown):
    """Effective relaxation time of parallel Néel and Brown processes.

    .. math:: \\frac{1}{\\tau} = \\frac{1}{\\tau_N} + \\frac{1}{\\tau_B}

    Parameters
    ----------
    tau_neel, tau_brown : float or array_like
        Relaxation times [s] (> 0; ``inf`` allowed for a blocked or immobilised particle, not both).

    Returns
    -------
    float or ndarray
        τ [s], never larger than the smaller input.

    Notes
    -----
    Assumes the two mechanisms are independent (Rosensweig 2002, doi:10.1016/S0304-8853(02)00706-0).

    Examples
    --------
    >>> effective_time(1e-6, float("inf"))
    1e-06
    """
    tn = np.asarray(tau_neel, dtype=float)
    tb = np.asarray(tau_brown, dtype=float)
    for name, arr in (("tau_neel", tn), ("tau_brown", tb)):
        if np.any(np.isnan(arr)) or np.any(arr <= 0):
            raise FerroKitInputError(f"{name} must be > 0 s (inf allowed)")
    if np.any(np.isinf(tn) & np.isinf(tb)):
        raise FerroKitInputError("tau_neel and tau_brown cannot both be infinite")
    return scalar_or_array(1.0 / (1.0 / tn + 1.0 / tb))


def blocking_temperature(*, anisotropy, volume, measurement_time: float = 100.0, tau0: float = 1e-9):
    """Blocking temperature at which the Néel–Arrhenius time equals the measurement time.

    .. math:: T_B = \\frac{K V}{k_B \\ln(t_m/\\tau_0)}

    Parameters
    ----------
    anisotropy : float or array_like
        Effective anisotropy energy density [J/m³] (> 0).
    volume : float or array_like
        Core volume [m³] (> 0).
    measurement_time : float
        Measurement time t_m [s] (100 s is the customary value for DC magnetometry; ~1e-8 s for Mössbauer).
    tau0 : float
        Attempt time [s]; must be < ``measurement_time``.

    Returns
    -------
    float or ndarray
        T_B [K].

    Notes
    -----
    Validity: non-interacting, uniaxial particles, zero field. For t_m = 100 s and τ0 = 1e-9 s,
    ln(t_m/τ0) ≈ 25.3 (the familiar "KV = 25 k_B T_B").

    Examples
    --------
    >>> round(blocking_temperature(anisotropy=13.5e3, volume=sphere_volume(10e-9)), 2)
    20.21
    """
    k = check_values("anisotropy", anisotropy, unit="J/m3")
    v = check_values("volume", volume, unit="m3")
    tm = check_positive("measurement_time", measurement_time, unit="s")
    tau0 = check_positive("tau0", tau0, unit="s")
    if tm <= tau0:
        raise FerroKitInputError(f"measurement_time must be > tau0 ({tau0:g} s), got {tm:g} s")
    return scalar_or_array(k * v / (K_B * math.log(tm / tau0)))
