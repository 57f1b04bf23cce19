"""A simple cell-viability model trained on the DiTox Fe3O4 rows, for the inverse-design constraint.

Model: gradient boosting (depth 2, 100 stages) of viability (fraction 0–1) on log10 particle diameter, log10
dose, exposure time and the coating class (none / cationic PEI / PEG / silica, one-hot). Cell line and assay
are *not* inputs: a design candidate has no cell line, so the prediction is an average over the cell lines
and assays of the table. Intervals: split-conformal on grouped out-of-fold residuals (as in
:mod:`ferrokit.design.models`).

Honest score: DiTox has no DOI column, so rows are grouped by **particle system** (same diameter, zeta
potential and coating: 15 systems in the 441 Fe3O4 rows, each from one study as far as the table shows) and
the score is the R² of out-of-fold predictions with folds grouped by system, against a constant-mean
baseline. It is low (see :attr:`ViabilityModel.cv`): the constraint is a coarse screen, not a toxicity
prediction.

Caveats (stated, not fixed): DiTox ``Concentration (g/L)`` spans 1.6e-16–0.1 for Fe3O4 and mixes two
conventions (checked in the data; the papers cannot be matched, DiTox has no DOI): 5 uncoated systems use
round mass-dose series 1e-6–0.1 (g/L as labelled, plausible), while the coated systems' values scale as d⁻³
across systems at the same dose step (lowest dose × d³ = 2.19e-4 nm³-units for both the 145.8 nm PEI and the
361.4 nm PEG-PEI system): a particle-number (molar) concentration. The dose of a design candidate therefore
has no single physical meaning (docs/design.md); ``Diameter (nm)`` of DiTox mixes core and hydrodynamic sizes
[unverified]; inverse design passes the candidate's hydrodynamic diameter.

DiTox: ai-chem/DiTox_v1, Apache-2.0 (``ferrokit/design/_data/ditox``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.validation import FerroKitInputError, check_choice, check_range

__all__ = ["COATING_CLASSES", "ViabilityModel", "check_coating", "train_viability_model"]

#: Coating classes the viability model knows (DiTox ``Coat`` values mapped onto them).
COATING_CLASSES: tuple[str, ...] = ("none", "PEI", "PEG", "silica")
_DITOX_COAT = {"0": "none", "PEI": "PEI", "PEG to the PEI": "PEG",
               "folic acid with intermediate organic (PEG) coating": "PEG",
               "folic acid with intermediate inorganic (silica) coating": "silica"}


def _coating_class(name: str) -> str:
    key = name.strip().lower()
    for c in COATING_CLASSES:
        if key == c.lower():
            return c
    if key in ("", "uncoated", "bare"):
        return "none"
    if "peg" in key or key in ("dextran", "polymer"):
        return "PEG"
    if "sil" in key:
        return "silica"
    if "pei" in key or "amin" in key:
        return "PEI"
    raise FerroKitInputError(f"coating {name!r}: the viability model knows {', '.join(COATING_CLASSES)} "
                             "(PEG also covers dextran/polymer shells, PEI amine-rich cationic shells)")


def _features(diameter: np.ndarray, coat: list[str], dose: np.ndarray, time: np.ndarray) -> np.ndarray:
    onehot = np.array([[1.0 if c == k else 0.0 for k in COATING_CLASSES] for c in coat])
    return np.column_stack([np.log10(diameter * 1e9), np.log10(dose), time / 3600.0, onehot])


@dataclass(frozen=True)
class ViabilityModel:
    """Fitted viability model; ``cv`` holds the grouped cross-validation scores."""

    estimator: object
    q: float
    alpha: float
    cv: dict = field(default_factory=dict)

    def predict(self, diameter, coating: str | list[str], dose, time) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Viability (fraction), low and high of the 1−α interval, clipped to [0, 1.2].

        Parameters
        ----------
        diameter : array_like
            Particle diameter [m] (1 nm – 2 µm).
        coating : str or list of str
            Coating class (see :data:`COATING_CLASSES`; common names such as "dextran" are mapped).
        dose : array_like
            Concentration as in DiTox (labelled g/L) (> 0).
        time : array_like
            Exposure time [s] (> 0).
        """
        d = np.atleast_1d(np.asarray(diameter, dtype=float))
        n = d.size
        dose_a = np.broadcast_to(np.asarray(dose, dtype=float), (n,))
        time_a = np.broadcast_to(np.asarray(time, dtype=float), (n,))
        if not (np.all(np.isfinite(d)) and np.all((d >= 1e-9) & (d <= 2e-6))):
            raise FerroKitInputError("diameter must lie in [1 nm, 2 µm]")
        if not (np.all(dose_a > 0) and np.all(time_a > 0)):
            raise FerroKitInputError("dose and time must be > 0")
        coats = [_coating_class(coating)] * n if isinstance(coating, str) else [_coating_class(c) for c in coating]
        mu = self.estimator.predict(_features(d, coats, dose_a, time_a))
        return mu, np.clip(mu - self.q, 0.0, 1.2), np.clip(mu + self.q, 0.0, 1.2)

    def to_dict(self) -> dict:
        return {"model": "gradient boosting on DiTox Fe3O4 rows", "target": "viability (fraction)",
                "inputs": ["log10 diameter (nm)", "log10 dose (DiTox g/L)", "time (h)", "coating class"],
                "interval": f"{100 * (1 - self.alpha):g} % conformal (grouped)", "half_width": self.q,
                "cv": dict(self.cv)}


