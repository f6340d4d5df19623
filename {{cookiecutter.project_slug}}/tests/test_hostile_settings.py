"""Hostile settings through the real app: each one named, with its source, never the crash page.

Every row sets one bad value in one source (the environment, ``.env``, or the
tables of ``.streamlit/secrets.toml``), runs ``streamlit_app.py`` with AppTest and
expects exactly the app's own settings error: the variable (or secrets key), where
it was set, and what is expected. The value itself never appears in the page.
"""

from __future__ import annotations
{% if cookiecutter.data_source != "duckdb" %}
import os
{%- endif %}
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from page_text import shown
from streamlit.testing.v1 import AppTest
{% if cookiecutter.data_source != "duckdb" %}
from {{ cookiecutter.package_name }}.connection import CONNECTION_NAME
from {{ cookiecutter.package_name }}.settings import (
    ENV_PREFIX,
    SECRETS_SECTION,
    env_var_name,
    secrets_key,
)
{%- else %}
from {{ cookiecutter.package_name }}.settings import (
    SECRETS_SECTION,
    env_var_name,
    secrets_key,
)
{%- endif %}

ENV, DOTENV, SECRETS = "environment", ".env", ".streamlit/secrets.toml"

FINITE = "Input should be a finite number"
NUMBER = "Input should be a valid number, unable to parse string as a number"
INTEGER = "Input should be a valid integer, unable to parse string as an integer"
FRACTION = "Input should be a valid integer, got a number with a fractional part"
POLICY = "Input should be a valid dictionary or instance of CachePolicy"
BOOLEAN = "Input should be a valid boolean, unable to interpret input"
STRING = "Input should be a valid string"
LIST = "Input should be a valid list"
BAD_JSON_OBJECT = "not valid JSON"
{%- if cookiecutter.auth != "none" %}
GRANT = 'each grant names a dimension and at least one value ("*": all)'
{%- endif %}


@dataclass(frozen=True)
class Hostile:
    """One bad value: the field's path, the value, the expected message, and its source."""

    path: str
    value: Any
    expected: str
    source: str = ENV
    at: str = ""  # where inside a JSON value the problem is, when it is not the field

    @property
    def location(self) -> tuple[str, ...]:
        return tuple(self.path.split("."))

    @property
    def named(self) -> str:
        """How the message must start: the variable or key, then its source."""
        if self.source == SECRETS:
            return f"`{secrets_key(self.location)}` ({SECRETS}"
        where = f"{self.source}, at {self.at}" if self.at else self.source
        return f"`{env_var_name(self.location)}` ({where}"


