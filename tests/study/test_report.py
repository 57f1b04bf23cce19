"""The report: one section per stage, self-contained (no external links or scripts), nothing recomputed."""

import re

from ferrokit.report import render_report, write_report
from ferrokit.study import STAGES


def test_report_sections_and_self_contained(tiny_result, tmp_path):
    html = render_report(tiny_result)
    for name in STAGES:
        assert f'<section id="{name}" class="stage">' in html
        assert tiny_result.stages[name].title in html
    assert not re.search(r"https?://", html)
    assert "<script" not in html.lower()
    assert "<link" not in html.lower() and "@import" not in html
    assert html.count("data:image/png;base64,") >= 6
    assert tiny_result.provenance["config_sha256"] in html
    # a key number appears as the study computed it (formatted, not recomputed)
    t90 = tiny_result.stages["hyperthermia"].number("tumour T90 (end)")
    assert f"{t90:.6g}" in html
    path = write_report(tiny_result, tmp_path / "r" / "report.html")
    assert path.read_text(encoding="utf-8") == html
