"""Numba kernels that build the IBSI 1 texture matrices in one pass over the ROI voxels.

Private module: no validation, no logging, no I/O. Every kernel takes a cropped ``int32`` grey-level volume
``disc`` indexed ``(z, y, x)`` with grey levels ``1..n_levels`` inside the ROI and ``0`` outside, and fills
preallocated arrays. Voxels outside the array count as outside the ROI. The kernels are compiled with
:func:`ferrokit._shared.numba.njit` and also run (slowly) as plain Python, which the tests check.

Direction offsets are ``(dz, dy, dx)`` rows; by convention the first ``n_inplane`` rows have ``dz == 0`` and
are accumulated per slice (for the 2D / 2.5D aggregations), the remaining rows are accumulated over the
whole volume (they only enter the 3D aggregations, together with the per-slice in-plane matrices summed
over slices).
"""

from __future__ import annotations

import numpy as np

from ferrokit._shared.numba import njit


@njit
def cooccurrence_counts(disc, offsets, n_inplane, n_levels):  # pragma: no cover - compiled
    """Symmetric grey level co-occurrence counts for each direction (IBSI GLCM, M_m = M_m+ + M_m+^T).

    Returns ``(per_slice, volume)``: ``per_slice[z, d]`` for the in-plane offsets ``d < n_inplane`` and
    ``volume[d - n_inplane]`` for the out-of-plane ones; each an ``n_levels x n_levels`` count matrix.
    """
    nz, ny, nx = disc.shape
    n_off = offsets.shape[0]
    per_slice = np.zeros((nz, n_inplane, n_levels, n_levels), dtype=np.int64)
    volume = np.zeros((n_off - n_inplane, n_levels, n_levels), dtype=np.int64)
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                a = disc[z, y, x]
                if a <= 0:
                    continue
                for d in range(n_off):
                    zz = z + offsets[d, 0]
                    yy = y + offsets[d, 1]
                    xx = x + offsets[d, 2]
                    if zz < 0 or zz >= nz or yy < 0 or yy >= ny or xx < 0 or xx >= nx:
                        continue
                    b = disc[zz, yy, xx]
                    if b <= 0:
                        continue
                    if d < n_inplane:
                        per_slice[z, d, a - 1, b - 1] += 1
                        per_slice[z, d, b - 1, a - 1] += 1
                    else:
                        volume[d - n_inplane, a - 1, b - 1] += 1
                        volume[d - n_inplane, b - 1, a - 1] += 1
    return per_slice, volume


@njit
def run_length_counts(disc, offsets, n_inplane, n_levels, max_run):  # pragma: no cover - compiled
    """Grey level run length counts ``r[i, j]`` (level ``i + 1``, run length ``j + 1``) for each direction.

    A run starts at a ROI voxel whose predecessor along ``-m`` is outside the ROI or has another grey level;
    it is followed along ``+m`` while the grey level stays the same. Same output layout as
    :func:`cooccurrence_counts`, with ``max_run`` columns.
    """
    nz, ny, nx = disc.shape
    n_off = offsets.shape[0]
    per_slice = np.zeros((nz, n_inplane, n_levels, max_run), dtype=np.int64)
    volume = np.zeros((n_off - n_inplane, n_levels, max_run), dtype=np.int64)
    for d in range(n_off):
        dz = offsets[d, 0]
        dy = offsets[d, 1]
        dx = offsets[d, 2]
        for z in range(nz):
            for y in range(ny):
                for x in range(nx):
                    a = disc[z, y, x]
                    if a <= 0:
                        continue
                    pz = z - dz
                    py = y - dy
                    px = x - dx
                    if 0 <= pz < nz and 0 <= py < ny and 0 <= px < nx and disc[pz, py, px] == a:
                        continue  # not the first voxel of its run
                    length = 1
                    qz = z + dz
                    qy = y + dy
                    qx = x + dx
                    while 0 <= qz < nz and 0 <= qy < ny and 0 <= qx < nx and disc[qz, qy, qx] == a:
                        length += 1
                        qz += dz
                        qy += dy
                        qx += dx
                    if d < n_inplane:
                        per_slice[z, d, a - 1, length - 1] += 1
                    else:
                        volume[d - n_inplane, a - 1, length - 1] += 1
    return per_slice, volume


