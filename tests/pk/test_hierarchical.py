"""Hierarchical (empirical-Bayes) population of the Cheng 2020 tumour parameters."""

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.pk import (
    HierarchicalFit,
    cheng2020_fits,
    fit_hierarchical_population,
    population_from_collection,
    validate_tumour_population,
)
from ferrokit.pk.hierarchical import _map_fit, _minus2_loglik, _population_step, cheng2020_hierarchical
from ferrokit.pk.population import _set_data


def _linear_sets(seed=0, n_sets=30):
    # linear-Gaussian mixed model y_i = X_i θ_i + ε, θ_i ~ N(μ, Ω), ε ~ N(0, σ²): the Laplace approximation and
    # the EM update are exact here, so they can be checked against closed forms
    g = np.random.default_rng(seed)
    mu, om, s2 = np.array([1.0, -2.0]), np.array([[0.5, 0.2], [0.2, 0.3]]), 0.04
    xs = [np.column_stack([np.ones(m), g.uniform(0, 3, m)]) for m in g.integers(2, 6, n_sets)]
    ys = [x @ g.multivariate_normal(mu, om) + g.normal(0, np.sqrt(s2), x.shape[0]) for x in xs]
    return xs, ys


def _map_linear(xs, ys, mu, om, s2):
    th, post, ssr, tr = [], [], [], []
    for x, y in zip(xs, ys, strict=True):
        h = x.T @ x / s2 + np.linalg.inv(om)
        hi = np.linalg.inv(h)
        t = hi @ (x.T @ y / s2 + np.linalg.solve(om, mu))
        th.append(t)
        post.append(hi)
        ssr.append(float(np.sum((y - x @ t) ** 2)))
        tr.append(float(np.trace(x @ hi @ x.T)))
    return np.array(th), np.array(post), np.array(ssr), np.array(tr)


def _exact_m2ll(xs, ys, mu, om, s2):
    # −2 ln of the exact marginal likelihood: y_i ~ N(X_i μ, X_i Ω X_iᵀ + σ² I)
    out = 0.0
    for x, y in zip(xs, ys, strict=True):
        c = x @ om @ x.T + s2 * np.eye(x.shape[0])
        d = y - x @ mu
        out += d @ np.linalg.solve(c, d) + np.linalg.slogdet(2 * np.pi * c)[1]
    return out


def test_laplace_likelihood_is_exact_for_a_linear_gaussian_model():
    xs, ys = _linear_sets()
    mu, om, s2 = np.array([0.8, -1.5]), np.array([[0.7, 0.1], [0.1, 0.2]]), 0.05
    th, post, ssr, _ = _map_linear(xs, ys, mu, om, s2)
    n = np.array([x.shape[0] for x in xs])
    # exact up to rounding (the Laplace approximation of a Gaussian integral is the integral)
    assert _minus2_loglik(ssr, n, s2, th, mu, om, post) == pytest.approx(_exact_m2ll(xs, ys, mu, om, s2), rel=1e-10)


def test_population_step_is_an_em_step():
    # hand calculation: μ = mean θ̂ = 1, Ω = mean (θ̂−μ)² + mean H⁻¹ = 1 + 2 = 3
    mu, om = _population_step(np.array([[0.0], [2.0]]), np.array([[[1.0]], [[3.0]]]))
    assert mu == pytest.approx([1.0]) and om.ravel() == pytest.approx([3.0])
    # EM property: each (μ, Ω, σ²) update with the σ² formula of fit_hierarchical_population never lowers the
    # exact marginal likelihood of the linear-Gaussian model
    xs, ys = _linear_sets(1, 40)
    n_tot = sum(x.shape[0] for x in xs)
    mu, om, s2 = np.zeros(2), np.eye(2), 1.0
    m2ll = [_exact_m2ll(xs, ys, mu, om, s2)]
    for _ in range(30):
        th, post, ssr, tr = _map_linear(xs, ys, mu, om, s2)
        mu, om = _population_step(th, post)
        s2 = float(np.sum(ssr + tr) / n_tot)
        m2ll.append(_exact_m2ll(xs, ys, mu, om, s2))
    assert np.all(np.diff(m2ll) <= 1e-9 * abs(m2ll[0]))
    assert m2ll[-1] < m2ll[0] - 10.0  # and it does move


