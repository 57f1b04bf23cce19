"""Stoner–Wohlfarth closed forms against analytic limits and the two-state master-equation reference."""

import math

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import K_B, MU_0
from ferrokit.hyperthermia import (
    anisotropy_field,
    coercive_field,
    loop_area,
    simulate_sw_loop,
    thermal_kappa,
)

K, MS = 1.3e4, 4.5e5  # magnetite-like effective K [J/m3] and Ms [A/m]
V20 = math.pi / 6 * (20e-9) ** 3


def test_anisotropy_field_hand_calculation():
    # H_K = 2K/(μ0 Ms) = 2e4 / (4πe-7 · 4e5) = 39788.7 A/m
    assert anisotropy_field(1e4, 4e5) == pytest.approx(2e4 / (4e-7 * math.pi * 4e5), rel=1e-6)


def test_kappa_hand_calculation_and_clipping():
    h, f, t, tau0 = 2e4, 3e5, 310.0, 1e-9
    kt = K_B * t
    expected = kt / (K * V20) * math.log(kt / (4 * MU_0 * h * MS * V20 * f * tau0))
    got = thermal_kappa(anisotropy=K, ms_volume=MS, volume=V20, amplitude=h, frequency=f, temperature=t)
    assert got == pytest.approx(expected, rel=1e-12)
    # a sweep faster than τ0 allows (negative logarithm) is clipped to κ = 0
    assert thermal_kappa(anisotropy=K, ms_volume=MS, volume=(200e-9) ** 3, amplitude=1e6, frequency=1e8,
                         temperature=t) == 0.0


def test_closed_forms_limits():
    hk = anisotropy_field(K, MS)
    # κ ≥ 1 (small particle at low frequency): no coercivity
    assert coercive_field(anisotropy=K, ms_volume=MS, volume=(5e-9) ** 3, amplitude=1e4, frequency=1e5,
                          temperature=310.0) == 0.0
    # κ → 0 (huge barrier): H_C → H_K (aligned) and 0.48 H_K (random)
    cold = {"anisotropy": 1e5, "ms_volume": MS, "volume": (40e-9) ** 3, "amplitude": 1e6, "frequency": 1e5,
            "temperature": 1.0}
    hk_cold = anisotropy_field(1e5, MS)
    assert coercive_field(**cold, orientation="aligned") == pytest.approx(hk_cold, rel=0.01)
    assert coercive_field(**cold, orientation="random") == pytest.approx(0.48 * hk_cold, rel=0.01)
    # T = 0 areas: aligned 4 μ0 H_K Ms = 8K exactly; random 2 μ0 (0.48 H_K) Ms = 0.96 μ0 H_K Ms
    assert loop_area(hk, MS, orientation="aligned") == pytest.approx(8 * K, rel=1e-12)
    assert loop_area(0.48 * hk, MS, orientation="random") / (MU_0 * hk * MS) == pytest.approx(0.96, rel=1e-12)


def test_master_equation_athermal_aligned_is_the_square_loop():
    # KV/kT ≈ 7e4: thermal activation negligible; the loop must be the SW square of area 8K.
    # 1.5 % tolerance: 2000 time steps per period put the switching up to ~0.3 % of H_max late or early.
    hk = anisotropy_field(1e5, MS)
    loop = simulate_sw_loop(anisotropy=1e5, ms_volume=MS, volume=(30e-9) ** 3, amplitude=3 * hk, frequency=1e5,
                            temperature=1.0, orientation="aligned")
    assert loop.area == pytest.approx(8e5, rel=0.015)
    assert loop.coercive_field == pytest.approx(hk, rel=0.015)


