"""NGLDM (IBSI 1, 17 features x 3 aggregations): digital phantom, hand-computed dependences, invariances."""

from __future__ import annotations

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics.texture.ngldm import NGLDM_FEATURES, ngldm_feature_vector, ngldm_features, ngldm_matrices
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
        _CACHE["f"] = ngldm_features(image, mask, PHANTOM_LEVELS)
    return _CACHE["f"]


@pytest.mark.parametrize("tag", reference_tags("ngl_"))
def test_phantom_reference(tag):
    assert_matches_reference(_phantom_features(), tag)


TOY = np.array([[1, 2, 1], [2, 3, 2], [1, 2, 1]])


def test_toy_dependences_by_hand():
    m = ngldm_matrices(TOY, np.ones((3, 3), bool), 3)
    # alpha = 0: corners (1) have no equal neighbour (j = 1); edges (2) have two equal neighbours (j = 3);
    # the centre (3) has none (j = 1)
    expected = np.zeros((3, 27), int)
    expected[0, 0], expected[1, 2], expected[2, 0] = 4, 4, 1
    assert m.volume.tolist() == expected.tolist()
    assert m.per_slice[0].tolist() == expected[:, :9].tolist()
    m1 = ngldm_matrices(TOY, np.ones((3, 3), bool), 3, alpha=1)
    # alpha = 1: corners depend on their two 2s (j = 3), edges on all 5 neighbours (j = 6), centre on its four 2s
    assert (m1.volume[0, 2], m1.volume[1, 5], m1.volume[2, 4]) == (4, 4, 1)


def test_features_by_hand():
    s = np.zeros((1, 3, 9))
    s[0, 0, 0], s[0, 1, 2], s[0, 2, 0] = 4, 4, 1
    f = dict(zip(NGLDM_FEATURES, ngldm_feature_vector(s, np.array([9]))[0], strict=True))
    assert f["lde"] == pytest.approx((5 + 4 / 9) / 9)
    assert f["hde"] == pytest.approx((5 + 4 * 9) / 9)
    assert f["hgce"] == pytest.approx((4 + 16 + 9) / 9)
    assert f["dc_perc"] == 1.0
    p = np.array([4, 4, 1]) / 9
    assert f["dc_entr"] == pytest.approx(-(p * np.log2(p)).sum())
    assert f["dc_energy"] == pytest.approx((p**2).sum())


def test_dependence_percentage_is_one_and_glnu_norm_is_uniformity():
    """IBSI: every voxel is a centre (N_s = N_v); grey level non-uniformity normalised of the 3D matrix equals
    the intensity-histogram uniformity sum_i (n_i / N_v)^2."""
    image, mask = random_roi(41)
    f = ngldm_features(image, mask, 5)
    assert f["ngl_dc_perc_2D"] == f["ngl_dc_perc_2_5D"] == f["ngl_dc_perc_3D"] == 1.0
    counts = np.bincount(image[mask], minlength=6)[1:]
    assert f["ngl_glnu_norm_3D"] == pytest.approx(((counts / mask.sum()) ** 2).sum(), rel=1e-13)


def test_rotation_and_flip_invariance():
    image, mask = random_roi(43)
    ref = ngldm_features(image, mask, 5)
    assert_same_features(ref, ngldm_features(np.rot90(image, axes=(1, 2)), np.rot90(mask, axes=(1, 2)), 5))
    assert_same_features(ref, ngldm_features(image[::-1], mask[::-1], 5))


def test_bad_alpha():
    with pytest.raises(FerroKitInputError, match="alpha"):
        ngldm_features(TOY, np.ones((3, 3), bool), 3, alpha=-1)
