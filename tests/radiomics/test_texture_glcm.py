"""GLCM (IBSI 1, 25 features x 6 aggregations): digital phantom, hand-computed matrices, invariances, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics.texture.glcm import GLCM_FEATURES, glcm_feature_vector, glcm_features, glcm_matrices
from tests.radiomics.test_texture_phantom import (
    PHANTOM_LEVELS,
    assert_matches_reference,
    assert_same_features,
    load_phantom,
    random_roi,
    reference_tags,
)

_CACHE: dict[str, dict[str, float]] = {}


def _phantom_features() -> dict[str, float]:
    if "f" not in _CACHE:
        image, mask = load_phantom()
        _CACHE["f"] = glcm_features(image, mask, PHANTOM_LEVELS)
    return _CACHE["f"]


@pytest.mark.parametrize("tag", reference_tags("cm_"))
def test_phantom_reference(tag):
    assert_matches_reference(_phantom_features(), tag)


def test_phantom_returns_exactly_150_tags():
    assert len(_phantom_features()) == 150 == 25 * 6


# toy image, one slice (rows y, columns x):   1 1 2
#                                             3 1 2
TOY = np.array([[1, 1, 2], [3, 1, 2]])


def test_toy_directional_matrices_by_hand():
    m = glcm_matrices(TOY, np.ones_like(TOY, bool), 3)
    # (0,1) horizontal pairs: (1,1) (1,2) | (3,1) (1,2); each counted in both directions
    assert m.per_slice[0, 0].tolist() == [[2, 2, 1], [2, 0, 0], [1, 0, 0]]
    # (1,1) diagonal: (1 -> 1), (1 -> 2)
    assert m.per_slice[0, 1].tolist() == [[2, 1, 0], [1, 0, 0], [0, 0, 0]]
    # (1,0) vertical: (1,3) (1,1) (2,2)
    assert m.per_slice[0, 2].tolist() == [[2, 0, 1], [0, 2, 0], [1, 0, 0]]
    # (1,-1) anti-diagonal: (1 -> 3), (2 -> 1)
    assert m.per_slice[0, 3].tolist() == [[0, 1, 1], [1, 0, 0], [1, 0, 0]]
    assert m.volume.sum() == 0  # a single slice has no out-of-plane neighbours


def test_toy_merged_features_by_hand():
    f = glcm_features(TOY, np.ones_like(TOY, bool), 3, aggregations=("2_5D_comb",))
    # merged matrix [[6,4,3],[4,2,0],[3,0,0]], 22 counts
    assert f["cm_joint_max_2_5D_comb"] == pytest.approx(6 / 22, rel=1e-14)
    assert f["cm_contrast_2_5D_comb"] == pytest.approx((8 * 1 + 6 * 4) / 22, rel=1e-14)
    assert f["cm_joint_avg_2_5D_comb"] == pytest.approx((13 * 1 + 6 * 2 + 3 * 3) / 22, rel=1e-14)
    assert set(f) == {f"cm_{n}_2_5D_comb" for n in GLCM_FEATURES}


def test_feature_vector_of_a_hand_matrix():
    # p = [[0.5, 0.1], [0.1, 0.3]] (symmetric), N_g = 2
    p = np.array([[[5.0, 1.0], [1.0, 3.0]]])
    f = dict(zip(GLCM_FEATURES, glcm_feature_vector(p, 2)[0], strict=True))
    pij = p[0] / 10
    assert f["joint_max"] == pytest.approx(0.5)
    assert f["joint_avg"] == pytest.approx(1 * 0.6 + 2 * 0.4)
    assert f["energy"] == pytest.approx((pij**2).sum())
    assert f["joint_entr"] == pytest.approx(-(pij * np.log2(pij)).sum())
    assert f["contrast"] == pytest.approx(0.2) and f["dissimilarity"] == pytest.approx(0.2)
    assert f["inv_diff"] == pytest.approx(0.8 + 0.2 / 2)
    assert f["inv_diff_norm"] == pytest.approx(0.8 + 0.2 / 1.5)      # |i-j|/N_g = 1/2
    assert f["inv_diff_mom_norm"] == pytest.approx(0.8 + 0.2 / 1.25)  # (i-j)^2/N_g^2 = 1/4
    assert f["inv_var"] == pytest.approx(0.2)
    mu, var = 1.4, 0.6 * 0.4**2 + 0.4 * 0.6**2
    assert f["corr"] == pytest.approx((0.5 + 2 * 0.2 + 4 * 0.3 - mu**2) / var)
    hx = -(0.6 * np.log2(0.6) + 0.4 * np.log2(0.4))
    hxy1 = -(pij * np.log2(np.outer([0.6, 0.4], [0.6, 0.4]))).sum()
    assert f["info_corr1"] == pytest.approx((f["joint_entr"] - hxy1) / hx)


def test_identities_between_features():
    """IBSI: sum average = 2 x joint average, sum variance = cluster tendency, dissimilarity = diff average."""
    image, mask = random_roi(3)
    f = glcm_features(image, mask, 5)
    for agg in ("2D_avg", "2_5D_comb", "3D_avg", "3D_comb"):
        assert f[f"cm_sum_avg_{agg}"] == pytest.approx(2 * f[f"cm_joint_avg_{agg}"], rel=1e-12)
        assert f[f"cm_sum_var_{agg}"] == pytest.approx(f[f"cm_clust_tend_{agg}"], rel=1e-12)
        assert f[f"cm_dissimilarity_{agg}"] == pytest.approx(f[f"cm_diff_avg_{agg}"], rel=1e-12)


def test_matrices_symmetric_and_pair_counts():
    image, mask = random_roi(7)
    m = glcm_matrices(image, mask, 5)
    mats = m.matrices_3d()
    assert np.array_equal(mats, np.swapaxes(mats, 1, 2))
    assert np.array_equal(m.per_slice, np.swapaxes(m.per_slice, 2, 3))
    # direction (dz,dy,dx) = (1,0,0): 2 x number of vertically adjacent ROI pairs
    n_pairs = int((mask[1:] & mask[:-1]).sum())
    assert mats[4 + 4].sum() == 2 * n_pairs  # OUTOFPLANE index 4 is (1, 0, 0)


def test_rotation_and_flip_invariance():
    image, mask = random_roi(11)
    ref = glcm_features(image, mask, 5)
    rotated = glcm_features(np.rot90(image, axes=(1, 2)), np.rot90(mask, axes=(1, 2)), 5)
    flipped = glcm_features(image[::-1, :, ::-1], mask[::-1, :, ::-1], 5)
    assert_same_features(ref, rotated)
    assert_same_features(ref, flipped)


def test_values_outside_mask_and_padding_are_ignored():
    image, mask = random_roi(5)
    ref = glcm_features(image, mask, 5)
    noisy = np.where(mask, image, 99)
    padded_img = np.pad(image, 2, constant_values=3)
    padded_mask = np.pad(mask, 2, constant_values=False)
    assert_same_features(ref, glcm_features(noisy, mask, 5))
    assert_same_features(ref, glcm_features(padded_img, padded_mask, 5))


def test_distance_two_uses_scaled_directions():
    img = np.array([[1, 2, 1, 2]])
    m = glcm_matrices(img, np.ones_like(img, bool), 2, distance=2)
    assert m.per_slice[0, 0].tolist() == [[2, 0], [0, 2]]  # pairs at dx = 2 are (1,1) and (2,2)


def test_single_voxel_roi_gives_nan_not_error():
    image = np.ones((3, 3, 3), int)
    mask = np.zeros((3, 3, 3), bool)
    mask[1, 1, 1] = True
    f = glcm_features(image, mask, 1)
    assert all(np.isnan(v) for v in f.values())


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"discretised": np.ones((2, 2)), "mask": np.ones((2, 3), bool)}, "same shape"),
    ({"mask": np.zeros((2, 2), bool)}, "mask is empty"),
    ({"discretised": np.full((2, 2), 7)}, "[1, 6]"),
    ({"discretised": np.zeros((2, 2))}, "[1, 6]"),
    ({"discretised": np.full((2, 2), 1.5)}, "integer grey levels"),
    ({"n_levels": 0}, "n_levels"),
    ({"n_levels": 2.5}, "n_levels"),
    ({"distance": 0}, "distance"),
    ({"aggregations": ("3D_merged",)}, "aggregations"),
    ({"discretised": np.ones((1, 1, 2, 2)), "mask": np.ones((1, 1, 2, 2), bool)}, "dimensions"),
    ({"discretised": np.ones((2, 2)), "mask": np.full((2, 2), 2)}, "boolean"),
])
def test_bad_input(kwargs, fragment):
    args = {"discretised": np.ones((2, 2), int), "mask": np.ones((2, 2), bool), "n_levels": 6} | kwargs
    with pytest.raises(FerroKitInputError, match=None) as err:
        glcm_features(**args)
    assert fragment in str(err.value)
