"""No secret reaches a viewer: secrets planted in every settings source never appear on a page.

A distinct secret goes into each source: the environment, ``.env``, ``[app]`` and
``[connections.{{ cookiecutter.data_source }}]`` of ``.streamlit/secrets.toml``. Then the real app
(``streamlit_app.py``, every page) runs with AppTest in each case that shows a message:

* every source holds invalid values (the app stops at its settings message), or JSON
  that does not parse;
* every source holds a complete connection whose engine cannot be reached
  (each source in turn is the one that wins), or, where the test engine runs, whose
  credentials it refuses.

Every field of every element drawn (see ``page_text.shown``) is searched for every
planted secret.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
{%- if cookiecutter.data_source != "duckdb" %}
from failing_servers import closed_port
{%- endif %}
from page_text import every_page
from streamlit.testing.v1 import AppTest

{% if cookiecutter.data_source != "duckdb" -%}
from {{ cookiecutter.package_name }}.settings import (
    CONNECTION_NAME,
    ENV_PREFIX,
    SECRETS_SECTION,
    env_var_name,
)
{%- else -%}
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX, SECRETS_SECTION, env_var_name

CONNECTION_NAME = "duckdb"  # not read by a DuckDB project: planted to prove it stays unread
{%- endif %}

ENV, DOTENV, CONNECTIONS, APP = "environment", ".env", "[connections]", "[app]"
# Highest priority first: [connections.<name>] replaces [app].connection as a whole.
SOURCES = (ENV, DOTENV, CONNECTIONS, APP)
PLANTED = {
    ENV: "env-s3cr3t-4f9c2e",
    DOTENV: "dotenv-s3cr3t-81ab3d",
    CONNECTIONS: "conn-s3cr3t-9d26fa",
    APP: "app-s3cr3t-5e07c1",
}
NUMERIC_SECRET = 86420975  # a password that TOML reads as a number: invalid, never shown
{%- if cookiecutter.data_source != "duckdb" %}
{%- set fields = {
    "postgres": ("port", "password"),
    "snowflake": ("login_timeout", "password"),
    "s3": ("retries", "access_key_id"),
    "rest_api": ("retries", "token"),
}[cookiecutter.data_source] %}
# The invalid [connections.{{ cookiecutter.data_source }}]: a word for a number, a number for a secret.
NUMBER_FIELD, SECRET_FIELD = "{{ fields[0] }}", "{{ fields[1] }}"
{%- endif %}


def plant(
    app: AppTest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    values: dict[str, dict[str, Any]],
) -> None:
    """Put ``values[source]`` (settings by path, ``connection.password``...) into each source."""
    for name in list(os.environ):
        if name.startswith(f"{ENV_PREFIX}CONNECTION__"):
            monkeypatch.delenv(name)  # only what is planted here configures the engine
    for path, value in values.get(ENV, {}).items():
        monkeypatch.setenv(variable(path), str(value))
    dotenv = values.get(DOTENV, {})
    lines = [f"{variable(path)}={value}\n" for path, value in dotenv.items()]
    (tmp_path / ".env").write_text("".join(lines), encoding="utf-8")
    table: dict[str, Any] = {}
    for path, value in values.get(APP, {}).items():
        *parents, last = path.split(".")
        node = table
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    if table:
        app.secrets[SECRETS_SECTION] = table
    connections = values.get(CONNECTIONS, {})
    connection = {path.removeprefix("connection."): value for path, value in connections.items()}
    if connection:
        app.secrets["connections"] = {CONNECTION_NAME: connection}


def variable(path: str) -> str:
    return env_var_name(tuple(path.split(".")))


def assert_nothing_planted_is_shown(app: AppTest) -> str:
    text = every_page(app)
    planted = [*PLANTED.values(), str(NUMERIC_SECRET)]
    assert [secret for secret in planted if secret in text] == []
    return text


def connection(secret: str) -> dict[str, Any]:
    """A complete connection to an engine nobody listens for, ``secret`` in every secret spot."""
{%- if cookiecutter.data_source == "postgres" %}
    return {
        "connection.host": "127.0.0.1",
        "connection.port": closed_port(),
        "connection.database": "analytics",
        "connection.username": "app_owner",
        "connection.password": secret,
    }
{%- elif cookiecutter.data_source == "snowflake" %}
    return {
        "connection.account": "fakesnow",
        "connection.user": "STREAMLIT_APP",
        "connection.password": secret,
        "connection.database": "ANALYTICS",
        "connection.host": "127.0.0.1",
        "connection.port": closed_port(),
        "connection.protocol": "http",
        "connection.login_timeout": 1,
    }
{%- elif cookiecutter.data_source == "s3" %}
    return {
        "connection.bucket": "sales-test-bucket",
        "connection.endpoint_url": f"http://app:{secret}@127.0.0.1:{closed_port()}",
        "connection.access_key_id": f"{secret}-id",
        "connection.secret_access_key": secret,
        "connection.retries": 0,
        "connection.connect_timeout_seconds": 1,
    }
{%- elif cookiecutter.data_source == "rest_api" %}
    return {
        "connection.base_url": f"http://app:{secret}@127.0.0.1:{closed_port()}/?token={secret}",
        "connection.token": secret,
        "connection.retries": 0,
        "connection.connect_timeout_seconds": 1,
    }
{%- else %}
    # DuckDB reads no connection, so these are never used; the data file is missing.
    return {"connection.password": secret, "connection.url": f"duckdb://app:{secret}@x"}
{%- endif %}


def test_invalid_values_in_every_source(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plant(
        app,
        monkeypatch,
        tmp_path,
        {
            ENV: {
                "live_refresh_seconds": PLANTED[ENV],
                "cache.default.ttl_seconds": PLANTED[ENV],
                "operators": f'["{PLANTED[ENV]}", 1]',
            },
            DOTENV: {"page_size": PLANTED[DOTENV], "dev_panel": PLANTED[DOTENV]},
            APP: {
                "max_chart_points": PLANTED[APP],
                "operators": PLANTED[APP],
                "cache.default.max_entries": PLANTED[APP],
                "app_title": NUMERIC_SECRET,
            },
{%- if cookiecutter.data_source == "duckdb" %}
            CONNECTIONS: connection(PLANTED[CONNECTIONS]),
{%- else %}
            CONNECTIONS: {
                **connection(PLANTED[CONNECTIONS]),
                f"connection.{NUMBER_FIELD}": PLANTED[CONNECTIONS],
                f"connection.{SECRET_FIELD}": NUMERIC_SECRET,
{%- if cookiecutter.data_source == "rest_api" %}
                "connection.base_url": f"ftp://app:{PLANTED[CONNECTIONS]}@127.0.0.1/",
{%- endif %}
            },
{%- endif %}
        },
    )
    text = assert_nothing_planted_is_shown(app)
    assert "Invalid configuration" in text
    for named in (
        f"{ENV_PREFIX}LIVE_REFRESH_SECONDS",
        f"{ENV_PREFIX}PAGE_SIZE",
        "[app] max_chart_points",
        "[app] app_title",
{%- if cookiecutter.data_source != "duckdb" %}
        f"[connections.{CONNECTION_NAME}] {SECRET_FIELD}",
{%- endif %}
{%- if cookiecutter.data_source == "rest_api" %}
        f"[connections.{CONNECTION_NAME}] base_url",
{%- endif %}
    ):
        assert named in text


def test_unparsable_json_in_every_source(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plant(
        app,
        monkeypatch,
        tmp_path,
        {
            # JSON cut short (no doubled braces here: cookiecutter renders this file).
            ENV: {"cache": '{"default": "' + PLANTED[ENV]},
            DOTENV: {"cache.namespaces": "{" + PLANTED[DOTENV]},
            APP: {"operators": [PLANTED[APP], {"nested": PLANTED[APP]}]},
            CONNECTIONS: connection(PLANTED[CONNECTIONS]),
        },
    )
    text = assert_nothing_planted_is_shown(app)
    assert f"`{ENV_PREFIX}CACHE` (environment): not valid JSON" in text


@pytest.mark.parametrize("winner", SOURCES)
def test_an_unreachable_engine_with_credentials_from_each_source(
    winner: str, app: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every source from ``winner`` down holds a connection; ``winner``'s is the one used."""
    from_winner = SOURCES[SOURCES.index(winner) :]
{%- if cookiecutter.data_source == "duckdb" %}
    monkeypatch.setenv(f"{ENV_PREFIX}DATA_PATH", str(tmp_path / "missing" / "sales.parquet"))
{%- endif %}
    planted = {source: connection(PLANTED[source]) for source in from_winner}
    plant(app, monkeypatch, tmp_path, planted)
    text = assert_nothing_planted_is_shown(app)
    assert "Retry" in text  # each page showed its data error, not the settings gate
{%- if cookiecutter.data_source != "duckdb" %}


def test_refused_credentials_from_the_environment(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real test engine, with the planted secret as the credentials it refuses."""
{%- if cookiecutter.data_source == "s3" %}
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__ACCESS_KEY_ID", f"{PLANTED[ENV]}-id")
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__SECRET_ACCESS_KEY", PLANTED[ENV])
{%- elif cookiecutter.data_source == "rest_api" %}
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__TOKEN", PLANTED[ENV])
{%- else %}
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__PASSWORD", PLANTED[ENV])
{%- endif %}
    text = assert_nothing_planted_is_shown(app)
    assert "Retry" in text
{%- endif %}
