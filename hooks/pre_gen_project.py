"""Validate the cookiecutter answers before the project is generated.

This is the authoritative gate: cookiecutter renders this file with Jinja and runs it
as a script before it writes any project file. ``local_extensions.AnswerCheck`` loads
this same module by path and runs ``validate`` while the answers are being collected,
which is earlier still: before cookiecutter creates the project directory.

The file must stay self-contained (cookiecutter copies hooks to a temporary directory)
and use the standard library only. The raw, unrendered file is importable as Python so
the rules can be unit-tested: every answer is a plain string literal holding a Jinja
expression. Answers are rendered through ``urlencode`` (which quotes everything except
letters, digits, ``_.-~/``) and decoded with ``urllib.parse.unquote``, so quotes,
backslashes or newlines in an answer cannot break this file's Python syntax.
"""

from __future__ import annotations

import keyword
import re
import sys
from urllib.parse import unquote

ANSWERS: dict[str, str] = {
    "project_name": unquote("{{ cookiecutter.project_name | urlencode }}"),
    "project_slug": unquote("{{ cookiecutter.project_slug | urlencode }}"),
    "package_name": unquote("{{ cookiecutter.package_name | urlencode }}"),
    "description": unquote("{{ cookiecutter.description | urlencode }}"),
    "author_name": unquote("{{ cookiecutter.author_name | urlencode }}"),
    "author_email": unquote("{{ cookiecutter.author_email | urlencode }}"),
    "python_version": unquote("{{ cookiecutter.python_version | urlencode }}"),
    "data_source": unquote("{{ cookiecutter.data_source | urlencode }}"),
    "sample_rows": unquote("{{ cookiecutter.sample_rows | urlencode }}"),
    "live_refresh_seconds": unquote("{{ cookiecutter.live_refresh_seconds | urlencode }}"),
}

PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
# Every data source the template knows about; the choice list in cookiecutter.json is
# the real gate (it may offer fewer while the other sources are being written).
DATA_SOURCES = ("duckdb", "postgres", "snowflake", "s3", "rest_api")

MAX_PROJECT_NAME = 80  # fits `APP_TITLE = "..."` within the 100-column lines
MAX_SLUG = 64
MAX_PACKAGE = 40  # keeps `from <package>.<module> import ...` lines within 100 columns
MAX_TEXT = 200
MAX_EMAIL = 254
MIN_SAMPLE_ROWS = 1_000
MAX_SAMPLE_ROWS = 50_000_000
MIN_REFRESH_SECONDS = 1
MAX_REFRESH_SECONDS = 3600

SLUG_RE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
PACKAGE_RE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
EMAIL_RE = re.compile(r"[^\s@\"\\]+@[^\s@\"\\.]+(?:\.[^\s@\"\\.]+)+")
INT_RE = re.compile(r"[0-9]+(?:_[0-9]+)*")
NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")

# Import names the generated project (or one of its data sources) depends on, plus
# names that would clash with the project layout or tooling.
RESERVED_PACKAGE_NAMES = frozenset(
    {
        "streamlit",
        "pandas",
        "duckdb",
        "pyarrow",
        "numpy",
        "pydantic",
        "pydantic_settings",
        "altair",
        "pytest",
        "ruff",
        "tests",
        "test",
        "setuptools",
        "hatchling",
        "src",
        "app",
        "sqlalchemy",
        "psycopg",
        "snowflake",
        "fakesnow",
        "moto",
        "boto3",
        "httpx",
        "tenacity",
        "s3fs",
        # the project's own top-level package and what it imports
        "benchmarks",
        "websockets",
        "psutil",
    }
)


class AnswerError(ValueError):
    """One invalid answer. ``str()`` is a single line naming the field and the value."""

    def __init__(self, field: str, value: object, rule: str) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        super().__init__(f"Invalid answer for '{field}': {value!r} \u2014 {rule}.")


def _check_text(field: str, value: object, max_len: int, *, allow_empty: bool = True) -> str:
    """Shared checks for free text: a single printable line of bounded length."""
    if not isinstance(value, str):
        raise AnswerError(field, value, "must be text")
    if not allow_empty and not value.strip():
        raise AnswerError(field, value, "must not be empty")
    if not value.isprintable():
        raise AnswerError(
            field,
            value,
            "must be a single line of printable characters (no control characters)",
        )
    if len(value) > max_len:
        raise AnswerError(field, value, f"must be at most {max_len} characters long")
    return value


def check_project_name(value: object) -> None:
    text = _check_text("project_name", value, MAX_PROJECT_NAME, allow_empty=False)
    # The name is written into Python and TOML string literals ("...").
    if '"' in text or "\\" in text:
        raise AnswerError("project_name", value, "must not contain double quotes or backslashes")


