r"""Ultrasound sensors: point lists, ring and linear arrays; grid interpolation, finite bandwidth and noise.

A sensor array is a list of element positions ``(n, ndim)`` [m] in the grid frame (origin at index N//2,
see :mod:`.grid`), with optional inward normals and element sizes used by back-projection.
:func:`sensor_matrix` turns it into a sparse ``(n, grid points)`` matrix so that recording one time sample is
one sparse product.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.validation import FerroKitInputError, check_choice, check_positive, check_range
from ferrokit.optics.photoacoustics.grid import AcousticGrid

__all__ = [
    "SensorArray",
    "add_noise",
    "apply_bandwidth",
    "linear_array",
    "point_sensors",
    "ring_array",
    "sensor_matrix",
]


@dataclass(frozen=True, eq=False)
class SensorArray:
    """Sensor element positions [m] ``(n, ndim)``; ``normals`` (unit, pointing into the imaged region) and
    ``element_size`` (length in 2D, area in 3D [m or m²]) when the geometry defines them."""

    positions: np.ndarray = field(repr=False)
    kind: str = "points"
    normals: np.ndarray | None = field(default=None, repr=False)
    element_size: np.ndarray | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """Number of elements."""
        return int(self.positions.shape[0])

    @property
    def ndim(self) -> int:
        """Spatial dimensions of the positions."""
        return int(self.positions.shape[1])

    def to_dict(self) -> dict:
        """Kind, count and positions (SI)."""
        return {"kind": self.kind, "n_elements": self.n,
                "positions": {"value": self.positions.tolist(), "unit": "m"}}


def point_sensors(positions) -> SensorArray:
    """Sensors at arbitrary positions ``(n, ndim)`` [m], ndim 2 or 3.

    >>> point_sensors([[0.0, 1e-3]]).n
    1
    """
    pos = np.asarray(positions, dtype=float)
    if pos.ndim != 2 or pos.shape[1] not in (2, 3) or pos.shape[0] < 1:
        raise FerroKitInputError(f"sensor positions must be an (n, 2) or (n, 3) array, got shape {pos.shape}")
    if not np.all(np.isfinite(pos)):
        raise FerroKitInputError("sensor positions contain non-finite values")
    return SensorArray(pos, "points")


def ring_array(radius: float, n_elements: int, *, center=None, ndim: int = 2, arc: float = 2 * math.pi,
               start_angle: float = 0.0) -> SensorArray:
    r"""Elements on a circle of ``radius`` [m] (in the x–y plane for 3D), at angles
    :math:`\theta_j = \theta_0 + j\,\mathrm{arc}/n` (full circle) or spread over ``arc`` [rad] end to end.

    >>> s = ring_array(5e-3, 4)
    >>> np.round(s.positions * 1e3, 6).tolist()
    [[5.0, 0.0], [0.0, 5.0], [-5.0, 0.0], [-0.0, -5.0]]
    """
    r = check_positive("radius", radius, unit="m")
    if not (isinstance(n_elements, (int, np.integer)) and 2 <= n_elements <= 100_000):
        raise FerroKitInputError(f"n_elements must be an integer in [2, 100000], got {n_elements!r}")
    check_choice("ndim", str(ndim), ("2", "3"))
    arc = check_range("arc", arc, 0.0, 2 * math.pi, low_inclusive=False)
    c = np.zeros(ndim) if center is None else np.asarray(center, dtype=float)
    if c.shape != (ndim,):
        raise FerroKitInputError(f"center needs {ndim} values, got {c.shape}")
    full = math.isclose(arc, 2 * math.pi)
    theta = start_angle + arc * np.arange(n_elements) / (n_elements if full else n_elements - 1)
    pos = np.zeros((n_elements, ndim))
    pos[:, 0], pos[:, 1] = r * np.cos(theta), r * np.sin(theta)
    normals = np.zeros_like(pos)
    normals[:, 0], normals[:, 1] = -np.cos(theta), -np.sin(theta)
    size = np.full(n_elements, r * arc / (n_elements if full else n_elements - 1))
    return SensorArray(pos + c, "ring", normals, size)


def linear_array(n_elements: int, pitch: float, *, center=None, axis: int = 0, normal_axis: int = 1,
                 ndim: int = 2) -> SensorArray:
    """Elements spaced by ``pitch`` [m] along grid ``axis``, centred on ``center``, facing +``normal_axis``.

    >>> linear_array(3, 1e-3, center=[0.0, -2e-3]).positions.tolist()
    [[-0.001, -0.002], [0.0, -0.002], [0.001, -0.002]]
    """
    p = check_positive("pitch", pitch, unit="m")
    if not (isinstance(n_elements, (int, np.integer)) and 1 <= n_elements <= 100_000):
        raise FerroKitInputError(f"n_elements must be an integer in [1, 100000], got {n_elements!r}")
    check_choice("ndim", str(ndim), ("2", "3"))
    if axis == normal_axis or not (0 <= axis < ndim and 0 <= normal_axis < ndim):
        raise FerroKitInputError(f"axis and normal_axis must be different axes in [0, {ndim - 1}]")
    c = np.zeros(ndim) if center is None else np.asarray(center, dtype=float)
    if c.shape != (ndim,):
        raise FerroKitInputError(f"center needs {ndim} values, got {c.shape}")
    pos = np.tile(c, (n_elements, 1))
    pos[:, axis] += (np.arange(n_elements) - (n_elements - 1) / 2) * p
    normals = np.zeros_like(pos)
    normals[:, normal_axis] = 1.0
    return SensorArray(pos, "linear", normals, np.full(n_elements, p))


def _axis_weights(x: np.ndarray, n: int, d: float, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(n_pts, m)`` and weights ``(n_pts, m)`` of 1D interpolation at coordinates ``x`` [m]."""
    g = x / d + n // 2  # fractional grid index
    if method == "nearest":
        return np.rint(g).astype(np.int64)[:, None], np.ones((x.size, 1))
    if method == "linear":
        i0 = np.clip(np.floor(g).astype(np.int64), 0, n - 2)
        f = g - i0
        return np.stack([i0, i0 + 1], 1), np.stack([1 - f, f], 1)
    # band-limited: sinc interpolant truncated to ±4 points with a Blackman window, weights normalised to 1
    half = 4
    i0 = np.floor(g).astype(np.int64)
    idx = i0[:, None] + np.arange(-half + 1, half + 1)[None, :]
    dist = g[:, None] - idx
    win = 0.42 + 0.5 * np.cos(np.pi * dist / half) + 0.08 * np.cos(2 * np.pi * dist / half)
    w = np.sinc(dist) * np.where(np.abs(dist) < half, win, 0.0)
    w /= w.sum(axis=1, keepdims=True)
    return np.mod(idx, n), w


