"""Photoacoustic source term: Grüneisen parameter and initial pressure :math:`p_0 = \\Gamma \\mu_a \\Phi`.

The PA forward model (``ferrokit.optics.photoacoustics``) imports :func:`initial_pressure` and
:func:`gruneisen_water` from here.
"""

from __future__ import annotations

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_range

__all__ = ["gruneisen_water", "initial_pressure"]

#: Linear fit Γ(T) = 0.0043 + 0.0053·T[°C] for water/soft tissue (Wang & Wu 2012), valid about 10–55 °C.
_GRUNEISEN_A = 0.0043
_GRUNEISEN_B_PER_C = 0.0053


def gruneisen_water(temperature):
    r"""Grüneisen parameter of water / soft tissue at temperature ``temperature`` [K].

    .. math:: \Gamma(T) = 0.0043 + 0.0053\,(T - 273.15\ \mathrm{K})/\mathrm{K}

    Linear empirical fit for water between about 10 and 55 °C; Γ(37 °C) ≈ 0.20, Γ(20 °C) ≈ 0.11.

    Reference: L. V. Wang and H.-I. Wu, *Biomedical Optics: Principles and Imaging*, Wiley (2012), eq. for
    the Grüneisen parameter of water (seen-secondary: quoted in many PA-thermometry papers, e.g. Shah et al.
    J. Biomed. Opt. 13:034024 (2008)).

    Parameters
    ----------
    temperature : float or array_like
        Temperature [K], 283.15–328.15 K (10–55 °C).

    Returns
    -------
    float or numpy.ndarray
        Γ [dimensionless].

    Examples
    --------
    >>> round(gruneisen_water(310.15), 4)
    0.2004
    """
    t = np.asarray(temperature, dtype=float)
    if not np.all(np.isfinite(t)):
        raise FerroKitInputError("temperature must be finite (K)")
    if np.any(t < 283.15) or np.any(t > 328.15):
        raise FerroKitInputError(
            f"temperature must lie in [283.15, 328.15] K (10–55 °C) for the Grüneisen fit, got "
            f"{float(np.min(t)):g}..{float(np.max(t)):g} K"
        )
    g = _GRUNEISEN_A + _GRUNEISEN_B_PER_C * (t - 273.15)
    return float(g) if g.ndim == 0 else g


def initial_pressure(mu_a, fluence, gruneisen):
    r"""Photoacoustic initial pressure under stress and thermal confinement.

    .. math:: p_0 = \Gamma\,\mu_a\,\Phi

    Parameters
    ----------
    mu_a : float or array_like
        Absorption coefficient [1/m], ≥ 0.
    fluence : float or array_like
        Fluence (radiant exposure per pulse) [J/m²], ≥ 0. Broadcast against ``mu_a``.
    gruneisen : float or array_like
        Grüneisen parameter Γ [dimensionless], in [0, 2] (water at 37 °C ≈ 0.20).

    Returns
    -------
    float or numpy.ndarray
        Initial pressure [Pa]; a float when all inputs are scalars.

    Notes
    -----
    Valid for a laser pulse shorter than the stress and thermal relaxation times of the voxel
    (Wang & Wu 2012, *Biomedical Optics*, ch. 12; verified as the standard PA source term).

    Examples
    --------
    >>> initial_pressure(100.0, 100.0, 0.2)  # 1 cm⁻¹, 10 mJ/cm², Γ=0.2 → 2 kPa
    2000.0
    """
    arrays = {}
    for name, val in (("mu_a", mu_a), ("fluence", fluence), ("gruneisen", gruneisen)):
        try:
            a = np.asarray(val, dtype=float)
        except (TypeError, ValueError):
            raise FerroKitInputError(f"{name} must be numeric") from None
        if a.size == 0:
            raise FerroKitInputError(f"{name} must not be empty")
        if not np.all(np.isfinite(a)):
            raise FerroKitInputError(f"{name} contains non-finite values (NaN or inf)")
        if np.any(a < 0):
            raise FerroKitInputError(f"{name} must be ≥ 0, got minimum {float(np.min(a)):g}")
        arrays[name] = a
    if np.any(arrays["gruneisen"] > 2.0):
        check_range("gruneisen", float(np.max(arrays["gruneisen"])), 0.0, 2.0)
    try:
        p0 = arrays["gruneisen"] * arrays["mu_a"] * arrays["fluence"]
    except ValueError:
        raise FerroKitInputError(
            f"mu_a {arrays['mu_a'].shape}, fluence {arrays['fluence'].shape} and gruneisen "
            f"{arrays['gruneisen'].shape} cannot be broadcast together"
        ) from None
    return float(p0) if p0.ndim == 0 else p0