def test_shipped_hierarchical_fit_is_a_fixed_point_of_the_map_step():
    # The cache must not go stale: the MAP step of 5 random data sets under the shipped population (μ, Ω, σ)
    # must return the shipped MAP estimates. They were computed under the population of the previous iteration,
    # which differs by < 0.05 in ln μ and < 10 % in Ω (the stopping rule), so the MAP moves slightly: 0.3 in ln
    # (a factor 1.35, well inside the population sd of 0.8–2.3 in ln) per parameter.
    h = cheng2020_hierarchical()
    assert h.fits.ids.size == 378 and h.post_cov.shape == (378, 5, 5)
    ids = np.random.default_rng(3).choice(h.fits.ids, 5, replace=False)
    sub = h.subset(ids)
    for i, x0 in zip(ids, sub.fits.log_params, strict=True):
        x, post, _, _ = _map_fit(_set_data(int(i)), h.names, h.log_mean, h.log_cov, h.residual_sd**2, [x0])
        assert np.abs(x - x0).max() < 0.3
        assert np.all(np.diag(post) < np.diag(h.log_cov))  # the data always narrow the prior (H ≥ Ω⁻¹)


def test_hierarchical_population_is_narrower_than_the_independent_fits():
    # The point of the method: parameters of sparse data sets are pulled towards the population, so its spread
    # (sd of ln p) is smaller than that of the independent fits for every parameter.
    h, ind = cheng2020_hierarchical(), cheng2020_fits()
    assert np.all(np.sqrt(np.diag(h.log_cov)) < ind.log_params.std(axis=0))
    assert population_from_collection().method == "lognormal"


def test_round_trip_and_bad_input():
    h = cheng2020_hierarchical().subset([1, 2, 3, 4, 5, 6, 7, 8])
    g = HierarchicalFit.from_csv(h.to_csv())
    assert np.allclose(g.post_cov, h.post_cov, rtol=1e-5) and np.allclose(g.fits.log_params, h.fits.log_params,
                                                                          atol=1e-6)
    with pytest.raises(FerroKitInputError, match="header"):
        HierarchicalFit.from_csv("ID,ln_uptake_max\n1,0.1\n")
    with pytest.raises(FerroKitInputError, match="malformed"):
        HierarchicalFit.from_csv('# {"residual_sd_ln": 0.3}\nID,ln_a,rms_ln,n_points,at_bound,pc_0_0\n1,x,0,3,\n')
    with pytest.raises(FerroKitInputError, match="not among"):
        h.subset([999])
    with pytest.raises(FerroKitInputError, match="method"):
        h.population("gaussian")
    fits = cheng2020_fits()
    for kw, msg in (({"max_iter": 0}, "max_iter"), ({"tol": -1.0}, "tol"), ({"max_nfev": 5}, "max_nfev")):
        with pytest.raises(FerroKitInputError, match=msg):
            fit_hierarchical_population(fits, **kw)
    with pytest.raises(FerroKitInputError, match="at least"):
        fit_hierarchical_population(fits.subset([1, 2, 3]))
    with pytest.raises(FerroKitInputError, match="bool or a HierarchicalFit"):
        validate_tumour_population(hierarchical="yes")
    with pytest.raises(FerroKitInputError, match="training ids"):
        validate_tumour_population(hierarchical=h)


def test_likelihood_decreases_and_sparse_sets_are_shrunk():
    # 30 data sets (the first 30 ids), 3 iterations: the Laplace −2 ln L must fall from iteration to iteration
    # (EM; the linearisation makes it approximate, but here every step lowered it by ≥ 10), and the MAP estimates
    # of the 3–4-point sets move towards the population mean.
    fits = cheng2020_fits().subset(range(1, 31))
    h = fit_hierarchical_population(fits, max_iter=3, tol=1e-6)
    m2 = [r["minus2_loglik"] for r in h.history]
    assert len(m2) == 3 and np.all(np.diff(m2) < 0)
    sparse = fits.n_points <= 4
    d_ind = np.abs(fits.log_params[sparse] - fits.log_params.mean(axis=0)).mean()
    d_map = np.abs(h.fits.log_params[sparse] - h.log_mean).mean()
    assert d_map < d_ind


@pytest.mark.slow
def test_held_out_half_with_the_hierarchical_population():
    # (~15 s) Hierarchical fit of the training half of split 2026 (2 iterations instead of the default's 4 to
    # keep the test short: iterations 3–4 move ln μ by < 0.06 and Ω by < 11 %), then the same held-out criteria
    # as tests/pk/test_population.py. The independent fits failed the last-sample share here (0.35 vs 0.23).
    from tests.pk.test_population import _peak_consistent, _within_combined_ci

    fits = cheng2020_fits()
    ids = np.array(sorted(int(i) for i in fits.ids))
    train = np.sort(ids[np.random.default_rng(2026).permutation(ids.size)[: ids.size // 2]])
    h = fit_hierarchical_population(fits.subset(train), max_iter=2)
    assert h.history[1]["minus2_loglik"] < h.history[0]["minus2_loglik"]
    st = validate_tumour_population(fits, samples_per_set=2, n_boot=300, n_boot_model=30, rng=11,
                                    hierarchical=h).summary()
    for key in ("median_de24", "median_demax", "median_de168", "fraction_peak_at_last_sample"):
        assert _within_combined_ci(st, key), key
    assert _peak_consistent(st)
