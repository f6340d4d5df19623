"""What the pages show, as plain functions of typed state and settings.

Fragments stay thin wrappers around these: AppTest cannot rerun a fragment on
its own, so the logic lives here where unit tests call it directly.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field

from .data import Domain, Filters, Schema, Totals, measure_title
from .data import label as label  # re-exported: pages label columns through views
from .settings import ENV_PREFIX
from .state import PageState

TOP_N = (3, 50)
"""The Top N slider's bounds: state outside them is refused like any bad value."""


class OverviewState(PageState, namespace="overview"):
    """What the user chose on the Overview page."""

    date_range: tuple[dt.date, dt.date] | None = None
    focus: list[str] = []  # noqa: RUF012 - PageState copies defaults; empty means all
    measure: str | None = None


class ExploreState(PageState, namespace="explore"):
    """What the user chose on the Explore page."""

    dimension: str | None = None
    measure: str | None = None
    top_n: Annotated[int, Field(ge=TOP_N[0], le=TOP_N[1])] = 10
    page_number: Annotated[int, Field(ge=1)] = 1


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    help: str


def has_date_range(domain: Domain) -> bool:
    """Whether a date range can be chosen: dated rows spanning more than one day."""
    return (
        domain.min_date is not None
        and domain.max_date is not None
        and (domain.min_date < domain.max_date)
    )


def prepare_overview(state: OverviewState, domain: Domain, schema: Schema) -> None:
    """Bring stored choices in line with the data before widgets are drawn."""
    if domain.min_date is None or domain.max_date is None:
        state.date_range = None
    elif state.date_range is None or (
        state.date_range[1] < domain.min_date or state.date_range[0] > domain.max_date
    ):  # no choice yet, or one that no longer overlaps the data (a new file): all of it
        state.date_range = (domain.min_date, domain.max_date)
    else:
        start, end = state.date_range
        start = min(max(start, domain.min_date), domain.max_date)
        end = max(min(end, domain.max_date), start)
        if (start, end) != state.date_range:
            state.date_range = (start, end)
    allowed = set(domain.values.get(schema.dimensions[0], ())) if schema.dimensions else set()
    if any(value not in allowed for value in state.focus):
        state.focus = [value for value in state.focus if value in allowed]
    if state.measure not in schema.measures:
        state.measure = schema.measures[0] if schema.measures else None


def overview_filters(state: OverviewState, schema: Schema) -> Filters:
    start, end = state.date_range or (None, None)
    if not schema.dimensions:
        return Filters.of(start, end)
    return Filters.of(start, end, **{schema.dimensions[0]: state.focus})


def format_number(value: float | None) -> str:
    """Compact, readable figures: 1,234 / 12.3K / 4.56M / 7.89B; a dash for no value."""
    if value is None or math.isnan(value):
        return "-"
    magnitude = abs(value)
    if magnitude >= 1e9:
        return f"{value / 1e9:,.2f}B"
    if magnitude >= 1e6:
        return f"{value / 1e6:,.2f}M"
    if magnitude >= 1e4:
        return f"{value / 1e3:,.1f}K"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def value_title(schema: Schema, measure: str | None) -> str:
    """What a chart's values are: "Total revenue", "Mean temperature" or "Rows"."""
    if measure is None:
        return "Rows"
    return measure_title(measure, schema.aggregation(measure))


def kpis(totals: Totals, schema: Schema) -> list[Kpi]:
    """The headline numbers for ``totals`` (a ``summary`` result), saying what each computes."""
    items = [Kpi("Rows", format_number(totals.rows), "Rows matching the filters")]
    for measure, aggregation in zip(schema.measures, schema.aggregations, strict=True):
        missing = totals.missing(measure)
        help_text = f"{aggregation.replace('_', ' ')} of {measure!r} over the matching rows"
        if missing:
            help_text += f"; {rows_phrase(missing)} without a value left out"
        items.append(
            Kpi(
                measure_title(measure, aggregation),
                format_number(totals.values.get(measure)),
                help_text,
            )
        )
    return items


def prepare_explore(state: ExploreState, schema: Schema) -> None:
    if state.dimension not in schema.dimensions:
        state.dimension = schema.dimensions[0] if schema.dimensions else None
    if state.measure not in schema.measures:
        state.measure = schema.measures[0] if schema.measures else None


def page_count(total_rows: int, page_size: int) -> int:
    return max(1, math.ceil(total_rows / page_size))


def page_offset(page_number: int, total_rows: int, page_size: int) -> int:
    """The row offset of ``page_number`` (1-based), clamped to the last page."""
    last = page_count(total_rows, page_size)
    return (min(max(page_number, 1), last) - 1) * page_size


def rows_phrase(count: int) -> str:
    """ "1 row", "2,500 rows"."""
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


def no_rows_message(schema: Schema, domain: Domain) -> str:
    """Why there is nothing to show: no rows at all, or none with a date."""
    if domain.undated_rows:
        return (
            f"None of the {domain.undated_rows:,} rows has a {schema.date_column!r}. "
            f"Set {ENV_PREFIX}DATASET__DATE_COLUMN to another column, or to an empty value "
            "to use the rows without dates."
        )
    return "The data has no rows to show yet."


def dataset_notes(schema: Schema, domain: Domain, env_prefix: str, module: str) -> list[str]:
    """What the app chose about the data and how to pin it, for the page to say."""
    notes = []
    if schema.inferred:
        date = (
            f"date column **{schema.date_column}** ({schema.date_type}"
            + (f", days in {schema.time_zone}" if schema.date_type == "timestamptz" else "")
            + ")"
            if schema.date_column
            else "no date column"
        )
        dims = ", ".join(f"**{d}**" for d in schema.dimensions) or "none"
        measures = ", ".join(
            f"**{m}** ({a.replace('_', ' ')})"
            for m, a in zip(schema.measures, schema.aggregations, strict=True)
        )
        notes.append(
            f"Chosen from the data: {date}; dimensions {dims}; measures {measures or 'none'}. "
            f"Pin them with the `{env_prefix}DATASET__*` settings: "
            f"`python -m {module}.data.describe` prints them ready for `.env`."
        )
    elif schema.date_type == "timestamptz":
        notes.append(f"Days are cut in the {schema.time_zone} time zone.")
    if domain.undated_rows:
        verb = "has" if domain.undated_rows == 1 else "have"
        notes.append(
            f"{rows_phrase(domain.undated_rows)} {verb} no {schema.date_column!r} and "
            "are left out of every figure."
        )
    return notes
