"""Shared fixtures: settings pointed at the engine's sample (`engine.py`), clean caches."""

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
from sign_in import SERVER_ENV, SIGN_IN_ENV, SIGN_IN_HEADERS
{%- endif %}
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import cache
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX, get_settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
APP = PROJECT_ROOT / "streamlit_app.py"
SAMPLE_ROWS = 20_000
# The data source's fixtures: ``engine_env`` (the settings that point the app at it) and
# the engine itself, started for the session.
pytest_plugins = ["engine"]
{%- if cookiecutter.auth != "none" %}


@pytest.fixture(scope="session", autouse=True)
def sign_in_env() -> Iterator[None]:
    """Sign-in settings for the whole session, so servers started by module fixtures get them."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in SIGN_IN_ENV.items():
            patch.setenv(ENV_PREFIX + name, value)
        # Every session of the benchmark driver (and browser test) sends them.
        patch.setenv("BENCHMARK_HEADERS", json.dumps(SIGN_IN_HEADERS))
        for name, value in SERVER_ENV.items():
            patch.setenv(name, value)
        yield
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
