"""Heat-capacity table and bookkeeping."""

import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.hyperthermia.heat_capacity import (
    MATERIALS,
    specific_heat,
    specific_heat_water,
    total_heat_capacity,
)


def test_water_cp_agrees_with_iapws95_values():
    # Engineering ToolBox (IAPWS-95) c_p: 4219.9 J/(kg K) at 0.01 °C and 4195.5 at 10 °C; our table is an
    # independent textbook transcription (Incropera & DeWitt): agreement within 0.1 % (table rounding + source).
    assert specific_heat_water(273.16) == pytest.approx(4219.9, rel=1e-3)
    assert specific_heat_water(283.15) == pytest.approx(4195.5, rel=1e-3)


def test_water_cp_has_its_minimum_near_body_temperature():
    # c_p of water falls from 0 °C to a minimum at 30-40 °C and rises again (IAPWS-95; both sources above)
    temps = [275.0 + i for i in range(0, 95)]
    values = specific_heat_water(temps)
    t_min = temps[int(values.argmin())]
    assert 300.0 <= t_min <= 315.0
    assert values[0] > values.min() and values[-1] > values.min()


def test_water_cp_out_of_range():
    with pytest.raises(FerroKitInputError, match="temperature"):
        specific_heat_water(380.0)


def test_total_is_sum_of_m_times_c_hand_calculation():
    # 1 g water at 300 K (4179 J/(kg K)) + 0.2 g glass given as 830 J/(kg K): 4.179 + 0.166 = 4.345 J/K
    b = total_heat_capacity([{"name": "water", "material": "water", "mass": 1e-3},
                             {"name": "vial", "specific_heat": 830.0, "mass": 2e-4,
                              "mass_uncertainty": 2e-5}], temperature=300.0)
    assert b.total == pytest.approx(4.179 + 0.166, rel=1e-12)
    # uncertainty: water 1e-3 kg x 4.179 J/(kg K) (0.1 %), glass 830 x 2e-5 kg, in quadrature
    assert b.uncertainty == pytest.approx((4.179e-3 ** 2 + (830 * 2e-5) ** 2) ** 0.5, rel=1e-9)
    assert len(b.to_dict()["components"]) == 2


def test_bad_components():
    with pytest.raises(FerroKitInputError, match="mass must be ≥ 0"):
        total_heat_capacity([{"name": "water", "material": "water", "mass": -1e-3}])
    with pytest.raises(FerroKitInputError, match="unknown material"):
        specific_heat("unobtainium")
    with pytest.raises(FerroKitInputError, match="at least one"):
        total_heat_capacity([])


def test_every_material_has_source_and_status():
    for m in MATERIALS.values():
        assert m.source and m.status in ("V", "S", "U") and m.specific_heat > 0
