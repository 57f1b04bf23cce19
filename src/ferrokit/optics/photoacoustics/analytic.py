r"""Analytic photoacoustic fields of radially symmetric initial pressures (validation of the solver).

**Uniform ball (3D N-wave).** For a radially symmetric :math:`p_0(r)` in 3D, :math:`r\,p` obeys the 1D wave
equation, so with zero initial velocity and :math:`P` the even extension of :math:`p_0`
(d'Alembert; e.g. Diebold, Sun & Khan, Phys. Rev. Lett. 67:3384, 1991 [unverified citation];
Wang & Wu, *Biomedical Optics*, Wiley 2012, ch. 12 [seen-secondary]):

.. math:: p(r,t) = \frac{(r-ct)\,P(r-ct) + (r+ct)\,P(r+ct)}{2r}

For a ball of radius R and pressure :math:`p_0`, outside the ball (r > R) and t > 0 only the first term
survives: :math:`p = p_0\,(r-ct)/(2r)` for :math:`|r-ct| < R`, else 0 — the N-wave, of peak
:math:`\pm p_0 R/(2r)` at :math:`t = (r \mp R)/c`, crossing zero at :math:`t = r/c`.

**Band-limited sources.** A grid solver sees a band-limited source. With the radial spectrum
:math:`\hat p_0(k)` and window :math:`W(k)`, the exact field is
:math:`p(r,t) = \mathcal H^{-1}\{W \hat p_0 \cos(ckt)\}` (3D: :math:`\hat f = \frac{4\pi}{k}\int f r\sin kr\,dr`,
:math:`f = \frac{1}{2\pi^2 r}\int \hat f k \sin kr\,dk`; 2D: zeroth-order Hankel transforms), evaluated here by
quadrature up to the grid's Nyquist wavenumber π/Δx. The window is k-Wave's Blackman smoothing window for a
square/cubic grid of spacing Δx: :math:`W(k) = 0.42 + 0.5\cos(k\Delta x) + 0.08\cos(2k\Delta x)`, k ≤ π/Δx.
"""

from __future__ import annotations

import numpy as np
from scipy.special import j0, j1

from ferrokit._shared.validation import FerroKitInputError, check_positive

__all__ = ["band_limited_ball", "blackman_window_k", "gaussian_pulse", "nwave_ball"]


def nwave_ball(r, t, *, radius: float, p0: float, sound_speed: float) -> np.ndarray:
    r"""Exact pressure [Pa] of a uniform ball (3D) of ``radius`` [m] and initial pressure ``p0`` [Pa].

    ``r`` [m] > 0 and ``t`` [s] ≥ 0 broadcast against each other.

    >>> round(float(nwave_ball(3e-3, 2.5e-3 / 1500, radius=1e-3, p0=1.0, sound_speed=1500.0)), 6)  # (r−ct)/(2r)
    0.083333
    """
    rr, tt = np.broadcast_arrays(np.asarray(r, float), np.asarray(t, float))
    if np.any(rr <= 0):
        raise FerroKitInputError("r must be > 0 m (the formula is singular at the centre)")
    big_r = check_positive("radius", radius, unit="m")
    c = check_positive("sound_speed", sound_speed, unit="m/s")
    a, b = rr - c * tt, rr + c * tt
    return p0 * (a * (np.abs(a) < big_r) + b * (np.abs(b) < big_r)) / (2 * rr)


def blackman_window_k(k, spacing: float) -> np.ndarray:
    """k-Wave's radial Blackman smoothing window at wavenumber ``k`` [rad/m] for grid ``spacing`` [m]."""
    x = np.minimum(np.asarray(k, float) * spacing, np.pi)
    return 0.42 + 0.5 * np.cos(x) + 0.08 * np.cos(2 * x)


