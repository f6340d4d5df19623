"""Choose the date column, dimensions and measures of a table the app has never seen.

Engines describe their columns (name, type, a few counts over a bounded sample
of rows) as a ``Profile``; ``resolve`` turns it into the ``Schema`` the pages
use. Explicit settings always win; whatever is left unset is inferred, and the
schema records which parts were, so the app can say what it chose and how to
pin it. Pure functions: no engine, no Streamlit, easy to test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .base import DataSourceError, Schema

if TYPE_CHECKING:
    from ..settings import DatasetSettings

PROFILE_ROWS = 100_000
"""Rows read to profile a table: enough to judge cardinality, bounded at any size."""

MAX_DIMENSION_VALUES = 50
"""A text column with more distinct values is not a useful filter or grouping."""

MAX_SMALL_INT_VALUES = 5
"""An integer column with this few values, each repeated (flags, classes), is a dimension."""

MAX_DIMENSIONS = 6
MAX_MEASURES = 8

_TIME_PART_WORDS = {"year", "month", "quarter", "week", "weekday", "day", "hour", "minute", "dow"}
_ID_WORDS = {"id", "uuid", "guid", "key", "code", "zip", "zipcode", "postcode", "index"}
_MEAN_WORDS = {
    "price", "rate", "ratio", "pct", "percent", "percentage", "share", "temp",
    "temperature", "score", "avg", "average", "mean", "median", "age", "lat",
    "latitude", "lon", "lng", "longitude", "speed", "humidity", "pressure",
    "precipitation", "precip", "wind", "margin", "probability", "prob", "level", "humid",
    "dewp", "dew", "visib", "visibility", "length", "depth", "width", "height", "mass",
}  # fmt: skip
_DATE_WORDS = {"date", "day", "time", "timestamp", "datetime", "dt", "ts", "at", "on"}


@dataclass(frozen=True)
class Column:
    """One column as an engine reports it, with counts over the profiled rows."""

    name: str
    type: str
    non_null: int = 0
    distinct: int = 0
    iso_dates: int = 0
    """Non-null text values that read as ISO dates (``YYYY-MM-DD...``); text columns only."""


@dataclass(frozen=True)
class Profile:
    table: str
    columns: tuple[Column, ...]
    rows: int


@dataclass(frozen=True)
class Pinned:
    """What the settings fix; ``None`` leaves the field to inference, ``""`` means no date."""

    date_column: str | None = None
    dimensions: tuple[str, ...] | None = None
    measures: tuple[str, ...] | None = None
    aggregations: tuple[tuple[str, str], ...] = ()
    time_zone: str = "UTC"


def pinned(dataset: DatasetSettings) -> Pinned:
    """What the settings fix about the dataset; the rest is inferred from the data."""
    return Pinned(
        date_column=dataset.date_column,
        dimensions=None if dataset.dimensions is None else tuple(dataset.dimensions),
        measures=None if dataset.measures is None else tuple(dataset.measures),
        aggregations=tuple(dataset.aggregations.items()),
        time_zone=dataset.time_zone,
    )


def kind(type_name: str) -> str:
    """The engine's type name as one of: date, timestamp, timestamptz, text, bool,
    integer, number, other (DuckDB, PostgreSQL and Snowflake spellings)."""
    name = type_name.strip().upper()
    if name == "DATE":
        return "date"
    if ("TIME ZONE" in name and "WITHOUT" not in name) or name in {"TIMESTAMPTZ", "TIMESTAMP_TZ"}:
        return "timestamptz" if name.startswith("TIMESTAMP") else "other"
    if name.startswith(("TIMESTAMP", "DATETIME")):
        return "timestamp"
    if name.startswith(("VARCHAR", "TEXT", "CHAR", "STRING", "CHARACTER", "BPCHAR")):
        return "text"
    if name in {"BOOLEAN", "BOOL"}:
        return "bool"
    if re.fullmatch(r"(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?\d*|SMALLINT|BIGINT|INT\d|SERIAL)", name):
        return "integer"
    number = re.fullmatch(r"(NUMBER|NUMERIC|DECIMAL)(\((\d+)\s*,\s*(\d+)\))?", name)
    if number:
        return "integer" if name.startswith("NUMBER") and number.group(4) == "0" else "number"
    if name in {"DOUBLE", "FLOAT", "REAL", "FLOAT4", "FLOAT8", "DOUBLE PRECISION"}:
        return "number"
    return "other"


def words(name: str) -> set[str]:
    """``orderDate``, ``Order Date`` and ``order_date`` all give {"order", "date"}."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return {word for word in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if word}


def _is_date_candidate(column: Column, *, pinned: bool = False) -> bool:
    """A date type, or text whose every value reads as an ISO date (some, unless pinned)."""
    if kind(column.type) in {"date", "timestamp", "timestamptz"}:
        return True
    found = column.non_null > 0 or pinned
    return kind(column.type) == "text" and found and column.iso_dates == column.non_null


def _is_dimension(column: Column) -> bool:
    column_kind = kind(column.type)
    if column_kind == "bool":
        return True
    if column_kind == "text":
        return 0 < column.distinct <= MAX_DIMENSION_VALUES and not _is_date_candidate(column)
    if column_kind == "integer":
        if words(column.name) & _TIME_PART_WORDS:
            return 0 < column.distinct <= MAX_DIMENSION_VALUES
        repeated = column.non_null >= 4 * column.distinct  # codes repeat; amounts rarely do
        small = 0 < column.distinct <= MAX_SMALL_INT_VALUES and repeated
        return small and not words(column.name) & _ID_WORDS
    return False


