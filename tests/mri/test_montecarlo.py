"""Monte Carlo simulator: kernel = plain reference, geometry, field, the MAR and SDR closed forms, echoes,
reproducibility and bad input. Kept small (the ≤ 5 % validation runs are in examples/montecarlo_validation.py
and docs/mri_montecarlo.md)."""

import math

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import GAMMA_PROTON, MU_0
from ferrokit.materials import Particle, oxide_volume_fraction
from ferrokit.mri.montecarlo import _kernels as K
from ferrokit.mri.montecarlo import (
    fit_decay,
    particle_sphere,
    random_sphere_packing,
    simulate_particle,
    simulate_relaxation,
    sphere_field,
)
from ferrokit.mri.montecarlo._reference import reference_walk
from ferrokit.mri.montecarlo.geometry import build_field_model
from ferrokit.mri.montecarlo.simulator import (
    MAR_FRACTION_COEFF,
    MAR_FRACTION_COEFF_STDERR,
    run_walk,
    starting_positions,
)

# Closed forms written inline (SCIENCE.md §2), independent of ferrokit.mri.relaxivity:
#   MAR  R2  = (16/45) f τ_D Δω²,   τ_D = R²/D       (Gillis & Koenig 1987; Brooks, Moiny & Gillis 2001)
#   SDR  R2* = 2π/(3√3) f Δω                         (Yablonskiy & Haacke 1994)


@pytest.fixture(scope="module")
def small_model():
    packing = random_sphere_packing(radius=1.0, volume_fraction=0.1, n_spheres=60, rng=2)
    return build_field_model(packing, cutoff=3.0, skin=0.8)


@pytest.mark.parametrize("case", ["cells", "two_cells", "sparse"])
def test_kernel_equals_plain_reference(small_model, case):
    # same algorithm, same random numbers: only floating-point summation order differs. The three boxes of
    # _case_model (3 and 2 cells per side, and a sparse one where lists live longest). 100 protons: 6 groups of
    # 16 lanes plus 4 padding lanes of weight 0.
    model = _case_model(small_model, case)
    assert model.ncell == {"cells": 3, "two_cells": 2, "sparse": 6}[case]
    pos = starting_positions(model.packing, 100, 5)
    phase = 1.0 if case == "sparse" else 0.05  # the sparse box needs a stronger field to dephase in 200 steps
    kw = {"sigma": 0.3, "phase_per_step": phase, "n_steps": 200, "sample_every": 10, "n_tau": 20}
    fast = run_walk(model, pos, 99, n_echoes=200 // 40 + 1, **kw)
    ref = reference_walk(model, pos, 99, **kw)
    for key in ("fid", "cpmg", "echoes"):
        assert np.max(np.abs(fast[key] - ref[key])) < 1e-10, key
    assert np.max(np.abs(fast["hahn"][::2] - ref["hahn"][::2])) < 1e-10
    assert abs(fast["fid"][-1]) < 0.95  # the case actually dephases


def test_walk_does_not_depend_on_the_thread_count(small_model):
    # protons are split into chunks by their count only and the chunk sums are added in a fixed order
    numba = pytest.importorskip("numba")
    pos = starting_positions(small_model.packing, 300, 2)
    kw = {"sigma": 0.3, "phase_per_step": 0.05, "n_steps": 100, "sample_every": 10, "n_tau": 0, "n_echoes": 0}
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_walk(small_model, pos, 5, **kw)
    finally:
        numba.set_num_threads(before)
    many = run_walk(small_model, pos, 5, **kw)
    assert np.array_equal(one["fid"], many["fid"]) and np.array_equal(one["positions"], many["positions"])


def _case_model(small_model, case):
    """"cells": 3 cells per side; "two_cells": 2 per side (each neighbour cell visited at two periodic shifts);
    "sparse": 6 per side and 8 spheres, where mostly the edge of the cells searched decides a list's skin."""
    if case == "cells":
        return small_model
    f, n = (0.05, 12) if case == "two_cells" else (0.002, 8)
    return build_field_model(random_sphere_packing(radius=1.0, volume_fraction=f, n_spheres=n, rng=3),
                             cutoff=3.0, skin=1.0)


@pytest.mark.parametrize("case", ["cells", "two_cells", "sparse"])
def test_each_lane_list_holds_every_image_within_its_own_skin(small_model, case):
    # a lane's list is valid while it stays within its own skin d_out − a of the rebuild point (d_out: the nearest
    # image left out, or the edge of the cells searched); brute force over all 27 periodic images of every sphere:
    # each image within reach is listed once, every other image lies at ≥ d_out, and the lane's skin is never
    # below the model's. Random points plus the edges: 0, cell boundaries and the ulps below them, and x = box
    # (a periodic wrap of a tiny negative coordinate rounds to box). One set of list buffers is reused, so
    # the padding of a shorter list after a longer one is checked too.
    from ferrokit.mri.montecarlo._walk import FAR_AWAY, LANES, _lane_list

    model = _case_model(small_model, case)
    p = model.packing
    cap, reach, cs = model.list_cap, model.cutoff + model.skin, p.box / model.ncell
    shifts = p.box * np.array([(a, b, c) for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1)], float)
    images = (p.centers[:, None, :] + shifts[None]).reshape(-1, 3)  # sphere k's images at rows 27k … 27k + 26
    rng = np.random.default_rng(4)
    edges = [0.0, p.box, np.nextafter(p.box, 0.0)] + [v for k in range(1, model.ncell)
                                                      for v in (k * cs, np.nextafter(k * cs, 0.0))]
    points = list(rng.uniform(0.0, p.box, (200, 3)))
    points += [np.array([e, *rng.uniform(0.0, p.box, 2)])[np.roll(np.arange(3), r)] for e in edges for r in range(3)]
    nbr = np.zeros(cap * LANES, dtype=np.int64)
    cx, cy, cz = (np.full(cap * LANES, FAR_AWAY) for _ in range(3))
    n, longer, lane = 0, 0, 3
    for x in points:
        n, skin2 = _lane_list(*x, cs, model.ncell, *model.stencils, reach**2, model.cutoff, nbr, cx, cy, cz,
                              lane, LANES, n)
        entries = np.stack([cx, cy, cz], axis=1)[lane::LANES]
        listed, padding = entries[:n], entries[n:]
        assert np.all(padding == FAR_AWAY)
        d_out = math.sqrt(skin2) + model.cutoff
        assert d_out >= reach - 1e-12
        longer += d_out > reach + 1e-9
        d = np.linalg.norm(images - x, axis=1)
        rows = []
        for q, c in enumerate(listed):
            k = nbr[q * LANES + lane]
            rows.append(27 * k + np.argmin(np.linalg.norm(shifts + p.centers[k] - c, axis=1)))
            assert np.allclose(images[rows[-1]], c, rtol=0, atol=1e-12)
        assert len(set(rows)) == n  # no image listed twice
        is_listed = np.zeros(len(images), bool)
        is_listed[rows] = True
        assert np.all(is_listed[d < reach])
        assert np.all(d[~is_listed] >= d_out - 1e-9)
        assert np.all(np.diff(np.linalg.norm(listed - x, axis=1)) >= 0)  # sorted by distance
    assert longer > 100  # the own skin usually exceeds the model's (fewer rebuilds)


