"""Field control: H·f limits, SLP(H) inversion, PI with override and anti-windup on a first-order plant,
steady-state reachability."""

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.hyperthermia.control import (
    AmplitudeMap,
    PIController,
    field_limit,
    max_amplitude,
    steady_reachability,
)


def test_limits():
    assert field_limit("atkinson-brezovich") == 4.85e8
    assert field_limit("Hergt Dutz") == 5e9
    assert field_limit(2e9) == 2e9
    assert max_amplitude(100e3, "hergt-dutz") == pytest.approx(5e4)
    with pytest.raises(FerroKitInputError, match="unknown field limit"):
        field_limit("brezovich-2")
    with pytest.raises(FerroKitInputError):
        field_limit(-1.0)


def test_amplitude_map_inverts_quadratic_slp():
    amap = AmplitudeMap(lambda h: 300e3 * (h / 15e3) ** 2, 30e3, samples=2001)
    # SLP ∝ H²: u = (H/H_max)² → H = H_max √u (table interpolation error ~ 1e-4 relative with 2001 samples)
    for u in (0.04, 0.25, 0.81):
        assert amap.amplitude(u) == pytest.approx(30e3 * np.sqrt(u), rel=2e-3)
    assert amap.amplitude(2.0) == pytest.approx(30e3)
    with pytest.raises(FerroKitInputError, match="decrease"):
        AmplitudeMap(lambda h: np.sin(h / 1e4) + 1.0, 5e4)
    with pytest.raises(FerroKitInputError, match="no heating"):
        AmplitudeMap(lambda h: 0.0, 5e4)


def simulate(ctrl, *, gain=10.0, healthy_ratio=0.5, tau=120.0, dt=5.0, n=400, target_change=None):
    """First-order plant: dθ/dt = (G u − θ)/τ for the tumour T90 rise; healthy max rise = ratio × θ."""
    theta, us, t90s, hs = 0.0, [], [], []
    for i in range(n):
        if target_change and i == target_change[0]:
            ctrl.target = target_change[1]
        t90, hmax = 310.15 + theta, 310.15 + healthy_ratio * theta
        u = ctrl.update(t90, hmax, dt)
        theta += dt * (gain * u - theta) / tau
        us.append(u)
        t90s.append(t90)
        hs.append(hmax)
    return np.array(us), np.array(t90s), np.array(hs)


def test_pi_reaches_target_without_steady_error():
    ctrl = PIController(target=316.15, healthy_limit=None, gain=10.0)
    u, t90, _ = simulate(ctrl)
    # steady state of the plant: θ = G u → u = 0.6 for a 6 K rise; integral action removes the offset
    assert t90[-1] == pytest.approx(316.15, abs=1e-3)
    assert u[-1] == pytest.approx(0.6, abs=1e-3)
    assert np.all((u >= 0) & (u <= 1))


def test_healthy_override_caps_temperature():
    # healthy rise = 0.8 θ; limit 4 K above baseline caps θ at 5 K < 6 K target
    ctrl = PIController(target=316.15, healthy_limit=314.15, gain=10.0, healthy_gain=8.0)
    _, t90, h = simulate(ctrl, healthy_ratio=0.8)
    assert h[-1] == pytest.approx(314.15, abs=1e-3)
    assert h.max() < 314.15 + 0.3     # small overshoot only
    assert t90[-1] < 316.15


def test_anti_windup_when_target_unreachable():
    # target 15 K needs u = 1.5: saturates at 1. After the target drops to 5 K the controller must come off
    # saturation promptly (a wound-up integrator would hold u = 1 for a long time)
    ctrl = PIController(target=325.15, gain=10.0)
    u, t90, _ = simulate(ctrl, n=600, target_change=(300, 315.15))
    assert np.all(u[200:300] == 1.0)
    assert u[310] < 1.0
    assert t90[-1] == pytest.approx(315.15, abs=1e-2)


def test_steady_reachability_linear_superposition():
    base = np.full(10, 310.0)
    full = base + np.array([10, 10, 10, 10, 10, 2, 2, 2, 2, 2.0])
    tumour = np.arange(10) < 5
    r = steady_reachability(base, full, tumour, ~tumour, target=315.0, healthy_limit=311.0)
    # tumour rises 10 u, healthy 2 u: target needs u = 0.5, healthy cap allows u = 0.5 → reachable (just)
    assert r.power_fraction_needed == pytest.approx(0.5, abs=1e-9)
    assert r.power_fraction_allowed == pytest.approx(0.5, abs=1e-9)
    assert r.reachable
    r2 = steady_reachability(base, full, tumour, ~tumour, target=315.0, healthy_limit=310.5)
    assert not r2.reachable and r2.t90_at_allowed == pytest.approx(312.5, abs=1e-6)
    r3 = steady_reachability(base, full, tumour, ~tumour, target=321.0, healthy_limit=None)
    assert r3.power_fraction_needed is None and not r3.reachable
    with pytest.raises(FerroKitInputError, match="empty"):
        steady_reachability(base, full, np.zeros(10, bool), None, target=315.0, healthy_limit=None)


@pytest.mark.parametrize("kwargs", [{"target": -1.0}, {"target": 316.0, "kp": 0.0}, {"target": 316.0, "gain": 0},
                                    {"target": 316.0, "feedforward": 1.5}])
def test_controller_bad_input(kwargs):
    with pytest.raises(FerroKitInputError):
        PIController(**kwargs)
