"""Numba kernels of the Monte Carlo simulator (no validation, no I/O; valid plain Python without numba): random
numbers, packing, the field pieces, cell lists and reflection. The walker itself is in :mod:`._walk`.

Conventions shared with :mod:`._reference` (the plain NumPy implementation the benchmark compares against):

* positions live in the periodic box [0, L)³; distances to spheres use the minimum image (the cutoff radius
  plus the neighbour-list skin is kept below L/2, so at most one image of a sphere is in range);
* the field is in units of the equatorial shift Δω: w(x) = R³ Σ_j ∂²_z(1/r) = Σ_j (R/r)³ (3cos²θ − 1),
  split into a short-range part (a polynomial-screened dipole in s = r², exactly zero beyond the cutoff ``a``,
  summed over spheres within it) and a smooth long-range part (a periodic grid of value/gradient/Hessian
  records, second-order Taylor expansion about the nearest node); see ``geometry``;
* random numbers: one splitmix64 stream per proton (state = mix(seed + proton·golden)), one 64-bit draw per
  step giving three 21-bit uniforms u; the per-axis step is (2u − 1)·√3 σ (variance σ² per axis).
"""

from __future__ import annotations

import math

import numpy as np

from ferrokit._shared.numba import njit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S21 = np.uint64(21)
_S42 = np.uint64(42)
_MASK21 = np.uint64(0x1FFFFF)
_INV21 = 1.0 / 2097152.0
N_CHUNKS = 64  # protons are split into this many fixed chunks: results do not depend on the thread count
MAX_REFLECTIONS = 4


