"""Numba kernels for the feature families (no validation; also valid plain Python)."""

from __future__ import annotations

import math

import numpy as np

from ferrokit._shared.numba import njit


@njit(fastmath={"reassoc", "nsz"}, error_model="numpy")
def spatial_autocorrelation_sums(z: np.ndarray, y: np.ndarray, x: np.ndarray, dev: np.ndarray
                                 ) -> tuple[float, float, float]:
    """Sums over voxel pairs k1 < k2 with inverse-distance weights w = 1/‖x_k1 − x_k2‖.

    ``z, y, x``: contiguous float64 coordinates [mm] (structure of arrays); ``dev``: intensity deviations.
    Returns ``(Σw, Σ w·dev1·dev2, Σ w·(dev1 − dev2)²)``; the double sums over k1 ≠ k2 are twice these.
    Every pair term is evaluated exactly (IEEE square root and division); only the order of the additions is
    left to the compiler (``reassoc``), so that the inner loop vectorises — the sums agree with a sequential
    loop to round-off (≲1e-11 relative for 10⁷ pairs; the pairwise-blocked order is in fact the more accurate).
    """
    n = z.shape[0]
    sw = 0.0
    swm = 0.0
    swg = 0.0
    for i in range(n - 1):
        zi = z[i]
        yi = y[i]
        xi = x[i]
        di = dev[i]
        a = 0.0
        b = 0.0
        c = 0.0
        for j in range(i + 1, n):
            dz = z[j] - zi
            dy = y[j] - yi
            dx = x[j] - xi
            w = 1.0 / math.sqrt(dz * dz + dy * dy + dx * dx)
            dj = dev[j]
            a += w
            b += w * dj
            c += w * (di - dj) * (di - dj)
        sw += a
        swm += di * b
        swg += c
    return sw, swm, swg


@njit
def khachiyan_weights(points: np.ndarray, tol: float, max_iter: int) -> np.ndarray:
    """Barycentric weights u of Khachiyan's MVEE iteration on 3D ``points`` (N, 3).

    With :math:`q_k = (\\mathbf x_k, 1)` and :math:`X = \\sum_k u_k q_k q_k^T`: pick
    :math:`j = \\arg\\max_k m_k`, :math:`m_k = q_k^T X^{-1} q_k`, step
    :math:`s = (m_j - d - 1)/((d + 1)(m_j - 1))`, :math:`u \\leftarrow (1 - s)u + s e_j`; stop when
    :math:`\\|\\Delta u\\| <` ``tol`` or after ``max_iter`` iterations.
    """
    n = points.shape[0]
    d = 3
    q = np.ones((n, 4))
    m4 = q.shape[1]  # run-time bounds and explicit loops (not slice assignment) keep numba compile time short
    for k in range(n):
        for r in range(d):
            q[k, r] = points[k, r]
    u = np.empty(n)
    u[:] = 1.0 / n
    x = np.empty((4, 4))
    chol = np.zeros((4, 4))
    zv = np.empty(4)
    for _ in range(max_iter):
        x[:, :] = 0.0
        for k in range(n):
            for r in range(m4):
                qr = u[k] * q[k, r]
                for c in range(m4):
                    x[r, c] += qr * q[k, c]
        # m_k = q_kᵀ X⁻¹ q_k = ‖L⁻¹ q_k‖² with the Cholesky factor X = L Lᵀ (X is symmetric positive definite)
        for c in range(m4):
            t = x[c, c]
            for r in range(c):
                t -= chol[c, r] * chol[c, r]
            chol[c, c] = math.sqrt(t)
            for r in range(c + 1, 4):
                t = x[r, c]
                for k in range(c):
                    t -= chol[r, k] * chol[c, k]
                chol[r, c] = t / chol[c, c]
        j = 0
        mj = -np.inf
        for k in range(n):
            m = 0.0
            for r in range(m4):  # forward substitution L z = q_k
                t = q[k, r]
                for c in range(r):
                    t -= chol[r, c] * zv[c]
                zv[r] = t / chol[r, r]
                m += zv[r] * zv[r]
            if m > mj:
                mj = m
                j = k
        step = (mj - d - 1.0) / ((d + 1.0) * (mj - 1.0))
        # ‖new_u − u‖² = s²‖u‖² except at j, where the change is s(1 − u_j)
        err2 = 0.0
        for k in range(n):
            du = -step * u[k]
            if k == j:
                du += step
            err2 += du * du
            u[k] = (1.0 - step) * u[k]
        u[j] += step
        if math.sqrt(err2) < tol:
            break
    return u


