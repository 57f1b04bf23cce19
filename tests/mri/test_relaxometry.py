"""Relaxometry fits: recovery of known T1/T2/T2* from noisy synthetic series, polarity restoration, Rician
floor, VFA, label pooling, uncertainty calibration and bad input."""

import math

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.mri.relaxometry import fit_curve, fit_labels, fit_map, rician_mean

TI = np.array([50, 100, 200, 400, 800, 1600, 3200]) * 1e-3
TE = np.arange(1, 9) * 10e-3


def _magnitude(signal, sigma, rng):
    """Magnitude of a signal with complex Gaussian noise (Rician statistics)."""
    return np.abs(signal + rng.normal(0, sigma, np.shape(signal)) + 1j * rng.normal(0, sigma, np.shape(signal)))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_ir_magnitude_recovers_t1_with_polarity_restoration(seed):
    rng = np.random.default_rng(seed)
    t1, m0 = 0.6, 1000.0
    signal = _magnitude(m0 * (1 - 2 * np.exp(-TI / t1)), 5.0, rng)  # SNR 200
    fit = fit_curve(signal, TI, quantity="T1", model="ir")
    # stderr ≈ 0.002 s at this SNR: 5 stderr (and 2 % absolute) covers every seed without being loose
    assert fit.value == pytest.approx(t1, abs=max(5 * fit.stderr, 0.012))
    assert fit.converged and fit.dof == 4
    # restored polarity: the points before the null (TI < T1 ln2 = 416 ms) are negative
    assert np.all(fit.signal[TI < 0.3] < 0) and np.all(fit.signal[TI > 0.5] > 0)
    # fitted offset a ≈ M0 and inversion factor -b/a ≈ 2 (perfect inversion, TR → ∞)
    d = fit.to_dict()
    assert d["params"]["offset"]["value"] == pytest.approx(m0, rel=0.02)
    assert d["inversion_factor"] == pytest.approx(2.0, rel=0.02)


def test_ir_without_polarity_restoration_would_be_wrong():
    # fitting |S| directly as if positive gives a very different curve: our fit must restore signs
    s = np.abs(1000 * (1 - 2 * np.exp(-TI / 0.6)))
    fit = fit_curve(s, TI, quantity="T1", model="ir")
    assert fit.value == pytest.approx(0.6, rel=1e-6)  # noiseless: exact
    fit_sr = fit_curve(s, TI, quantity="T1", model="sr")  # no sign flips
    assert abs(fit_sr.value - 0.6) > 0.05


