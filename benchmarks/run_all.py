"""Run every ``benchmarks/bench_*.py`` in turn; each writes its JSON under ``benchmarks/results/``."""

from __future__ import annotations

import runpy
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if not scripts:
        print("no benchmarks found", file=sys.stderr)
        return 1
    for script in scripts:
        print(f"== {script.name}")
        t0 = time.perf_counter()
        runpy.run_path(str(script), run_name="__main__")
        print(f"   ({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
