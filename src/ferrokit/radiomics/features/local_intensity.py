"""Local intensity features (IBSI 1 §3.2, family code 9ST6): local and global intensity peak."""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve

from ferrokit.radiomics.processing import PEAK_RADIUS_MM
from ferrokit.radiomics.registry import FeatureInput, register

CODES = {"loc_peak_loc": "VJGA", "loc_peak_glob": "0F91"}


def sphere_kernel(spacing: tuple[float, float, float], radius: float = PEAK_RADIUS_MM) -> np.ndarray:
    """Voxels (z, y, x) whose centres lie within ``radius`` [mm] of the centre voxel (a 0/1 array).

    >>> int(sphere_kernel((2.0, 2.0, 2.0)).sum())   # 2 mm voxels in a 1 cm³ sphere (r ≈ 6.20 mm)
    123
    """
    half = [int(np.floor(radius / s + 1e-9)) for s in spacing]
    grids = np.meshgrid(*[np.arange(-h, h + 1) * s for h, s in zip(half, spacing, strict=True)], indexing="ij")
    dist2 = sum(g * g for g in grids)
    return (dist2 <= radius * radius * (1 + 1e-12)).astype(np.float64)


def sphere_means(image: np.ndarray, spacing: tuple[float, float, float]) -> np.ndarray:
    """Mean intensity in the 1 cm³ sphere around every voxel (voxels outside the image are not counted)."""
    k = sphere_kernel(spacing)
    sums = fftconvolve(image, k, mode="same")
    counts = fftconvolve(np.ones_like(image), k, mode="same")
    return sums / np.rint(counts)


def compute_local_intensity(inp: FeatureInput) -> dict[str, float]:
    r"""Local and global intensity peak (Zwanenburg et al., Radiology 2020, doi:10.1148/radiol.2020191145, §3.2;
    Frings et al., J Nucl Med 2014) [verified].

    The peak is the mean intensity of all image voxels (inside or outside the ROI) whose centres lie within
    :math:`r = (3/(4\pi))^{1/3}` cm ≈ 6.20 mm of a centre voxel, i.e. a 1 cm³ sphere in world coordinates:

    * ``loc_peak_loc``: centred on the voxel(s) of maximum intensity in the intensity mask (highest peak if
      several voxels share the maximum);
    * ``loc_peak_glob``: the highest peak over all voxels of the intensity mask.
    """
    means = sphere_means(inp.image, inp.spacing)
    roi = inp.intensity_mask
    vals = inp.image[roi]
    peaks = means[roi]
    local = float(peaks[vals == vals.max()].max())
    return {"loc_peak_loc": local, "loc_peak_glob": float(peaks.max())}


register("local_intensity", list(CODES), compute_local_intensity, CODES)
