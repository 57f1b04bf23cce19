"""Tissue table: values copied from the shared CSV with status, perfusion conversion, required tumour perfusion."""

import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.hyperthermia.tissues import (
    BLOOD_DENSITY,
    get_tissue,
    list_tissues,
    perfusion_rate_from_flow,
    tumour_properties,
)


def test_table_values_and_status():
    m = get_tissue("muscle")
    # IT'IS values via the COMSOL table (verified-secondary): 1090 kg/m3, 3421 J/(kg K), 0.49 W/(m K)
    assert (m.density, m.heat_capacity, m.conductivity) == (1090.0, 3421.0, 0.49)
    assert m.status["thermal"] == "verified-secondary"
    assert m.status["perfusion"] == "unverified"
    g = get_tissue("Grey matter")
    assert g.metabolic_heat == pytest.approx(15.539)
    assert {"muscle", "liver", "fat", "grey_matter", "white_matter", "skin", "kidney", "blood"} <= set(list_tissues())
    assert BLOOD_DENSITY == 1049.75


@pytest.mark.parametrize(("name", "omega"), [("muscle", 6.722e-4), ("liver", 1.547e-2), ("grey_matter", 1.329e-2)])
def test_perfusion_rate_matches_the_shared_csv_column(name, omega):
    # the shared CSV's omega_1_per_s_computed column (4 significant digits): ω = F × 1e-6 × ρ / 60
    assert get_tissue(name).perfusion == pytest.approx(omega, rel=5e-4)


def test_perfusion_conversion_by_hand():
    # 100 mL/min/kg in tissue of 1000 kg/m3: 0.1 m3/min per 1000 m3... = 1e-4 × 1000/60 per 1000 = 1.6667e-3 1/s
    assert perfusion_rate_from_flow(100.0, 1000.0) == pytest.approx(100e-6 * 1000 / 60)


def test_tumour_needs_perfusion_and_copies_host():
    t = tumour_properties(perfusion=1e-3, like="liver")
    assert t.conductivity == get_tissue("liver").conductivity and t.perfusion == 1e-3
    with pytest.raises(FerroKitInputError, match="required"):
        tumour_properties(perfusion=float("nan"))
    with pytest.raises(FerroKitInputError, match="tumour"):
        get_tissue("tumour")
    with pytest.raises(FerroKitInputError, match="unknown tissue"):
        get_tissue("spleen-ish")
    with pytest.raises(FerroKitInputError, match="perfusion"):
        tumour_properties(perfusion=-1.0)
