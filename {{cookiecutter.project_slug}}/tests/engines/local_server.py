{%- set server = {"postgres": "PostgresServer", "snowflake": "SnowflakeServer", "s3": "S3Server"}.get(cookiecutter.data_source) -%}
"""The engine the tests run on: a local {{ cookiecutter.data_source }} server on 127.0.0.1, seeded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import SAMPLE_ROWS
from {{ cookiecutter.data_source }}_server import {{ server }}, running_server

from {{ cookiecutter.package_name }}.data import seed
from {{ cookiecutter.package_name }}.settings import Settings


@pytest.fixture(scope="session")
def {{ cookiecutter.data_source }}() -> Iterator[{{ server }}]:
    """The engine for the whole test session."""
    with running_server() as server:
        yield server


@pytest.fixture(scope="session")
def engine_env({{ cookiecutter.data_source }}: {{ server }}) -> dict[str, str]:
    """Settings variables (without the prefix) that point the app at the seeded engine."""
    settings = Settings(_env_file=None, connection={{ cookiecutter.data_source }}.connection())  # type: ignore[call-arg]
    seed.seed(settings, SAMPLE_ROWS)
    return {{ cookiecutter.data_source }}.env()
