"""ferrokit.design: literature datasets (DiMag SAR/r1/r2, DiTox), descriptors with physics features computed by
FerroKit, gradient-boosting models with conformal intervals (depth tuned by nested grouped CV), a Gaussian
process with a physics prior mean, paper-aware additive boosting (``pgb``: every split keeps several training
papers on each side, physics monotone constraints; the default for r1; ``pgbh``, its per-cycle, per-amplitude
SAR/(fH) variant averaged over five paper fractions, the default for SAR; ``pgbc`` on SAR/f is an option), and
cross-validation grouped by paper (DOI).

Global sensitivity analysis (Sobol, Morris, PAWN/delta via SALib) of the physics model and of the surrogate, and
constrained multi-objective inverse design with a DiTox viability screen and an active-learning batch are in
:mod:`ferrokit.design.sensitivity`, :mod:`ferrokit.design.inverse` and :mod:`ferrokit.design.viability`.

Needs scikit-learn and SALib (the ``design`` extra). See docs/design.md.
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
from ferrokit.design.gp import GPResidualModel, TunedBoosting
from ferrokit.design.models import (
    DEFAULT_MODEL,
    MODELS,
    CVScore,
    Evaluation,
    Prediction,
    TrainedModel,
    conformal_quantile,
    cross_validate,
    default_model,
    evaluate,
    grouped_folds,
    load_model,
    save_model,
    train_model,
)
from ferrokit.design.paper_boost import PaperStumpBoosting

__all__ = [
    "DEFAULT_MODEL",
    "FEATURE_SETS",
    "MODELS",
    "NUMERIC_COLUMNS",
    "PHYSICS_ASSUMPTIONS",
    "TARGETS",
    "CVScore",
    "DesignTable",
    "DiToxTable",
    "Evaluation",
    "FeatureMatrix",
    "GPResidualModel",
    "PaperStumpBoosting",
    "Prediction",
    "RejectedRow",
    "TrainedModel",
    "TunedBoosting",
    "compute_features",
    "conformal_quantile",
    "cross_validate",
    "default_model",
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
