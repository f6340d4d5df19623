"""The local rollup: the table pre-aggregated per day and first-dimension value.

Every engine (SQL or API) loads it from one aggregate answer and keeps it in
this process as an in-memory DuckDB table, so a slider move reads a few
thousand local rows instead of scanning the engine's table: same answers, no
engine query, a cost that does not grow with the number of rows. It is rebuilt
when the engine's cheap change signal changes, or every ``ROLLUP__TTL_SECONDS``
where there is none; ``ROLLUP__MAX_ROWS`` bounds its size.

Columns: ``_day`` (with a date column), ``_d0`` (the first dimension, as text),
per measure ``i`` its sum, count, min and max (``_s<i>``, ``_n<i>``, ``_lo<i>``,
``_hi<i>``), and ``_rows``, the table rows behind the row.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from .base import GRAINS, MISSING, DataSourceError, Filters, Schema, Totals

if TYPE_CHECKING:
    from ..settings import Settings

ADDITIVE = ("sum", "count", "count_distinct")
"""Aggregations whose value over no rows is 0 (the others have none)."""

_FIGURES = {
    # aggregation over the rollup's columns; {i}: the measure's index
    "sum": 'SUM("_s{i}")',
    "mean": 'SUM("_s{i}") / NULLIF(SUM("_n{i}"), 0)',
    "min": 'MIN("_lo{i}")',
    "max": 'MAX("_hi{i}")',
    "count": 'SUM("_n{i}")',
}


def figure(aggregate: str, aggregation: str, double_type: str = "DOUBLE") -> str:
    """An aggregate as the pages read it: a double, and 0 over no values where additive."""
    if aggregation in ADDITIVE:
        aggregate = f"COALESCE({aggregate}, 0)"  # a sum over no values is 0, like a count
    return f"CAST({aggregate} AS {double_type})"


def where_clause(
    filters: Filters,
    *,
    day: str | None,
    value: Callable[[str], str],
    mark: Callable[[str], str],
    always: Sequence[str] = (),
) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (or "") of ``filters`` and its bound parameters.

    ``day`` is the SQL of the row's day (``None``: no date column), ``value``
    the SQL of a dimension as text and ``mark`` how a parameter is spelled.
    Dates cover whole days: ``start <= day < end + 1``. ``MISSING`` selects NULL.
    """
    clauses: list[str] = ["1 = 0"] if filters.nothing else []
    clauses += always
    params: dict[str, Any] = {}
    if day is not None:
        if filters.start is not None:
            clauses.append(f"{day} >= {mark('start')}")
            params["start"] = filters.start
        if filters.end is not None:
            clauses.append(f"{day} < {mark('end_next')}")
            params["end_next"] = filters.end + dt.timedelta(days=1)
    for d, (dimension, values) in enumerate(filters.selections):
        present = [v for v in values if v != MISSING]
        names = [f"d{d}_{v}" for v in range(len(present))]
        params.update(zip(names, present, strict=True))
        tests = [f"{value(dimension)} IS NULL"] if MISSING in values else []
        if names:
            tests.append(f"{value(dimension)} IN ({', '.join(mark(n) for n in names)})")
        clauses.append("(" + " OR ".join(tests) + ")")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def series_query(grain: str, day: str, figure: str) -> tuple[str, str]:
    """The select list and tail of a time series: one ``figure`` per ``grain`` period."""
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}; expected one of {GRAINS}")
    select = f'CAST(DATE_TRUNC(\'{grain}\', {day}) AS DATE) AS "period", {figure} AS "value"'
    return select, " GROUP BY 1 ORDER BY 1"


def with_dates(series: pd.DataFrame) -> pd.DataFrame:
    """``series`` with its periods as ``datetime.date``, whatever the driver returned."""
    series["period"] = [as_date(value) for value in series["period"]]
    return series


def read_totals(record: pd.Series, schema: Schema, measures: Sequence[str]) -> Totals:
    """A summary row (``rows``, ``v<i>``, ``n<i>`` per measure) as ``Totals``."""
    values: dict[str, float | None] = {}
    counted: dict[str, int] = {}
    for measure in measures:
        i = schema.measures.index(measure)
        value = record[f"v{i}"]
        empty = 0.0 if schema.aggregation(measure) in ADDITIVE else None
        values[measure] = float(value) if pd.notna(value) else empty
        counted[measure] = as_int(record[f"n{i}"])
    return Totals(rows=as_int(record["rows"]), values=values, counted=counted)


def as_int(value: object) -> int:
    return int(value) if pd.notna(value) else 0  # type: ignore[call-overload]  # numpy scalars