def test_ir_imperfect_inversion_and_three_tis():
    t1 = 1.2
    s = np.abs(800 * (1 - 1.8 * np.exp(-TI / t1)))  # inversion efficiency 0.9
    fit = fit_curve(s, TI, quantity="T1", model="ir")
    assert fit.value == pytest.approx(t1, rel=1e-6)
    assert fit.to_dict()["inversion_factor"] == pytest.approx(1.8, rel=1e-6)
    three = fit_curve(s[[1, 3, 5]], TI[[1, 3, 5]], quantity="T1", model="ir")
    assert three.value == pytest.approx(t1, rel=1e-6)
    assert math.isnan(three.stderr) and three.dof == 0 and "exact fit" in three.notes[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_saturation_recovery(seed):
    rng = np.random.default_rng(seed)
    t = np.array([0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2])
    s = 500 * (1 - np.exp(-t / 0.9)) + rng.normal(0, 2, t.size)
    fit = fit_curve(s, t, quantity="T1", model="sr")
    assert fit.value == pytest.approx(0.9, abs=5 * fit.stderr)
    assert fit.stderr < 0.04  # SNR 250: T1 to ~2 % (the stderr itself scatters ±35 % with 4 dof)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vfa_recovers_t1_with_b1_one(seed):
    rng = np.random.default_rng(seed)
    alpha, tr, t1 = np.deg2rad([2, 5, 10, 15, 20, 30]), 0.015, 0.8
    e1 = math.exp(-tr / t1)
    s = 1000 * np.sin(alpha) * (1 - e1) / (1 - np.cos(alpha) * e1) + rng.normal(0, 0.3, alpha.size)
    fit = fit_curve(s, alpha, quantity="T1", model="vfa", tr=tr)
    assert fit.value == pytest.approx(t1, abs=5 * fit.stderr)
    assert fit.params["m0"] == pytest.approx(1000, rel=0.02)


def test_vfa_b1_scales_flip_angles():
    alpha, tr, t1 = np.deg2rad([3, 8, 15, 25]), 0.01, 1.0
    e1 = math.exp(-tr / t1)
    a_true = 0.9 * alpha  # the coil delivers 90 % of the nominal angle
    s = 100 * np.sin(a_true) * (1 - e1) / (1 - np.cos(a_true) * e1)
    assert fit_curve(s, alpha, quantity="T1", model="vfa", tr=tr, b1=0.9).value == pytest.approx(t1, rel=1e-6)
    assert abs(fit_curve(s, alpha, quantity="T1", model="vfa", tr=tr).value - t1) > 0.1


@pytest.mark.parametrize("model", ["exp", "offset", "rician"])
def test_t2_noiseless_exact(model):
    s = 1000 * np.exp(-TE / 0.05)
    if model == "offset":
        s = s + 20
    if model == "rician":
        s = rician_mean(s, 15.0)
    fit = fit_curve(s, TE, quantity="T2", model=model)
    assert fit.value == pytest.approx(0.05, rel=1e-5)


def test_rician_mean_derivative_and_limits():
    nu, sig = np.array([0.0, 1.0, 5.0, 50.0]), 2.0
    from ferrokit.mri.relaxometry import _rice

    _mu, dnu, dsig = _rice(nu, np.full(4, sig))
    h = 1e-6
    assert np.allclose(dnu[1:], (rician_mean(nu[1:] + h, sig) - rician_mean(nu[1:] - h, sig)) / (2 * h), rtol=1e-6)
    assert np.allclose(dsig, (rician_mean(nu, sig + h) - rician_mean(nu, sig - h)) / (2 * h), rtol=1e-6)
    # second moment identity E[M²] = ν² + 2σ² checked by sampling the mean: Monte Carlo of the mean instead
    rng = np.random.default_rng(0)
    samples = np.abs(5.0 + rng.normal(0, sig, 400000) + 1j * rng.normal(0, sig, 400000))
    assert samples.mean() == pytest.approx(float(rician_mean(5.0, sig)), rel=3e-3)  # MC error ~ 0.06 %


def test_rician_floor_model_removes_low_snr_bias():
    # low SNR: S0 = 100, σ = 10, T2 = 40 ms, echoes to 160 ms → late echoes sit on the noise floor
    te = np.arange(1, 17) * 10e-3
    rng = np.random.default_rng(42)
    reps = 400  # average of many voxels: the mean magnitude follows the Rician mean
    data = np.mean([_magnitude(100 * np.exp(-te / 0.04), 10.0, rng) for _ in range(reps)], axis=0)
    exp_fit = fit_curve(data, te, quantity="T2", model="exp")
    ric_fit = fit_curve(data, te, quantity="T2", model="rician")
    ric_known = fit_curve(data, te, quantity="T2", model="rician", noise_sigma=10.0)
    # the plain exponential is biased long by the floor (> 25 % here); the Rician model is within 3 %
    assert exp_fit.value > 0.05
    assert ric_fit.value == pytest.approx(0.04, rel=0.03)
    assert ric_known.value == pytest.approx(0.04, rel=0.03)
    assert ric_fit.params["noise_sigma"] == pytest.approx(10.0, rel=0.1)


def test_drop_first_echo_removes_stimulated_echo_bias():
    s = 1000 * np.exp(-TE / 0.08)
    s[0] *= 0.85  # first echo low (imperfect refocusing); later echoes follow the true decay
    biased = fit_curve(s, TE, quantity="T2", model="exp")
    fixed = fit_curve(s, TE, quantity="T2", model="exp", drop_first_echo=True)
    assert fixed.value == pytest.approx(0.08, rel=1e-6)
    assert abs(biased.value - 0.08) > 0.005
    assert fixed.times.size == TE.size - 1


def test_t2star_stderr_is_calibrated():
    # coverage of ±2 stderr over 200 noise draws ≈ 95 % (binomial sd 1.5 %): accept 88–99 %
    rng = np.random.default_rng(7)
    t2s = 0.02
    s = 800 * np.exp(-TE / t2s)
    hits = 0
    for _ in range(200):
        fit = fit_curve(s + rng.normal(0, 8, TE.size), TE, quantity="T2*", model="exp")
        hits += abs(fit.value - t2s) < 2 * fit.stderr
    assert 176 <= hits <= 198


def test_map_recovers_known_t2_per_voxel():
    rng = np.random.default_rng(3)
    t2 = rng.uniform(0.03, 0.12, (6, 5, 4))
    s = 1000 * np.exp(-TE / t2[..., None]) + 50
    res = fit_map(s + rng.normal(0, 2, s.shape), TE, quantity="T2", model="offset")
    assert res.n_fitted == t2.size and res.n_failed == 0
    z = (res.maps["t2"] - t2) / res.maps["t2_stderr"]
    assert np.all(np.abs(z) < 5)  # every voxel within 5 stderr (120 voxels: P(|z|>5) ~ 1e-4)
    assert np.nanmedian(res.maps["offset"]) == pytest.approx(50, abs=5)
    res_exp = fit_map(1000 * np.exp(-TE / t2[..., None]), TE, quantity="T2*", model="exp", mask=t2 > 0.05)
    assert np.allclose(res_exp.maps["t2star"][t2 > 0.05], t2[t2 > 0.05], rtol=1e-6)
    assert np.all(np.isnan(res_exp.maps["t2star"][t2 <= 0.05]))


def test_map_ir_and_vfa_b1_map():
    t1 = np.array([[0.3, 0.8], [1.5, 2.5]])
    s = np.abs(1000 * (1 - 2 * np.exp(-TI / t1[..., None])))
    assert np.allclose(fit_map(s, TI, quantity="T1", model="ir").maps["t1"], t1, rtol=1e-5)
    alpha, tr = np.deg2rad([3, 8, 15, 25]), 0.01
    b1 = np.array([[0.8, 1.0], [1.0, 1.2]])
    e1 = np.exp(-tr / t1)[..., None]
    a = b1[..., None] * alpha
    sv = 100 * np.sin(a) * (1 - e1) / (1 - np.cos(a) * e1)
    assert np.allclose(fit_map(sv, alpha, quantity="T1", model="vfa", tr=tr, b1=b1).maps["t1"], t1, rtol=1e-5)


def test_labels_pool_voxels():
    rng = np.random.default_rng(11)
    labels = np.zeros((10, 10), int)
    labels[:5], labels[5:] = 1, 2
    t2 = np.where(labels == 1, 0.04, 0.1)
    s = 1000 * np.exp(-TE / t2[..., None])
    fits = fit_labels(s + rng.normal(0, 20, s.shape), TE, labels, quantity="T2", model="exp")
    assert list(fits) == [1, 2]
    assert fits[1].n_voxels == 50 and fits[1].dof == 50 * 8 - 2
    for lab, true in ((1, 0.04), (2, 0.1)):
        assert fits[lab].value == pytest.approx(true, abs=5 * fits[lab].stderr)
        assert fits[lab].residual_std == pytest.approx(20, rel=0.1)  # pooled scatter = the noise σ


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"signal": [1, 2, 3], "times": [0.1, 0.2], "quantity": "T2", "model": "exp"}, "must match"),
        ({"signal": [3, 2], "times": [0.1, 0.2], "quantity": "T2", "model": "exp"}, "at least 3"),
        ({"signal": [3, 2, 1], "times": [0.1, 0.1, 0.2], "quantity": "T2", "model": "exp"}, "distinct"),
        ({"signal": [3, 2, np.nan], "times": [0.1, 0.2, 0.3], "quantity": "T2", "model": "exp"}, "non-finite"),
        ({"signal": [3, 2, 1], "times": [0.1, -0.2, 0.3], "quantity": "T2", "model": "exp"}, "times"),
        ({"signal": [3, 2, 1], "times": [0.1, 0.2, 0.3], "quantity": "T2", "model": "ir"}, "model"),
        ({"signal": [3, 2, 1], "times": [0.1, 0.2, 0.3], "quantity": "T1", "model": "exp"}, "method"),
        ({"signal": [3, 2, 1], "times": [0.1, 0.2, 0.3], "quantity": "T1", "model": "vfa"}, "tr"),
        ({"signal": [3, 2, 1], "times": [0.1, 0.2, 4.0], "quantity": "T1", "model": "vfa", "tr": 0.01}, "flip"),
        ({"signal": [3, 2, 1], "times": [0.1, 0.2, 0.3], "quantity": "T2", "model": "exp", "noise_sigma": 1},
         "rician"),
        ({"signal": [3, 2, 1], "times": [0.1, 0.2, 0.3], "quantity": "T2", "model": "exp",
          "drop_first_echo": True}, "fewer than 3"),
        ({"signal": [3, 2, 1], "times": [0.1, 0.2, 0.3], "quantity": "T3", "model": "exp"}, "quantity"),
    ],
)
def test_bad_input(kwargs, fragment):
    with pytest.raises(FerroKitInputError, match=fragment):
        fit_curve(**kwargs)


def test_bad_map_input():
    s = np.ones((2, 2, 4))
    with pytest.raises(FerroKitInputError, match="mask shape"):
        fit_map(s, TE[:4], quantity="T2", model="exp", mask=np.ones((3, 2)))
    with pytest.raises(FerroKitInputError, match="empty"):
        fit_map(s, TE[:4], quantity="T2", model="exp", mask=np.zeros((2, 2)))
    with pytest.raises(FerroKitInputError, match="empty"):
        fit_labels(s, TE[:4], np.zeros((2, 2)), quantity="T2", model="exp")
    with pytest.raises(FerroKitInputError, match="does not match"):
        fit_labels(s, TE[:4], np.ones((2, 3)), quantity="T2", model="exp")
