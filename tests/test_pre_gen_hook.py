"""Unit tests for the answer rules in hooks/pre_gen_project.py (and the Jinja filter)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TEMPLATE_ROOT, load_hook
from cookiecutter.environment import StrictEnvironment
from cookiecutter.exceptions import FailedHookException
from jinja2 import Environment

hook = load_hook("pre_gen_project")

VALID_ANSWERS = {
    "project_name": "Sales Insights",
    "project_slug": "sales-insights",
    "package_name": "sales_insights",
    "description": "A fast Streamlit data app.",
    "author_name": "Data Team",
    "author_email": "data-team@example.com",
    "python_version": "3.11",
    "data_source": "duckdb",
    "sample_rows": "100000",
    "live_refresh_seconds": "10",
}


def _assert_rejected(check, field: str, value: object) -> hook.AnswerError:
    with pytest.raises(hook.AnswerError) as excinfo:
        check(value)
    error = excinfo.value
    assert isinstance(error, ValueError)
    assert error.field == field
    assert error.value == value
    message = str(error)
    assert "\n" not in message
    assert message.startswith(f"Invalid answer for '{field}': {value!r} \u2014 ")
    assert message.endswith(".")
    return error


# --- project_name -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "Sales Insights",
        "Café Ünïcode Dashboard",
        "2024 Sales Board",
        "📊 Revenue",
        "It's Ours",
        "x",
        "a" * 80,
    ],
)
def test_project_name_ok(value):
    hook.check_project_name(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "Line1\nLine2",
        "Tab\there",
        "Null\x00",
        "a" * 81,
        "Bidi\u202eX",
        'My "Quoted" App',
        "Back\\slash",
    ],
)
def test_project_name_bad(value):
    _assert_rejected(hook.check_project_name, "project_name", value)


# --- project_slug -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["sales-insights", "a", "app-2024-sales-board", "x1-y2", "abc123", "a" * 64],
)
def test_project_slug_ok(value):
    hook.check_project_slug(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "a/b",
        "../x",
        "..",
        "a..b",
        "a\\b",
        "/abs",
        "My-App",
        "1app",
        "my app",
        "my_app",
        "app-",
        "-app",
        "my--app",
        "café",
        "a" * 65,
    ],
)
def test_project_slug_bad(value):
    _assert_rejected(hook.check_project_slug, "project_slug", value)


@pytest.mark.parametrize("value", ["a/b", "../x", "a\\b", "a..b"])
def test_project_slug_separator_rule_is_specific(value):
    error = _assert_rejected(hook.check_project_slug, "project_slug", value)
    assert "single directory name" in error.rule


# --- package_name -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "sales_insights",
        "app_2024_sales_board",
        "dashboard",
        "x",
        "match",
        "case",
        "type",
    ],
)
def test_package_name_ok(value):
    hook.check_package_name(value)


@pytest.mark.parametrize(
    ("value", "rule_fragment"),
    [
        ("my-pkg", "identifier"),
        ("1pkg", "identifier"),
        ("", "identifier"),
        ("my pkg", "identifier"),
        ("MyPkg", "snake_case"),
        ("_private", "snake_case"),
        ("pkg_", "snake_case"),
        ("my__pkg", "snake_case"),
        ("café", "snake_case"),
        ("a" * 65, "at most"),
        ("class", "keyword"),
        ("import", "keyword"),
        ("json", "standard library"),
        ("os", "standard library"),
        ("typing", "standard library"),
        ("streamlit", "dependency"),
        ("pandas", "dependency"),
        ("duckdb", "dependency"),
        ("pydantic_settings", "dependency"),
        ("app", "dependency"),
        ("src", "dependency"),
        ("tests", "dependency"),
        ("snowflake", "dependency"),
        ("s3fs", "dependency"),
    ],
)
def test_package_name_bad(value, rule_fragment):
    error = _assert_rejected(hook.check_package_name, "package_name", value)
    assert rule_fragment in error.rule


def test_reserved_names_cover_the_data_source_libraries():
    expected = {
        "sqlalchemy",
        "psycopg",
        "snowflake",
        "fakesnow",
        "moto",
        "boto3",
        "httpx",
    }
    assert expected | {"tenacity", "s3fs", "pyarrow", "numpy", "altair"} <= (
        hook.RESERVED_PACKAGE_NAMES
    )


# --- description / author_name ------------------------------------------------------------


@pytest.mark.parametrize("check", [hook.check_description, hook.check_author_name])
@pytest.mark.parametrize("value", ["", "Data Team", "Ünïcode — dash's fine", "a" * 200])
def test_free_text_ok(check, value):
    check(value)


@pytest.mark.parametrize(
    ("check", "field"),
    [(hook.check_description, "description"), (hook.check_author_name, "author_name")],
)
@pytest.mark.parametrize(
    "value", ['Say "hi"', "back\\slash", "two\nlines", "cr\rlf", "bell\x07", "a" * 201]
)
def test_free_text_bad(check, field, value):
    _assert_rejected(check, field, value)


# --- author_email -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "data-team@example.com",
        "a@b.co",
        "first.last+tag@sub.example.org",
        "x@bücher.de",
    ],
)
def test_author_email_ok(value):
    hook.check_author_email(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not-an-email",
        "a@b",
        "a@@b.com",
        "a@b@c.com",
        "a b@c.com",
        "@example.com",
        "a@.com",
        "a@example.",
        "a@example..com",
        'a"b@c.com',
        "a@c.com\n",
    ],
)
def test_author_email_bad(value):
    _assert_rejected(hook.check_author_email, "author_email", value)


# --- python_version / data_source ---------------------------------------------------------


@pytest.mark.parametrize("value", ["3.11", "3.12", "3.13"])
def test_python_version_ok(value):
    hook.check_python_version(value)


@pytest.mark.parametrize("value", ["3.9", "3.10", "3.14", "3", "", 3.11])
def test_python_version_bad(value):
    _assert_rejected(hook.check_python_version, "python_version", value)


@pytest.mark.parametrize("value", ["duckdb", "postgres", "snowflake", "s3", "rest_api"])
def test_data_source_ok(value):
    hook.check_data_source(value)


def test_data_sources_tuple():
    assert hook.DATA_SOURCES == ("duckdb", "postgres", "snowflake", "s3", "rest_api")


@pytest.mark.parametrize("value", ["mysql", "DuckDB", "", "rest-api"])
def test_data_source_bad(value):
    _assert_rejected(hook.check_data_source, "data_source", value)


# --- sample_rows --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["1000", "100000", "100_000", "50000000", "50_000_000", 1000, 250_000]
)
def test_sample_rows_ok(value):
    hook.check_sample_rows(value)


@pytest.mark.parametrize(
    "value",
    [
        "999",
        "0",
        "-5000",
        "50000001",
        "100000000",
        "lots",
        "",
        "1e6",
        "10000.0",
        "_1000",
        "1000_",
        "1__000",
        " 1000",
        "+1000",
        "١٠٠٠٠",  # noqa: RUF001 - non-ASCII digits must be refused
        999,
        True,
        10_000.0,
    ],
)
def test_sample_rows_bad(value):
    _assert_rejected(hook.check_sample_rows, "sample_rows", value)


# --- live_refresh_seconds -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "10", "2.5", "3600", "3600.0", 5, 0.5 + 0.5])
def test_live_refresh_seconds_ok(value):
    hook.check_live_refresh_seconds(value)


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "0.5",
        "3601",
        "-1",
        "ten",
        "",
        "nan",
        "inf",
        "1e3",
        "10s",
        ".5",
        0,
        3601,
        False,
    ],
)
def test_live_refresh_seconds_bad(value):
    _assert_rejected(hook.check_live_refresh_seconds, "live_refresh_seconds", value)


# --- validate / main ----------------------------------------------------------------------


def test_validate_accepts_the_defaults():
    assert hook.validate(VALID_ANSWERS) == []


def test_validate_checks_every_answer_in_cookiecutter_json():
    assert set(hook.CHECKS) == set(hook.ANSWERS) == set(VALID_ANSWERS)


def test_validate_returns_all_errors_in_field_order():
    answers = dict(VALID_ANSWERS, project_slug="a/b", sample_rows="x", author_email="nope")
    errors = hook.validate(answers)
    assert [e.field for e in errors] == ["project_slug", "author_email", "sample_rows"]
    assert all(isinstance(e, hook.AnswerError) for e in errors)


def test_validate_skips_missing_and_unknown_keys():
    assert hook.validate({"project_slug": "ok-slug", "_extensions": ["x"]}) == []


def test_raw_answers_are_jinja_expressions():
    # The unrendered file must import; each answer is still a Jinja expression.
    for field, raw in hook.ANSWERS.items():
        assert raw == f"{{{{ cookiecutter.{field} | urlencode }}}}"


def test_main_exits_zero_silently(monkeypatch, capsys):
    monkeypatch.setattr(hook, "ANSWERS", dict(VALID_ANSWERS))
    with pytest.raises(SystemExit) as excinfo:
        hook.main()
    assert excinfo.value.code == 0
    assert capsys.readouterr() == ("", "")


def test_main_prints_one_line_per_error_and_exits_one(monkeypatch, capsys):
    monkeypatch.setattr(hook, "ANSWERS", dict(VALID_ANSWERS, project_slug="../x", data_source="x"))
    with pytest.raises(SystemExit) as excinfo:
        hook.main()
    assert excinfo.value.code == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Invalid answer for 'project_slug': '../x' \u2014 ")
    assert lines[1].startswith("Invalid answer for 'data_source': 'x' \u2014 ")


# --- the hook as cookiecutter renders and runs it -----------------------------------------


def _render_and_run_hook(answers: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    """Render hooks/pre_gen_project.py like cookiecutter's run_script_with_context, run it."""
    context = {"cookiecutter": dict(answers)}
    source = (TEMPLATE_ROOT / "hooks" / "pre_gen_project.py").read_text(encoding="utf-8")
    rendered = StrictEnvironment(context=context).from_string(source).render(**context)
    script = tmp_path / "pre_gen_project.py"
    script.write_text(rendered, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )


