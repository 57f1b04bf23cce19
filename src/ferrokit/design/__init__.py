"""ferrokit.design: literature datasets (DiMag SAR/r1/r2, DiTox), descriptors with physics features computed by
FerroKit, gradient-boosting models with conformal intervals, and cross-validation grouped by paper (DOI).

Needs scikit-learn (the ``design`` extra). See docs/design.md. Sensitivity analysis and inverse design are not
built yet.
"""

from ferrokit.design.datasets import (
    NUMERIC_COLUMNS,
    TARGETS,
    DesignTable,
    DiToxTable,
    RejectedRow,
    load_dimag,
    load_ditox,
    normalise_doi,
    read_design_csv,
)
from ferrokit.design.features import FEATURE_SETS, PHYSICS_ASSUMPTIONS, FeatureMatrix, compute_features
from ferrokit.design.models import (
    CVScore,
    Evaluation,
    Prediction,
    TrainedModel,
    conformal_quantile,
    cross_validate,
    evaluate,
    grouped_folds,
    load_model,
    save_model,
    train_model,
)

__all__ = [
    "FEATURE_SETS",
    "NUMERIC_COLUMNS",
    "PHYSICS_ASSUMPTIONS",
    "TARGETS",
    "CVScore",
    "DesignTable",
    "DiToxTable",
    "Evaluation",
    "FeatureMatrix",
    "Prediction",
    "RejectedRow",
    "TrainedModel",
    "compute_features",
    "conformal_quantile",
    "cross_validate",
    "evaluate",
    "grouped_folds",
    "load_dimag",
    "load_ditox",
    "load_model",
    "normalise_doi",
    "read_design_csv",
    "save_model",
    "train_model",
]
