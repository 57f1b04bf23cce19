"""Spectral unmixing: exact recovery without noise, noise-based bounds, NNLS, sO2, input errors."""

import numpy as np
import pytest
from scipy.optimize import nnls

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.optics.photoacoustics import endmember_matrix, linear_unmix, oxygen_saturation

WL = np.array([700, 750, 800, 850, 900]) * 1e-9


def test_known_concentrations_are_recovered_exactly_without_noise():
    e = endmember_matrix(["HbO2", "Hb", "magnetite"], WL)
    rng = np.random.default_rng(0)
    c = rng.uniform(0.0, 2.0, size=(3, 20, 30))
    img = np.einsum("mk,k...->m...", e, c)
    res = linear_unmix(img, e, components=["HbO2", "Hb", "magnetite"])
    assert np.max(np.abs(res.concentrations - c)) < 1e-10 * c.max()
    so2 = oxygen_saturation(res.component("HbO2"), res.component("Hb"))
    assert np.allclose(so2, c[0] / (c[0] + c[1]), atol=1e-10)


def test_synthetic_spectra_with_noise_follow_the_least_squares_covariance():
    # Unconstrained regime (concentrations ≫ noise): ĉ − c ~ N(0, σ²(EᵀE)⁻¹). With 40 000 pixels the sample std
    # is within 2 % of the theory (≈ 1/√(2N) = 0.35 % standard error) and the mean within 4 standard errors.
    e = np.array([[1.0, 0.3], [0.8, 0.5], [0.5, 0.9], [0.2, 1.2]])
    rng = np.random.default_rng(42)
    c = np.stack([np.full((200, 200), 5.0), np.full((200, 200), 3.0)])
    sigma = 0.05
    img = np.einsum("mk,k...->m...", e, c) + rng.normal(0, sigma, size=(4, 200, 200))
    res = linear_unmix(img, e)
    err = (res.concentrations - c).reshape(2, -1)
    theory = sigma * np.sqrt(np.diag(np.linalg.inv(e.T @ e)))
    assert np.allclose(err.std(axis=1), theory, rtol=0.02)
    assert np.all(np.abs(err.mean(axis=1)) < 4 * theory / np.sqrt(err.shape[1]))
    assert res.n_constrained == 0


def test_nnls_is_used_where_the_constraint_is_active():
    e = endmember_matrix(["HbO2", "Hb"], WL)
    rng = np.random.default_rng(5)
    c = np.stack([rng.uniform(0.5, 1.0, 500), np.zeros(500)])  # no Hb at all: noise pushes half below zero
    img = e @ c + rng.normal(0, 0.5, size=(5, 500))
    res = linear_unmix(img, e)
    assert res.n_constrained > 50
    assert np.all(res.concentrations >= 0)
    for p in range(0, 500, 37):  # identical to scipy's NNLS pixel by pixel
        assert np.allclose(res.concentrations[:, p], nnls(e, img[:, p])[0], atol=1e-9)


def test_oxygen_saturation_edge_cases():
    assert oxygen_saturation(1.0 * np.ones(2), np.array([3.0, 1.0])).tolist() == [0.25, 0.5]
    out = oxygen_saturation(np.array([1e-6, 2.0]), np.array([0.0, 2.0]), min_total=1e-3)
    assert np.isnan(out[0]) and out[1] == 0.5
    with pytest.raises(FerroKitInputError, match="≥ 0"):
        oxygen_saturation(np.array([-1.0]), np.array([1.0]))


def test_unmixing_bad_input():
    e = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(FerroKitInputError, match="full column rank"):
        linear_unmix(np.ones((2, 3)), e)
    with pytest.raises(FerroKitInputError, match="one image per wavelength"):
        linear_unmix(np.ones((3, 4)), np.eye(2))
    with pytest.raises(FerroKitInputError, match="finite"):
        linear_unmix(np.full((2, 3), np.nan), np.eye(2))
    with pytest.raises(FerroKitInputError, match="unknown component"):
        endmember_matrix(["HbO2", "unobtainium"], WL)
    with pytest.raises(FerroKitInputError):
        endmember_matrix(["HbO2"], [500e-9])  # outside Prahl's 650–1000 nm table
