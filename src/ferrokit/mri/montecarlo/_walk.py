"""Lane-parallel walker of the Monte Carlo simulator: ``LANES`` protons are stepped together so that LLVM
vectorises across protons (AVX-512 on this project's machines). Per proton it performs the plain algorithm —
the same operations in the same order, no fastmath — and it equals the NumPy reference (:mod:`._reference`)
to round-off (the order in which chunk sums and listed near-field terms are added) for non-overlapping spheres.
(With overlapping spheres a point can lie in two at once; the walker reflects from the first one listed, so the
path depends on the list order and the rebuild times.)

How the hot loops vectorise (checked with ``inspect_asm``; docs/mri_montecarlo.md, Performance):

* the lane count is a compile-time constant (``LANES`` = 16; with 8 LLVM unrolls the lane loops and then does
  not vectorise them);
* all per-lane float state lives in one 1-D buffer ``S`` at constant offsets (field · L + lane), the integer
  state in ``IS`` (LLVM proves the fields disjoint; separate arrays need bulky run-time alias checks, 2-D arrays
  do not vectorise);
* the neighbour lists are lane-major (entry q of lane l at q · L + l), padded with centres at ``FAR_AWAY``
  whose tests fail and whose near-field term is selected away (it adds exactly +0.0);
* lane loops hold no calls and no data-dependent branches; rare per-lane events (a reflection, a periodic
  wrap, a list rebuild) are counted there (integer reductions vectorise) and handled afterwards in scalar code;
  every helper of those rare paths is inlined (``inline="always"``): a call anywhere in the step loop, even on
  a rare path, cost ≈ 12 % of the whole step (20.1 against 17.8 ns);
* a list level pays the division and square root only when some lane is inside the cutoff;
* each lane's list is valid for its own skin: the distance to the nearest candidate left out, or to the edge
  of the cells searched, minus the cutoff (never less than the model's skin), so lists are rebuilt less often;
* the far-field records of the 16 lanes (line-aligned) are read with one 64-byte load each and transposed
  in registers (:func:`far_field_lanes`, an LLVM intrinsic: LLVM emits no gathers for this CPU, and Zen 4
  gathers are no faster than scalar loads); the path does not depend on the field, so each lane draws its next
  step one step ahead (the same random stream, in the same order) and the record at the predicted next end
  point is *prefetched* a full step before it is read, which hides the cache misses on the grid.
"""

from __future__ import annotations

import math

import numpy as np

from ferrokit._shared.numba import HAVE_NUMBA, njit
from ferrokit.mri.montecarlo._kernels import (
    GOLDEN,
    MAX_REFLECTIONS,
    N_CHUNKS,
    _uniforms,
    min_image,
    mix64,
    near_term,
    reflect_step,
    taylor_value,
)

