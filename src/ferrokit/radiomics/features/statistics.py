"""Intensity-based statistical features (IBSI 1 §3.3, family code UHIW): 18 features on X_gl."""

from __future__ import annotations

import math

import numpy as np

from ferrokit.radiomics.features._moments import describe
from ferrokit.radiomics.registry import FeatureInput, register

CODES = {
    "stat_mean": "Q4LE", "stat_var": "ECT3", "stat_skew": "KE2A", "stat_kurt": "IPH6", "stat_median": "Y12H",
    "stat_min": "1GSF", "stat_p10": "QG58", "stat_p90": "8DWT", "stat_max": "84IY", "stat_iqr": "SALO",
    "stat_range": "2OJQ", "stat_mad": "4FUA", "stat_rmad": "1128", "stat_medad": "N72L", "stat_cov": "7TET",
    "stat_qcod": "9S40", "stat_energy": "N8CA", "stat_rms": "5ZWQ",
}


def compute_statistics(inp: FeatureInput) -> dict[str, float]:
    r"""Intensity-based statistics of the N_v intensities X_gl in the ROI intensity mask.

    Formulas (Zwanenburg et al., Radiology 2020, doi:10.1148/radiol.2020191145, §3.3) [verified]:

    * mean :math:`\mu = \frac{1}{N_v}\sum_k X_{gl,k}`; variance :math:`\frac{1}{N_v}\sum_k (X_{gl,k}-\mu)^2`
      (no bias correction);
    * skewness :math:`\frac{\frac{1}{N_v}\sum (X-\mu)^3}{(\frac{1}{N_v}\sum (X-\mu)^2)^{3/2}}`; **excess**
      kurtosis :math:`\frac{\frac{1}{N_v}\sum (X-\mu)^4}{(\frac{1}{N_v}\sum (X-\mu)^2)^{2}} - 3`;
    * median, minimum, 10th and 90th percentile :math:`P_{10}, P_{90}`, maximum, interquartile range
      :math:`P_{75}-P_{25}`, range :math:`\max-\min`;
    * mean absolute deviation :math:`\frac{1}{N_v}\sum|X-\mu|`; robust MAD over the voxels with
      :math:`P_{10}\le X\le P_{90}` about their own mean; median absolute deviation
      :math:`\frac{1}{N_v}\sum|X-M|`;
    * coefficient of variation :math:`\sigma/\mu`; quartile coefficient of dispersion
      :math:`(P_{75}-P_{25})/(P_{75}+P_{25})`;
    * energy :math:`\sum_k X_{gl,k}^2`; root mean square :math:`\sqrt{\frac{1}{N_v}\sum_k X_{gl,k}^2}`.
    """
    x = inp.roi_values
    d = describe(x)
    out = {f"stat_{k}": v for k, v in d.items()}
    energy = float(np.sum(x * x))
    out["stat_energy"] = energy
    out["stat_rms"] = math.sqrt(energy / x.size)
    return out


register("statistics", list(CODES), compute_statistics, CODES)
