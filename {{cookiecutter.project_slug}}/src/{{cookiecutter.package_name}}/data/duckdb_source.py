"""DuckDB over local Parquet (or CSV, converted once): the embedded default engine.

The file is never loaded into pandas. Each query reads only the columns it names
and skips row groups its date filter rules out (projection and predicate
pushdown), then hands the small aggregate to pandas.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ..settings import ENV_PREFIX, Settings
from .base import DataSourceError, Schema, schema_from
from .sql import SqlDataSource

SAMPLE_HINT = "python -m {{ cookiecutter.package_name }}.data.seed"


def ensure_parquet(path: Path) -> str:
    """The Parquet path or glob to query for ``path``, converting a CSV once.

    ``data/x.csv`` (or a missing ``data/x.parquet`` with ``data/x.csv`` beside it)
    is converted to ``data/x.parquet`` on first use and again only when the CSV
    is newer. A directory means every Parquet file below it.
    """
    if path.is_dir():
        return str(path / "**" / "*.parquet")
    if any(ch in str(path) for ch in "*?["):
        return str(path)
    csv = path if path.suffix.lower() == ".csv" else path.with_suffix(".csv")
    parquet = path.with_suffix(".parquet")
    if csv.exists() and (not parquet.exists() or parquet.stat().st_mtime < csv.stat().st_mtime):
        convert_csv_to_parquet(csv, parquet)
    if not parquet.exists():
        raise DataSourceError(
            f"No data file at {parquet}.",
            f"Create the sample with `{SAMPLE_HINT}` or point "
            f"{ENV_PREFIX}DATA_PATH at your Parquet/CSV file.",
        )
    return str(parquet)


def convert_csv_to_parquet(csv: Path, parquet: Path) -> Path:
    """Convert ``csv`` to ``parquet`` with DuckDB (types sniffed), atomically."""
    tmp = parquet.with_name(parquet.name + ".tmp")
    with duckdb.connect() as connection:
        connection.read_csv(str(csv)).write_parquet(str(tmp), compression="zstd")
    tmp.replace(parquet)
    return parquet


class DuckDBSource(SqlDataSource):
    """Queries a Parquet file or glob through one shared in-memory DuckDB connection."""

    def __init__(self, path: Path, schema: Schema, timeout_seconds: float = 30.0) -> None:
        self.schema = schema
        self.path = path
        self.timeout_seconds = timeout_seconds
        self.source = ensure_parquet(path)
        # One connection per process; each query gets its own cursor, which is the
        # thread-safe way to share a DuckDB database between Streamlit sessions.
        self._connection = duckdb.connect(":memory:")
        self._check_columns()

    def placeholder(self, name: str) -> str:
        return f"${name}"

    def relation(self) -> tuple[str, dict[str, Any]]:
        return "read_parquet($source)", {"source": self.source}

    def fetch(self, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        used = {key: value for key, value in params.items() if f"${key}" in sql}
        cursor = self._connection.cursor()
        timer = threading.Timer(self.timeout_seconds, cursor.interrupt)
        timer.start()
        try:
            return cursor.execute(sql, used).df()
        except duckdb.InterruptException as error:
            raise DataSourceError(
                f"The query took longer than {self.timeout_seconds:g} s and was stopped.",
                f"Narrow the filters or raise {ENV_PREFIX}QUERY_TIMEOUT_SECONDS.",
            ) from error
        except duckdb.IOException as error:
            raise DataSourceError(
                f"Cannot read {self.source}: {error}",
                f"Check the file exists and is Parquet, or recreate the sample with "
                f"`{SAMPLE_HINT}`.",
            ) from error
        except duckdb.Error as error:
            raise DataSourceError(
                f"DuckDB failed on {self.source}: {error}",
                "Check the dataset settings match the file's columns.",
            ) from error
        finally:
            timer.cancel()
            cursor.close()

    def _check_columns(self) -> None:
        described = self.fetch("DESCRIBE SELECT * FROM read_parquet($source)", self.relation()[1])
        available = set(described["column_name"])
        missing = [c for c in self.schema.columns if c not in available]
        if missing:
            raise DataSourceError(
                f"{self.source} has no column(s) {missing} (it has {sorted(available)}).",
                f"Set {ENV_PREFIX}DATASET__DATE_COLUMN, "
                "_DATASET__DIMENSIONS and _DATASET__MEASURES to match your data.",
            )

    def close(self) -> None:
        self._connection.close()


def connect(settings: Settings) -> DuckDBSource:
    """The configured DuckDB source (called once per process by ``data.get_source``)."""
    return DuckDBSource(settings.data_path, schema_from(settings), settings.query_timeout_seconds)
