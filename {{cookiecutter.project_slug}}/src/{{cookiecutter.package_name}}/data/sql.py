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

import time
from abc import abstractmethod
from typing import Any

import pandas as pd

from .base import MISSING, Domain, Filters, Health, Schema, Totals
from .infer import PROFILE_ROWS, Column, Pinned, Profile, kind, resolve
from .rollup import (
    RollupSource,
    as_date,
    as_int,
    figure,
    read_totals,
    series_query,
    where_clause,
    with_dates,
)

MAX_PROFILED_COLUMNS = 200
_FIGURES = {
    # aggregation over the table's column {c}
    "sum": "SUM({c})",
    "mean": "AVG({c})",
    "min": "MIN({c})",
    "max": "MAX({c})",
    "count": "COUNT({c})",
    "count_distinct": "COUNT(DISTINCT {c})",
}


def quote(identifier: str, allowed: tuple[str, ...]) -> str:
    """Double-quote ``identifier`` if it is one of ``allowed``; refuse anything else."""
    if identifier not in allowed:
        raise ValueError(f"unknown column {identifier!r}; expected one of {list(allowed)}")
    return '"' + identifier.replace('"', '""') + '"'


class SqlDataSource(RollupSource):
    """The ``DataSource`` queries, written once; engines supply the FROM and the execution."""

    schema: Schema
    double_type = "DOUBLE PRECISION"

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
                non_null=as_int(record[f"n{i}"]),
                distinct=as_int(record[f"d{i}"]),
                iso_dates=as_int(record.get(f"t{i}", 0)),
            )
            for i, (name, type_name) in enumerate(described)
        )
        return Profile(self.describe_relation(), columns, as_int(record["rows"]))

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

    def where(self, filters: Filters, *, dated_only: bool = True) -> tuple[str, dict[str, Any]]:
        """The WHERE clause (or "") over the table and its bound parameters.

        With a date column, only rows that have a date match, unless ``dated_only``
        is false (to count the others).
        """
        day = self.day_value() if self.schema.date_column is not None else None
        return where_clause(
            filters,
            day=day,
            value=self._as_text,
            mark=self.placeholder,
            always=[f"{day} IS NOT NULL"] if day is not None and dated_only else [],
        )

    def _figure(self, measure: str | None) -> str:
        """The SQL of one figure over the table: a measure's aggregation, or the row count."""
        if measure is None:
            return "COUNT(*)"
        aggregation = self.schema.aggregation(measure)
        column = quote(measure, self.schema.measures)
        return figure(_FIGURES[aggregation].format(c=column), aggregation, self.double_type)

    def _local(self, measure: str | None) -> bool:
        """Whether the rollup holds this figure (a distinct count needs the rows)."""
        return measure is None or self.schema.aggregation(measure) != "count_distinct"

    def rollup_frame(self, limit: int) -> pd.DataFrame:
        select, params = self.rollup_select()
        return self.fetch(f"{select} LIMIT {limit + 1}", params)

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

    def _query(self, select: str, filters: Filters, tail: str = "", **extra: Any) -> pd.DataFrame:
        source, params = self.relation()
        where, where_params = self.where(filters)
        sql = f"SELECT {select} FROM {source}{where}{tail}"  # noqa: S608 - identifiers checked, values bound
        return self.fetch(sql, {**params, **where_params, **extra})

    # -- DataSource -----------------------------------------------------------------------
    def summary(self, filters: Filters) -> Totals:
        measures = self.schema.measures
        rollup = self.rollup(filters)
        local = tuple(m for m in measures if rollup is not None and self._local(m))
        totals = rollup.summary(filters, local) if rollup is not None else None
        remote = tuple(m for m in measures if m not in local)
        if totals is None or remote:
            parts = [f'{self._figure(None)} AS "rows"']
            for measure in remote:
                i = measures.index(measure)
                column = quote(measure, measures)
                parts += [
                    f'{self._figure(measure)} AS "v{i}"',
                    f'CAST(COUNT({column}) AS BIGINT) AS "n{i}"',
                ]
            record = self._query(", ".join(parts), filters).iloc[0]
            engine = read_totals(record, self.schema, remote)
            if totals is not None:
                engine.values.update(totals.values)
                engine.counted.update(totals.counted)
            totals = engine
        return Totals(
            rows=totals.rows,
            values={m: totals.values[m] for m in measures},
            counted={m: totals.counted[m] for m in measures},
        )

    def timeseries(self, filters: Filters, measure: str | None, grain: str) -> pd.DataFrame:
        if self.schema.date_column is None:
            raise ValueError("the data has no date column")
        rollup = self.rollup(filters) if self._local(measure) else None
        if rollup is not None:
            return rollup.timeseries(filters, measure, grain)
        select, tail = series_query(grain, self.day_value(), self._figure(measure))
        return with_dates(self._query(select, filters, tail))

    def breakdown(
        self, filters: Filters, dimension: str, measure: str | None, limit: int
    ) -> pd.DataFrame:
        rollup = self.rollup(filters, (dimension,)) if self._local(measure) else None
        if rollup is not None:
            return rollup.breakdown(filters, measure, limit)
        mark = self.placeholder
        return self._query(
            f'COALESCE({self._as_text(dimension)}, {mark("missing")}) AS "label", '
            f'{self._figure(measure)} AS "value", {self._figure(None)} AS "row_count"',
            filters,
            f" GROUP BY 1 ORDER BY 2 DESC NULLS LAST, 1 LIMIT {mark('limit')}",
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
            rows, undated = (
                as_int(counts["dated"]),
                as_int(counts["rows"]) - as_int(counts["dated"]),
            )
            if rows:
                min_date, max_date = as_date(counts["min_date"]), as_date(counts["max_date"])
        else:
            sql = f'SELECT COUNT(*) AS "rows" FROM {source}{where}'  # noqa: S608 - identifiers checked
            rows = as_int(self.fetch(sql, {**params, **where_params}).iloc[0, 0])
            undated = 0
        values: dict[str, tuple[str, ...]] = {}
        for dimension in self.schema.dimensions if max_values > 0 else ():
            rollup = self.rollup(scope, (dimension,))
            if rollup is not None:
                values[dimension] = rollup.values(scope, max_values)
                continue
            found = self._query(
                f'DISTINCT {self._as_text(dimension)} AS "value"',
                scope,
                f" ORDER BY 1 NULLS LAST LIMIT {self.placeholder('limit')}",
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


def _summable(schema: Schema, measure: str) -> bool:
    return schema.aggregation(measure) not in {"count", "count_distinct"}


class DuckDBDialect:
    """DuckDB's spelling of the engine hooks (shared by the local-file and S3 engines)."""

    def parse_timestamp(self, expression: str) -> str:
        return f"TRY_CAST({expression} AS TIMESTAMP)"

    def iso_date_test(self, expression: str) -> str:
        return (
            f"(regexp_matches({expression}, '^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]') "
            f"AND TRY_CAST({expression} AS TIMESTAMP) IS NOT NULL)"
        )
