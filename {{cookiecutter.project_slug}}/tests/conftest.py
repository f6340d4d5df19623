"""Shared fixtures: a small sample dataset, settings pointed at it, clean caches per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import cache
from {{ cookiecutter.package_name }}.data import sample
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX, get_settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
APP = PROJECT_ROOT / "streamlit_app.py"
SAMPLE_ROWS = 20_000


@pytest.fixture(scope="session")
def sample_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20,000-row sample written once per test session with DuckDB."""
    return sample.write_parquet(tmp_path_factory.mktemp("data") / "sales.parquet", SAMPLE_ROWS)


@pytest.fixture(autouse=True)
def app_env(
    sample_parquet: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    """Every test starts from default settings on the sample data and empty caches.

    Streamlit's caches are process-wide (they outlive an AppTest), so they are
    cleared before and after each test; so are the cached settings and our stats.
    """
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.setenv(f"{ENV_PREFIX}DATA_PATH", str(sample_parquet))
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
    return AppTest.from_file(str(APP), default_timeout=30)
