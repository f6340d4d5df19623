"""The template's own code (hooks, scripts, tests, bench) is held to the same ruff bar as
projects, and to the same strict types (mypy.ini; each rendering has its own config)."""

from __future__ import annotations

from conftest import PYTHON, TEMPLATE_ROOT, run

OWN_CODE = ["hooks", "tests", "scripts", "bench"]


def test_template_code_is_ruff_clean() -> None:
    run([PYTHON, "-m", "ruff", "check", "--no-cache", *OWN_CODE], TEMPLATE_ROOT)
    run([PYTHON, "-m", "ruff", "format", "--check", "--no-cache", *OWN_CODE], TEMPLATE_ROOT)


def test_template_code_passes_strict_mypy() -> None:
    """The files and settings are mypy.ini's, so `python -m mypy` by hand checks the same."""
    result = run([PYTHON, "-m", "mypy", "--config-file", "mypy.ini"], TEMPLATE_ROOT)
    assert "Success: no issues found" in result.stdout, result.stdout
