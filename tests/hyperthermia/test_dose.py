"""CEM43 and Arrhenius dose: hand calculations, the 37 °C floor, the step accumulator, bad input."""

import math

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import R_GAS
from ferrokit.hyperthermia.dose import (
    DoseAccumulator,
    arrhenius_damage,
    cem43,
    cem43_rate,
    get_arrhenius_parameters,
    percentile_temperature,
)

C = 273.15


@pytest.mark.parametrize(("celsius", "minutes"), [(43.0, 10.0), (44.0, 20.0), (45.0, 40.0), (42.0, 2.5),
                                                   (41.0, 0.625)])
def test_cem43_constant_temperature_by_hand(celsius, minutes):
    # 10 min at T: R = 0.5 (T ≥ 43) or 0.25 (T < 43), CEM43 = 10 R^(43 − T) min (Sapareto & Dewey 1984)
    assert cem43([celsius + C] * 2, [0.0, 600.0]) / 60 == pytest.approx(minutes, rel=1e-12)


def test_cem43_floor_decision():
    # below 37 °C no dose with the (default) floor; without it 0.25^(43-36) per unit time
    assert float(cem43_rate(36.0 + C)) == 0.0
    assert float(cem43_rate(36.0 + C, floor=None)) == pytest.approx(0.25**7)
    assert float(cem43_rate(37.0 + C)) == pytest.approx(0.25**6)


def test_accumulator_matches_history_formula():
    rng = np.random.default_rng(1)
    times = np.linspace(0, 1200, 41)
    hist = C + 37 + 8 * np.sin(times / 400)[:, None] + rng.normal(0, 0.3, (41, 5))
    p = get_arrhenius_parameters("liver")
    acc = DoseAccumulator(hist[0], arrhenius=p)
    for i in range(1, 41):
        acc.update(hist[i], times[i] - times[i - 1])
    np.testing.assert_allclose(acc.cem43, cem43(hist, times), rtol=1e-12)
    np.testing.assert_allclose(acc.damage, arrhenius_damage(hist, times, frequency_factor=p.frequency_factor,
                                                            activation_energy=p.activation_energy), rtol=1e-12)
    np.testing.assert_array_equal(acc.max_temperature, hist.max(axis=0))


def test_arrhenius_by_hand():
    # liver (human) A = 7.39e39 1/s, Ea = 2.577e5 J/mol (COMSOL bioheat table, verified-secondary);
    # 60 s at 330 K: Ω = 60 A exp(−Ea/(R T))
    p = get_arrhenius_parameters("liver")
    expected = 60 * 7.39e39 * math.exp(-2.577e5 / (R_GAS * 330.0))
    assert float(arrhenius_damage([330.0, 330.0], [0, 60], frequency_factor=p.frequency_factor,
                                  activation_energy=p.activation_energy)) == pytest.approx(expected, rel=1e-12)
    assert p.status == "verified-secondary"
    assert get_arrhenius_parameters("skin").status == "unverified"


def test_percentile_t90():
    # T90 = value exceeded by 90 % of voxels = 10th percentile; numpy linear interpolation on 1..10 → 1.9
    assert percentile_temperature(np.arange(1.0, 11.0)) == pytest.approx(1.9)
    mask = np.array([True, False] * 5)
    assert percentile_temperature(np.arange(10.0), mask) == pytest.approx(np.percentile([0, 2, 4, 6, 8], 10))


@pytest.mark.parametrize("call", [
    lambda: cem43([310.0, np.nan], [0, 1]),
    lambda: cem43([310.0, 311.0], [0]),
    lambda: cem43([310.0, 311.0], [1, 0]),
    lambda: arrhenius_damage([0.0, 1.0], [0, 1], frequency_factor=1, activation_energy=1),
    lambda: arrhenius_damage([300.0, 301.0], [0, 1], frequency_factor=-1, activation_energy=1),
    lambda: get_arrhenius_parameters("bone"),
    lambda: percentile_temperature(np.zeros(3), np.zeros(3, bool)),
    lambda: DoseAccumulator(np.zeros(3)).update(np.zeros(4), 1.0),
])
def test_bad_input(call):
    with pytest.raises(FerroKitInputError):
        call()


def test_numpy_and_numba_accumulators_agree(monkeypatch):
    import ferrokit.hyperthermia.dose as dose_mod

    rng = np.random.default_rng(5)
    t0 = C + 37 + rng.uniform(-1, 3, 50)
    t1 = C + 37 + rng.uniform(0, 12, 50)
    p = get_arrhenius_parameters("liver")
    fast = DoseAccumulator(t0, arrhenius=p)
    fast.update(t1, 30.0)
    monkeypatch.setattr(dose_mod, "HAVE_NUMBA", False)
    plain = DoseAccumulator(t0, arrhenius=p)
    plain.update(t1, 30.0)
    np.testing.assert_allclose(fast.cem43, plain.cem43, rtol=1e-12)
    np.testing.assert_allclose(fast.damage, plain.damage, rtol=1e-12)
