"""Langevin magnetisation of (polydisperse) superparamagnetic ensembles and their susceptibilities.

Each particle of diameter ``d`` carries a moment :math:`\\mu = M_s V`, :math:`V = \\pi d^3/6`, in
thermal equilibrium with the field ``H`` (no anisotropy, no interactions):

.. math:: \\frac{M}{M_s} = L(\\xi), \\quad L(\\xi) = \\coth\\xi - \\frac1\\xi, \\quad
          \\xi = \\frac{\\mu_0 M_s V H}{k_B T}.

For a lognormal ensemble the magnetisation per unit *volume or mass of magnetic material* is the
volume-weighted average :math:`M/M_s = \\langle V L(\\xi(V)) \\rangle / \\langle V \\rangle`.

Everything is SI: ``ms_volume`` is the saturation magnetisation of the magnetic material in A/m (for
magnetite, about 4.8e5 A/m in bulk), ``field`` is H in A/m, diameters in m, temperatures in K.

References
----------
R. E. Rosensweig, *Ferrohydrodynamics*, Cambridge University Press (1985), ch. 4 (Langevin theory of
ferrofluid magnetisation). R. W. Chantrell, J. Popplewell and S. W. Charles, IEEE Trans. Magn. 14 (1978)
975, doi:10.1109/TMAG.1978.1059918 (lognormal-Langevin ensembles). R. E. Rosensweig, "Heating magnetic
fluid with alternating magnetic field", J. Magn. Magn. Mater. 252 (2002) 370–374,
doi:10.1016/S0304-8853(02)00706-0 (initial and chord susceptibility).
"""

from __future__ import annotations

import math

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_positive, check_range
from ferrokit.constants import K_B, MU_0
from ferrokit.magnetism.distribution import DEFAULT_NODES, lognormal_moment, lognormal_nodes

__all__ = [
    "chord_susceptibility",
    "initial_susceptibility",
    "langevin",
    "langevin_derivative",
    "langevin_magnetization",
    "langevin_parameter",
]

# Below this |x| the series of L(x) is used: the truncation error of the 4-term series is ~2x⁹/93555,
# < 1e-17 relative at x = 0.05, while coth(x) − 1/x loses ~log10(1/x²) digits to cancellation.
_SERIES_LIMIT = 0.05


def langevin(x):
    """Langevin function :math:`L(x) = \\coth x - 1/x`, numerically stable and vectorised.

    Parameters
    ----------
    x : float or array_like
        Argument (dimensionless), any real; must be finite.

    Returns
    -------
    float or ndarray
        ``L(x)`` in (−1, 1), same shape as ``x`` (a float for scalar input).

    Notes
    -----
    Near zero the odd series :math:`L(x) = x/3 - x^3/45 + 2x^5/945 - x^7/4725 + O(x^9)` is used for
    ``|x| < 0.05`` (no cancellation); elsewhere ``1/tanh(x) − 1/x``, which never overflows. Limits:
    :math:`L(x) \\to x/3` for small ``x`` and :math:`1 - 1/x` for large ``x``.

    Examples
    --------
    >>> float(langevin(0.0))
    0.0
    >>> round(float(langevin(1e-3)) * 3e3, 6)
    1.0
    """
    arr = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise FerroKitInputError("x must be finite")
    out = _langevin_kernel(arr)
    return float(out) if out.ndim == 0 else out


