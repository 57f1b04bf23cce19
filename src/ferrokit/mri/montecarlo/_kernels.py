"""Numba kernels of the Monte Carlo simulator (no validation, no I/O; valid plain Python without numba).

Conventions shared with :mod:`._reference` (the plain NumPy implementation the benchmark compares against):

* positions live in the periodic box [0, L)³; distances to spheres use the minimum image (the cutoff radius
  plus the neighbour-list skin is kept below L/2, so at most one image of a sphere is in range);
* the field is in units of the equatorial shift Δω: w(x) = R³ Σ_j ∂²_z(1/r) = Σ_j (R/r)³ (3cos²θ − 1),
  split Ewald-fashion into a short-range part (tabulated in s = r², summed over spheres within ``rc``) and
  a smooth long-range part (a periodic grid, trilinear interpolation);
* random numbers: one splitmix64 stream per proton (state = mix(seed + proton·golden)), one 64-bit draw per
  step giving three 21-bit uniforms u; the per-axis step is (2u − 1)·√3 σ (variance σ² per axis).
"""

from __future__ import annotations

import math

import numpy as np

from ferrokit._shared.numba import HAVE_NUMBA, njit

if HAVE_NUMBA:
    from numba import prange
else:  # pragma: no cover - plain Python fallback
    prange = range

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
def _grid_cell(g, m):
    """Lower node index (wrapped into [0, m) only when outside, i.e. never in the walker) and the fraction."""
    g0 = math.floor(g)
    i0 = int(g0)
    if i0 >= m or i0 < 0:
        i0 %= m
    return i0, g - g0


@njit(error_model="numpy")
def far_field(grid, h, x, y, z):
    """Trilinear interpolation of the periodic far-field grid at (x, y, z) in [0, L)."""
    m = grid.shape[0]
    i0, fx = _grid_cell(x / h, m)
    j0, fy = _grid_cell(y / h, m)
    k0, fz = _grid_cell(z / h, m)
    i1 = i0 + 1 if i0 + 1 < m else 0
    j1 = j0 + 1 if j0 + 1 < m else 0
    k1 = k0 + 1 if k0 + 1 < m else 0
    c00 = grid[i0, j0, k0] * (1.0 - fz) + grid[i0, j0, k1] * fz
    c01 = grid[i0, j1, k0] * (1.0 - fz) + grid[i0, j1, k1] * fz
    c10 = grid[i1, j0, k0] * (1.0 - fz) + grid[i1, j0, k1] * fz
    c11 = grid[i1, j1, k0] * (1.0 - fz) + grid[i1, j1, k1] * fz
    return (c00 * (1.0 - fy) + c01 * fy) * (1.0 - fx) + (c10 * (1.0 - fy) + c11 * fy) * fx


TILE = 8  # far-field tile edge in cells; a tile stores its (TILE + 1)³ nodes (the upper faces duplicated)


_TSH = 3  # TILE = 2**_TSH: tile index and offset by shift and mask
_TMASK = TILE - 1
_T1 = TILE + 1
_T2 = (TILE + 1) * (TILE + 1)
_T3 = (TILE + 1) ** 3


@njit(error_model="numpy")
def far_field_flat(tflat, nt, inv_h, x, y, z):
    """:func:`far_field` for 0 ≤ x, y, z < L from the tiled copy of the grid (``geometry.tile_grid``, flattened:
    ``tiles.ravel()``, ``nt`` tiles per axis): the 8 corners of a cell lie in one contiguous tile (2–3 cache
    lines, one page) instead of 4 cache lines on 2–4 pages. The node index is computed directly (shifts and
    masks, no array views, no branches) and x/h as x·(1/h); otherwise the same nodes and the same arithmetic."""
    m = nt * TILE
    gx = x * inv_h
    gy = y * inv_h
    gz = z * inv_h
    # 0 ≤ g ≤ m: truncation is the floor; where g rounds up to m the cell m − 1 with fraction 1 gives the same
    # value as cell 0 with fraction 0 (its upper face is the wrapped node plane, the other term is multiplied by 0)
    i0 = min(int(gx), m - 1)
    j0 = min(int(gy), m - 1)
    k0 = min(int(gz), m - 1)
    fx = gx - i0
    fy = gy - j0
    fz = gz - k0
    p = ((((i0 >> _TSH) * nt + (j0 >> _TSH)) * nt + (k0 >> _TSH)) * _T3 + (i0 & _TMASK) * _T2 + (j0 & _TMASK) * _T1
         + (k0 & _TMASK))
    hz = 1.0 - fz
    hy = 1.0 - fy
    c00 = tflat[p] * hz + tflat[p + 1] * fz
    c01 = tflat[p + _T1] * hz + tflat[p + _T1 + 1] * fz
    c10 = tflat[p + _T2] * hz + tflat[p + _T2 + 1] * fz
    c11 = tflat[p + _T2 + _T1] * hz + tflat[p + _T2 + _T1 + 1] * fz
    return (c00 * hy + c01 * fy) * (1.0 - fx) + (c10 * hy + c11 * fy) * fx


