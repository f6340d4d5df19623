"""DuckDB over local Parquet or CSV files: the embedded default engine.

The data is never loaded into pandas. Each query reads only the columns it
names and skips row groups its date filter rules out, then hands the small
aggregate to pandas.

Files the user gives are only ever read. A CSV is converted once to Parquet in
the project's own cache folder (``DATA_CACHE_DIR``, gitignored), under a name
derived from the CSV's path, size and modification time and the options it was
read with; a read-only cache folder falls back to reading the CSV directly.

Sums by date and by the first dimension (what the Overview page asks for on
every slider move) read a rollup instead: one in-memory DuckDB table with a row
per day and value of that dimension, rebuilt when the files change. Its size
depends on days x values, not on the number of rows, so those queries cost the
same at 2M and at 20M rows.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ..settings import ENV_PREFIX, CsvSettings, Settings
from .base import DataSourceError, Schema
from .infer import Pinned, pinned
from .rollup import rollup_policy
from .sql import DuckDBDialect, SqlDataSource

SAMPLE_HINT = "python -m {{ cookiecutter.package_name }}.data.seed"
PATH_VARIABLE = f"{ENV_PREFIX}DATA_PATH"
_PARQUET_MAGIC = b"PAR1"
NULL_STRINGS = ("", "NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "#N/A", "<NA>")
"""What a CSV cell says when it has no value, unless set: pandas' defaults."""


def data_files(path: Path) -> tuple[Path, ...]:
    """The files behind ``DATA_PATH``: a file, a glob, or a folder's Parquet (else CSV) files.

    Hidden folders (``.venv``, ``.cache``, ``.git``) are never searched, and an
    empty path (which would mean every file below the working directory) is refused.
    """
    text = str(path)
    if text.strip() in {"", "."}:
        raise DataSourceError(
            f"{PATH_VARIABLE} is empty.",
            f"Point {PATH_VARIABLE} at a Parquet or CSV file, a folder or a glob.",
        )
    if glob.has_magic(text):
        files = [Path(p) for p in sorted(glob.glob(text, recursive=True)) if Path(p).is_file()]
    elif path.is_dir():
        visible = [p for p in sorted(path.rglob("*")) if p.is_file() and not _hidden(p, path)]
        files = [p for p in visible if p.suffix.lower() == ".parquet"] or [
            p for p in visible if p.suffix.lower() in {".csv", ".tsv"}
        ]
    elif path.is_file():
        files = [path]
    elif path.with_suffix(".csv").is_file():  # the sample, written as CSV without DuckDB
        files = [path.with_suffix(".csv")]
    else:
        raise DataSourceError(
            f"No data file at {path}.",
            f"Point {PATH_VARIABLE} at your Parquet or CSV file (or a folder or glob of them), "
            f"or create the sample with `{SAMPLE_HINT}`.",
        )
    if not files:
        raise DataSourceError(
            f"No Parquet or CSV file matches {path}.",
            f"Point {PATH_VARIABLE} at a Parquet or CSV file, a folder or a glob holding some.",
        )
    formats = {_format(p) for p in files}
    if len(formats) > 1:
        raise DataSourceError(
            f"{path} mixes Parquet and CSV files.",
            f"Point {PATH_VARIABLE} at one format (e.g. a glob such as `{path}/*.parquet`).",
        )
    return tuple(files)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _format(path: Path) -> str:
    """``parquet`` or ``csv``, from the file's first bytes rather than its name."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError as error:
        raise DataSourceError(
            f"Cannot read {path}: {error.strerror}.",
            f"Check the file's permissions, or point {PATH_VARIABLE} at a readable file.",
        ) from error
    if head == _PARQUET_MAGIC or path.suffix.lower() == ".parquet":
        return "parquet"
    return "csv"


def identity(files: tuple[Path, ...]) -> tuple[tuple[str, int, int], ...]:
    """Each file's absolute path, size and modification time: changes when a file does."""
    found = []
    for path in files:
        with contextlib.suppress(OSError):  # removed meanwhile: the next refresh says so
            stat = path.stat()
            found.append((str(path.resolve()), stat.st_size, stat.st_mtime_ns))
    return tuple(found)


