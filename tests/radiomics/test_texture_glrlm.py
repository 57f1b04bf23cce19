"""GLRLM (IBSI 1, 16 features x 6 aggregations): digital phantom, hand-computed runs, invariances, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics.texture.aggregation import directions
from ferrokit.radiomics.texture.glrlm import GLRLM_FEATURES, glrlm_feature_vector, glrlm_features, glrlm_matrices
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
        _CACHE["f"] = glrlm_features(image, mask, PHANTOM_LEVELS)
    return _CACHE["f"]


@pytest.mark.parametrize("tag", reference_tags("rlm_"))
def test_phantom_reference(tag):
    assert_matches_reference(_phantom_features(), tag)


# toy image, one slice:   1 1 2
#                         3 1 2
TOY = np.array([[1, 1, 2], [3, 1, 2]])


def test_toy_runs_by_hand():
    m = glrlm_matrices(TOY, np.ones_like(TOY, bool), 3)
    horizontal, diagonal, vertical, anti = m.per_slice[0]
    # rows: 1-1 | 2 and 3 | 1 | 2  -> level 1: one run of 1, one of 2; level 2: two of 1; level 3: one of 1
    assert horizontal.tolist() == [[1, 1, 0], [2, 0, 0], [1, 0, 0]]
    # columns: 1 | 3, 1-1, 2-2
    assert vertical.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    # (1,1): (0,0)-(1,1) is a run 1-1 of length 2; (0,1)->(1,2) differ; the rest single voxels
    assert diagonal.tolist() == [[1, 1, 0], [2, 0, 0], [1, 0, 0]]
    assert anti.tolist() == [[3, 0, 0], [2, 0, 0], [1, 0, 0]]


def test_toy_features_by_hand():
    counts = np.array([[[1, 1, 0], [2, 0, 0], [1, 0, 0]]])  # horizontal matrix of the toy
    f = dict(zip(GLRLM_FEATURES, glrlm_feature_vector(counts)[0], strict=True))
    ns = 5.0
    assert f["sre"] == pytest.approx((4 + 1 / 4) / ns)
    assert f["lre"] == pytest.approx((4 + 4) / ns)
    assert f["lgre"] == pytest.approx((2 + 2 / 4 + 1 / 9) / ns)
    assert f["hgre"] == pytest.approx((2 + 2 * 4 + 9) / ns)
    assert f["r_perc"] == pytest.approx(5 / 6)  # 5 runs over 6 voxels
    assert f["glnu"] == pytest.approx((4 + 4 + 1) / ns)
    assert f["rlnu_norm"] == pytest.approx((16 + 1) / ns**2)
    p = np.array([0.2, 0.2, 0.4, 0.2])
    assert f["rl_entr"] == pytest.approx(-(p * np.log2(p)).sum())


def test_every_voxel_in_exactly_one_run_per_direction():
    image, mask = random_roi(2)
    m = glrlm_matrices(image, mask, 5)
    lengths = np.arange(1, m.volume.shape[2] + 1)
    per_dir_3d = np.concatenate([m.per_slice.sum(axis=0), m.volume])
    assert per_dir_3d.shape[0] == len(directions(1)) == 13
    for d in range(13):
        assert (per_dir_3d[d] * lengths).sum() == mask.sum()


def test_merged_run_percentage_sums_voxels():
    """IBSI: for merged matrices N_v is summed, so r_perc_3D_comb = (all runs) / (13 N_v)."""
    image, mask = random_roi(4)
    m = glrlm_matrices(image, mask, 5)
    n_runs = m.per_slice.sum() + m.volume.sum()
    f = glrlm_features(image, mask, 5, aggregations=("3D_comb",))
    assert f["rlm_r_perc_3D_comb"] == pytest.approx(n_runs / (13 * mask.sum()), rel=1e-14)


def test_uniform_region_has_one_run_per_line():
    image = np.ones((1, 4, 4), int)
    f = glrlm_features(image, np.ones((1, 4, 4), bool), 1, aggregations=("2D_avg",))
    # directions: 4 runs of 4 (rows), 4 of 4 (cols), diagonals: lengths 1,2,3,4,3,2,1 twice
    sre_rows = 1 / 16
    sre_diag = (2 * (1 + 1 / 4 + 1 / 9) + 1 / 16) / 7
    assert f["rlm_sre_2D_avg"] == pytest.approx((2 * sre_rows + 2 * sre_diag) / 4, rel=1e-14)


def test_rotation_and_flip_invariance():
    image, mask = random_roi(13)
    ref = glrlm_features(image, mask, 5)
    assert_same_features(ref, glrlm_features(np.rot90(image, axes=(1, 2)), np.rot90(mask, axes=(1, 2)), 5))
    assert_same_features(ref, glrlm_features(image[:, ::-1], mask[:, ::-1], 5))


def test_values_outside_mask_are_ignored():
    image, mask = random_roi(8)
    assert_same_features(glrlm_features(image, mask, 5), glrlm_features(np.where(mask, image, 42), mask, 5))


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"mask": np.zeros((3, 3), bool)}, "mask is empty"),
    ({"n_levels": 1}, "[1, 1]"),
    ({"aggregations": ()}, "aggregations"),
    ({"aggregations": ("2D",)}, "aggregations"),
])
def test_bad_input(kwargs, fragment):
    args = {"discretised": np.eye(3, dtype=int) + 1, "mask": np.ones((3, 3), bool), "n_levels": 2} | kwargs
    with pytest.raises(FerroKitInputError) as err:
        glrlm_features(**args)
    assert fragment in str(err.value)
