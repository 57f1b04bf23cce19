"""Design models: paper-grouped vs random-split cross-validation, baseline vs hybrid, on DiMag SAR, r1, r2.

For each target: R² of log10(target) over 5 repeats of 5-fold CV with folds grouped by paper (DOI; the score
FerroKit reports) and over 5 repeats of random 5-fold CV (the score most published models report), for the
plain-descriptor baseline and the hybrid model (plain + FerroKit physics features), plus the empirical
coverage of the 90 % cross-conformal intervals on grouped folds. Contrast (SCIENCE.md §8, a plain tree model):
R²(log) SAR 0.92 random vs 0.16 grouped; r1 0.80 vs 0.39; r2 0.76 vs 0.39.

Writes benchmarks/results/design.json. Runs in about a minute per target on one core.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import ferrokit
from ferrokit.design import TARGETS, compute_features, cross_validate, load_dimag
from ferrokit.io.atomic import write_json_atomic

RESULTS = Path(__file__).resolve().parent / "results"
REPEATS = 5
FOLDS = 5
GOALS = {"sar": 0.5, "r2": 0.6}  # issue 8: grouped R²(log) goals


def main() -> dict:
    out: dict = {"ferrokit_version": ferrokit.__version__, "python": platform.python_version(),
                 "repeats": REPEATS, "folds": FOLDS, "target_transform": "log10", "alpha": 0.1, "targets": {}}
    for target in TARGETS:
        t0 = time.perf_counter()
        table = load_dimag(target)
        entry: dict = {"rows": len(table), "papers": len(set(table.text["doi"])), "rejected": len(table.rejected),
                       "scores": {}}
        for fs in ("baseline", "hybrid"):
            x = compute_features(table, fs).values
            for split in ("grouped", "random"):
                s = cross_validate(table, feature_set=fs, split=split, n_splits=FOLDS, repeats=REPEATS, rng=0,
                                   features=x)
                entry["scores"][f"{fs}_{split}"] = s.to_dict()
        if target in GOALS:
            got = entry["scores"]["hybrid_grouped"]["r2_log_mean"]
            entry["goal_grouped_r2_log"] = GOALS[target]
            entry["goal_met"] = bool(got >= GOALS[target])
        entry["seconds"] = time.perf_counter() - t0
        out["targets"][target] = entry
        print(target, json.dumps({k: (round(v["r2_log_mean"], 3), round(v["r2_log_std"], 3))
                                  for k, v in entry["scores"].items()}), flush=True)
    RESULTS.mkdir(exist_ok=True)
    write_json_atomic(RESULTS / "design.json", out)
    return out


if __name__ == "__main__":
    main()