@dataclass(frozen=True)
class CsvOptions:
    """How a CSV is read; sniffed by DuckDB where it can, settable where it cannot."""

    encoding: str = "utf-8"
    delimiter: str | None = None
    decimal_separator: str = "."
    header: bool | None = None
    null_strings: tuple[str, ...] = NULL_STRINGS

    def sql(self) -> str:
        nulls = ", ".join(_literal(text) for text in self.null_strings)
        options = [f"encoding = {_literal(self.encoding)}", f"nullstr = [{nulls}]"]
        if self.delimiter is not None:
            options.append(f"delim = {_literal(self.delimiter)}")
        if self.decimal_separator != ".":
            options.append(f"decimal_separator = {_literal(self.decimal_separator)}")
        if self.header is not None:
            options.append(f"header = {str(self.header).lower()}")
        return ", ".join(options)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sniff_csv(
    connection: duckdb.DuckDBPyConnection, files: tuple[Path, ...], pinned: CsvSettings
) -> CsvOptions:
    """The CSV options: the settings' where given, else what DuckDB's sniffer finds.

    The encoding comes from a byte-order mark, else UTF-8 if the start of the file
    decodes as such, else Latin-1. The decimal separator is the one under which
    the sniffer finds more numeric columns (a tie keeps the dot).
    """
    first = str(files[0])
    nulls = NULL_STRINGS if pinned.null_strings is None else tuple(pinned.null_strings)
    encoding = pinned.encoding or _encoding(files[0])
    base = CsvOptions(
        encoding=encoding, delimiter=pinned.delimiter, header=pinned.header, null_strings=nulls
    )
    candidates = [pinned.decimal_separator] if pinned.decimal_separator else [".", ","]
    best: tuple[int, CsvOptions] | None = None
    for decimal in candidates:
        options = CsvOptions(encoding, pinned.delimiter, decimal, pinned.header, nulls)
        try:
            found = connection.execute(
                f"SELECT Delimiter, Columns FROM sniff_csv($file, {options.sql()})",  # noqa: S608 - validated
                {"file": first},
            ).fetchone()
        except duckdb.Error as error:
            raise _not_csv(first, error) from error
        if found is None:
            continue
        delimiter, columns = str(found[0]), found[1]
        numeric = sum(column["type"] in _NUMERIC_TYPES for column in columns)
        if best is None or numeric > best[0]:
            best = (numeric, CsvOptions(encoding, delimiter, decimal, pinned.header, nulls))
    return best[1] if best else base


