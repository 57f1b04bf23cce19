"""Data-driven tumour population (per-data-set fits of the Cheng 2020 collection) and its held-out validation."""

import numpy as np
import pytest
from scipy.linalg import expm

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.pk import (
    CollectionFits,
    Dosing,
    TumourPopulation,
    _kernels,
    cheng2020_fits,
    fit_cheng2020_collection,
    mouse_parameters,
    simulate_pbpk,
    tumour_response,
    validate_tumour_population,
)
from ferrokit.pk.population import DEFAULT_PLASMA_HALF_LIFE_H
from ferrokit.pk.tumour import _apply

H = 3600.0


def test_bdf2_kernel_matches_matrix_exponential_for_constant_plasma():
    # constant arterial concentration c from t = 0, constant uptake (hill=True with k50 -> 0): the exact solution
    # of y' = A y + b is y(t) = A⁻¹(e^{At} - I) b. Rates as for a 20 g mouse tumour (q/V_b ~ 1800 /h: stiff).
    q, vb, vt, pa, part, kmax, krel, c = 0.0088, 4.8e-9, 4.75e-7, 3.3e-5, 0.05, 0.05, 0.007, 1e3
    th = np.unique(np.concatenate([[0.0], np.geomspace(1e-3, 1, 60), np.arange(1.0, 72.0, 0.2)]))
    out = np.zeros((th.size, 3))
    _kernels.tumour_bdf2(th, np.full(th.size, c), q, vb, vt, pa, part, kmax, 1e-12, 1.0, krel, out)
    a = np.array([[-(q + pa) / vb, pa / (part * vt), 0.0], [pa / vb, -pa / (part * vt) - kmax, krel],
                  [0.0, kmax, -krel]])
    b = np.array([q * c, 0.0, 0.0])
    for t in (1.0, 8.0, 24.0, 71.8):
        exact = np.linalg.solve(a, (expm(a * t) - np.eye(3)) @ b)
        got = out[int(np.argmin(np.abs(th - t)))]
        # BDF2 with 0.2 h steps vs the slowest time constants (~hours): relative error O((0.2 h × rate)²) < 1 %
        assert got.sum() == pytest.approx(exact.sum(), rel=0.01)


def test_decoupled_tumour_matches_full_pbpk():
    # Driving the tumour with the default plasma curve ignores the plasma the tumour itself removes, so the error
    # grows with the tumour's own uptake: 0.05 % at the default (0.3 %ID), ≤ 3.2 % for a 3.5 %ID tumour, 8 % for
    # a 13 %ID one (found). Tolerance: 5 % up to ~3.5 %ID (the collection's median DEmax is 0.99, 75th percentile
    # 2.4), 10 % for the 13 %ID case (above the collection's 95th percentile of 12.5 %ID).
    p = mouse_parameters()
    t = np.array([0.25, 1, 4, 8, 24, 48, 72, 168]) * H
    # With a plasma time scale s ≠ 1 the full model runs the time-scaled body (tumour._time_scaled_body); the
    # decoupled model reads the default plasma curve at t/s. Found: ≤ 0.6 % (s = 0.05, default tumour), ≤ 2.4 %
    # (s = 0.005 and 0.2 with a 2.4 %ID tumour), 0.5 % (s = 2); same tolerances as above.
    for vals, tol in (({}, 0.01),
                      ({"permeability_coefficient": 0.02, "partition_coefficient": 0.1, "uptake_max": 0.03}, 0.05),
                      ({"permeability_coefficient": 1e-3, "partition_coefficient": 0.5, "uptake_max": 0.3}, 0.10),
                      ({"plasma_time_scale": 0.05}, 0.01), ({"plasma_time_scale": 2.0}, 0.01),
                      ({"plasma_time_scale": 0.005, "permeability_coefficient": 0.02, "partition_coefficient": 0.1,
                        "uptake_max": 0.03}, 0.05),
                      ({"plasma_time_scale": 0.2, "permeability_coefficient": 0.02, "partition_coefficient": 0.1,
                        "uptake_max": 0.03}, 0.05)):
        full = simulate_pbpk(_apply(p, vals), Dosing(1e-7), duration=t[-1], times=t).percent_id["tumour"]
        assert tumour_response(vals, t) == pytest.approx(full, rel=tol)


