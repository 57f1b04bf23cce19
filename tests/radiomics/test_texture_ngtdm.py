"""NGTDM (IBSI 1, 5 features x 3 aggregations): digital phantom, hand-computed 3 x 3 example, invariances."""

from __future__ import annotations

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics.texture.ngtdm import COARSENESS_MAX, ngtdm_features, ngtdm_matrices
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
        _CACHE["f"] = ngtdm_features(image, mask, PHANTOM_LEVELS)
    return _CACHE["f"]


@pytest.mark.parametrize("tag", reference_tags("ngt_"))
def test_phantom_reference(tag):
    assert_matches_reference(_phantom_features(), tag)


# 3 x 3 toy:  1 2 1
#             2 3 2
#             1 2 1
TOY = np.array([[1, 2, 1], [2, 3, 2], [1, 2, 1]])
# corners (1): neighbours 2, 2, 3 -> mean 7/3; edges (2): 1, 1, 2, 2, 3 -> 9/5; centre (3): 4 x 1 + 4 x 2 -> 12/8
S = np.array([4 * (7 / 3 - 1), 4 * (2 - 9 / 5), 3 - 12 / 8])
N = np.array([4, 4, 1])


def test_toy_sums_by_hand():
    m = ngtdm_matrices(TOY, np.ones((3, 3), bool), 3)
    np.testing.assert_allclose(m.s_volume, S, rtol=1e-14)
    assert m.n_volume.tolist() == N.tolist()
    np.testing.assert_allclose(m.s_per_slice[0], S, rtol=1e-14)  # one slice: 2D = 3D


def test_toy_features_by_hand():
    f = ngtdm_features(TOY, np.ones((3, 3), bool), 3, aggregations=("3D",))
    p = N / 9
    lv = np.array([1.0, 2.0, 3.0])
    assert f["ngt_coarseness_3D"] == pytest.approx(1 / (p @ S), rel=1e-13)
    d2 = (lv[:, None] - lv[None, :]) ** 2
    contrast = (np.outer(p, p) * d2).sum() / (3 * 2) * S.sum() / 9
    assert f["ngt_contrast_3D"] == pytest.approx(contrast, rel=1e-13)
    busy = (p @ S) / np.abs((lv * p)[:, None] - (lv * p)[None, :]).sum()
    assert f["ngt_busyness_3D"] == pytest.approx(busy, rel=1e-13)
    ps = p * S
    complexity = (np.sqrt(d2) * (ps[:, None] + ps[None, :]) / (p[:, None] + p[None, :])).sum() / 9
    assert f["ngt_complexity_3D"] == pytest.approx(complexity, rel=1e-13)
    strength = ((p[:, None] + p[None, :]) * d2).sum() / S.sum()
    assert f["ngt_strength_3D"] == pytest.approx(strength, rel=1e-13)


def test_uniform_roi_limits():
    """IBSI: coarseness capped at 1e6 when sum p_i s_i = 0; contrast and busyness 0 for one grey level."""
    f = ngtdm_features(np.full((3, 3, 3), 2), np.ones((3, 3, 3), bool), 4)
    for mode in ("2D", "2_5D", "3D"):
        assert f[f"ngt_coarseness_{mode}"] == COARSENESS_MAX
        assert f[f"ngt_contrast_{mode}"] == 0.0
        assert f[f"ngt_busyness_{mode}"] == 0.0
        assert f[f"ngt_strength_{mode}"] == 0.0


def test_voxels_without_neighbours_are_left_out():
    image = np.array([[1, 0, 0], [0, 0, 0], [0, 0, 2]])
    mask = image > 0  # two isolated voxels
    m = ngtdm_matrices(image, mask, 2)
    assert m.n_volume.sum() == 0
    assert all(np.isnan(v) for v in ngtdm_features(image, mask, 2).values())


def test_2_5d_merges_sums_over_slices():
    image, mask = random_roi(31)
    m = ngtdm_matrices(image, mask, 5)
    merged = ngtdm_features(image, mask, 5, aggregations=("2_5D",))
    s, n = m.s_per_slice.sum(axis=0), m.n_per_slice.sum(axis=0)
    p = n / n.sum()
    assert merged["ngt_coarseness_2_5D"] == pytest.approx(1 / (p @ s), rel=1e-13)


def test_rotation_and_flip_invariance():
    image, mask = random_roi(29)
    ref = ngtdm_features(image, mask, 5)
    assert_same_features(ref, ngtdm_features(np.rot90(image, axes=(1, 2)), np.rot90(mask, axes=(1, 2)), 5))
    assert_same_features(ref, ngtdm_features(image[::-1, :, ::-1], mask[::-1, :, ::-1], 5))


def test_bad_distance():
    with pytest.raises(FerroKitInputError, match="distance"):
        ngtdm_features(TOY, np.ones((3, 3), bool), 3, distance=-1)
