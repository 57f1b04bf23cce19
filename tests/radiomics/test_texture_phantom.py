"""IBSI 1 digital phantom for the texture families: loading helpers, the tolerance rule and registry checks.

Data: the IBSI 1 digital phantom and its consensus values shipped with the package
(``ferrokit.radiomics.ibsi.load_digital_phantom`` / ``reference_values``; licences in
``src/ferrokit/radiomics/_data``): 5 x 4 x 4 voxels of 2 mm, grey levels 1, 3, 4, 6 inside the ROI (a 9 lies
outside it). The phantom configuration uses no interpolation, no re-segmentation and no discretisation; the grey
levels are used as they are with N_g = 6.

Tolerance rule: the phantom reference values are given to three significant figures with tolerance 0, i.e. a
computed value reproduces the consensus when it rounds to the reference at three significant digits:
``|value - ref| <= 0.5 * 10**(floor(log10|ref|) - 2)``; a reference of exactly 0 must be met to 1e-9.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest

from ferrokit.radiomics.ibsi import load_digital_phantom
from ferrokit.radiomics.ibsi import reference_values as ibsi_reference_values

PHANTOM_LEVELS = 6  # N_g of the phantom configuration (grey levels 1..6, no discretisation)
TEXTURE_PREFIXES = ("cm_", "rlm_", "szm_", "dzm_", "ngt_", "ngl_")


@lru_cache(maxsize=1)
def load_phantom() -> tuple[np.ndarray, np.ndarray]:
    """Phantom grey levels (int32) and ROI mask (bool), (z, y, x), read-only."""
    image, mask, _ = load_digital_phantom()
    image = image.astype(np.int32)
    image.setflags(write=False)
    mask.setflags(write=False)
    return image, mask


@lru_cache(maxsize=1)
def reference_values() -> dict[str, float]:
    """``{tag: consensus value}`` of every phantom feature with a reference value."""
    return {tag: ref for tag, (ref, _tol) in ibsi_reference_values().items()}


def reference_tags(prefix: str) -> list[str]:
    """Reference tags of one texture family (``cm_``, ``rlm_``, ...)."""
    return sorted(t for t in reference_values() if t.startswith(prefix))


def within_tolerance(value: float, ref: float) -> bool:
    """The three-significant-figure rule of the module docstring."""
    if ref == 0:
        return abs(value) <= 1e-9
    half_unit = 0.5 * 10 ** (math.floor(math.log10(abs(ref))) - 2)
    return abs(value - ref) <= half_unit * (1 + 1e-9)


def assert_matches_reference(features: dict[str, float], tag: str) -> None:
    ref = reference_values()[tag]
    assert tag in features, f"{tag} not computed"
    value = features[tag]
    assert within_tolerance(value, ref), f"{tag}: computed {value!r}, IBSI consensus {ref}"


# ---------------------------------------------------------------------------------------------------------------
# checks of the helpers themselves and of the registration of all texture families


def test_phantom_geometry_and_levels():
    image, mask = load_phantom()
    assert image.shape == mask.shape == (4, 4, 5)  # 4 slices of 4 x 5 voxels
    assert int(mask.sum()) == 74
    assert sorted(np.unique(image[mask]).tolist()) == [1, 3, 4, 6]
    assert load_digital_phantom()[2] == (2.0, 2.0, 2.0)


def test_tolerance_rule():
    assert within_tolerance(0.5094, 0.509) and not within_tolerance(0.5096, 0.509)
    assert within_tolerance(1494.0, 1490) and not within_tolerance(1496.0, 1490)
    assert within_tolerance(7.004, 7) and not within_tolerance(7.006, 7)
    assert within_tolerance(0.0, 0) and not within_tolerance(1e-6, 0)


def test_reference_counts_per_family():
    counts = {p: len(reference_tags(p)) for p in TEXTURE_PREFIXES}
    assert counts == {"cm_": 150, "rlm_": 96, "szm_": 48, "dzm_": 48, "ngt_": 15, "ngl_": 51}


def test_registered_texture_tags_equal_reference_tags():
    from ferrokit.radiomics import registry

    registry.load_families()
    registered = {s.tag for s in registry.features() if s.tag.startswith(TEXTURE_PREFIXES)}
    reference = {t for t in reference_values() if t.startswith(TEXTURE_PREFIXES)}
    assert registered == reference  # every registered feature has a reference value and vice versa
    for spec in registry.features():
        if spec.tag.startswith(TEXTURE_PREFIXES):
            assert len(spec.code) == 4 and spec.code.isalnum()
            assert spec.compute.__doc__ and ":math:" in spec.compute.__doc__


@pytest.mark.parametrize("family", ["glcm", "glrlm", "glszm", "gldzm", "ngtdm", "ngldm"])
def test_registered_compute_reproduces_phantom(family):
    """Through the engine interface: FeatureInput with the phantom preset (all aggregations)."""
    from ferrokit.radiomics import registry
    from ferrokit.radiomics.settings import preset

    image, mask = load_phantom()
    inp = registry.FeatureInput(
        image=image.astype(float), intensity_mask=mask, morphological_mask=mask,
        discretised=np.where(mask, image, 0).astype(np.int32), n_levels=PHANTOM_LEVELS, spacing=(2.0, 2.0, 2.0),
        settings=preset("ibsi-digital-phantom"), ivh_intensity=image.astype(float), ivh_range=(1.0, 6.0),
        ivh_step=1.0)
    specs = [s for s in registry.features(family)]
    computes = {s.compute for s in specs}
    assert len(computes) == 1
    out = next(iter(computes))(inp)
    assert set(out) == {s.tag for s in specs}
    bad = [t for t in out if not within_tolerance(out[t], reference_values()[t])]
    assert not bad, bad


def random_roi(seed: int, shape=(4, 7, 6), n_levels: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """A random grey-level volume with a random (non-empty) irregular ROI, for invariance tests."""
    rng = np.random.default_rng(seed)
    image = rng.integers(1, n_levels + 1, size=shape).astype(np.int32)
    mask = rng.random(shape) < 0.75
    mask[shape[0] // 2, shape[1] // 2, shape[2] // 2] = True
    return image, mask


def assert_same_features(a: dict[str, float], b: dict[str, float], rtol: float = 1e-12) -> None:
    """Equal keys and values (nan == nan); rtol covers summation-order round-off only."""
    assert a.keys() == b.keys()
    for tag in a:
        np.testing.assert_allclose(a[tag], b[tag], rtol=rtol, atol=1e-12, equal_nan=True, err_msg=tag)
