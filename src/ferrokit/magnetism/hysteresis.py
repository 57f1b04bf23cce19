"""Coercivity and remanence of a measured M(H) loop, by linear interpolation on each branch.

A measured sequence of fields is split into monotonic *branches* (runs in which H keeps decreasing or keeps
increasing). Only branches that cross H = 0 with fields of both signs are used (a virgin curve starting at
H = 0 is ignored). On each branch the field where M changes sign (coercive field) and M at H = 0
(remanence) are found by linear interpolation between the bracketing points; with noisy data and several
sign changes the median crossing is used.

- Coercivity :math:`H_c = (H_{c,\\uparrow} - H_{c,\\downarrow})/2`, where :math:`H_{c,\\downarrow} < 0`
  is the crossing of the descending branch and :math:`H_{c,\\uparrow}` that of the ascending branch
  (this removes an exchange-bias shift).
- Remanence :math:`M_r = (M_\\downarrow(0) - M_\\uparrow(0))/2`.

With a single branch (an anhysteretic curve) ``Hc`` and ``Mr`` are the absolute crossing field and M(0)
of that branch. Values smaller than their *resolution* (half the spacing of the bracketing points,
propagated) are reported as 0 with that resolution: this is how an anhysteretic (superparamagnetic)
curve reports "0 ± resolution".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_array

__all__ = ["LoopParameters", "loop_parameters", "split_branches"]


@dataclass(frozen=True)
class LoopParameters:
    """Coercivity and remanence of a loop (SI).

    Attributes
    ----------
    coercivity : float
        Hc [A/m] (≥ 0).
    coercivity_resolution : float
        Resolution of Hc [A/m] set by the field spacing around M = 0.
    remanence : float
        Mr, in the units of the magnetisation passed in (A m²/kg for FerroKit readers), ≥ 0.
    remanence_resolution : float
        Resolution of Mr (half the M step across H = 0), same units.
    n_branches : int
        Number of branches crossing H = 0 that were used (0, 1 or 2+).
    """

    coercivity: float
    coercivity_resolution: float
    remanence: float
    remanence_resolution: float
    n_branches: int


def split_branches(field: np.ndarray) -> list[np.ndarray]:
    """Index arrays of the monotonic runs of ``field`` (consecutive equal fields join the current run).

    Examples
    --------
    >>> [b.tolist() for b in split_branches(np.array([0.0, 1, 2, 1, 0, -1, 0, 1]))]
    [[0, 1, 2], [2, 3, 4, 5], [5, 6, 7]]
    """
    h = np.asarray(field, dtype=float)
    if h.size < 2:
        return [np.arange(h.size)]
    step = np.sign(np.diff(h))
    # carry the previous direction through zero steps
    direction = 0.0
    dirs = np.empty_like(step)
    for i, s in enumerate(step):
        if s != 0:
            direction = s
        dirs[i] = direction
    if np.all(dirs == 0):
        return [np.arange(h.size)]
    first = dirs[dirs != 0][0]
    dirs[dirs == 0] = first
    branches = []
    start = 0
    for i in range(1, dirs.size):
        if dirs[i] != dirs[i - 1]:
            branches.append(np.arange(start, i + 1))
            start = i
    branches.append(np.arange(start, h.size))
    return branches


def _crossings(x: np.ndarray, y: np.ndarray) -> list[tuple[float, float]]:
    """Linear-interpolated x where y changes sign, with half the bracketing x-spacing."""
    out = []
    for i in range(x.size - 1):
        y0, y1 = y[i], y[i + 1]
        if y0 == 0.0:
            out.append((float(x[i]), 0.5 * float(max(abs(x[i + 1] - x[i]), 0.0))))
        elif y0 * y1 < 0:
            xc = x[i] - y0 * (x[i + 1] - x[i]) / (y1 - y0)
            out.append((float(xc), 0.5 * float(abs(x[i + 1] - x[i]))))
    if y.size and y[-1] == 0.0 and x.size > 1:
        out.append((float(x[-1]), 0.5 * float(abs(x[-1] - x[-2]))))
    return out


def _median_crossing(crossings: list[tuple[float, float]]) -> tuple[float, float]:
    xs = np.array([c[0] for c in crossings])
    res = np.array([c[1] for c in crossings])
    k = int(np.argsort(xs)[len(xs) // 2])
    spread = 0.5 * float(xs.max() - xs.min()) if xs.size > 1 else 0.0
    return float(xs[k]), max(float(res[k]), spread)


def loop_parameters(field, magnetization) -> LoopParameters:
    """Coercivity Hc and remanence Mr of a measured loop or curve (see the module notes).

    Parameters
    ----------
    field : array_like
        Applied field H [A/m] in measurement order.
    magnetization : array_like
        Magnetisation (any unit; Mr is returned in the same unit), same length.

    Returns
    -------
    LoopParameters

    Examples
    --------
    >>> h = np.concatenate([np.linspace(10, -10, 21), np.linspace(-10, 10, 21)])
    >>> m = np.concatenate([np.tanh((h[:21] + 2) / 3), np.tanh((h[21:] - 2) / 3)])
    >>> lp = loop_parameters(h, m)
    >>> round(lp.coercivity, 6), round(lp.remanence, 4)
    (2.0, 0.5828)
    """
    h = check_array("field", field, min_size=2)
    m = check_array("magnetization", magnetization, min_size=2)
    if h.shape != m.shape:
        raise FerroKitInputError(
            f"field and magnetization must have the same length, got {h.size} and {m.size}")
    desc_hc, asc_hc, desc_m0, asc_m0 = [], [], [], []
    used = 0
    for idx in split_branches(h):
        hb, mb = h[idx], m[idx]
        if not (hb.min() < 0 < hb.max()) or idx.size < 2:
            continue
        order = np.argsort(hb, kind="stable")
        hs, ms = hb[order], mb[order]
        descending = hb[0] > hb[-1]
        cross = _crossings(hs, ms)
        # M at H = 0 by interpolation on the sorted branch
        j = int(np.searchsorted(hs, 0.0))
        j = min(max(j, 1), hs.size - 1)
        h0, h1, y0, y1 = hs[j - 1], hs[j], ms[j - 1], ms[j]
        mzero = float(y0 + (0.0 - h0) * (y1 - y0) / (h1 - h0)) if h1 != h0 else float(0.5 * (y0 + y1))
        mres = 0.5 * float(abs(y1 - y0))
        used += 1
        target_hc, target_m0 = (desc_hc, desc_m0) if descending else (asc_hc, asc_m0)
        if cross:
            target_hc.append(_median_crossing(cross))
        target_m0.append((mzero, mres))
    if used == 0:
        return LoopParameters(0.0, float("nan"), 0.0, float("nan"), 0)

    def mean_pair(pairs):
        if not pairs:
            return None
        return float(np.mean([p[0] for p in pairs])), float(np.max([p[1] for p in pairs]))

    d_hc, a_hc, d_m0, a_m0 = (mean_pair(p) for p in (desc_hc, asc_hc, desc_m0, asc_m0))
    if d_hc is not None and a_hc is not None:
        hc, hc_res = 0.5 * (a_hc[0] - d_hc[0]), 0.5 * (a_hc[1] + d_hc[1])
    else:
        one = d_hc or a_hc
        hc, hc_res = (abs(one[0]), one[1]) if one is not None else (0.0, float("nan"))
    if d_m0 is not None and a_m0 is not None:
        mr, mr_res = 0.5 * (d_m0[0] - a_m0[0]), 0.5 * (d_m0[1] + a_m0[1])
    else:
        one = d_m0 or a_m0
        mr, mr_res = abs(one[0]), one[1]
    if abs(hc) <= hc_res:
        hc = 0.0
    if abs(mr) <= mr_res:
        mr = 0.0
    return LoopParameters(max(hc, 0.0), hc_res, max(mr, 0.0), mr_res, used)