def test_plasma_time_scale_stretches_the_plasma_curve_and_conserves_the_dose():
    # Dividing every rate constant of the body by s must give C_p(t) = C_p,1(t/s): the same curve on a stretched
    # time axis (and the same initial concentration, i.e. the dose is conserved). Only the rest of body's flow
    # deviates from exact scaling (it absorbs the tumour's change of flow fraction, ≤ 1.5 % of its flow): 2 %.
    p = mouse_parameters()
    t = np.array([0.01, 0.1, 1.0, 8.0, 24.0, 48.0, 72.0]) * H
    ref = simulate_pbpk(p, Dosing(1e-7), duration=t[-1], times=t).percent_id["plasma"]
    for s in (0.1, 0.01):
        fast = simulate_pbpk(_apply(p, {"plasma_time_scale": s}), Dosing(1e-7), duration=t[-1] * s,
                             times=t * s).percent_id["plasma"]
        assert fast == pytest.approx(ref, rel=0.02)
    # the default curve's post-distribution half-life (0.1 h -> half) is the constant the docs quote
    r = simulate_pbpk(p, Dosing(1e-7), duration=40 * H,
                      times=np.array([0.1, 0.1 + DEFAULT_PLASMA_HALF_LIFE_H]) * H).percent_id["plasma"]
    assert r[1] / r[0] == pytest.approx(0.5, abs=0.005)  # quoted to 0.1 h, the ratio changes 0.001 per 0.1 h


def test_shipped_fits_are_reproduced_by_refitting_a_subset():
    # The cache must not go stale: refit 5 data sets (random, fixed seed) and compare the fitted curves (not the
    # parameters: parameters on a bound or along a ridge are not identified, their curves are).
    cached = cheng2020_fits()
    assert cached.ids.size == 378 and cached.names == ("permeability_coefficient", "partition_coefficient",
                                                       "uptake_max", "capillary_blood_fraction",
                                                       "plasma_time_scale")
    ids = np.random.default_rng(5).choice(cached.ids, 5, replace=False)
    fresh = fit_cheng2020_collection(ids)
    old = cached.subset(ids)
    assert fresh.rms == pytest.approx(old.rms, abs=2e-3)  # optimiser tolerance on an rms of ln %ID


def test_fits_table_round_trip_and_bad_input():
    f = cheng2020_fits().subset([1, 2, 3])
    g = CollectionFits.from_csv(f.to_csv())
    assert np.allclose(g.log_params, f.log_params, atol=1e-6) and (g.at_bound == f.at_bound).all()
    with pytest.raises(FerroKitInputError, match="malformed"):
        CollectionFits.from_csv("ID,ln_uptake_max,rms_ln\n1,abc,0.1\n")
    with pytest.raises(FerroKitInputError, match="empty"):
        CollectionFits.from_csv("")
    with pytest.raises(FerroKitInputError, match="not among"):
        f.subset([999])
    with pytest.raises(FerroKitInputError, match="method"):
        TumourPopulation.from_fits(f, "gaussian")
    with pytest.raises(FerroKitInputError, match="at least"):
        TumourPopulation.from_fits(f)
    with pytest.raises(FerroKitInputError, match="fit must name"):
        fit_cheng2020_collection([1], fit=("colour",))
    with pytest.raises(FerroKitInputError, match="times"):
        tumour_response({}, [200 * H])
    with pytest.raises(FerroKitInputError, match="unknown tumour parameter"):
        tumour_response({"colour": 1.0}, [H])
    with pytest.raises(FerroKitInputError, match="samples_per_set"):
        validate_tumour_population(samples_per_set=0)


def test_population_sampling_follows_the_fitted_lognormal():
    pop = TumourPopulation.from_fits(cheng2020_fits())
    x = np.log(pop.sample(20000, rng=1))
    # clipping to the bounds moves the mean slightly; sd of ln p ~ 3, se of a 20000-sample mean ~ 0.02
    assert np.abs(x.mean(axis=0) - pop.log_mean).max() < 0.5
    assert np.allclose(pop.sample(5, rng=2), pop.sample(5, rng=2))


def _peak_consistent(st):
    # peak times are quantised by the schedules (…, 6, 8, 12, 24 h), so the median jumps between sampling times:
    # accept if either median lies inside the other's 95 % interval (the model cannot exclude the data's median)
    d = st["median_peak_h"]
    return (d["data_ci95"][0] <= d["model"] <= d["data_ci95"][1]
            or d["model_ci95"][0] <= d["data"] <= d["model_ci95"][1])


def _within_combined_ci(st, key):
    # difference of two independent medians: accept if |model − data| < 1.96 √(se_d² + se_m²), each se taken as
    # the half-width of its percentile-bootstrap 95 % interval / 1.96
    d = st[key]
    se_d = (d["data_ci95"][1] - d["data_ci95"][0]) / 3.92
    se_m = (d["model_ci95"][1] - d["model_ci95"][0]) / 3.92
    return abs(d["model"] - d["data"]) <= 1.96 * np.hypot(se_d, se_m)


