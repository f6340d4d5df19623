"""Unit tests for the answer rules in hooks/pre_gen_project.py, run on the raw module."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Concatenate, ParamSpec
from urllib.parse import quote

import pytest
from conftest import CONTEXT, TEMPLATE_ROOT
from conftest import pre_gen_project as hook
from cookiecutter.environment import StrictEnvironment
from hatchling.metadata.core import ProjectMetadata
from hatchling.plugin.manager import PluginManager

P = ParamSpec("P")

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


def _assert_rejected(
    check: Callable[Concatenate[object, P], None],
    field: str,
    value: object,
    *args: P.args,
    **kwargs: P.kwargs,
) -> hook.AnswerError:
    with pytest.raises(hook.AnswerError) as excinfo:
        check(value, *args, **kwargs)
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
        "販" * 80,
    ],
)
def test_project_name_ok(value: str) -> None:
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
        None,
        42,
        ["a"],
    ],
)
def test_project_name_bad(value: object) -> None:
    _assert_rejected(hook.check_project_name, "project_name", value)


# --- project_slug -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["sales-insights", "a", "app-2024-sales-board", "x1-y2", "abc123", "a" * 64, "yamlish"],
)
def test_project_slug_ok(value: str) -> None:
    hook.check_project_slug(value, "duckdb")


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
        None,
    ],
)
def test_project_slug_bad(value: object) -> None:
    _assert_rejected(hook.check_project_slug, "project_slug", value, "duckdb")


@pytest.mark.parametrize("value", ["a/b", "../x", "a\\b", "a..b"])
def test_project_slug_separator_rule_is_specific(value: str) -> None:
    error = _assert_rejected(hook.check_project_slug, "project_slug", value)
    assert "single directory name" in error.rule


@pytest.mark.parametrize(
    ("value", "data_source"),
    [
        ("streamlit", "duckdb"),
        ("pandas", "duckdb"),
        ("pydantic-settings", "rest_api"),
        ("sqlalchemy", "postgres"),
        ("snowflake-connector-python", "snowflake"),
        ("moto", "s3"),
        ("httpx", "rest_api"),
    ],
)
def test_project_slug_of_a_dependency_distribution_is_refused(value: str, data_source: str) -> None:
    error = _assert_rejected(hook.check_project_slug, "project_slug", value, data_source)
    assert "pip could not install" in error.rule


def test_slug_rules_follow_the_chosen_data_source() -> None:
    hook.check_project_slug("tenacity", "duckdb")  # only the rest_api option depends on it
    _assert_rejected(hook.check_project_slug, "project_slug", "tenacity", "rest_api")
    # An unknown data source (reported on its own) checks against every option.
    _assert_rejected(hook.check_project_slug, "project_slug", "tenacity", "mysql")


# --- package_name -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["sales_insights", "app_2024_sales_board", "dashboard", "x", "match", "case", "type"]
)
def test_package_name_ok(value: str) -> None:
    hook.check_package_name(value, "duckdb")


@pytest.mark.parametrize(
    ("value", "rule_fragment"),
    [
        ("my-pkg", "identifier"),
        ("1pkg", "identifier"),
        ("", "identifier"),
        ("my pkg", "identifier"),
        (None, "text"),
        ("MyPkg", "snake_case"),
        ("_private", "snake_case"),
        ("pkg_", "snake_case"),
        ("my__pkg", "snake_case"),
        ("café", "snake_case"),
        ("a" * 65, "at most"),
        ("class", "keyword"),
        ("import", "keyword"),
        ("json", "standard library"),
        ("typing", "standard library"),
        ("streamlit_app", "streamlit_app.py"),
        ("commands", "tests/commands.py"),
        ("conftest", "tests/conftest.py"),
        ("benchmarks", "benchmarks/"),
        ("src", "src/"),
        ("streamlit", "depends on"),
        ("watchdog", "depends on"),
        ("dotenv", "depends on"),
        ("python_dotenv", "depends on"),
        ("requests", "depends on"),
        ("pydantic_settings", "depends on"),
    ],
)
def test_package_name_bad(value: object, rule_fragment: str) -> None:
    error = _assert_rejected(hook.check_package_name, "package_name", value, "duckdb")
    assert rule_fragment in error.rule


def test_package_rules_follow_the_chosen_data_source() -> None:
    hook.check_package_name("sqlalchemy", "duckdb")
    _assert_rejected(hook.check_package_name, "package_name", "sqlalchemy", "postgres")


# --- description / author_name ------------------------------------------------------------


@pytest.mark.parametrize("check", [hook.check_description, hook.check_author_name])
@pytest.mark.parametrize("value", ["", "Data Team", "Ünïcode — dash's fine", "a" * 200])
def test_free_text_ok(check: Callable[[object], None], value: str) -> None:
    check(value)


@pytest.mark.parametrize(
    ("check", "field"),
    [(hook.check_description, "description"), (hook.check_author_name, "author_name")],
)
@pytest.mark.parametrize(
    "value", ['Say "hi"', "back\\slash", "two\nlines", "cr\rlf", "bell\x07", "a" * 201, None]
)
def test_free_text_bad(check: Callable[[object], None], field: str, value: object) -> None:
    _assert_rejected(check, field, value)


# --- author_email: exactly what the build backend writes into the metadata ----------------

EMAILS = [
    "data-team@example.com",
    "first.last+tag@sub.example.org",
    "x@bücher.de",
    "a@b",
    "a@[127.0.0.1]",
    '"a b"@example.com',
    '"a\\"b"@example.com',
    "a'b@example.com",
    "<a@example.com>",
    "Data Team <a@example.com>",
    "a,b@example.com",
    "a@example.com, b@example.com",
    "a;b@example.com",
    "a b@example.com",
    "a\t@example.com",
    "ünï@example.com",
    "a..b@example.com",
    ".a@example.com",
    "a@example.com.",
    "a@example..com",
    "a@@example.com",
    "@example.com",
    "not-an-email",
    "a@example.com (work)",
    "a@example.com\n",
    "",
]


def build_backend_writes(email: str) -> bool:
    """True if hatchling writes exactly ``email`` into the package's Author-email."""
    metadata: ProjectMetadata[PluginManager] = ProjectMetadata(
        ".",
        None,
        {"project": {"name": "x", "version": "1", "authors": [{"name": "T", "email": email}]}},
    )
    try:
        written = metadata.core.authors_data["email"]
    except Exception:  # hatchling surfaces the email package's parse errors as they are
        return False
    return written == [f"T <{email}>"]