def test_far_field_lanes_equals_the_scalar_far_field_bitwise():
    # the intrinsic transposes 16 records in registers; the arithmetic must be that of _kernels.far_field exactly
    numba = pytest.importorskip("numba")
    from ferrokit.mri.montecarlo._walk import LANES, far_field_lanes

    @numba.njit
    def lanes(rec, idx, s):
        far_field_lanes(rec, idx, s, 0, LANES, 4 * LANES)

    packing = random_sphere_packing(radius=1.0, volume_fraction=0.05, n_spheres=40, rng=1)
    model = build_field_model(packing, cutoff=3.0, skin=1.0)
    rec, m, h = model.taylor.reshape(-1), model.grid_points, model.grid_spacing
    rng = np.random.default_rng(2)
    for _ in range(50):
        x = rng.uniform(0.0, packing.box, (LANES, 3))
        node = np.floor(x / h + 0.5).astype(np.int64) % m
        s = np.zeros(5 * LANES)
        s[LANES:4 * LANES] = (x - np.floor(x / h + 0.5) * h).T.reshape(-1)
        idx = ((node[:, 0] * m + node[:, 1]) * m + node[:, 2]) * 16
        lanes(rec, idx, s)
        expect = [K.far_field(rec, m, 1.0 / h, h, *xi) for xi in x]
        assert np.array_equal(s[4 * LANES:], np.array(expect))