def test_master_equation_athermal_random_loop():
    # Stoner–Wohlfarth (1948) random ensemble: H_C = 0.479 H_K; area ≈ 0.96–1.0 μ0 H_K Ms (SCIENCE.md §3:
    # computed 0.99). 2 % tolerance: 24 easy-axis angles (midpoint rule in cos ψ) and 2000 steps per period.
    hk = anisotropy_field(1e5, MS)
    loop = simulate_sw_loop(anisotropy=1e5, ms_volume=MS, volume=(30e-9) ** 3, amplitude=3 * hk, frequency=1e5,
                            temperature=1.0, orientation="random")
    assert loop.coercive_field / hk == pytest.approx(0.479, rel=0.02)
    assert 0.96 <= loop.area / (MU_0 * hk * MS) <= 1.0


@pytest.mark.parametrize("orientation", ["aligned", "random"])
@pytest.mark.parametrize("d", [18e-9, 24e-9])
def test_closed_form_coercivity_against_master_equation(orientation, d):
    # Thermally activated regime (κ ≈ 0.1–0.4). The closed forms neglect the (1 − h) factor of the barrier
    # slope in the switching criterion and approximate the sinusoid by a triangle, so the master equation's
    # H_C lies a little below them: measured here 7–9 % below (not the 1–5 % quoted in SCIENCE.md §3).
    # Band: 0–12 % below; areas within 15 % (aligned ≈ −10 %, random ≈ −3 %).
    v = math.pi / 6 * d**3
    hk = anisotropy_field(K, MS)
    args = {"anisotropy": K, "ms_volume": MS, "volume": v, "amplitude": 1.5 * hk, "frequency": 3e5,
            "temperature": 310.0}
    loop = simulate_sw_loop(**args, orientation=orientation, n_steps=1000, n_angles=12)
    assert 0.05 < loop.kappa < 0.5
    hc = coercive_field(**args, orientation=orientation)
    assert 0.88 <= loop.coercive_field / hc <= 1.0
    area = loop_area(hc, MS, orientation=orientation)
    assert 0.85 <= loop.area / area <= 1.02
    assert loop.power_density == pytest.approx(loop.area * 3e5)


def test_loop_closes_when_superparamagnetic():
    # κ ≫ 1 (8 nm at 100 kHz): thermal equilibrium follows the field; the loop area is negligible against
    # the athermal 8K·(random factor) scale.
    loop = simulate_sw_loop(anisotropy=K, ms_volume=MS, volume=math.pi / 6 * (8e-9) ** 3, amplitude=2e4,
                            frequency=1e5, temperature=310.0, orientation="aligned", n_steps=500)
    assert loop.kappa > 1
    assert loop.area < 1e-3 * 8 * K


def test_loop_to_dict_and_plot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    loop = simulate_sw_loop(anisotropy=K, ms_volume=MS, volume=V20, amplitude=3e4, frequency=3e5, temperature=310.0,
                            orientation="aligned", n_steps=200)
    d = loop.to_dict()
    assert d["area"]["unit"] == "J/m3" and len(d["field"]["value"]) == 200
    ax = loop.plot()
    assert ax.get_xlabel() == "μ0H (mT)"
    plt.close("all")


@pytest.mark.parametrize("kwargs", [
    {"orientation": "sideways"},
    {"anisotropy": -1.0},
    {"ms_volume": float("nan")},
    {"n_steps": 10},
    {"frequency": 0.0},
])
def test_bad_input(kwargs):
    args = {"anisotropy": K, "ms_volume": MS, "volume": V20, "amplitude": 2e4, "frequency": 3e5,
            "temperature": 310.0, "orientation": "aligned"}
    args.update(kwargs)
    with pytest.raises(FerroKitInputError):
        simulate_sw_loop(**args)


def test_closed_form_bad_input():
    with pytest.raises(FerroKitInputError, match="orientation"):
        coercive_field(anisotropy=K, ms_volume=MS, volume=V20, amplitude=1e4, frequency=1e5, temperature=300.0,
                       orientation="x")
    with pytest.raises(FerroKitInputError, match="coercive"):
        loop_area(-1.0, MS)
    with pytest.raises(FerroKitInputError, match="anisotropy"):
        anisotropy_field(np.array([1.0, np.nan]), MS)
