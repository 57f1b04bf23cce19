"""Shared descriptive statistics of a 1D sample, as IBSI 1 defines them for intensities and grey levels."""

from __future__ import annotations

import math

import numpy as np


def describe(x: np.ndarray) -> dict[str, float]:
    """Mean, biased variance, skewness, excess kurtosis, percentiles and dispersion measures of ``x``.

    Percentiles use linear interpolation between order statistics (NumPy's default). Skewness and
    excess kurtosis are 0 when the variance is zero, as the IBSI manual defines for the histogram features.
    """
    x = np.asarray(x, dtype=np.float64)
    mu = float(x.mean())
    dev = x - mu
    m2 = float(np.mean(dev**2))
    m3 = float(np.mean(dev**3))
    m4 = float(np.mean(dev**4))
    p10, p25, p50, p75, p90 = (float(v) for v in np.percentile(x, [10, 25, 50, 75, 90]))
    robust = x[(x >= p10) & (x <= p90)]
    return {
        "mean": mu,
        "var": m2,
        "skew": m3 / m2**1.5 if m2 > 0 else 0.0,
        "kurt": m4 / m2**2 - 3.0 if m2 > 0 else 0.0,
        "median": p50,
        "min": float(x.min()),
        "p10": p10,
        "p90": p90,
        "max": float(x.max()),
        "iqr": p75 - p25,
        "range": float(x.max() - x.min()),
        "mad": float(np.mean(np.abs(dev))),
        "rmad": float(np.mean(np.abs(robust - robust.mean()))),
        "medad": float(np.mean(np.abs(x - p50))),
        "cov": math.sqrt(m2) / mu if mu != 0 else math.nan,
        "qcod": (p75 - p25) / (p75 + p25) if (p75 + p25) != 0 else math.nan,
    }
