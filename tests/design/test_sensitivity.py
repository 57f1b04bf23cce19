"""Global sensitivity: Ishigami validation, analytic Morris/PAWN limits, physics and surrogate analyses, bad input."""

import math

import numpy as np
import pytest

from ferrokit._shared.schema import validate_model
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.design.sensitivity import (
    PhysicsSensitivityConfig,
    SensitivityConfig,
    analyze,
    ishigami,
    ishigami_indices,
    physics_sensitivity,
    surrogate_sensitivity,
)

PI_BOX = [(-math.pi, math.pi)] * 3


def test_ishigami_analytic_indices_match_published_values():
    # Saltelli et al. 2010 (Comput Phys Commun 181:259) / Ishigami & Homma 1990, a = 7, b = 0.1, 4 decimals
    s = ishigami_indices()
    assert np.allclose(s["S1"], [0.3139, 0.4424, 0.0], atol=1e-4)
    assert np.allclose(s["ST"], [0.5576, 0.4424, 0.2437], atol=1e-4)


def test_sobol_recovers_ishigami_indices_within_sampling_error():
    rep = analyze(ishigami, ["x1", "x2", "x3"], PI_BOX, methods=["sobol"], n_sobol=2048, rng=0)
    res = rep.results[0]
    exact = ishigami_indices()
    # N = 2048 (10 240 runs): bootstrap 95 % half-widths are 0.02–0.07, so 0.06 is ~1–3 CI half-widths; the
    # estimate must also lie within 2 of its own reported CI half-widths (+0.01 for the exact 0 of S1[x3])
    for key in ("S1", "ST"):
        err = np.abs(res.indices[key] - np.array(exact[key]))
        assert np.all(err < 0.06), (key, res.indices[key])
        assert np.all(err <= 2 * res.indices[f"{key}_conf"] + 0.01), key
    assert res.ranking() == ["x1", "x2", "x3"]


def test_morris_of_a_linear_function_is_exact():
    # f = 2 x1 + 0.5 x2 on [0, 1]^3: every elementary effect of x_i equals its coefficient, so μ* = (2, 0.5, 0),
    # σ = 0 exactly, whatever the trajectories
    def f(x):
        return 2 * x[:, 0] + 0.5 * x[:, 1]

    res = analyze(f, ["a", "b", "c"], [(0, 1)] * 3, methods=["morris"], n_morris=6, rng=3).results[0]
    assert np.allclose(res.indices["mu_star"], [2.0, 0.5, 0.0], atol=1e-12)
    assert np.allclose(res.indices["sigma"], 0.0, atol=1e-12)


def test_pawn_separates_a_dominant_from_an_inert_input():
    # y = x1 ~ U(0, 1), S = 10 equal slices [a, a + 0.1]: the conditional CDF jumps from 0 to 1 inside the slice,
    # so KS = max(a, 0.9 − a) = 0.9, 0.8, 0.7, 0.6, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9 → median 0.7, max 0.9 (by hand).
    # Sampling (100 points per slice) moves them by ≲ 0.05. x2, x3 only by sampling noise (KS of 100 points ≲ 0.14
    # at 95 %; the median of 10 slices is below that)
    res = analyze(lambda x: x[:, 0], ["x1", "x2", "x3"], [(0, 1)] * 3, methods=["pawn"], n_delta=1000,
                  rng=0).results[0]
    assert res.indices["pawn"][0] == pytest.approx(0.7, abs=0.05)
    assert res.indices["pawn_max"][0] == pytest.approx(0.9, abs=0.05)
    assert np.all(res.indices["pawn"][1:] < 0.14)
    assert np.all(res.indices["pawn_conf"] >= 0)


def test_same_seed_same_indices_and_other_seed_differs():
    a = analyze(ishigami, ["x1", "x2", "x3"], PI_BOX, methods=["sobol", "pawn"], n_sobol=64, n_delta=64, rng=5)
    b = analyze(ishigami, ["x1", "x2", "x3"], PI_BOX, methods=["sobol", "pawn"], n_sobol=64, n_delta=64, rng=5)
    c = analyze(ishigami, ["x1", "x2", "x3"], PI_BOX, methods=["sobol"], n_sobol=64, rng=6)
    for ra, rb in zip(a.results, b.results, strict=True):
        for k in ra.indices:
            assert np.array_equal(ra.indices[k], rb.indices[k])
    assert not np.array_equal(a.results[0].indices["ST"], c.results[0].indices["ST"])