def _is_measure(column: Column) -> bool:
    if kind(column.type) not in {"integer", "number"}:
        return False
    return not words(column.name) & (_ID_WORDS | _TIME_PART_WORDS)


def aggregation_for(name: str) -> str:
    """``mean`` for levels and ratios (temperature, price, rate...), else ``sum``."""
    return "mean" if words(name) & _MEAN_WORDS else "sum"


def resolve(profile: Profile, pinned: Pinned, env_prefix: str) -> Schema:
    """The schema: pinned fields checked against the table, the rest inferred."""
    by_name = {column.name: column for column in profile.columns}
    available = list(by_name)
    inferred: list[str] = []

    def unknown(names: list[str], field: str) -> DataSourceError:
        return DataSourceError(
            f"{profile.table} has no column(s) {names} (it has {available}).",
            f"Set {env_prefix}DATASET__{field} to columns it has, or unset it to let the app "
            "choose.",
        )

    date_column = pinned.date_column
    if date_column is None:
        candidates = [c for c in profile.columns if _is_date_candidate(c)]
        named = [c for c in candidates if words(c.name) & _DATE_WORDS]
        date_column = (named or candidates)[0].name if candidates else None
        inferred.append("date_column")
    elif date_column == "":
        date_column = None
    elif date_column not in by_name:
        raise unknown([date_column], "DATE_COLUMN")
    elif not _is_date_candidate(by_name[date_column], pinned=True):
        column = by_name[date_column]
        what = (
            "holds text that does not read as ISO dates (YYYY-MM-DD)"
            if kind(column.type) == "text"
            else f"is {column.type}, not a date or timestamp"
        )
        raise DataSourceError(
            f"The date column {date_column!r} of {profile.table} {what}.",
            f"Set {env_prefix}DATASET__DATE_COLUMN to a DATE/TIMESTAMP column or ISO date text, "
            'or to "" for data without dates.',
        )

    def pick(
        names: tuple[str, ...] | None, fits: Callable[[Column], bool], limit: int, field: str
    ) -> tuple[str, ...]:
        """The pinned names, checked against the table, or the first ``limit`` that fit."""
        if names is None:
            inferred.append(field.lower())
            return tuple(c.name for c in profile.columns if c.name not in used and fits(c))[:limit]
        missing = [name for name in names if name not in by_name]
        if missing:
            raise unknown(missing, field)
        return names

    chosen = dict(pinned.aggregations)
    used = {date_column}
    dimensions = pick(pinned.dimensions, _is_dimension, MAX_DIMENSIONS, "DIMENSIONS")
    used |= set(dimensions)
    measures = pick(pinned.measures, _is_measure, MAX_MEASURES, "MEASURES")
    if pinned.measures is not None:
        text = [m for m in measures if kind(by_name[m].type) not in {"integer", "number"}]
        summed = [m for m in text if chosen.get(m, "sum") not in {"count", "count_distinct"}]
        if summed:
            raise DataSourceError(
                f"The measure(s) {summed} of {profile.table} are not numeric "
                f"({[by_name[m].type for m in summed]}).",
                f"Remove them from {env_prefix}DATASET__MEASURES, or give them the aggregation "
                f'"count" or "count_distinct" in {env_prefix}DATASET__AGGREGATIONS. '
                "For numbers written with decimal commas, set "
                f'{env_prefix}DATASET__CSV__DECIMAL_SEPARATOR=",".',
            )
    overlap = sorted(set(dimensions) & set(measures))
    if overlap:
        raise DataSourceError(
            f"{overlap} cannot be both a dimension and a measure.",
            f"Remove them from {env_prefix}DATASET__DIMENSIONS or {env_prefix}DATASET__MEASURES.",
        )
    extra = sorted(set(chosen) - set(measures))
    if extra:
        raise DataSourceError(
            f"Aggregations are set for {extra}, which are not measures ({list(measures)}).",
            f"Fix {env_prefix}DATASET__AGGREGATIONS or add them to {env_prefix}DATASET__MEASURES.",
        )
    if any(m not in chosen for m in measures):
        inferred.append("aggregations")
    aggregations = tuple(chosen.get(m, aggregation_for(m)) for m in measures)
    date_type = "date"
    if date_column is not None:
        date_kind = kind(by_name[date_column].type)
        date_type = date_kind if date_kind != "other" else "text"
    return Schema(
        table=profile.table,
        date_column=date_column,
        dimensions=dimensions,
        measures=measures,
        aggregations=aggregations,
        date_type=date_type,
        time_zone=pinned.time_zone,
        inferred=tuple(inferred),
    )


def dotenv_quote(text: str) -> str:
    """``text`` as a single-quoted ``.env`` value: literal, no ``$`` expansion, quotes escaped."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def env_lines(schema: Schema, env_prefix: str) -> list[str]:
    """The settings that pin ``schema``, as ``.env`` lines (JSON for lists and tables)."""

    def dumped(value: object) -> str:
        return dotenv_quote(json.dumps(value, ensure_ascii=False))

    return [
        f"{env_prefix}DATASET__DATE_COLUMN={dotenv_quote(schema.date_column or '')}",
        f"{env_prefix}DATASET__DIMENSIONS={dumped(list(schema.dimensions))}",
        f"{env_prefix}DATASET__MEASURES={dumped(list(schema.measures))}",
        f"{env_prefix}DATASET__AGGREGATIONS="
        + dumped(dict(zip(schema.measures, schema.aggregations, strict=True))),
    ]