_BROKEN_PARQUET = ("magic bytes", "too small to be a Parquet file", "Footer length error")
"""What DuckDB says about a file that ends like Parquet but is not readable as Parquet."""
_NUMERIC_TYPES = {"DOUBLE", "FLOAT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT"}
_BOMS = {b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16", b"\xef\xbb\xbf": "utf-8"}


def _encoding(path: Path, limit: int = 1 << 20) -> str:
    """The encoding from the byte-order mark, else UTF-8 if the start decodes, else Latin-1."""
    with path.open("rb") as handle:
        head = handle.read(limit)
    for mark, name in _BOMS.items():
        if head.startswith(mark):
            return name
    if b"\0" in head:
        raise DataSourceError(
            f"{path} is not a text file (it holds NUL bytes).",
            f"Point {PATH_VARIABLE} at a CSV or Parquet file, or set "
            f"{ENV_PREFIX}DATASET__CSV__ENCODING=utf-16 for UTF-16 without a byte-order mark.",
        )
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        cut = len(head) == limit and error.start >= len(head) - 3  # a character cut at the end
        return "utf-8" if cut else "latin-1"
    return "utf-8"


def _not_csv(path: str, error: duckdb.Error) -> DataSourceError:
    return DataSourceError(
        f"{path} could not be read as CSV ({_first_line(error)}).",
        f"Check it is a CSV file, or set {ENV_PREFIX}DATASET__CSV__ENCODING, _DELIMITER or "
        "_HEADER to match it.",
    )


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


class DuckDBSource(DuckDBDialect, SqlDataSource):
    """Queries Parquet or CSV files through one shared in-memory DuckDB connection."""

    double_type = "DOUBLE"

    def __init__(
        self,
        path: Path,
        pinned: Pinned,
        *,
        csv: CsvSettings | None = None,
        cache_dir: Path = Path(".cache/data"),
        timeout_seconds: float = 30.0,
    ) -> None:
        self.path = path
        self.pinned = pinned
        self.csv = csv or CsvSettings()
        self.cache_dir = cache_dir
        self.timeout_seconds = timeout_seconds
        self.schema = Schema(str(path), None, (), ())
        # One connection per process; each query gets its own cursor, which is the
        # thread-safe way to share a DuckDB database between Streamlit sessions.
        self._connection = duckdb.connect(":memory:")
        self._lock = threading.RLock()
        self._identity: tuple[tuple[str, int, int], ...] = ()
        self._files: tuple[Path, ...] = ()
        self._from = "read_parquet($source)"
        self._params: dict[str, Any] = {}
        self._version = ""
        self._load()

    # -- files ------------------------------------------------------------------------------
    def _load(self) -> None:
        """Find the files, read (or convert) them, and resolve the schema against them."""
        files = data_files(self.path)
        found = identity(files)
        if _format(files[0]) == "csv":
            options = sniff_csv(self._connection, files, self.csv)
            version = _digest(found, options)
            self._from, self._params = self._csv_relation(files, options, version)
        else:
            version = _digest(found)
            self._from, self._params = "read_parquet($source)", {"source": [str(f) for f in files]}
        self._files, self._identity, self._version = files, found, version
        self.resolve_schema(self.pinned, ENV_PREFIX)

    def _csv_relation(
        self, files: tuple[Path, ...], options: CsvOptions, version: str
    ) -> tuple[str, dict[str, Any]]:
        """The Parquet copy in the cache folder, or the CSV itself when that cannot be written.

        Copies are named after the source's path and version; older copies of the
        same source are removed once the new one is written.
        """
        read = f"read_csv($files, {options.sql()})"
        params = {"files": [str(f) for f in files]}
        source = f"{files[0].stem[:40]}-{_digest(str(self.path.resolve()))[:8]}"
        target = self.cache_dir / f"{source}-{version}.parquet"
        if not target.exists():
            try:
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(target.name + f".{os.getpid()}.partial")
                copy = f"COPY (SELECT * FROM {read}) TO $target (FORMAT parquet, COMPRESSION zstd)"  # noqa: S608 - options are validated literals
                self.fetch(copy, {**params, "target": str(partial)})
                partial.replace(target)
            except OSError:
                return read, params  # a read-only cache folder: read the CSV on every query
            for older in self.cache_dir.glob(f"{glob.escape(source)}-*.parquet"):
                if older != target:
                    with contextlib.suppress(OSError):  # another process may use it still
                        older.unlink()
        return "read_parquet($source)", {"source": str(target)}

    def version(self) -> str:
        """A digest of the files' paths, sizes and modification times (re-read when it changes)."""
        listed = glob.has_magic(str(self.path)) or self.path.is_dir()
        files = data_files(self.path) if listed else self._files
        if identity(files) != self._identity:
            with self._lock:
                if identity(data_files(self.path)) != self._identity:
                    self._load()
        return self._version

    # -- engine ------------------------------------------------------------------------------
    def placeholder(self, name: str) -> str:
        return f"${name}"

    def relation(self) -> tuple[str, dict[str, Any]]:
        return self._from, self._params

    def describe_relation(self) -> str:
        return ", ".join(str(f) for f in self._files[:3]) + (" ..." if len(self._files) > 3 else "")

    def catalog(self) -> list[tuple[str, str]]:
        describe = f"DESCRIBE SELECT * FROM {self._from}"  # noqa: S608 - the relation is ours
        described = self.fetch(describe, self._params)
        return list(zip(described["column_name"], described["column_type"], strict=True))

    def execute(self, sql: str, params: dict[str, Any]) -> pd.DataFrame:
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
        except (duckdb.IOException, duckdb.InvalidInputException) as error:
            raise self._unreadable(error) from error
        except duckdb.ConversionException as error:
            raise DataSourceError(
                f"A value in {self.describe_relation()} does not fit its column's type: "
                f"{_first_line(error)}",
                f"Set the CSV options ({ENV_PREFIX}DATASET__CSV__*) or fix the file.",
            ) from error
        except duckdb.Error as error:
            if any(sign in str(error) for sign in _BROKEN_PARQUET):
                raise self._unreadable(error) from error
            raise DataSourceError(
                f"DuckDB failed on {self.describe_relation()}: {_first_line(error)}",
                f"Check the dataset settings ({ENV_PREFIX}DATASET__*) match the file's columns; "
                f"`python -m {__package__}.describe {self.path}` shows them.",
            ) from error
        finally:
            _WATCHDOG.forget(deadline)
            cursor.close()

    def _unreadable(self, error: duckdb.Error) -> DataSourceError:
        text = _first_line(error)
        where = self.describe_relation() or str(self.path)
        if any(sign in text for sign in _BROKEN_PARQUET):
            return DataSourceError(
                f"{where} is not a valid Parquet file ({text}).",
                f"Replace it with a complete Parquet file or point {PATH_VARIABLE} at another.",
            )
        if "unicode" in text.lower() or "encoding" in text.lower():
            return DataSourceError(
                f"{where} is not in the encoding it was read with ({text}).",
                f"Set {ENV_PREFIX}DATASET__CSV__ENCODING (utf-8, utf-16 or latin-1).",
            )
        if "CSV" in text or "sniff" in text.lower():
            return DataSourceError(
                f"{where} could not be read as CSV ({text}).",
                f"Set {ENV_PREFIX}DATASET__CSV__DELIMITER, _HEADER or _ENCODING to match the file.",
            )
        return DataSourceError(
            f"Cannot read {where}: {text}",
            f"Check the file exists and is Parquet or CSV, or point {PATH_VARIABLE} elsewhere.",
        )

    def close(self) -> None:
        self._connection.close()


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def connect(settings: Settings) -> DuckDBSource:
    """The configured DuckDB source (called once per process by ``data.get_source``)."""
    source = DuckDBSource(
        settings.data_path,
        pinned(settings.dataset),
        csv=settings.dataset.csv,
        cache_dir=settings.data_cache_dir,
        timeout_seconds=settings.query_timeout_seconds,
    )
    source.use_rollup(rollup_policy(settings))
    return source