def test_held_out_half_reproduces_delivery_statistics():
    # Population (lognormal of the fitted log-parameters) built on a random half of the data sets (split seed
    # 2026, the default fixed before any comparison), compared with the other half: 2 draws per held-out set,
    # each read at that set's sampling times; model interval from 30 training-set bootstrap replicates.
    v = validate_tumour_population(samples_per_set=2, n_boot=300, n_boot_model=30, rng=11)
    st = v.summary()
    assert v.train_ids.size == 189 and v.test_ids.size == 189
    assert not set(v.train_ids) & set(v.test_ids)
    assert _within_combined_ci(st, "median_de24")
    assert _within_combined_ci(st, "median_demax")
    assert _within_combined_ci(st, "median_de168")  # failed with one plasma curve for all particles (0.15 vs 0.30)
    assert _peak_consistent(st)
    assert st["median_peak_h"]["model"] <= 12.0  # data 8 h (6–12); 22 h with one plasma curve
    assert st["peak_q3_h"]["model"] == st["peak_q3_h"]["data"] == 24.0
    # not asserted: the share of curves peaking at their last sample (model 0.33, data 0.23 at this split: outside
    # the combined interval; consistent in 18 of 20 other splits, docs/pk.md §3)
    d = v.to_dict()
    assert d["n_model_samples"] == 378 and d["method"] == "lognormal"


def test_criterion_rejects_the_untuned_default_tumour():
    # Power check: a population concentrated at the Lin-lab default tumour (DE24 0.23 %ID, as the full model
    # gives) must FAIL the same DE24 criterion against the held-out median (~0.7 %ID).
    real = cheng2020_fits()
    default = np.log([0.00377, 0.00377, 0.00198, 0.01, 1.0])
    jitter = np.random.default_rng(0).normal(0.0, 0.01, real.log_params.shape)
    fake = CollectionFits(real.ids, real.names, default + jitter, real.rms, real.n_points, real.at_bound)
    st = validate_tumour_population(fake, samples_per_set=1, n_boot=200, n_boot_model=20, rng=1).summary()
    assert st["median_de24"]["model"] == pytest.approx(0.23, rel=0.05)
    assert not _within_combined_ci(st, "median_de24")


def test_criterion_rejects_one_plasma_curve_for_all_particles():
    # Power check of the plasma time scale: the same fitted population with s switched off (s = 1, the default
    # slowly cleared plasma curve, for every draw) must fail the peak-time and last-sample criteria that the fitted
    # s passes (found: peak 24 h vs data 8 h, 59 % vs 23 % peaking at the last sample, DE168 0.81 vs 0.30).
    real = cheng2020_fits()
    x = real.log_params.copy()
    x[:, real.names.index("plasma_time_scale")] = 0.0
    fake = CollectionFits(real.ids, real.names, x, real.rms, real.n_points, real.at_bound)
    st = validate_tumour_population(fake, samples_per_set=2, n_boot=300, n_boot_model=30, rng=11).summary()
    assert not _peak_consistent(st)
    assert not _within_combined_ci(st, "fraction_peak_at_last_sample")
    assert not _within_combined_ci(st, "median_de168")


@pytest.mark.slow
def test_refit_subset_and_validate_over_random_splits():
    # (~25 s) 6 more data sets refitted against the shipped table; then 5 further random half splits
    # (seeds 0–4, 3 draws per held-out set, 40 model replicates). Over 20 splits (examples/pk_cheng_comparison.py,
    # docs/pk.md §3) the statistics pass in 70–95 % of splits (DE24 16/20, DEmax 18/20, DE168 14/20, peak 19/20,
    # last-sample share 18/20), so we require a majority, ≥ 3/5, per statistic: at a pass rate of 0.7 that fails
    # with probability 0.16, while a model with one plasma curve for all particles passed DE168 in 2/20 and the
    # last-sample share in 4/20 (0.9 and 5.8 % chance of ≥ 3/5).
    cached = cheng2020_fits()
    ids = np.random.default_rng(9).choice(cached.ids, 6, replace=False)
    assert fit_cheng2020_collection(ids).rms == pytest.approx(cached.subset(ids).rms, abs=2e-3)
    ok = np.zeros(5, int)
    for seed in range(5):
        st = validate_tumour_population(cached, split_seed=seed, samples_per_set=3, n_boot=200, n_boot_model=40,
                                        rng=seed).summary()
        ok += [_within_combined_ci(st, "median_de24"), _within_combined_ci(st, "median_demax"),
               _within_combined_ci(st, "median_de168"), _peak_consistent(st),
               _within_combined_ci(st, "fraction_peak_at_last_sample")]
    assert (ok >= 3).all()
