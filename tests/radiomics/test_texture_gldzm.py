"""GLDZM (IBSI 1, 16 features x 3 aggregations): digital phantom, hand-computed distances, the two masks."""

from __future__ import annotations

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics.texture.gldzm import GLDZM_FEATURES, gldzm_feature_vector, gldzm_features, gldzm_matrices
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
        _CACHE["f"] = gldzm_features(image, mask, PHANTOM_LEVELS)
    return _CACHE["f"]


@pytest.mark.parametrize("tag", reference_tags("dzm_"))
def test_phantom_reference(tag):
    assert_matches_reference(_phantom_features(), tag)


# IBSI manual 2D example image (also used for the GLSZM); full 4 x 4 ROI
IMAGE = np.array([[1, 2, 2, 3], [1, 2, 3, 3], [4, 2, 4, 1], [4, 1, 2, 3]])


def test_distance_map_by_hand():
    m = gldzm_matrices(IMAGE, np.ones((4, 4), bool), 4)
    # edge voxels 1, the inner 2 x 2 block 2 (Manhattan distance to the outside of the 4 x 4 ROI)
    expected = np.ones((4, 4), int)
    expected[1:3, 1:3] = 2
    assert m.distance_2d[0].tolist() == expected.tolist()
    assert (m.distance_3d == 1).all()  # a single slice: every voxel touches the ROI edge in z


def test_matrix_by_hand():
    m = gldzm_matrices(IMAGE, np.ones((4, 4), bool), 4)
    # zones (8-connected): 1s {(0,0),(1,0)}, {(2,3)}, {(3,1)} all on the edge -> 3 x distance 1;
    # 2s one zone on the edge; 3s {(0,3),(1,2),(1,3)} and {(3,3)} on the edge; 4s {(2,0),(3,0)} on the edge
    # and {(2,2)} in the inner block (distance 2)
    assert m.per_slice[0].tolist() == [[3, 0], [1, 0], [2, 0], [1, 1]]


def test_features_by_hand():
    d = np.array([[[3, 0], [1, 0], [2, 0], [1, 1]]])
    f = dict(zip(GLDZM_FEATURES, gldzm_feature_vector(d, np.array([16]))[0], strict=True))
    assert f["sde"] == pytest.approx((7 + 1 / 4) / 8)
    assert f["lde"] == pytest.approx((7 + 4) / 8)
    assert f["z_perc"] == pytest.approx(8 / 16)
    assert f["zdnu"] == pytest.approx((49 + 1) / 8)


def test_2d_distance_uses_manhattan_not_chebyshev():
    m = gldzm_matrices(np.ones((5, 5), int), np.ones((5, 5), bool), 1)
    assert m.distance_2d[0, 2, 2] == 3  # centre of a 5 x 5 ROI: 3 steps to leave it
    plus = np.zeros((5, 5), bool)
    plus[2, :] = plus[:, 2] = True
    plus[1:4, 1:4] = True  # a 3 x 3 block with arms reaching the image edge
    m = gldzm_matrices(np.ones((5, 5), int), plus, 1)
    # the nearest non-ROI voxel of the centre is the corner (1, 0): L1 distance 1 + 2 = 3 (Chebyshev would give 2)
    assert m.distance_2d[0, 2, 2] == 3
    assert m.distance_2d[0, 1, 1] == 1  # 4-neighbour (0, 1) lies outside


def test_distance_from_morphological_mask():
    image = np.ones((1, 5, 5), int)
    morph = np.ones((1, 5, 5), bool)
    intensity = np.zeros((1, 5, 5), bool)
    intensity[0, 1:4, 1:4] = True  # re-segmentation removed the outer ring from the intensity mask
    f_same = gldzm_features(image, intensity, 1)
    f_morph = gldzm_features(image, intensity, 1, morphological_mask=morph)
    # one zone (the 3 x 3 block); its smallest distance is 1 to the intensity-mask edge but 2 to the
    # morphological-mask edge (2D)
    assert f_same["dzm_lde_2D"] == 1.0
    assert f_morph["dzm_lde_2D"] == 4.0


def test_intensity_mask_must_lie_in_morphological_mask():
    mask = np.ones((3, 3), bool)
    with pytest.raises(FerroKitInputError, match="morphological_mask"):
        gldzm_features(np.ones((3, 3), int), mask, 1, morphological_mask=np.eye(3, dtype=bool))


def test_rotation_and_flip_invariance():
    image, mask = random_roi(23)
    ref = gldzm_features(image, mask, 5)
    assert_same_features(ref, gldzm_features(np.rot90(image, axes=(1, 2)), np.rot90(mask, axes=(1, 2)), 5))
    assert_same_features(ref, gldzm_features(image[::-1, ::-1], mask[::-1, ::-1], 5))
