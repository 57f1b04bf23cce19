"""Geometry of the Monte Carlo simulator: random non-overlapping spheres in a periodic box, the cell list,
and the field of the magnetised spheres (Ewald-split: exact short-range sum + smooth periodic grid).

Field model
-----------
A uniformly magnetised sphere (radius R, magnetisation Ms along B0 = z) shifts the proton Larmor frequency
outside it by the dipole field

.. math:: Δω(\\mathbf r) = Δω_{eq} \\left(\\frac{R}{r}\\right)^3 (3\\cos^2θ - 1),
          \\qquad Δω_{eq} = γ μ_0 M_s / 3,

(textbook magnetostatics; SCIENCE.md §2). We write the field in units of Δω_eq,
:math:`w(\\mathbf x) = R^3 \\sum_j ∂_z^2 (1/|\\mathbf x - \\mathbf c_j|)`, summed over all spheres and all
periodic images. The lattice sum is conditionally convergent; we split :math:`1/r = \\mathrm{erfc}(αr)/r +
\\mathrm{erf}(αr)/r` (Ewald): the short-range part is summed over spheres within the cutoff radius
:math:`r_c = 4/α` (relative truncation ≲ 2×10⁻⁵), the long-range part
:math:`∂_z^2 (\\mathrm{erf}(αr)/r) = ∂_z^2 (1/r) * G_σ`, σ = 1/(α√2), is computed on a periodic grid by FFT of
the Gaussian-smoothed sphere density and interpolated trilinearly. The nodal values are not the samples of
the field but its L2 projection onto the trilinear (tensor-product hat) functions: in Fourier space each axis
is multiplied by :math:`\\mathrm{sinc}^2(kh/2) / (1 - \\tfrac23 \\sin^2(kh/2))` (hat transform over the hat Gram
symbol; the "optimal influence function" idea of P3M, Hockney & Eastwood, *Computer Simulation Using
Particles*, 1988, seen-secondary; the symbol is derived and tested here). Plain samples make the interpolant
systematically smoother than the field (≈ 2.6 % less variance of the long-range part at 2.5 points per σ,
R2 ≈ 1 % low); the projection removes that bias and halves the rms error at equal spacing, which lets the
default grid be coarser (2 points per σ). The grid is stored as float32 (relative rounding 6×10⁻⁸, far below
the interpolation error ≈ 1–3 % of the long-range part) to halve its memory traffic. The k = 0 term (a
uniform shift that depends on the sample shape) is left out: it only rotates the total phase and does not
change |signal|.
A hard cutoff without the long-range part would lose about 1.5 R/r_c of the motional-averaging R2
(the t^{-3/2} tail of the diffusion correlation function), which is why the grid is there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import erfc

from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.validation import FerroKitInputError, check_positive, check_range
from ferrokit.mri.montecarlo import _kernels as K

#: Largest volume fraction random sequential addition packs reliably (its jamming limit is ≈ 0.38).
MAX_VOLUME_FRACTION = 0.3
_ALPHA_RC = 4.0  # α r_c: erfc(4) = 1.5e-8, short-range tail ≲ 2e-5 of the bare dipole at r_c
_TABLE_SIZE = 4096


@dataclass(frozen=True, eq=False)
class SpherePacking:
    """Centres [m] of ``n`` spheres of radius ``radius`` [m] in the periodic box [0, box)³ (non-overlapping unless
    made with ``overlapping=True``)."""

    centers: np.ndarray
    radius: float
    box: float

    @property
    def n_spheres(self) -> int:
        return int(self.centers.shape[0])

    @property
    def volume_fraction(self) -> float:
        """Sphere volume / box volume."""
        return self.n_spheres * 4.0 / 3.0 * math.pi * self.radius**3 / self.box**3

    def min_distance(self) -> float:
        """Smallest centre-to-centre distance (minimum image) [m]; O(n²) memory in blocks, for checks."""
        c = self.centers
        best = math.inf
        for start in range(0, len(c), 512):
            d = c[start:start + 512, None, :] - c[None, :, :]
            d -= self.box * np.rint(d / self.box)
            r2 = np.einsum("ijk,ijk->ij", d, d)
            idx = np.arange(start, min(start + 512, len(c)))
            r2[idx - start, idx] = np.inf
            best = min(best, float(np.sqrt(r2.min())))
        return best


def random_sphere_packing(*, radius: float, volume_fraction: float, n_spheres: int,
                          rng: RngLike = None, overlapping: bool = False) -> SpherePacking:
    """Place ``n_spheres`` non-overlapping spheres at random in a periodic cube sized for ``volume_fraction``.

    Random sequential addition: uniform candidate centres are accepted when they overlap no earlier sphere
    (minimum-image distance ≥ 2R). The box edge is L = (n (4π/3) R³ / f)^{1/3}. ``overlapping=True`` places
    the centres independently (uniform, overlaps allowed; f is then n (4π/3) R³ / L³, the moment density):
    uncorrelated positions, as the dilute closed forms assume, at a finite f.

    Parameters
    ----------
    radius : float
        Sphere radius [m] (the water-impermeable radius).
    volume_fraction : float
        f in (0, 0.3].
    n_spheres : int
        Number of spheres, 1 – 10⁶.
    rng : Generator, int or None
        Random source.
    overlapping : bool
        Independent uniform centres instead of random sequential addition.

    Examples
    --------
    >>> p = random_sphere_packing(radius=1.0, volume_fraction=0.1, n_spheres=200, rng=1)
    >>> round(p.volume_fraction, 6), p.min_distance() >= 2.0
    (0.1, True)
    """
    radius = check_positive("radius", radius, unit="m")
    f = check_range("volume_fraction", volume_fraction, 0.0, MAX_VOLUME_FRACTION, low_inclusive=False)
    if isinstance(n_spheres, bool) or not isinstance(n_spheres, (int, np.integer)) or not 1 <= n_spheres <= 10**6:
        raise FerroKitInputError(f"n_spheres must be an integer in [1, 1000000], got {n_spheres!r}")
    gen = as_rng(rng)
    n = int(n_spheres)
    box = (n * 4.0 / 3.0 * math.pi * radius**3 / f) ** (1.0 / 3.0)
    if box < 2.0 * radius * 1.0001:
        raise FerroKitInputError("the box is smaller than one sphere: increase n_spheres or lower volume_fraction")
    if overlapping:
        return SpherePacking(centers=np.ascontiguousarray(gen.uniform(0.0, box, size=(n, 3))), radius=radius, box=box)
    ncell = max(1, int(box / (2.0 * radius)))
    centers = np.empty((0, 3))
    if ncell < 3:  # tiny boxes: brute-force acceptance
        accepted: list[np.ndarray] = []
        for _ in range(200 * n + 1000):
            c = gen.uniform(0.0, box, size=3)
            ok = True
            for a in accepted:
                d = c - a
                d -= box * np.rint(d / box)
                if d @ d < 4 * radius**2:
                    ok = False
                    break
            if ok:
                accepted.append(c)
                if len(accepted) == n:
                    break
        centers = np.array(accepted).reshape(-1, 3)
    else:
        found: list[np.ndarray] = []
        total = 0
        batch = max(4 * n, 1000)
        for _ in range(200):
            cand = gen.uniform(0.0, box, size=(batch, 3))
            prev = np.concatenate([*found, cand]) if found else cand
            out, total = K.rsa_pack(prev, n, box, radius, ncell)
            found = [out[:total]]
            if total == n:
                break
        centers = found[0] if found else centers
    if centers.shape[0] < n:
        raise FerroKitInputError(
            f"could not pack {n} non-overlapping spheres at volume fraction {f:g}; lower volume_fraction")
    return SpherePacking(centers=np.ascontiguousarray(centers[:n]), radius=radius, box=box)


def sphere_field(points, center, radius: float, delta_omega: float = 1.0) -> np.ndarray:
    """Frequency shift of one magnetised sphere at ``points`` (no periodic images) [rad/s].

    .. math:: Δω(\\mathbf r) = Δω_{eq} (R/r)^3 (3\\cos^2θ - 1),  θ the angle between r and B0 = z.

    Points inside the sphere (r < R) return NaN (the interior field is not modelled).

    Examples
    --------
    >>> sphere_field([[0, 0, 2.0], [2.0, 0, 0]], [0, 0, 0], 1.0, 1.0)
    array([ 0.25 , -0.125])
    """
    p = np.atleast_2d(np.asarray(points, dtype=float)) - np.asarray(center, dtype=float)
    r2 = np.einsum("ij,ij->i", p, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = delta_omega * radius**3 * (3 * p[:, 2] ** 2 - r2) / r2**2.5
    return np.where(r2 >= radius**2, w, np.nan)


@dataclass(frozen=True, eq=False)
class FieldModel:
    """The tabulated short-range kernel, the long-range grid and the cell list for one packing."""

    packing: SpherePacking
    cutoff: float  # r_c [m]
    skin: float  # neighbour-list skin [m]
    alpha: float
    s0: float
    inv_ds: float
    tab_a: np.ndarray
    tab_b: np.ndarray
    grid: np.ndarray  # (m, m, m) float32 nodal values
    grid_tiles: np.ndarray  # the same nodes in tiles (tile_grid): what the walker reads
    grid_spacing: float
    ncell: int
    cell_start: np.ndarray
    cell_items: np.ndarray
    list_cap: int

    def field(self, points) -> np.ndarray:
        """Field w(x) in units of Δω_eq at ``points`` (n, 3) [m] (outside the spheres), Ewald-summed."""
        p = np.atleast_2d(np.asarray(points, dtype=float)) % self.packing.box
        out = np.empty(len(p))
        nbr = np.empty(self.list_cap, dtype=np.int64)
        c, box, r = self.packing.centers, self.packing.box, self.packing.radius
        reach2 = (self.cutoff + self.skin) ** 2
        for i, (x, y, z) in enumerate(p):
            n = K.build_neighbours(x, y, z, c, box, self.cell_start, self.cell_items, self.ncell, reach2, nbr)
            w = K.far_field(self.grid, self.grid_spacing, x, y, z)
            for k in nbr[:n]:
                d = np.array([x, y, z]) - c[k]
                d -= box * np.rint(d / box)
                s = float(d @ d)
                if s < self.cutoff**2:
                    w += K.near_term(s, d[2], self.s0, self.inv_ds, self.tab_a, self.tab_b, r**3)
            out[i] = w
        return out


def near_tables(radius: float, cutoff: float, alpha: float, size: int = _TABLE_SIZE):
    """Tables of A(s), B(s) on s = r² ∈ [(0.9R)², r_c²] with R³ ∂²_z(erfc(αr)/r) = R³ (A s + B z²)/s^{5/2}."""
    s0 = (0.9 * radius) ** 2
    s = np.linspace(s0, cutoff**2 * 1.0001, size)
    r = np.sqrt(s)
    e = (2.0 * alpha * r / math.sqrt(math.pi)) * np.exp(-((alpha * r) ** 2))
    tab_a = -erfc(alpha * r) - e
    tab_b = 3.0 * erfc(alpha * r) + e * (3.0 + 2.0 * (alpha * r) ** 2)
    return s0, 1.0 / (s[1] - s[0]), tab_a, tab_b


def long_range_grid(packing: SpherePacking, alpha: float, points_per_sigma: float = 2.0):
    """Periodic float32 grid of nodal values whose trilinear interpolant is the L2 projection of
    R³ Σ_j ∂²_z(erf(α|x − c_j|)/|x − c_j|) (k = 0 term removed), and its spacing [m]."""
    box, r = packing.box, packing.radius
    sigma = 1.0 / (alpha * math.sqrt(2.0))
    m = math.ceil(box / (sigma / points_per_sigma))
    m = K.TILE * max(1, math.ceil(m / K.TILE))  # whole tiles (see tile_grid)
    h = box / m
    rho = K.deposit_gaussians(packing.centers, box, m, sigma, 6.0 * sigma)
    rho_k = np.fft.rfftn(rho)
    kx = 2 * np.pi * np.fft.fftfreq(m, d=h)
    kz = 2 * np.pi * np.fft.rfftfreq(m, d=h)
    k2 = kx[:, None, None] ** 2 + kx[None, :, None] ** 2 + kz[None, None, :] ** 2
    k2[0, 0, 0] = 1.0
    kernel = -4.0 * np.pi * kz[None, None, :] ** 2 / k2
    kernel[0, 0, 0] = 0.0
    # L2-optimal nodal values for trilinear interpolation (per axis: hat transform / hat Gram symbol)
    fx, fz = _l2_hat_filter(kx * h), _l2_hat_filter(kz * h)
    kernel *= fx[:, None, None] * fx[None, :, None] * fz[None, None, :]
    grid = np.fft.irfftn(kernel * rho_k, s=(m, m, m), axes=(0, 1, 2)) * r**3
    return np.ascontiguousarray(grid, dtype=np.float32), h


def _l2_hat_filter(kh: np.ndarray) -> np.ndarray:
    """sinc²(kh/2) / (1 − (2/3) sin²(kh/2)): Fourier symbol of the L2 projection onto piecewise-linear hats."""
    x = 0.5 * kh
    sinc = np.sinc(x / np.pi)
    return sinc**2 / (1.0 - (2.0 / 3.0) * np.sin(x) ** 2)


def tile_grid(grid: np.ndarray) -> np.ndarray:
    """Copy of the periodic (m, m, m) grid as (m/T, m/T, m/T, T+1, T+1, T+1) tiles, T = ``_kernels.TILE``.

    Tile (I, J, K) holds the nodes (I T + a, J T + b, K T + c) mod m, a, b, c = 0 … T, so the 8 corners of every
    cell lie in one contiguous tile (memory ×(1 + 1/T)³ ≈ 1.42). Values are copied, not recomputed.

    Examples
    --------
    >>> g = np.arange(16**3, dtype=np.float32).reshape(16, 16, 16)
    >>> t = tile_grid(g)
    >>> t.shape, bool(t[1, 0, 1, 8, 3, 8] == g[0, 3, 0])
    ((2, 2, 2, 9, 9, 9), True)
    """
    m = grid.shape[0]
    nt = m // K.TILE
    idx = (np.arange(nt)[:, None] * K.TILE + np.arange(K.TILE + 1)[None, :]) % m  # (nt, T + 1)
    tiles = grid[idx[:, None, None, :, None, None], idx[None, :, None, None, :, None],
                 idx[None, None, :, None, None, :]]
    return np.ascontiguousarray(tiles)


def cell_list(packing: SpherePacking, reach: float):
    """Cell list with cells of side ≥ ``reach``: (ncell, cell_start, cell_items, list_cap).

    ``ncell < 3`` means brute force (every sphere is a candidate); ``list_cap`` bounds the number of spheres
    in any 3×3×3 block of cells (the size of a neighbour list).
    """
    box = packing.box
    ncell = int(box / reach)
    n = packing.n_spheres
    if ncell < 3:
        return 1, np.zeros(2, dtype=np.int64), np.arange(n, dtype=np.int64), n
    idx = np.floor(packing.centers / (box / ncell)).astype(np.int64) % ncell
    flat = (idx[:, 0] * ncell + idx[:, 1]) * ncell + idx[:, 2]
    order = np.argsort(flat, kind="stable")
    counts = np.bincount(flat, minlength=ncell**3)
    cell_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    c3 = counts.reshape(ncell, ncell, ncell)
    block = sum(np.roll(c3, (a, b, c), axis=(0, 1, 2)) for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1))
    return ncell, cell_start, order.astype(np.int64), int(block.max()) + 1


def build_field_model(packing: SpherePacking, *, cutoff: float, skin: float,
                      points_per_sigma: float = 2.0) -> FieldModel:
    """Assemble the field model; requires R < cutoff and cutoff + skin < box/2."""
    if not packing.radius < cutoff:
        raise FerroKitInputError(f"cutoff radius must exceed the sphere radius, got {cutoff / packing.radius:g} R")
    if cutoff + skin >= 0.5 * packing.box:
        raise FerroKitInputError(
            f"cutoff radius + skin ({(cutoff + skin) / packing.radius:.3g} R) must stay below half the box "
            f"({0.5 * packing.box / packing.radius:.3g} R): use more spheres or a smaller cutoff")
    alpha = _ALPHA_RC / cutoff
    s0, inv_ds, tab_a, tab_b = near_tables(packing.radius, cutoff, alpha)
    grid, h = long_range_grid(packing, alpha, points_per_sigma)
    ncell, cell_start, cell_items, cap = cell_list(packing, cutoff + skin)
    return FieldModel(packing=packing, cutoff=cutoff, skin=skin, alpha=alpha, s0=s0, inv_ds=inv_ds, tab_a=tab_a,
                      tab_b=tab_b, grid=grid, grid_tiles=tile_grid(grid), grid_spacing=h, ncell=ncell,
                      cell_start=cell_start, cell_items=cell_items, list_cap=cap)