@njit(error_model="numpy")
def near_term(s, dz, s0, inv_ds, tab_a, tab_b, r3):
    """Short-range field R³ ∂²_z(erfc(αr)/r) at squared distance s (linear interpolation in s)."""
    g = (s - s0) * inv_ds
    if g < 0.0:
        g = 0.0
    i = int(g)
    if i >= tab_a.shape[0] - 1:
        i = tab_a.shape[0] - 2
    f = g - i
    a = tab_a[i] + (tab_a[i + 1] - tab_a[i]) * f
    b = tab_b[i] + (tab_b[i + 1] - tab_b[i]) * f
    return r3 * (a * s + b * dz * dz) / (s * s * math.sqrt(s))


@njit(error_model="numpy", inline="always")
def near_term_in_range(s, dz, s0, inv_ds, tab_a, tab_b, r3):
    """:func:`near_term` for (0.9R)² ≤ s < rc², where its clamps never act (s0 = (0.9R)², the table ends above rc²):
    the walker calls it only for points outside every sphere (s ≥ R², up to round-off) and within the cutoff."""
    g = (s - s0) * inv_ds
    i = int(g)
    f = g - i
    a = tab_a[i] + (tab_a[i + 1] - tab_a[i]) * f
    b = tab_b[i] + (tab_b[i + 1] - tab_b[i]) * f
    return r3 * (a * s + b * dz * dz) / (s * s * math.sqrt(s))


@njit
def build_neighbours(x, y, z, centers, box, cell_start, cell_items, ncell, reach2, out):
    """Indices of spheres within sqrt(reach2) of (x, y, z) (minimum image) into ``out``; returns the count."""
    n = 0
    if ncell < 3:
        for k in range(centers.shape[0]):
            dx = min_image(x - centers[k, 0], box)
            dy = min_image(y - centers[k, 1], box)
            dz = min_image(z - centers[k, 2], box)
            if dx * dx + dy * dy + dz * dz < reach2:
                out[n] = k
                n += 1
        return n
    cs = box / ncell
    ix = int(x / cs) % ncell
    iy = int(y / cs) % ncell
    iz = int(z / cs) % ncell
    for ox in range(-1, 2):
        for oy in range(-1, 2):
            for oz in range(-1, 2):
                cell = (((ix + ox) % ncell) * ncell + (iy + oy) % ncell) * ncell + (iz + oz) % ncell
                for p in range(cell_start[cell], cell_start[cell + 1]):
                    k = cell_items[p]
                    dx = min_image(x - centers[k, 0], box)
                    dy = min_image(y - centers[k, 1], box)
                    dz = min_image(z - centers[k, 2], box)
                    if dx * dx + dy * dy + dz * dz < reach2:
                        out[n] = k
                        n += 1
    return n


