"""SQL shared by the SQL engines: identifiers checked against the schema, values bound.

No value a user can choose is ever formatted into SQL text. Column names come
from the settings and are checked against the schema before they are quoted;
time grains come from a fixed list; everything else is a bound parameter.
"""

from __future__ import annotations

import datetime as dt
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .base import GRAINS, Domain, Filters, Health, Schema

ROLLUP_ROWS = "_rollup_rows"
"""The column of a rollup that counts the table rows behind each rollup row."""


@dataclass(frozen=True)
class Rollup:
    """A pre-aggregated copy of the table, far smaller than the table itself.

    One row per day and combination of ``dimensions``, with the date column, those
    dimensions, the SUM of every measure (under the measures' own names) and the
    number of table rows (``ROLLUP_ROWS``). Sums, counts, day-or-coarser series and
    rankings by these dimensions read it instead of the table: same answers, and a
    cost that no longer grows with the number of rows.
    """

    relation: str
    dimensions: tuple[str, ...]

    def answers(self, filters: Filters, dimensions: tuple[str, ...]) -> bool:
        """Whether grouping by ``dimensions`` under ``filters`` can read this rollup."""
        used = {name for name, _ in filters.selections} | set(dimensions)
        return used <= set(self.dimensions)


def quote(identifier: str, allowed: tuple[str, ...]) -> str:
    """Double-quote ``identifier`` if it is one of ``allowed``; refuse anything else."""
    if identifier not in allowed:
        raise ValueError(f"unknown column {identifier!r}; expected one of {list(allowed)}")
    return '"' + identifier.replace('"', '""') + '"'


class SqlDataSource(ABC):
    """The ``DataSource`` queries, written once; engines supply the FROM and the fetch."""

    schema: Schema

    @abstractmethod
    def placeholder(self, name: str) -> str:
        """How this engine's driver spells the bound parameter ``name``."""

    @abstractmethod
    def relation(self) -> tuple[str, dict[str, Any]]:
        """The FROM target and the parameters it needs."""

    @abstractmethod
    def fetch(self, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        """Run one query and return its (small) result."""

    def _column(self, name: str) -> str:
        return quote(name, self.schema.columns)

    def where(self, filters: Filters) -> tuple[str, dict[str, Any]]:
        """The WHERE clause (or "") and its bound parameters."""
        clauses: list[str] = []
        params: dict[str, Any] = {}
        date = self._column(self.schema.date_column)
        if filters.start is not None:
            clauses.append(f"{date} >= {self.placeholder('start')}")
            params["start"] = filters.start
        if filters.end is not None:
            clauses.append(f"{date} <= {self.placeholder('end')}")
            params["end"] = filters.end
        for d, (dimension, values) in enumerate(filters.selections):
            names = [f"d{d}_{v}" for v in range(len(values))]
            params.update(zip(names, values, strict=True))
            marks = ", ".join(self.placeholder(name) for name in names)
            clauses.append(f"{quote(dimension, self.schema.dimensions)} IN ({marks})")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def rollup(self, filters: Filters, dimensions: tuple[str, ...]) -> Rollup | None:
        """A pre-aggregated relation that can answer sums under ``filters`` by ``dimensions``.

        ``None`` (the default) means every aggregate reads the table itself. An
        engine that keeps a rollup returns it when the filters and the grouping
        only use the rollup's own dimensions.
        """
        return None

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
        where, where_params = self.where(filters)
        sql = f"SELECT {select} FROM {source}{where}{tail}"  # noqa: S608 - identifiers checked, values bound
        return self.fetch(sql, {**params, **where_params, **extra})

    def summary(self, filters: Filters) -> dict[str, float]:
        rollup = self.rollup(filters, ())
        sums = ", ".join(
            f"SUM({self._column(m)}) AS {self._column(m)}" for m in self.schema.measures
        )
        frame = self._query(f'{_count(rollup)} AS "row_count", {sums}', filters, rollup=rollup)
        record = frame.iloc[0].to_dict()
        return {key: float(value) if pd.notna(value) else 0.0 for key, value in record.items()}

    def timeseries(self, filters: Filters, measure: str, grain: str) -> pd.DataFrame:
        if grain not in GRAINS:
            raise ValueError(f"unknown grain {grain!r}; expected one of {GRAINS}")
        date = self._column(self.schema.date_column)
        return self._query(
            f"CAST(DATE_TRUNC('{grain}', {date}) AS DATE) AS \"period\", "
            f'SUM({quote(measure, self.schema.measures)}) AS "value"',
            filters,
            " GROUP BY 1 ORDER BY 1",
            rollup=self.rollup(filters, ()),
        )

    def breakdown(self, filters: Filters, dimension: str, measure: str, limit: int) -> pd.DataFrame:
        label = quote(dimension, self.schema.dimensions)
        value = quote(measure, self.schema.measures)
        rollup = self.rollup(filters, (dimension,))
        return self._query(
            f'{label} AS "label", SUM({value}) AS "value", {_count(rollup)} AS "row_count"',
            filters,
            f" GROUP BY 1 ORDER BY 2 DESC LIMIT {self.placeholder('limit')}",
            rollup=rollup,
            limit=int(limit),
        )

    def page(self, filters: Filters, limit: int, offset: int) -> pd.DataFrame:
        columns = ", ".join(self._column(c) for c in self.schema.columns)
        order = ", ".join(
            self._column(c) for c in (self.schema.date_column, *self.schema.dimensions)
        )
        return self._query(
            columns,
            filters,
            f" ORDER BY {order} LIMIT {self.placeholder('limit')}"
            f" OFFSET {self.placeholder('offset')}",
            limit=int(limit),
            offset=int(offset),
        )

    def domain(self, max_values: int = 1000) -> Domain:
        """Date bounds, row count and up to ``max_values`` values per dimension (0: none)."""
        date = self._column(self.schema.date_column)
        rollup = self.rollup(Filters(), ())
        bounds = self._query(
            f'MIN({date}) AS "min_date", MAX({date}) AS "max_date", '
            f'{_count(rollup)} AS "row_count"',
            Filters(),
            rollup=rollup,
        ).iloc[0]
        if pd.isna(bounds["row_count"]) or not bounds["row_count"]:
            raise ValueError("the table is empty")
        values = {
            dimension: tuple(
                str(v)
                for v in self._query(
                    f'DISTINCT {self._column(dimension)} AS "value"',
                    Filters(),
                    f" ORDER BY 1 LIMIT {self.placeholder('limit')}",
                    rollup=self.rollup(Filters(), (dimension,)),
                    limit=int(max_values),
                )["value"].dropna()
            )
            for dimension in self.schema.dimensions
            if max_values > 0
        }
        return Domain(
            min_date=_as_date(bounds["min_date"]),
            max_date=_as_date(bounds["max_date"]),
            rows=int(bounds["row_count"]),
            values=values,
        )

    def health(self) -> Health:
        started = time.perf_counter()
        try:
            self.fetch('SELECT 1 AS "ok"', {})
        except Exception as error:  # health reports, it does not raise
            return Health(False, str(error), (time.perf_counter() - started) * 1000)
        return Health(True, "ok", (time.perf_counter() - started) * 1000)


def _count(rollup: Rollup | None) -> str:
    """How many table rows an aggregate covers: counted, or summed from a rollup."""
    return f'CAST(SUM("{ROLLUP_ROWS}") AS BIGINT)' if rollup else "COUNT(*)"


def _as_date(value: object) -> dt.date:
    """A date from whatever date-like value a driver returned."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()  # type: ignore[arg-type]
