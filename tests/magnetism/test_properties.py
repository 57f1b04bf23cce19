"""Derived properties of a Particle: consistency with the underlying models and hand calculations."""

import math

import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import K_B
from ferrokit.magnetism import predict_magnetic_properties
from ferrokit.materials import Particle


def test_hand_calculation_for_a_coated_magnetite_particle():
    p = Particle(composition="Fe3O4", core_diameter="10 nm", coating={"material": "PEG", "thickness": "10 nm"},
                 anisotropy="20 kJ/m3", ms={"value": "70 emu/g", "basis": "oxide", "temperature": "310.15 K"})
    props = predict_magnetic_properties(p, temperature=310.15, tau0=1e-9)
    v = math.pi / 6 * (10e-9) ** 3          # 5.236e-25 m³
    vh = math.pi / 6 * (30e-9) ** 3         # 1.4137e-23 m³
    eta = 0.6913e-3                          # water at 37 °C (IAPWS 2008), Pa s
    # τN = τ0 exp(KV/kT) = 1e-9 exp(20e3 × 5.236e-25 / (1.380649e-23 × 310.15)) = 1e-9 exp(2.4456)
    assert props["tau_neel"] == pytest.approx(1e-9 * math.exp(20e3 * v / (K_B * 310.15)), rel=1e-12)
    # τB = 3 η V_H / kT = 3 × 0.6913e-3 × 1.4137e-23 / 4.2821e-21 ≈ 6.85 µs (η rounded to 4 digits: 1e-4)
    assert props["tau_brown"] == pytest.approx(3 * eta * vh / (K_B * 310.15), rel=1e-4)
    assert 1 / props["tau_eff"] == pytest.approx(1 / props["tau_neel"] + 1 / props["tau_brown"], rel=1e-12)
    # T_B = KV / (k ln(t_m/τ0)) with t_m = 100 s
    assert props["blocking_temperature"] == pytest.approx(20e3 * v / (K_B * math.log(100 / 1e-9)), rel=1e-12)
    # measured Ms at the same temperature is used as is; volume Ms = mass Ms × X-ray density
    assert props["ms_mass"] == pytest.approx(70.0)
    assert props["ms_volume"] == pytest.approx(70.0 * p.composition_info.density)
    assert props["ms_iron"] == pytest.approx(70.0 / p.composition_info.iron_mass_fraction)
    assert props.values["k_eff"].source == "measured"


def test_low_barrier_and_regime_notes():
    small = predict_magnetic_properties(Particle(composition="Fe3O4", core_diameter="5 nm", anisotropy="10 kJ/m3",
                                                 hydrodynamic_diameter="30 nm"),
                                        temperature=300.0)
    assert any("Néel–Arrhenius law is only indicative" in n for n in small.notes)
    assert any("Néel relaxation dominates" in n for n in small.notes)
    big = predict_magnetic_properties(Particle(composition="Fe3O4", core_diameter="25 nm"), temperature=300.0)
    assert any("Brown relaxation dominates" in n for n in big.notes)


def test_explicit_viscosity_and_temperature_limits():
    p = Particle(composition="Fe3O4", core_diameter="10 nm", hydrodynamic_diameter="20 nm")
    glycerol = predict_magnetic_properties(p, temperature=300.0, viscosity=0.95)
    water = predict_magnetic_properties(p, temperature=300.0)
    assert glycerol["tau_brown"] / water["tau_brown"] == pytest.approx(0.95 / water["viscosity"], rel=1e-12)
    with pytest.raises(FerroKitInputError, match="liquid water"):
        predict_magnetic_properties(p, temperature=380.0)
    assert predict_magnetic_properties(p, temperature=380.0, viscosity=1e-3)["tau_brown"] > 0
    with pytest.raises(FerroKitInputError, match="temperature"):
        predict_magnetic_properties(p, temperature=1000.0)
    with pytest.raises(FerroKitInputError, match="tau0"):
        predict_magnetic_properties(p, tau0=1.0)


def test_to_dict_is_json_ready_and_reloadable():
    import json

    p = Particle(composition="Zn0.4Mn0.6Fe2O4", core_diameter="12 nm", core_sigma=0.1)
    d = predict_magnetic_properties(p).to_dict()
    json.dumps(d)
    assert Particle(**d["particle"]) == p
    assert all({"value", "unit"} <= set(v) for v in d["properties"].values())