@njit
def build_stencils(centers, box, cell_start, cell_items, ncell):
    """Per-cell candidate lists for neighbour-list rebuilds, flattened into contiguous arrays.

    For each cell (C order), the spheres of its 27 neighbour cells in the order :func:`build_neighbours` visits
    them, with the centre of the image on the cell's side of the periodic boundary (shift 0 or ±box per axis).
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


@njit(error_model="numpy")
def gather_neighbours(x, y, z, cs, ncell, st_start, st_item, st_x, st_y, st_z, reach2, out, cx, cy, cz):
    """Neighbour list from the cell's precomputed stencil (:func:`build_stencils`): indices into ``out``, image
    centres into ``cx``, ``cy``, ``cz``; returns the count. Same spheres, order and image centres as
    :func:`build_neighbour_images` (the reach test differs from it only by float round-off)."""
    ix = int(x / cs) % ncell  # the same cell as build_neighbours
    iy = int(y / cs) % ncell
    iz = int(z / cs) % ncell
    c = (ix * ncell + iy) * ncell + iz
    n = 0
    for p in range(st_start[c], st_start[c + 1]):
        dx = x - st_x[p]
        dy = y - st_y[p]
        dz = z - st_z[p]
        if dx * dx + dy * dy + dz * dz < reach2:
            out[n] = st_item[p]
            cx[n] = st_x[p]
            cy[n] = st_y[p]
            cz[n] = st_z[p]
            n += 1
    return n


@njit(error_model="numpy")
def build_neighbour_images(x, y, z, centers, box, cell_start, cell_items, ncell, reach2, out, cx, cy, cz):
    """:func:`build_neighbours` plus, for each listed sphere, the centre of its image nearest to (x, y, z).

    The image centres (``cx``, ``cy``, ``cz``: contiguous arrays) let the step loop use plain differences instead
    of minimum-image wraps; they stay the nearest images while the proton moves less than the skin, because
    cutoff + skin < box/2 (so no second image can come within the cutoff).
    """
    n = build_neighbours(x, y, z, centers, box, cell_start, cell_items, ncell, reach2, out)
    half = 0.5 * box
    for q in range(n):
        k = out[q]
        a = centers[k, 0]
        d = x - a
        if d > half:
            a += box
        elif d < -half:
            a -= box
        cx[q] = a
        a = centers[k, 1]
        d = y - a
        if d > half:
            a += box
        elif d < -half:
            a -= box
        cy[q] = a
        a = centers[k, 2]
        d = z - a
        if d > half:
            a += box
        elif d < -half:
            a -= box
        cz[q] = a
    return n


@njit(error_model="numpy")
def min_image(d, box):
    """Minimum-image wrap of a coordinate difference known to lie in (−box, box)."""
    if d > 0.5 * box:
        return d - box
    if d < -0.5 * box:
        return d + box
    return d


@njit(error_model="numpy")
def _inside(x, y, z, centers, box, nbr, n_nbr, r2):
    """Index of the sphere containing (x, y, z) (minimum image), or −1."""
    for q in range(n_nbr):
        k = nbr[q]
        dx = min_image(x - centers[k, 0], box)
        dy = min_image(y - centers[k, 1], box)
        dz = min_image(z - centers[k, 2], box)
        if dx * dx + dy * dy + dz * dz < r2:
            return k
    return -1


@njit(error_model="numpy")
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


@njit(parallel=True, error_model="numpy")
def walk(pos0, seed, centers, box, radius, cell_start, cell_items, ncell, st_start, st_item, st_x, st_y, st_z,
         list_cap, rc2, skin, s0, inv_ds, tab_a, tab_b, tiles, h, step_half_width, phase_per_step,
         n_steps, sample_every, n_tau, fid, cpmg, hahn, echoes, msd, pos_out):
    """Random walks of all protons; accumulates cos/sin sums per chunk (see module docstring).

    fid, cpmg, hahn: (N_CHUNKS, n_samples, 2); echoes: (N_CHUNKS, n_echoes, 2); msd: (N_CHUNKS, n_samples);
    pos_out: (N, 3) final positions. st_*: the per-cell stencils of :func:`build_stencils` (used when ncell ≥ 3;
    pass empty arrays for brute force). tiles: the far-field grid in tiles (``geometry.tile_grid``).
    """
    n_prot = pos0.shape[0]
    n_samples = fid.shape[1]
    r2 = radius * radius
    r3 = radius * r2
    reach2 = (math.sqrt(rc2) + skin) ** 2
    skin2 = skin * skin
    cs = box / ncell if ncell > 0 else box
    use_stencil = ncell >= 3
    nt = tiles.shape[0]
    tflat = tiles.ravel()
    inv_h = 1.0 / h
    per = (n_prot + N_CHUNKS - 1) // N_CHUNKS
    for ch in prange(N_CHUNKS):
        nbr = np.empty(list_cap, dtype=np.int64)
        ncx = np.empty(list_cap)  # image centres of the listed spheres (contiguous, per thread)
        ncy = np.empty(list_cap)
        ncz = np.empty(list_cap)
        hist = np.empty(n_samples)
        for i in range(ch * per, min(n_prot, (ch + 1) * per)):
            x = pos0[i, 0]
            y = pos0[i, 1]
            z = pos0[i, 2]
            state = mix64(seed + np.uint64(i) * GOLDEN)
            if use_stencil:
                n_nbr = gather_neighbours(x, y, z, cs, ncell, st_start, st_item, st_x, st_y, st_z, reach2, nbr,
                                          ncx, ncy, ncz)
            else:
                n_nbr = build_neighbour_images(x, y, z, centers, box, cell_start, cell_items, ncell, reach2, nbr,
                                               ncx, ncy, ncz)
            ux = 0.0
            uy = 0.0
            uz = 0.0
            vx = 0.0
            vy = 0.0
            vz = 0.0
            ph = 0.0
            phc = 0.0
            sign = 1.0
            tau_count = 0
            odd = True
            e = 0
            sample_count = 0
            j = 0
            fid[ch, 0, 0] += 1.0
            cpmg[ch, 0, 0] += 1.0
            hahn[ch, 0, 0] += 1.0
            hist[0] = 0.0
            if echoes.shape[1] > 0:
                echoes[ch, 0, 0] += 1.0
            for _ in range(n_steps):
                state += GOLDEN
                u1, u2, u3 = _uniforms(mix64(state))
                sx = (2.0 * u1 - 1.0) * step_half_width
                sy = (2.0 * u2 - 1.0) * step_half_width
                sz = (2.0 * u3 - 1.0) * step_half_width
                # distances to the proposed point: the inside test and (if no sphere is hit) the field
                qx = x + sx
                qy = y + sy
                qz = z + sz
                k = -1
                w = 0.0
                for q in range(n_nbr):
                    dx = qx - ncx[q]
                    dy = qy - ncy[q]
                    dz = qz - ncz[q]
                    s = dx * dx + dy * dy + dz * dz
                    if s < r2:
                        k = nbr[q]
                        break
                    if s < rc2:
                        w += near_term_in_range(s, dz, s0, inv_ds, tab_a, tab_b, r3)
                hit = k >= 0
                nref = 0
                while k >= 0:
                    if nref == MAX_REFLECTIONS:
                        sx = 0.0
                        sy = 0.0
                        sz = 0.0
                        break
                    sx, sy, sz = reflect_step(x, y, z, sx, sy, sz, k, centers, box, radius)
                    nref += 1
                    k = _inside(x + sx, y + sy, z + sz, centers, box, nbr, n_nbr, r2)
                x += sx
                y += sy
                z += sz
                if x >= box:
                    x -= box
                    for q in range(n_nbr):
                        ncx[q] -= box
                elif x < 0.0:
                    x += box
                    for q in range(n_nbr):
                        ncx[q] += box
                if y >= box:
                    y -= box
                    for q in range(n_nbr):
                        ncy[q] -= box
                elif y < 0.0:
                    y += box
                    for q in range(n_nbr):
                        ncy[q] += box
                if z >= box:
                    z -= box
                    for q in range(n_nbr):
                        ncz[q] -= box
                elif z < 0.0:
                    z += box
                    for q in range(n_nbr):
                        ncz[q] += box
                ux += sx
                uy += sy
                uz += sz
                vx += sx
                vy += sy
                vz += sz
                rebuilt = vx * vx + vy * vy + vz * vz >= skin2
                if rebuilt:
                    if use_stencil:
                        n_nbr = gather_neighbours(x, y, z, cs, ncell, st_start, st_item, st_x, st_y, st_z, reach2,
                                                  nbr, ncx, ncy, ncz)
                    else:
                        n_nbr = build_neighbour_images(x, y, z, centers, box, cell_start, cell_items, ncell, reach2,
                                                       nbr, ncx, ncy, ncz)
                    vx = 0.0
                    vy = 0.0
                    vz = 0.0
                if hit or rebuilt:  # the field at the final point, from the (new) list
                    w = 0.0
                    for q in range(n_nbr):
                        dx = x - ncx[q]
                        dy = y - ncy[q]
                        dz = z - ncz[q]
                        s = dx * dx + dy * dy + dz * dz
                        if s < rc2:
                            w += near_term_in_range(s, dz, s0, inv_ds, tab_a, tab_b, r3)
                w += far_field_flat(tflat, nt, inv_h, x, y, z)
                dph = phase_per_step * w
                ph += dph
                phc += sign * dph
                if n_tau > 0:
                    tau_count += 1
                    if tau_count == n_tau:  # ideal 180° pulse at τ_CP (2j + 1); echo at 2jτ_CP
                        tau_count = 0
                        if odd:
                            sign = -sign
                        else:
                            e += 1
                            echoes[ch, e, 0] += math.cos(phc)
                            echoes[ch, e, 1] += math.sin(phc)
                        odd = not odd
                sample_count += 1
                if sample_count == sample_every:
                    sample_count = 0
                    j += 1
                    hist[j] = ph
                    fid[ch, j, 0] += math.cos(ph)
                    fid[ch, j, 1] += math.sin(ph)
                    cpmg[ch, j, 0] += math.cos(phc)
                    cpmg[ch, j, 1] += math.sin(phc)
                    msd[ch, j] += ux * ux + uy * uy + uz * uz
                    if j % 2 == 0:  # Hahn echo at TE = t_j, pulse at t_j/2: φ(TE) − 2 φ(TE/2)
                        he = ph - 2.0 * hist[j // 2]
                        hahn[ch, j, 0] += math.cos(he)
                        hahn[ch, j, 1] += math.sin(he)
            pos_out[i, 0] = x
            pos_out[i, 1] = y
            pos_out[i, 2] = z
