"""Inverse design: Pareto tools by hand, constraints on every candidate, reproducibility, viability model."""

import numpy as np
import pytest

from ferrokit._shared.schema import validate_model
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.design.inverse import (
    Constraints,
    OptimizeConfig,
    crowding_distance,
    hypervolume_2d,
    nondominated_ranks,
    optimize,
    pareto_mask,
    rank_candidates,
    ranking_objective,
)
from ferrokit.design.viability import train_viability_model


def test_pareto_mask_by_hand():
    # maximise both. a=(3,1) b=(1,3) c=(2,2) d=(2,1) [dominated by a and c] e=(1,1) [by all] f=(2,2) duplicate of
    # c (neither dominates the other: both kept) g=(0,3) [dominated by b: equal y, smaller x]
    pts = [[3, 1], [1, 3], [2, 2], [2, 1], [1, 1], [2, 2], [0, 3]]
    assert pareto_mask(pts).tolist() == [True, True, True, False, False, True, False]
    # ranks: front {a,b,c,f}; then {d,g} (d only dominated by front points; g only by b); then e (dominated by d)
    assert nondominated_ranks(pts).tolist() == [0, 0, 0, 1, 2, 0, 1]


def test_crowding_and_hypervolume_by_hand():
    # three points on a line: interior distance = (2-0)/2 + (2-0)/2 = 2, ends infinite
    assert crowding_distance([[0, 2], [1, 1], [2, 0]]).tolist() == [np.inf, 2.0, np.inf]
    # staircase (3,1), (2,2), (1,3) above (0,0): 3·1 + 2·1 + 1·1 = 6; a dominated point adds nothing
    assert hypervolume_2d([[3, 1], [2, 2], [1, 3], [1, 1]], [0, 0]) == 6.0
    assert hypervolume_2d([[-1, 5]], [0, 0]) == 0.0


def test_pareto_bad_input():
    with pytest.raises(FerroKitInputError):
        pareto_mask([[1.0, np.nan]])
    with pytest.raises(FerroKitInputError):
        pareto_mask([1.0, 2.0])


def test_hf_limit_names_and_numbers():
    assert Constraints(hf_limit="hergt").si()["hf_limit"] == 5e9
    assert Constraints(hf_limit="atkinson-brezovich").si()["hf_limit"] == 4.85e8
    assert Constraints(hf_limit=2e9).si()["hf_limit"] == 2e9
    with pytest.raises(FerroKitInputError, match="hf_limit"):
        Constraints(hf_limit="safe").si()


@pytest.fixture(scope="module")
def viability():
    return train_viability_model(rng=0)


def test_viability_model_scores_reported_honestly(viability):
    cv = viability.cv
    assert cv["n_rows"] == 441 and cv["n_groups"] == 15
    assert np.isfinite(cv["r2_grouped"]) and cv["r2_grouped"] < 0.9  # grouped: no within-system leakage
    assert 0 < cv["mae_grouped"] < 1 and viability.q > 0
    with pytest.raises(FerroKitInputError, match="coating"):
        viability.predict(20e-9, "gold", 1e-3, 86400.0)


SMALL = {"search": {"n_initial": 48, "refine_rounds": 1, "n_refine": 12, "n_draws": 3, "top": 6, "batch_size": 2},
         "constraints": {"max_core_size": "18 nm", "max_hydrodynamic_size": "45 nm", "hf_limit": "hergt",
                         "min_viability": 0.7}}


@pytest.fixture(scope="module")
def small_result(viability):
    return optimize(validate_model(OptimizeConfig, SMALL), viability_model=viability)


def test_every_candidate_respects_the_constraints(small_result):
    res = small_result
    assert res.candidates and res.batch
    for c in list(res.candidates) + list(res.batch):
        assert c["core_size"] < 18e-9
        assert c["hydrodynamic_size"] <= 45e-9
        assert c["hf"] <= 5e9 and c["hf"] == pytest.approx(c["frequency"] * c["amplitude"])
        assert c["viability"] >= 0.7
        u = c["uncertainty"]
        assert u["slp_q05"] <= u["slp_q50"] <= u["slp_q95"] and u["r2_q05"] <= u["r2_q95"]
    # the front is non-dominated among feasible points, and every feasible point off it is dominated
    f = np.flatnonzero(res.feasible)
    obj = np.column_stack([res.slp[f], res.r2[f]])
    assert set(res.front.tolist()) == set(f[pareto_mask(obj)].tolist())
    # default robust ranking: candidates come in order of Pareto rank of their ranking objective (10 % quantile)
    robj = [[c["ranking_objective"]["log10_slp"], c["ranking_objective"]["log10_r2"]] for c in res.candidates]
    assert nondominated_ranks(robj).tolist() == sorted(nondominated_ranks(robj).tolist())
    assert res.settings["ranking"].endswith("on the robust objective (10 % quantile of the draws)")
    assert sum(res.violations.values()) >= len(res.x) - res.feasible.sum()


