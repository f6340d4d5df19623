"""End-to-end: bad answers on the real cookiecutter CLI fail cleanly and write nothing.

Validation runs while cookiecutter renders its context (``__answers_checked`` in
cookiecutter.json, via ``local_extensions.AnswerCheck``), so even a slug such as ``a/b``
or ``../x`` is rejected before cookiecutter creates any directory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TEMPLATE_ROOT, load_hook
from cookiecutter.generate import generate_context
from cookiecutter.main import _patch_import_path_for_repo
from cookiecutter.prompt import prompt_for_config

hook = load_hook("pre_gen_project")


def run_cookiecutter(tmp_path: Path, *extra_context: str) -> subprocess.CompletedProcess:
    """Run the real CLI (user config ignored) with ``key=value`` answers.

    Output goes to ``tmp_path/out`` and the working directory is ``tmp_path/cwd``, so a
    slug escaping the output directory (``../x``) would still show up under ``tmp_path``.
    """
    for name in ("out", "cwd"):
        (tmp_path / name).mkdir()
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            str(TEMPLATE_ROOT),
            "--no-input",
            "--default-config",
            "-o",
            str(tmp_path / "out"),
            *extra_context,
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path / "cwd",
        check=False,
        timeout=120,
    )


def assert_nothing_written(tmp_path: Path) -> None:
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "out"]
    assert list((tmp_path / "out").iterdir()) == []
    assert list((tmp_path / "cwd").iterdir()) == []


BAD_ANSWERS = [
    pytest.param("project_slug", "a/b", id="slug-slash"),
    pytest.param("project_slug", "a/b/c", id="slug-nested"),
    pytest.param("project_slug", "../x", id="slug-dotdot"),
    pytest.param("project_slug", "a\\b", id="slug-backslash"),
    pytest.param("project_slug", "My-App", id="slug-uppercase"),
    pytest.param("project_slug", "1app", id="slug-leading-digit"),
    pytest.param("project_slug", "my app", id="slug-space"),
    pytest.param("project_slug", "my-app-", id="slug-trailing-hyphen"),
    pytest.param("package_name", "class", id="package-keyword"),
    pytest.param("package_name", "json", id="package-stdlib"),
    pytest.param("package_name", "streamlit", id="package-dependency"),
    pytest.param("package_name", "my-pkg", id="package-not-identifier"),
    pytest.param("author_email", "not-an-email", id="email-no-at"),
    pytest.param("author_email", "a b@example.com", id="email-space"),
    pytest.param("project_name", "", id="name-empty"),
    pytest.param("project_name", "Two\nLines", id="name-newline"),
    pytest.param("project_name", "x" * 101, id="name-too-long"),
    pytest.param("description", 'Say "hi"', id="description-quote"),
    pytest.param("author_name", "Back\\slash", id="author-backslash"),
    pytest.param("sample_rows", "lots", id="rows-not-a-number"),
    pytest.param("sample_rows", "100000000", id="rows-too-big"),
    pytest.param("sample_rows", "10", id="rows-too-small"),
    pytest.param("live_refresh_seconds", "0", id="refresh-zero"),
    pytest.param("live_refresh_seconds", "soon", id="refresh-not-a-number"),
]


@pytest.mark.parametrize(("field", "value"), BAD_ANSWERS)
def test_bad_answer_fails_with_one_clear_line(tmp_path, field, value):
    result = run_cookiecutter(tmp_path, f"{field}={value}")

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    matching = [
        line
        for line in output.splitlines()
        if f"Invalid answer for '{field}'" in line and repr(value) in line
    ]
    assert len(matching) == 1, output
    assert "Traceback" not in output
    assert_nothing_written(tmp_path)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("python_version", "3.9", id="python-not-a-choice"),
        pytest.param("data_source", "mysql", id="data-source-not-a-choice"),
    ],
)
def test_value_outside_a_choice_list_is_rejected_by_cookiecutter(tmp_path, field, value):
    # cookiecutter itself rejects these in generate_context (apply_overwrites_to_context),
    # before any template code runs, with an uncaught ValueError. Its last line is clear.
    result = run_cookiecutter(tmp_path, f"{field}={value}")

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(f"ValueError: {value} provided for choice variable {field}, ")
    assert "but the choices are [" in last_line
    assert_nothing_written(tmp_path)


def test_all_errors_are_reported_together(tmp_path):
    result = run_cookiecutter(tmp_path, "project_slug=../x", "package_name=json", "sample_rows=1e9")
    assert result.returncode != 0
    lines = [line for line in result.stdout.splitlines() if line.startswith("Invalid answer")]
    assert [line.split("'")[1] for line in lines] == [
        "project_slug",
        "package_name",
        "sample_rows",
    ]
    assert_nothing_written(tmp_path)


# --- valid but unusual names: derived values, checked at the context level ---------------


def render_context(**extra_context: str) -> dict:
    """Render the answers exactly as cookiecutter does before generating files."""
    context = generate_context(
        context_file=str(TEMPLATE_ROOT / "cookiecutter.json"),
        extra_context=extra_context,
    )
    with _patch_import_path_for_repo(TEMPLATE_ROOT):
        return dict(prompt_for_config(context, no_input=True))


@pytest.mark.parametrize(
    ("project_name", "slug", "package"),
    [
        ("Café Ünïcode Dashboard", "cafe-unicode-dashboard", "cafe_unicode_dashboard"),
        ("2024 Sales Board", "app-2024-sales-board", "app_2024_sales_board"),
        ("Sales Insights", "sales-insights", "sales_insights"),
    ],
)
def test_odd_valid_names_derive_valid_slug_and_package(project_name, slug, package):
    answers = render_context(project_name=project_name)
    assert answers["__answers_checked"] == "ok"
    assert (answers["project_slug"], answers["package_name"]) == (slug, package)
    assert hook.validate(answers) == []


def test_eighty_character_name_derives_a_bounded_slug():
    project_name = (
        "Quarterly Revenue Forecast for the Northern European Retail Division 2024 Review"
    )
    assert len(project_name) == 80
    answers = render_context(project_name=project_name)
    assert answers["__answers_checked"] == "ok"
    # slugify(max_length=40, word_boundary=True, save_order=True) cuts at a word boundary,
    # which also keeps the derived package name within its 40-character limit.
    assert answers["project_slug"] == "quarterly-revenue-forecast-for-the"
    assert answers["package_name"] == "quarterly_revenue_forecast_for_the"
    assert hook.validate(answers) == []
