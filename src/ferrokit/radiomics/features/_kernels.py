"""Numba kernels for the feature families (no validation; also valid plain Python)."""

from __future__ import annotations

import math

import numpy as np

from ferrokit._shared.numba import njit


@njit
def spatial_autocorrelation_sums(pos: np.ndarray, dev: np.ndarray) -> tuple[float, float, float]:
    """Sums over voxel pairs k1 < k2 with inverse-distance weights w = 1/‖x_k1 − x_k2‖.

    Returns ``(Σw, Σ w·dev1·dev2, Σ w·(dev1 − dev2)²)``; the double sums over k1 ≠ k2 are twice these.
    """
    n = pos.shape[0]
    sw = 0.0
    swm = 0.0
    swg = 0.0
    for i in range(n):
        xi = pos[i, 0]
        yi = pos[i, 1]
        zi = pos[i, 2]
        di = dev[i]
        for j in range(i + 1, n):
            dx = pos[j, 0] - xi
            dy = pos[j, 1] - yi
            dz = pos[j, 2] - zi
            w = 1.0 / math.sqrt(dx * dx + dy * dy + dz * dz)
            dj = dev[j]
            sw += w
            swm += w * di * dj
            swg += w * (di - dj) * (di - dj)
    return sw, swm, swg