HOSTILE = [
    # Text: empty, huge.
    Hostile("app_title", "", "String should have at least 1 character"),
    Hostile("app_title", "T" * 10_000, "String should have at most 200 characters"),
    # Seconds: inf, nan, huge, zero, negative, empty, words.
    Hostile("live_refresh_seconds", "inf", FINITE),
    Hostile("live_refresh_seconds", "-inf", FINITE),
    Hostile("live_refresh_seconds", "nan", FINITE),
    Hostile("live_refresh_seconds", "1e308", "Input should be less than or equal to 3600"),
    Hostile("live_refresh_seconds", "0", "Input should be greater than or equal to 1"),
    Hostile("live_refresh_seconds", "", NUMBER),
    Hostile("live_refresh_seconds", "every-second", NUMBER),
    Hostile("query_timeout_seconds", "inf", FINITE),
    Hostile("query_timeout_seconds", "NaN", FINITE),
    Hostile("query_timeout_seconds", "0", "Input should be greater than 0"),
    Hostile("query_timeout_seconds", "-30", "Input should be greater than 0"),
    Hostile("query_timeout_seconds", "86400", "Input should be less than or equal to 3600"),
    # Counts: words, fractions, huge, out of range, empty.
    Hostile("max_chart_points", "lots", INTEGER),
    Hostile("max_chart_points", "2.5", INTEGER),
    Hostile("max_chart_points", "9" * 40, "Input should be less than or equal to 20000"),
    Hostile("max_chart_points", "", INTEGER),
    Hostile("page_size", "0", "Input should be greater than or equal to 10"),
    Hostile("page_size", "1e3", INTEGER),
    Hostile("page_size", "5001", "Input should be less than or equal to 5000"),
    # Switches.
    Hostile("dev_panel", "maybe", BOOLEAN),
    Hostile("dev_panel", "", BOOLEAN),
    Hostile("dev_panel", "2", BOOLEAN),
    # Lists: JSON of the wrong shape, JSON cut short.
    Hostile("operators", '{"ops": "alice"}', LIST),
    Hostile("operators", '["alice@example.com",', "not valid JSON"),
    Hostile("operators", '["alice@example.com", 2]', STRING, at="1"),
    # Nested tables: bad JSON, wrong shape, and bad leaves.
    Hostile("cache", "{", BAD_JSON_OBJECT),
    Hostile("cache", "[]", "Input should be a valid dictionary or instance of CacheSettings"),
    Hostile("cache", '{"default": {"ttl_seconds": "inf"}}', FINITE, at="default.ttl_seconds"),
    Hostile("cache.default.ttl_seconds", "inf", FINITE),
    Hostile("cache.default.ttl_seconds", "nan", FINITE),
    Hostile("cache.default.ttl_seconds", "-1", "Input should be greater than 0"),
    Hostile("cache.default.ttl_seconds", "1e12", "Input should be less than or equal to 31536000"),
    Hostile("cache.default.max_entries", "0", "Input should be greater than 0"),
    Hostile("cache.default.max_entries", "1000000001", "less than or equal to 1000000"),
    Hostile("cache.namespaces", "{", BAD_JSON_OBJECT),
    Hostile("cache.namespaces.queries", "5", POLICY),
    Hostile("cache.namespaces.queries.ttl_seconds", "soon", NUMBER),
    # The same kinds of value from .env.
    Hostile("page_size", "huge", INTEGER, DOTENV),
    Hostile("live_refresh_seconds", "inf", FINITE, DOTENV),
    Hostile("cache", "{", BAD_JSON_OBJECT, DOTENV),
    Hostile("operators", '["x",', "not valid JSON", DOTENV),
    # ...and from [app] in secrets.toml, where TOML has its own types (inf and nan too).
    Hostile("live_refresh_seconds", float("inf"), FINITE, SECRETS),
    Hostile("query_timeout_seconds", float("nan"), FINITE, SECRETS),
    Hostile("max_chart_points", "lots", INTEGER, SECRETS),
    Hostile("max_chart_points", 1e300, "exceeded maximum size", SECRETS),
    Hostile("dev_panel", "sometimes", BOOLEAN, SECRETS),
    Hostile("operators", "alice@example.com", LIST, SECRETS),
    Hostile("app_title", 42, STRING, SECRETS),
    Hostile("cache", 5, "Input should be a valid dictionary or instance of CacheSettings", SECRETS),
    Hostile("cache.default.ttl_seconds", -1.0, "Input should be greater than 0", SECRETS),
{%- if cookiecutter.data_source == "postgres" %}
    # The connection: from the environment and from [connections.postgres].
    Hostile("connection.port", "0", "Input should be greater than 0"),
    Hostile("connection.port", "65536", "Input should be less than 65536"),
    Hostile("connection.port", "fivefourthreetwo", INTEGER),
    Hostile("connection.host", "", "String should have at least 1 character"),
    Hostile("connection.connect_timeout_seconds", "inf", INTEGER),
    Hostile("connection.connect_timeout_seconds", "100000", "less than or equal to 300"),
    Hostile("connection.password", 12345678, STRING, SECRETS),
    Hostile("connection.port", 5432.5, FRACTION, SECRETS),
{%- elif cookiecutter.data_source == "snowflake" %}
    # The connection: from the environment and from [connections.snowflake].
    Hostile("connection.protocol", "ftp", "Input should be 'https' or 'http'"),
    Hostile("connection.login_timeout", "0", "Input should be greater than or equal to 1"),
    Hostile("connection.socket_timeout", "inf", INTEGER),
    Hostile("connection.port", "65536", "Input should be less than 65536"),
    Hostile("connection.database", "two words", "String should match pattern"),
    Hostile("connection.account", "", "String should have at least 1 character"),
    Hostile("connection.password", 12345678, STRING, SECRETS),
    Hostile("connection.login_timeout", 10**9, "less than or equal to 300", SECRETS),
{%- elif cookiecutter.data_source == "s3" %}
    # The connection: from the environment and from [connections.s3].
    Hostile("connection.bucket", "Not_A_Bucket", "String should match pattern"),
    Hostile("connection.bucket", "", "String should match pattern"),
    Hostile("connection.retries", "11", "Input should be less than or equal to 10"),
    Hostile("connection.retries", "-1", "Input should be greater than or equal to 0"),
    Hostile("connection.connect_timeout_seconds", "inf", FINITE),
    Hostile("connection.connect_timeout_seconds", "nan", FINITE),
    Hostile("connection.secret_access_key", 12345678, STRING, SECRETS),
    Hostile("connection.retries", 2.5, FRACTION, SECRETS),
{%- elif cookiecutter.data_source == "rest_api" %}
    # The connection: from the environment and from [connections.rest_api].
    Hostile("connection.base_url", "not a url", "Input should be a valid URL"),
    Hostile("connection.base_url", "ftp://127.0.0.1/", "URL scheme should be 'http' or 'https'"),
    Hostile("connection.base_url", "", "Input should be a valid URL"),
    Hostile("connection.page_size", "0", "Input should be greater than or equal to 1"),
    Hostile("connection.retries", "-1", "Input should be greater than or equal to 0"),
    Hostile("connection.connect_timeout_seconds", "inf", FINITE),
    Hostile("connection.token", 12345678, STRING, SECRETS),
    Hostile("connection.retries", 3.5, FRACTION, SECRETS),
{%- endif %}
{%- if cookiecutter.auth != "none" %}
    # Access rules: wrong shapes, rules without a name, grants without values.
    Hostile("access.users", '["alice@example.com"]', "Input should be a valid dictionary"),
    Hostile("access.users", '{"alice@example.com": {"region": []}}', GRANT),
    Hostile("access.users", '{"alice@example.com": {"region": [""]}}', GRANT),
    Hostile("access.groups", '{" ": {}}', "a rule needs a user or group name"),
    Hostile("access.groups", '{"finance": {"region": "Africa"}}', LIST, at="finance.region"),
    Hostile("access.groups", '{"finance": ', BAD_JSON_OBJECT),
    Hostile("access.groups_claim", "", "String should have at least 1 character"),
    Hostile("access.groups", '{"finance": {"": ["Africa"]}}', GRANT, DOTENV),
    Hostile("access.users", {"alice@example.com": {"region": []}}, GRANT, SECRETS),
    Hostile("access.groups.finance", ["Africa"], "valid dictionary", SECRETS),
{%- endif %}
{%- if cookiecutter.auth == "trusted_header" %}
    # The sign-in proxy: a guessable secret, a header name that cannot be sent, bad networks.
    Hostile("proxy.secret", "hunter2", "use at least 16 random characters"),
    Hostile("proxy.secret_header", "X Proxy Secret", "String should match pattern"),
    Hostile("proxy.addresses", "10.0.0.0/33", "expected networks such as 127.0.0.1/32"),
    Hostile("proxy.addresses", "[]", "List should have at least 1 item"),
    Hostile("proxy.secret", 1234567890123456, STRING, SECRETS),
{%- endif %}
]