def train_viability_model(*, alpha: float = 0.1, n_splits: int = 5, rng: RngLike = 0) -> ViabilityModel:
    """Train on the 441 DiTox Fe3O4 rows; report R² and MAE with folds grouped by particle system.

    Examples
    --------
    >>> m = train_viability_model(rng=0)
    >>> m.cv["n_rows"], m.cv["n_groups"]
    (441, 15)
    >>> v, lo, hi = m.predict(30e-9, "PEG", 1e-3, 24 * 3600.0)
    >>> bool(lo[0] <= v[0] <= hi[0])
    True
    """
    from sklearn.ensemble import GradientBoostingRegressor

    from ferrokit.design.datasets import load_ditox
    from ferrokit.design.models import conformal_quantile, grouped_folds

    check_range("alpha", alpha, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    t = load_ditox("Fe3O4").columns
    coat = [_DITOX_COAT.get(c, "PEG") for c in t["coat"]]
    d, dose, time = (np.asarray(t[k], dtype=float) for k in ("diameter", "concentration", "time"))
    y = np.asarray(t["viability"], dtype=float)
    x = _features(d, coat, dose, time)
    groups = [f"{a:.4g}|{z:.4g}|{c}" for a, z, c in zip(t["diameter"], t["zeta_potential"], t["coat"], strict=True)]
    seed = int(as_rng(rng).integers(2**31 - 1))

    def est():
        return GradientBoostingRegressor(n_estimators=100, max_depth=2, learning_rate=0.05, subsample=0.8,
                                         min_samples_leaf=10, random_state=seed)

    folds = grouped_folds(groups, n_splits, seed)
    pred = np.empty_like(y)
    base = np.empty_like(y)
    for k in np.unique(folds):
        test = folds == k
        pred[test] = est().fit(x[~test], y[~test]).predict(x[test])
        base[test] = y[~test].mean()
    ss = float(np.sum((y - y.mean()) ** 2))
    cv = {"n_rows": int(y.size), "n_groups": len(set(groups)), "n_splits": n_splits, "split": "grouped by particle "
          "system (diameter, zeta potential, coating)", "r2_grouped": 1 - float(np.sum((y - pred) ** 2)) / ss,
          "mae_grouped": float(np.mean(np.abs(y - pred))), "mae_constant_baseline": float(np.mean(np.abs(y - base))),
          "viability_mean": float(y.mean())}
    q = conformal_quantile(y - pred, alpha)
    if not math.isfinite(q):
        raise FerroKitInputError("too few rows for the requested interval level")
    return ViabilityModel(est().fit(x, y), q, alpha, cv)


def check_coating(name: str) -> str:
    """The viability coating class of ``name`` (raises FerroKitInputError for an unknown coating)."""
    return check_choice("coating", _coating_class(name), COATING_CLASSES)
