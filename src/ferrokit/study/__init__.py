"""The virtual theranostic study: a validated YAML config runs particle → PK → MRI → hyperthermia → CDT →
response, and returns labelled results with provenance (docs/study.md).

Public API
----------
StudyConfig, validate_study_config, load_study_config, config_hash
    The config schema and its loaders (units required in files).
run_study, StudyResult, save_results, STAGES
    Run the pipeline; write CSV tables, NetCDF, provenance and summary JSON.
StageResult, KeyNumber
    One stage's numbers with units, tables, arrays, assumptions and parameter sources.
demo_config_text, demo_config
    The embedded default (demo) study.
run_sweep, SweepConfig, load_sweep_config
    Parameter sweeps over any study field (dotted path + values), on Dask.
"""

from importlib import resources

from ferrokit.study.config import StudyConfig, config_hash, load_study_config, validate_study_config
from ferrokit.study.pipeline import STAGES, StudyResult, run_study, save_results
from ferrokit.study.stages import KeyNumber, StageResult
from ferrokit.study.sweep import SweepConfig, SweepResult, load_sweep_config, run_sweep


def demo_config_text() -> str:
    """The embedded default study (``_data/demo_study.yaml``; also examples/demo-study.yaml)."""
    return resources.files("ferrokit.study").joinpath("_data/demo_study.yaml").read_text(encoding="utf-8")


def demo_config() -> tuple[StudyConfig, dict]:
    """The embedded default study, validated with units required; returns the config and the raw mapping."""
    import yaml

    raw = yaml.safe_load(demo_config_text())
    return validate_study_config(raw, require_units=True, where="demo_study.yaml"), raw


__all__ = [
    "STAGES",
    "KeyNumber",
    "StageResult",
    "StudyConfig",
    "StudyResult",
    "SweepConfig",
    "SweepResult",
    "config_hash",
    "demo_config",
    "demo_config_text",
    "load_study_config",
    "load_sweep_config",
    "run_study",
    "run_sweep",
    "save_results",
    "validate_study_config",
]
