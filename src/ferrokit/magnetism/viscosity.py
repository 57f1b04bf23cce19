"""Viscosity and density of liquid water at atmospheric pressure (for Brownian relaxation).

Viscosity: the IAPWS 2008 formulation (IAPWS R12-08; M. L. Huber, R. A. Perkins, A. Laesecke,
D. G. Friend, J. V. Sengers, M. J. Assael, I. N. Metaxa, E. Vogel, R. Mareš and K. Miyagawa, "New
international formulation for the viscosity of H2O", J. Phys. Chem. Ref. Data 38 (2009) 101–125,
doi:10.1063/1.3088050), evaluated as the dilute-gas term times the residual term at the liquid density;
the critical enhancement (μ̄2) is exactly 1 outside a small region around the critical point, far from
0–100 °C, and is omitted.

Density at 0.101325 MPa: G. S. Kell, "Density, thermal expansivity, and compressibility of liquid water
from 0 °C to 150 °C: correlations and tables for atmospheric pressure and saturation reviewed and
expressed on 1968 temperature scale", J. Chem. Eng. Data 20 (1975) 97–105, doi:10.1021/je60064a005
(rational-function fit, stated accuracy ≈ ±0.01 kg/m³ over 0–40 °C and ≈ ±0.1 kg/m³ up to 150 °C; the
ITS-68/ITS-90 difference, < 0.03 K here, changes ρ by < 0.01 kg/m³). The viscosity's sensitivity to
density at these states is weak (∂ln η/∂ln ρ of order 1), so the density error adds < 1e-4 relative error,
well inside IAPWS's own uncertainty for the liquid at 0.1 MPa (about 1 %).
"""

from __future__ import annotations

import numpy as np

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import ZERO_CELSIUS

__all__ = ["WATER_TEMPERATURE_RANGE", "water_density", "water_viscosity"]

#: Temperatures [K] over which :func:`water_viscosity` and :func:`water_density` are provided (liquid water
#: at atmospheric pressure, 0–100 °C).
WATER_TEMPERATURE_RANGE: tuple[float, float] = (ZERO_CELSIUS, ZERO_CELSIUS + 100.0)

# IAPWS R12-08 reference constants
_T_STAR = 647.096  # K
_RHO_STAR = 322.0  # kg/m3
_MU_STAR = 1.0e-6  # Pa s
# Dilute-gas coefficients H_i (i = 0..3), Table 1 of R12-08 / Huber et al. 2009
_H0 = np.array([1.67752, 2.20462, 0.6366564, -0.241605])
# Residual coefficients H_ij (i = 0..5 rows, j = 0..6 columns), Table 2 of R12-08 / Huber et al. 2009
_H1 = np.array([
    [5.20094e-1, 2.22531e-1, -2.81378e-1, 1.61913e-1, -3.25372e-2, 0.0, 0.0],
    [8.50895e-2, 9.99115e-1, -9.06851e-1, 2.57399e-1, 0.0, 0.0, 0.0],
    [-1.08374, 1.88797, -7.72479e-1, 0.0, 0.0, 0.0, 0.0],
    [-2.89555e-1, 1.26613, -4.89837e-1, 0.0, 6.98452e-2, 0.0, -4.35673e-3],
    [0.0, 0.0, -2.57040e-1, 0.0, 0.0, 8.72102e-3, 0.0],
    [0.0, 1.20573e-1, 0.0, 0.0, 0.0, 0.0, -5.93264e-4],
])


def _check_temperature(temperature) -> np.ndarray:
    t = np.asarray(temperature, dtype=float)
    lo, hi = WATER_TEMPERATURE_RANGE
    if not np.all(np.isfinite(t)):
        raise FerroKitInputError("temperature must be finite (K)")
    if np.any(t < lo - 1e-9) or np.any(t > hi + 1e-9):
        bad = float(t.ravel()[np.argmax((t.ravel() < lo) | (t.ravel() > hi))])
        raise FerroKitInputError(
            f"temperature must lie in [{lo:g}, {hi:g}] K (liquid water at 1 atm, 0–100 °C), got {bad:g}"
        )
    return t