if HAVE_NUMBA:
    from llvmlite import ir
    from numba import prange
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic
    def prefetch(typingctx, arr, idx):
        """Prefetch ``&arr[idx]`` into all cache levels (``llvm.prefetch``: read, locality 3, data); a hint
        that never faults and changes no result."""
        if not isinstance(arr, types.Array) or not isinstance(idx, types.Integer):
            return None
        sig = types.void(arr, idx)

        def codegen(context, builder, signature, args):
            aryty = signature.args[0]
            ary = context.make_array(aryty)(context, builder, args[0])
            ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)
            i8p = ir.IntType(8).as_pointer()
            i32 = ir.IntType(32)
            fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
            fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
            builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3),
                              ir.Constant(i32, 1)])
            return context.get_dummy_value()

        return sig, codegen

    def _transpose(builder, rows, need):
        """The first ``need`` columns of the 16 × 16 matrix whose rows are the <16 x float> values ``rows``:
        four butterfly stages, each swapping the off-diagonal blocks of size 8, 4, 2, 1 (2-source shuffles)."""
        a = list(rows)
        mask_ty = ir.VectorType(ir.IntType(32), 16)
        for b in (8, 4, 2, 1):
            out = list(a)
            for r in range(16):
                if r & b:
                    continue
                lo = [c if (c & b) == 0 else 16 + (c ^ b) for c in range(16)]
                hi = [(c ^ b) if (c & b) == 0 else 16 + c for c in range(16)]
                out[r] = builder.shuffle_vector(a[r], a[r | b], ir.Constant(mask_ty, lo))
                out[r | b] = builder.shuffle_vector(a[r], a[r | b], ir.Constant(mask_ty, hi))
            a = out
        return a[:need]

    @intrinsic
    def far_field_lanes(typingctx, rec, IS, S, pidx, dxo, ffo):
        """``S[ffo + l]`` = Taylor value of record ``rec[IS[pidx + l]:+16]`` at offset ``S[dxo + l]``,
        ``S[dxo + L + l]``, ``S[dxo + 2L + l]`` for the 16 lanes l: the arithmetic of :func:`._kernels.far_field` (same
        operations, same order, float32 coefficients widened exactly), on <16 x double> vectors."""
        def flat(a, dtype):
            return isinstance(a, types.Array) and a.dtype == dtype and a.ndim == 1 and a.layout == "C"

        if not (flat(rec, types.float32) and flat(IS, types.int64) and flat(S, types.float64) and LANES == 16
                and all(isinstance(v, types.Integer) for v in (pidx, dxo, ffo))):
            return None
        sig = types.void(rec, IS, S, pidx, dxo, ffo)

        def codegen(context, builder, signature, args):
            rec_t, is_t, s_t = signature.args[:3]
            rec_a = context.make_array(rec_t)(context, builder, args[0])
            is_a = context.make_array(is_t)(context, builder, args[1])
            s_a = context.make_array(s_t)(context, builder, args[2])
            i64 = ir.IntType(64)
            vf32 = ir.VectorType(ir.FloatType(), 16)
            vf64 = ir.VectorType(ir.DoubleType(), 16)

            def at(ary_t, ary, idx):
                return cgutils.get_item_pointer(context, builder, ary_t, ary, [idx], wraparound=False)

            def vec_s(idx):  # <16 x double> at S[idx:idx + 16]
                return builder.load(builder.bitcast(at(s_t, s_a, idx), vf64.as_pointer()), align=8)

            rows = []
            for ln in range(16):
                p = builder.load(at(is_t, is_a, builder.add(args[3], ir.Constant(i64, ln))))
                rows.append(builder.load(builder.bitcast(at(rec_t, rec_a, p), vf32.as_pointer()), align=4))
            r = [builder.fpext(c, vf64) for c in _transpose(builder, rows, 10)]
            dx = vec_s(args[4])
            dy = vec_s(builder.add(args[4], ir.Constant(i64, 16)))
            dz = vec_s(builder.add(args[4], ir.Constant(i64, 32)))
            mul, add = builder.fmul, builder.fadd
            # (w + gx dx + gy dy + gz dz) + dx (hxx dx + hxy dy + hxz dz) + dy (hyy dy + hyz dz) + hzz dz dz
            t = add(add(add(r[0], mul(r[1], dx)), mul(r[2], dy)), mul(r[3], dz))
            t = add(t, mul(dx, add(add(mul(r[4], dx), mul(r[7], dy)), mul(r[8], dz))))
            t = add(t, mul(dy, add(mul(r[5], dy), mul(r[9], dz))))
            t = add(t, mul(mul(r[6], dz), dz))
            builder.store(t, builder.bitcast(at(s_t, s_a, args[5]), vf64.as_pointer()), align=8)
            return context.get_dummy_value()

        return sig, codegen
else:  # pragma: no cover - plain Python fallback
    prange = range

    def prefetch(arr, idx):
        """No-op without numba."""

    def far_field_lanes(rec, IS, S, pidx, dxo, ffo):
        """Plain-Python version of the intrinsic (the same arithmetic, lane by lane)."""
        for ln in range(LANES):
            S[ffo + ln] = taylor_value(rec, IS[pidx + ln], S[dxo + ln], S[dxo + LANES + ln], S[dxo + 2 * LANES + ln])