def test_walker_runs_without_numba():
    # numba is optional: without it the walker (prefetch a no-op, far_field_lanes in plain Python) still equals
    # the reference. Run in a fresh interpreter where importing numba fails.
    import subprocess
    import sys

    code = """
import sys, warnings
sys.modules['numba'] = None
warnings.simplefilter('ignore')  # uint64 wrap-around of the random stream in plain NumPy scalars
import numpy as np
from ferrokit._shared.numba import HAVE_NUMBA
assert not HAVE_NUMBA
from ferrokit.mri.montecarlo import random_sphere_packing
from ferrokit.mri.montecarlo.geometry import build_field_model
from ferrokit.mri.montecarlo.simulator import run_walk, starting_positions
from ferrokit.mri.montecarlo._reference import reference_walk
p = random_sphere_packing(radius=1.0, volume_fraction=0.1, n_spheres=60, rng=2)
m = build_field_model(p, cutoff=3.0, skin=0.8)
pos = starting_positions(p, 20, 5)
kw = dict(sigma=0.3, phase_per_step=0.05, n_steps=40, sample_every=10, n_tau=20)
a, r = run_walk(m, pos, 99, n_echoes=2, **kw), reference_walk(m, pos, 99, **kw)
print(max(float(np.abs(a[k] - r[k]).max()) for k in ('fid', 'cpmg')))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert float(out.stdout.strip().splitlines()[-1]) < 1e-10


def test_reflection_keeps_protons_outside(small_model):
    p = small_model.packing
    pos = starting_positions(p, 300, 1)
    out = run_walk(small_model, pos, 7, sigma=0.4, phase_per_step=0.0, n_steps=300, sample_every=30, n_tau=0,
                   n_echoes=0)
    d = out["positions"][:, None, :] - p.centers[None]
    d -= p.box * np.rint(d / p.box)
    assert np.sqrt(np.einsum("ijk,ijk->ij", d, d)).min() >= p.radius * (1 - 1e-12)
    assert np.all((out["positions"] >= 0) & (out["positions"] < p.box))


def test_specular_reflection_preserves_path_length():
    centers = np.array([[5.0, 5.0, 5.0]])
    rng = np.random.default_rng(0)
    for _ in range(50):
        u = rng.normal(size=3)
        start = centers[0] + 1.05 * u / np.linalg.norm(u)
        step = (centers[0] - start) * 0.3 + rng.normal(scale=0.05, size=3)
        if np.linalg.norm(start + step - centers[0]) >= 1.0:
            continue
        new = np.array(K.reflect_step(*start, *step, 0, centers, 10.0, 1.0))
        # the end point is outside and the path start → surface → end has the length of the step
        assert np.linalg.norm(start + new - centers[0]) >= 1.0 - 1e-12
        r = start - centers[0]
        b, c = r @ step, r @ r - 1.0
        t = (-b - math.sqrt(b * b - (step @ step) * c)) / (step @ step)
        hit = start + t * step
        assert np.linalg.norm(hit - start) + np.linalg.norm(start + new - hit) == pytest.approx(
            np.linalg.norm(step), rel=1e-12)


def test_packing_does_not_overlap_and_has_the_volume_fraction():
    p = random_sphere_packing(radius=2e-8, volume_fraction=0.2, n_spheres=400, rng=3)
    assert p.min_distance() >= 2 * p.radius * (1 - 1e-12)
    assert p.volume_fraction == pytest.approx(0.2, rel=1e-12)
    assert np.all((p.centers >= 0) & (p.centers < p.box))


def test_single_sphere_field_formula():
    # Δω (R/r)³ (3cos²θ − 1) by hand: pole at r = 2R → +2/8, equator → −1/8, θ = 45° at r = 3R → 0.5/27
    w = sphere_field([[0, 0, 2.0], [0, 2.0, 0], [3 / math.sqrt(2), 0, 3 / math.sqrt(2)]], [0, 0, 0], 1.0, 10.0)
    assert w == pytest.approx([2.5, -1.25, 10 * 0.5 / 27], rel=1e-12)
    assert np.isnan(sphere_field([[0, 0, 0.5]], [0, 0, 0], 1.0))[0]


def test_split_field_equals_direct_sum_over_periodic_images():
    p = random_sphere_packing(radius=1.0, volume_fraction=0.02, n_spheres=40, rng=4)
    model = build_field_model(p, cutoff=4.0, skin=1.0, points_per_cutoff=4.0)
    pts = starting_positions(p, 100, 2)
    w = model.field(pts)
    # direct sum over images in a sphere of radius 3.5 L (spherical order): equals the split sum up to a constant
    direct = np.zeros(len(pts))
    n = 3
    for shift in np.array(np.meshgrid(*[np.arange(-n, n + 1)] * 3)).reshape(3, -1).T * p.box:
        cen = p.centers + shift
        keep = np.linalg.norm(cen - p.box / 2, axis=1) <= (n + 0.5) * p.box
        for c in cen[keep]:
            direct += sphere_field(pts, c, 1.0)
    a, b = w - w.mean(), direct - direct.mean()
    # tolerance: the short-range part is exact; the second-order Taylor expansion of the long-range part about the
    # nearest node errs by O(h³) — measured rms 0.41 %, max 1.6 % of the field's spread at 4 points per cutoff;
    # bounds 0.8 % and 3 % (a wrong sign, factor or node would be tens of %)
    assert np.std(a - b) < 0.008 * np.std(direct)
    assert np.max(np.abs(a - b)) < 0.03 * np.std(direct)
    # the split is exact, so the field does not depend on where it is made (cutoff 3 R vs 4 R): same bounds
    other = build_field_model(p, cutoff=3.0, skin=1.0, points_per_cutoff=5.0).field(pts)
    assert np.std(other - w) < 0.008 * np.std(direct)
    # periodicity
    assert model.field(pts + np.array([p.box, 0.0, 0.0])) == pytest.approx(w, rel=1e-9, abs=1e-12)


def test_screening_charge_potential_by_hand():
    # φ_a(s), s = r², for ρ_a = 105/(32π a³) (1 − s/a²)²: Poisson in s is 4 s φ'' + 6 φ' = −4π ρ_a (∇² of a radial
    # function of s), and at r = a it joins 1/r = s^(-1/2) with value, first and second s-derivative
    # (ρ_a(a) = 0); the screening charge is normalised: 4π ∫ ρ_a r² dr = 1 (= ρ̂_a(0))
    from scipy.integrate import quad

    from ferrokit.mri.montecarlo.geometry import near_coefficients, split_potential, split_transform

    a = 2.5
    c = split_potential(a)
    phi = np.polynomial.Polynomial(c)
    d1, d2 = phi.deriv(), phi.deriv(2)
    s = np.linspace(0.0, a * a, 7)
    rho = 105 / (32 * math.pi * a**3) * (1 - s / a**2) ** 2
    assert 4 * s * d2(s) + 6 * d1(s) == pytest.approx(-4 * math.pi * rho, rel=1e-12, abs=1e-14)
    a2 = a * a
    assert [phi(a2), d1(a2), d2(a2)] == pytest.approx([a2**-0.5, -0.5 * a2**-1.5, 0.75 * a2**-2.5], rel=1e-12)
    # the short-range kernel (3z² − s)/s^{5/2} + (a0 + a1 s + a2 s²) + z²(b0 + b1 s) is R³ ∂²_z(1/r − φ_a):
    # zero at r = a
    co = near_coefficients(1.0, a)
    for z in (0.0, 1.0, a):
        assert K.near_term(a2, z, 1.0, *co) == pytest.approx(0.0, abs=1e-14)
    # and equal to the bare dipole minus 2φ' + 4z²φ'' by hand at an inside point
    x, z = 0.7, 1.1
    s1 = x * x + z * z
    assert K.near_term(s1, z, 1.0, *co) == pytest.approx((3 * z * z - s1) / s1**2.5 - 2 * d1(s1) - 4 * z * z * d2(s1),
                                                         rel=1e-12)
    # Fourier transform: 1 at k = 0, 1 − k²a²/18 (second moment ⟨r²⟩ = a²/3) for small k, quadrature elsewhere
    k = np.array([0.0, 1e-3, 0.8, 3.0, 9.0])
    ref = [quad(lambda r, kk=kk: 4 * math.pi * 105 / (32 * math.pi * a**3) * (1 - (r / a) ** 2) ** 2 * r * r
                * np.sinc(kk * r / math.pi), 0, a, limit=200)[0] for kk in k]
    assert split_transform(k, a) == pytest.approx(ref, rel=1e-9, abs=1e-12)
    assert split_transform(k[1], a) == pytest.approx(1 - (1e-3 * a) ** 2 / 18, rel=1e-12)


def test_taylor_records_are_float32_and_continuous_across_nodes():
    # at a node the expansion is the stored value; halfway between two nodes the two nodes' expansions agree to
    # their O(h³) remainder (measured rms 1.7 %, max 10.7 % of the long-range part's spread at 4 points per cutoff,
    # largest along z, where ∂²_z sharpens the field; bounds 3 % and 20 %: a wrong derivative channel gives jumps of
    # the order of the field itself; the total-field accuracy is bounded against the direct sum above)
    p = random_sphere_packing(radius=1.0, volume_fraction=0.01, n_spheres=300, rng=6)
    model = build_field_model(p, cutoff=4.0, skin=1.0)
    assert model.taylor.dtype == np.float32 and model.taylor.shape == (model.grid_points,) * 3 + (16,)
    flat = model.taylor.reshape(-1)
    m, h = model.grid_points, model.grid_spacing
    rng = np.random.default_rng(1)
    idx = rng.integers(0, m - 1, size=(300, 3))
    at_node = np.array([K.far_field(flat, m, 1.0 / h, h, *(i * h)) for i in idx])
    assert at_node == pytest.approx(model.taylor[idx[:, 0], idx[:, 1], idx[:, 2], 0].astype(float), rel=1e-5,
                                    abs=1e-7 * float(np.abs(model.taylor[..., 0]).max()))
    spread = float(model.taylor[..., 0].std())
    jumps = []
    for axis in range(3):
        mid = idx * h + 0.5 * h * np.eye(3)[axis]
        lo = np.array([K.far_field(flat, m, 1.0 / h, h, *(q - 1e-9 * h * np.eye(3)[axis])) for q in mid])
        hi = np.array([K.far_field(flat, m, 1.0 / h, h, *(q + 1e-9 * h * np.eye(3)[axis])) for q in mid])
        jumps.append(hi - lo)
    jumps = np.concatenate(jumps)
    assert np.sqrt(np.mean(jumps**2)) < 0.03 * spread
    assert np.max(np.abs(jumps)) < 0.2 * spread
    # the periodic seam: x/h rounding up to node m reads node 0 with a negative offset (the same expansion as
    # the point just above 0 uses)
    box = p.box
    for y, z in rng.uniform(0, box, size=(10, 2)):
        top = K.far_field(flat, m, 1.0 / h, h, np.nextafter(box, 0.0), y, z)
        assert top == pytest.approx(K.far_field(flat, m, 1.0 / h, h, 0.0, y, z), abs=1e-6 * spread)


def test_free_diffusion_mean_square_displacement():
    # nearly empty box: ⟨r²⟩ = 6 D t; 2000 protons give ±√(2/3/2000) ≈ 2 % (1σ) on the mean: 6 % tolerance
    r = simulate_relaxation(radius=1e-6, volume_fraction=1e-4, delta_omega=10.0, diffusion=2e-9, duration=0.01,
                            n_protons=2000, n_configurations=1, n_spheres=20, rng=1)
    t = r.times[-1]
    assert r.mean_square_displacement[-1] == pytest.approx(6 * 2e-9 * t, rel=0.06)


def test_static_dephasing_matches_yablonskiy_haacke():
    R, f, dw = 1e-6, 0.01, 3000.0
    sdr = 2 * math.pi / (3 * math.sqrt(3)) * f * dw  # 36.3 1/s
    r = simulate_relaxation(radius=R, volume_fraction=f, delta_omega=dw, diffusion=0.0, duration=4 / sdr,
                            sequence="fid", n_protons=3000, n_configurations=2, n_spheres=400, n_samples=100,
                            rng=11)
    # tolerance 12 %: statistical error ≈ 5 % (1σ) for 6000 protons over this window (reported stderr),
    # the start of the linear regime (t > 3/Δω) and the finite box (400 spheres)
    assert r.rate == pytest.approx(sdr, rel=0.12)
    assert r.rate_name == "R2*"
    assert r.theory["r2star_static_dephasing"] == pytest.approx(sdr)


@pytest.mark.slow
@pytest.mark.parametrize("f, radius, diffusion, x, n_protons, seed, overlapping", [
    (0.04, 1e-6, 1e-9, 0.3, 1000, 5, True),     # independent centres: the dilute closed form itself, L = 59 R
    (0.04, 1e-6, 1e-9, 0.3, 1000, 5, False),    # the same, non-overlapping: 14 % lower
    (0.02, 20e-9, 3e-9, 0.3, 500, 6, False),    # L = 75 R; a 40 nm sphere in water at 37 °C
])
def test_motional_averaging_matches_closed_form(f, radius, diffusion, x, n_protons, seed, overlapping):
    # default settings (2000 spheres, default fit window) except a coarser step σ = 0.35 R (σ = 0.4 R and 0.2 R
    # agree within the statistics: docs/mri_montecarlo.md) and a walk of 1/R2
    tau_d = radius**2 / diffusion
    dw = x / tau_d
    mar = 16 / 45 * f * tau_d * dw**2
    r = simulate_relaxation(radius=radius, volume_fraction=f, delta_omega=dw, diffusion=diffusion,
                            duration=1.0 / mar, sequence="fid", n_protons=n_protons, n_configurations=6,
                            step_fraction=0.35, rng=seed, overlapping=overlapping)
    print(f"MC/MAR = {r.rate / mar:.4f} ± {r.rate_stderr / mar:.4f}")
    conv = r.convergence
    # expected: the closed form × (1 + box bias −0.635 R/L, computed) × (1 + c f): c = 0 for independent
    # centres (no pair correlation); for non-overlapping spheres c = MAR_FRACTION_COEFF (measured; the pair
    # exclusion alone gives −4.05)
    assert conv["mar_volume_fraction_term"] == (0.0 if overlapping else pytest.approx(MAR_FRACTION_COEFF * f))
    expected = (1 + conv["mar_box_bias"]) * (1 + conv["mar_volume_fraction_term"])
    ratio, err = r.rate / mar, r.rate_stderr / mar
    # tolerance 3 standard errors (over configurations: ≈ 2 % at f = 0.04, ≈ 3.5 % at 0.02) plus the uncertainty
    # of c f; the errors must stay small enough that the independent and non-overlapping cases at f = 0.04
    # (14 % apart) cannot both pass the other's expectation
    assert err < (0.03 if f > 0.03 else 0.05)
    assert abs(ratio - expected) < 3 * math.hypot(err, MAR_FRACTION_COEFF_STDERR * f)
    assert r.rate < 0.3 * r.theory["r2star_static_dephasing"]  # far below static dephasing, as MAR requires


def test_shorter_echo_spacing_gives_smaller_r2():
    # Δω τ_D = 5 (beyond MAR): refocusing works when τ_CP ≲ τ_D, so R2 rises with the echo spacing
    R, D, f = 1e-6, 1e-9, 0.01
    dw = 5.0 / (R**2 / D)
    common = {"radius": R, "volume_fraction": f, "delta_omega": dw, "diffusion": D, "duration": 0.04,
              "n_protons": 800, "n_configurations": 2, "n_spheres": 200, "step_fraction": 0.3, "rng": 3}
    short = simulate_relaxation(sequence="cpmg", echo_spacing=0.4e-3, **common)
    long = simulate_relaxation(sequence="cpmg", echo_spacing=4e-3, **common)
    fid = simulate_relaxation(sequence="fid", **common)
    assert short.rate < 0.7 * long.rate  # the effect is large: a factor > 2 in the runs we made
    assert long.rate < fid.rate * 1.05  # echoes never dephase faster than the FID (within noise)
    hahn = simulate_relaxation(sequence="hahn", **common)
    assert hahn.rate < fid.rate * 1.05


def test_same_seed_same_result_and_seed_matters():
    kw = {"radius": 1e-6, "volume_fraction": 0.01, "delta_omega": 2000.0, "diffusion": 1e-9, "duration": 0.02,
          "n_protons": 200, "n_configurations": 2, "n_spheres": 50, "n_samples": 20}
    a = simulate_relaxation(rng=42, **kw)
    b = simulate_relaxation(rng=42, **kw)
    c = simulate_relaxation(rng=43, **kw)
    np.testing.assert_array_equal(a.fid, b.fid)
    assert a.rate == b.rate
    assert not np.array_equal(a.fid, c.fid)


def test_result_dict_and_convergence_controls():
    r = simulate_relaxation(radius=1e-6, volume_fraction=0.01, delta_omega=2000.0, diffusion=1e-9,
                            duration=0.02, n_protons=200, n_configurations=2, n_spheres=50, n_samples=20, rng=1)
    d = r.to_dict()
    assert d["rate"]["unit"] == "1/s" and len(d["rates_per_configuration"]["value"]) == 2
    conv = d["convergence"]
    # default step: σ ≤ 0.2 R (rounded down so that samples fall on steps); Δω Δt ≤ 0.1 is not binding here
    assert 0.18 < conv["sigma_over_radius"] <= 0.2
    assert conv["delta_omega_dt"] <= 0.1 + 1e-12
    assert conv["n_configurations"] == 2 and conv["proton_steps"] == conv["n_steps"] * 400
    assert r.rate_stderr == pytest.approx(np.std(r.rates, ddof=1) / math.sqrt(2))
    # motional-averaging terms: box −0.635 R/L (computed), c f (measured c) and the closed form with it
    assert conv["mar_box_bias"] == pytest.approx(-0.6345 / conv["box_over_radius"], rel=1e-3)
    assert conv["mar_volume_fraction_term"] == pytest.approx(MAR_FRACTION_COEFF * 0.01)
    mar = 16 / 45 * 0.01 * 1e-3 * 2000.0**2
    assert r.theory["r2_motional_averaging_at_fraction"] == pytest.approx(mar * (1 + MAR_FRACTION_COEFF * 0.01))


def test_overlapping_packing_places_independent_centres():
    p = random_sphere_packing(radius=1.0, volume_fraction=0.2, n_spheres=500, rng=3, overlapping=True)
    assert p.volume_fraction == pytest.approx(0.2)
    # independent uniform centres: at f = 0.2, 500 spheres, pairs closer than 2R are certain (expected ≈ 400)
    assert p.min_distance() < 2.0
    assert np.all((p.centers >= 0) & (p.centers < p.box))


def test_fit_decay_recovers_an_exponential():
    t = np.linspace(0, 0.1, 50)
    fit = fit_decay(t, 0.8 * np.exp(-25 * t) * np.exp(1j * 3 * t), t_start=0.01)
    assert fit.rate == pytest.approx(25, rel=1e-10)
    # the diffusion-tail model recovers R from c + b√t − R t exactly
    tail = fit_decay(t, np.exp(0.1 + 0.5 * np.sqrt(t) - 25 * t), t_start=0.01, model="diffusion_tail")
    assert tail.rate == pytest.approx(25, rel=1e-9)
    with pytest.raises(FerroKitInputError, match="model"):
        fit_decay(t, np.exp(-t), model="cubic")
    with pytest.raises(FerroKitInputError, match="noise floor"):
        fit_decay(t, np.exp(-25 * t), floor=0.99)


def test_particle_maps_to_a_sphere_by_hand():
    p = Particle(composition="Fe3O4", core_diameter="12 nm", ms={"value": 80, "basis": "oxide"})
    r, dw, factor = particle_sphere(p, 300.0)
    ms_v = 80 * p.composition_info.density  # A/m at the measurement temperature (300 K)
    assert r == pytest.approx(6e-9)
    assert dw == pytest.approx(GAMMA_PROTON * MU_0 * ms_v / 3, rel=1e-12)
    assert factor == pytest.approx(1.0)
    # cluster of 10 cores at φ = 0.5: Ms_agg = φ Ms, f_agg = f/φ (Vuong et al. 2012)
    pc = Particle(composition="Fe3O4", core_diameter="12 nm", ms={"value": 80, "basis": "oxide"},
                  cluster={"cores": 10, "packing_fraction": 0.5})
    rc, dwc, fc = particle_sphere(pc, 300.0)
    assert rc == pytest.approx(6e-9 * (10 / 0.5) ** (1 / 3))
    assert dwc == pytest.approx(0.5 * dw) and fc == pytest.approx(2.0)


def test_simulate_particle_scales_to_the_concentration():
    p = Particle(composition="Fe3O4", core_diameter="20 nm")
    # duration ≈ 1/R2 at f_sim = 0.01 (R2 ≈ 2e5 1/s): enough for the fit, cheap
    sim = simulate_particle(p, concentration=0.5, temperature=310.15, n_protons=300, n_configurations=2,
                            n_spheres=80, n_samples=40, duration=5e-6, rng=2)
    f = oxide_volume_fraction(0.5, "Fe3O4")
    assert sim.volume_fraction == pytest.approx(f)
    assert sim.simulation_volume_fraction == pytest.approx(0.01)
    assert sim.rate == pytest.approx(sim.simulation.rate * f / 0.01)
    assert sim.relaxivity == pytest.approx(sim.rate / 0.5)
    # between the two closed forms' bounds: a 20 nm magnetite core sits in the MAR–SDR transition
    th = sim.to_dict()["theory_at_concentration"]
    assert 0.3 * th["r2_motional_averaging"]["value"] < sim.rate < 1.2 * th["r2star_static_dephasing"]["value"]


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [
        ({"radius": -1e-9}, "radius"),
        ({"radius": 1.0}, "radius"),
        ({"volume_fraction": 0.5}, "volume_fraction"),
        ({"volume_fraction": float("nan")}, "volume_fraction"),
        ({"delta_omega": 0.0}, "delta_omega"),
        ({"diffusion": -1e-9}, "diffusion"),
        ({"sequence": "spin"}, "sequence"),
        ({"sequence": "cpmg"}, "echo_spacing"),
        ({"sequence": "cpmg", "echo_spacing": 1.0}, "echo_spacing"),
        ({"n_protons": 5}, "n_protons"),
        ({"n_protons": True}, "n_protons"),
        ({"n_configurations": 0}, "n_configurations"),
        ({"step_fraction": 0.9}, "step_fraction"),
        ({"duration": 1e3}, "too much work"),
        ({"cutoff": 1.0e-6}, "cutoff"),
    ],
)
def test_bad_input(kw, fragment):
    args = {"radius": 1e-6, "volume_fraction": 0.01, "delta_omega": 2000.0, "diffusion": 1e-9, "duration": 0.02,
            "n_protons": 100, "n_spheres": 50, **kw}
    with pytest.raises(FerroKitInputError, match=fragment):
        simulate_relaxation(**args)


def test_bad_packing_input():
    with pytest.raises(FerroKitInputError, match="n_spheres"):
        random_sphere_packing(radius=1.0, volume_fraction=0.1, n_spheres=0)
    with pytest.raises(FerroKitInputError, match="volume_fraction"):
        random_sphere_packing(radius=1.0, volume_fraction=0.6, n_spheres=10)


def _damped_lattice_sum(a, weight):
    """Σ'_{n ∈ Z³} w(n̂) e^{−a n²}/n² − ∫ d³n w(n̂) e^{−a n²}/n² for w = 1 or P2(n_z/|n|)² (angular mean 1/5)."""
    m = int(np.ceil(np.sqrt(36.0 / a)))
    r = np.arange(-m, m + 1, dtype=float)
    y, z = np.meshgrid(r, r, indexing="ij")
    total = 0.0
    for x in r:
        n2 = x * x + y * y + z * z
        n2[n2 == 0] = np.inf  # n = 0 left out
        w = 1.0 if weight == "1" else (1.5 * z * z / n2 - 0.5) ** 2
        total += float(np.sum(w * np.exp(-a * n2) / n2))
    mean_w = 1.0 if weight == "1" else 0.2
    return total - 4 * math.pi * mean_w * math.sqrt(math.pi / a) / 2


