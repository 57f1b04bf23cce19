"""Compare sampled PBPK tumour delivery with the Cheng et al. 2020 collection -> docs/img/pk_cheng_comparison.png.

Run: .venv/bin/python examples/pk_cheng_comparison.py [n_samples] (default 200, seed 2026; ~1 min on 2 cores).
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from ferrokit.pk.tumour import (
    cheng2020_statistics,
    plot_delivery_comparison,
    tumour_delivery_statistics,
)


def main(n: int = 200, seed: int = 2026) -> None:
    data = cheng2020_statistics()
    model = tumour_delivery_statistics(n_samples=n, rng=seed)
    for st in (data, model):
        print(st.source, {k: round(v, 3) for k, v in st.summary().items()})
    fig = plot_delivery_comparison(model, data)
    out = Path(__file__).resolve().parents[1] / "docs" / "img" / "pk_cheng_comparison.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