def as_date(value: object) -> dt.date:
    """A date from whatever date-like value a driver returned."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()  # type: ignore[arg-type]  # pandas accepts any scalar


class RollupStore:
    """The rollup's rows, in an in-memory DuckDB table private to this process."""

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
    """The queries the rollup answers: totals, day-or-coarser series, first-dimension rankings."""

    store: RollupStore
    schema: Schema

    def _query(self, select: str, filters: Filters, tail: str = "", **extra: Any) -> pd.DataFrame:
        day = '"_day"' if self.schema.date_column is not None else None
        where, params = where_clause(
            filters, day=day, value=lambda _: '"_d0"', mark=self.store.placeholder
        )
        sql = f"SELECT {select} FROM {self.store.relation}{where}{tail}"  # noqa: S608 - ours, values bound
        return self.store.fetch(sql, {**params, **extra})

    def _figure(self, measure: str | None) -> str:
        if measure is None:
            return 'CAST(SUM("_rows") AS BIGINT)'
        aggregation = self.schema.aggregation(measure)
        template = _FIGURES[aggregation].format(i=self.schema.measures.index(measure))
        return figure(template, aggregation)

    def summary(self, filters: Filters, measures: Sequence[str]) -> Totals:
        """Row count and ``measures`` (none of them ``count_distinct``) under ``filters``."""
        parts = [f'{self._figure(None)} AS "rows"']
        for measure in measures:
            i = self.schema.measures.index(measure)
            parts += [
                f'{self._figure(measure)} AS "v{i}"',
                f'CAST(SUM("_n{i}") AS BIGINT) AS "n{i}"',
            ]
        return read_totals(self._query(", ".join(parts), filters).iloc[0], self.schema, measures)

    def timeseries(self, filters: Filters, measure: str | None, grain: str) -> pd.DataFrame:
        select, tail = series_query(grain, '"_day"', self._figure(measure))
        return with_dates(self._query(select, filters, tail))

    def breakdown(self, filters: Filters, measure: str | None, limit: int) -> pd.DataFrame:
        """The first dimension's values ranked by ``measure`` (``MISSING`` for NULL)."""
        return self._query(
            f'COALESCE("_d0", $missing) AS "label", {self._figure(measure)} AS "value", '
            f'{self._figure(None)} AS "row_count"',
            filters,
            " GROUP BY 1 ORDER BY 2 DESC NULLS LAST, 1 LIMIT $limit",
            limit=int(limit),
            missing=MISSING,
        )

    def values(self, filters: Filters, max_values: int) -> tuple[str, ...]:
        """Up to ``max_values`` values of the first dimension, in order, NULL last."""
        found = self._query(
            'DISTINCT "_d0" AS "value"',
            filters,
            " ORDER BY 1 NULLS LAST LIMIT $limit",
            limit=int(max_values),
        )["value"]
        return tuple(MISSING if pd.isna(v) else str(v) for v in found)


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


class RollupSource(ABC):
    """What a source with a local rollup shares: its version, refresh, limits and stats."""

    schema: Schema
    engine_queries = 0
    """Queries (or requests) sent to the engine by this process; the rollup's are local."""
    _policy: RollupPolicy | None = None
    _store: RollupStore | None = None
    _skipped: str | None = None
    _signal: tuple[float, str] = (-1.0, "")

    @abstractmethod
    def rollup_frame(self, limit: int) -> pd.DataFrame | None:
        """The rollup's rows from one aggregate answer of the engine (at most ``limit``
        + 1, to tell a rollup that is too big), or ``None`` when the engine cannot say."""

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

    def rollup(self, filters: Filters, dimensions: tuple[str, ...] = ()) -> Rollup | None:
        """The local rollup, when it answers ``filters`` grouped by ``dimensions``.

        ``None`` means this query goes to the engine: the filters or the grouping
        use another dimension, the rollup is off, the engine offers none, or it
        would be larger than ``max_rows``.
        """
        policy = self._limits()
        used = {name for name, _ in filters.selections} | set(dimensions)
        if policy.max_rows <= 0 or not used <= set(self.schema.dimensions[:1]):
            return None
        version = self.version()
        if self._skipped == version:
            return None
        store = self._store
        if store is None or store.version != version:
            with policy.lock:
                store = self._store
                if store is None or store.version != version:
                    store = self._build(version, policy)
        return None if store is None else Rollup(store, self.schema)

    def _build(self, version: str, policy: RollupPolicy) -> RollupStore | None:
        frame = self.rollup_frame(policy.max_rows)
        if frame is None or len(frame) > policy.max_rows:
            self._skipped = version  # not asked again until the data changes
            return None
        store = self._store or RollupStore()
        store.load(frame, version)
        self._store = store
        return store
