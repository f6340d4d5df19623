"""Parquet files in an S3 bucket, queried with DuckDB through pyarrow's S3 filesystem.

pyarrow reads the objects (DuckDB needs no httpfs extension, so nothing is
downloaded at run time); DuckDB scans the pyarrow dataset and pushes each
query's columns and filters into that scan, so only the columns a query names
and the row groups its filters can match are fetched from S3. The shared SQL
of ``sql.py`` binds every value as a ``$name`` parameter.

The object listing is the change signal: read again at most every
``ROLLUP__CHECK_SECONDS``, a new or replaced file reopens the dataset and
rebuilds the rollup. A bucket that was not there yet is never cached: Retry (or
any rerun) looks again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from ..connection import CONNECTION_NAME, ConnectionSettings
from ..settings import ENV_PREFIX, Settings, redact, secret_values
from .base import DataSourceError, Schema
from .infer import PROFILE_ROWS, Profile, pinned
from .rollup import rollup_policy
from .sql import DuckDBDialect, SqlDataSource, quote

SEED_HINT = "python -m {{ cookiecutter.package_name }}.data.seed"
SECRETS_HINT = (
    f"[connections.{CONNECTION_NAME}] in .streamlit/secrets.toml "
    f"(or the {ENV_PREFIX}CONNECTION__* variables)"
)


def filesystem(
    connection: ConnectionSettings, timeout_seconds: float, *, allow_bucket_creation: bool = False
) -> pafs.S3FileSystem:
    """pyarrow's S3 client for the configured bucket, with timeouts and bounded retries."""
    options: dict[str, Any] = {
        "region": connection.region,
        "connect_timeout": connection.connect_timeout_seconds,
        "request_timeout": timeout_seconds,
        "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=connection.retries + 1),
        "allow_bucket_creation": allow_bucket_creation,
    }
    if connection.endpoint_url:
        endpoint = urlsplit(connection.endpoint_url)
        options["endpoint_override"] = endpoint.netloc or endpoint.path
        options["scheme"] = endpoint.scheme or "https"
    if connection.access_key_id and connection.secret_access_key:
        options["access_key"] = connection.access_key_id.get_secret_value()
        options["secret_key"] = connection.secret_access_key.get_secret_value()
    return pafs.S3FileSystem(**options)


def explain(
    error: Exception, location: str, timeout_seconds: float, secrets: Iterable[str] = ()
) -> DataSourceError:
    """Turn an S3 or DuckDB error into what failed and how to fix it, ``secrets`` masked."""
    text = str(error).strip()
    detail = redact(text.splitlines()[0], secrets) if text else type(error).__name__
    if isinstance(error, FileNotFoundError) or "NO_SUCH" in detail:
        return DataSourceError(
            f"No Parquet dataset at {location}: the bucket or prefix does not exist.",
            f"Upload the sample with `{SEED_HINT}`, or fix bucket and prefix in {SECRETS_HINT}.",
        )
    if "ACCESS_DENIED" in detail or "InvalidAccessKeyId" in detail or "403" in detail:
        return DataSourceError(
            f"S3 refused the credentials for {location}: {detail}",
            f"Check access_key_id and secret_access_key in {SECRETS_HINT}, and that they may "
            "read the bucket.",
        )
    if "curlCode: 28" in detail or "timed out" in detail.lower() or "Timeout" in detail:
        return DataSourceError(
            f"S3 did not answer within {timeout_seconds:g} s for {location}: {detail}",
            f"Check the network and endpoint_url in {SECRETS_HINT}, or raise "
            f"{ENV_PREFIX}QUERY_TIMEOUT_SECONDS.",
        )
    if "NETWORK_CONNECTION" in detail or "curlCode" in detail:
        return DataSourceError(
            f"Cannot reach S3 for {location}: {detail}",
            f"Check the network, region and endpoint_url in {SECRETS_HINT}.",
        )
    return DataSourceError(
        f"Reading {location} failed: {detail}",
        "Check the objects are Parquet files with the dataset's columns.",
    )


