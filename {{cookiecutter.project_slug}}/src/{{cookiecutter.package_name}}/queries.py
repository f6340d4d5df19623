{%- set per_user = ", per_user=True" if cookiecutter.auth != "none" else "" -%}
"""Cached queries: the only way pages read data.

Every function here takes small, hashable arguments (``Filters``, column names,
numbers) and returns a small result, so ``st.cache_data``'s copy on each hit
costs microseconds. The heavy lifting stays in the engine.

Each public function passes the source's data version into the cached one, so
a replaced data file gives new numbers on the next interaction instead of
waiting for the TTL.

The aggregates answer in milliseconds, so they show no spinner: each spinner
starts a timer thread and sends two extra messages, about 3 ms per slider move.
{%- if cookiecutter.auth != "none" %}

Row-level access: pages pass ``Filters`` already restricted to what the viewer
may see (``Filters.restrict``), and the ``allowed`` values where no filter is
given. Every result is also cached per user (``per_user=True``), so one user's
numbers can never reach another, whatever their filters.
{%- endif %}
"""

from __future__ import annotations

import datetime as dt
{%- if cookiecutter.auth != "none" %}
from dataclasses import replace
{%- endif %}

import pandas as pd
{% if cookiecutter.auth != "none" %}
from .access import Allowed
{%- endif %}
from .cache import cached_data
from .data import Domain, Filters, Totals, get_source
{%- if cookiecutter.auth != "none" %}


def domain(allowed: Allowed) -> Domain:
    """Date bounds, row counts and the distinct values of every dimension, as ``allowed``."""
    return _domain(get_source().version(), Filters().restrict(allowed))
{%- else %}


def domain() -> Domain:
    """Date bounds, row counts and the distinct values of every dimension."""
    return _domain(get_source().version())
{%- endif %}


def summary(filters: Filters) -> Totals:
    """Row count and every measure's figure under ``filters``."""
    return _summary(get_source().version(), filters)


def timeseries(filters: Filters, measure: str | None, grain: str) -> pd.DataFrame:
    """``measure`` (``None``: rows) per ``grain`` period: one row per chart point."""
    return _timeseries(get_source().version(), filters, measure, grain)


def breakdown(filters: Filters, dimension: str, measure: str | None, limit: int) -> pd.DataFrame:
    """The top ``limit`` values of ``dimension`` by ``measure`` (``None``: rows)."""
    return _breakdown(get_source().version(), filters, dimension, measure, limit)


def page(filters: Filters, limit: int, offset: int) -> pd.DataFrame:
    """One bounded page of raw rows in date order, never the whole table."""
    return _page(get_source().version(), filters, limit, offset)
{%- if cookiecutter.auth != "none" %}


def latest(
    days: int, dimension: str | None, allowed: Allowed
) -> tuple[Totals, pd.DataFrame | None, dt.date]:
    """The last ``days`` of the ``allowed`` data: totals, a breakdown, and the end date.

    Lives in the short-TTL ``live`` namespace, so the live panel sees new rows
    within one refresh interval.
    """
    return _latest(get_source().version(), days, dimension, Filters().restrict(allowed))


@cached_data("user", per_user=True, show_spinner="Reading the dataset...")
def _domain(version: str, within: Filters) -> Domain:
    return get_source().domain(within=within)
{%- else %}


def latest(days: int, dimension: str | None) -> tuple[Totals, pd.DataFrame | None, dt.date]:
    """The last ``days`` of data: totals, a breakdown by ``dimension``, and the end date.

    Lives in the short-TTL ``live`` namespace, so the live panel sees new rows
    within one refresh interval.
    """
    return _latest(get_source().version(), days, dimension)


@cached_data("reference", show_spinner="Reading the dataset...")
def _domain(version: str) -> Domain:
    return get_source().domain()
{%- endif %}


@cached_data("queries"{{ per_user }})
def _summary(version: str, filters: Filters) -> Totals:
    return get_source().summary(filters)


@cached_data("queries"{{ per_user }})
def _timeseries(version: str, filters: Filters, measure: str | None, grain: str) -> pd.DataFrame:
    return get_source().timeseries(filters, measure, grain)


@cached_data("queries"{{ per_user }})
def _breakdown(
    version: str, filters: Filters, dimension: str, measure: str | None, limit: int
) -> pd.DataFrame:
    return get_source().breakdown(filters, dimension, measure, limit)


@cached_data("queries"{{ per_user }}, show_spinner="Loading rows...")
def _page(version: str, filters: Filters, limit: int, offset: int) -> pd.DataFrame:
    return get_source().page(filters, limit, offset)
{%- if cookiecutter.auth != "none" %}


@cached_data("live", per_user=True)
def _latest(
    version: str, days: int, dimension: str | None, within: Filters
) -> tuple[Totals, pd.DataFrame | None, dt.date]:
    source = get_source()
    end = source.domain(max_values=0, within=within).max_date
    if end is None:
        raise ValueError("the live panel needs dated rows")
    window = replace(within, start=end - dt.timedelta(days=days - 1), end=end)
{%- else %}


@cached_data("live")
def _latest(
    version: str, days: int, dimension: str | None
) -> tuple[Totals, pd.DataFrame | None, dt.date]:
    source = get_source()
    end = source.domain(max_values=0).max_date
    if end is None:
        raise ValueError("the live panel needs dated rows")
    window = Filters(start=end - dt.timedelta(days=days - 1), end=end)
{%- endif %}
    measure = source.schema.measures[0] if source.schema.measures else None
    by_dimension = (
        source.breakdown(window, dimension, measure, 10) if dimension is not None else None
    )
    return source.summary(window), by_dimension, end
