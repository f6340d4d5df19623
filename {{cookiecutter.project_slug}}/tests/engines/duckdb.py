"""The engine the tests run on: DuckDB over a small sample Parquet file."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLE_ROWS

from {{ cookiecutter.package_name }}.data import sample


@pytest.fixture(scope="session")
def sample_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample dataset, written once per test session with DuckDB."""
    return sample.write_parquet(tmp_path_factory.mktemp("data") / "sales.parquet", SAMPLE_ROWS)


@pytest.fixture(scope="session")
def engine_env(sample_parquet: Path) -> dict[str, str]:
    """Settings variables (without the prefix) that point the app at the sample."""
    return {"DATA_PATH": str(sample_parquet)}
