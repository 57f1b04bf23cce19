"""Self-diffusion coefficient of water D(T), the diffusion constant of every relaxivity model.

.. math:: D(T) = D_0 \\left(\\frac{T}{T_s} - 1\\right)^{\\gamma}, \\quad
          D_0 = 1.635\\times10^{-8}\\ \\mathrm{m^2\\,s^{-1}},\\ T_s = 215.05\\ \\mathrm K,\\ \\gamma = 2.063

the Speedy–Angell power law fitted to NMR self-diffusion data by M. Holz, S. R. Heil and A. Sacco,
"Temperature-dependent self-diffusion coefficients of water and six selected molecular liquids for calibration
in accurate ¹H NMR PFG measurements", Phys. Chem. Chem. Phys. 2 (2000) 4740–4742, doi:10.1039/B005319H.

Status: the three parameters (with their fit uncertainties ±2.2e-11 m² s⁻¹, ±1.20 K, ±0.051) were read in a
secondary transcription of Holz et al. (lambdalisue.github.io/waterparams) [S]; the paper itself was not read.
Checks (tests/mri/test_diffusion.py): the fit gives 2.2995e-9 m² s⁻¹ at 25 °C (the accepted value 2.299e-9 of
Mills, J. Phys. Chem. 77 (1973) 685 [S]), and D η/T computed with the IAPWS viscosity is constant within a few
per cent between 5 and 45 °C (J. H. Wang, J. Phys. Chem. 69 (1965) 4412 reports the constancy of D η/T from 5 to
25 °C [V, excerpt read]).
"""

from __future__ import annotations

import numpy as np

from ferrokit._shared.validation import FerroKitInputError

__all__ = ["DIFFUSION_TEMPERATURE_RANGE", "diffusion_coefficient"]

_D0 = 1.635e-8  # m² s⁻¹
_TS = 215.05  # K
_GAMMA = 2.063

#: Temperatures [K] over which :func:`diffusion_coefficient` is accepted: liquid water at 1 atm, the range of
#: the NMR data behind the fit (0–100 °C).
DIFFUSION_TEMPERATURE_RANGE = (273.15, 373.15)


def diffusion_coefficient(temperature):
    """Self-diffusion coefficient of liquid water [m² s⁻¹] at ``temperature`` [K].

    .. math:: D(T) = 1.635\\times10^{-8}\\,\\left(T/215.05\\,\\mathrm K - 1\\right)^{2.063}\\ \\mathrm{m^2\\,s^{-1}}

    (Holz, Heil & Sacco, PCCP 2000, doi:10.1039/B005319H; parameters [S], see the module docstring).

    Parameters
    ----------
    temperature : float or array_like
        Temperature [K], within :data:`DIFFUSION_TEMPERATURE_RANGE` (273.15–373.15 K).

    Returns
    -------
    float or ndarray
        D [m² s⁻¹]; a float for scalar input.

    Raises
    ------
    FerroKitInputError
        For non-finite temperatures or temperatures outside the liquid range.

    Notes
    -----
    Validity: pure H2O at atmospheric pressure. Dilute saline (0.9 % NaCl) diffuses within ~1–2 % of pure water;
    plasma, blood and tissue are slower (proteins, membranes) and are not modelled.

    Examples
    --------
    >>> round(diffusion_coefficient(298.15) * 1e9, 3)
    2.299
    >>> round(diffusion_coefficient(310.15) * 1e9, 3)
    3.037
    """
    t = np.asarray(temperature, dtype=float)
    if not np.all(np.isfinite(t)):
        raise FerroKitInputError("temperature must be finite (K)")
    lo, hi = DIFFUSION_TEMPERATURE_RANGE
    if np.any((t < lo) | (t > hi)):
        bad = float(t.ravel()[np.argmax(((t < lo) | (t > hi)).ravel())])
        raise FerroKitInputError(
            f"temperature must lie in [{lo:g}, {hi:g}] K (liquid water) for the water diffusion model, got {bad:g} K")
    d = _D0 * (t / _TS - 1.0) ** _GAMMA
    return float(d) if d.ndim == 0 else d