def sensor_matrix(sensor: SensorArray, grid: AcousticGrid, method: str = "linear") -> sp.csr_matrix:
    """Sparse ``(n_sensors, grid points)`` interpolation matrix (C order) from grid values to the elements.

    Methods: ``nearest`` (the closest grid point), ``linear`` (multilinear, as k-Wave's Cartesian sensors),
    ``bandlimited`` (Blackman-windowed sinc over ±4 points per axis: the band-limited interpolant of the
    pseudospectral grid with a finite kernel, cf. Wise et al., J. Acoust. Soc. Am. 146:278, 2019 [unverified
    citation]).

    >>> from ferrokit.optics.photoacoustics.grid import make_grid
    >>> g = make_grid((16, 16), 1e-3)
    >>> w = sensor_matrix(point_sensors([[0.5e-3, 0.0]]), g)
    >>> f = np.add.outer(g.axis(0), 0 * g.axis(1))   # f(x, y) = x
    >>> float((w @ f.ravel())[0])
    0.0005
    """
    check_choice("method", method, ("nearest", "linear", "bandlimited"))
    if sensor.ndim != grid.ndim:
        raise FerroKitInputError(f"sensor positions are {sensor.ndim}D but the grid is {grid.ndim}D")
    pos = sensor.positions
    for ax in range(grid.ndim):
        lo, hi = grid.axis(ax)[0], grid.axis(ax)[-1]
        if np.any(pos[:, ax] < lo - 1e-12) or np.any(pos[:, ax] > hi + 1e-12):
            raise FerroKitInputError(f"a sensor lies outside the grid along axis {ax} "
                                     f"([{lo:.4g}, {hi:.4g}] m)")
    per_axis = [_axis_weights(pos[:, ax], grid.shape[ax], grid.spacing[ax], method) for ax in range(grid.ndim)]
    n = sensor.n
    rows = np.arange(n)[:, None]
    idx = np.zeros((n, 1), dtype=np.int64)
    w = np.ones((n, 1))
    for ax, (ii, ww) in enumerate(per_axis):
        ii = np.clip(ii, 0, grid.shape[ax] - 1)
        idx = (idx[:, :, None] * grid.shape[ax] + ii[:, None, :]).reshape(n, -1)
        w = (w[:, :, None] * ww[:, None, :]).reshape(n, -1)
    m = sp.csr_matrix((w.ravel(), (np.broadcast_to(rows, idx.shape).ravel(), idx.ravel())),
                      shape=(n, int(np.prod(grid.shape))))
    m.sum_duplicates()
    return m


