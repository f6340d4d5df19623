"""The data-source interface the pages use, whatever engine sits behind it.

Pages never see SQL or raw tables: they pass typed ``Filters`` and get back
small, already-aggregated results. Every engine pushes filtering and aggregation
down to itself, so only the result crosses into pandas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

GRAINS = ("day", "week", "month", "quarter", "year")
_GRAIN_DAYS = {"day": 1, "week": 7, "month": 31, "quarter": 92, "year": 366}

AGGREGATIONS = ("sum", "mean", "min", "max", "count", "count_distinct")
"""How a measure is summarised; ``count`` counts the rows where it has a value."""

DATE_TYPES = ("date", "timestamp", "timestamptz", "text")
"""How the date column is stored: text dates are parsed, time zones converted."""

MISSING = "(missing)"
"""The label (and filter value) of rows whose dimension has no value."""

_AGGREGATION_WORDS = {
    "sum": "Total",
    "mean": "Mean",
    "min": "Lowest",
    "max": "Highest",
    "count": "Count of",
    "count_distinct": "Distinct",
}


@dataclass(frozen=True)
class Schema:
    """Which columns are the date, the dimensions and the measures, and how to read them.

    ``date_column`` is ``None`` for data without dates: the pages then drop their
    time controls. ``aggregations`` is aligned with ``measures``. ``inferred``
    names the fields the app chose itself, so a page can say what it chose.
    """

    table: str
    date_column: str | None
    dimensions: tuple[str, ...]
    measures: tuple[str, ...]
    aggregations: tuple[str, ...] = ()
    date_type: str = "date"
    time_zone: str = "UTC"
    inferred: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.aggregations:
            object.__setattr__(self, "aggregations", ("sum",) * len(self.measures))
        if len(self.aggregations) != len(self.measures):
            raise ValueError("give one aggregation per measure")
        unknown = sorted(set(self.aggregations) - set(AGGREGATIONS))
        if unknown:
            raise ValueError(f"unknown aggregation(s) {unknown}; expected one of {AGGREGATIONS}")
        if self.date_type not in DATE_TYPES:
            raise ValueError(f"unknown date type {self.date_type!r}; expected one of {DATE_TYPES}")

    @property
    def columns(self) -> tuple[str, ...]:
        dated = (self.date_column,) if self.date_column is not None else ()
        return (*dated, *self.dimensions, *self.measures)

    def aggregation(self, measure: str) -> str:
        return self.aggregations[self.measures.index(measure)]


def measure_title(measure: str, aggregation: str) -> str:
    """What a figure computes, e.g. "Total revenue" or "Mean temperature"."""
    name = measure.replace("_", " ") if measure.islower() and measure.isidentifier() else measure
    word = _AGGREGATION_WORDS[aggregation]
    if name.lower().startswith(word.lower() + " "):
        return name  # "Total €" summed is already a total
    return f"{word} {name}"


def label(column: str) -> str:
    """A column name as a person reads it: ``unit_price`` -> "Unit price"; others kept."""
    if column.islower() and column.isidentifier():
        return column.replace("_", " ").capitalize()
    return column


@dataclass(frozen=True)
class Filters:
    """What the user selected: a range of whole days and allowed values per dimension.

    Hashable and small, so it is a good cache key. An empty selection for a
    dimension means "all values"; ``MISSING`` selects the rows without a value.
    Both ends of the date range are included, whatever the time of day.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    selections: tuple[tuple[str, tuple[str, ...]], ...] = ()
    nothing: bool = False
    """Match no row: a viewer whose access leaves no value of some dimension."""

    @classmethod
    def of(
        cls,
        start: dt.date | None = None,
        end: dt.date | None = None,
        **selections: Iterable[str],
    ) -> Filters:
        chosen = tuple(
            (name, tuple(sorted(set(values))))
            for name, values in sorted(selections.items())
            if values
        )
        return cls(start=start, end=end, selections=chosen)

    def restrict(self, allowed: Mapping[str, Iterable[str]] | None) -> Filters:
        """These filters within what a viewer may see: ``allowed`` values per dimension.

        ``None`` means no restriction. A selection is intersected with the allowed
        values; a dimension the viewer did not filter gets exactly them; an empty
        intersection matches nothing. The result is part of every cache key, so
        viewers with different access never share a cached result.
        """
        if allowed is None:
            return self
        chosen = dict(self.selections)
        for dimension, values in allowed.items():
            permitted = set(values)
            wanted = permitted & set(chosen[dimension]) if dimension in chosen else permitted
            if not wanted:
                return Filters(self.start, self.end, (), nothing=True)
            chosen[dimension] = tuple(sorted(wanted))
        return Filters(self.start, self.end, tuple(sorted(chosen.items())), self.nothing)


@dataclass(frozen=True)
class Totals:
    """A ``summary``: the matching rows, each measure's figure and how many rows had it.

    A figure is ``None`` when no matching row has a value (a mean of nothing).
    """

    rows: int
    values: dict[str, float | None] = field(default_factory=dict)
    counted: dict[str, int] = field(default_factory=dict)

    def missing(self, measure: str) -> int:
        """Matching rows without a value for ``measure`` (left out of its figure)."""
        return self.rows - self.counted.get(measure, self.rows)


@dataclass(frozen=True)
class Domain:
    """The values the filters can take, read once per version of the data.

    ``rows`` counts the rows the pages use: with a date column, only rows that
    have a date (``undated_rows`` counts the others). Dates are ``None`` when
    there is no date column or no row has a date.
    """

    min_date: dt.date | None
    max_date: dt.date | None
    rows: int
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    undated_rows: int = 0


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str
    latency_ms: float


class DataSourceError(RuntimeError):
    """A data source failed in a way the user can act on: what failed and how to fix it."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(f"{what} {fix}")
        self.what = what
        self.fix = fix


class DataSource(Protocol):
    """What every engine implements; results are small pandas frames."""

    schema: Schema

    def version(self) -> str:
        """Changes whenever the data does (``""``: unknown, rely on the cache TTL)."""
        ...

    def health(self) -> Health: ...

    def domain(self, max_values: int = 1000, within: Filters | None = None) -> Domain:
        """Date bounds, row counts and up to ``max_values`` values per dimension (0: none).

        ``within`` restricts all of it to the rows a viewer may see.
        """
        ...

    def summary(self, filters: Filters) -> Totals: ...

    def timeseries(self, filters: Filters, measure: str | None, grain: str) -> pd.DataFrame:
        """``measure`` (``None``: rows) per ``grain`` period: columns ``period``, ``value``."""
        ...

    def breakdown(
        self, filters: Filters, dimension: str, measure: str | None, limit: int
    ) -> pd.DataFrame:
        """Top ``limit`` values of ``dimension``: columns ``label``, ``value``, ``row_count``."""
        ...

    def page(self, filters: Filters, limit: int, offset: int) -> pd.DataFrame: ...


def choose_grain(start: dt.date, end: dt.date, max_points: int) -> str:
    """The finest time grain that keeps a chart of ``start..end`` under ``max_points``."""
    days = (end - start).days + 1
    for grain in GRAINS:
        if days / _GRAIN_DAYS[grain] <= max_points:
            return grain
    return GRAINS[-1]
