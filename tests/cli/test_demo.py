"""`ferrokit demo` writes its JSON and PNG outputs."""

import json

from ferrokit.cli.app import app


def test_demo_writes_outputs(runner, tmp_path):
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("predictions.json", "mh_fit.json", "mh_fit.png", "magnetism_showcase.png"):
        assert (out / name).is_file(), name
    for name in ("mh_fit.png", "magnetism_showcase.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pred = json.loads((out / "predictions.json").read_text())
    assert len(pred["particles"]) == 2
    fit = json.loads((out / "mh_fit.json").read_text())["fit"]
    assert fit  # the fit's own content is tested in tests/magnetism
    assert not list(out.glob(".*"))  # no temporary files left behind
