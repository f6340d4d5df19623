"""What the pages show, as plain functions of typed state and settings.

Fragments stay thin wrappers around these: AppTest cannot rerun a fragment on
its own, so the logic lives here where unit tests call it directly.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from .data import Domain, Filters, Schema
from .state import PageState


class OverviewState(PageState, namespace="overview"):
    """What the user chose on the Overview page."""

    date_range: tuple[dt.date, dt.date] | None = None
    focus: list[str] = []  # noqa: RUF012 - PageState copies defaults; empty means all
    measure: str | None = None


class ExploreState(PageState, namespace="explore"):
    """What the user chose on the Explore page."""

    dimension: str | None = None
    measure: str | None = None
    top_n: int = 10
    page_number: int = 1


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    help: str


def label(column: str) -> str:
    """A column name as a person reads it."""
    return column.replace("_", " ").capitalize()


def prepare_overview(state: OverviewState, domain: Domain, schema: Schema) -> None:
    """Bring stored choices in line with the data before widgets are drawn."""
    if state.date_range is None:
        state.date_range = (domain.min_date, domain.max_date)
    else:
        start, end = state.date_range
        start = min(max(start, domain.min_date), domain.max_date)
        end = max(min(end, domain.max_date), start)
        if (start, end) != state.date_range:
            state.date_range = (start, end)
    allowed = set(domain.values.get(schema.dimensions[0], ()))
    if any(value not in allowed for value in state.focus):
        state.focus = [value for value in state.focus if value in allowed]
    if state.measure not in schema.measures:
        state.measure = schema.measures[0]


def overview_filters(state: OverviewState, schema: Schema) -> Filters:
    start, end = state.date_range or (None, None)
    return Filters.of(start, end, **{schema.dimensions[0]: state.focus})


def format_number(value: float) -> str:
    """Compact, readable figures: 1,234 / 12.3K / 4.56M / 7.89B."""
    magnitude = abs(value)
    if magnitude >= 1e9:
        return f"{value / 1e9:,.2f}B"
    if magnitude >= 1e6:
        return f"{value / 1e6:,.2f}M"
    if magnitude >= 1e4:
        return f"{value / 1e3:,.1f}K"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def kpis(totals: dict[str, float], schema: Schema) -> list[Kpi]:
    """The headline numbers for ``totals`` (a ``summary`` result)."""
    rows = totals.get("row_count", 0.0)
    items = [Kpi("Rows", format_number(rows), "Rows matching the filters")]
    for measure in schema.measures:
        total = totals.get(measure, 0.0)
        items.append(Kpi(label(measure), format_number(total), f"Sum of {measure}"))
    first = schema.measures[0]
    average = totals.get(first, 0.0) / rows if rows else 0.0
    items.append(Kpi(f"{label(first)} per row", format_number(average), f"Mean {first} per row"))
    return items


def prepare_explore(state: ExploreState, schema: Schema) -> None:
    if state.dimension not in schema.dimensions:
        state.dimension = schema.dimensions[0]
    if state.measure not in schema.measures:
        state.measure = schema.measures[0]


def page_count(total_rows: int, page_size: int) -> int:
    return max(1, math.ceil(total_rows / page_size))


def page_offset(page_number: int, total_rows: int, page_size: int) -> int:
    """The row offset of ``page_number`` (1-based), clamped to the last page."""
    last = page_count(total_rows, page_size)
    return (min(max(page_number, 1), last) - 1) * page_size