@njit
def _hull2d(px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Counter-clockwise convex-hull vertex indices of 2D points (Andrew's monotone chain, collinear dropped)."""
    n = px.shape[0]
    order = np.arange(n)
    for i in range(1, n):  # insertion sort by (x, y): n is the number of 3D hull vertices (tens to hundreds)
        k = order[i]
        j = i - 1
        while j >= 0 and (px[order[j]] > px[k] or (px[order[j]] == px[k] and py[order[j]] > py[k])):
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = k
    out = np.empty(2 * n, np.int64)
    m = 0
    lower = 0
    for t in range(2 * n - 1):  # lower chain over the sorted points, then upper chain over them reversed
        if t < n:
            k = order[t]
            floor = 2
        else:
            k = order[2 * n - 2 - t]
            floor = lower + 1
        while m >= floor:
            a = out[m - 2]
            b = out[m - 1]
            if (px[b] - px[a]) * (py[k] - py[a]) - (py[b] - py[a]) * (px[k] - px[a]) > 0.0:
                break
            m -= 1
        out[m] = k
        m += 1
        if t == n - 1:
            lower = m
    return out[:m - 1]


@njit
def ombb_search(pts: np.ndarray, normals: np.ndarray) -> tuple[float, float]:
    """Smallest box over the candidate normals (see ``oriented_minimum_bounding_box``): ``(volume, area)``.

    For each unit normal n (rows of ``normals``): depth = extent of ``pts``·n; in the plane ⟂ n, the
    minimum-area rectangle by rotating calipers over the edges of the 2D hull of the projected points
    (the first minimum in counter-clockwise edge order); the first strictly smallest volume wins.
    """
    npt = pts.shape[0]
    best_v = np.inf
    best_a = np.inf
    pu = np.empty(npt)
    pv = np.empty(npt)
    for r in range(normals.shape[0]):
        n0 = normals[r, 0]
        n1 = normals[r, 1]
        n2 = normals[r, 2]
        nn = math.sqrt(n0 * n0 + n1 * n1 + n2 * n2)
        n0 /= nn
        n1 /= nn
        n2 /= nn
        if abs(n0) < 0.9:  # u = n × ref, ref = e_x or e_y
            u0, u1, u2 = 0.0, n2, -n1
        else:
            u0, u1, u2 = -n2, 0.0, n0
        un = math.sqrt(u0 * u0 + u1 * u1 + u2 * u2)
        u0 /= un
        u1 /= un
        u2 /= un
        v0 = n1 * u2 - n2 * u1
        v1 = n2 * u0 - n0 * u2
        v2 = n0 * u1 - n1 * u0
        dmin = np.inf
        dmax = -np.inf
        for k in range(npt):
            dn = pts[k, 0] * n0 + pts[k, 1] * n1 + pts[k, 2] * n2
            dmin = min(dmin, dn)
            dmax = max(dmax, dn)
            pu[k] = pts[k, 0] * u0 + pts[k, 1] * u1 + pts[k, 2] * u2
            pv[k] = pts[k, 0] * v0 + pts[k, 1] * v1 + pts[k, 2] * v2
        depth = dmax - dmin
        hull = _hull2d(pu, pv)
        nh = hull.shape[0]
        if nh < 3:  # degenerate (collinear) projection: the axis-aligned extent in the plane
            w = np.max(pu) - np.min(pu)
            h = np.max(pv) - np.min(pv)
        else:
            w = np.inf
            h = np.inf
            best2 = np.inf
            for e in range(nh):
                a = hull[e]
                b = hull[(e + 1) % nh]
                ang = math.atan2(pv[b] - pv[a], pu[b] - pu[a])
                c = math.cos(ang)
                s = math.sin(ang)
                xmin = np.inf
                xmax = -np.inf
                ymin = np.inf
                ymax = -np.inf
                for t in range(nh):
                    k = hull[t]
                    rx = pu[k] * c + pv[k] * s
                    ry = -pu[k] * s + pv[k] * c
                    xmin = min(xmin, rx)
                    xmax = max(xmax, rx)
                    ymin = min(ymin, ry)
                    ymax = max(ymax, ry)
                we = xmax - xmin
                he = ymax - ymin
                if we * he < best2:
                    best2 = we * he
                    w = we
                    h = he
        vol = w * h * depth
        if vol < best_v:
            best_v = vol
            best_a = 2.0 * (w * h + w * depth + h * depth)
    return best_v, best_a
