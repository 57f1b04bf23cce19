"""Library agents against their published relaxivities: trends only (absolute values are reported in docs/mri.md).

The ferumoxytol core size (7 nm) and Ms in the library are unverified, so they never decide a test of absolute
values; the trends below are properties of the outer-sphere theory that Knobloch et al. (Invest Radiol 2018,
verified from the abstract) observed: r1 roughly halves from 1.5 T to 3 T while r2 stays flat.
"""

import pytest

from ferrokit.materials import Particle, get_agent
from ferrokit.mri import predict_relaxivity, reference_relaxivities


def _measured(agent: str, field: str, medium: str, col: str) -> float:
    for row in reference_relaxivities():
        if row["agent"].startswith(agent) and row["field_T"] == field and row["medium"] == medium:
            return float(row[col])
    raise AssertionError(f"no reference row for {agent} {field} {medium}")


def test_ferumoxytol_r1_halves_from_1p5_to_3t_and_r2_is_flat():
    p = get_agent("ferumoxytol").particle
    lo, hi = predict_relaxivity(p, field=1.5), predict_relaxivity(p, field=3.0)
    measured = _measured("ferumoxytol", "3.0", "saline", "r1_mM-1s-1") / _measured(
        "ferumoxytol", "1.5", "saline", "r1_mM-1s-1")
    assert measured == pytest.approx(0.50, abs=0.01)  # 10.0/19.9, Knobloch 2018 [V abstract]
    # Tolerance 0.3–0.75: the ratio depends on ω_I τ_D, i.e. on the unverified core size (7 nm); 5–10 nm cores
    # give 0.5–0.7 with the RMG Curie term, a wrong theory (r1 field-independent, or r1 ∝ 1/ω²: 0.25) fails.
    assert 0.3 < hi.r1 / lo.r1 < 0.75
    # r2 flat within 15 % (measured: 62.3/60.8 = +2.5 %); the model's non-secular part falls by ~4 %.
    assert abs(hi.r2 / lo.r2 - 1) < 0.15
    assert lo.regime == hi.regime == "motional averaging"
    assert hi.r2_r1 > lo.r2_r1  # measured r2/r1: 3.1 → 6.2


def test_coating_lowers_r2_issa_trend():
    # Issa et al. JMRI 2011 [V abstract]: PEG coating lowered r2 201.3 → 76.6 and r1 2.5 → 0.7 ("coating
    # increases the distance of closest approach"). The library PEG particle has no thickness, so we model the
    # trend with an explicit impermeable 10 nm shell on the uncoated library particle.
    assert _measured("MnZnGd ferrite PEG", "1.5", "water", "r2_mM-1s-1") < _measured(
        "MnZnGd ferrite uncoated", "1.5", "water", "r2_mM-1s-1")
    bare = get_agent("issa2011-mnzngd-ferrite-uncoated").particle
    coated = Particle.model_validate(
        {**bare.model_dump(), "coating": {"material": "PEG", "thickness": 10e-9, "permeable": False}})
    a = predict_relaxivity(bare, field=1.5, temperature=299.15)
    b = predict_relaxivity(coated, field=1.5, temperature=299.15)
    assert b.r2 < a.r2 and b.r1 < a.r1


def test_lee2007_ferrite_series_extremes():
    # Lee et al. Nat Med 2007 [S]: r2 MnFe2O4 358 > Fe3O4 218 > CoFe2O4 172 > NiFe2O4 152 at 1.5 T, following
    # Ms. Per mM of metal (the usual basis for mixed ferrites; Lee's basis was not re-checked) the model (MAR,
    # r2 ∝ f Ms²) ranks MnFe2O4 highest and NiFe2O4 lowest. Fe3O4 and CoFe2O4 come out within 0.2 % of each other,
    # so their order is not tested. Per mM Fe the doped ferrites gain a factor 3/2 (2 Fe per 3 metals) and Fe3O4
    # comes out lowest: the comparison is only meaningful on the metal basis (reported in docs/mri.md).
    names = ["lee2007-mnfe2o4-12nm", "lee2007-fe3o4-12nm", "lee2007-cofe2o4-12nm", "lee2007-nife2o4-12nm"]
    r2 = [predict_relaxivity(get_agent(n).particle, field=1.5, temperature=300.0,
                             concentration_basis="metal").r2 for n in names]
    assert r2[0] == max(r2) and r2[3] == min(r2)


def test_reference_data_shipped():
    rows = reference_relaxivities()
    assert len(rows) >= 10
    assert {"agent", "field_T", "r1_mM-1s-1", "r2_mM-1s-1", "source"} <= set(rows[0])
