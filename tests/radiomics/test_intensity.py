"""Intensity statistics, intensity histogram, IVH and local intensity against hand calculations."""

import math

import numpy as np
import pytest
from scipy import stats

from ferrokit.radiomics import RadiomicsSettings, extract_features
from ferrokit.radiomics.features.histogram import histogram_gradient
from ferrokit.radiomics.features.ivh import intensity_volume_histogram
from ferrokit.radiomics.features.local_intensity import sphere_kernel
from ferrokit.radiomics.ibsi import load_digital_phantom


def _extract(values, families, **settings):
    img = np.asarray(values, float).reshape(1, 1, -1)
    return extract_features(img, np.ones(img.shape, bool), (1.0, 1.0, 1.0),
                            RadiomicsSettings(families=families, **settings))


def test_statistics_match_scipy_with_excess_kurtosis():
    x = np.random.default_rng(11).gamma(2.0, 3.0, size=500)
    r = _extract(x, ("statistics",))
    assert r["stat_mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert r["stat_var"] == pytest.approx(x.var(), rel=1e-12)  # no bias correction
    assert r["stat_skew"] == pytest.approx(stats.skew(x, bias=True), rel=1e-10)
    assert r["stat_kurt"] == pytest.approx(stats.kurtosis(x, fisher=True, bias=True), rel=1e-10)  # excess
    assert r["stat_energy"] == pytest.approx(np.sum(x**2), rel=1e-12)
    assert r["stat_rms"] == pytest.approx(math.sqrt(np.mean(x**2)), rel=1e-12)
    p10, p25, p75, p90 = np.percentile(x, [10, 25, 75, 90])
    robust = x[(x >= p10) & (x <= p90)]
    assert r["stat_rmad"] == pytest.approx(np.mean(np.abs(robust - robust.mean())), rel=1e-12)
    assert r["stat_qcod"] == pytest.approx((p75 - p25) / (p75 + p25), rel=1e-12)


def test_normal_sample_has_near_zero_excess_kurtosis():
    # 200 000 normal draws: excess kurtosis 0 ± ~0.011 (s.e. √(24/n)); 0.05 is > 4 s.e.
    x = np.random.default_rng(5).normal(size=200_000)
    assert abs(_extract(x, ("statistics",))["stat_kurt"]) < 0.05


def test_histogram_mode_ties_go_to_the_bin_nearest_the_mean():
    # levels 1,1,4,4,6: counts tie at 1 and 4; mean 3.2 is nearest to 4
    r = _extract([1, 1, 4, 4, 6], ("intensity_histogram",), discretisation={"method": "none"})
    assert r["ih_mode"] == 4.0
    # equidistant tie (1,1,3,3 → mean 2): the bin left of the mean
    assert _extract([1, 1, 3, 3], ("intensity_histogram",), discretisation={"method": "none"})["ih_mode"] == 1.0


def test_histogram_gradient_by_hand():
    # n = (4, 0, 2, 8): H' = (0−4, (2−4)/2, (8−0)/2, 8−2)
    np.testing.assert_allclose(histogram_gradient(np.array([4, 0, 2, 8])), [-4, -1, 4, 6])


def test_entropy_and_uniformity_of_two_equal_bins():
    r = _extract([1, 2, 1, 2], ("intensity_histogram",), discretisation={"method": "none"})
    assert r["ih_entropy"] == pytest.approx(1.0)
    assert r["ih_uniformity"] == pytest.approx(0.5)


def test_ivh_of_the_phantom_matches_the_manual_table():
    # IBSI manual, IVH example for the digital phantom (G = [1, 6], w = 1): ν = 1, .324, .324, .311, .095, .095
    img, mask, _ = load_digital_phantom()
    _levels, gamma, nu = intensity_volume_histogram(img[mask], (1.0, 6.0), 1.0)
    np.testing.assert_allclose(gamma, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    np.testing.assert_allclose(nu, [1.0, 0.324, 0.324, 0.311, 0.095, 0.095], atol=5e-4)  # 3 decimals given


def test_ivh_with_a_single_intensity_has_zero_auc():
    r = _extract([5, 5, 5], ("ivh",), ivh={"method": "none"})
    assert r["ivh_auc"] == 0.0  # IBSI: AUC = 0 for a single discretised intensity


def test_sphere_kernel_counts_voxels_within_the_1cm3_radius():
    # r = 10 (3/4π)^(1/3) mm = 6.2035 mm; 2 mm voxels: count lattice points (i,j,k) with 4(i²+j²+k²) ≤ r²,
    # i.e. i²+j²+k² ≤ 9.62 → 123 points (by direct enumeration below, independent of the implementation)
    r2 = (10 * (3 / (4 * math.pi)) ** (1 / 3)) ** 2 / 4
    count = sum(1 for i in range(-4, 5) for j in range(-4, 5) for k in range(-4, 5) if i * i + j * j + k * k <= r2)
    assert int(sphere_kernel((2.0, 2.0, 2.0)).sum()) == count == 123


def test_local_intensity_peak_of_a_uniform_image_is_the_intensity():
    img = np.full((10, 10, 10), 42.0)
    mask = np.zeros(img.shape, bool)
    mask[4:6, 4:6, 4:6] = True
    r = extract_features(img, mask, (1.0, 1.0, 1.0), RadiomicsSettings(families=("local_intensity",)))
    assert r["loc_peak_loc"] == pytest.approx(42.0) and r["loc_peak_glob"] == pytest.approx(42.0)


def test_local_peak_uses_voxels_outside_the_roi():
    # ROI = one voxel of intensity 10 in a field of 0 with 1 mm voxels: the 1 cm³ sphere holds N_s voxels,
    # so the peak is 10/N_s, not 10
    img = np.zeros((15, 15, 15))
    img[7, 7, 7] = 10.0
    mask = np.zeros(img.shape, bool)
    mask[7, 7, 7] = True
    n_s = sphere_kernel((1.0, 1.0, 1.0)).sum()
    r = extract_features(img, mask, (1.0, 1.0, 1.0), RadiomicsSettings(families=("local_intensity",)))
    assert r["loc_peak_loc"] == pytest.approx(10.0 / n_s, rel=1e-9)