@pytest.mark.parametrize("email", EMAILS)
def test_author_email_is_accepted_exactly_when_the_build_backend_accepts_it(email: str) -> None:
    try:
        hook.check_author_email(email)
    except hook.AnswerError:
        accepted = False
    else:
        accepted = True
    assert accepted == build_backend_writes(email)


def test_the_email_table_has_both_outcomes() -> None:
    outcomes = [build_backend_writes(email) for email in EMAILS]
    assert outcomes.count(True) >= 6
    assert outcomes.count(False) >= 15


@pytest.mark.parametrize("value", [None, 7, "a" * 250 + "@example.com"])
def test_author_email_bad_type_or_length(value: object) -> None:
    _assert_rejected(hook.check_author_email, "author_email", value)


# --- python_version / data_source ---------------------------------------------------------


@pytest.mark.parametrize("value", ["3.11", "3.12", "3.13"])
def test_python_version_ok(value: str) -> None:
    hook.check_python_version(value)


@pytest.mark.parametrize("value", ["3.9", "3.10", "3.14", "3", "", 3.11, None])
def test_python_version_bad(value: object) -> None:
    _assert_rejected(hook.check_python_version, "python_version", value)


def test_known_data_sources_cover_the_offered_choices() -> None:
    assert set(CONTEXT["data_source"]) <= set(hook.DATA_SOURCES)


@pytest.mark.parametrize("value", ["mysql", "DuckDB", "", "rest-api", None])
def test_data_source_bad(value: object) -> None:
    _assert_rejected(hook.check_data_source, "data_source", value)


# --- numbers: canonical spellings only ----------------------------------------------------