@njit
def border_distance(roi, planar):  # pragma: no cover - compiled
    """Manhattan (L1) distance of each ROI voxel to the nearest non-ROI voxel; 0 outside the ROI.

    Voxels outside the array are non-ROI, so a voxel on the ROI edge has distance 1 (IBSI GLDZM). With
    ``planar`` the distance is measured within each slice (4-connected steps), otherwise in 3D (6-connected
    steps). Two raster passes of the city-block chamfer are exact for the L1 norm; this equals the IBSI
    iterative-erosion definition (a voxel that survives k erosions with the cross element has distance k + 1).
    """
    nz, ny, nx = roi.shape
    big = nz + ny + nx + 2
    dist = np.zeros((nz, ny, nx), dtype=np.int32)
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                if not roi[z, y, x]:
                    continue
                best = big
                if not planar:
                    v = dist[z - 1, y, x] + 1 if z > 0 else 1
                    best = min(best, v)
                v = dist[z, y - 1, x] + 1 if y > 0 else 1
                best = min(best, v)
                v = dist[z, y, x - 1] + 1 if x > 0 else 1
                best = min(best, v)
                dist[z, y, x] = best
    for z in range(nz - 1, -1, -1):
        for y in range(ny - 1, -1, -1):
            for x in range(nx - 1, -1, -1):
                if not roi[z, y, x]:
                    continue
                best = dist[z, y, x]
                if not planar:
                    v = dist[z + 1, y, x] + 1 if z < nz - 1 else 1
                    best = min(best, v)
                v = dist[z, y + 1, x] + 1 if y < ny - 1 else 1
                best = min(best, v)
                v = dist[z, y, x + 1] + 1 if x < nx - 1 else 1
                best = min(best, v)
                dist[z, y, x] = best
    return dist


@njit
def zone_table(disc, dist, planar):  # pragma: no cover - compiled
    """Zones of linked voxels with the same grey level (IBSI GLSZM / GLDZM).

    Voxels are linked with 8-connectedness within a slice (``planar``) or 26-connectedness in 3D. Returns
    ``(level, size, min_dist, slice_index)`` per zone: grey level, number of voxels, smallest value of
    ``dist`` over the zone's voxels, and the slice of its first voxel (meaningful for planar zones).
    """
    nz, ny, nx = disc.shape
    n_vox = nz * ny * nx
    visited = np.zeros((nz, ny, nx), dtype=np.bool_)
    stack = np.empty((n_vox, 3), dtype=np.int64)
    level = np.empty(n_vox, dtype=np.int64)
    size = np.empty(n_vox, dtype=np.int64)
    min_dist = np.empty(n_vox, dtype=np.int64)
    slice_index = np.empty(n_vox, dtype=np.int64)
    dz_lo = 0 if planar else -1
    dz_hi = 0 if planar else 1
    n_zones = 0
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                a = disc[z, y, x]
                if a <= 0 or visited[z, y, x]:
                    continue
                visited[z, y, x] = True
                stack[0, 0] = z
                stack[0, 1] = y
                stack[0, 2] = x
                top = 1
                count = 0
                dmin = dist[z, y, x]
                while top > 0:
                    top -= 1
                    cz = stack[top, 0]
                    cy = stack[top, 1]
                    cx = stack[top, 2]
                    count += 1
                    if dist[cz, cy, cx] < dmin:
                        dmin = dist[cz, cy, cx]
                    for mz in range(dz_lo, dz_hi + 1):
                        qz = cz + mz
                        if qz < 0 or qz >= nz:
                            continue
                        for my in range(-1, 2):
                            qy = cy + my
                            if qy < 0 or qy >= ny:
                                continue
                            for mx in range(-1, 2):
                                qx = cx + mx
                                if qx < 0 or qx >= nx:
                                    continue
                                if visited[qz, qy, qx] or disc[qz, qy, qx] != a:
                                    continue
                                visited[qz, qy, qx] = True
                                stack[top, 0] = qz
                                stack[top, 1] = qy
                                stack[top, 2] = qx
                                top += 1
                level[n_zones] = a
                size[n_zones] = count
                min_dist[n_zones] = dmin
                slice_index[n_zones] = z
                n_zones += 1
    return level[:n_zones].copy(), size[:n_zones].copy(), min_dist[:n_zones].copy(), slice_index[:n_zones].copy()


