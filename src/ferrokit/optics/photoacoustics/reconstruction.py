r"""Photoacoustic image reconstruction: delay-and-sum, universal back-projection and time reversal.

All three take the sensor data ``(n_sensors, n_samples)`` [Pa] sampled at ``t_n = t0 + n·dt`` and return an
image on an :class:`~.grid.AcousticGrid` (same coordinate frame as the sensor positions).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_positive
from ferrokit.optics.photoacoustics.grid import AcousticGrid, Medium
from ferrokit.optics.photoacoustics.sensors import SensorArray
from ferrokit.optics.photoacoustics.solver import KSpaceSolver

__all__ = ["delay_and_sum", "time_reversal", "ubp_filter", "universal_back_projection"]


def _check(sensor_data, sensor: SensorArray, grid: AcousticGrid, dt: float) -> np.ndarray:
    d = np.asarray(sensor_data, dtype=float)
    if d.ndim != 2 or d.shape[0] != sensor.n or d.shape[1] < 2:
        raise FerroKitInputError(f"sensor_data must be (n_sensors={sensor.n}, n_samples ≥ 2), got {d.shape}")
    if not np.all(np.isfinite(d)):
        raise FerroKitInputError("sensor_data contains non-finite values (NaN or inf)")
    if sensor.ndim != grid.ndim:
        raise FerroKitInputError(f"sensor positions are {sensor.ndim}D but the image grid is {grid.ndim}D")
    check_positive("dt", dt, unit="s")
    return d


def _pixels(grid: AcousticGrid) -> np.ndarray:
    return np.stack([c.ravel() for c in np.meshgrid(*[grid.axis(i) for i in range(grid.ndim)],
                                                    indexing="ij")], axis=1)


def _backproject(signals, sensor, grid, dt, c, t0, weight_fn, chunk=8192) -> np.ndarray:
    """Σ_j w_j(r) s_j((|r − r_j|/c − t0)/dt) / Σ_j w_j(r), linear interpolation in time, pixel chunks."""
    pix = _pixels(grid)
    n_t = signals.shape[1]
    out = np.empty(pix.shape[0])
    cols = np.arange(sensor.n)[None, :]
    flat = signals.ravel()
    for a in range(0, pix.shape[0], chunk):
        r = pix[a:a + chunk]
        diff = r[:, None, :] - sensor.positions[None, :, :]
        dist = np.sqrt(np.sum(diff**2, axis=2))
        s = (dist / c - t0) / dt
        i0 = np.floor(s).astype(np.int64)
        f = s - i0
        ok = (i0 >= 0) & (i0 < n_t - 1)
        i0c = np.clip(i0, 0, n_t - 2)
        val = (flat[cols * n_t + i0c] * (1 - f) + flat[cols * n_t + i0c + 1] * f) * ok
        w = weight_fn(diff, dist)
        wsum = w.sum(axis=1)
        out[a:a + chunk] = np.divide((val * w).sum(axis=1), wsum, out=np.zeros(len(r)), where=wsum > 0)
    return out.reshape(grid.shape)


def delay_and_sum(sensor_data, sensor: SensorArray, image_grid: AcousticGrid, *, dt: float,
                  sound_speed: float, t0: float = 0.0) -> np.ndarray:
    r"""Delay-and-sum image :math:`I(\mathbf r) = \frac1N \sum_j p_j(t_0 + |\mathbf r - \mathbf r_j|/c)`.

    Time samples are interpolated linearly; delays past the record contribute 0. Homogeneous sound speed
    ``sound_speed`` [m/s]. Amplitudes are relative (the mean of the sensor signals), not p0.

    Examples
    --------
    >>> from ferrokit.optics.photoacoustics import make_grid, ring_array
    >>> ring = ring_array(2e-3, 64)
    >>> t = np.arange(400) * 1e-8
    >>> d = np.linalg.norm(ring.positions - [0.5e-3, 0.0], axis=1)     # a point at (0.5, 0) mm
    >>> data = np.exp(-((t[None, :] - d[:, None] / 1500.0) / 3e-8) ** 2)
    >>> img = delay_and_sum(data, ring, make_grid((21, 21), 1e-4), dt=1e-8, sound_speed=1500.0)
    >>> np.unravel_index(np.argmax(img), img.shape)                     # index 10 + 5 along x
    (np.int64(15), np.int64(10))
    """
    d = _check(sensor_data, sensor, image_grid, dt)
    c = check_positive("sound_speed", sound_speed, unit="m/s")
    return _backproject(d, sensor, image_grid, dt, c, float(t0), lambda diff, dist: np.ones_like(dist))


def ubp_filter(sensor_data, dt: float, *, t0: float = 0.0) -> np.ndarray:
    r"""Back-projection term :math:`b(t) = 2p(t) - 2t\,\partial p/\partial t` of Xu & Wang (2005) (central
    differences in time; ``t = t0 + n·dt``)."""
    d = np.asarray(sensor_data, dtype=float)
    t = t0 + np.arange(d.shape[1]) * dt
    return 2 * d - 2 * t[None, :] * np.gradient(d, dt, axis=1)


def universal_back_projection(sensor_data, sensor: SensorArray, image_grid: AcousticGrid, *, dt: float,
                              sound_speed: float, t0: float = 0.0) -> np.ndarray:
    r"""Universal back-projection (Xu & Wang, Phys. Rev. E 71:016706, 2005, doi:10.1103/PhysRevE.71.016706
    [seen-abstract]):

    .. math:: p_0(\mathbf r) = \frac{\sum_j b_j(|\mathbf r - \mathbf r_j|/c)\,\Delta\Omega_j}
              {\sum_j \Delta\Omega_j},\quad b = 2p - 2t\,\partial_t p,\quad
              \Delta\Omega_j = \frac{\Delta S_j\,\cos\theta_j}{|\mathbf r - \mathbf r_j|^{d-1}}

    with :math:`\theta_j` the angle between the element's inward normal and :math:`\mathbf r - \mathbf r_j`
    (elements facing away get no weight). Exact in 3D for closed spherical, cylindrical or planar surfaces
    (normalised by the solid angle seen, which equals 4π for a closed surface). In 2D the same filter and
    in-plane angular weights are used: the standard approximation, which locates sources correctly but whose
    amplitude is not calibrated (use :func:`time_reversal` for quantitative 2D images).
    Needs element normals and sizes (ring and linear arrays define them).
    """
    d = _check(sensor_data, sensor, image_grid, dt)
    c = check_positive("sound_speed", sound_speed, unit="m/s")
    if sensor.normals is None or sensor.element_size is None:
        raise FerroKitInputError("universal back-projection needs element normals and sizes (ring or linear "
                                 "arrays); use delay_and_sum for a list of points")
    b = ubp_filter(d, dt, t0=t0)
    power = image_grid.ndim - 1
    normals, size = sensor.normals, sensor.element_size

    def weight(diff, dist):
        cos = np.einsum("pjk,jk->pj", diff, normals) / np.maximum(dist, 1e-300)  # n_j·(r − r_j)/|r − r_j|
        return np.maximum(cos, 0.0) * size[None, :] / np.maximum(dist, 1e-12) ** power

    return _backproject(b, sensor, image_grid, dt, c, float(t0), weight)


def time_reversal(sensor_data, sensor: SensorArray, grid: AcousticGrid, medium: Medium, *, dt: float,
                  pml_size=20, pml_alpha=2.0, positivity: bool = False, precision: str = "float64",
                  workers: int = 1, progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    r"""Time-reversal reconstruction with the forward solver (Treeby & Cox 2010, J. Biomed. Opt. 15:021314).

    Starting from rest, the recorded pressure is imposed, last sample first, as a Dirichlet condition at the
    grid point nearest each sensor (several sensors on one point are averaged) while the wave equation runs
    backwards in time; the field after the last (t = 0) sample is the estimate of :math:`p_0`. The medium may be
    heterogeneous. ``positivity`` clips negative values (p0 ≥ 0 for photoacoustics).
    Exact in a homogeneous medium for a closed detection surface in 3D, densely sampled and recorded until
    the field has left the domain; in 2D the waves have tails, so a finite record loses some low frequencies.
    """
    d = _check(sensor_data, sensor, grid, dt)
    solver = KSpaceSolver(grid, medium, dt, pml_size=pml_size, pml_alpha=pml_alpha, precision=precision,
                          workers=workers)
    idx = np.stack([np.rint(sensor.positions[:, ax] / grid.spacing[ax] + grid.shape[ax] // 2).astype(np.int64)
                    for ax in range(grid.ndim)], axis=1)
    for ax in range(grid.ndim):
        if np.any(idx[:, ax] < 0) or np.any(idx[:, ax] >= grid.shape[ax]):
            raise FerroKitInputError(f"a sensor lies outside the reconstruction grid along axis {ax}")
    flat = np.ravel_multi_index(tuple(idx.T), grid.shape)
    uniq, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    n_t = d.shape[1]
    for n in range(n_t):
        solver.step()
        vals = np.bincount(inverse, weights=d[:, n_t - 1 - n], minlength=uniq.size) / counts
        solver.set_pressure_at(uniq, vals.astype(solver.real))
        if progress is not None and (n % 25 == 0 or n == n_t - 1):
            progress(n + 1, n_t)
    img = solver.p.astype(float)
    return np.maximum(img, 0.0) if positivity else img
