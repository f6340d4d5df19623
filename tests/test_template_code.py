"""The template's own code (hooks, scripts, tests) is held to the same ruff bar as projects."""

from __future__ import annotations

from conftest import PYTHON, TEMPLATE_ROOT, run

OWN_CODE = ["hooks", "tests", "scripts"]


def test_template_code_is_ruff_clean() -> None:
    run([PYTHON, "-m", "ruff", "check", "--no-cache", *OWN_CODE], TEMPLATE_ROOT)
    run([PYTHON, "-m", "ruff", "format", "--check", "--no-cache", *OWN_CODE], TEMPLATE_ROOT)
