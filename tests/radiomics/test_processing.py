"""IBSI processing: grid alignment, interpolation, re-segmentation, discretisation, input validation."""

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics import RadiomicsSettings, process
from ferrokit.radiomics.processing import (
    discretise,
    interpolation_grid,
    ivh_intensities,
    resample,
    resegment,
    validate_image_mask,
)
from ferrokit.radiomics.settings import DiscretisationSettings, IVHSettings


def test_grid_centre_alignment_matches_the_ibsi_example():
    # IBSI manual: 4 voxels of 3 mm → 2 mm gives ceil(12/2) = 6 points, centred: x_b,g = (3 − 2/3·5)/2 = −1/6
    n_b, x0, step = interpolation_grid(4, 3.0, 2.0)
    assert n_b == 6
    assert x0 == pytest.approx(-1.0 / 6.0, abs=1e-15)
    assert step == pytest.approx(2.0 / 3.0)
    # the centres of both grids coincide: (n_a − 1)/2 = x0 + step (n_b − 1)/2
    assert x0 + step * (n_b - 1) / 2 == pytest.approx(1.5)


def test_linear_interpolation_reproduces_a_linear_ramp_inside_and_clamps_outside():
    ramp = np.arange(10.0)[None, None, :] * 3.0  # 3 units per 1-mm voxel
    out, sp = resample(ramp, (1, 1, 1), (1, 1, 0.5), order=1)
    n_b, x0, step = interpolation_grid(10, 1.0, 0.5)
    coords = x0 + step * np.arange(n_b)
    expected = 3.0 * np.clip(coords, 0, 9)  # trilinear is exact for linear data; padding = boundary value
    assert sp == (1.0, 1.0, 0.5)
    np.testing.assert_allclose(out[0, 0], expected, rtol=0, atol=1e-12)


def test_in_plane_interpolation_keeps_the_slice_axis():
    img = np.random.default_rng(1).normal(size=(3, 8, 8))
    out, sp = resample(img, (5.0, 1.0, 1.0), (2.0, 2.0, 2.0), in_plane_only=True)
    assert out.shape == (3, 4, 4) and sp == (5.0, 2.0, 2.0)


def test_mask_interpolation_uses_the_partial_volume_threshold():
    # one ROI voxel upsampled ×2 in x: linear weights 0.75/0.25 around it → threshold 0.5 keeps 2 voxels
    img = np.zeros((1, 1, 5))
    mask = np.zeros((1, 1, 5), bool)
    mask[0, 0, 2] = True
    s = RadiomicsSettings(interpolation={"spacing": [1, 1, 0.5]}, families=("statistics",))
    roi = process(img, mask, (1.0, 1.0, 1.0), s)
    assert roi.morphological_mask.sum() == 2


def test_fixed_bin_number_formula_by_hand():
    x = np.array([[[-10.0, -5.0, 0.0, 5.0, 10.0]]])
    d, n = discretise(x, np.ones_like(x, bool), DiscretisationSettings(method="fixed_bin_number", bin_number=4))
    # ⌊4 (x + 10)/20⌋ + 1 = 1, 2, 3, 4 and X_max → N_g = 4
    assert d.ravel().tolist() == [1, 2, 3, 4, 4] and n == 4


def test_fixed_bin_size_uses_the_lower_bound():
    x = np.array([[[-500.0, -476.0, -475.0, 0.0, 399.0]]])
    s = DiscretisationSettings(method="fixed_bin_size", bin_width=25)
    d, n = discretise(x, np.ones_like(x, bool), s, resegmentation_lower=-500)
    # ⌊(x + 500)/25⌋ + 1 = 1, 1, 2, 21, 36
    assert d.ravel().tolist() == [1, 1, 2, 21, 36] and n == 36


def test_fixed_bin_size_without_a_lower_bound_is_refused():
    x = np.ones((1, 2, 2))
    with pytest.raises(FerroKitInputError, match="lower bound"):
        discretise(x, np.ones_like(x, bool), DiscretisationSettings(method="fixed_bin_size", bin_width=1))


@pytest.mark.parametrize("width", [0, -2.5])
def test_bin_width_must_be_positive(width):
    with pytest.raises(ValueError, match="bin_width"):
        DiscretisationSettings(method="fixed_bin_size", bin_width=width)