LANES = 16  # protons stepped together: exactly 16 (far_field_lanes transposes 16 × 16; see the module docstring)
FAR_AWAY = 1.0e30  # padding centre of the lane-major neighbour lists
# offsets of the per-lane fields in the float buffer S (field k of lane ln at k · LANES + ln)
(X, Y, Z,  # position
 SX, SY, SZ,  # this step (after reflection)
 NSX, NSY, NSZ,  # next step, drawn one step ahead (for the prefetch)
 QX, QY, QZ,  # trial end point x + s
 UX, UY, UZ,  # total displacement (msd)
 VX, VY, VZ,  # displacement since the last list rebuild
 PH, PHC,  # phase, CPMG phase
 W, FF, WT,  # near-field sum, far-field value, lane weight (0 for padding lanes)
 DX, DY, DZ,  # offset from the nearest grid node
 SK2) = (k * LANES for k in range(27))  # squared skin of the lane's list
_NF = 27
# offsets in the int buffer IS: list length, hit count, rebuild flag, node record index, prefetch index
NN, HIT, FLAG, PIDX, PF = (k * LANES for k in range(5))
_NI = 5
L = LANES


@njit(error_model="numpy", inline="always")
def _step(z, step_half_width):
    """The three per-axis step components (2u − 1)·√3σ from one splitmix64 output."""
    u1, u2, u3 = _uniforms(z)
    return (2.0 * u1 - 1.0) * step_half_width, (2.0 * u2 - 1.0) * step_half_width, (2.0 * u3 - 1.0) * step_half_width


@njit(error_model="numpy", inline="always")
def _lane_list(x, y, z, cs, ncell, st_start, st_item, st_x, st_y, st_z, reach2, acut, nbr, cx, cy, cz, ln, L, n_old):
    """Neighbour list of lane ``ln`` from its cell's stencil into the lane-major lists (entry q at q·L + ln);
    entries sorted by distance; pads entries [n, n_old) with FAR_AWAY (entries ≥ n_old are padding already).

    Returns n and the list's squared skin: every image not listed is at least d_out from (x, y, z) (the nearest
    candidate beyond ``reach``, or the edge of the stencil's cells), so all images within the cutoff ``acut`` of
    any point less than d_out − acut away are listed. d_out ≥ reach, so this skin is never below the model's.
    """
    ix = min(int(x / cs), ncell - 1)  # 0 ≤ x ≤ box: x = box (a wrap that rounds up) stays in the last cell
    iy = min(int(y / cs), ncell - 1)
    iz = min(int(z / cs), ncell - 1)
    c = (ix * ncell + iy) * ncell + iz
    # the stencil holds every sphere image inside the 3×3×3 block of cells about this one: images left out lie
    # beyond the block's boundary, at least ``bound`` (≥ cs ≥ reach) from (x, y, z)
    fx = x - ix * cs
    fy = y - iy * cs
    fz = z - iz * cs
    bound = cs + max(0.0, min(min(fx, cs - fx), min(min(fy, cs - fy), min(fz, cs - fz))))
    out2 = bound * bound  # squared distance to the nearest image not listed
    n = 0
    for p in range(st_start[c], st_start[c + 1]):
        dx = x - st_x[p]
        dy = y - st_y[p]
        dz = z - st_z[p]
        d2 = dx * dx + dy * dy + dz * dz
        if d2 >= reach2:
            out2 = min(out2, d2)
        else:
            # insertion by distance: near spheres first, so that the upper list levels rarely hold a sphere
            # within the cutoff and skip the division and square root for all lanes
            q = n
            while q > 0:
                o1 = (q - 1) * L + ln
                ex = x - cx[o1]
                ey = y - cy[o1]
                ez = z - cz[o1]
                if ex * ex + ey * ey + ez * ez <= d2:
                    break
                o = q * L + ln
                nbr[o] = nbr[o1]
                cx[o] = cx[o1]
                cy[o] = cy[o1]
                cz[o] = cz[o1]
                q -= 1
            o = q * L + ln
            nbr[o] = st_item[p]
            cx[o] = st_x[p]
            cy[o] = st_y[p]
            cz[o] = st_z[p]
            n += 1
    for q in range(n, n_old):  # entries at and beyond n_old are padding already
        o = q * L + ln
        cx[o] = FAR_AWAY
        cy[o] = FAR_AWAY
        cz[o] = FAR_AWAY
    skin = max(math.sqrt(out2) - acut, 0.0)
    return n, skin * skin


