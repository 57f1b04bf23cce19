r"""Multispectral linear unmixing of photoacoustic images and oxygen saturation.

Model (per pixel, wavelengths λ_1..λ_m, absorbers 1..k with known spectra :math:`E_{ij}`):

.. math:: \mathbf s = E\,\mathbf c + \boldsymbol\varepsilon,\qquad
          \hat{\mathbf c} = \arg\min_{\mathbf c \ge 0} \lVert E\mathbf c - \mathbf s\rVert_2

solved by non-negative least squares (Lawson–Hanson, :func:`scipy.optimize.nnls`). All pixels are first
solved by unconstrained least squares in one vectorised step; where every component is ≥ 0 that solution is
also the NNLS optimum (the constraint is inactive), and only the remaining pixels go through ``nnls`` one by
one.

Spectral colouring: the signal is :math:`p_0 = \Gamma\,\mu_a(\lambda)\,\Phi(z, \lambda)`, and the fluence at
depth z falls off faster at wavelengths where the background tissue attenuates more, which distorts the spectrum
seen at depth and biases sO2 (up or down, depending on the wavelengths and the background: −0.10 at 10 mm in
soft tissue at 750/800/850 nm, +0.3 at 680–900 nm with an agent; docs/photoacoustics.md, tests).
:func:`depth_fluence` computes Φ(z, λ) of a broad collimated beam from the diffusion approximation
(:func:`ferrokit.optics.fluence_1d`, semi-infinite homogeneous background with μ_a(λ), μ_s'(λ)), and
``linear_unmix(..., fluence=Φ)`` divides it out before the fit. Valid for absorbers small or weak enough not to
change the fluence themselves, laterally uniform illumination, and depths beyond ~1/μ_s' (diffusion regime).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import nnls

from ferrokit._shared.validation import FerroKitInputError, check_nonnegative

__all__ = ["KNOWN_COMPONENTS", "UnmixingResult", "depth_fluence", "endmember_matrix", "linear_unmix",
           "oxygen_saturation"]


@dataclass(frozen=True, eq=False)
class UnmixingResult:
    """Concentrations ``(k, *image_shape)`` in the units of the endmember columns, residual norm per pixel."""

    concentrations: np.ndarray = field(repr=False)
    residual: np.ndarray = field(repr=False)
    components: tuple[str, ...]
    n_constrained: int

    def component(self, name: str) -> np.ndarray:
        """The concentration map of component ``name``."""
        if name not in self.components:
            raise FerroKitInputError(f"unknown component {name!r}; components: {', '.join(self.components)}")
        return self.concentrations[self.components.index(name)]

    def to_dict(self) -> dict:
        """Per-component mean and max, pixels where the non-negativity constraint was active."""
        return {"components": {n: {"mean": float(c.mean()), "max": float(c.max())}
                               for n, c in zip(self.components, self.concentrations, strict=True)},
                "pixels_with_active_constraint": self.n_constrained,
                "residual_rms": float(np.sqrt(np.mean(self.residual**2)))}


def linear_unmix(images, endmembers, *, components=None, nonnegative: bool = True, fluence=None) -> UnmixingResult:
    r"""Unmix ``images`` ``(m wavelengths, *shape)`` with the ``(m, k)`` matrix of absorber spectra.

    Parameters
    ----------
    images : array_like
        One image per wavelength (μ_a [1/m] or p0 [Pa] proportional to it), finite.
    endmembers : array_like
        Column j is the spectrum of absorber j at the same wavelengths, e.g. molar absorption coefficients
        [1/m per mol/m³] to get concentrations in mol/m³. Rank k ≤ m is required.
    components : sequence of str, optional
        Names of the k absorbers (default ``c0, c1, …``).
    nonnegative : bool
        NNLS (default) or plain least squares.
    fluence : array_like, optional
        Φ(λ, position) (e.g. from :func:`depth_fluence`), broadcastable to ``images`` and > 0: the images are
        divided by it before the fit (spectral-colouring correction).

    Examples
    --------
    >>> E = np.array([[1.0, 0.2], [0.5, 0.6], [0.2, 1.0]])
    >>> img = np.einsum("mk,kxy->mxy", E, np.array([[[2.0]], [[3.0]]]))
    >>> np.round(linear_unmix(img, E).concentrations.ravel(), 12).tolist()
    [2.0, 3.0]
    """
    s = np.asarray(images, dtype=float)
    e = np.asarray(endmembers, dtype=float)
    if e.ndim != 2 or e.size == 0:
        raise FerroKitInputError(f"endmembers must be a 2D (wavelengths, components) matrix, got shape {e.shape}")
    m, k = e.shape
    if s.ndim < 1 or s.shape[0] != m:
        raise FerroKitInputError(f"images must have one image per wavelength ({m}) along axis 0, got {s.shape}")
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(e))):
        raise FerroKitInputError("images and endmembers must be finite (no NaN or inf)")
    if k > m or np.linalg.matrix_rank(e) < k:
        raise FerroKitInputError(f"the {m}×{k} endmember matrix must have full column rank (k ≤ wavelengths and "
                                 "linearly independent spectra)")
    if fluence is not None:
        phi = np.asarray(fluence, dtype=float)
        try:
            phi = np.broadcast_to(phi, s.shape)
        except ValueError:
            raise FerroKitInputError(f"fluence of shape {phi.shape} does not broadcast to the images "
                                     f"{s.shape}") from None
        if not (np.all(np.isfinite(phi)) and np.all(phi > 0)):
            raise FerroKitInputError("fluence must be finite and > 0 everywhere")
        s = s / phi
    names = tuple(components) if components is not None else tuple(f"c{j}" for j in range(k))
    if len(names) != k:
        raise FerroKitInputError(f"components names {len(names)} for {k} endmember columns")
    shape = s.shape[1:]
    flat = s.reshape(m, -1)
    c, *_ = np.linalg.lstsq(e, flat, rcond=None)
    n_con = 0
    if nonnegative:
        bad = np.nonzero(np.any(c < 0, axis=0))[0]
        n_con = int(bad.size)
        for p in bad:
            c[:, p] = nnls(e, flat[:, p])[0]
    res = np.linalg.norm(e @ c - flat, axis=0)
    return UnmixingResult(c.reshape((k, *shape)), res.reshape(shape), names, n_con)


def oxygen_saturation(hbo2, hb, *, min_total: float = 0.0) -> np.ndarray:
    r"""Oxygen saturation :math:`sO_2 = C_{HbO_2}/(C_{HbO_2} + C_{Hb})` (fraction 0–1).

    Pixels whose total haemoglobin is ≤ ``min_total`` have no defined sO2 and are returned as NaN on purpose
    (mask them for display); negative inputs are refused.

    >>> oxygen_saturation(np.array([3.0, 0.0]), np.array([1.0, 0.0])).tolist()
    [0.75, nan]
    """
    a = np.asarray(hbo2, dtype=float)
    b = np.asarray(hb, dtype=float)
    if a.shape != b.shape:
        raise FerroKitInputError(f"hbo2 {a.shape} and hb {b.shape} must have the same shape")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))) or np.any(a < 0) or np.any(b < 0):
        raise FerroKitInputError("haemoglobin concentrations must be finite and ≥ 0")
    floor = check_nonnegative("min_total", min_total)
    total = a + b
    out = np.full(a.shape, np.nan)
    ok = total > floor
    out[ok] = a[ok] / total[ok]
    return out


#: Components known to :func:`endmember_matrix` and the concentration unit their columns give.
KNOWN_COMPONENTS = {"HbO2": "mol/m3", "Hb": "mol/m3", "magnetite": "kg/m3"}


def endmember_matrix(components, wavelengths) -> np.ndarray:
    r"""Napierian absorption per unit concentration of absorbers at ``wavelengths`` [m], ``(m, k)``.

    ``components`` holds names of :data:`KNOWN_COMPONENTS` and/or :class:`~ferrokit.optics.AgentSpectrum`
    objects (a measured agent spectrum, e.g. read by :func:`ferrokit.io.spectra.read_agent_spectrum`), whose
    μ_a per mass concentration [m²/kg = 1/m per kg/m³] is interpolated linearly onto ``wavelengths`` (which
    must lie inside the measured range: no extrapolation); their concentrations come out in kg/m³ (= mg/mL).

    ``HbO2``/``Hb``: :math:`\ln 10\,\varepsilon` from Prahl's table (:func:`ferrokit.optics.spectra.
    hemoglobin_extinction`) [1/m per mol/m³], so unmixed concentrations are in mol/m³ (= mM);
    ``magnetite``: small-sphere mass absorption (:func:`ferrokit.optics.spectra.magnetite_mass_absorption`,
    computed, unvalidated) [1/m per kg/m³], concentrations in kg/m³ (= mg/mL).

    >>> e = endmember_matrix(["HbO2", "Hb"], [800e-9])
    >>> np.round(e / np.log(10), 3).tolist()     # ε(800 nm) = 81.6 and 76.172 m²/mol
    [[81.6, 76.172]]
    """
    from ferrokit.optics.spectra import AgentSpectrum, hemoglobin_extinction, magnetite_mass_absorption

    wl = np.atleast_1d(np.asarray(wavelengths, dtype=float))
    names = list(components)
    if not names:
        raise FerroKitInputError("give at least one component")
    unknown = [n for n in names if not isinstance(n, AgentSpectrum) and n not in KNOWN_COMPONENTS]
    if unknown:
        raise FerroKitInputError(f"unknown component(s) {', '.join(map(str, unknown))}; known: "
                                 f"{', '.join(KNOWN_COMPONENTS)} or an AgentSpectrum")
    cols = []
    for n in names:
        if isinstance(n, AgentSpectrum):
            cols.append(np.atleast_1d(n.mass_absorption_at(wl)))
        elif n in ("HbO2", "Hb"):
            e_ox, e_de = hemoglobin_extinction(wl)
            cols.append(np.log(10.0) * np.atleast_1d(e_ox if n == "HbO2" else e_de))
        else:
            cols.append(np.atleast_1d(magnetite_mass_absorption(wl)))
    return np.stack([np.asarray(c, float) for c in cols], axis=1)


def depth_fluence(wavelengths, depth, *, mu_a, mu_s_prime, irradiance: float = 1.0, relative_index: float = 1.4):
    r"""Fluence Φ(λ, z) of a broad collimated beam at ``depth`` [m] for each wavelength, ``(m, *depth.shape)``.

    Per wavelength :func:`ferrokit.optics.fluence_1d` (diffusion approximation, semi-infinite homogeneous
    background, extrapolated-boundary condition with A(n), specular loss removed): deep in the tissue
    :math:`\Phi \approx E_0' \beta e^{-\mu_\mathrm{eff}(\lambda) z}`, :math:`\mu_\mathrm{eff} =
    \sqrt{3\mu_a(\mu_a + \mu_s')}`. Divide multispectral images by it (``linear_unmix(..., fluence=…)``) to
    undo spectral colouring.

    Parameters
    ----------
    wavelengths : sequence of float
        [m], m values (used for validation and the output's first axis).
    depth : float or array_like
        z ≥ 0 below the illuminated surface [m].
    mu_a, mu_s_prime : sequence of float
        Background tissue absorption and reduced scattering at each wavelength [1/m] (e.g. from
        :func:`ferrokit.optics.tissue_optics`), μ_s' > 2 μ_a.
    irradiance : float
        Incident radiant exposure E₀ [J/m²] (1 gives Φ relative to E₀).
    relative_index : float
        n_tissue/n_outside.

    Examples
    --------
    >>> phi = depth_fluence([750e-9, 850e-9], [0.0, 0.01], mu_a=[30.0, 20.0], mu_s_prime=[1200.0, 1000.0])
    >>> phi.shape, bool(phi[0, 1] < phi[1, 1])    # more attenuation where tissue absorbs more
    ((2, 2), True)
    """
    from ferrokit.optics.fluence import fluence_1d
    from ferrokit.optics.spectra import check_wavelengths

    wl = np.atleast_1d(check_wavelengths(wavelengths, name="wavelengths"))
    a = np.atleast_1d(np.asarray(mu_a, dtype=float))
    b = np.atleast_1d(np.asarray(mu_s_prime, dtype=float))
    if a.shape != wl.shape or b.shape != wl.shape:
        raise FerroKitInputError(f"mu_a {a.shape} and mu_s_prime {b.shape} need one value per wavelength "
                                 f"({wl.size})")
    z = np.asarray(depth, dtype=float)
    return np.stack([np.asarray(fluence_1d(z, mu_a=float(ai), mu_s_prime=float(bi), irradiance=irradiance,
                                           relative_index=relative_index), dtype=float).reshape(z.shape)
                     for ai, bi in zip(a, b, strict=True)])
