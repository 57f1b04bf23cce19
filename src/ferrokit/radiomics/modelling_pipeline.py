"""Rad-score modelling, part 5: the whole cohort workflow in one call (what ``ferrokit radiomics model`` runs).

ICC filter (if repeated segmentations are given) → final rad-score and nomogram fitted on all cases (the
reported coefficients) → honest performance from out-of-fold predictions of the refitted pipeline (grouped when a
group column is given): AUC / Harrell's C with bootstrap CI, calibration, decision curve, Kaplan–Meier risk groups.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics.modelling import ICC_THRESHOLD, icc_filter, icc_table, numeric_matrix, require_columns
from ferrokit.radiomics.modelling_eval import (
    Calibration,
    CrossValidation,
    DecisionCurve,
    Estimate,
    RiskGroups,
    bootstrap_discrimination,
    calibration,
    cross_validate,
    decision_curve,
    risk_groups,
    survival_calibration,
)
from ferrokit.radiomics.modelling_fit import (
    Nomogram,
    Outcome,
    RadScore,
    clinical_values,
    fit_nomogram,
    fit_radscore,
    read_outcome,
)

DCA_TABLE_THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7)


@dataclass(frozen=True)
class CohortModel:
    """Everything ``ferrokit radiomics model`` reports: the fitted models and their out-of-fold evaluation."""

    outcome: Outcome = field(repr=False)
    radscore: RadScore
    nomogram: Nomogram | None
    icc: dict[str, float] | None
    icc_dropped: tuple[str, ...]
    cv: CrossValidation = field(repr=False)
    radscore_performance: Estimate
    model_performance: Estimate
    calibration: Calibration
    decision: DecisionCurve = field(repr=False)
    groups: RiskGroups | None
    horizon: float | None
    seed: int | None

    def to_dict(self) -> dict:
        dca = {f"{t:g}": {"model": float(np.interp(t, self.decision.thresholds, self.decision.model)),
                          "treat_all": float(np.interp(t, self.decision.thresholds, self.decision.treat_all)),
                          "treat_none": 0.0} for t in DCA_TABLE_THRESHOLDS}
        d = {"model": self.outcome.kind, "n_cases": len(self.outcome.y), "n_events": self.outcome.events,
             "radscore": self.radscore.to_dict(),
             "nomogram": None if self.nomogram is None else self.nomogram.to_dict(),
             "icc": None if self.icc is None else {"kind": "ICC(2,1)", "threshold": ICC_THRESHOLD,
                                                  "values": self.icc, "dropped": list(self.icc_dropped)},
             "cross_validation": self.cv.to_dict(),
             "radscore_performance": self.radscore_performance.to_dict(),
             "model_performance": self.model_performance.to_dict(),
             "calibration": self.calibration.to_dict(), "net_benefit": dca,
             "risk_groups": None if self.groups is None else self.groups.to_dict(),
             "horizon": self.horizon, "seed": self.seed}
        return d

    def figures(self) -> dict[str, Callable]:
        """Name → function drawing the figure on a new Axes (ROC or KM, calibration, DCA, nomogram)."""
        from ferrokit.radiomics.modelling_plots import plot_roc

        out: dict[str, Callable] = {}
        if self.outcome.kind == "logistic":
            out["roc"] = lambda: plot_roc(self.outcome.y, self.cv.risk, label="model")
        elif self.groups is not None:
            out["km"] = self.groups.plot
        out["calibration"] = self.calibration.plot
        out["dca"] = self.decision.plot
        if self.nomogram is not None:
            out["nomogram"] = self.nomogram.plot
        return out


def model_cohort(table: pd.DataFrame, *, features: Sequence[str] | None = None, features_prefix: str | None = None,
                 outcome: str | None = None, time: str | None = None, event: str | None = None,
                 clinical: Sequence[str] = (), group: str | None = None, icc_repeats: pd.DataFrame | None = None,
                 id_column: str = "id", rater_column: str = "segmentation", correlation_threshold: float = 0.9,
                 n_splits: int = 5, n_boot: int = 1000, min_events: int = 10, rng: RngLike = None,
                 progress: Callable[[], None] | None = None) -> CohortModel:
    """Run the rad-score / nomogram workflow on a cohort table (one row per case).

    Candidate features: ``features``, else every numeric column whose name starts with ``features_prefix``, else
    every numeric column that is not the id, outcome, time, event, group or a clinical column. ``icc_repeats``:
    a long table (``id_column``, ``rater_column``, feature columns) of repeated segmentations; features with
    ICC(2,1) < 0.75 are dropped first.
    """
    seed = rng if isinstance(rng, int) else None
    rng = as_rng(rng)
    clinical = list(clinical)
    if table.empty:
        raise FerroKitInputError("the table has no rows")
    o = read_outcome(table, outcome=outcome, time=time, event=event, min_events=min_events)
    reserved = {id_column, outcome, time, event, group, *clinical} - {None}
    if features is None:
        cols = [c for c in table.columns if c not in reserved]
        if features_prefix:
            cols = [c for c in cols if str(c).startswith(features_prefix)]
        else:
            cols = [c for c in cols if pd.api.types.is_numeric_dtype(table[c])]
        features = cols
    features = list(features)
    if not features:
        raise FerroKitInputError("no feature columns found" + (f" with prefix {features_prefix!r}"
                                                               if features_prefix else ""))
    numeric_matrix(table, features, what="features")
    clin = clinical_values(table, clinical)
    groups = None
    if group is not None:
        require_columns(table, [group], what="group column")
        groups = table[group].astype(str).to_numpy()
    icc_values, icc_dropped = None, ()
    if icc_repeats is not None:
        require_columns(icc_repeats, features, what="ICC table (repeated segmentations)")
        icc_values = icc_table(icc_repeats, features, id_column=id_column, rater_column=rater_column)
        keep = icc_filter(icc_values)
        icc_dropped = tuple(f for f in features if f not in keep)
        features = keep
        if not features:
            raise FerroKitInputError(f"no feature has ICC ≥ {ICC_THRESHOLD} over the repeated segmentations")
    horizon = float(np.median(o.time)) if o.kind == "cox" else None
    model = fit_radscore(table, features, o, correlation_threshold=correlation_threshold, n_splits=n_splits,
                         groups=groups, rng=rng)
    if progress is not None:
        progress()
    rad_all = model.score(table)
    nomo = fit_nomogram({"radscore": rad_all, **clin}, o, horizon=horizon) if model.selected else None
    cv = cross_validate(table, features, o, clinical=clinical, groups=groups, n_splits=n_splits,
                        correlation_threshold=correlation_threshold, horizon=horizon, rng=rng, progress=progress)
    rad_perf = bootstrap_discrimination(o, cv.radscore, n_boot=n_boot, rng=rng)
    model_perf = bootstrap_discrimination(o, cv.risk, n_boot=n_boot, rng=rng)
    if o.kind == "logistic":
        cal = calibration(o.y, cv.risk)
        dca = decision_curve(o.y, cv.risk)
        rg = None
    else:
        cal = survival_calibration(o.time, o.y, cv.risk, horizon=horizon)
        dca = decision_curve(o.y, cv.risk, time=o.time, horizon=horizon)
        rg = risk_groups(o.time, o.y, cv.high) if 0 < cv.high.sum() < len(cv.high) else None
    return CohortModel(o, model, nomo, icc_values, icc_dropped, cv, rad_perf, model_perf, cal, dca, rg, horizon,
                       seed)
