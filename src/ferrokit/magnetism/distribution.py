"""Lognormal size distributions of magnetic cores: quadrature nodes and analytic moments.

A lognormal distribution of diameters has :math:`\\ln d \\sim \\mathcal N(\\ln d_0, \\sigma^2)`, with
``d_0`` the median and ``σ`` the standard deviation of ``ln d`` (dimensionless). Its raw moments are

.. math:: \\langle d^k \\rangle = d_0^k \\exp(k^2 \\sigma^2 / 2).

Weighting a lognormal by :math:`d^m` gives another lognormal with the same ``σ`` and median
:math:`d_0 \\exp(m \\sigma^2)`; so the *volume-weighted* distribution (``m = 3``) has median
:math:`d_0 e^{3\\sigma^2}`. Averages over the distribution are computed with Gauss–Hermite quadrature in
``ln d``, which is exact for polynomials in ``ln d`` of degree ``2n - 1`` and converges exponentially for
the smooth integrands used here (Langevin functions, powers of ``d``).

Reference for the lognormal description of ferrofluid core sizes: R. W. Chantrell, J. Popplewell and
S. W. Charles, "Measurements of particle size distribution parameters in ferrofluids", IEEE Trans. Magn.
14 (1978) 975–977, doi:10.1109/TMAG.1978.1059918.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_nonnegative, check_positive, check_range

__all__ = [
    "DEFAULT_NODES",
    "lognormal_mean_diameter",
    "lognormal_mean_volume",
    "lognormal_moment",
    "lognormal_nodes",
    "volume_weighted_mean_diameter",
    "volume_weighted_nodes",
]

#: Default number of Gauss–Hermite nodes; moments ⟨d^k⟩ for k ≤ 6 and σ ≤ 0.6 are exact to < 1e-12.
DEFAULT_NODES = 40

_MAX_SIGMA = 2.0


@lru_cache(maxsize=32)
def _hermgauss(n: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.hermite.hermgauss(n)
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


def _check_common(median: float, sigma: float, n: int) -> tuple[float, float, int]:
    median = check_positive("median", median, unit="m")
    sigma = check_nonnegative("sigma", sigma)
    if sigma > _MAX_SIGMA:
        raise FerroKitInputError(f"sigma must lie in [0, {_MAX_SIGMA:g}] (σ of ln d), got {sigma:g}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= int(n) <= 200:
        raise FerroKitInputError(f"n must be an integer in [1, 200], got {n!r}")
    return median, sigma, int(n)


def lognormal_nodes(
    median: float, sigma: float, n: int = DEFAULT_NODES, *, weighting: str = "number"
) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Hermite quadrature nodes and weights of a lognormal diameter distribution.

    For a function ``f`` of the diameter,

    .. math:: \\langle f(d) \\rangle \\approx \\sum_i w_i f(d_i), \\qquad
              d_i = d_{0,m} \\exp(\\sqrt 2\\, \\sigma x_i), \\quad w_i = \\omega_i/\\sqrt\\pi,

    with :math:`(x_i, \\omega_i)` the physicists' Gauss–Hermite rule and :math:`d_{0,m}` the median of the
    requested weighting (``d_0`` for number weighting, :math:`d_0 e^{3\\sigma^2}` for volume weighting).

    Parameters
    ----------
    median : float
        Median diameter ``d_0`` of the *number* distribution [m].
    sigma : float
        Standard deviation of ``ln d`` (dimensionless, 0 ≤ σ ≤ 2). ``sigma = 0`` gives one node.
    n : int
        Number of nodes (1–200).
    weighting : {"number", "volume"}
        ``"number"``: averages per particle. ``"volume"``: averages weighted by particle volume (what a
        magnetisation per unit mass of magnetic material averages over); the nodes are those of the
        volume-weighted lognormal, so no accuracy is lost to the ``d³`` factor.

    Returns
    -------
    diameters : ndarray, shape (n,)
        Node diameters [m], increasing.
    weights : ndarray, shape (n,)
        Weights, positive, summing to 1.

    Notes
    -----
    Validity: any lognormal; the rule integrates ``exp(k σ ln d)``-type integrands with an error that
    falls faster than exponentially with ``n``. With the default 40 nodes the moments ⟨d^k⟩ (k ≤ 6,
    σ ≤ 0.6) are exact to 1e-12 (tested).

    Examples
    --------
    >>> d, w = lognormal_nodes(10e-9, 0.0)
    >>> d.tolist(), w.tolist()
    ([1e-08], [1.0])
    >>> d, w = lognormal_nodes(10e-9, 0.3, n=30)
    >>> round(float(np.sum(w * d**3) / (10e-9) ** 3), 6) == round(math.exp(9 * 0.09 / 2), 6)
    True
    """
    median, sigma, n = _check_common(median, sigma, n)
    if weighting not in ("number", "volume"):
        raise FerroKitInputError(f"weighting must be one of number, volume; got {weighting!r}")
    centre = median * math.exp(3.0 * sigma**2) if weighting == "volume" else median
    if sigma == 0.0 or n == 1:
        return np.array([centre]), np.array([1.0])
    x, w = _hermgauss(n)
    diameters = centre * np.exp(math.sqrt(2.0) * sigma * x)
    weights = w / math.sqrt(math.pi)
    weights = weights / weights.sum()
    return diameters, weights


def volume_weighted_nodes(median: float, sigma: float,
                          n: int = DEFAULT_NODES) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the volume-weighted lognormal (``lognormal_nodes(..., weighting="volume")``)."""
    return lognormal_nodes(median, sigma, n, weighting="volume")


def lognormal_moment(median: float, sigma: float, k: float) -> float:
    """Raw moment :math:`\\langle d^k \\rangle = d_0^k \\exp(k^2\\sigma^2/2)` of a lognormal [m^k].

    Parameters
    ----------
    median : float
        Median diameter [m].
    sigma : float
        Standard deviation of ``ln d``.
    k : float
        Order of the moment (any real).

    Examples
    --------
    >>> lognormal_moment(2.0, 0.0, 3)
    8.0
    """
    median, sigma, _ = _check_common(median, sigma, 1)
    k = check_range("k", k, -20, 20)
    return median**k * math.exp(0.5 * k * k * sigma * sigma)


def lognormal_mean_diameter(median: float, sigma: float) -> float:
    """Number-weighted mean diameter :math:`\\langle d \\rangle = d_0 e^{\\sigma^2/2}` [m]."""
    return lognormal_moment(median, sigma, 1)


def lognormal_mean_volume(median: float, sigma: float) -> float:
    """Mean particle volume :math:`\\langle V \\rangle = (\\pi/6) d_0^3 e^{9\\sigma^2/2}` [m³]."""
    return math.pi / 6.0 * lognormal_moment(median, sigma, 3)


def volume_weighted_mean_diameter(median: float, sigma: float) -> float:
    """Volume-weighted mean diameter [m].

    .. math:: \\langle d^4\\rangle/\\langle d^3\\rangle = d_0 e^{7\\sigma^2/2}
    """
    return lognormal_moment(median, sigma, 4) / lognormal_moment(median, sigma, 3)