@njit
def ngtdm_sums(disc, n_levels, delta):  # pragma: no cover - compiled
    """Neighbourhood grey tone difference sums (IBSI NGTDM), 2D per slice and 3D, in one pass.

    For each ROI voxel of level ``i`` the neighbourhood mean excludes the voxel itself and counts only ROI
    neighbours within Chebyshev distance ``delta``; voxels without ROI neighbours are skipped. Returns
    ``(s2d[z, i], n2d[z, i], s3d[i], n3d[i])`` with ``s`` the summed ``|i - mean|`` and ``n`` the voxel counts.
    """
    nz, ny, nx = disc.shape
    s2d = np.zeros((nz, n_levels), dtype=np.float64)
    n2d = np.zeros((nz, n_levels), dtype=np.int64)
    s3d = np.zeros(n_levels, dtype=np.float64)
    n3d = np.zeros(n_levels, dtype=np.int64)
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                a = disc[z, y, x]
                if a <= 0:
                    continue
                sum_in = 0.0
                cnt_in = 0
                sum_out = 0.0
                cnt_out = 0
                for mz in range(-delta, delta + 1):
                    qz = z + mz
                    if qz < 0 or qz >= nz:
                        continue
                    for my in range(-delta, delta + 1):
                        qy = y + my
                        if qy < 0 or qy >= ny:
                            continue
                        for mx in range(-delta, delta + 1):
                            qx = x + mx
                            if qx < 0 or qx >= nx:
                                continue
                            if mz == 0 and my == 0 and mx == 0:
                                continue
                            b = disc[qz, qy, qx]
                            if b <= 0:
                                continue
                            if mz == 0:
                                sum_in += b
                                cnt_in += 1
                            else:
                                sum_out += b
                                cnt_out += 1
                if cnt_in > 0:
                    s2d[z, a - 1] += abs(a - sum_in / cnt_in)
                    n2d[z, a - 1] += 1
                if cnt_in + cnt_out > 0:
                    s3d[a - 1] += abs(a - (sum_in + sum_out) / (cnt_in + cnt_out))
                    n3d[a - 1] += 1
    return s2d, n2d, s3d, n3d


@njit
def ngldm_counts(disc, n_levels, delta, alpha):  # pragma: no cover - compiled
    """Neighbouring grey level dependence counts (IBSI NGLDM), 2D per slice and 3D, in one pass.

    Dependence ``j = 1 +`` the number of ROI neighbours within Chebyshev distance ``delta`` whose grey level
    differs by at most ``alpha``. Every ROI voxel is a centre. Returns ``(m2d[z, i, j - 1], m3d[i, j - 1])``.
    """
    nz, ny, nx = disc.shape
    w = 2 * delta + 1
    m2d = np.zeros((nz, n_levels, w * w), dtype=np.int64)
    m3d = np.zeros((n_levels, w * w * w), dtype=np.int64)
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                a = disc[z, y, x]
                if a <= 0:
                    continue
                dep_in = 0
                dep_out = 0
                for mz in range(-delta, delta + 1):
                    qz = z + mz
                    if qz < 0 or qz >= nz:
                        continue
                    for my in range(-delta, delta + 1):
                        qy = y + my
                        if qy < 0 or qy >= ny:
                            continue
                        for mx in range(-delta, delta + 1):
                            qx = x + mx
                            if qx < 0 or qx >= nx:
                                continue
                            if mz == 0 and my == 0 and mx == 0:
                                continue
                            b = disc[qz, qy, qx]
                            if b <= 0 or abs(a - b) > alpha:
                                continue
                            if mz == 0:
                                dep_in += 1
                            else:
                                dep_out += 1
                m2d[z, a - 1, dep_in] += 1
                m3d[a - 1, dep_in + dep_out] += 1
    return m2d, m3d
