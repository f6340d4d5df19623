"""Cached queries: the only way pages read data.

Every function here takes small, hashable arguments (``Filters``, column names,
numbers) and returns a small result, so ``st.cache_data``'s copy on each hit
costs microseconds. The heavy lifting stays in the engine.

The aggregates answer in milliseconds, so they show no spinner: each spinner
starts a timer thread and sends two extra messages, about 3 ms per slider move.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .cache import cached_data
from .data import Domain, Filters, get_source


@cached_data("reference", show_spinner="Reading the dataset...")
def domain() -> Domain:
    """Date bounds and the distinct values of every dimension."""
    return get_source().domain()


@cached_data("queries")
def summary(filters: Filters) -> dict[str, float]:
    """Row count and the sum of every measure under ``filters``."""
    return get_source().summary(filters)


@cached_data("queries")
def timeseries(filters: Filters, measure: str, grain: str) -> pd.DataFrame:
    """``measure`` summed per ``grain`` period: one row per chart point."""
    return get_source().timeseries(filters, measure, grain)


@cached_data("queries")
def breakdown(filters: Filters, dimension: str, measure: str, limit: int) -> pd.DataFrame:
    """The top ``limit`` values of ``dimension`` by ``measure``."""
    return get_source().breakdown(filters, dimension, measure, limit)


@cached_data("queries", show_spinner="Loading rows...")
def page(filters: Filters, limit: int, offset: int) -> pd.DataFrame:
    """One bounded page of raw rows in date order, never the whole table."""
    return get_source().page(filters, limit, offset)


@cached_data("live")
def latest(days: int, dimension: str) -> tuple[dict[str, float], pd.DataFrame, dt.date]:
    """The last ``days`` of data: totals, a breakdown by ``dimension``, and the end date.

    Lives in the short-TTL ``live`` namespace, so the live panel sees new rows
    within one refresh interval.
    """
    source = get_source()
    end = source.domain(max_values=0).max_date
    window = Filters(start=end - dt.timedelta(days=days - 1), end=end)
    measure = source.schema.measures[0]
    return source.summary(window), source.breakdown(window, dimension, measure, 10), end
