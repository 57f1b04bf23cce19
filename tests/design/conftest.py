"""Shared fixtures and checks of the paper-aware boosting tests."""

import numpy as np
import pytest

from ferrokit.design import load_dimag


@pytest.fixture(scope="session")
def sar_half():
    """Every second DiMag SAR row: all papers, half the rows."""
    t = load_dimag("sar")
    return t.subset(np.arange(0, len(t), 2))


@pytest.fixture
def own_sar_csv(tmp_path):
    """A user SAR table in the documented CSV layout: 40 rows from 10 labs, SAR rising with the row index."""
    lines = ["doi,composition,core_size (nm),ms (emu/g),field_amplitude (kA/m),frequency (kHz),sar (W/g)"]
    for k in range(40):
        lines.append(f"lab{k % 10},Fe3O4,{8 + k % 11},{50 + k % 7},{10 + k % 5},{100 + 50 * (k % 4)},"
                     f"{20 + 3 * k + 10 * (k % 4)}")
    f = tmp_path / "own.csv"
    f.write_text("\n".join(lines) + "\n")
    return f


def assert_non_decreasing_along(model, values, j, rows, slope=0.0):
    """Sweep column ``j`` of each of ``rows`` over the range of ``values[:, j]`` ± 0.5 (40 points): the prediction
    minus ``slope`` × the swept value must never decrease (to 1e-12)."""
    grid = np.linspace(np.nanmin(values[:, j]) - 0.5, np.nanmax(values[:, j]) + 0.5, 40)
    for row in rows:
        sweep = np.repeat(row[None, :], grid.size, axis=0)
        sweep[:, j] = grid
        assert np.all(np.diff(model.predict(sweep) - slope * grid) >= -1e-12)


def isolated_paper_data():
    """20 papers of 8 rows; paper 0 sits alone at the top of x0 with a large offset (y = 3 against 0): a split
    free of the paper rule isolates it. Returns (x, y, groups)."""
    rng = np.random.default_rng(1)
    g = np.repeat(np.arange(20), 8)
    x = np.column_stack([g + rng.uniform(0, 0.5, g.size), rng.uniform(0, 1, g.size)])
    x[g == 0, 0] = 100.0
    y = np.where(g == 0, 3.0, 0.0) + 0.1 * rng.normal(size=g.size)
    return x, y, g


def split_sides(model, x, g, members=None):
    """(papers left of, papers right of) every split of ``members`` (default: all of ``model.models_``)."""
    xf = model._fill(x)
    return [(len(set(g[xf[:, jj] <= tt])), len(set(g[xf[:, jj] > tt])))
            for _, j, t, _, _ in (model.models_ if members is None else members) for jj, tt in zip(j, t, strict=True)]
