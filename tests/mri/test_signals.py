"""Signal equations, rates with agent, contrast/CNR, timing optimisation and synthetic images."""

import math

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.mri.images import synthetic_image
from ferrokit.mri.signals import (
    SequenceParams,
    cnr,
    gradient_echo_signal,
    inversion_recovery_signal,
    optimal_contrast_timing,
    relaxation_rates,
    spin_echo_signal,
)


def test_spin_echo_hand_value():
    # PD (1 - e^{-TR R1}) e^{-TE R2} = 2 (1 - e^{-0.5}) e^{-0.4}
    assert spin_echo_signal(2.0, 1.0, 20.0, te=0.02, tr=0.5) == pytest.approx(2 * (1 - math.exp(-0.5)) *
                                                                             math.exp(-0.4), rel=1e-14)


def test_gradient_echo_limits_and_ernst_angle():
    r1, tr = 1.25, 0.01
    ernst = math.acos(math.exp(-tr * r1))
    grid = np.linspace(0.01, 1.0, 2000)
    s = [gradient_echo_signal(1, r1, 0, te=1e-3, tr=tr, flip_angle=a) for a in grid]
    assert grid[int(np.argmax(s))] == pytest.approx(ernst, abs=1e-3)  # grid step 5e-4
    # 90° and TR ≫ T1: full recovery
    assert gradient_echo_signal(1, 1.0, 0, te=1e-3, tr=100, flip_angle=math.pi / 2) == pytest.approx(1.0)


def test_inversion_recovery_null_and_sign():
    t1 = 0.9
    ti0 = t1 * math.log(2)
    assert inversion_recovery_signal(1, 1 / t1, 0, ti=ti0, tr=1e6, te=1e-3) == pytest.approx(0, abs=1e-12)
    assert inversion_recovery_signal(1, 1 / t1, 0, ti=0.1, tr=1e6, te=1e-3, magnitude=False) < 0


def test_relaxation_rates_arrays():
    r1, r2 = relaxation_rates(np.array([1.0, 1.0]), 10.0, np.array([0.0, 2.0]), r1=10.0, r2=60.0)
    assert r1.tolist() == [1.0, 21.0] and r2.tolist() == [10.0, 130.0]


def test_optimal_te_closed_form_and_tr():
    seq = SequenceParams("spin_echo", te=0.005, tr=1e3)
    r20, ra = 15.0, 15.0 + 60 * 0.2
    opt = optimal_contrast_timing(seq, vary="te", bounds=(1e-3, 0.3), r1_0=1, r2_0=r20, concentration=0.2,
                                  r1=0.0, r2=60.0)
    assert opt.value == pytest.approx(math.log(ra / r20) / (ra - r20), rel=1e-5)
    # T1 weighting: d/dTR [e^{-TR R0} - e^{-TR Ra}] = 0 → TR* = ln(Ra/R0)/(Ra - R0) (TE term equal for both)
    seq = SequenceParams("spin_echo", te=0.001, tr=1.0)
    opt = optimal_contrast_timing(seq, vary="tr", bounds=(0.01, 10), r1_0=1.0, r2_0=10, concentration=0.1,
                                  r1=10.0, r2=0.0)
    assert opt.value == pytest.approx(math.log(2) / 1.0, rel=1e-5)
    assert opt.contrast == pytest.approx(abs(opt.signal_with_agent - opt.signal_without_agent))


def test_cnr_and_bad_input():
    assert cnr(10.0, 4.0, 2.0) == 3.0
    with pytest.raises(FerroKitInputError, match="noise_sigma"):
        cnr(1, 2, 0)
    with pytest.raises(FerroKitInputError, match="flip_angle"):
        SequenceParams("gradient_echo", te=0.005, tr=0.01)
    with pytest.raises(FerroKitInputError, match="shorter"):
        SequenceParams("spin_echo", te=0.5, tr=0.1)
    with pytest.raises(FerroKitInputError, match="kind"):
        SequenceParams("epi", te=0.01, tr=1)
    with pytest.raises(FerroKitInputError, match="≥ 0"):
        spin_echo_signal(1, -1, 1, te=0.01, tr=1)


def test_synthetic_image_noiseless_matches_equation_and_noise_is_rician():
    labels = np.array([[0, 1], [2, 2]])
    conc = np.array([[0.0, 0.0], [0.0, 0.5]])
    tissue = {1: (1.0, 20.0, 1.0), 2: (0.8, 15.0, 0.8)}
    seq = SequenceParams("spin_echo", te=0.03, tr=2.0)
    img = synthetic_image(conc, labels, tissue, r1=10.0, r2=60.0, sequence=seq)
    assert img[0, 0] == 0.0
    assert img[1, 1] == pytest.approx(spin_echo_signal(0.8, 0.8 + 5, 15 + 30, te=0.03, tr=2.0), rel=1e-14)
    big = np.ones((200, 200), int)
    noisy = synthetic_image(np.zeros(big.shape), big, {1: (1.0, 20.0, 1.0)}, r1=10, r2=60, sequence=seq,
                            noise_sigma=0.05, rng=1)
    clean = spin_echo_signal(1.0, 1.0, 20.0, te=0.03, tr=2.0)
    from ferrokit.mri.relaxometry import rician_mean

    assert noisy.mean() == pytest.approx(float(rician_mean(clean, 0.05)), rel=2e-3)  # 40000 px: MC error 0.1 %
    again = synthetic_image(np.zeros(big.shape), big, {1: (1.0, 20.0, 1.0)}, r1=10, r2=60, sequence=seq,
                            noise_sigma=0.05, rng=1)
    assert np.array_equal(noisy, again)


def test_synthetic_image_bad_input():
    seq = SequenceParams("spin_echo", te=0.03, tr=2.0)
    with pytest.raises(FerroKitInputError, match="no entry"):
        synthetic_image(np.zeros(2), np.array([1, 3]), {1: (1, 1, 1)}, r1=1, r2=1, sequence=seq)
    with pytest.raises(FerroKitInputError, match="shape"):
        synthetic_image(np.zeros(3), np.array([1, 1]), {1: (1, 1, 1)}, r1=1, r2=1, sequence=seq)
    with pytest.raises(FerroKitInputError, match="concentration"):
        synthetic_image(np.array([-1.0, 0]), np.array([1, 1]), {1: (1, 1, 1)}, r1=1, r2=1, sequence=seq)
