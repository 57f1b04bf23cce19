r"""Grid, medium, time step, initial-pressure smoothing and PML profiles of the k-space acoustic solver.

Conventions (the same as k-Wave, so that results can be compared point by point):

- A grid of ``N_i`` points of spacing ``dx_i`` has coordinates :math:`x_i = (j - \lfloor N_i/2 \rfloor)\,dx_i`,
  ``j = 0 … N_i − 1``: the point of index ``N//2`` is the origin.
- Arrays are indexed ``[ix, iy(, iz)]``; positions are given as ``(n, ndim)`` arrays in metres.
- The PML lies *inside* the grid (its outer ``pml_size`` points on each side).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_positive, check_range

__all__ = ["AcousticGrid", "Medium", "make_grid", "pml_profile", "smooth_initial_pressure", "time_step"]

_MAX_POINTS = 512**3


@dataclass(frozen=True)
class AcousticGrid:
    """A regular 2D or 3D grid: ``shape`` (points per axis) and ``spacing`` [m] per axis."""

    shape: tuple[int, ...]
    spacing: tuple[float, ...]

    @property
    def ndim(self) -> int:
        """Number of dimensions (2 or 3)."""
        return len(self.shape)

    def axis(self, i: int) -> np.ndarray:
        """Coordinates [m] along axis ``i``: ``(j - N//2)·dx``."""
        n = self.shape[i]
        return (np.arange(n) - n // 2) * self.spacing[i]

    def coordinates(self) -> list[np.ndarray]:
        """Broadcastable coordinate arrays (``np.meshgrid(..., indexing='ij', sparse=True)``)."""
        return np.meshgrid(*[self.axis(i) for i in range(self.ndim)], indexing="ij", sparse=True)

    def radius(self, center=None) -> np.ndarray:
        """Distance [m] of every grid point from ``center`` (default: the origin)."""
        c = np.zeros(self.ndim) if center is None else np.asarray(center, float)
        return np.sqrt(sum((x - ci) ** 2 for x, ci in zip(self.coordinates(), c, strict=True)))

    @property
    def extent(self) -> tuple[float, ...]:
        """Grid size ``N·dx`` [m] per axis."""
        return tuple(n * d for n, d in zip(self.shape, self.spacing, strict=True))

    def to_dict(self) -> dict:
        """Shape and spacing (SI)."""
        return {"shape": list(self.shape), "spacing": {"value": list(self.spacing), "unit": "m"}}


def make_grid(shape, spacing) -> AcousticGrid:
    """Validate and build an :class:`AcousticGrid`.

    Parameters
    ----------
    shape : sequence of int
        Points per axis, 2 or 3 axes, each ≥ 8 (at most 512³ points in all).
    spacing : float or sequence of float
        Grid spacing [m], one value for every axis or one per axis, > 0.

    >>> make_grid((64, 64), 1e-4).extent
    (0.0064, 0.0064)
    """
    try:
        shp = tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        raise FerroKitInputError(f"grid shape must be 2 or 3 integers, got {shape!r}") from None
    if len(shp) not in (2, 3):
        raise FerroKitInputError(f"grid shape must have 2 or 3 axes, got {len(shp)}")
    if any(n < 8 for n in shp) or math.prod(shp) > _MAX_POINTS:
        raise FerroKitInputError(f"grid shape must have ≥ 8 points per axis and ≤ 512³ points, got {shp}")
    sp = np.atleast_1d(np.asarray(spacing, dtype=float))
    if sp.size == 1:
        sp = np.repeat(sp, len(shp))
    if sp.size != len(shp):
        raise FerroKitInputError(f"spacing needs 1 or {len(shp)} values, got {sp.size}")
    for s in sp:
        check_positive("spacing", s, unit="m")
    return AcousticGrid(shp, tuple(float(s) for s in sp))


@dataclass(frozen=True, eq=False)
class Medium:
    r"""Acoustic medium: sound speed and density (scalars or grid arrays), optional power-law absorption.

    Absorption follows :math:`\alpha(f) = \alpha_{1\,\mathrm{MHz}}\,(f / 1\,\mathrm{MHz})^{y}` with
    ``alpha_coeff`` = :math:`\alpha_{1\,\mathrm{MHz}}` [Np/m] (1 dB/(MHz^y cm) = 11.513 Np/m) and
    ``alpha_power`` = *y* in (0, 3), y ≠ 1 (the dispersion term has a tan(πy/2) factor).
    """

    sound_speed: float | np.ndarray
    density: float | np.ndarray = 1000.0
    alpha_coeff: float | np.ndarray = 0.0
    alpha_power: float = 1.5

    def check(self, grid: AcousticGrid) -> Medium:
        """Return a validated copy whose arrays match ``grid`` (float64)."""
        out = {}
        for name, lo in (("sound_speed", 1.0), ("density", 1e-3), ("alpha_coeff", 0.0)):
            a = np.asarray(getattr(self, name), dtype=float)
            if a.ndim and a.shape != grid.shape:
                raise FerroKitInputError(f"medium.{name} must be a scalar or an array of the grid shape "
                                         f"{grid.shape}, got {a.shape}")
            if not np.all(np.isfinite(a)):
                raise FerroKitInputError(f"medium.{name} contains non-finite values")
            if np.any(a < lo) or (name != "alpha_coeff" and np.any(a <= 0)):
                raise FerroKitInputError(f"medium.{name} must be ≥ {lo:g} (SI), got minimum {float(a.min()):g}")
            out[name] = float(a) if a.ndim == 0 else a
        y = check_range("medium.alpha_power", self.alpha_power, 0.0, 3.0, low_inclusive=False,
                        high_inclusive=False)
        if np.any(out["alpha_coeff"] > 0) and abs(y - 1.0) < 0.05:
            raise FerroKitInputError("medium.alpha_power must not be within 0.05 of 1 (tan(πy/2) diverges)")
        return Medium(out["sound_speed"], out["density"], out["alpha_coeff"], y)

    @property
    def c_max(self) -> float:
        """Largest sound speed [m/s]."""
        return float(np.max(self.sound_speed))

    @property
    def c_min(self) -> float:
        """Smallest sound speed [m/s]."""
        return float(np.min(self.sound_speed))

    @property
    def absorbing(self) -> bool:
        """Whether power-law absorption is on."""
        return bool(np.any(np.asarray(self.alpha_coeff) > 0))


def time_step(grid: AcousticGrid, sound_speed_max: float, cfl: float = 0.3) -> float:
    r"""Time step :math:`\Delta t = \mathrm{CFL}\,\min_i \Delta x_i / c_\max` [s] (k-Wave ``makeTime``).

    A CFL of 0.3 is the k-Wave default. The homogeneous lossless k-space scheme is exact for any Δt; with
    heterogeneous sound speed (c ≤ c_ref = c_max) it is stable, and a CFL of 0.3 keeps the phase error small
    (Tabei et al. 2002). Absorption terms add a first-order-in-Δt error (≈ 4 % in α at 7.5 MHz at CFL 0.3).

    >>> round(time_step(make_grid((64, 64), 1e-4), 1500.0) * 1e9, 6)
    20.0
    """
    c = check_positive("sound_speed_max", sound_speed_max, unit="m/s")
    cfl = check_range("cfl", cfl, 0.0, 1.0, low_inclusive=False)
    return cfl * min(grid.spacing) / c


def _blackman_radial(shape) -> np.ndarray:
    """k-Wave's rotated Blackman window on the FFT grid (``smooth.m``/``getWin`` with rotation, unshifted).

    The 1D symmetric Blackman window of L = max(N') points (N' = N + 1 for even N, else N) is sampled at the
    radial distance of each wavenumber index, scaled per axis by (L − 1)/(N' − 1) and clipped at the window
    radius (L − 1)/2; linear interpolation between the window samples, as in k-Wave.
    """
    n_sym = [n + 1 if n % 2 == 0 else n for n in shape]
    big = max(n_sym)
    radius = (big - 1) / 2
    j = np.arange(big)
    w_lin = 0.42 - 0.5 * np.cos(2 * np.pi * j / (big - 1)) + 0.08 * np.cos(4 * np.pi * j / (big - 1))
    r2 = 0.0
    for ax, (n, ns) in enumerate(zip(shape, n_sym, strict=True)):
        f = np.fft.fftfreq(n, 1.0 / n)  # integer wavenumber index, Nyquist negative (as ifftshift places it)
        s = f * (big - 1) / (ns - 1)
        sh = [1] * len(shape)
        sh[ax] = n
        r2 = r2 + (s**2).reshape(sh)
    r = np.minimum(np.sqrt(r2), radius)
    return np.abs(np.interp(r + radius, j, w_lin))


def smooth_initial_pressure(p0, *, restore_max: bool = True) -> np.ndarray:
    r"""Band-limit an initial pressure with a radially symmetric Blackman window in k-space.

    :math:`\tilde p_0 = \mathcal F^{-1}\{W(|\mathbf k|)\,\mathcal F\{p_0\}\}`, then (``restore_max``) scaled so
    that :math:`\max|\tilde p_0| = \max|p_0|`. This is k-Wave's ``smooth(p0, true)`` (Treeby & Cox,
    J. Biomed. Opt. 15:021314, 2010, §2.4; doi:10.1117/1.3360308, verified abstract; window construction read
    in k-wave-python 0.6.2 ``utils/filters.py``), applied by default to every initial pressure to suppress
    the Gibbs ringing of a staircased source on the pseudospectral grid.

    >>> p = np.zeros((32, 32)); p[16, 16] = 1.0
    >>> round(float(smooth_initial_pressure(p).max()), 6)
    1.0
    """
    a = np.asarray(p0, dtype=float)
    if a.ndim not in (2, 3) or not np.all(np.isfinite(a)):
        raise FerroKitInputError("p0 must be a finite 2D or 3D array")
    out = np.fft.ifftn(np.fft.fftn(a) * _blackman_radial(a.shape)).real
    if restore_max:
        peak = np.abs(out).max()
        if peak > 0:
            out *= np.abs(a).max() / peak
    return out


def pml_profile(n: int, dx: float, dt: float, c_ref: float, size: int, alpha: float, *,
                staggered: bool) -> np.ndarray:
    r"""Multiplicative PML factor along one axis (length ``n``), applied twice per step (k-Wave ``getPML``).

    Absorption :math:`\sigma(x) = \alpha\,(c_\mathrm{ref}/\Delta x)\,(x/L)^4` over the ``size`` outer points
    (Berenger split-field profile as used by Treeby & Cox 2010), on the staggered grid shifted by half a
    point; the factor is :math:`\exp(-\sigma\,\Delta t/2)`. ``alpha`` is in nepers per grid point (default 2).
    """
    pml = np.ones(n)
    if size == 0 or alpha == 0:
        return pml
    x = np.arange(1, size + 1, dtype=float) + (0.5 if staggered else 0.0)
    left = alpha * (c_ref / dx) * ((x - size - 1) / (-size)) ** 4
    right = alpha * (c_ref / dx) * (x / size) ** 4
    pml[:size] = np.exp(-left * dt / 2)
    pml[n - size:] = np.exp(-right * dt / 2)
    return pml