@njit(error_model="numpy", inline="always")
def _lane_first_hit(x, y, z, cx, cy, cz, nbr, n, r2, ln, L):
    """First listed sphere containing (x, y, z), tested on the listed image centres (as the trial-point loop), or -1."""
    for q in range(n):
        o = q * L + ln
        dx = x - cx[o]
        dy = y - cy[o]
        dz = z - cz[o]
        if dx * dx + dy * dy + dz * dz < r2:
            return nbr[o]
    return -1


@njit(error_model="numpy", inline="always")
def _lane_inside(x, y, z, centers, box, nbr, n, r2, ln, L):
    """Sphere of lane ``ln``'s list containing (x, y, z) (minimum image about the true centres), or -1."""
    for q in range(n):
        k = nbr[q * L + ln]
        dx = min_image(x - centers[k, 0], box)
        dy = min_image(y - centers[k, 1], box)
        dz = min_image(z - centers[k, 2], box)
        if dx * dx + dy * dy + dz * dz < r2:
            return k
    return -1


@njit(error_model="numpy", inline="always")
def _lane_near(x, y, z, cx, cy, cz, n, a2cut, r3, a0, a1, a2, b0, b1, ln, L):
    """Near-field sum at (x, y, z) over lane ``ln``'s list (after a reflection or a list rebuild)."""
    w = 0.0
    for q in range(n):
        o = q * L + ln
        dx = x - cx[o]
        dy = y - cy[o]
        dz = z - cz[o]
        s = dx * dx + dy * dy + dz * dz
        if s < a2cut:
            w += near_term(s, dz, r3, a0, a1, a2, b0, b1)
    return w

@njit(error_model="numpy", inline="always")
def _wrap_axis(S, o, nc, nl, ln, L, box):
    """Periodic wrap of coordinate S[o] of lane ``ln`` into [0, box); its listed image centres nc move with it."""
    v = S[o]
    if v >= box:
        S[o] = v - box
        for q in range(nl):
            nc[q * L + ln] -= box
    elif v < 0.0:
        S[o] = v + box
        for q in range(nl):
            nc[q * L + ln] += box


