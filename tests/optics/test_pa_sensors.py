"""Sensors: array geometry, interpolation weights, finite bandwidth, noise; p0 from the optics source term."""

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.optics import initial_pressure
from ferrokit.optics.photoacoustics import (
    add_noise,
    apply_bandwidth,
    linear_array,
    make_grid,
    point_sensors,
    ring_array,
    sensor_matrix,
)


def test_ring_and_linear_geometry():
    r = ring_array(5e-3, 64, center=[1e-3, 0.0])
    assert np.allclose(np.linalg.norm(r.positions - [1e-3, 0.0], axis=1), 5e-3)
    assert np.allclose(np.sum(r.normals * (r.positions - [1e-3, 0.0]), axis=1), -5e-3)  # normals point inward
    assert r.element_size.sum() == pytest.approx(2 * np.pi * 5e-3)
    half = ring_array(5e-3, 33, arc=np.pi)
    assert np.allclose(half.positions[[0, -1]], [[5e-3, 0.0], [-5e-3, 0.0]], atol=1e-15)
    lin = linear_array(5, 2e-4, center=[0.0, -1e-3], ndim=2)
    assert np.allclose(np.diff(lin.positions[:, 0]), 2e-4) and np.allclose(lin.positions[:, 1], -1e-3)


@pytest.mark.parametrize("method, tol", [("linear", 1e-12), ("bandlimited", 2e-3), ("nearest", 0.40)])
def test_interpolation_of_a_smooth_field(method, tol):
    # f = cos(kx x) sin(ky y) with 16 points per wavelength: bilinear interpolation is exact only for linear
    # fields, so it is tested on f = 2x − 3y; the windowed sinc is tested on the oscillating field (error ≈ 1e-3);
    # nearest is off by up to half a cell per axis: |Δf| ≤ (|∂x f| + |∂y f|) dx/2 ≤ k dx = 2π/16 ≈ 0.39.
    g = make_grid((64, 64), 1e-4)
    x, y = g.coordinates()
    rng = np.random.default_rng(0)
    pts = rng.uniform(-2e-3, 2e-3, size=(50, 2))
    if method == "linear":
        f, exact = 2 * x - 3 * y + 0 * x * y, 2 * pts[:, 0] - 3 * pts[:, 1]
        scale = 1.0
    else:
        k = 2 * np.pi / 16e-4
        f, exact = np.cos(k * x) * np.sin(k * y), np.cos(k * pts[:, 0]) * np.sin(k * pts[:, 1])
        scale = 1.0
    w = sensor_matrix(point_sensors(pts), g, method)
    assert np.max(np.abs(w @ f.ravel() - exact)) < tol * scale


def test_sensor_outside_the_grid_is_refused():
    g = make_grid((16, 16), 1e-4)
    with pytest.raises(FerroKitInputError, match="outside the grid"):
        sensor_matrix(point_sensors([[1e-2, 0.0]]), g)
    with pytest.raises(FerroKitInputError, match="3D"):
        sensor_matrix(point_sensors([[0.0, 0.0, 0.0]]), g)
    with pytest.raises(FerroKitInputError, match="method"):
        sensor_matrix(point_sensors([[0.0, 0.0]]), g, "cubic")


def test_bandwidth_filter_gain():
    dt = 1e-8
    t = np.arange(4096) * dt
    fc = 5e6
    sig = np.stack([np.sin(2 * np.pi * fc * t), np.sin(2 * np.pi * 1.5 * fc * t), np.ones_like(t)])
    out = apply_bandwidth(sig, dt, center_frequency=fc, bandwidth=0.5)
    mid = slice(1000, 3000)
    # gain 1 at f_c; at f_c + FWHM/2·2 = 1.5 f_c (B = 0.5 → FWHM 2.5 MHz, 2.5 MHz away = 2 half-widths) the gain is
    # exp(−4 ln 2 · (2.5/2.5)²) = 1/16; DC is attenuated to exp(−(f_c/σ)²/2), σ = FWHM/(2√(2 ln 2))
    assert np.max(np.abs(out[0, mid])) == pytest.approx(1.0, rel=0.01)
    assert np.max(np.abs(out[1, mid])) == pytest.approx(1 / 16, rel=0.05)
    sigma = 0.5 * fc / (2 * np.sqrt(2 * np.log(2)))
    assert np.max(np.abs(out[2, mid])) == pytest.approx(np.exp(-((fc / sigma) ** 2) / 2), rel=1e-6)
    with pytest.raises(FerroKitInputError, match="center_frequency"):
        apply_bandwidth(sig, dt, center_frequency=1e9, bandwidth=0.5)


def test_noise_is_reproducible_and_scaled():
    x = np.zeros((4, 5000))
    x[0, 10] = 100.0
    a = add_noise(x, snr_db=40, rng=3)
    b = add_noise(x, snr_db=40, rng=3)
    assert np.array_equal(a, b)
    assert (a - x).std() == pytest.approx(1.0, rel=0.03)   # 100 Pa / 10^(40/20)
    with pytest.raises(FerroKitInputError, match="exactly one"):
        add_noise(x, std=1.0, snr_db=10.0)
    with pytest.raises(FerroKitInputError, match="std"):
        add_noise(x, std=-1.0)


def test_initial_pressure_is_gamma_mu_a_fluence():
    # p0 = Γ μa Φ: blood at 800 nm (μa ≈ 4.4 /cm, SCIENCE.md §4), 10 mJ/cm², Γ = 0.2 → 8.8 kPa
    assert initial_pressure(440.0, 100.0, 0.2) == pytest.approx(8800.0)