def _viscosity_from_density(density, temperature):
    """IAPWS 2008 viscosity [Pa s] from density [kg/m³] and temperature [K], μ̄2 = 1, no validation."""
    tbar = np.asarray(temperature, dtype=float) / _T_STAR
    rbar = np.asarray(density, dtype=float) / _RHO_STAR
    mu0 = 100.0 * np.sqrt(tbar) / (_H0[0] + _H0[1] / tbar + _H0[2] / tbar**2 + _H0[3] / tbar**3)
    a = 1.0 / tbar - 1.0
    b = rbar - 1.0
    total = np.zeros(np.broadcast(tbar, rbar).shape)
    for i in range(_H1.shape[0]):
        inner = np.zeros_like(total)
        for j in range(_H1.shape[1]):
            if _H1[i, j] != 0.0:
                inner = inner + _H1[i, j] * b**j
        total = total + a**i * inner
    mu1 = np.exp(rbar * total)
    return mu0 * mu1 * _MU_STAR


def water_density(temperature):
    """Density of air-free liquid water at 0.101325 MPa (Kell 1975) [kg/m³].

    .. math:: \\rho = \\frac{999.83952 + 16.945176\\,t - 7.9870401\\times10^{-3} t^2
              - 46.170461\\times10^{-6} t^3 + 105.56302\\times10^{-9} t^4 - 280.54253\\times10^{-12} t^5}
              {1 + 16.879850\\times10^{-3}\\, t}, \\quad t = T - 273.15\\ \\mathrm{K} \\;[°C]

    Parameters
    ----------
    temperature : float or array_like
        Temperature [K], 273.15–373.15 K.

    Returns
    -------
    float or ndarray
        Density [kg/m³].

    Notes
    -----
    Kell, J. Chem. Eng. Data 20 (1975) 97, doi:10.1021/je60064a005; stated accuracy ≈ ±0.01 kg/m³
    (0–40 °C). Reference values: 998.20 kg/m³ at 20 °C, 997.05 kg/m³ at 25 °C.

    Examples
    --------
    >>> round(water_density(293.15), 2)
    998.2
    """
    t = _check_temperature(temperature) - ZERO_CELSIUS
    num = (999.83952 + 16.945176 * t - 7.9870401e-3 * t**2 - 46.170461e-6 * t**3 + 105.56302e-9 * t**4
           - 280.54253e-12 * t**5)
    rho = num / (1.0 + 16.879850e-3 * t)
    return float(rho) if np.ndim(rho) == 0 else rho


def water_viscosity(temperature):
    """Dynamic viscosity of liquid water at atmospheric pressure, IAPWS 2008 formulation [Pa s].

    .. math:: \\eta = \\eta^* \\bar\\mu_0(\\bar T)\\, \\bar\\mu_1(\\bar T, \\bar\\rho), \\quad
              \\bar\\mu_0 = \\frac{100\\sqrt{\\bar T}}{\\sum_{i=0}^{3} H_i/\\bar T^i}, \\quad
              \\bar\\mu_1 = \\exp\\Big[\\bar\\rho \\sum_{i=0}^{5}\\Big(\\frac1{\\bar T} - 1\\Big)^i
              \\sum_{j=0}^{6} H_{ij} (\\bar\\rho - 1)^j\\Big],

    with :math:`\\bar T = T/647.096\\,\\mathrm K`, :math:`\\bar\\rho = \\rho/322\\,\\mathrm{kg\\,m^{-3}}`,
    η* = 1 µPa s, and ρ(T) the 1-atm density of Kell (1975) (:func:`water_density`).

    Parameters
    ----------
    temperature : float or array_like
        Temperature [K], 273.15–373.15 K (liquid water, 0–100 °C). Outside this range a
        :class:`~ferrokit._shared.validation.FerroKitInputError` is raised.

    Returns
    -------
    float or ndarray
        Viscosity [Pa s].

    Notes
    -----
    Huber et al., J. Phys. Chem. Ref. Data 38 (2009) 101, doi:10.1063/1.3088050 (IAPWS R12-08). The
    implementation reproduces the release's check values (e.g. 889.735100 µPa s at 298.15 K and
    998 kg/m³) to 1e-9 relative; at 1 atm it gives 1.0016 mPa s at 20 °C, 0.8900 at 25 °C and 0.6913 at
    37 °C. The formulation's uncertainty for the liquid near 0.1 MPa is about 1 %.

    Examples
    --------
    >>> round(water_viscosity(298.15) * 1e3, 4)
    0.89
    """
    t = _check_temperature(temperature)
    rho = water_density(t)
    eta = _viscosity_from_density(rho, t)
    return float(eta) if np.ndim(eta) == 0 else eta