def apply_bandwidth(data, dt: float, *, center_frequency: float, bandwidth: float) -> np.ndarray:
    r"""Finite sensor bandwidth: zero-phase Gaussian filter of the time series (last axis).

    .. math:: H(f) = \exp\!\left(-\frac{(|f| - f_c)^2}{2\sigma^2}\right),\qquad
              \sigma = \frac{B\,f_c}{2\sqrt{2\ln 2}}

    with ``bandwidth`` B the full width at half maximum as a fraction of ``center_frequency`` f_c [Hz]
    (k-Wave ``gaussianFilter`` convention [seen-secondary]). ``center_frequency = 0`` with ``bandwidth`` read
    as an absolute FWHM [Hz] gives a Gaussian low-pass.

    >>> t = np.arange(512) * 1e-8
    >>> x = np.sin(2 * np.pi * 5e6 * t)
    >>> y = apply_bandwidth(x, 1e-8, center_frequency=5e6, bandwidth=0.8)
    >>> bool(abs(np.abs(y[100:400]).max() - 1) < 0.05)   # the centre frequency passes unchanged
    True
    """
    x = np.asarray(data, dtype=float)
    check_positive("dt", dt, unit="s")
    fc = check_range("center_frequency", center_frequency, 0.0, 0.5 / dt, unit="Hz")
    b = check_positive("bandwidth", bandwidth)
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise FerroKitInputError("data must be a non-empty finite array")
    fwhm = b * fc if fc > 0 else b
    sigma = fwhm / (2 * math.sqrt(2 * math.log(2)))
    f = np.fft.rfftfreq(x.shape[-1], dt)
    h = np.exp(-((f - fc) ** 2) / (2 * sigma**2))
    return np.fft.irfft(np.fft.rfft(x, axis=-1) * h, n=x.shape[-1], axis=-1)


def add_noise(data, *, std: float | None = None, snr_db: float | None = None, rng: RngLike = None) -> np.ndarray:
    r"""Add white Gaussian noise of standard deviation ``std`` [Pa], or set by ``snr_db`` relative to the peak:
    :math:`\sigma = \max|x| / 10^{\mathrm{SNR}/20}`. Give exactly one of the two; ``rng`` makes it repeatable.

    >>> y = add_noise(np.zeros((2, 1000)), std=1.0, rng=0)
    >>> bool(0.9 < y.std() < 1.1)
    True
    """
    x = np.asarray(data, dtype=float)
    if (std is None) == (snr_db is None):
        raise FerroKitInputError("give exactly one of std (Pa) or snr_db")
    if std is not None:
        sigma = float(std)
        if not (math.isfinite(sigma) and sigma >= 0):
            raise FerroKitInputError(f"std must be ≥ 0 Pa, got {std!r}")
    else:
        snr = check_range("snr_db", snr_db, -40.0, 200.0, unit="dB")
        sigma = float(np.max(np.abs(x))) / 10 ** (snr / 20)
    return x + as_rng(rng).normal(0.0, sigma, size=x.shape)
