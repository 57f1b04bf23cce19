"""Pennes solver: the heated-sphere exact solution (with and without perfusion, convergence order), energy
balance, transient vs a 1D Fourier series (BE order 1, CN order 2), direct = PCG, temperature-dependent
perfusion, bad input."""

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.hyperthermia.bioheat import (
    BioheatProblem,
    BioheatSolver,
    BoundaryCondition,
    energy_balance,
    heated_sphere_temperature,
    solve_steady,
    sphere_volume_fraction,
)

Q, R, K, W = 1e6, 5e-3, 0.5, 3.8e4     # SCIENCE.md §3 example
RHO_B_C_B = 1049.75 * 3617.0
TA = 310.15


def test_exact_sphere_reference_values():
    # SCIENCE.md: centre rise 10.55 K; by hand: Q/(k m²) = 1e6/3.8e4 = 26.316 K, mR = 1.3784,
    # θ(0) = 26.316 (1 − 2.3784 e^−1.3784) = 10.545 K
    kw = {"power_density": Q, "radius": R, "conductivity": K, "arterial_temperature": 0.0}
    assert float(heated_sphere_temperature(0.0, perfusion_coefficient=W, **kw)) == pytest.approx(10.545, abs=2e-3)
    # continuity at r = R and the no-perfusion limit θ(0) = Q R²/(2k) = 25 K
    inside = heated_sphere_temperature(R * (1 - 1e-12), perfusion_coefficient=W, **kw)
    outside = heated_sphere_temperature(R * (1 + 1e-12), perfusion_coefficient=W, **kw)
    assert inside == pytest.approx(outside, rel=1e-9)
    assert float(heated_sphere_temperature(0.0, perfusion_coefficient=0.0, **kw)) == pytest.approx(25.0)
    r = np.linspace(0, 4 * R, 9)
    np.testing.assert_allclose(heated_sphere_temperature(r, perfusion_coefficient=1e-6, **kw),
                               heated_sphere_temperature(r, perfusion_coefficient=0.0, **kw), rtol=1e-4)


def octant_sphere(n, *, perfusion_coefficient=W, side=20e-3):
    """The heated sphere on one octant: symmetry (adiabatic) planes at x, y, z = 0, exact far field elsewhere."""
    h = side / n
    c = (np.arange(n) + 0.5) * h
    face_r = np.sqrt(side**2 + c[:, None] ** 2 + c[None, :] ** 2)
    kw = {"power_density": Q, "radius": R, "conductivity": K, "perfusion_coefficient": perfusion_coefficient}
    far = BoundaryCondition("dirichlet", heated_sphere_temperature(face_r, **kw))
    ad = BoundaryCondition("adiabatic")
    pr = BioheatProblem(spacing=(h,) * 3, density=1000.0, heat_capacity=3600.0, conductivity=K,
                        perfusion=perfusion_coefficient / RHO_B_C_B, shape=(n,) * 3,
                        boundary=(ad, far, ad, far, ad, far))
    source = Q * sphere_volume_fraction(pr.shape, pr.spacing, (0, 0, 0), R, subsamples=16)
    r = np.sqrt(c[:, None, None] ** 2 + c[None, :, None] ** 2 + c[None, None, :] ** 2)
    return pr, source, heated_sphere_temperature(r, **kw)


@pytest.mark.parametrize("solver", ["direct", "pcg"])
def test_steady_heated_sphere_20(solver):
    pr, source, exact = octant_sphere(20)
    t = solve_steady(pr, source, solver=solver)
    err = t - exact
    # 1 mm voxels, R = 5 voxels: measured RMS error 1.9e-3 K, max 0.043 K (at the sphere surface, where the
    # volume-fraction source smears the kink) of a 10.5 K rise; bounds with a factor ~1.5 margin
    assert np.sqrt(np.mean(err**2)) < 3e-3
    assert np.abs(err).max() < 0.065


def test_steady_no_perfusion_limit():
    pr, source, exact = octant_sphere(20, perfusion_coefficient=0.0)
    err = solve_steady(pr, source, solver="pcg") - exact
    # no perfusion: rise 25 K at the centre; RMS error bound at ~1.5 × the measured value at 1 mm
    assert abs(exact[0, 0, 0] - TA) == pytest.approx(25.0 - Q * 3 * (0.5e-3) ** 2 / (6 * K), rel=1e-9)
    assert np.sqrt(np.mean(err**2)) < 0.01


