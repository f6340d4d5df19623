{%- set server_class = {"postgres": "PostgresServer", "snowflake": "SnowflakeServer", "s3": "S3Server"}.get(cookiecutter.data_source, "") -%}
"""Shared fixtures: {% if cookiecutter.data_source == "duckdb" %}a small sample dataset{% else %}the engine with a small sample{% endif %}, settings pointed at it, clean caches."""

from __future__ import annotations
{% if cookiecutter.auth != "none" %}
import json
{%- endif %}
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
{%- if cookiecutter.auth != "none" %}
from app_pages import fresh_app
{%- endif %}
{%- if cookiecutter.data_source == "postgres" %}
from postgres_server import PostgresServer, running_server
{%- elif cookiecutter.data_source == "s3" %}
from s3_server import S3Server, running_server
{%- endif %}
{%- if cookiecutter.data_source == "snowflake" %}
from snowflake_server import SnowflakeServer, running_server
{%- endif %}
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import cache
{%- if cookiecutter.data_source == "duckdb" %}
from {{ cookiecutter.package_name }}.data import sample
{%- elif cookiecutter.data_source == "rest_api" %}
from {{ cookiecutter.package_name }}.data import reference_api
{%- else %}
from {{ cookiecutter.package_name }}.data import seed
{%- endif %}
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX, {% if server_class %}Settings, {% endif %}get_settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
APP = PROJECT_ROOT / "streamlit_app.py"
SAMPLE_ROWS = 20_000
{%- if cookiecutter.auth == "trusted_header" %}
PROXY_SECRET = "test-only-proxy-secret-0123456789"
# What the sign-in proxy sends with every request of the tests' signed-in viewer.
SIGN_IN_HEADERS = {"X-Forwarded-Email": "test@example.com", "X-Proxy-Secret": PROXY_SECRET}
{%- elif cookiecutter.auth == "oidc" %}
# Servers the tests start take their viewer's identity from these headers
# (server.trustedUserHeaders), as if st.login had signed them in; the sign-in itself
# is tested in tests/e2e/test_oidc_login.py.
SIGN_IN_HEADERS = {"X-Test-Email": "test@example.com", "X-Test-Signed-In": "true"}
TEST_USER_HEADERS = {"X-Test-Email": "email", "X-Test-Signed-In": "is_logged_in"}
{%- endif %}
{%- if cookiecutter.auth != "none" %}
SIGN_IN_ENV = {
    # Every signed-in user sees every row; tests/test_sign_in.py sets its own rules.
    "ACCESS__GROUPS": '{"*": {}}',
{%- if cookiecutter.auth == "trusted_header" %}
    # Servers the tests start (python asgi.py) take only the proxy's requests.
    "PROXY__SECRET": PROXY_SECRET,
{%- endif %}
}


@pytest.fixture(scope="session", autouse=True)
def sign_in_env() -> Iterator[None]:
    """Sign-in settings for the whole session, so servers started by module fixtures get them."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in SIGN_IN_ENV.items():
            patch.setenv(ENV_PREFIX + name, value)
        # Every session of the benchmark driver (and browser test) sends them.
        patch.setenv("BENCHMARK_HEADERS", json.dumps(SIGN_IN_HEADERS))
{%- if cookiecutter.auth == "oidc" %}
        patch.setenv("STREAMLIT_SERVER_TRUSTED_USER_HEADERS", json.dumps(TEST_USER_HEADERS))
{%- endif %}
        yield
{%- endif %}
{%- if cookiecutter.data_source == "duckdb" %}


@pytest.fixture(scope="session")
def sample_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20,000-row sample written once per test session with DuckDB."""
    return sample.write_parquet(tmp_path_factory.mktemp("data") / "sales.parquet", SAMPLE_ROWS)


@pytest.fixture(scope="session")
def engine_env(sample_parquet: Path) -> dict[str, str]:
    """Settings variables (without the prefix) that point the app at the sample."""
    return {"DATA_PATH": str(sample_parquet)}
{%- elif cookiecutter.data_source == "rest_api" %}

TOKEN = "test-only-token"


@pytest.fixture(scope="session")
def api() -> Iterator[reference_api.ReferenceServer]:
    """The reference API serving a 20,000-row sample on 127.0.0.1, for the whole session."""
    with reference_api.serve(SAMPLE_ROWS, token=TOKEN, port=0) as server:
        yield server


@pytest.fixture(scope="session")
def engine_env(api: reference_api.ReferenceServer) -> dict[str, str]:
    """Settings variables (without the prefix) that point the app at the reference API."""
    return {
        "CONNECTION__BASE_URL": api.url,
        "CONNECTION__TOKEN": TOKEN,
        "CONNECTION__RETRIES": "1",
        "CONNECTION__CONNECT_TIMEOUT_SECONDS": "2",
    }
{%- else %}


@pytest.fixture(scope="session")
def {{ cookiecutter.data_source }}() -> Iterator[{{ server_class }}]:
    """The engine for the whole test session, on 127.0.0.1."""
    with running_server() as server:
        yield server


@pytest.fixture(scope="session")
def engine_env({{ cookiecutter.data_source }}: {{ server_class }}) -> dict[str, str]:
    """Settings variables (without the prefix) that point the app at the seeded engine."""
    settings = Settings(_env_file=None, connection={{ cookiecutter.data_source }}.connection())  # type: ignore[call-arg]
    seed.seed(settings, SAMPLE_ROWS)
    return {{ cookiecutter.data_source }}.env()
{%- endif %}


@pytest.fixture(autouse=True)
def app_env(
    engine_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    """Every test starts from default settings on the sample data and empty caches.

    Streamlit's caches are process-wide (they outlive an AppTest), so they are
    cleared before and after each test; so are the cached settings and our stats.
    """
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    for name, value in engine_env.items():
        monkeypatch.setenv(ENV_PREFIX + name, value)
{%- if cookiecutter.auth != "none" %}
    for name, value in SIGN_IN_ENV.items():
        monkeypatch.setenv(ENV_PREFIX + name, value)
{%- endif %}
    monkeypatch.chdir(tmp_path)  # no developer .env or secrets.toml leaks in
    _reset()
    yield
    _reset()


def _reset() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    get_settings.cache_clear()
    cache.reload_policies()
    cache.reset_stats()


@pytest.fixture
def app() -> AppTest:
{%- if cookiecutter.auth != "none" %}
    return fresh_app()  # signed in as app_pages.VIEWER
{%- else %}
    return AppTest.from_file(str(APP), default_timeout=30)
{%- endif %}
