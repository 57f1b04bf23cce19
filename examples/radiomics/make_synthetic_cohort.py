"""Write a synthetic radiomics cohort with a known signal (for docs/radiomics_modelling.md).

    python examples/radiomics/make_synthetic_cohort.py [OUT_DIR]

Writes ``synthetic_cohort.csv`` (160 cases: id, centre, 20 ``rad_`` features, age, stage, a binary ``recurrence``
and a survival ``time_months``/``event``) and ``synthetic_repeats.csv`` (two segmentations per case for the ICC
filter). Truth: only ``rad_f00`` and ``rad_f01`` (and age) drive risk, with log-odds / log-hazard
1.2·f00 − 1.0·f01 + 0.03·(age − 60); ``rad_f02`` is a near-copy of ``rad_f00`` (r ≈ 0.97); ``rad_f19`` is
informative-looking but not reproducible between segmentations (ICC ≈ 0.3).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd


def make_cohort(n: int = 160, p: int = 20, seed: int = 2026) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    x[:, 2] = x[:, 0] + 0.25 * rng.normal(size=n)  # correlated copy of f00
    age = rng.normal(60.0, 10.0, n).round(0)
    stage = rng.integers(1, 4, n)
    lp = 1.2 * x[:, 0] - 1.0 * x[:, 1] + 0.03 * (age - 60.0)
    recurrence = (rng.random(n) < 1.0 / (1.0 + np.exp(-lp))).astype(int)
    t_event = rng.exponential(24.0 / np.exp(lp))  # months, baseline median ≈ 16.6
    t_cens = rng.uniform(6.0, 60.0, n)
    names = [f"rad_f{j:02d}" for j in range(p)]
    cohort = pd.DataFrame(x.round(5), columns=names)
    cohort.insert(0, "centre", [f"C{c}" for c in rng.integers(1, 7, n)])
    cohort.insert(0, "id", [f"P{i:03d}" for i in range(n)])
    cohort = cohort.assign(age=age, stage=stage, recurrence=recurrence,
                           time_months=np.minimum(t_event, t_cens).round(2), event=(t_event <= t_cens).astype(int))
    rows = []
    for seg in (1, 2):  # two readers: small perturbation, except f19 (poorly reproducible)
        noise = 0.15 * rng.normal(size=(n, p))
        noise[:, 19] = 1.5 * rng.normal(size=n)
        rep = pd.DataFrame((x + noise).round(5), columns=names)
        rep.insert(0, "segmentation", seg)
        rep.insert(0, "id", cohort["id"])
        rows.append(rep)
    return cohort, pd.concat(rows, ignore_index=True)


def main(out_dir: Path) -> None:
    cohort, repeats = make_cohort()
    out_dir.mkdir(parents=True, exist_ok=True)
    cohort.to_csv(out_dir / "synthetic_cohort.csv", index=False)
    repeats.to_csv(out_dir / "synthetic_repeats.csv", index=False)
    print(f"wrote {out_dir / 'synthetic_cohort.csv'} ({len(cohort)} cases) and {out_dir / 'synthetic_repeats.csv'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