def test_rendered_hook_passes_valid_answers(tmp_path):
    answers = dict(VALID_ANSWERS, project_name="Café Board \u2014 'single'")
    result = _render_and_run_hook(answers, tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_rendered_hook_round_trips_hostile_values(tmp_path):
    # Quotes, backslashes, newlines and Jinja-looking text must not break the hook's syntax.
    answers = dict(
        VALID_ANSWERS,
        project_name='x"\n\'\'\'"""\\',
        project_slug="../{{ evil }}",
        description='say "hi" \\o/',
        sample_rows=12,
    )
    result = _render_and_run_hook(answers, tmp_path)
    assert result.returncode == 1, result.stderr
    # The rendered hook saw exactly the original values (sample_rows arrives as text).
    expected = hook.validate(dict(answers, sample_rows="12"))
    assert [e.field for e in expected] == [
        "project_name",
        "project_slug",
        "description",
        "sample_rows",
    ]
    assert result.stderr.splitlines() == [str(e) for e in expected]


# --- local_extensions.check_answers -------------------------------------------------------


def _load_local_extensions():
    spec = importlib.util.spec_from_file_location(
        "_test_local_extensions", TEMPLATE_ROOT / "local_extensions.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_check_answers_filter_ok():
    ext = _load_local_extensions()
    assert ext.check_answers({**VALID_ANSWERS, "_extensions": []}) == "ok"


def test_check_answers_filter_raises_failed_hook_exception():
    ext = _load_local_extensions()
    with pytest.raises(FailedHookException) as excinfo:
        ext.check_answers(dict(VALID_ANSWERS, project_slug="a/b", package_name="json"))
    assert str(excinfo.value).splitlines() == [
        str(error)
        for error in hook.validate(dict(VALID_ANSWERS, project_slug="a/b", package_name="json"))
    ]
    assert len(str(excinfo.value).splitlines()) == 2


def test_extension_registers_filter():
    ext = _load_local_extensions()
    env = Environment()
    ext.AnswerCheck(env)
    assert env.filters["check_answers"] is ext.check_answers