def _radial_inverse(spec, r, t, c, k, ndim, chunk=256):
    """p(r, t) from the radial spectrum ``spec(k)`` (already windowed) by trapezoid quadrature in k."""
    rr, tt = np.broadcast_arrays(np.asarray(r, float), np.asarray(t, float))
    shape = rr.shape
    rr, tt = rr.ravel(), tt.ravel()
    out = np.empty(rr.size)
    kk = k[None, :]
    for a in range(0, rr.size, chunk):
        r1, t1 = rr[a:a + chunk, None], tt[a:a + chunk, None]
        if ndim == 3:
            safe = np.where(r1 > 0, r1, 1.0)
            kern = np.where(r1 > 0, np.sin(kk * r1) / safe, kk)
            integrand = spec[None, :] * kk * kern * np.cos(c * kk * t1) / (2 * np.pi**2)
        else:
            integrand = spec[None, :] * kk * j0(kk * r1) * np.cos(c * kk * t1) / (2 * np.pi)
        out[a:a + chunk] = np.trapezoid(integrand, k, axis=1)
    return out.reshape(shape)


def band_limited_ball(r, t, *, radius: float, p0: float, sound_speed: float, spacing: float, ndim: int = 3,
                      n_k: int = 8192) -> np.ndarray:
    r"""Pressure [Pa] of a uniform ball (3D) or disc (2D) band-limited by :func:`blackman_window_k`.

    Spectra: 3D :math:`\hat p_0 = 4\pi p_0 (\sin kR - kR\cos kR)/k^3`; 2D :math:`\hat p_0 = 2\pi p_0 R J_1(kR)/k`.

    >>> v = band_limited_ball(3e-3, 2.1e-3 / 1500, radius=1e-3, p0=1.0, sound_speed=1500.0, spacing=1e-4)
    >>> bool(0.1 < float(v) < 1 / 6)     # below the unfiltered peak R/(2r) = 1/6: the edge is smoothed
    True
    """
    big_r = check_positive("radius", radius, unit="m")
    c = check_positive("sound_speed", sound_speed, unit="m/s")
    dx = check_positive("spacing", spacing, unit="m")
    if ndim not in (2, 3):
        raise FerroKitInputError(f"ndim must be 2 or 3, got {ndim}")
    k = np.linspace(0.0, np.pi / dx, n_k)
    kr = k * big_r
    with np.errstate(invalid="ignore", divide="ignore"):
        if ndim == 3:
            spec = np.where(k > 0, 4 * np.pi * p0 * (np.sin(kr) - kr * np.cos(kr)) / np.where(k > 0, k, 1) ** 3,
                            4 * np.pi * p0 * big_r**3 / 3)
        else:
            spec = np.where(k > 0, 2 * np.pi * p0 * big_r * j1(kr) / np.where(k > 0, k, 1), np.pi * p0 * big_r**2)
    return _radial_inverse(spec * blackman_window_k(k, dx), r, t, c, k, ndim)


def gaussian_pulse(r, t, *, width: float, p0: float, sound_speed: float, ndim: int = 3,
                   n_k: int = 8192) -> np.ndarray:
    r"""Pressure [Pa] from a Gaussian initial pressure :math:`p_0 e^{-r^2/a^2}` (``width`` = a [m]).

    3D closed form :math:`p = p_0[(r-ct)e^{-(r-ct)^2/a^2} + (r+ct)e^{-(r+ct)^2/a^2}]/(2r)`; 2D by the Hankel
    integral :math:`p = p_0 \frac{a^2}{2}\int_0^\infty e^{-k^2a^2/4} J_0(kr)\cos(ckt)\,k\,dk`.

    >>> float(gaussian_pulse(1e-9, 0.0, width=1e-3, p0=2.0, sound_speed=1500.0, ndim=2)) # doctest: +ELLIPSIS
    1.99999...
    """
    a = check_positive("width", width, unit="m")
    c = check_positive("sound_speed", sound_speed, unit="m/s")
    rr, tt = np.broadcast_arrays(np.asarray(r, float), np.asarray(t, float))
    if ndim == 3:
        if np.any(rr <= 0):
            raise FerroKitInputError("r must be > 0 m in 3D")
        m, pl = rr - c * tt, rr + c * tt
        return p0 * (m * np.exp(-(m**2) / a**2) + pl * np.exp(-(pl**2) / a**2)) / (2 * rr)
    if ndim != 2:
        raise FerroKitInputError(f"ndim must be 2 or 3, got {ndim}")
    k = np.linspace(0.0, 12.0 / a, n_k)  # e^{-k²a²/4} < 1e-15 beyond 12/a
    spec = p0 * np.pi * a**2 * np.exp(-(k**2) * a**2 / 4)  # 2D Fourier transform of the Gaussian
    return _radial_inverse(spec, rr, tt, c, k, 2)