def test_reproducible_with_a_seed(small_result, viability):
    again = optimize(validate_model(OptimizeConfig, SMALL), viability_model=viability)
    assert np.array_equal(again.x, small_result.x)
    assert again.to_dict()["candidates"] == small_result.to_dict()["candidates"]
    other = optimize(validate_model(OptimizeConfig, SMALL | {"seed": 1}), viability_model=viability)
    assert not np.array_equal(other.x, small_result.x)


def test_batch_is_diverse(small_result):
    b = small_result.batch
    assert [x["batch_order"] for x in b] == list(range(1, len(b) + 1))
    assert all(x["acquisition_hvi"] >= 0 for x in b)
    assert len({(x["core_size"], x["frequency"]) for x in b}) == len(b)


def test_no_feasible_design_is_an_input_error(viability):
    cfg = validate_model(OptimizeConfig, {"search": SMALL["search"], "constraints": {"max_core_size": "5 nm"}})
    with pytest.raises(FerroKitInputError, match="no feasible design"):
        optimize(cfg, viability_model=viability)


@pytest.mark.parametrize("data, fragment", [
    ({"space": {"core_size": ["24 nm", "6 nm"]}}, "low ≤ high"),
    ({"space": {"zn_fraction": [0, 2]}}, "zn_fraction"),
    ({"space": {"coating": "gold"}}, "coating"),
    ({"space": {"field_strength": "3 kA/m"}}, "tesla"),
    ({"constraints": {"max_core_size": "20"}}, "max_core_size"),
])
def test_bad_config(viability, data, fragment):
    with pytest.raises(FerroKitInputError, match=fragment):
        optimize(validate_model(OptimizeConfig, data), viability_model=viability)


def test_robust_ranking_prefers_the_certain_candidate():
    # A: nominal (100, 100) but its draws spread over 1 … 1000; B: nominal (80, 80), draws 70 … 90.
    # Nominal: A dominates B. Robust (10 % quantile of log10): A's is near log10(1) … log10(100), B's ≈ log10(72)
    # → B first. Expected log10: A (0 + 2 + 3)/3 = 1.67 < B ≈ log10(80) = 1.90 → B first as well.
    nominal = [[100.0, 100.0], [80.0, 80.0]]
    samples = np.array([[[1.0, 70.0], [1.0, 70.0]], [[100.0, 80.0], [100.0, 80.0]],
                        [[1000.0, 90.0], [1000.0, 90.0]]])  # (draws, objectives, candidates)
    assert rank_candidates(ranking_objective(nominal, samples, "nominal")).tolist() == [0, 1]
    assert rank_candidates(ranking_objective(nominal, samples, "robust", 0.1)).tolist() == [1, 0]
    assert rank_candidates(ranking_objective(nominal, samples, "expected")).tolist() == [1, 0]
    # the 10 % quantile of A's three draws, by hand: log10 values 0, 2, 3; linear interpolation at 0.2 → 0.4
    assert ranking_objective(nominal, samples, "robust", 0.1)[0, 0] == pytest.approx(0.4)
    with pytest.raises(FerroKitInputError, match="shape"):
        ranking_objective(nominal, samples[:, :, :1])


def test_robust_ranking_is_not_dominated_by_the_nominal_choice(viability, small_result):
    nominal = optimize(validate_model(OptimizeConfig, SMALL | {"search": SMALL["search"] | {"objective": "nominal"}}),
                       viability_model=viability)
    assert [c["pareto_rank"] for c in nominal.candidates] == sorted(c["pareto_rank"] for c in nominal.candidates)
    # on the same robust yardstick (10 % quantile of log10 over the same draws: same seed → same points and
    # draws), the robust top candidate is not dominated by any candidate the nominal ranking chose (it is on
    # the robust front of a screen that contains all of them)
    top = small_result.candidates[0]["robust_log10"]
    best = np.array([top["slp"], top["r2"]])
    others = np.array([[c["robust_log10"]["slp"], c["robust_log10"]["r2"]] for c in nominal.candidates])
    assert not np.any(np.all(others >= best, axis=1) & np.any(others > best, axis=1))
    # and the robust choice's mean 10 % quantile of log10 SLP is at least the nominal choice's
    assert np.mean([c["robust_log10"]["slp"] for c in small_result.candidates]) >= others[:, 0].mean() - 1e-12