def test_discretisation_none_needs_integer_levels():
    x = np.array([[[1.0, 2.5]]])
    with pytest.raises(FerroKitInputError, match="integer"):
        discretise(x, np.ones_like(x, bool), DiscretisationSettings(method="none"))


def test_range_and_outlier_resegmentation():
    x = np.array([[[-900.0, -100.0, 0.0, 10.0, 20.0, 500.0]]])
    m = np.ones_like(x, bool)
    assert resegment(x, m, value_range=(-500, 400)).ravel().tolist() == [0, 1, 1, 1, 1, 0]
    vals = np.concatenate([np.zeros(99), [100.0]])[None, None, :]  # μ = 1, σ ≈ 9.95: 100 lies beyond 3σ
    keep = resegment(vals, np.ones_like(vals, bool), outlier_sigma=3)
    assert keep.sum() == 99 and not keep[0, 0, -1]
    with pytest.raises(FerroKitInputError, match="removed every voxel"):
        resegment(x, m, value_range=(1000, 2000))


def test_ivh_bin_centres_for_fixed_bin_size():
    x = np.array([[[-1000.0, -998.0, 0.0]]])
    vals, g, w = ivh_intensities(x, np.ones_like(x, bool), IVHSettings(method="fixed_bin_size", bin_width=2.5),
                                 value_range=(-1000, 400))
    # bin centres X_min + (X_d − 0.5) w: −998.75, −998.75, 1.25; G = [−998.75, 398.75]
    np.testing.assert_allclose(vals.ravel(), [-998.75, -998.75, 1.25])
    assert g == (-998.75, 398.75) and w == 2.5


def test_cropped_interpolation_equals_full_grid_interpolation():
    rng = np.random.default_rng(3)
    img = rng.integers(0, 50, size=(20, 30, 30)).astype(float)
    mask = np.zeros(img.shape, bool)
    mask[8:12, 10:16, 12:17] = True
    s = RadiomicsSettings(families=("statistics",), interpolation={"spacing": 1.5})
    roi = process(img, mask, (2.0, 1.0, 1.0), s)
    full_img, _ = resample(img, (2.0, 1.0, 1.0), (1.5, 1.5, 1.5), order=1, mode="nearest")
    full_mask, _ = resample(mask.astype(float), (2.0, 1.0, 1.0), (1.5, 1.5, 1.5), order=1, mode="constant")
    sel = full_mask >= 0.5 - 1e-9
    assert roi.morphological_mask.sum() == sel.sum()
    np.testing.assert_allclose(np.sort(roi.image[roi.morphological_mask]), np.sort(full_img[sel]), atol=1e-9)


@pytest.mark.parametrize(
    ("image", "mask", "spacing", "fragment"),
    [
        (np.zeros((2, 3, 3)), np.ones((2, 3, 4), bool), (1, 1, 1), "does not match"),
        (np.zeros((2, 3, 3)), np.zeros((2, 3, 3), bool), (1, 1, 1), "empty"),
        (np.full((2, 3, 3), np.nan), np.ones((2, 3, 3), bool), (1, 1, 1), "non-finite"),
        (np.zeros((2, 3, 3)), np.full((2, 3, 3), 2), (1, 1, 1), "binary"),
        (np.zeros((2, 3, 3)), np.ones((2, 3, 3), bool), (1, 0, 1), "spacing"),
        (np.zeros((2, 3, 3)), np.ones((2, 3, 3), bool), (1, 1), "spacing"),
        (np.zeros((2, 2, 3, 3)), np.ones((2, 2, 3, 3), bool), (1, 1, 1), "2D or 3D"),
    ],
)
def test_bad_image_mask_input(image, mask, spacing, fragment):
    with pytest.raises(FerroKitInputError, match=fragment):
        validate_image_mask(image, mask, spacing)


def test_two_dimensional_input_becomes_one_slice():
    img, m, _sp = validate_image_mask(np.ones((4, 5)), np.ones((4, 5), bool), (1, 1, 1))
    assert img.shape == (1, 4, 5) and m.shape == (1, 4, 5)
