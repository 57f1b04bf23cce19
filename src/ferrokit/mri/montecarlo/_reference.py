"""Plain NumPy reference implementation of the walker (the benchmark's and the tests' comparison).

Same algorithm and the same random numbers as :func:`ferrokit.mri.montecarlo._walk.walk`, written
independently: vectorised over protons, step by step, with a brute-force search over *all* spheres (no cell
or neighbour lists), NumPy uint64 arithmetic for the splitmix64 streams, the short-range polynomial kernel
evaluated for every sphere (masked beyond the cutoff) and the long-range Taylor expansion about the nearest node
indexed from the (m, m, m, 16) record array (the same float32 records; both form x/h as x·(1/h)). Slow: for
small cases only.
"""

from __future__ import annotations

import numpy as np

from ferrokit.mri.montecarlo._kernels import MAX_REFLECTIONS
from ferrokit.mri.montecarlo.geometry import FieldModel

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _wrap(d: np.ndarray, box: float) -> np.ndarray:
    return np.where(d > 0.5 * box, d - box, np.where(d < -0.5 * box, d + box, d))


def _field(model: FieldModel, p: np.ndarray) -> np.ndarray:
    pk = model.packing
    d = _wrap(p[:, None, :] - pk.centers[None, :, :], pk.box)
    s = np.einsum("ijk,ijk->ij", d, d)
    z2 = d[..., 2] ** 2
    a0, a1, a2, b0, b1 = model.near_coef
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        inv = 1.0 / s
        near = pk.radius**3 * (3.0 * z2 - s) * inv * inv * np.sqrt(inv) + (a0 + s * (a1 + s * a2)) + z2 * (b0 + s * b1)
    near = np.where(s < model.cutoff**2, near, 0.0)
    m, h = model.grid_points, model.grid_spacing
    node = (p * (1.0 / h) + 0.5).astype(np.int64)  # as the kernel: x · (1/h), rounded to the nearest node
    off = p - node * h
    node %= m
    r = model.taylor[node[:, 0], node[:, 1], node[:, 2]].astype(float)
    dx, dy, dz = off[:, 0], off[:, 1], off[:, 2]
    far = (r[:, 0] + r[:, 1] * dx + r[:, 2] * dy + r[:, 3] * dz + dx * (r[:, 4] * dx + r[:, 7] * dy + r[:, 8] * dz)
           + dy * (r[:, 5] * dy + r[:, 9] * dz) + r[:, 6] * dz * dz)
    return near.sum(axis=1) + far


def _inside(model: FieldModel, q: np.ndarray) -> np.ndarray:
    """Index of the sphere containing each point, −1 if none."""
    pk = model.packing
    d = _wrap(q[:, None, :] - pk.centers[None, :, :], pk.box)
    hit = np.einsum("ijk,ijk->ij", d, d) < pk.radius**2
    return np.where(hit.any(axis=1), hit.argmax(axis=1), -1)


def _reflect(model: FieldModel, p: np.ndarray, step: np.ndarray, k: np.ndarray) -> np.ndarray:
    pk = model.packing
    rel = _wrap(p - pk.centers[k], pk.box)
    dd = np.einsum("ij,ij->i", step, step)
    b = np.einsum("ij,ij->i", rel, step)
    c = np.einsum("ij,ij->i", rel, rel) - pk.radius**2
    t = np.maximum((-b - np.sqrt(np.maximum(b * b - dd * c, 0.0))) / dd, 0.0)
    hit = rel + t[:, None] * step
    n = hit / np.sqrt(np.einsum("ij,ij->i", hit, hit))[:, None]
    rem = (1.0 - t)[:, None] * step
    rn = np.einsum("ij,ij->i", rem, n)
    rem = np.where((rn < 0)[:, None], rem - 2.0 * rn[:, None] * n, rem)
    return hit + rem - rel


def reference_walk(model: FieldModel, pos0: np.ndarray, seed, *, sigma: float, phase_per_step: float, n_steps: int,
                   sample_every: int, n_tau: int) -> dict[str, np.ndarray]:
    """Mean complex FID, CPMG (per sample), Hahn (even samples) and echo signals, as :func:`run_walk`."""
    box = model.packing.box
    n = pos0.shape[0]
    p = pos0.copy()
    state = _mix(np.uint64(seed) + np.arange(n, dtype=np.uint64) * _GOLDEN)
    a = np.sqrt(3.0) * sigma
    ph = np.zeros(n)
    phc = np.zeros(n)
    sign = 1.0
    n_samp = n_steps // sample_every + 1
    hist = np.zeros((n_samp, n))
    fid = np.zeros(n_samp, complex)
    cpmg = np.zeros(n_samp, complex)
    hahn = np.zeros(n_samp, complex)
    fid[0] = cpmg[0] = hahn[0] = 1.0
    echoes = [1.0 + 0j] if n_tau else []
    mask = np.uint64(0x1FFFFF)
    for st in range(1, n_steps + 1):
        state = state + _GOLDEN
        z = _mix(state)
        u = np.stack([(((z >> np.uint64(s)) & mask).astype(float) + 0.5) / 2097152.0 for s in (0, 21, 42)], axis=1)
        step = (2.0 * u - 1.0) * a
        k = _inside(model, p + step)
        for _ in range(MAX_REFLECTIONS):
            sel = k >= 0
            if not sel.any():
                break
            step[sel] = _reflect(model, p[sel], step[sel], k[sel])
            k[sel] = _inside(model, p[sel] + step[sel])
        step[k >= 0] = 0.0  # still inside after MAX_REFLECTIONS reflections: the step is rejected
        p = p + step
        p = np.where(p >= box, p - box, np.where(p < 0.0, p + box, p))
        dph = phase_per_step * _field(model, p)
        ph += dph
        phc += sign * dph
        if n_tau and st % n_tau == 0:
            if (st // n_tau) % 2 == 1:
                sign = -sign
            else:
                echoes.append(np.mean(np.exp(1j * phc)))
        if st % sample_every == 0:
            j = st // sample_every
            hist[j] = ph
            fid[j] = np.mean(np.exp(1j * ph))
            cpmg[j] = np.mean(np.exp(1j * phc))
            if j % 2 == 0:
                hahn[j] = np.mean(np.exp(1j * (ph - 2.0 * hist[j // 2])))
    return {"fid": fid, "cpmg": cpmg, "hahn": hahn, "echoes": np.array(echoes, dtype=complex)}
