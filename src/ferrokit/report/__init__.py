"""Self-contained HTML report of a study (jinja2 template, figures embedded as base64 PNG).

The report never recomputes: it formats the :class:`~ferrokit.study.StudyResult`'s key numbers, assumptions
and sources, and plots the arrays the study stored. The page has no external links, scripts or fonts.

Public API: :func:`render_report` (→ HTML text) and :func:`write_report` (atomic write).
"""

from __future__ import annotations

import base64
import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ferrokit.report.figures import stage_figures
from ferrokit.study import StudyResult

__all__ = ["render_report", "write_report"]


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def render_report(result: StudyResult, *, extra_sections: list[dict[str, Any]] | None = None) -> str:
    """The report of ``result`` as one HTML string.

    ``extra_sections``: more sections (dicts with ``name``, ``title``, ``key_numbers`` (KeyNumber-like dicts),
    ``figures`` (matplotlib figures with captions as ``(fig, caption)``), ``assumptions``, ``sources``) placed
    before the study's stages — the demo uses it for its magnetism showcase.
    """
    import jinja2
    import matplotlib

    matplotlib.use("Agg")
    from ferrokit._shared.jsonutil import jsonable

    if not isinstance(result, StudyResult):
        raise TypeError("result must be a StudyResult")
    sections = []
    for extra in extra_sections or []:
        sections.append({**extra, "figures": [{"data": _png(f), "caption": c} for f, c in extra.get("figures", [])]})
    for name, stage in result.stages.items():
        figs = [{"data": _png(f), "caption": c} for f, c in stage_figures(name, stage)]
        sections.append({"name": name, "title": stage.title, "key_numbers": [k.to_dict() for k in stage.key_numbers],
                         "figures": figs, "assumptions": list(stage.assumptions), "sources": list(stage.sources)})
    text = resources.files("ferrokit.report").joinpath("_data/report.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.tests["number"] = lambda v: isinstance(v, (int, float, np.floating)) and not isinstance(v, bool)
    tpl = env.from_string(text)
    return tpl.render(name=result.config.name, stages=sections, provenance=jsonable(result.provenance),
                      config_json=json.dumps(jsonable(result.provenance["config"]), indent=2, ensure_ascii=False))


def write_report(result: StudyResult, path: str | Path, **kwargs: Any) -> Path:
    """Render and write the report atomically; returns the path."""
    from ferrokit.io.atomic import write_text_atomic

    return write_text_atomic(path, render_report(result, **kwargs))