def test_physics_r2_does_not_depend_on_field_or_anisotropy():
    # r2 (long-echo limit) does not see the AMF nor a permeable coating: the Jansen ST of an input that does not
    # change Y is exactly 0. K_eff enters only through the Néel term of the outer-sphere spectral density, which is
    # negligible at 3 T (moments saturated, Curie term dominates): ST < 1e-6. SLP depends on the field.
    rep = physics_sensitivity(methods=["sobol"], n_sobol=8, rng=0)
    r2 = rep.result("sobol", "log10_r2")
    for name in ("frequency", "amplitude", "coating_thickness"):
        assert r2.indices["ST"][r2.names.index(name)] == 0.0
    assert abs(r2.indices["ST"][r2.names.index("k_eff")]) < 1e-6
    assert r2.indices["ST"][r2.names.index("core_size")] > 0.05
    slp = rep.result("sobol", "log10_slp")
    assert slp.indices["ST"][slp.names.index("amplitude")] > 0.0
    d = rep.to_dict()
    assert d["settings"]["units"]["core_size"] == "m" and d["results"][0]["n_evaluations"] == 8 * 9


def test_fixed_input_is_excluded():
    cfg = PhysicsSensitivityConfig(ranges={"core_sigma": [0.2, 0.2]}, outputs=("r2",))
    rep = physics_sensitivity(cfg, methods=["morris"], n_morris=2, rng=0)
    assert "core_sigma" not in rep.results[0].names
    assert rep.settings["fixed"] == {"core_sigma": 0.2}


@pytest.mark.parametrize("ranges, fragment", [
    ({"size": ["8 nm", "20 nm"]}, "unknown input"),
    ({"core_size": [8, 20]}, "no unit"),
    ({"core_size": ["20 nm", "8 nm"]}, "low ≤ high"),
    ({"ms": ["40 kg", "90 emu/g"]}, "ms"),
])
def test_bad_physics_ranges(ranges, fragment):
    with pytest.raises(FerroKitInputError, match=fragment):
        cfg = validate_model(PhysicsSensitivityConfig, {"ranges": ranges})
        physics_sensitivity(cfg, methods=["morris"], n_morris=2)


def test_bad_analysis_arguments():
    with pytest.raises(FerroKitInputError, match="method"):
        analyze(ishigami, ["x1", "x2", "x3"], PI_BOX, methods=["fast"])
    with pytest.raises(FerroKitInputError, match="n_sobol"):
        analyze(ishigami, ["x1", "x2", "x3"], PI_BOX, methods=["sobol"], n_sobol=2)
    with pytest.raises(FerroKitInputError, match="at least 2"):
        analyze(lambda x: x[:, 0], ["x1"], [(0, 1)], methods=["sobol"])
    with pytest.raises(FerroKitInputError, match="not finite"):
        analyze(lambda x: np.log(x[:, 0] - 0.5), ["a", "b"], [(0, 1)] * 2, methods=["morris"], n_morris=4)
    with pytest.raises(FerroKitInputError, match="methods"):
        validate_model(SensitivityConfig, {"methods": ["sobol", "fast"]})


@pytest.fixture(scope="module")
def r2_model():
    from ferrokit.design import load_dimag, train_model

    table = load_dimag("r2")
    return train_model(table, feature_set="baseline", n_estimators=20, rng=0), table


def test_surrogate_sensitivity_on_data_and_box(r2_model):
    model, table = r2_model
    rep = surrogate_sensitivity(model, table, methods=["morris", "pawn"], n_morris=3, rng=0)
    names = rep.results[0].names
    assert {"core_size", "ms", "dopant_fraction", "field_strength"} <= set(names)
    pawn = rep.result("pawn", "log10_r2")
    assert pawn.n_evaluations == rep.settings["n_delta_rows"] > 300  # data rows, not a box sample
    rho = np.array(rep.settings["spearman_correlation"]["matrix"])
    assert rho.shape == (len(names), len(names)) and np.allclose(np.diag(rho), 1.0)
    i, j = names.index("core_size"), names.index("ms")
    assert abs(rho[i, j]) > 0.1  # size and Ms are correlated in DiMag: why PAWN/delta on the data is reported


def test_surrogate_target_mismatch(r2_model):
    from ferrokit.design import load_dimag

    model, _ = r2_model
    with pytest.raises(FerroKitInputError, match="predicts r2"):
        surrogate_sensitivity(model, load_dimag("r1"), methods=["pawn"])