@pytest.mark.parametrize("value", ["1000", "100000", "50000000", 1000, 250_000])
def test_sample_rows_ok(value: object) -> None:
    hook.check_sample_rows(value)


@pytest.mark.parametrize(
    "value",
    [
        "999",
        "0",
        "-5000",
        "50000001",
        "lots",
        "",
        "1e6",
        "10000.0",
        "100_000",
        "010000",
        " 1000",
        "+1000",
        "١٠٠٠٠",  # noqa: RUF001 - Arabic-Indic digits must be refused
        999,
        True,
        10000.0,
        None,
    ],
)
def test_sample_rows_bad(value: object) -> None:
    _assert_rejected(hook.check_sample_rows, "sample_rows", value)


def test_leading_zero_message_names_the_canonical_form() -> None:
    error = _assert_rejected(hook.check_live_refresh_seconds, "live_refresh_seconds", "010")
    assert "no leading zero (e.g. 10 or 2.5)" in error.rule


@pytest.mark.parametrize("value", ["1", "10", "2.5", "3600", "3600.0", "1.25", 5, 1.0])
def test_live_refresh_seconds_ok(value: object) -> None:
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
        "5.",
        "010",
        "01.5",
        "1_0",
        0,
        3601,
        False,
        None,
    ],
)
def test_live_refresh_seconds_bad(value: object) -> None:
    _assert_rejected(hook.check_live_refresh_seconds, "live_refresh_seconds", value)


# --- validate: every answer, Jinja, derived answers ---------------------------------------

DEFAULTS = {key: value for key, value in CONTEXT.items() if not key.startswith("_")}


def test_validate_accepts_the_defaults() -> None:
    assert hook.validate(VALID_ANSWERS) == []


def test_every_answer_in_cookiecutter_json_has_a_check() -> None:
    unchecked = sorted(set(DEFAULTS) - set(hook.CHECKS))
    assert not unchecked, f"add a check to CHECKS in hooks/pre_gen_project.py for {unchecked}"
    assert set(hook.CHECKS) <= set(DEFAULTS)


def test_validate_returns_all_errors_in_field_order() -> None:
    answers = dict(VALID_ANSWERS, project_slug="a/b", sample_rows="x", author_email="nope")
    errors = hook.validate(answers)
    assert [e.field for e in errors] == ["project_slug", "author_email", "sample_rows"]


def test_validate_skips_missing_and_unknown_keys() -> None:
    assert hook.validate({"project_slug": "ok-slug", "_extensions": ["x"], "later": "y"}) == []


@pytest.mark.parametrize(
    ("given", "rendered"),
    [
        ("{{ 7*7 }}", "49"),
        ("{% if true %}Sales{% endif %}", "Sales"),
        ("Sales {# note #}", "Sales "),
        ("{{ cycler.__init__.__globals__.os.getcwd() }}", "/somewhere"),
    ],
)
def test_a_given_jinja_answer_is_refused_with_what_it_became(given: str, rendered: str) -> None:
    answers = dict(VALID_ANSWERS, project_name=rendered)
    errors = hook.validate(answers, dict(VALID_ANSWERS, project_name=given), DEFAULTS)
    assert [(e.field, e.value) for e in errors] == [("project_name", given)]
    assert f"cookiecutter evaluated (to {rendered!r})" in errors[0].rule


def test_jinja_is_checked_in_answers_the_hook_has_no_rule_for() -> None:
    # e.g. an answer another option adds to cookiecutter.json later
    answers = dict(VALID_ANSWERS, dataset_path="data/x.parquet")
    given = dict(VALID_ANSWERS, dataset_path="{{ 'data' }}/x.parquet")
    assert [e.field for e in hook.validate(answers, given, DEFAULTS)] == ["dataset_path"]


def test_template_syntax_left_after_rendering_is_refused() -> None:
    answers = dict(VALID_ANSWERS, description="typed {{ literally }}")
    errors = hook.validate(answers)
    assert [(e.field, e.value) for e in errors] == [("description", "typed {{ literally }}")]
    assert "Jinja template syntax" in errors[0].rule


