"""Intensity histogram features (IBSI 1 §3.4, family code ZVCW): 23 features on discretised grey levels X_d."""

from __future__ import annotations

import numpy as np

from ferrokit.radiomics.features._moments import describe
from ferrokit.radiomics.registry import FeatureInput, register

# IBSI codes from the reference manual. The 10th/90th percentile codes (GPMT, OZ0C) are as in the IBSI 1
# manual's feature list; the project's long reference table carries a parsing slip there (1PR8/GPMT).
CODES = {
    "ih_mean": "X6K6", "ih_var": "CH89", "ih_skew": "88K1", "ih_kurt": "C3I7", "ih_median": "WIFQ",
    "ih_min": "1PR8", "ih_p10": "GPMT", "ih_p90": "OZ0C", "ih_max": "3NCY", "ih_mode": "AMMC",
    "ih_iqr": "WR0O", "ih_range": "5Z3W", "ih_mad": "D2ZX", "ih_rmad": "WRZB", "ih_medad": "4RNL",
    "ih_cov": "CWYJ", "ih_qcod": "SLWD", "ih_entropy": "TLU2", "ih_uniformity": "BJ5W", "ih_max_grad": "12CE",
    "ih_max_grad_g": "8E6O", "ih_min_grad": "VQB3", "ih_min_grad_g": "RHQZ",
}


def histogram_gradient(counts: np.ndarray) -> np.ndarray:
    """IBSI histogram gradient H': forward difference at i = 1, central inside, backward at i = N_g."""
    n = counts.astype(np.float64)
    if n.size == 1:
        return np.zeros(1)
    return np.gradient(n)  # edges: n2 − n1 and n_Ng − n_Ng−1; inside: (n_{i+1} − n_{i−1})/2


def compute_intensity_histogram(inp: FeatureInput) -> dict[str, float]:
    r"""Intensity histogram features of the discretised grey levels :math:`X_d` in the intensity mask.

    With :math:`n_i` the count and :math:`p_i = n_i/N_v` the probability of grey level
    :math:`i = 1..N_g` (Zwanenburg et al., Radiology 2020, doi:10.1148/radiol.2020191145, §3.4) [verified]:

    * mean, variance, skewness, excess kurtosis, median, minimum, :math:`P_{10}`, :math:`P_{90}`, maximum,
      interquartile range, range, mean/robust-mean/median absolute deviation, coefficient of variation and
      quartile coefficient of dispersion: as the intensity statistics, on :math:`X_d` (skewness and
      kurtosis are 0 for zero variance);
    * mode: the :math:`i` with the highest :math:`n_i`; ties go to the bin closest to the mean, then the lower;
    * entropy :math:`-\sum_i p_i \log_2 p_i`; uniformity :math:`\sum_i p_i^2`;
    * histogram gradient :math:`H'_1 = n_2 - n_1`, :math:`H'_i = (n_{i+1} - n_{i-1})/2`,
      :math:`H'_{N_g} = n_{N_g} - n_{N_g-1}` on the non-sparse histogram :math:`i = 1..N_g`;
      maximum/minimum gradient and the grey level :math:`i` where each occurs (first occurrence).
    """
    xd = inp.discretised[inp.intensity_mask].astype(np.float64)
    d = describe(xd)
    out = {f"ih_{k}": v for k, v in d.items()}
    n_g = max(int(inp.n_levels), int(xd.max()))
    counts = np.bincount(xd.astype(np.int64), minlength=n_g + 1)[1:]
    levels = np.arange(1, n_g + 1, dtype=np.float64)
    top = np.flatnonzero(counts == counts.max())
    dist = np.abs(levels[top] - d["mean"])
    out["ih_mode"] = float(levels[top[np.flatnonzero(dist == dist.min())[0]]])
    p = counts[counts > 0] / xd.size
    out["ih_entropy"] = float(-np.sum(p * np.log2(p)))
    out["ih_uniformity"] = float(np.sum(p * p))
    grad = histogram_gradient(counts)
    out["ih_max_grad"] = float(grad.max())
    out["ih_max_grad_g"] = float(levels[int(np.argmax(grad))])
    out["ih_min_grad"] = float(grad.min())
    out["ih_min_grad_g"] = float(levels[int(np.argmin(grad))])
    return {k: out[k] for k in CODES}


register("intensity_histogram", list(CODES), compute_intensity_histogram, CODES)
