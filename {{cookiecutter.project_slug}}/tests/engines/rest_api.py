"""The engine the tests run on: the reference API serving a small sample on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import SAMPLE_ROWS

from {{ cookiecutter.package_name }}.data import reference_api

TOKEN = "test-only-token"


@pytest.fixture(scope="session")
def api() -> Iterator[reference_api.ReferenceServer]:
    """The reference API serving the sample, for the whole session."""
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