class S3Source(DuckDBDialect, SqlDataSource):
    """Queries the Parquet files under ``s3://bucket/prefix`` through one pyarrow dataset."""

    def __init__(
        self,
        fs: pafs.S3FileSystem,
        bucket: str,
        prefix: str,
        schema: Schema,
        timeout_seconds: float,
        secrets: Iterable[str] = (),
    ) -> None:
        self.schema = schema
        self.timeout_seconds = timeout_seconds
        self.location = f"s3://{bucket}/{prefix}"
        self.secrets = list(secrets)
        self._fs, self._base = fs, f"{bucket}/{prefix}".rstrip("/")
        self._listing = ""
        self._head: pa.Table | None = None  # what the profile reads, while it runs
        self.dataset = self._open_dataset()
        if not self.dataset.files:
            raise DataSourceError(
                f"No Parquet files under {self.location}.",
                f"Upload the sample with `{SEED_HINT}`, or fix prefix in {SECRETS_HINT}.",
            )
        # One in-memory DuckDB per process; each query gets its own cursor (the
        # thread-safe way to share it between sessions) with the dataset registered.
        self._connection = duckdb.connect(":memory:")

    def _open_dataset(self) -> ds.FileSystemDataset:
        """The Parquet files under the prefix, one fragment per row group.

        pyarrow keeps the column chunks it pre-buffered from a file until that
        file's scan ends, so a scan of one big file holds the compressed size of
        every column it reads (67 MB for the rollup's columns at 20M rows): memory
        that grows with the file. A row group's fragment is let go once read. This
        reads each file's footer once, here.
        """
        try:
            files = ds.dataset(self._base, format="parquet", filesystem=self._fs)
            parts = [part for file in files.get_fragments() for part in file.split_by_row_group()]
        except (OSError, pa.ArrowException) as error:  # FileNotFoundError included
            raise explain(error, self.location, self.timeout_seconds, self.secrets) from error
        return ds.FileSystemDataset(parts, files.schema, files.format, self._fs)

    def change_signal(self) -> str:
        """The objects' keys, sizes and modification times (one LIST request).

        New or replaced files reopen the dataset, so they are read from the next
        query on.
        """
        try:
            selector = pafs.FileSelector(self._base, recursive=True)
            infos = self._fs.get_file_info(selector)
        except OSError as error:
            raise explain(error, self.location, self.timeout_seconds, self.secrets) from error
        listing = repr(sorted((i.path, i.size, i.mtime_ns) for i in infos if i.is_file))
        if self._listing and listing != self._listing:
            self.dataset = self._open_dataset()
        self._listing = listing
        return listing

    def profile(self) -> Profile:
        """Profile the first ``PROFILE_ROWS`` rows, read one batch ahead.

        DuckDB scans a registered dataset with pyarrow's default readahead (16
        batches), which a ``LIMIT`` does not stop: the shared profile query over
        every column would keep fetching and decoding the file in the background,
        150-350 MB that the memory pool then keeps, the app's peak. ``head``
        stops reading at the rows it needs.
        """
        try:
            self._head = self.dataset.head(PROFILE_ROWS, batch_readahead=1, fragment_readahead=1)
        except (OSError, pa.ArrowException) as error:
            raise explain(error, self.location, self.timeout_seconds, self.secrets) from error
        try:
            return super().profile()
        finally:
            self._head = None

    def placeholder(self, name: str) -> str:
        return f"${name}"

    def relation(self) -> tuple[str, dict[str, Any]]:
        return quote(self.schema.table, (self.schema.table,)), {}

    def catalog(self) -> list[tuple[str, str]]:
        described = self.fetch(f"DESCRIBE SELECT * FROM {self.relation()[0]}", {})  # noqa: S608 - quoted
        return list(zip(described["column_name"], described["column_type"], strict=True))

    def describe_relation(self) -> str:
        return f"The Parquet files under {self.location}"

    def execute(self, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        used = {key: value for key, value in params.items() if f"${key}" in sql}
        cursor = self._connection.cursor()
        timer = threading.Timer(self.timeout_seconds, cursor.interrupt)
        timer.start()
        try:
            cursor.register(self.schema.table, self.dataset if self._head is None else self._head)
            return cursor.execute(sql, used).df()
        except duckdb.InterruptException as error:
            raise DataSourceError(
                f"The query on {self.location} took longer than {self.timeout_seconds:g} s "
                "and was stopped.",
                f"Narrow the filters or raise {ENV_PREFIX}QUERY_TIMEOUT_SECONDS.",
            ) from error
        except (duckdb.Error, OSError) as error:
            raise explain(error, self.location, self.timeout_seconds, self.secrets) from error
        finally:
            timer.cancel()
            cursor.close()

    def close(self) -> None:
        self._connection.close()


def connect(settings: Settings) -> S3Source:
    """The configured S3 source (called once per process by ``data.get_source``)."""
    connection = settings.connection
    source = S3Source(
        filesystem(connection, settings.query_timeout_seconds),
        connection.bucket,
        connection.prefix,
        Schema(settings.dataset.table, None, (), ()),
        settings.query_timeout_seconds,
        secret_values(settings),
    )
    source.resolve_schema(pinned(settings.dataset), ENV_PREFIX)  # fails early, naming the fix
    source.use_rollup(rollup_policy(settings))
    return source