@njit(error_model="numpy")
def mix64(z):
    """splitmix64 finaliser (uint64 → uint64)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(error_model="numpy")
def _uniforms(z):
    # 21-bit values: the int64 → float conversion is exact and cheaper than uint64 → float
    u1 = (float(np.int64(z & _MASK21)) + 0.5) * _INV21
    u2 = (float(np.int64((z >> _S21) & _MASK21)) + 0.5) * _INV21
    u3 = (float(np.int64((z >> _S42) & _MASK21)) + 0.5) * _INV21
    return u1, u2, u3


@njit
def rsa_pack(candidates, n_target, box, radius, ncell):
    """Random sequential addition: accept candidates (in order) that overlap no accepted sphere.

    Returns (centers, n_accepted). Uses a cell grid of side ``box/ncell`` ≥ 2R (ncell ≥ 3).
    """
    min_d2 = (2.0 * radius) ** 2
    cell_size = box / ncell
    cap = 8 + int(((cell_size + 2 * radius) / (2 * radius)) ** 3 * 1.5) + 8
    counts = np.zeros((ncell, ncell, ncell), dtype=np.int64)
    members = np.empty((ncell, ncell, ncell, cap), dtype=np.int64)
    centers = np.empty((n_target, 3))
    n = 0
    for c in range(candidates.shape[0]):
        if n >= n_target:
            break
        x = candidates[c, 0]
        y = candidates[c, 1]
        z = candidates[c, 2]
        ix = int(x / cell_size) % ncell
        iy = int(y / cell_size) % ncell
        iz = int(z / cell_size) % ncell
        ok = True
        for ox in range(-1, 2):
            if not ok:
                break
            for oy in range(-1, 2):
                if not ok:
                    break
                for oz in range(-1, 2):
                    jx = (ix + ox) % ncell
                    jy = (iy + oy) % ncell
                    jz = (iz + oz) % ncell
                    for m in range(counts[jx, jy, jz]):
                        k = members[jx, jy, jz, m]
                        dx = min_image(x - centers[k, 0], box)
                        dy = min_image(y - centers[k, 1], box)
                        dz = min_image(z - centers[k, 2], box)
                        if dx * dx + dy * dy + dz * dz < min_d2:
                            ok = False
                            break
                    if not ok:
                        break
        if ok and counts[ix, iy, iz] < cap:
            centers[n, 0] = x
            centers[n, 1] = y
            centers[n, 2] = z
            members[ix, iy, iz, counts[ix, iy, iz]] = n
            counts[ix, iy, iz] += 1
            n += 1
    return centers, n


@njit
def deposit_gaussians(centers, box, m, sigma, reach):
    """Sample Σ_j G_σ(x − c_j) (normalised 3D Gaussians, periodic) on the m³ grid of nodes (i h, j h, k h)."""
    h = box / m
    rho = np.zeros((m, m, m))
    norm = (2.0 * math.pi * sigma * sigma) ** -1.5
    inv2s2 = 1.0 / (2.0 * sigma * sigma)
    nr = int(math.ceil(reach / h))  # noqa: RUF046 (numba)
    for j in range(centers.shape[0]):
        cx = centers[j, 0]
        cy = centers[j, 1]
        cz = centers[j, 2]
        ix0 = int(math.floor(cx / h))  # noqa: RUF046
        iy0 = int(math.floor(cy / h))  # noqa: RUF046
        iz0 = int(math.floor(cz / h))  # noqa: RUF046
        for a in range(ix0 - nr, ix0 + nr + 2):
            dx = a * h - cx
            ex = math.exp(-dx * dx * inv2s2)
            ia = a % m
            for b in range(iy0 - nr, iy0 + nr + 2):
                dy = b * h - cy
                exy = ex * math.exp(-dy * dy * inv2s2)
                ib = b % m
                for c in range(iz0 - nr, iz0 + nr + 2):
                    dz = c * h - cz
                    rho[ia, ib, c % m] += norm * exy * math.exp(-dz * dz * inv2s2)
    return rho


@njit(error_model="numpy", inline="always")
def far_field(rec, m, inv_h, h, x, y, z):
    """Long-range field at 0 ≤ x, y, z < L: second-order Taylor expansion about the nearest node of the flattened
    (m, m, m, 16) float32 records (``FieldModel.taylor.reshape(-1)``; the diagonal Hessian entries stored halved):
    w + g·d + ½ dᵀHd, d = x − node (|d| ≤ h/2 per axis; node m is node 0)."""
    i = int(x * inv_h + 0.5)  # x ≥ 0: truncation is the floor
    j = int(y * inv_h + 0.5)
    k = int(z * inv_h + 0.5)
    dx = x - i * h
    dy = y - j * h
    dz = z - k * h
    if i >= m:
        i = 0
    if j >= m:
        j = 0
    if k >= m:
        k = 0
    return taylor_value(rec, ((i * m + j) * m + k) * 16, dx, dy, dz)


@njit(error_model="numpy", inline="always")
def taylor_value(rec, p, dx, dy, dz):
    """w + g·d + ½ dᵀHd of the record at ``rec[p:p + 16]`` (the walker's ``far_field_lanes`` does the same
    operations in the same order on 16 lanes)."""
    return (rec[p] + rec[p + 1] * dx + rec[p + 2] * dy + rec[p + 3] * dz
            + dx * (rec[p + 4] * dx + rec[p + 7] * dy + rec[p + 8] * dz)
            + dy * (rec[p + 5] * dy + rec[p + 9] * dz) + rec[p + 6] * dz * dz)


@njit(error_model="numpy", inline="always")
def near_term(s, dz, r3, a0, a1, a2, b0, b1):
    """Short-range field R³ ∂²_z(1/r − φ_a(r)) at squared distance s < a² (see ``geometry.near_coefficients``)."""
    inv = 1.0 / s
    z2 = dz * dz
    return r3 * (3.0 * z2 - s) * inv * inv * math.sqrt(inv) + (a0 + s * (a1 + s * a2)) + z2 * (b0 + s * b1)


@njit
def build_stencils(centers, box, cell_start, cell_items, ncell):
    """Per-cell candidate lists for neighbour-list rebuilds, flattened into contiguous arrays.

    For each cell (C order), the spheres of its 27 neighbour cells (offsets −1, 0, 1 per axis, x slowest), with the
    centre of the image on the cell's side of the periodic boundary (shift 0 or ±box per axis).
    A sphere within reach (< cell side) of a point in the cell is in its list exactly once, at that image, which
    is then its nearest image. Returns (start, item, sx, sy, sz); ``start`` has ncell³ + 1 entries.
    """
    n_cells = ncell * ncell * ncell
    start = np.zeros(n_cells + 1, dtype=np.int64)
    for ix in range(ncell):
        for iy in range(ncell):
            for iz in range(ncell):
                c = (ix * ncell + iy) * ncell + iz
                cnt = 0
                for ox in range(-1, 2):
                    for oy in range(-1, 2):
                        for oz in range(-1, 2):
                            cell = (((ix + ox) % ncell) * ncell + (iy + oy) % ncell) * ncell + (iz + oz) % ncell
                            cnt += cell_start[cell + 1] - cell_start[cell]
                start[c + 1] = start[c] + cnt
    total = start[n_cells]
    item = np.empty(total, dtype=np.int64)
    sx = np.empty(total)
    sy = np.empty(total)
    sz = np.empty(total)
    for ix in range(ncell):
        for iy in range(ncell):
            for iz in range(ncell):
                c = (ix * ncell + iy) * ncell + iz
                n = start[c]
                for ox in range(-1, 2):
                    jx = ix + ox
                    shx = box if jx >= ncell else (-box if jx < 0 else 0.0)
                    for oy in range(-1, 2):
                        jy = iy + oy
                        shy = box if jy >= ncell else (-box if jy < 0 else 0.0)
                        for oz in range(-1, 2):
                            jz = iz + oz
                            shz = box if jz >= ncell else (-box if jz < 0 else 0.0)
                            cell = ((jx % ncell) * ncell + jy % ncell) * ncell + jz % ncell
                            for p in range(cell_start[cell], cell_start[cell + 1]):
                                k = cell_items[p]
                                item[n] = k
                                sx[n] = centers[k, 0] + shx
                                sy[n] = centers[k, 1] + shy
                                sz[n] = centers[k, 2] + shz
                                n += 1
    return start, item, sx, sy, sz


@njit(error_model="numpy", inline="always")
def min_image(d, box):
    """Minimum-image wrap of a coordinate difference known to lie in (−box, box)."""
    if d > 0.5 * box:
        return d - box
    if d < -0.5 * box:
        return d + box
    return d


@njit(error_model="numpy", inline="always")
def reflect_step(x, y, z, sx, sy, sz, k, centers, box, radius):
    """Specular reflection of the step (sx, sy, sz) from (x, y, z) at the surface of sphere k.

    Returns the new step vector (the end point is the reflected point).
    """
    px = min_image(x - centers[k, 0], box)
    py = min_image(y - centers[k, 1], box)
    pz = min_image(z - centers[k, 2], box)
    dd = sx * sx + sy * sy + sz * sz
    b = px * sx + py * sy + pz * sz
    c = px * px + py * py + pz * pz - radius * radius
    disc = b * b - dd * c
    if disc < 0.0:
        disc = 0.0
    t = (-b - math.sqrt(disc)) / dd
    if t < 0.0:
        t = 0.0
    hx = px + t * sx
    hy = py + t * sy
    hz = pz + t * sz
    hn = math.sqrt(hx * hx + hy * hy + hz * hz)
    nx = hx / hn
    ny = hy / hn
    nz = hz / hn
    rx = (1.0 - t) * sx
    ry = (1.0 - t) * sy
    rz = (1.0 - t) * sz
    rn = rx * nx + ry * ny + rz * nz
    if rn < 0.0:  # heading inwards: mirror the remaining path
        rx -= 2.0 * rn * nx
        ry -= 2.0 * rn * ny
        rz -= 2.0 * rn * nz
    return hx + rx - px, hy + ry - py, hz + rz - pz
