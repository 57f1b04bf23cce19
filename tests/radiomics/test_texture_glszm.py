"""GLSZM (IBSI 1, 16 features x 3 aggregations): digital phantom, the IBSI manual example, invariances."""

from __future__ import annotations

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics.texture.glszm import GLSZM_FEATURES, glszm_feature_vector, glszm_features, glszm_matrices
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
        _CACHE["f"] = glszm_features(image, mask, PHANTOM_LEVELS)
    return _CACHE["f"]


@pytest.mark.parametrize("tag", reference_tags("szm_"))
def test_phantom_reference(tag):
    assert_matches_reference(_phantom_features(), tag)


# The 2D example of the IBSI 1 reference manual (table "grey level size zone matrix"), 8-connectivity.
IBSI_EXAMPLE = np.array([[1, 2, 2, 3], [1, 2, 3, 3], [4, 2, 4, 1], [4, 1, 2, 3]])
IBSI_EXAMPLE_GLSZM = [[2, 1, 0, 0, 0], [0, 0, 0, 0, 1], [1, 0, 1, 0, 0], [1, 1, 0, 0, 0]]


def test_ibsi_manual_example_matrix():
    m = glszm_matrices(IBSI_EXAMPLE, np.ones((4, 4), bool), 4)
    assert m.per_slice[0].tolist() == IBSI_EXAMPLE_GLSZM
    assert m.volume.tolist() == IBSI_EXAMPLE_GLSZM  # one slice: 26- and 8-connectivity agree
    assert m.voxels_per_slice.tolist() == [16]


def test_ibsi_manual_example_features_by_hand():
    f = dict(zip(GLSZM_FEATURES, glszm_feature_vector(np.array([IBSI_EXAMPLE_GLSZM]), np.array([16]))[0],
                 strict=True))
    # 8 zones: size 1 (4 zones), size 2 (2), size 3 (1), size 5 (1); zones per level 3, 1, 2, 2
    ns = 8.0
    assert f["z_perc"] == pytest.approx(8 / 16)
    assert f["sze"] == pytest.approx((4 + 2 / 4 + 1 / 9 + 1 / 25) / ns)
    assert f["lze"] == pytest.approx((4 + 2 * 4 + 9 + 25) / ns)
    assert f["glnu"] == pytest.approx((9 + 1 + 4 + 4) / ns)
    assert f["zsnu"] == pytest.approx((16 + 4 + 1 + 1) / ns)


def test_connectivity_2d_vs_3d():
    image = np.array([[[1, 2], [2, 2]], [[2, 2], [2, 1]]])  # the two 1s touch only diagonally across slices
    m = glszm_matrices(image, np.ones(image.shape, bool), 2)
    # 3D (26-connected): one zone of two 1s and one zone of six 2s
    assert m.volume.tolist() == [[0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]]
    # 2D (8-connected within each slice): per slice one single 1 and a zone of three 2s
    assert m.per_slice.sum(axis=0).tolist() == [[2, 0, 0, 0, 0, 0], [0, 0, 2, 0, 0, 0]]


def test_zone_sizes_cover_the_roi():
    image, mask = random_roi(21)
    m = glszm_matrices(image, mask, 5)
    sizes = np.arange(1, m.volume.shape[1] + 1)
    assert (m.volume * sizes).sum() == mask.sum()
    assert ((m.per_slice * sizes).sum(axis=(1, 2)) == mask.sum(axis=(1, 2))).all()


def test_rotation_flip_and_padding_invariance():
    image, mask = random_roi(17)
    ref = glszm_features(image, mask, 5)
    assert_same_features(ref, glszm_features(np.rot90(image, axes=(1, 2)), np.rot90(mask, axes=(1, 2)), 5))
    assert_same_features(ref, glszm_features(image[::-1], mask[::-1], 5))
    assert_same_features(ref, glszm_features(np.pad(image, 1, constant_values=1), np.pad(mask, 1), 5))


def test_2d_aggregation_skips_empty_slices():
    image, mask = random_roi(9)
    image2 = np.concatenate([image, np.ones_like(image)])
    mask2 = np.concatenate([mask, np.zeros_like(mask)])
    assert_same_features(glszm_features(image, mask, 5), glszm_features(image2, mask2, 5))


def test_bad_aggregation():
    with pytest.raises(FerroKitInputError, match="aggregations"):
        glszm_features(np.ones((2, 2), int), np.ones((2, 2), bool), 1, aggregations=("3D_comb",))
