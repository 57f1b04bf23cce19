"""Morphology: mesh volume/area, PCA axes, enclosing shapes and spatial autocorrelation against hand values."""

import math

import numpy as np
import pytest
from scipy.spatial import ConvexHull

from ferrokit.radiomics import RadiomicsSettings, extract_features
from ferrokit.radiomics.features.morphology import (
    ellipsoid_area,
    mesh_volume_area,
    minimum_volume_enclosing_ellipsoid,
    moran_geary,
    oriented_minimum_bounding_box,
    roi_mesh,
)

MORPH = RadiomicsSettings(families=("morphology",))


def _ball(radius_vox, pad=2):
    n = 2 * (radius_vox + pad) + 1
    g = np.indices((n, n, n)) - (radius_vox + pad)
    return (g**2).sum(axis=0) <= radius_vox**2


def test_mesh_of_a_box_is_its_marching_cubes_surface():
    # a 4×5×6-voxel box with 1 mm voxels: marching cubes at 0.5 puts faces half-way to the background
    # voxels (box 4×5×6 mm) and cuts each edge and corner by a chamfer: volume below the box, above the
    # inner 3×4×5 box of voxel centres
    mask = np.ones((4, 5, 6), bool)
    verts, faces = roi_mesh(mask, (1.0, 1.0, 1.0))
    vol, area = mesh_volume_area(verts, faces)
    assert 3 * 4 * 5 < vol < 4 * 5 * 6
    assert 2 * (12 + 20 + 15) < area < 2 * (20 + 30 + 24)


def test_ball_volume_and_sphericity_approach_the_sphere():
    # r = 12 voxels: the mesh volume of a voxelised ball lies within 2 % of 4/3 π r³; sphericity of a
    # marching-cubes ball is ≈ 0.9–1 (staircase surface inflates the area a little)
    r = 12
    res = extract_features(_ball(r).astype(float) + 1, _ball(r), (1.0, 1.0, 1.0), MORPH)
    assert res["morph_volume"] == pytest.approx(4 / 3 * math.pi * r**3, rel=0.02)
    assert 0.9 < res["morph_sphericity"] <= 1.0
    assert res["morph_diam"] == pytest.approx(2 * r, rel=0.05)
    assert res["morph_pca_elongation"] == pytest.approx(1.0, abs=1e-9)  # cubic symmetry: equal eigenvalues


def test_pca_axes_of_a_voxel_box_by_hand():
    # box n_z × n_y × n_x with spacing s: variance of voxel centres along an axis (N−1 covariance) is
    # s² (n²−1)/12 · N/(N−1); major axis length = 4 √λ
    nz, ny, nx = 3, 5, 9
    sp = (2.0, 1.0, 0.5)
    res = extract_features(np.ones((nz, ny, nx)) * 7, np.ones((nz, ny, nx), bool), sp, MORPH)
    n = nz * ny * nx
    lam = sorted([s * s * (k * k - 1) / 12 * n / (n - 1) for s, k in zip(sp, (nz, ny, nx), strict=True)],
                 reverse=True)
    assert res["morph_pca_maj_axis"] == pytest.approx(4 * math.sqrt(lam[0]), rel=1e-12)
    assert res["morph_pca_min_axis"] == pytest.approx(4 * math.sqrt(lam[1]), rel=1e-12)
    assert res["morph_pca_least_axis"] == pytest.approx(4 * math.sqrt(lam[2]), rel=1e-12)
    assert res["morph_vol_approx"] == pytest.approx(n * 1.0)
    assert res["morph_integ_int"] == pytest.approx(7 * res["morph_volume"])
    assert res["morph_com"] == pytest.approx(0.0, abs=1e-12)  # uniform intensity: both centres coincide


def test_ellipsoid_area_follows_the_ibsi_series():
    # For α = β = e (a > b = c) P_ν(1) = 1 and the IBSI series Σ e^(2ν)/(1 − 4ν²) sums in closed form to
    # ½[1 + (1 − e²)/(2e) ln((1 + e)/(1 − e))], so A = 2πab[1 + (1 − e²)/(2e) ln((1 + e)/(1 − e))].
    # The series stops at ν = 20: for e² = 5/9 the tail is below (5/9)^21/1763 ≈ 3e-9 relative.
    a, b = 3.0, 2.0
    e = math.sqrt(1 - b * b / (a * a))
    closed = 2 * math.pi * a * b * (1 + (1 - e * e) / (2 * e) * math.log((1 + e) / (1 - e)))
    assert ellipsoid_area(a, b, b) == pytest.approx(closed, rel=1e-7)
    # NB: this is the manual's definition (it reproduces the consensus area density (AEE) of the phantom);
    # it is not the exact prolate-spheroid area 2πb²(1 + a/(b e) arcsin e) = 67.67 for these axes.
    assert ellipsoid_area(2.0, 2.0, 2.0) == pytest.approx(4 * math.pi * 4.0, rel=1e-12)


def test_mvee_of_cube_vertices_is_the_circumscribed_sphere():
    # the minimum-volume ellipsoid enclosing a cube [−1, 1]³ is the sphere of radius √3 (symmetry)
    cube = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)
    semi = minimum_volume_enclosing_ellipsoid(cube, tol=1e-7)
    np.testing.assert_allclose(semi, [math.sqrt(3)] * 3, rtol=1e-5)


def test_mvee_of_a_box_scales_with_its_half_sides():
    box = np.array([[x, y, z] for x in (-3, 3) for y in (-2, 2) for z in (-1, 1)], float)
    semi = minimum_volume_enclosing_ellipsoid(box, tol=1e-7)
    np.testing.assert_allclose(semi, np.array([3, 2, 1]) * math.sqrt(3), rtol=1e-5)


def test_ombb_of_a_rotated_box_recovers_its_volume():
    rng = np.random.default_rng(7)
    pts = rng.uniform(-1, 1, size=(400, 3)) * [4.0, 2.0, 1.0]
    pts = np.vstack([pts, [[x, y, z] for x in (-4, 4) for y in (-2, 2) for z in (-1, 1)]])
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    rot = pts @ q.T
    vol, area = oriented_minimum_bounding_box(rot, ConvexHull(rot))
    assert vol == pytest.approx(8 * 4 * 2, rel=1e-9)
    assert area == pytest.approx(2 * (8 * 4 + 8 * 2 + 4 * 2), rel=1e-9)
    ext = np.ptp(rot, axis=0)
    assert vol < np.prod(ext)  # better than the axis-aligned box of the rotated points


def test_moran_and_geary_for_two_voxels_by_hand():
    # two voxels, intensities 0 and 1: deviations ±½, Σ(X−μ)² = ½, Σ_{k1≠k2} w = 2w
    # Moran I = N/Σw · Σ w d1 d2 / Σd² = 2/(2w) · 2w(−¼) / ½ = −1
    # Geary C = (N−1)/(2Σw) · Σ w (X1−X2)² / Σd² = 1/(4w) · 2w / ½ = 1
    pos = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    moran, geary = moran_geary(pos, np.array([0.0, 1.0]))
    assert moran == pytest.approx(-1.0, abs=1e-12)
    assert geary == pytest.approx(1.0, abs=1e-12)


def test_moran_is_undefined_for_constant_intensity():
    m, g = moran_geary(np.array([[0.0, 0, 0], [1, 0, 0]]), np.array([2.0, 2.0]))
    assert math.isnan(m) and math.isnan(g)
