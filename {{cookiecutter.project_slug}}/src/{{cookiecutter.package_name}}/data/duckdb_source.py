"""DuckDB over local Parquet (or CSV, converted once): the embedded default engine.

The file is never loaded into pandas. Each query reads only the columns it names
and skips row groups its date filter rules out (projection and predicate
pushdown), then hands the small aggregate to pandas.

Sums by date and by the first dimension (what the Overview page asks for on
every slider move) read a rollup instead: one in-memory DuckDB table with a row
per day and value of that dimension, built with one scan of the Parquet data
and rebuilt when the files change. Its size depends on days x values, not on
the number of rows, so those queries cost the same at 2M and at 20M rows.
"""

from __future__ import annotations

import contextlib
import glob
import os
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ..settings import ENV_PREFIX, Settings
from .base import DataSourceError, Filters, Schema, schema_from
from .sql import ROLLUP_ROWS, Rollup, SqlDataSource, quote

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


class _Watchdog:
    """Interrupts queries that outlive their timeout: one thread for every query.

    A timer thread per query would cost about a millisecond each (thread start);
    registering a deadline here costs microseconds.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._deadlines: dict[int, tuple[float, duckdb.DuckDBPyConnection]] = {}
        self._next_id = 0
        self._thread: threading.Thread | None = None

    def watch(self, cursor: duckdb.DuckDBPyConnection, timeout: float) -> int:
        with self._lock:
            self._next_id += 1
            self._deadlines[self._next_id] = (time.monotonic() + timeout, cursor)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="duckdb-query-watchdog", daemon=True
                )
                self._thread.start()
            return self._next_id

    def forget(self, token: int) -> None:
        with self._lock:
            self._deadlines.pop(token, None)

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            now = time.monotonic()
            with self._lock:
                late = [token for token, (due, _) in self._deadlines.items() if due <= now]
                cursors = [self._deadlines.pop(token)[1] for token in late]
            for cursor in cursors:
                with contextlib.suppress(duckdb.Error):  # finished and closed meanwhile
                    cursor.interrupt()


_WATCHDOG = _Watchdog()


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
        self._date_is_date = self._check_columns()
        self._rollup_lock = threading.Lock()
        self._rollup_files: tuple[tuple[str, int, int], ...] | None = None

    def placeholder(self, name: str) -> str:
        return f"${name}"

    def relation(self) -> tuple[str, dict[str, Any]]:
        return "read_parquet($source)", {"source": self.source}

    def fetch(self, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        used = {key: value for key, value in params.items() if f"${key}" in sql}
        cursor = self._connection.cursor()
        deadline = _WATCHDOG.watch(cursor, self.timeout_seconds)
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
            _WATCHDOG.forget(deadline)
            cursor.close()

    def _check_columns(self) -> bool:
        """Refuse a file without the configured columns; tell whether the date is a DATE."""
        described = self.fetch("DESCRIBE SELECT * FROM read_parquet($source)", self.relation()[1])
        available = set(described["column_name"])
        missing = [c for c in self.schema.columns if c not in available]
        if missing:
            raise DataSourceError(
                f"{self.source} has no column(s) {missing} (it has {sorted(available)}).",
                f"Set {ENV_PREFIX}DATASET__DATE_COLUMN, "
                "_DATASET__DIMENSIONS and _DATASET__MEASURES to match your data.",
            )
        types = dict(zip(described["column_name"], described["column_type"], strict=True))
        return types[self.schema.date_column] == "DATE"

    # -- the rollup ----------------------------------------------------------
    def rollup(self, filters: Filters, dimensions: tuple[str, ...]) -> Rollup | None:
        """The (date, first dimension) rollup, when it answers this query.

        Only for a DATE column: a rollup by day would change what a filter on a
        timestamp column means.
        """
        if not self._date_is_date:
            return None
        rollup = Rollup("rollup", self.schema.dimensions[:1])
        if not rollup.answers(filters, dimensions):
            return None
        self._refresh_rollup()
        return rollup

    def _files(self) -> tuple[tuple[str, int, int], ...]:
        """Every file behind the source with its modification time and size."""
        paths = (
            sorted(glob.glob(self.source, recursive=True))
            if glob.has_magic(self.source)
            else [self.source]
        )
        try:
            return tuple((p, (s := os.stat(p)).st_mtime_ns, s.st_size) for p in paths)
        except OSError:
            return ()

    def _refresh_rollup(self) -> None:
        """Build the rollup table, or rebuild it if the data files changed since."""
        files = self._files()
        if files and files == self._rollup_files:
            return
        with self._rollup_lock:
            files = self._files()
            if files and files == self._rollup_files:
                return
            columns = self.schema.columns
            keys = ", ".join(
                quote(c, columns) for c in (self.schema.date_column, *self.schema.dimensions[:1])
            )
            sums = ", ".join(
                f"SUM({quote(m, columns)}) AS {quote(m, columns)}" for m in self.schema.measures
            )
            self.fetch(
                f"CREATE OR REPLACE TABLE rollup AS SELECT {keys}, {sums}, "  # noqa: S608 - identifiers checked
                f"COUNT(*) AS {ROLLUP_ROWS} FROM read_parquet($source) GROUP BY ALL ORDER BY ALL",
                self.relation()[1],
            )
            self._rollup_files = files

    def close(self) -> None:
        self._connection.close()


def connect(settings: Settings) -> DuckDBSource:
    """The configured DuckDB source (called once per process by ``data.get_source``)."""
    return DuckDBSource(settings.data_path, schema_from(settings), settings.query_timeout_seconds)