@pytest.mark.slow
def test_sphere_convergence_order():
    rms = []
    for n in (10, 20, 40):
        pr, source, exact = octant_sphere(n)
        rms.append(float(np.sqrt(np.mean((solve_steady(pr, source, solver="pcg") - exact) ** 2))))
    orders = np.log2(np.array(rms[:-1]) / np.array(rms[1:]))
    # second-order FV with a volume-fraction source: measured orders 2.09, 2.02; accept ≥ 1.8
    assert np.all(orders > 1.8), (rms, orders)


def heterogeneous_problem(rng, shape=(9, 8, 7), boundary=None):
    return BioheatProblem(
        spacing=(1e-3, 1.2e-3, 0.8e-3), density=rng.uniform(900, 1100, shape),
        heat_capacity=rng.uniform(2300, 3800, shape), conductivity=rng.uniform(0.2, 0.6, shape),
        perfusion=rng.uniform(0, 1e-2, shape), metabolic_heat=rng.uniform(0, 2e4, shape),
        boundary=boundary or (BoundaryCondition("robin", 298.0, 20.0), BoundaryCondition("dirichlet", 310.15),
                              BoundaryCondition("adiabatic"), BoundaryCondition("robin", 305.0, 1e3),
                              BoundaryCondition("dirichlet", 309.0), BoundaryCondition("adiabatic")))


@pytest.mark.parametrize("solver", ["direct", "pcg"])
def test_energy_balance_backward_euler(solver):
    rng = np.random.default_rng(7)
    pr = heterogeneous_problem(rng)
    s = BioheatSolver(pr, dt=5.0, solver=solver, tolerance=1e-11)
    t0 = 310.15 + rng.normal(0, 1, pr.shape)
    q = rng.uniform(0, 5e5, pr.shape)
    t1 = s.step(t0, q)
    bal = energy_balance(pr, t0, t1, q, 5.0)
    # internal fluxes cancel exactly; the residual is the solver error (≤ 1e-11 K RMS) → relative ≤ 1e-9
    assert abs(bal["residual"]) < 1e-9 * abs(bal["source"])
    assert bal["boundary"] != 0 and bal["perfusion"] != 0


def test_pcg_matches_direct_transient_crank_nicolson():
    rng = np.random.default_rng(3)
    pr = heterogeneous_problem(rng, shape=(12, 11, 10))
    q = rng.uniform(0, 5e5, pr.shape)
    out = {}
    for solver in ("direct", "pcg"):
        s = BioheatSolver(pr, dt=2.0, scheme="crank_nicolson", solver=solver, tolerance=1e-12)
        t = np.full(pr.shape, 310.15)
        for _ in range(5):
            t = s.step(t, q)
        out[solver] = t
    # PCG stopping rule bounds the RMS error per step by 1e-12 K
    assert np.abs(out["direct"] - out["pcg"]).max() < 1e-9


def test_spectral_preconditioner_is_exact_for_constant_coefficients():
    pr = BioheatProblem(spacing=(1e-3, 2e-3, 1e-3), density=1000, heat_capacity=3600, conductivity=0.5,
                        perfusion=1e-3, shape=(16, 12, 10),
                        boundary=(BoundaryCondition("dirichlet"), BoundaryCondition("adiabatic"),
                                  BoundaryCondition("adiabatic"), BoundaryCondition("adiabatic"),
                                  BoundaryCondition("dirichlet"), BoundaryCondition("dirichlet")))
    s = BioheatSolver(pr, dt=10.0, solver="pcg", tolerance=1e-12)
    q = np.zeros(pr.shape)
    q[3:6, 4:8, 2:5] = 1e6
    s.step(np.full(pr.shape, 310.15), q)
    # the preconditioner is the exact inverse (DST/DCT types II and IV per axis): one iteration suffices
    assert s.iterations <= 2


def fourier_1d(x, t, *, length, theta0, alpha, beta):
    """θ(x, t) on (0, L), θ = 0 at both ends, θ(x, 0) = θ0 sin(πx/L): θ0 sin(πx/L) e^{−(α(π/L)²+β) t}.

    (A single Fourier mode: a uniform start with θ = 0 walls excites every mode and makes Crank–Nicolson ring.)
    """
    return theta0 * np.sin(np.pi * x / length) * np.exp(-(alpha * (np.pi / length) ** 2 + beta) * t)


def transient_error(scheme, dt, n=200, t_end=60.0):
    length, k, rc, omega = 0.02, 0.5, 4e6, 5e-3
    h = length / n
    ad = BoundaryCondition("adiabatic")
    d = BoundaryCondition("dirichlet", TA)
    pr = BioheatProblem(spacing=(h, 1e-3, 1e-3), density=1000.0, heat_capacity=rc / 1000.0, conductivity=k,
                        perfusion=omega, shape=(n, 1, 1), boundary=(d, d, ad, ad, ad, ad))
    s = BioheatSolver(pr, dt=dt, scheme=scheme, solver="direct")
    x = (np.arange(n) + 0.5) * h
    t = (TA + 5.0 * np.sin(np.pi * x / length)).reshape(pr.shape)
    for _ in range(round(t_end / dt)):
        t = s.step(t, 0.0)
    exact = fourier_1d(x, t_end, length=length, theta0=5.0, alpha=k / rc, beta=omega * RHO_B_C_B / rc)
    return float(np.sqrt(np.mean((t[:, 0, 0] - TA - exact) ** 2)))