def check_project_slug(value: object) -> None:
    field = "project_slug"
    if not isinstance(value, str):
        raise AnswerError(field, value, "must be text")
    if "/" in value or "\\" in value or ".." in value:
        raise AnswerError(
            field,
            value,
            "must be a single directory name (no '/', '\\' or '..'): use lowercase kebab-case",
        )
    if len(value) > MAX_SLUG:
        raise AnswerError(field, value, f"must be at most {MAX_SLUG} characters long")
    if not SLUG_RE.fullmatch(value):
        raise AnswerError(
            field,
            value,
            "must be lowercase kebab-case: start with a letter, then letters, digits and "
            "single hyphens, no trailing hyphen (e.g. 'sales-insights')",
        )


def check_package_name(value: object) -> None:
    field = "package_name"
    if not isinstance(value, str):
        raise AnswerError(field, value, "must be text")
    if not value.isidentifier():
        raise AnswerError(
            field,
            value,
            "must be a valid Python identifier (letters, digits and underscores)",
        )
    if len(value) > MAX_PACKAGE:
        raise AnswerError(field, value, f"must be at most {MAX_PACKAGE} characters long")
    if not PACKAGE_RE.fullmatch(value):
        raise AnswerError(
            field,
            value,
            "must be lowercase snake_case: start with a letter, then lowercase letters, "
            "digits and single underscores (e.g. 'sales_insights')",
        )
    if keyword.iskeyword(value):
        raise AnswerError(field, value, "is a Python keyword")
    if value in sys.stdlib_module_names:
        raise AnswerError(field, value, "would shadow the standard library module of that name")
    if value in RESERVED_PACKAGE_NAMES:
        raise AnswerError(
            field,
            value,
            "would shadow a dependency or a common import name of the project",
        )


def check_description(value: object) -> None:
    _check_toml_safe_text("description", value)


def check_author_name(value: object) -> None:
    _check_toml_safe_text("author_name", value)


def _check_toml_safe_text(field: str, value: object) -> None:
    text = _check_text(field, value, MAX_TEXT)
    # The rendered pyproject.toml writes this inside a TOML basic string ("...").
    if '"' in text or "\\" in text:
        raise AnswerError(
            field,
            value,
            "must not contain double quotes or backslashes (written into TOML)",
        )


def check_author_email(value: object) -> None:
    field = "author_email"
    if not isinstance(value, str):
        raise AnswerError(field, value, "must be text")
    if len(value) > MAX_EMAIL or not value.isprintable() or not EMAIL_RE.fullmatch(value):
        raise AnswerError(
            field,
            value,
            "must look like 'name@example.com' (one '@', no spaces or quotes)",
        )


def check_python_version(value: object) -> None:
    if value not in PYTHON_VERSIONS:
        raise AnswerError("python_version", value, f"must be one of {', '.join(PYTHON_VERSIONS)}")


def check_data_source(value: object) -> None:
    if value not in DATA_SOURCES:
        raise AnswerError("data_source", value, f"must be one of {', '.join(DATA_SOURCES)}")


def check_sample_rows(value: object) -> None:
    field = "sample_rows"
    rule = f"must be a whole number from {MIN_SAMPLE_ROWS:_} to {MAX_SAMPLE_ROWS:_}"
    if isinstance(value, bool):
        raise AnswerError(field, value, rule)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and INT_RE.fullmatch(value):
        number = int(value)
    else:
        raise AnswerError(field, value, rule)
    if not MIN_SAMPLE_ROWS <= number <= MAX_SAMPLE_ROWS:
        raise AnswerError(field, value, rule)


def check_live_refresh_seconds(value: object) -> None:
    field = "live_refresh_seconds"
    rule = f"must be a number of seconds from {MIN_REFRESH_SECONDS} to {MAX_REFRESH_SECONDS}"
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (is_number or (isinstance(value, str) and NUMBER_RE.fullmatch(value))):
        raise AnswerError(field, value, rule)
    number = float(value)
    if not MIN_REFRESH_SECONDS <= number <= MAX_REFRESH_SECONDS:
        raise AnswerError(field, value, rule)


CHECKS = {
    "project_name": check_project_name,
    "project_slug": check_project_slug,
    "package_name": check_package_name,
    "description": check_description,
    "author_name": check_author_name,
    "author_email": check_author_email,
    "python_version": check_python_version,
    "data_source": check_data_source,
    "sample_rows": check_sample_rows,
    "live_refresh_seconds": check_live_refresh_seconds,
}


def validate(answers: dict) -> list[AnswerError]:
    """Return every problem with ``answers`` (fields missing from ``answers`` are skipped)."""
    errors = []
    for field, check in CHECKS.items():
        if field not in answers:
            continue
        try:
            check(answers[field])
        except AnswerError as error:
            errors.append(error)
    return errors


def main() -> None:
    errors = validate(ANSWERS)
    for error in errors:
        print(error, file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
