"""Numba kernels of the Monte Carlo simulator (no validation, no I/O; valid plain Python without numba).

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
    p = ((i * m + j) * m + k) * 16
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
         list_cap, rc2, skin, co, rec, m, h, step_half_width, phase_per_step,
         n_steps, sample_every, n_tau, fid, cpmg, hahn, echoes, msd, pos_out):
    """Random walks of all protons; accumulates cos/sin sums per chunk (see module docstring).

    fid, cpmg, hahn: (N_CHUNKS, n_samples, 2); echoes: (N_CHUNKS, n_echoes, 2); msd: (N_CHUNKS, n_samples);
    pos_out: (N, 3) final positions. st_*: the per-cell stencils of :func:`build_stencils` (used when ncell ≥ 3;
    pass empty arrays for brute force). rc2: the squared cutoff a²; co: ``geometry.near_coefficients``; rec, m, h:
    the flattened long-range records (``FieldModel.taylor.reshape(-1)``), nodes per side and spacing.
    """
    n_prot = pos0.shape[0]
    n_samples = fid.shape[1]
    r2 = radius * radius
    r3 = radius * r2
    reach2 = (math.sqrt(rc2) + skin) ** 2
    skin2 = skin * skin
    cs = box / ncell if ncell > 0 else box
    use_stencil = ncell >= 3
    a0 = co[0]
    a1 = co[1]
    a2 = co[2]
    b0 = co[3]
    b1 = co[4]
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
                        w += near_term(s, dz, r3, a0, a1, a2, b0, b1)
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
                            w += near_term(s, dz, r3, a0, a1, a2, b0, b1)
                w += far_field(rec, m, inv_h, h, x, y, z)
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