def test_the_templates_own_derived_defaults_are_not_jinja_answers() -> None:
    given = dict(VALID_ANSWERS, project_slug=DEFAULTS["project_slug"])
    given["package_name"] = DEFAULTS["package_name"]
    assert hook.validate(VALID_ANSWERS, given, DEFAULTS) == []


def test_a_bad_derived_slug_names_the_answer_it_came_from() -> None:
    answers = dict(VALID_ANSWERS, project_name="!!!", project_slug="app-", package_name="app_")
    given = dict(answers, project_slug=DEFAULTS["project_slug"])
    given["package_name"] = DEFAULTS["package_name"]
    errors = hook.validate(answers, given, DEFAULTS)
    # package_name was made from the bad slug: only the slug is reported
    assert [e.field for e in errors] == ["project_slug"]
    assert errors[0].rule.endswith("it was made from project_name: give project_slug explicitly")


def test_a_derived_answer_of_a_refused_answer_is_not_reported_twice() -> None:
    answers = dict(VALID_ANSWERS, project_name=None, project_slug="none", package_name="none")
    given = dict(answers, project_slug=DEFAULTS["project_slug"])
    given["package_name"] = DEFAULTS["package_name"]
    assert [(e.field, e.value) for e in hook.validate(answers, given, DEFAULTS)] == [
        ("project_name", None)
    ]


def test_the_slug_is_reported_as_given_not_as_encoded_for_the_directory() -> None:
    answers = dict(VALID_ANSWERS, project_slug="a%2Fb")
    errors = hook.validate(answers, dict(VALID_ANSWERS, project_slug="a/b"), DEFAULTS)
    assert [(e.field, e.value) for e in errors] == [("project_slug", "a/b")]


# --- main, and the hook as cookiecutter renders and runs it -------------------------------


def test_main_prints_one_line_per_error_and_exits_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = dict(VALID_ANSWERS, project_slug="../x", data_source="x")
    monkeypatch.setattr(hook, "RENDERED_ANSWERS", quote(json.dumps(answers)))
    with pytest.raises(SystemExit) as excinfo:
        hook.main()
    assert excinfo.value.code == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [str(error) for error in hook.validate(answers)]
    assert len(err.splitlines()) == 2


def test_main_exits_zero_silently(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(hook, "RENDERED_ANSWERS", quote(json.dumps(VALID_ANSWERS)))
    with pytest.raises(SystemExit) as excinfo:
        hook.main()
    assert excinfo.value.code == 0
    assert capsys.readouterr() == ("", "")


def _render_and_run_hook(
    context: dict[str, object], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """Render hooks/pre_gen_project.py like cookiecutter's run_script_with_context, run it."""
    source = (TEMPLATE_ROOT / "hooks" / "pre_gen_project.py").read_text(encoding="utf-8")
    rendered = StrictEnvironment(context=context).from_string(source).render(**context)
    script = tmp_path / "pre_gen_project.py"
    script.write_text(rendered, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, check=False
    )


def test_rendered_hook_passes_valid_answers_without_raw_answers(tmp_path: Path) -> None:
    # cruft renders hooks without ``_cookiecutter`` or ``_repo_dir``.
    answers = dict(VALID_ANSWERS, project_name="Café Board \u2014 'single'")
    result = _render_and_run_hook({"cookiecutter": answers}, tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_rendered_hook_round_trips_hostile_values(tmp_path: Path) -> None:
    # Quotes, backslashes, newlines and Jinja-looking text must not break the hook's syntax.
    answers = dict(
        VALID_ANSWERS,
        project_name='x"\n\'\'\'"""\\',
        project_slug="../{{ evil }}",
        description='say "hi" \\o/',
        sample_rows=None,
        _repo_dir=str(TEMPLATE_ROOT),
    )
    given = dict(VALID_ANSWERS, author_name="{{ 'Data' }} Team")
    result = _render_and_run_hook({"cookiecutter": answers, "_cookiecutter": given}, tmp_path)
    assert result.returncode == 1, result.stderr
    expected = hook.validate(answers, given, DEFAULTS)
    assert [e.field for e in expected] == [
        "project_name",
        "project_slug",
        "description",
        "author_name",
        "sample_rows",
    ]
    assert result.stderr.splitlines() == [str(e) for e in expected]
