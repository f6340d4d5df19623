"""Distinct secrets to plant in every settings source, shared by the AppTest and browser checks.

Each source gets its own secret, so a leak names the source it came from. The
connection tables put a secret in every place a secret can go for this engine.
"""

from __future__ import annotations

from typing import Any
{%- if cookiecutter.data_source != "duckdb" %}

from failing_servers import closed_port

from {{ cookiecutter.package_name }}.connection import CONNECTION_NAME
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX, env_var_name
{%- else %}

from {{ cookiecutter.package_name }}.settings import ENV_PREFIX, env_var_name

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


def variable(path: str) -> str:
    """The environment variable for a settings path such as ``cache.default.ttl_seconds``."""
    return env_var_name(tuple(path.split(".")))


def leaked(text: str) -> list[str]:
    """The planted secrets that appear in ``text``."""
    return [secret for secret in [*PLANTED.values(), str(NUMERIC_SECRET)] if secret in text]


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


def invalid_values() -> dict[str, dict[str, Any]]:
    """Invalid values in every source, most of them the source's own secret."""
    return {
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
    }


def named_in_invalid_values() -> list[str]:
    """What the settings message for ``invalid_values()`` must name."""
    return [
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
    ]