def _nested(location: tuple[str, ...], value: Any) -> dict[str, Any]:
    table: Any = value
    for part in reversed(location):
        table = {part: table}
    return table


def apply(row: Hostile, app: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Put the row's value where the row says it comes from."""
    variable = env_var_name(row.location)
    monkeypatch.delenv(variable, raising=False)  # the engine's own value must not win
    if row.source == ENV:
        monkeypatch.setenv(variable, row.value)
    elif row.source == DOTENV:
        (tmp_path / ".env").write_text(f"{variable}={row.value}\n", encoding="utf-8")
{%- if cookiecutter.data_source != "duckdb" %}
    elif row.location[0] == "connection":
        # A secrets table replaces the whole connection: start from the working one.
        working = {
            name.removeprefix(f"{ENV_PREFIX}CONNECTION__").lower(): value
            for name, value in os.environ.items()
            if name.startswith(f"{ENV_PREFIX}CONNECTION__")
        }
        for name in working:
            monkeypatch.delenv(f"{ENV_PREFIX}CONNECTION__{name.upper()}")
        app.secrets["connections"] = {CONNECTION_NAME: {**working, row.location[1]: row.value}}
{%- endif %}
    else:
        app.secrets[SECRETS_SECTION] = _nested(row.location, row.value)


@pytest.mark.parametrize(
    "row", HOSTILE, ids=[f"{row.source}:{row.path}={str(row.value)[:20]!r}" for row in HOSTILE]
)
def test_hostile_setting_gets_the_apps_own_message(
    row: Hostile, app: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    apply(row, app, monkeypatch, tmp_path)
    app.run()
    assert not app.exception, [exception.value for exception in app.exception]
    [error] = app.error
    assert error.value.startswith("**Invalid configuration**")
    [problem] = [line for line in error.value.splitlines() if line.startswith("- ")]
    assert problem.startswith(f"- {row.named}"), problem
    assert row.expected in problem, problem
    if len(str(row.value)) >= 4 and str(row.value) not in row.expected:
        assert str(row.value) not in shown(app)


def test_there_are_at_least_forty_hostile_values() -> None:
    assert len(HOSTILE) >= 40
    assert {row.source for row in HOSTILE} == {ENV, DOTENV, SECRETS}
