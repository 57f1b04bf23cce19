"""Tumour delivery: the Cheng et al. 2020 collection, sampled statistics and time-course fitting."""

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.pk import (
    Dosing,
    cheng2020_statistics,
    cheng2020_time_course,
    fit_tumour_time_course,
    mouse_parameters,
    simulate_pbpk,
    tumour_delivery_statistics,
)
from ferrokit.pk.tumour import _apply

H = 3600.0


def test_collection_statistics_match_published_values():
    s = cheng2020_statistics().summary()
    # Cheng et al. 2020 abstract (seen): median DE 0.76 %ID at 24 h and 0.35 at 168 h over 376 data sets; the
    # shipped file holds 378 sets, so medians may move by one rank (0.735 and 0.34 here): 5 % tolerance
    assert s["median_de24"] == pytest.approx(0.76, rel=0.05)
    assert s["median_de168"] == pytest.approx(0.35, rel=0.05)
    # computed from the time-course file (SCIENCE.md §6): peak median 8 h, IQR 4–24 h, 28 % at last sample
    assert (s["median_peak_h"], s["peak_q1_h"], s["peak_q3_h"]) == (8.0, 4.0, 24.0)
    assert s["fraction_peak_at_last_sample"] == pytest.approx(0.28, abs=0.01)


@pytest.mark.slow
def test_full_pbpk_over_the_fitted_population_reproduces_delivery_statistics():
    # 60 draws (explicit seed) from the default population, the hierarchical (empirical-Bayes) lognormal fitted to
    # all 378 data sets (no hand tuning; the independent-fit population passed the same bounds), each
    # simulated with the FULL PBPK model. In-sample (the held-out check is tests/pk/test_population.py).
    # Tolerance: DE spans ~4 decades (sd of ln DE ≈ 1.7), so the standard error of a 60-sample median is
    # ~1.25·1.7/√60 ≈ 0.27 in ln: a factor 1.8 is ~2 standard errors. The peak-time median must lie in the
    # data's 4–24 h IQR.
    s = tumour_delivery_statistics(n_samples=60, rng=20260226).summary()
    assert 0.76 / 1.8 < s["median_de24"] < 0.76 * 1.8
    assert 0.99 / 1.8 < s["median_demax"] < 0.99 * 1.8
    # DE168 (the collection's median 0.34 %ID, mostly the authors' extrapolation): with one plasma curve for all
    # particles the full model gave 0.09 %ID (outside); each draw now runs its own plasma time scale
    assert 0.34 / 1.8 < s["median_de168"] < 0.34 * 1.8
    assert 4.0 <= s["median_peak_h"] <= 24.0
    with pytest.raises(FerroKitInputError, match="n_samples"):
        tumour_delivery_statistics(n_samples=3)


def test_fit_recovers_known_parameters():
    # synthetic data from known parameters, no noise: the fit must return them (to 1 %; the solver tolerance
    # is 1e-7 and the finite-difference Jacobian step 1e-4 in ln p)
    true = {"permeability_coefficient": 0.003, "uptake_max": 0.05}
    p = _apply(mouse_parameters(), true)
    t = np.array([1, 4, 8, 24, 48, 72]) * H
    y = simulate_pbpk(p, Dosing(1e-7), duration=t[-1], times=t).percent_id["tumour"]
    f = fit_tumour_time_course(t, y)
    for k, v in true.items():
        assert f.params[k] == pytest.approx(v, rel=0.01)
    assert f.rms_log_residual < 1e-3
    d = f.to_dict()
    assert set(d["params"]) == set(true)


def test_fit_collection_dataset_has_uncertainties():
    t, y = cheng2020_time_course(28)
    f = fit_tumour_time_course(t, y, fit=("uptake_max", "release_rate"), dataset="28")
    assert f.predicted.shape == y.shape
    assert all(np.isfinite(list(f.stderr.values())))
    # a 2-parameter PBPK fit of a 6-point plateau (~2.3 %ID): within a factor 2 (rms of ln < ln 2)
    assert f.rms_log_residual < np.log(2)


@pytest.mark.parametrize("t,y,fit,fragment", [
    ([1, 2, 3], [1, 2], ("uptake_max",), "differ in length"),
    ([1, 2, 3], [1, -2, 3], ("uptake_max",), "tumour_percent_id"),
    ([1, 2, np.nan], [1, 2, 3], ("uptake_max",), "non-finite"),
    ([3, 2, 1], [1, 2, 3], ("uptake_max",), "increasing"),
    ([1, 2], [1, 2], ("uptake_max", "release_rate"), "more time points"),
    ([1, 2, 3], [1, 2, 3], ("colour",), "fit must name"),
    ([], [], ("uptake_max",), "at least"),
])
def test_fit_bad_input(t, y, fit, fragment):
    with pytest.raises(FerroKitInputError, match=fragment):
        fit_tumour_time_course(np.asarray(t, float) * H, np.asarray(y, float), fit=fit)


def test_unknown_dataset():
    with pytest.raises(FerroKitInputError, match="dataset id"):
        cheng2020_time_course(9999)
