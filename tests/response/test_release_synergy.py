"""Release kinetics limits and synergy (Bliss, Chou–Talalay)."""

import math
import warnings

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.response import (
    bliss_expected,
    bliss_synergy,
    combination_index,
    median_effect_fit,
    ph_release_factor,
    release_profile,
)

H = 3600.0


def test_first_order_half_life_and_complete_release():
    k = math.log(2) / (6 * H)
    p = release_profile("first_order", [0, 6 * H, 12 * H, 1000 * H], rate_constant=k)
    np.testing.assert_allclose(p.fraction, [0, 0.5, 0.75, 1.0], atol=1e-12)
    assert p.valid.all()


def test_higuchi_is_sqrt_t_and_kp_half_equals_higuchi():
    t = np.array([0.0, 1.0, 4.0, 9.0]) * H
    kh = 0.1 / math.sqrt(H)
    hi = release_profile("higuchi", t, rate_constant=kh)
    np.testing.assert_allclose(hi.fraction, [0, 0.1, 0.2, 0.3], rtol=1e-12)   # ∝ √t
    kp = release_profile("korsmeyer_peppas", t, rate_constant=kh, exponent=0.5)
    np.testing.assert_allclose(kp.fraction, hi.fraction, rtol=1e-14)


def test_power_laws_flag_release_beyond_60_percent():
    t = np.array([1.0, 16.0, 49.0]) * H
    with pytest.warns(UserWarning, match="beyond its validity"):
        p = release_profile("korsmeyer_peppas", t, rate_constant=0.1 / H**0.5, exponent=0.5)
    # F = 0.1, 0.4, 0.7: the last point is beyond the 60 % validity
    np.testing.assert_array_equal(p.valid, [True, True, False])
    assert any("validity" in n for n in p.notes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q = release_profile("higuchi", [0.0, 400 * H], rate_constant=0.1 / H**0.5, warn_invalid=False)
    assert q.fraction[-1] == 1.0 and not q.valid[-1]                    # clipped at 1, flagged


def test_ph_trigger_scales_time():
    # m = 1 + (mmax−1)/(1+10^(pH−pKa)); at pH = pKa half: hand value
    assert ph_release_factor(6.0, pka=6.0, max_factor=5.0) == pytest.approx(3.0)
    assert ph_release_factor(14.0, pka=5.0, max_factor=5.0) == pytest.approx(1.0, abs=1e-8)
    k = 1e-4
    base = release_profile("first_order", [3600.0], rate_constant=k)
    acid = release_profile("first_order", [3600.0], rate_constant=k, ph=5.0, pka=6.0, max_factor=5.0)
    m = ph_release_factor(5.0, pka=6.0, max_factor=5.0)
    assert acid.fraction[0] == pytest.approx(1 - math.exp(-k * m * 3600.0), rel=1e-12)
    assert acid.fraction[0] > base.fraction[0]


@pytest.mark.parametrize("call", [
    lambda: release_profile("zero_order", [0.0], rate_constant=1.0),
    lambda: release_profile("first_order", [-1.0], rate_constant=1.0),
    lambda: release_profile("first_order", [0.0], rate_constant=0.0),
    lambda: release_profile("korsmeyer_peppas", [0.0], rate_constant=1.0, exponent=1.5),
    lambda: release_profile("first_order", [float("nan")], rate_constant=1.0),
    lambda: ph_release_factor(15.0, pka=5.0, max_factor=2.0),
])
def test_release_bad_input(call):
    with pytest.raises(FerroKitInputError):
        call()


def test_bliss_independent_kills_give_zero_excess():
    # independent fractional kills: survivals multiply, S_AB = S_A S_B → excess exactly 0
    sa, sb = 0.3, 0.55
    r = bliss_synergy([1 - sa, 1 - sb], 1 - sa * sb)
    assert r.excess == pytest.approx(0.0, abs=1e-15)
    assert r.index == pytest.approx(1.0)
    assert r.verdict == "additive (independent)"
    assert bliss_expected([0.5, 0.5, 0.5]) == pytest.approx(0.875)             # three agents: 1 − 0.5³
    assert bliss_synergy([0.5, 0.4], 0.6).verdict == "antagonism"


def test_chou_talalay_self_combination_is_additive():
    # a drug combined with itself is Loewe-additive: CI = 1 at any effect level
    dm, m = 2.0, 1.7
    for fa in (0.2, 0.5, 0.9):
        dx = dm * (fa / (1 - fa)) ** (1 / m)
        assert combination_index([0.3 * dx, 0.7 * dx], fa, dm=[dm, dm], m=[m, m]) == pytest.approx(1.0)
    d = np.array([0.5, 1.0, 2.0, 4.0])
    fa = 1 / (1 + (dm / d) ** m)
    np.testing.assert_allclose(median_effect_fit(d, fa), [dm, m], rtol=1e-10)


@pytest.mark.parametrize("call", [
    lambda: bliss_synergy([0.5], 0.5),
    lambda: bliss_synergy([0.5, 1.2], 0.5),
    lambda: bliss_synergy([0.5, 0.2], float("nan")),
    lambda: combination_index([1.0, 1.0], 1.0, dm=[1, 1], m=[1, 1]),
    lambda: median_effect_fit([1.0], [0.5]),
])
def test_synergy_bad_input(call):
    with pytest.raises(FerroKitInputError):
        call()
