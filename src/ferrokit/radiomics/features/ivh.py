"""Intensity-volume histogram features (IBSI 1 §3.5, family code P88C)."""

from __future__ import annotations

import numpy as np

from ferrokit.radiomics.registry import FeatureInput, register

CODES = {
    "ivh_v10": "BC2M", "ivh_v90": "BC2M", "ivh_i10": "GBPN", "ivh_i90": "GBPN", "ivh_diff_v10_v90": "DDTU",
    "ivh_diff_i10_i90": "CNV2", "ivh_auc": "9CMM",
}


def intensity_volume_histogram(values: np.ndarray, g_range: tuple[float, float], step: float
                               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The IVH: intensities :math:`i` over the total range G with interval :math:`w_d`, their intensity
    fractions :math:`\gamma_i = (i - \min G)/(\max G - \min G)` and volume fractions
    :math:`\nu_i = 1 - \frac{1}{N_v}\sum_k [X_{d,gl,k} < i]`.

    >>> i, g, v = intensity_volume_histogram(np.array([1., 1, 3, 6]), (1.0, 6.0), 1.0)
    >>> v.tolist()
    [1.0, 0.5, 0.5, 0.25, 0.25, 0.25]
    """
    lo, hi = g_range
    n = round((hi - lo) / step) + 1 if hi > lo else 1
    levels = lo + step * np.arange(max(n, 1))
    srt = np.sort(values)
    below = np.searchsorted(srt, levels - 1e-9 * max(step, 1.0), side="left")
    nu = 1.0 - below / values.size
    gamma = (levels - lo) / (hi - lo) if hi > lo else np.zeros_like(levels)
    return levels, gamma, nu


def compute_ivh(inp: FeatureInput) -> dict[str, float]:
    r"""Intensity-volume histogram features (Zwanenburg et al., Radiology 2020, doi:10.1148/radiol.2020191145,
    §3.5; El Naqa et al., Pattern Recognit 2009) [verified].

    The intensities :math:`X_{d,gl}`, total range G and interval :math:`w_d` come from the IVH discretisation
    rules (see :func:`ferrokit.radiomics.processing.ivh_intensities`). Then:

    * :math:`V_x`: the largest volume fraction :math:`\nu_i` with intensity fraction :math:`\gamma_i \ge x`
      (``ivh_v10``, ``ivh_v90``), and ``ivh_diff_v10_v90`` :math:`= V_{10} - V_{90}`;
    * :math:`I_x`: the smallest intensity :math:`i` with :math:`\nu_i \le x` (``ivh_i10``, ``ivh_i90``); if
      no intensity in G qualifies, :math:`\max G + w_d`; ``ivh_diff_i10_i90`` :math:`= I_{10} - I_{90}`;
    * ``ivh_auc``: area under :math:`\nu(\gamma)` by the trapezoidal rule, 0 for a single intensity.
    """
    values = inp.ivh_intensity[inp.intensity_mask]
    levels, gamma, nu = intensity_volume_histogram(values, inp.ivh_range, inp.ivh_step)

    def v_at(x: float) -> float:
        ok = np.flatnonzero(gamma >= x - 1e-12)
        return float(nu[ok].max()) if ok.size else 0.0

    def i_at(x: float) -> float:
        ok = np.flatnonzero(nu <= x + 1e-12)
        return float(levels[ok[0]]) if ok.size else float(levels[-1] + inp.ivh_step)

    v10, v90, i10, i90 = v_at(0.1), v_at(0.9), i_at(0.1), i_at(0.9)
    auc = float(np.trapezoid(nu, gamma)) if levels.size > 1 else 0.0
    return {"ivh_v10": v10, "ivh_v90": v90, "ivh_i10": i10, "ivh_i90": i90, "ivh_diff_v10_v90": v10 - v90,
            "ivh_diff_i10_i90": i10 - i90, "ivh_auc": auc}


register("ivh", list(CODES), compute_ivh, CODES)