def test_transient_vs_fourier_mode_time_order():
    be = [transient_error("backward_euler", dt) for dt in (6.0, 3.0)]
    cn = [transient_error("crank_nicolson", dt) for dt in (12.0, 6.0)]
    # halving dt: BE error halves (order 1; measured 0.96), CN quarters (order 2; measured 2.05) while the time
    # error dominates the spatial one (n = 200)
    assert 0.8 < np.log2(be[0] / be[1]) < 1.2, be
    assert 1.6 < np.log2(cn[0] / cn[1]) < 2.4, cn
    assert cn[1] < be[1]


def test_temperature_dependent_perfusion_reaches_self_consistent_steady_state():
    n = 10
    base = {"spacing": (1e-3,) * 3, "density": 1000.0, "heat_capacity": 3600.0, "conductivity": 0.5,
            "perfusion": 2e-3, "shape": (n,) * 3}

    def model(w0, t):
        return w0 * (1 + 2 * np.clip((t - 312.0) / 5.0, 0, 1))

    pr = BioheatProblem(**base, perfusion_model=model)
    q = np.zeros(pr.shape)
    q[3:7, 3:7, 3:7] = 2e6
    s = BioheatSolver(pr, dt=20.0, solver="direct")
    t = np.full(pr.shape, TA)
    for _ in range(300):
        t = s.step(t, q)
    # at the fixed point T solves the steady problem with the perfusion evaluated at T itself
    frozen = BioheatProblem(**{**base, "perfusion": model(np.full(pr.shape, 2e-3), t)})
    assert np.abs(solve_steady(frozen, q) - t).max() < 1e-6
    assert t.max() < solve_steady(BioheatProblem(**base), q).max()   # extra perfusion cools


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"conductivity": -0.5}, "conductivity"),
    ({"density": np.ones((3, 3, 2))}, "shape"),
    ({"perfusion": np.nan}, "non-finite"),
    ({"spacing": (1e-3, 1e-3)}, "spacing"),
    ({"boundary": (BoundaryCondition(),) * 5}, "six"),
])
def test_problem_bad_input(kwargs, fragment):
    base = {"spacing": (1e-3,) * 3, "density": 1000.0, "heat_capacity": 3600.0, "conductivity": 0.5,
            "perfusion": 1e-3, "shape": (3, 3, 3)}
    with pytest.raises(FerroKitInputError, match=fragment):
        BioheatProblem(**{**base, **kwargs})


def test_other_bad_input():
    with pytest.raises(FerroKitInputError, match="heat_transfer_coefficient"):
        BoundaryCondition("robin", 300.0)
    with pytest.raises(FerroKitInputError, match="boundary kind"):
        BoundaryCondition("periodic")
    pr = BioheatProblem(spacing=(1e-3,) * 3, density=1000.0, heat_capacity=3600.0, conductivity=0.5,
                        perfusion=0.0, shape=(4, 4, 4), boundary=BoundaryCondition("adiabatic"))
    with pytest.raises(FerroKitInputError, match="singular"):
        solve_steady(pr, 1.0)
    with pytest.raises(FerroKitInputError, match="dt"):
        BioheatSolver(pr, dt=0.0)
    with pytest.raises(FerroKitInputError, match="shape"):
        BioheatSolver(pr, dt=1.0).step(np.zeros((2, 2, 2)), 0.0)


def test_pcg_without_numba_gives_the_same_steps(monkeypatch):
    import ferrokit.hyperthermia._linear as bh

    rng = np.random.default_rng(11)
    pr = heterogeneous_problem(rng, shape=(10, 9, 8))
    q = rng.uniform(0, 5e5, pr.shape)
    t0 = np.full(pr.shape, 310.15)
    fast = BioheatSolver(pr, dt=5.0, solver="pcg", tolerance=1e-12).step(t0, q)
    monkeypatch.setattr(bh, "HAVE_NUMBA", False)
    s = BioheatSolver(pr, dt=5.0, solver="pcg", tolerance=1e-12)
    assert s.linear.stencil is None            # scipy.sparse product path
    # both stop at ≤ 1e-12 K RMS error per step
    assert np.abs(s.step(t0, q) - fast).max() < 1e-9
