import pytest
from typer.testing import CliRunner


@pytest.fixture
def runner():
    return CliRunner()


def assert_one_line_error(result, code=2, fragment=None):
    """Bad input: the given exit code, one 'error:' line on stderr, no traceback."""
    assert result.exit_code == code, result.output
    err = result.stderr.strip()
    assert err.startswith("error:"), err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in result.output + result.stderr
    if fragment:
        assert fragment in err, err
