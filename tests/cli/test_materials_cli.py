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
