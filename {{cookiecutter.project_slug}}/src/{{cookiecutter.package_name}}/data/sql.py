"""SQL shared by the SQL engines: identifiers checked against the schema, values bound.

No value a user can choose is ever formatted into SQL text. Column names come
from the table itself (or settings checked against it) and are double-quoted,
so spaces, capitals, unicode, quotes and reserved words all work; time grains,
aggregations and time zones come from fixed, validated lists; everything else
is a bound parameter.

Every query sees the same rows: with a date column, only rows that have a date
(``Domain.undated_rows`` counts the others). A date filter covers whole days in
the schema's time zone: ``start <= day < end + 1 day``, so a timestamp late on
the last day is included.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from .base import GRAINS, MISSING, DataSourceError, Domain, Filters, Health, Schema, Totals
from .infer import PROFILE_ROWS, Column, Pinned, Profile, kind, resolve

if TYPE_CHECKING:
    from ..settings import Settings

MAX_PROFILED_COLUMNS = 200
_FIGURES = {
    # aggregation: (over the table, over a rollup); {c}: the column, {i}: the measure's index
    "sum": ("SUM({c})", 'SUM("_s{i}")'),
    "mean": ("AVG({c})", 'SUM("_s{i}") / NULLIF(SUM("_n{i}"), 0)'),
    "min": ("MIN({c})", 'MIN("_lo{i}")'),
    "max": ("MAX({c})", 'MAX("_hi{i}")'),
    "count": ("COUNT({c})", 'SUM("_n{i}")'),
    "count_distinct": ("COUNT(DISTINCT {c})", None),
}


_ADDITIVE = ("sum", "count", "count_distinct")
"""Aggregations whose value over no rows is 0 (the others have none)."""


class RollupStore:
    """The rollup, held in this process as an in-memory DuckDB table, whatever the engine.

    One row per day (``_day``) and value of the first dimension (``_d0``, as
    text), with per measure its sum, count, min and max (``_s<i>``, ``_n<i>``,
    ``_lo<i>``, ``_hi<i>``) and the rows behind it (``_rows``). It is loaded from
    one aggregate query pushed to the engine, so every aggregation but
    ``count_distinct``, any day-or-coarser series and rankings by the first
    dimension are answered here: same answers, no engine query, and a cost that
    no longer grows with the number of rows.
    """

    relation = "rollup"

    def __init__(self) -> None:
        self._connection = duckdb.connect(":memory:")
        self.version: str | None = None
        self.loaded_at = 0.0
        self.rows = 0
        self.bytes = 0

    def placeholder(self, name: str) -> str:
        return f"${name}"

    def load(self, frame: pd.DataFrame, version: str) -> None:
        cursor = self._connection.cursor()
        try:
            cursor.register("incoming", frame)
            cursor.execute("CREATE OR REPLACE TABLE rollup AS SELECT * FROM incoming")
        finally:
            cursor.close()
        self.rows, self.bytes = len(frame), int(frame.memory_usage(deep=True).sum())
        self.version, self.loaded_at = version, time.monotonic()

    def fetch(self, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        cursor = self._connection.cursor()  # one cursor per query: safe across sessions
        try:
            used = {key: value for key, value in params.items() if f"${key}" in sql}
            return cursor.execute(sql, used).df()
        finally:
            cursor.close()


@dataclass(frozen=True)
class Rollup:
    """The rollup a query may read, with the dimensions it can group and filter by."""

    store: RollupStore
    dimensions: tuple[str, ...]

    @property
    def relation(self) -> str:
        return self.store.relation

    def answers(self, filters: Filters, dimensions: tuple[str, ...]) -> bool:
        """Whether grouping by ``dimensions`` under ``filters`` can read this rollup."""
        used = {name for name, _ in filters.selections} | set(dimensions)
        return used <= set(self.dimensions)


def quote(identifier: str, allowed: tuple[str, ...]) -> str:
    """Double-quote ``identifier`` if it is one of ``allowed``; refuse anything else."""
    if identifier not in allowed:
        raise ValueError(f"unknown column {identifier!r}; expected one of {list(allowed)}")
    return '"' + identifier.replace('"', '""') + '"'


def rollup_policy(settings: Settings) -> RollupPolicy:
    """The rollup limits from the settings (``ROLLUP__*``)."""
    return RollupPolicy(
        max_rows=settings.rollup.max_rows,
        check_seconds=settings.rollup.check_seconds,
        ttl_seconds=settings.rollup.ttl_seconds,
    )


@dataclass
class RollupPolicy:
    """How big the local rollup may grow and how often the engine is asked for changes."""

    max_rows: int = 2_000_000
    """A rollup with more rows is not kept: queries then go to the engine."""
    check_seconds: float = 30.0
    """How often the engine's change signal is read (0: on every query)."""
    ttl_seconds: float = 3600.0
    """Rebuilt at least this often, for engines without a change signal."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class SqlDataSource(ABC):
    """The ``DataSource`` queries, written once; engines supply the FROM and the execution."""

    schema: Schema
    double_type = "DOUBLE PRECISION"
    engine_queries = 0
    """Queries sent to the engine by this process (the rollup's own are not counted)."""
    _policy: RollupPolicy | None = None
    _store: RollupStore | None = None
    _too_big: str | None = None
    _signal: tuple[float, str] = (-1.0, "")

    @abstractmethod
    def placeholder(self, name: str) -> str:
        """How this engine's driver spells the bound parameter ``name``."""

    @abstractmethod
    def relation(self) -> tuple[str, dict[str, Any]]:
        """The FROM target and the parameters it needs."""

    @abstractmethod
    def execute(self, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        """Run one query on the engine and return its (small) result."""

    def fetch(self, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        """Run one query on the engine, counted in ``engine_queries``."""
        self.engine_queries += 1
        return self.execute(sql, params)

    # -- what differs between engines -----------------------------------------------------
    def catalog(self) -> list[tuple[str, str]]:
        """The table's columns and type names, in order, from the engine's catalog."""
        sql = (
            "SELECT column_name, data_type FROM information_schema.columns "  # noqa: S608 - bound
            f"WHERE table_schema = current_schema() AND table_name = {self.placeholder('table')} "
            "ORDER BY ordinal_position"
        )
        frame = self.fetch(sql, {"table": self.schema.table})
        return [(str(name), str(type_)) for name, type_ in frame.itertuples(index=False)]

    def local_time(self, expression: str) -> str:
        """A TIMESTAMPTZ as local time in the schema's (validated) time zone."""
        return f"({expression} AT TIME ZONE '{self.schema.time_zone}')"

    def parse_timestamp(self, expression: str) -> str:
        return f"CAST({expression} AS TIMESTAMP)"

    def iso_date_test(self, expression: str) -> str:
        """True where a text value starts like an ISO date."""
        return f"{expression} ~ '^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"

    def change_signal(self) -> str:
        """A cheap answer from the engine that changes when the table does (``""``: none)."""
        return ""

    def version(self) -> str:
        """Changes when the data does: the change signal, read at most every ``check_seconds``.

        Without a signal, the version changes every ``ttl_seconds``, so results and
        the rollup are refreshed on that schedule.
        """
        policy = self._limits()
        checked_at, signal = self._signal
        now = time.monotonic()
        if checked_at < 0 or now - checked_at >= policy.check_seconds:
            try:
                signal = self.change_signal()
            except DataSourceError:  # the queries that follow report the engine's state
                signal = ""
            signal = signal or f"ttl-{int(now // policy.ttl_seconds)}"
            self._signal = (now, signal)
        return signal

    def _limits(self) -> RollupPolicy:
        if self._policy is None:
            self._policy = RollupPolicy()
        return self._policy

    def use_rollup(self, policy: RollupPolicy) -> None:
        """Set the rollup's limits (``max_rows=0`` turns it off)."""
        self._policy = policy

    def rollup_stats(self) -> dict[str, float]:
        """Rows and bytes of the local rollup, for the dev panel."""
        store = self._store
        if store is None:
            return {"rows": 0, "bytes": 0, "age_seconds": 0}
        return {
            "rows": store.rows,
            "bytes": store.bytes,
            "age_seconds": time.monotonic() - store.loaded_at,
        }

    # -- schema ---------------------------------------------------------------------------
    def profile(self) -> Profile:
        """The catalog's columns with counts over at most ``PROFILE_ROWS`` rows."""
        described = self.catalog()[:MAX_PROFILED_COLUMNS]
        names = tuple(name for name, _ in described)
        parts = ['COUNT(*) AS "rows"']
        for i, (name, type_name) in enumerate(described):
            column = quote(name, names)
            parts += [f'COUNT({column}) AS "n{i}"', f'COUNT(DISTINCT {column}) AS "d{i}"']
            if kind(type_name) == "text":
                test = self.iso_date_test(column)
                parts.append(f'SUM(CASE WHEN {test} THEN 1 ELSE 0 END) AS "t{i}"')
        source, params = self.relation()
        sample = f"(SELECT * FROM {source} LIMIT {PROFILE_ROWS}) AS profiled"  # noqa: S608 - ours
        frame = self.fetch(f"SELECT {', '.join(parts)} FROM {sample}", params)  # noqa: S608 - quoted
        record = frame.iloc[0]
        columns = tuple(
            Column(
                name,
                type_name,
                non_null=_int(record[f"n{i}"]),
                distinct=_int(record[f"d{i}"]),
                iso_dates=_int(record.get(f"t{i}", 0)),
            )
            for i, (name, type_name) in enumerate(described)
        )
        return Profile(self.describe_relation(), columns, _int(record["rows"]))

    def describe_relation(self) -> str:
        """The data as error messages name it."""
        return f"Table {self.schema.table!r}"

    def resolve_schema(self, pinned: Pinned, env_prefix: str) -> Schema:
        """Check the pinned settings against the table and infer the rest."""
        resolved = resolve(self.profile(), pinned, env_prefix)
        self.schema = Schema(**{**resolved.__dict__, "table": self.schema.table})
        return self.schema

    # -- expressions ----------------------------------------------------------------------
    def _column(self, name: str) -> str:
        return quote(name, self.schema.columns)

    def day_value(self) -> str:
        """The date column as a local DATE or TIMESTAMP, ready to compare with days."""
        assert self.schema.date_column is not None
        column = self._column(self.schema.date_column)
        if self.schema.date_type == "timestamptz":
            return self.local_time(column)
        if self.schema.date_type == "text":
            return self.parse_timestamp(column)
        return column

    def _as_text(self, dimension: str) -> str:
        return f"CAST({quote(dimension, self.schema.dimensions)} AS VARCHAR)"

    def _placeholder(self, rollup: Rollup | None) -> Callable[[str], str]:
        """Bound parameters are spelled by whoever runs the query: engine or rollup."""
        return rollup.store.placeholder if rollup else self.placeholder

    def where(
        self, filters: Filters, rollup: Rollup | None = None, *, dated_only: bool = True
    ) -> tuple[str, dict[str, Any]]:
        """The WHERE clause (or "") and its bound parameters, over the table or a rollup.

        With a date column, only rows that have a date match, unless ``dated_only``
        is false (to count the others).
        """
        clauses: list[str] = ["1 = 0"] if filters.nothing else []
        params: dict[str, Any] = {}
        mark = self._placeholder(rollup)
        if self.schema.date_column is not None:
            day = '"_day"' if rollup else self.day_value()
            if dated_only and not rollup:
                clauses.append(f"{day} IS NOT NULL")
            if filters.start is not None:
                clauses.append(f"{day} >= {mark('start')}")
                params["start"] = filters.start
            if filters.end is not None:
                clauses.append(f"{day} < {mark('end_next')}")
                params["end_next"] = filters.end + dt.timedelta(days=1)
        for d, (dimension, values) in enumerate(filters.selections):
            value = '"_d0"' if rollup else self._as_text(dimension)
            present = [v for v in values if v != MISSING]
            names = [f"d{d}_{v}" for v in range(len(present))]
            params.update(zip(names, present, strict=True))
            tests = [f"{value} IS NULL"] if MISSING in values else []
            if names:
                tests.append(f"{value} IN ({', '.join(mark(n) for n in names)})")
            clauses.append("(" + " OR ".join(tests) + ")")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _figure(self, measure: str | None, rollup: Rollup | None) -> str:
        """The SQL of one figure: a measure's aggregation, or the row count for ``None``."""
        if measure is None:
            return _rows(rollup)
        index = self.schema.measures.index(measure)
        over_table, over_rollup = _FIGURES[self.schema.aggregation(measure)]
        template = over_rollup if rollup else over_table
        assert template is not None, "count_distinct never reads a rollup"
        figure = template.format(c=quote(measure, self.schema.measures), i=index)
        if self.schema.aggregation(measure) in _ADDITIVE:
            figure = f"COALESCE({figure}, 0)"  # a sum over no values is 0, like a count
        return f"CAST({figure} AS {self.double_type})"

    def _rollup_for(
        self, filters: Filters, dimensions: tuple[str, ...], measures: tuple[str | None, ...]
    ) -> Rollup | None:
        if any(m is not None and self.schema.aggregation(m) == "count_distinct" for m in measures):
            return None
        return self.rollup(filters, dimensions)

    def rollup(self, filters: Filters, dimensions: tuple[str, ...]) -> Rollup | None:
        """The local rollup, when it answers ``filters`` grouped by ``dimensions``.

        ``None`` means this query reads the table itself: the filters or the
        grouping use another dimension, the rollup is off, or it would be larger
        than ``max_rows``.
        """
        policy = self._limits()
        wanted = self.schema.dimensions[:1]
        used = {name for name, _ in filters.selections} | set(dimensions)
        if policy.max_rows <= 0 or not used <= set(wanted):
            return None
        version = self.version()
        if self._too_big == version:
            return None
        store = self._store
        if store is None or store.version != version:
            with policy.lock:
                store = self._store
                if store is None or store.version != version:
                    store = self._build_rollup(version, policy)
        return None if store is None else Rollup(store, wanted)

    def _build_rollup(self, version: str, policy: RollupPolicy) -> RollupStore | None:
        select, params = self.rollup_select()
        limited = f"{select} LIMIT {policy.max_rows + 1}"
        frame = self.fetch(limited, params)
        if len(frame) > policy.max_rows:
            self._too_big = version  # not retried until the data changes
            return None
        store = self._store or RollupStore()
        store.load(frame, version)
        self._store = store
        return store

    def rollup_select(self) -> tuple[str, dict[str, Any]]:
        """The one aggregate query over the table that a rollup is built from."""
        keys: list[str] = []
        if self.schema.date_column is not None:
            keys.append(f'CAST({self.day_value()} AS DATE) AS "_day"')
        if self.schema.dimensions:
            keys.append(f'{self._as_text(self.schema.dimensions[0])} AS "_d0"')
        figures = []
        for i, measure in enumerate(self.schema.measures):
            if self.schema.aggregation(measure) == "count_distinct":
                continue
            column = quote(measure, self.schema.measures)
            numeric = f"CAST({column} AS {self.double_type})"
            summable = _summable(self.schema, measure)
            figures += [
                f'{f"SUM({numeric})" if summable else "NULL"} AS "_s{i}"',
                f'COUNT({column}) AS "_n{i}"',
                f'{f"MIN({numeric})" if summable else "NULL"} AS "_lo{i}"',
                f'{f"MAX({numeric})" if summable else "NULL"} AS "_hi{i}"',
            ]
        source, params = self.relation()
        where, _ = self.where(Filters())
        group = f" GROUP BY {', '.join(str(n + 1) for n in range(len(keys)))}" if keys else ""
        select = ", ".join([*keys, *figures, 'COUNT(*) AS "_rows"'])
        return f"SELECT {select} FROM {source}{where}{group}", params  # noqa: S608 - identifiers checked

    def _query(
        self,
        select: str,
        filters: Filters,
        tail: str = "",
        *,
        rollup: Rollup | None = None,
        **extra: Any,
    ) -> pd.DataFrame:
        source, params = (rollup.relation, {}) if rollup else self.relation()
        where, where_params = self.where(filters, rollup)
        sql = f"SELECT {select} FROM {source}{where}{tail}"  # noqa: S608 - identifiers checked, values bound
        run = rollup.store.fetch if rollup else self.fetch
        return run(sql, {**params, **where_params, **extra})

    # -- DataSource -----------------------------------------------------------------------
    def summary(self, filters: Filters) -> Totals:
        measures = self.schema.measures
        values: dict[str, float | None] = {}
        counted: dict[str, int] = {}
        rows = 0
        groups: list[tuple[Rollup | None, tuple[str, ...]]] = []
        rollup = self._rollup_for(filters, (), ())
        if rollup is None:
            groups.append((None, measures))
        else:
            distinct = tuple(m for m in measures if self.schema.aggregation(m) == "count_distinct")
            groups.append((rollup, tuple(m for m in measures if m not in distinct)))
            if distinct:
                groups.append((None, distinct))
        for source, chosen in groups:
            parts = [f'{self._figure(None, source)} AS "rows"']
            for measure in chosen:
                i = measures.index(measure)
                counter = f'SUM("_n{i}")' if source else f"COUNT({quote(measure, measures)})"
                parts += [
                    f'{self._figure(measure, source)} AS "v{i}"',
                    f'CAST({counter} AS BIGINT) AS "n{i}"',
                ]
            record = self._query(", ".join(parts), filters, rollup=source).iloc[0]
            rows = _int(record["rows"])
            for measure in chosen:
                i = measures.index(measure)
                value = record[f"v{i}"]
                empty = 0.0 if self.schema.aggregation(measure) in _ADDITIVE else None
                values[measure] = float(value) if pd.notna(value) else empty
                counted[measure] = _int(record[f"n{i}"])
        return Totals(rows=rows, values=values, counted=counted)

    def timeseries(self, filters: Filters, measure: str | None, grain: str) -> pd.DataFrame:
        if grain not in GRAINS:
            raise ValueError(f"unknown grain {grain!r}; expected one of {GRAINS}")
        if self.schema.date_column is None:
            raise ValueError("the data has no date column")
        rollup = self._rollup_for(filters, (), (measure,))
        day = '"_day"' if rollup else self.day_value()
        frame = self._query(
            f"CAST(DATE_TRUNC('{grain}', {day}) AS DATE) AS \"period\", "
            f'{self._figure(measure, rollup)} AS "value"',
            filters,
            " GROUP BY 1 ORDER BY 1",
            rollup=rollup,
        )
        frame["period"] = [_as_date(value) for value in frame["period"]]
        return frame

    def breakdown(
        self, filters: Filters, dimension: str, measure: str | None, limit: int
    ) -> pd.DataFrame:
        rollup = self._rollup_for(filters, (dimension,), (measure,))
        value = '"_d0"' if rollup else self._as_text(dimension)
        mark = self._placeholder(rollup)
        missing = mark("missing")
        return self._query(
            f'COALESCE({value}, {missing}) AS "label", {self._figure(measure, rollup)} AS "value", '
            f'{self._figure(None, rollup)} AS "row_count"',
            filters,
            f" GROUP BY 1 ORDER BY 2 DESC NULLS LAST, 1 LIMIT {mark('limit')}",
            rollup=rollup,
            limit=int(limit),
            missing=MISSING,
        )

    def page(self, filters: Filters, limit: int, offset: int) -> pd.DataFrame:
        """Raw rows: the schema's columns, or every column when none was chosen."""
        columns = ", ".join(self._column(c) for c in self.schema.columns) or "*"
        keys = [self.day_value()] if self.schema.date_column is not None else []
        keys += [self._column(c) for c in self.schema.dimensions]
        order = (" ORDER BY " + ", ".join(f"{k} NULLS LAST" for k in keys)) if keys else ""
        return self._query(
            columns,
            filters,
            f"{order} LIMIT {self.placeholder('limit')} OFFSET {self.placeholder('offset')}",
            limit=int(limit),
            offset=int(offset),
        )

    def domain(self, max_values: int = 1000, within: Filters | None = None) -> Domain:
        """Date bounds, row counts and up to ``max_values`` values per dimension (0: none).

        ``within`` (dimension filters only) restricts all of it to what a viewer may see.
        """
        scope = within or Filters()
        source, params = self.relation()
        where, where_params = self.where(scope, dated_only=False)
        min_date = max_date = None
        if self.schema.date_column is not None:
            day = self.day_value()
            counts = self.fetch(
                f'SELECT COUNT(*) AS "rows", COUNT({day}) AS "dated", '  # noqa: S608 - identifiers checked
                f'CAST(MIN({day}) AS DATE) AS "min_date", CAST(MAX({day}) AS DATE) AS "max_date" '
                f"FROM {source}{where}",
                {**params, **where_params},
            ).iloc[0]
            rows, undated = _int(counts["dated"]), _int(counts["rows"]) - _int(counts["dated"])
            if rows:
                min_date, max_date = _as_date(counts["min_date"]), _as_date(counts["max_date"])
        else:
            sql = f'SELECT COUNT(*) AS "rows" FROM {source}{where}'  # noqa: S608 - identifiers checked
            rows = _int(self.fetch(sql, {**params, **where_params}).iloc[0, 0])
            undated = 0
        values: dict[str, tuple[str, ...]] = {}
        for dimension in self.schema.dimensions if max_values > 0 else ():
            rollup = self.rollup(scope, (dimension,))
            value = '"_d0"' if rollup else self._as_text(dimension)
            found = self._query(
                f'DISTINCT {value} AS "value"',
                scope,
                f" ORDER BY 1 NULLS LAST LIMIT {self._placeholder(rollup)('limit')}",
                rollup=rollup,
                limit=int(max_values),
            )["value"]
            values[dimension] = tuple(MISSING if pd.isna(v) else str(v) for v in found)
        return Domain(min_date, max_date, rows, values, undated)

    def health(self) -> Health:
        started = time.perf_counter()
        try:
            self.fetch('SELECT 1 AS "ok"', {})
        except Exception as error:  # health reports, it does not raise
            return Health(False, str(error), (time.perf_counter() - started) * 1000)
        return Health(True, "ok", (time.perf_counter() - started) * 1000)


def _rows(rollup: Rollup | None) -> str:
    """How many table rows an aggregate covers: counted, or summed from a rollup."""
    return 'CAST(SUM("_rows") AS BIGINT)' if rollup else "COUNT(*)"


def _summable(schema: Schema, measure: str) -> bool:
    return schema.aggregation(measure) not in {"count", "count_distinct"}


def _int(value: object) -> int:
    return int(value) if pd.notna(value) else 0  # type: ignore[call-overload]  # numpy scalars


def _as_date(value: object) -> dt.date:
    """A date from whatever date-like value a driver returned."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()  # type: ignore[arg-type]  # pandas accepts any scalar


class DuckDBDialect:
    """DuckDB's spelling of the engine hooks (shared by the local-file and S3 engines)."""

    def parse_timestamp(self, expression: str) -> str:
        return f"TRY_CAST({expression} AS TIMESTAMP)"

    def iso_date_test(self, expression: str) -> str:
        return (
            f"(regexp_matches({expression}, '^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]') "
            f"AND TRY_CAST({expression} AS TIMESTAMP) IS NOT NULL)"
        )
