"""Néel and Brown relaxation times against hand calculations; effective time; blocking temperature."""

import math
import warnings

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.magnetism import (
    blocking_temperature,
    brown_time,
    effective_time,
    neel_time,
    sphere_volume,
)


def test_neel_time_magnetite_10nm_by_hand():
    # V  = (π/6)(10e-9 m)³             = 5.235988e-25 m³
    # KV = 13.5e3 J/m³ · 5.235988e-25 m³ = 7.068583e-21 J
    # kT = 1.380649e-23 J/K · 300 K      = 4.141947e-21 J
    # Γ  = KV/kT = 1.706585;  τN = 1e-9 s · e^1.706585 = 5.5101e-9 s
    tau = neel_time(anisotropy=13.5e3, volume=sphere_volume(10e-9), temperature=300.0)
    assert tau == pytest.approx(5.5101e-9, rel=1e-4)  # hand arithmetic carried to 5 digits


def test_neel_brown_high_barrier_form():
    v = sphere_volume(20e-9)
    gamma = 13.5e3 * v / (1.380649e-23 * 300.0)  # ≈ 13.65
    expected = 1e-9 * math.sqrt(math.pi) / 2 * gamma**-0.5 * math.exp(gamma)
    got = neel_time(anisotropy=13.5e3, volume=v, temperature=300.0, form="brown_high_barrier")
    assert got == pytest.approx(expected, rel=1e-13)


def test_brown_high_barrier_warns_at_low_barrier():
    with pytest.warns(UserWarning, match="barrier"):
        neel_time(anisotropy=13.5e3, volume=sphere_volume(8e-9), temperature=300.0, form="brown_high_barrier")


def test_neel_overflow_is_inf_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tau = neel_time(anisotropy=2e5, volume=sphere_volume(60e-9), temperature=300.0)
    assert tau == math.inf


def test_brown_time_30nm_in_water_at_37C_by_hand():
    # η(37 °C) = 0.6913e-3 Pa s (IAPWS 2008);  V_H = (π/6)(30e-9)³ = 1.413717e-23 m³
    # 3ηV_H = 3 · 0.6913e-3 · 1.413717e-23 = 2.931881e-26 J s;  kT = 1.380649e-23 · 310.15 = 4.282083e-21 J
    # τB = 2.931881e-26 / 4.282083e-21 = 6.8469e-6 s
    tau = brown_time(hydrodynamic_volume=sphere_volume(30e-9), temperature=310.15)
    assert tau == pytest.approx(6.8469e-6, rel=1e-4)
    # explicit viscosity gives exactly 3ηV/kT
    tau2 = brown_time(hydrodynamic_volume=1e-23, temperature=300.0, viscosity=1e-3)
    assert tau2 == pytest.approx(3e-26 / (1.380649e-23 * 300.0), rel=1e-14)


def test_effective_time_parallel():
    assert effective_time(1e-6, 1e-6) == pytest.approx(0.5e-6, rel=1e-15)
    assert effective_time(2e-6, math.inf) == 2e-6
    got = effective_time(np.array([1e-9, 1e-3]), 1e-6)
    assert got == pytest.approx([1e-9 * 1e-6 / (1e-9 + 1e-6), 1e-3 * 1e-6 / (1e-3 + 1e-6)], rel=1e-14)
    with pytest.raises(FerroKitInputError):
        effective_time(math.inf, math.inf)


def test_blocking_temperature_by_hand():
    # T_B = KV / (k_B ln(t_m/τ0)) = 7.068583e-21 J / (1.380649e-23 J/K · ln(1e11)=25.3284) = 20.213 K
    tb = blocking_temperature(anisotropy=13.5e3, volume=sphere_volume(10e-9))
    assert tb == pytest.approx(20.213, rel=1e-4)
    # consistency: τN(T_B) = t_m
    assert neel_time(anisotropy=13.5e3, volume=sphere_volume(10e-9), temperature=tb) == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [(lambda: neel_time(anisotropy=-1, volume=1e-24, temperature=300), "anisotropy"),
     (lambda: neel_time(anisotropy=1e4, volume=0, temperature=300), "volume"),
     (lambda: neel_time(anisotropy=1e4, volume=1e-24, temperature=300, tau0=0), "tau0"),
     (lambda: neel_time(anisotropy=1e4, volume=1e-24, temperature=300, form="x"), "form"),
     (lambda: brown_time(hydrodynamic_volume=1e-23, temperature=400.0), "temperature"),
     (lambda: blocking_temperature(anisotropy=1e4, volume=1e-24, measurement_time=1e-10), "measurement_time"),
     (lambda: sphere_volume(-1.0), "diameter")],
)
def test_bad_inputs(call, fragment):
    with pytest.raises(FerroKitInputError, match=fragment):
        call()
