"""The data-source interface the pages use, whatever engine sits behind it.

Pages never see SQL or raw tables: they pass typed ``Filters`` and get back
small, already-aggregated frames. Every engine pushes filtering and aggregation
down to itself, so only the result crosses into pandas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import pandas as pd

if TYPE_CHECKING:
    from ..settings import Settings

GRAINS = ("day", "week", "month", "quarter", "year")
_GRAIN_DAYS = {"day": 1, "week": 7, "month": 31, "quarter": 92, "year": 366}


@dataclass(frozen=True)
class Schema:
    """Which columns of the table are the date, the dimensions and the measures."""

    table: str
    date_column: str
    dimensions: tuple[str, ...]
    measures: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.date_column, *self.dimensions, *self.measures)


@dataclass(frozen=True)
class Filters:
    """What the user selected: a date range and allowed values per dimension.

    Hashable and small, so it is a good cache key. An empty selection for a
    dimension means "all values".
    """

    start: dt.date | None = None
    end: dt.date | None = None
    selections: tuple[tuple[str, tuple[str, ...]], ...] = ()

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


@dataclass(frozen=True)
class Domain:
    """The values the filters can take, read once from the data."""

    min_date: dt.date
    max_date: dt.date
    rows: int
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)


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

    def health(self) -> Health: ...

    def domain(self, max_values: int = 1000) -> Domain:
        """Date bounds, row count and up to ``max_values`` values per dimension (0: none)."""
        ...

    def summary(self, filters: Filters) -> dict[str, float]: ...

    def timeseries(self, filters: Filters, measure: str, grain: str) -> pd.DataFrame: ...

    def breakdown(
        self, filters: Filters, dimension: str, measure: str, limit: int
    ) -> pd.DataFrame: ...

    def page(self, filters: Filters, limit: int, offset: int) -> pd.DataFrame: ...


def choose_grain(start: dt.date, end: dt.date, max_points: int) -> str:
    """The finest time grain that keeps a chart of ``start..end`` under ``max_points``."""
    days = (end - start).days + 1
    for grain in GRAINS:
        if days / _GRAIN_DAYS[grain] <= max_points:
            return grain
    return GRAINS[-1]


def schema_from(settings: Settings) -> Schema:
    dataset = settings.dataset
    return Schema(
        table=dataset.table,
        date_column=dataset.date_column,
        dimensions=tuple(dataset.dimensions),
        measures=tuple(dataset.measures),
    )