@njit(parallel=True, error_model="numpy")
def walk(pos0, seed, centers, box, radius, ncell, st_start, st_item, st_x, st_y, st_z,
         list_cap, a2cut, skin, co, rec, m, h, step_half_width, phase_per_step,
         n_steps, sample_every, n_tau, fid, cpmg, hahn, echoes, msd, pos_out):
    """Random walks of all protons; accumulates cos/sin sums per chunk.

    pos0 (N, 3): starting positions in [0, L)³; seed: uint64 (proton i's stream starts at mix64(seed + i·golden),
    one 64-bit draw per step); st_*: the per-cell stencils of ``_kernels.build_stencils`` (cells of side
    ≥ cutoff + skin, any ncell ≥ 1); skin: the model's list skin (each lane's own skin is at least this);
    a2cut: the squared cutoff a²; co: ``geometry.near_coefficients``; rec, m, h:
    the flattened long-range records (``FieldModel.taylor.reshape(-1)``), nodes per side and spacing;
    step_half_width: √3 σ. fid, cpmg, hahn: (N_CHUNKS, n_samples, 2); echoes: (N_CHUNKS, n_echoes, 2);
    msd: (N_CHUNKS, n_samples); pos_out: (N, 3) final positions. Protons are split into ≤ N_CHUNKS fixed chunks of
    a whole number of LANES-groups (the unused chunk rows stay zero; padding lanes, only in the last group,
    repeat a proton with weight 0), so the sums do not depend on the thread count.

    Requires R + 3σ < a (the simulator checks it): an image left out of a list then lies more than R from any
    point the walker tests, so the hit test never misses a sphere.
    """
    n_prot = pos0.shape[0]
    n_samples = fid.shape[1]
    r2 = radius * radius
    r3 = radius * r2
    a0 = co[0]
    a1 = co[1]
    a2 = co[2]
    b0 = co[3]
    b1 = co[4]
    reach2 = (math.sqrt(a2cut) + skin) ** 2
    acut = math.sqrt(a2cut)
    cs = box / ncell
    inv_h = 1.0 / h
    per = (n_prot + N_CHUNKS - 1) // N_CHUNKS
    per = L * ((per + L - 1) // L)  # whole groups of L lanes per chunk: padding lanes only in the last chunk
    n_chunks = (n_prot + per - 1) // per
    for ch in prange(n_chunks):
        S = np.zeros(_NF * L)
        IS = np.zeros(_NI * L, dtype=np.int64)
        st = np.empty(L, dtype=np.uint64)
        nbr = np.zeros(list_cap * L, dtype=np.int64)
        ncx = np.full(list_cap * L, FAR_AWAY)
        ncy = np.full(list_cap * L, FAR_AWAY)
        ncz = np.full(list_cap * L, FAR_AWAY)
        hist = np.empty(n_samples * L)
        i_lo = ch * per
        i_hi = min(n_prot, (ch + 1) * per)
        for g0 in range(i_lo, i_hi, L):
            # ---- group start; padding lanes repeat proton g0 with weight 0 ----
            for ln in range(L):
                i = g0 + ln
                real = i < i_hi
                if not real:
                    i = g0
                S[WT + ln] = 1.0 if real else 0.0
                x = pos0[i, 0]
                y = pos0[i, 1]
                z = pos0[i, 2]
                S[X + ln] = x
                S[Y + ln] = y
                S[Z + ln] = z
                IS[NN + ln], S[SK2 + ln] = _lane_list(x, y, z, cs, ncell, st_start, st_item, st_x, st_y, st_z,
                                                      reach2, acut, nbr, ncx, ncy, ncz, ln, L, IS[NN + ln])
                S[UX + ln] = 0.0
                S[UY + ln] = 0.0
                S[UZ + ln] = 0.0
                S[VX + ln] = 0.0
                S[VY + ln] = 0.0
                S[VZ + ln] = 0.0
                S[PH + ln] = 0.0
                S[PHC + ln] = 0.0
                hist[ln] = 0.0
                s0 = mix64(seed + np.uint64(i) * GOLDEN) + GOLDEN  # first step drawn here
                st[ln] = s0
                S[NSX + ln], S[NSY + ln], S[NSZ + ln] = _step(mix64(s0), step_half_width)
            nmax = 0
            for ln in range(L):
                nmax = max(nmax, IS[NN + ln])
            nw = 0.0
            for ln in range(L):
                nw += S[WT + ln]
            fid[ch, 0, 0] += nw
            cpmg[ch, 0, 0] += nw
            hahn[ch, 0, 0] += nw
            if echoes.shape[1] > 0:
                echoes[ch, 0, 0] += nw
            sign = 1.0
            tau_count = 0
            odd = True
            e = 0
            sample_count = 0
            j = 0
            for _ in range(n_steps):
                # ---- trial point; next step drawn; node of the next end point for the prefetch (vector) ----
                for ln in range(L):
                    sx = S[NSX + ln]
                    sy = S[NSY + ln]
                    sz = S[NSZ + ln]
                    S[SX + ln] = sx
                    S[SY + ln] = sy
                    S[SZ + ln] = sz
                    qx = S[X + ln] + sx
                    qy = S[Y + ln] + sy
                    qz = S[Z + ln] + sz
                    S[QX + ln] = qx
                    S[QY + ln] = qy
                    S[QZ + ln] = qz
                    S[W + ln] = 0.0
                    IS[HIT + ln] = 0
                    s1 = st[ln] + GOLDEN
                    st[ln] = s1
                    nx, ny, nz = _step(mix64(s1), step_half_width)
                    S[NSX + ln] = nx
                    S[NSY + ln] = ny
                    S[NSZ + ln] = nz
                    # next end point if this step is not reflected (wraps: clamped, a hint only)
                    i = int((qx + nx) * inv_h + 0.5)
                    jj = int((qy + ny) * inv_h + 0.5)
                    kk = int((qz + nz) * inv_h + 0.5)
                    i = min(max(i, 0), m - 1)
                    jj = min(max(jj, 0), m - 1)
                    kk = min(max(kk, 0), m - 1)
                    IS[PF + ln] = ((i * m + jj) * m + kk) * 16
                for ln in range(L):  # read one step later by the far-field loop
                    prefetch(rec, IS[PF + ln])
                # ---- near field at the trial point and hit test, list levels q < nmax (padding selected
                # away).  Pass 1 (cheap): hit count and number of lanes inside the cut; pass 2 (division
                # and sqrt) only for levels where some lane is inside the cut (s recomputed identically).
                for q in range(nmax):
                    o = q * L
                    cnt = 0
                    for ln in range(L):
                        dx = S[QX + ln] - ncx[o + ln]
                        dy = S[QY + ln] - ncy[o + ln]
                        dz = S[QZ + ln] - ncz[o + ln]
                        s = dx * dx + dy * dy + dz * dz
                        IS[HIT + ln] += 1 if s < r2 else 0
                        cnt += 1 if s < a2cut else 0
                    if cnt > 0:
                        for ln in range(L):
                            dx = S[QX + ln] - ncx[o + ln]
                            dy = S[QY + ln] - ncy[o + ln]
                            dz = S[QZ + ln] - ncz[o + ln]
                            s = dx * dx + dy * dy + dz * dz
                            inv = 1.0 / s
                            z2 = dz * dz
                            t = (r3 * (3.0 * z2 - s) * inv * inv * math.sqrt(inv) + (a0 + s * (a1 + s * a2))
                                 + z2 * (b0 + s * b1))
                            S[W + ln] += t if s < a2cut else 0.0
                nh = 0
                for ln in range(L):
                    nh += IS[HIT + ln]
                # ---- rare: reflections (at most MAX_REFLECTIONS per step, then the step is rejected; per lane) ----
                if nh > 0:
                    for ln in range(L):
                        if IS[HIT + ln] > 0:
                            x = S[X + ln]
                            y = S[Y + ln]
                            z = S[Z + ln]
                            sx = S[SX + ln]
                            sy = S[SY + ln]
                            sz = S[SZ + ln]
                            nl = IS[NN + ln]
                            k = _lane_first_hit(x + sx, y + sy, z + sz, ncx, ncy, ncz, nbr, nl, r2, ln, L)
                            nref = 0
                            while k >= 0:
                                if nref == MAX_REFLECTIONS:
                                    sx = 0.0
                                    sy = 0.0
                                    sz = 0.0
                                    break
                                sx, sy, sz = reflect_step(x, y, z, sx, sy, sz, k, centers, box, radius)
                                nref += 1
                                k = _lane_inside(x + sx, y + sy, z + sz, centers, box, nbr, nl, r2, ln, L)
                            S[SX + ln] = sx
                            S[SY + ln] = sy
                            S[SZ + ln] = sz
                # ---- move; count periodic wraps and list rebuilds (vector) ----
                nwr = 0
                nrb = 0
                for ln in range(L):
                    sx = S[SX + ln]
                    sy = S[SY + ln]
                    sz = S[SZ + ln]
                    xn = S[X + ln] + sx
                    yn = S[Y + ln] + sy
                    zn = S[Z + ln] + sz
                    S[X + ln] = xn
                    S[Y + ln] = yn
                    S[Z + ln] = zn
                    S[UX + ln] += sx
                    S[UY + ln] += sy
                    S[UZ + ln] += sz
                    a_ = S[VX + ln] + sx
                    b_ = S[VY + ln] + sy
                    c_ = S[VZ + ln] + sz
                    S[VX + ln] = a_
                    S[VY + ln] = b_
                    S[VZ + ln] = c_
                    wr = ((1 if xn >= box else 0) | (1 if xn < 0.0 else 0) | (1 if yn >= box else 0)
                          | (1 if yn < 0.0 else 0) | (1 if zn >= box else 0) | (1 if zn < 0.0 else 0))
                    rb = 1 if a_ * a_ + b_ * b_ + c_ * c_ >= S[SK2 + ln] else 0
                    IS[FLAG + ln] = rb
                    nwr += wr
                    nrb += rb
                # ---- rare: periodic wraps (the lane's list images move with the proton) ----
                if nwr > 0:
                    for ln in range(L):
                        nl = IS[NN + ln]
                        _wrap_axis(S, X + ln, ncx, nl, ln, L, box)
                        _wrap_axis(S, Y + ln, ncy, nl, ln, L, box)
                        _wrap_axis(S, Z + ln, ncz, nl, ln, L, box)
                # ---- rare: list rebuilds; near field recomputed at the end point after a rebuild or hit ----
                if nrb > 0 or nh > 0:
                    for ln in range(L):
                        rb = IS[FLAG + ln] > 0
                        if rb:
                            IS[NN + ln], S[SK2 + ln] = _lane_list(S[X + ln], S[Y + ln], S[Z + ln], cs, ncell,
                                                                  st_start, st_item, st_x, st_y, st_z, reach2, acut,
                                                                  nbr, ncx, ncy, ncz, ln, L, IS[NN + ln])
                            S[VX + ln] = 0.0
                            S[VY + ln] = 0.0
                            S[VZ + ln] = 0.0
                        if rb or IS[HIT + ln] > 0:
                            S[W + ln] = _lane_near(S[X + ln], S[Y + ln], S[Z + ln], ncx, ncy, ncz, IS[NN + ln], a2cut,
                                                  r3, a0, a1, a2, b0, b1, ln, L)
                    nmax = 0
                    for ln in range(L):
                        nmax = max(nmax, IS[NN + ln])
                # ---- far field: nearest node and offsets (vector), records read and transposed, Taylor value ----
                for ln in range(L):
                    x = S[X + ln]
                    y = S[Y + ln]
                    z = S[Z + ln]
                    i = int(x * inv_h + 0.5)
                    jj = int(y * inv_h + 0.5)
                    kk = int(z * inv_h + 0.5)
                    S[DX + ln] = x - i * h
                    S[DY + ln] = y - jj * h
                    S[DZ + ln] = z - kk * h
                    i = i if i < m else 0
                    jj = jj if jj < m else 0
                    kk = kk if kk < m else 0
                    IS[PIDX + ln] = ((i * m + jj) * m + kk) * 16
                far_field_lanes(rec, IS, S, PIDX, DX, FF)
                # ---- phase (vector) ----
                for ln in range(L):
                    dph = phase_per_step * (S[W + ln] + S[FF + ln])
                    S[PH + ln] += dph
                    S[PHC + ln] += sign * dph
                # ---- echo / sample bookkeeping (uniform across lanes) ----
                if n_tau > 0:
                    tau_count += 1
                    if tau_count == n_tau:
                        tau_count = 0
                        if odd:
                            sign = -sign
                        else:
                            e += 1
                            for ln in range(L):
                                wt = S[WT + ln]
                                phc = S[PHC + ln]
                                echoes[ch, e, 0] += wt * math.cos(phc)
                                echoes[ch, e, 1] += wt * math.sin(phc)
                        odd = not odd
                sample_count += 1
                if sample_count == sample_every:
                    sample_count = 0
                    j += 1
                    for ln in range(L):
                        wt = S[WT + ln]
                        ph = S[PH + ln]
                        phc = S[PHC + ln]
                        hist[j * L + ln] = ph
                        fid[ch, j, 0] += wt * math.cos(ph)
                        fid[ch, j, 1] += wt * math.sin(ph)
                        cpmg[ch, j, 0] += wt * math.cos(phc)
                        cpmg[ch, j, 1] += wt * math.sin(phc)
                        ux = S[UX + ln]
                        uy = S[UY + ln]
                        uz = S[UZ + ln]
                        msd[ch, j] += wt * (ux * ux + uy * uy + uz * uz)
                        if j % 2 == 0:
                            he = ph - 2.0 * hist[(j // 2) * L + ln]
                            hahn[ch, j, 0] += wt * math.cos(he)
                            hahn[ch, j, 1] += wt * math.sin(he)
            for ln in range(L):
                if S[WT + ln] > 0.0:
                    pos_out[g0 + ln, 0] = S[X + ln]
                    pos_out[g0 + ln, 1] = S[Y + ln]
                    pos_out[g0 + ln, 2] = S[Z + ln]
