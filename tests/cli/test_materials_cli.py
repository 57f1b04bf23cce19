"""`ferrokit materials list|show`."""

import json

from ferrokit.cli.app import app

from .conftest import assert_one_line_error


def test_list_table_and_json(runner):
    result = runner.invoke(app, ["materials", "list"])
    assert result.exit_code == 0, result.output
    assert "ferumoxytol" in result.stdout
    data = json.loads(runner.invoke(app, ["materials", "list", "--json"]).stdout)
    assert {"ferumoxytol", "ferucarbotran", "ferumoxides", "ferumoxtran-10"} <= {d["name"] for d in data}


def test_show_agent(runner):
    result = runner.invoke(app, ["materials", "show", "Feraheme"])
    assert result.exit_code == 0, result.output
    assert "ferumoxytol" in result.stdout and "10." in result.stdout  # DOIs are shown
    data = json.loads(runner.invoke(app, ["materials", "show", "ferumoxytol", "--json"]).stdout)
    assert data["particle"]["composition"]
    assert data["sources"]


def test_show_unknown(runner):
    assert_one_line_error(runner.invoke(app, ["materials", "show", "unobtainium"]), 2, "unknown agent")


def test_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("ferrokit ")


def test_missing_optional_dependency_names_the_extra(runner, monkeypatch):
    # a command whose optional dependency is absent says which extra installs it (exit 1, one line)
    import ferrokit.cli.materials as materials_cli

    def no_matplotlib():
        raise ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib")

    monkeypatch.setattr(materials_cli, "list_agents", no_matplotlib)
    result = runner.invoke(app, ["materials", "list"])
    assert_one_line_error(result, 1, "pip install 'ferrokit[plot]'")


def test_error_text_is_not_rich_markup(runner, monkeypatch):
    # square brackets in a message are text: "[design]" must survive
    import ferrokit.cli.materials as materials_cli
    from ferrokit._shared.validation import FerroKitInputError

    def bad():
        raise FerroKitInputError("needs scikit-learn: pip install 'ferrokit[design]'")

    monkeypatch.setattr(materials_cli, "list_agents", bad)
    assert_one_line_error(runner.invoke(app, ["materials", "list"]), 2, "ferrokit[design]")