def test_periodic_box_bias_of_motional_averaging_is_a_lattice_sum():
    from ferrokit.mri.montecarlo.simulator import CUBIC_LATTICE_P2_SUM, MAR_BOX_COEFF, motional_averaging_box_bias

    # both damped sums are linear in a as a → 0 (checked to a = 0.004 when deriving the constant): extrapolate
    def limit(weight):
        return 2 * _damped_lattice_sum(0.008, weight) - _damped_lattice_sum(0.016, weight)

    # the isotropic sum is −π ξ with ξ = 2.837297, the cubic-lattice constant of Yeh & Hummer (J Phys Chem B
    # 2004 108:15873) for periodic-box diffusion [S]: checks the method (tolerance: the extrapolation, ~1e-4)
    assert limit("1") == pytest.approx(-math.pi * 2.837297, abs=2e-3)
    assert limit("p2") == pytest.approx(CUBIC_LATTICE_P2_SUM, abs=1e-3)
    assert MAR_BOX_COEFF == pytest.approx(15 * CUBIC_LATTICE_P2_SUM / (4 * math.pi))
    assert motional_averaging_box_bias(75.0) == pytest.approx(-0.00846, abs=1e-5)


def test_pair_exclusion_term_of_motional_averaging():
    from scipy import integrate, special

    from ferrokit.mri.montecarlo.simulator import MAR_PAIR_EXCLUSION_COEFF

    def j1x(x):
        return special.spherical_jn(1, x) / x

    # free-diffusion MAR: (n/D) ∫ d³k/(2π)³ |ω_k|²/k², ω_k = −8π Δω R³ P2 j1(kR)/(kR): ∫(j1/x)² = π/15 gives
    # (3/4π)(32/5)(π/15) = 8/25 of f τ_D Δω² (the reflecting surfaces raise it to 16/45)
    base, _ = integrate.quad(lambda x: j1x(x) ** 2, 0, np.inf, limit=4000)
    assert base == pytest.approx(math.pi / 15, rel=1e-7)
    assert 3 / (4 * math.pi) * 32 / 5 * base == pytest.approx(8 / 25, rel=1e-7)
    # hard-sphere pair correlation at low density: S(k) − 1 = −8f · 3 j1(2kR)/(2kR)
    pair, _ = integrate.quad(lambda x: j1x(x) ** 2 * 3 * j1x(2 * x), 0, np.inf, limit=4000)
    assert pair / base == pytest.approx(9 / 16, rel=1e-6)
    assert MAR_PAIR_EXCLUSION_COEFF == pytest.approx(-8 * pair / base * (8 / 25) / (16 / 45), rel=1e-6)