def _langevin_kernel(x: np.ndarray) -> np.ndarray:
    """L(x) for a finite float array, no validation."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    small = np.abs(x) < _SERIES_LIMIT
    xs = x[small]
    x2 = xs * xs
    out[small] = xs * (1.0 / 3.0 + x2 * (-1.0 / 45.0 + x2 * (2.0 / 945.0 - x2 / 4725.0)))
    xl = x[~small]
    out[~small] = 1.0 / np.tanh(xl) - 1.0 / xl
    return out


def langevin_derivative(x):
    """Derivative :math:`L'(x) = 1/x^2 - 1/\\sinh^2 x` (series :math:`1/3 - x^2/15 + 2x^4/189` near 0).

    Examples
    --------
    >>> round(float(langevin_derivative(0.0)), 12)
    0.333333333333
    """
    arr = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise FerroKitInputError("x must be finite")
    out = np.empty_like(arr)
    small = np.abs(arr) < 0.1
    x2 = arr[small] ** 2
    out[small] = 1.0 / 3.0 + x2 * (-1.0 / 15.0 + x2 * (2.0 / 189.0 - x2 / 675.0))
    xl = np.abs(arr[~small])
    # 1/sinh² x = 4 e^{-2x}/(1 - e^{-2x})², overflow-free for large x
    e = np.exp(-2.0 * xl)
    out[~small] = 1.0 / xl**2 - 4.0 * e / (1.0 - e) ** 2
    return float(out) if out.ndim == 0 else out


def langevin_parameter(ms_volume: float, diameter, field, temperature: float):
    """Langevin parameter :math:`\\xi = \\mu_0 M_s V H / (k_B T)` of a sphere, :math:`V = \\pi d^3/6`.

    Parameters
    ----------
    ms_volume : float
        Saturation magnetisation of the magnetic material [A/m] (> 0).
    diameter : float or array_like
        Magnetic core diameter [m] (> 0).
    field : float or array_like
        Applied field H [A/m] (any sign). ``diameter`` and ``field`` broadcast together.
    temperature : float
        Temperature [K] (> 0).

    Returns
    -------
    float or ndarray
        ξ (dimensionless), the ratio of Zeeman to thermal energy.

    Examples
    --------
    >>> xi = langevin_parameter(4.8e5, 10e-9, 1e4, 300.0)
    >>> round(xi, 3)
    0.763
    """
    ms_volume = check_positive("ms_volume", ms_volume, unit="A/m")
    temperature = check_positive("temperature", temperature, unit="K")
    d = np.asarray(diameter, dtype=float)
    h = np.asarray(field, dtype=float)
    if not np.all(np.isfinite(d)) or np.any(d <= 0):
        raise FerroKitInputError("diameter must be finite and > 0 m")
    if not np.all(np.isfinite(h)):
        raise FerroKitInputError("field must be finite (A/m)")
    xi = MU_0 * ms_volume * (math.pi / 6.0) * d**3 * h / (K_B * temperature)
    return float(xi) if np.ndim(xi) == 0 else xi


def _check_ensemble(ms_volume, median_diameter, sigma, temperature, n_nodes):
    ms_volume = check_positive("ms_volume", ms_volume, unit="A/m")
    median_diameter = check_range("median_diameter", median_diameter, 0.0, 1e-6, unit="m",
                                  low_inclusive=False)
    sigma = check_range("sigma", sigma, 0.0, 2.0)
    temperature = check_positive("temperature", temperature, unit="K")
    if isinstance(n_nodes, bool) or not isinstance(n_nodes, (int, np.integer)) or not 1 <= n_nodes <= 200:
        raise FerroKitInputError(f"n_nodes must be an integer in [1, 200], got {n_nodes!r}")
    return ms_volume, median_diameter, sigma, temperature, int(n_nodes)


def _reduced_magnetization(h: np.ndarray, ms_volume: float, median: float, sigma: float,
                           temperature: float, n_nodes: int) -> np.ndarray:
    """⟨L(ξ)⟩ over the volume-weighted lognormal, no validation. ``h`` is 1-D [A/m]."""
    d, w = lognormal_nodes(median, sigma, n_nodes, weighting="volume")
    scale = MU_0 * ms_volume * (math.pi / 6.0) * d**3 / (K_B * temperature)
    xi = h[:, None] * scale[None, :]
    return _langevin_kernel(xi) @ w


def langevin_magnetization(field, *, ms_volume: float, median_diameter: float, sigma: float = 0.0,
                           temperature: float, n_nodes: int = DEFAULT_NODES):
    """Reduced equilibrium magnetisation :math:`M/M_s` of a lognormal superparamagnetic ensemble.

    .. math:: \\frac{M(H)}{M_s} = \\frac{\\langle V\\, L(\\xi(V, H)) \\rangle}{\\langle V \\rangle}
              = \\int L\\!\\left(\\frac{\\mu_0 M_s \\pi d^3 H}{6 k_B T}\\right) g_V(d)\\, \\mathrm dd,

    with :math:`g_V` the volume-weighted lognormal (median :math:`d_0 e^{3\\sigma^2}`), evaluated by
    Gauss–Hermite quadrature in ``ln d``.

    Parameters
    ----------
    field : float or array_like
        Applied field H [A/m], any sign (L is odd).
    ms_volume : float
        Saturation magnetisation of the magnetic material [A/m]; it sets ξ.
    median_diameter : float
        Median of the number-weighted lognormal of magnetic diameters [m] (0 < d ≤ 1 µm).
    sigma : float
        Standard deviation of ``ln d`` (0 = monodisperse, ≤ 2).
    temperature : float
        Temperature [K].
    n_nodes : int
        Quadrature nodes (40 by default).

    Returns
    -------
    float or ndarray
        ``M/Ms`` in (−1, 1). Multiply by the saturation magnetisation in whatever basis you need (A/m,
        A m²/kg per mass of magnetic material, or times the volume fraction for a dispersion).

    Notes
    -----
    Validity: non-interacting, single-domain particles in equilibrium (superparamagnetic: relaxation
    faster than the measurement), anisotropy energy negligible against the Zeeman energy or randomly
    oriented easy axes in a liquid; Ms independent of size. Reference: Chantrell et al., IEEE Trans. Magn.
    14 (1978) 975, doi:10.1109/TMAG.1978.1059918.

    Examples
    --------
    >>> m = langevin_magnetization([0.0, 1e7], ms_volume=4.8e5, median_diameter=10e-9, temperature=300)
    >>> float(m[0]), round(float(m[1]), 3)
    (0.0, 0.999)
    """
    ms_volume, median, sigma, temperature, n_nodes = _check_ensemble(
        ms_volume, median_diameter, sigma, temperature, n_nodes)
    h = np.asarray(field, dtype=float)
    if not np.all(np.isfinite(h)):
        raise FerroKitInputError("field must be finite (A/m)")
    out = _reduced_magnetization(np.atleast_1d(h).ravel(), ms_volume, median, sigma, temperature, n_nodes)
    if h.ndim == 0:
        return float(out[0])
    return out.reshape(h.shape)


def initial_susceptibility(*, ms_volume: float, median_diameter: float, sigma: float = 0.0,
                           temperature: float, volume_fraction: float = 1.0) -> float:
    """Initial (low-field) volume susceptibility of a lognormal superparamagnetic ensemble.

    .. math:: \\chi_i = \\frac{\\mu_0 \\phi M_s^2}{3 k_B T} \\frac{\\langle V^2\\rangle}{\\langle V\\rangle},
              \\qquad
              \\frac{\\langle V^2\\rangle}{\\langle V\\rangle} = \\frac{\\pi}{6} d_0^3 e^{27\\sigma^2/2},

    which reduces to the monodisperse :math:`\\mu_0 \\phi M_s^2 V / (3 k_B T)` for σ = 0 (Rosensweig 2002,
    JMMM 252:370, doi:10.1016/S0304-8853(02)00706-0). The moments are analytic (no quadrature).

    Parameters
    ----------
    ms_volume : float
        Saturation magnetisation of the magnetic material [A/m].
    median_diameter : float
        Median magnetic diameter [m].
    sigma : float
        Standard deviation of ``ln d``.
    temperature : float
        Temperature [K].
    volume_fraction : float
        Volume fraction φ of magnetic material in the sample (0 < φ ≤ 1); 1 gives the susceptibility of
        the magnetic material itself.

    Returns
    -------
    float
        χi, dimensionless SI volume susceptibility (dM/dH at H → 0).

    Notes
    -----
    Validity: as :func:`langevin_magnetization`; χi is the slope at ξ ≪ 1.

    Examples
    --------
    >>> round(initial_susceptibility(ms_volume=4.8e5, median_diameter=10e-9, temperature=300.0), 2)
    12.2
    """
    ms_volume, median, sigma, temperature, _ = _check_ensemble(
        ms_volume, median_diameter, sigma, temperature, 1)
    phi = check_range("volume_fraction", volume_fraction, 0.0, 1.0, low_inclusive=False)
    v2_over_v = math.pi / 6.0 * lognormal_moment(median, sigma, 6) / lognormal_moment(median, sigma, 3)
    return MU_0 * phi * ms_volume**2 * v2_over_v / (3.0 * K_B * temperature)


def chord_susceptibility(*, ms_volume: float, median_diameter: float, sigma: float = 0.0,
                         temperature: float, field_amplitude: float, volume_fraction: float = 1.0,
                         n_nodes: int = DEFAULT_NODES) -> float:
    """Chord susceptibility :math:`\\chi_0 = M(H_0)/H_0` at field amplitude ``H_0``.

    For one size (σ = 0) this is Rosensweig's

    .. math:: \\chi_0 = \\chi_i \\frac{3}{\\xi_0} L(\\xi_0), \\qquad \\xi_0 = \\frac{\\mu_0 M_s V H_0}{k_B T}

    (Rosensweig 2002, JMMM 252:370, doi:10.1016/S0304-8853(02)00706-0). For σ > 0 the ensemble chord
    :math:`\\phi M_s \\langle L(\\xi)\\rangle_V / H_0` is returned (the volume-weighted average of the
    per-size chords), which equals the monodisperse formula at σ = 0 and tends to χi as H0 → 0.

    Parameters
    ----------
    ms_volume, median_diameter, sigma, temperature, volume_fraction :
        As in :func:`initial_susceptibility`.
    field_amplitude : float
        Field amplitude H0 [A/m] (> 0).
    n_nodes : int
        Quadrature nodes.

    Returns
    -------
    float
        χ0 (dimensionless SI volume susceptibility), ≤ χi.

    Notes
    -----
    Linear response theory built on χ0 is valid while ξ0 ≲ 1 (Carrey et al., J. Appl. Phys. 109 (2011)
    083921); a hyperthermia model that averages the LRT power over the size distribution should call this
    per size (``sigma=0``) inside its own average.

    Examples
    --------
    >>> chi_i = initial_susceptibility(ms_volume=4.8e5, median_diameter=10e-9, temperature=300.0)
    >>> chi_0 = chord_susceptibility(ms_volume=4.8e5, median_diameter=10e-9, temperature=300.0,
    ...                              field_amplitude=1e2)
    >>> abs(chi_0 / chi_i - 1) < 1e-4
    True
    """
    ms_volume, median, sigma, temperature, n_nodes = _check_ensemble(
        ms_volume, median_diameter, sigma, temperature, n_nodes)
    h0 = check_positive("field_amplitude", field_amplitude, unit="A/m")
    phi = check_range("volume_fraction", volume_fraction, 0.0, 1.0, low_inclusive=False)
    m = _reduced_magnetization(np.array([h0]), ms_volume, median, sigma, temperature, n_nodes)[0]
    return phi * ms_volume * float(m) / h0

