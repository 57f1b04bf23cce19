"""The numba texture kernels give exactly the results of the same code run as plain Python."""

from __future__ import annotations

import numpy as np
import pytest

from ferrokit._shared.numba import HAVE_NUMBA
from ferrokit.radiomics.texture import _kernels
from ferrokit.radiomics.texture.aggregation import directions

pytestmark = pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed: kernels already run as Python")


def _volume(seed: int, shape=(3, 6, 5), n_levels: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    disc = rng.integers(1, n_levels + 1, size=shape).astype(np.int32)
    disc[rng.random(shape) < 0.3] = 0  # irregular ROI
    return disc


def _both(name: str, *args):
    fn = getattr(_kernels, name)
    assert hasattr(fn, "py_func"), f"{name} is not compiled"
    return fn(*args), fn.py_func(*args)


def _assert_equal(a, b):
    if isinstance(a, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _assert_equal(x, y)
    else:
        assert a.dtype == np.asarray(b).dtype
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cooccurrence_and_runs(seed):
    disc = _volume(seed)
    _assert_equal(*_both("cooccurrence_counts", disc, directions(1), 4, 4))
    _assert_equal(*_both("cooccurrence_counts", disc, directions(2), 4, 4))
    _assert_equal(*_both("run_length_counts", disc, directions(1), 4, 4, max(disc.shape)))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("planar", [True, False])
def test_distance_and_zones(seed, planar):
    disc = _volume(seed)
    dist_fast, dist_py = _both("border_distance", disc > 0, planar)
    _assert_equal(dist_fast, dist_py)
    _assert_equal(*_both("zone_table", disc, dist_fast, planar))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_neighbourhood_kernels(seed):
    disc = _volume(seed)
    fast, slow = _both("ngtdm_sums", disc, 4, 1)
    for x, y in zip(fast, slow, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-15, atol=0)  # identical arithmetic; float sums only
    _assert_equal(*_both("ngldm_counts", disc, 4, 1, 0))
    _assert_equal(*_both("ngldm_counts", disc, 4, 2, 1))


def test_border_distance_matches_iterative_erosion():
    """IBSI's definition: erode with the 6- (3D) or 4-connected (2D) cross until empty, adding 1 per survival."""
    from scipy import ndimage

    roi = _volume(5, shape=(4, 7, 7)) > 0
    for planar in (True, False):
        structure = ndimage.generate_binary_structure(3, 1)
        if planar:
            structure[0] = structure[2] = False
        expected = roi.astype(np.int32)
        current = roi.copy()
        while current.any():
            current = ndimage.binary_erosion(current, structure=structure, border_value=0)
            expected += current
        np.testing.assert_array_equal(_kernels.border_distance(roi, planar), expected)
