"""Tests of finite-size corrections: dead layer and surface anisotropy."""

import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.materials import DEFAULT_SURFACE_ANISOTROPY, dead_layer_magnetization, effective_anisotropy


def test_dead_layer_limits():
    assert dead_layer_magnetization(92.0, 10e-9, 0.0) == 92.0
    # magnetic volume fraction of a 10 nm sphere with a 1 nm dead shell: (8/10)^3 = 0.512
    assert dead_layer_magnetization(92.0, 10e-9, 1e-9) == pytest.approx(92.0 * 0.512)
    # large particles approach bulk: 1 − 6t/d to first order
    assert dead_layer_magnetization(1.0, 1e-6, 0.5e-9) == pytest.approx(1 - 3e-3, rel=1e-5)


@pytest.mark.parametrize(("d", "t"), [(2e-9, 1e-9), (2e-9, 1.5e-9), (-1e-9, 0.1e-9), (10e-9, -0.1e-9)])
def test_dead_layer_bad(d, t):
    with pytest.raises(FerroKitInputError):
        dead_layer_magnetization(92.0, d, t)


def test_effective_anisotropy():
    # K_eff = K_V + 6 K_S/d: 1e4 + 6·3.5e-5/10e-9 = 1e4 + 2.1e4
    assert effective_anisotropy(1e4, 3.5e-5, 10e-9) == pytest.approx(3.1e4)
    assert effective_anisotropy(1e4, 0.0, 10e-9) == 1e4
    # surface term scales as 1/d
    big, small = effective_anisotropy(0.0, 1e-4, 20e-9), effective_anisotropy(0.0, 1e-4, 10e-9)
    assert small == pytest.approx(2 * big)
    # Pisane, Singh & Seehra arXiv:1702.08378 [seen-abstract]: K_S = 0.035 erg/cm² = 3.5e-5 J/m²
    assert DEFAULT_SURFACE_ANISOTROPY == pytest.approx(0.035e-3)
    with pytest.raises(FerroKitInputError, match="diameter"):
        effective_anisotropy(1e4, 3.5e-5, 0.0)
