"""Any table, right numbers: generated tables checked against a pandas oracle.

Hypothesis draws tables the app has never seen (odd column names, nulls
everywhere, timestamps at any time of day, time zones, zero to a few dozen
rows) and filters over them; every query the pages use must agree with a
plain pandas computation written from the definitions, not from the SQL.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
{%- if cookiecutter.data_source == "duckdb" %}
from collections.abc import Callable
{%- else %}
from collections.abc import Callable, Iterator
{%- endif %}
from typing import Any

import pandas as pd
{%- if cookiecutter.data_source == "duckdb" %}
import pyarrow as pa
import pyarrow.parquet as pq
{%- endif %}
import pytest
{%- if cookiecutter.data_source == "postgres" %}
import sqlalchemy as sa
{%- endif %}
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
{%- if cookiecutter.data_source == "postgres" %}
from postgres_server import PostgresServer
{%- endif %}

from {{ cookiecutter.package_name }}.data import MISSING, Filters
{%- if cookiecutter.data_source == "duckdb" %}
from {{ cookiecutter.package_name }}.data.base import AGGREGATIONS
from {{ cookiecutter.package_name }}.data.duckdb_source import DuckDBSource
{%- else %}
from {{ cookiecutter.package_name }}.data.base import AGGREGATIONS, Schema
{%- endif %}
from {{ cookiecutter.package_name }}.data.infer import Pinned
{%- if cookiecutter.data_source == "postgres" %}
from {{ cookiecutter.package_name }}.data.postgres_source import PostgresSource
{%- endif %}
from {{ cookiecutter.package_name }}.data.sql import SqlDataSource
{%- if cookiecutter.data_source == "postgres" %}
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX
{%- endif %}

NAMES = ["Order Date", "Région", "select", 'quo"te', "it's", "Mixed Case", "用户", "group", "x"]
DATE_TYPES = ["date", "timestamp", "timestamptz", None]
ZONES = ["UTC", "America/New_York", "Asia/Kolkata"]
DAY0 = dt.date(2024, 2, 27)  # spans a leap day and a month end
LABELS = ["a", "B", "ç", "d e", None]


@st.composite
def tables(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=4, max_size=4, unique=True))
    date_name, dim_name, int_name, float_name = names
    date_type = draw(st.sampled_from(DATE_TYPES))
    rows = draw(st.integers(0, 30))
    minutes = st.integers(0, 6 * 24 * 60 - 1)  # six days, any time of day
    dates = [draw(st.one_of(st.none(), minutes)) for _ in range(rows)]
    return {
        "date_name": date_name if date_type else None,
        "date_type": date_type,
        "zone": draw(st.sampled_from(ZONES)),
        "dim": dim_name,
        "measures": {
            int_name: [draw(st.one_of(st.none(), st.integers(-50, 50))) for _ in range(rows)],
            float_name: [
                draw(st.one_of(st.none(), st.floats(-1e3, 1e3, allow_nan=False)))
                for _ in range(rows)
            ],
        },
        "aggregations": {
            int_name: draw(st.sampled_from(AGGREGATIONS)),
            float_name: draw(st.sampled_from(AGGREGATIONS)),
        },
        "labels": [draw(st.sampled_from(LABELS)) for _ in range(rows)],
        "minutes": dates,
        "rows": rows,
    }


def timestamps(table: dict[str, Any]) -> list[Any]:
    """The date column's Python values: dates, naive or UTC-aware datetimes."""
    start = dt.datetime(2024, 2, 27, tzinfo=dt.UTC if table["date_type"] == "timestamptz" else None)
    values = [None if m is None else start + dt.timedelta(minutes=m) for m in table["minutes"]]
    if table["date_type"] == "date":
        return [None if v is None else v.date() for v in values]
    return values


def day_of(value: Any, table: dict[str, Any]) -> dt.date | None:
    """The oracle's day of a date value: local to the schema's zone for TIMESTAMPTZ."""
    if value is None:
        return None
    if table["date_type"] == "timestamptz":
        return pd.Timestamp(value).tz_convert(table["zone"]).date()
    return value.date() if isinstance(value, dt.datetime) else value


def aggregate(values: list[Any], how: str) -> float | None:
    present = [v for v in values if v is not None]
    if how == "count":
        return float(len(present))
    if how == "count_distinct":
        return float(len(set(present)))
    if not present:
        return 0.0 if how == "sum" else None
    if how == "mean":
        return sum(present) / len(present)
    return float({"sum": sum, "min": min, "max": max}[how](present))


def integers(values: list[Any]) -> bool:
    return all(isinstance(v, int) or v is None for v in values)


def close(got: float | None, expected: float | None) -> bool:
    if got is None or expected is None:
        return got is expected
    return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-6)
{%- if cookiecutter.data_source == "duckdb" %}


@pytest.fixture(scope="module")
def load(tmp_path_factory: pytest.TempPathFactory) -> Callable[[dict[str, Any]], SqlDataSource]:
    """Write a generated table as a Parquet file and open it as the app would."""
    folder = tmp_path_factory.mktemp("tables")
    counter = itertools.count()

    def loader(table: dict[str, Any]) -> SqlDataSource:
        columns: dict[str, pa.Array] = {table["dim"]: pa.array(table["labels"], pa.string())}
        for name, values in table["measures"].items():
            columns[name] = pa.array(values, pa.int64() if integers(values) else pa.float64())
        if table["date_name"]:
            kind = {
                "date": pa.date32(),
                "timestamp": pa.timestamp("us"),
                "timestamptz": pa.timestamp("us", tz="UTC"),
            }[table["date_type"]]
            columns[table["date_name"]] = pa.array(timestamps(table), kind)
        path = folder / f"t{next(counter)}.parquet"
        pq.write_table(pa.table(columns), path)
        return DuckDBSource(path, pinned(table), cache_dir=folder / ".cache")

    return loader
{%- else %}


@pytest.fixture(scope="module")
def load(postgres: PostgresServer) -> Iterator[Callable[[dict[str, Any]], SqlDataSource]]:
    """Create a generated table in the real PostgreSQL server and open it as the app would."""
    url = sa.URL.create(
        "postgresql+psycopg",
        username=postgres.user,
        password=postgres.password,
        host=postgres.host,
        port=postgres.port,
        database=postgres.database,
    )
    engine = sa.create_engine(url)
    counter = itertools.count()

    def loader(table: dict[str, Any]) -> SqlDataSource:
        name = f"generated_{next(counter)}"
        types = {table["dim"]: "TEXT"}
        for column, values in table["measures"].items():
            types[column] = "BIGINT" if integers(values) else "DOUBLE PRECISION"
        if table["date_name"]:
            pg = {"date": "DATE", "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMPTZ"}
            types[table["date_name"]] = pg[table["date_type"]]
        quoted = {c: '"' + c.replace('"', '""') + '"' for c in types}
        data = {table["dim"]: table["labels"], **table["measures"]}
        if table["date_name"]:
            data[table["date_name"]] = timestamps(table)
        with engine.begin() as connection:
            definition = ", ".join(f"{quoted[c]} {t}" for c, t in types.items())
            connection.execute(sa.text(f'CREATE TABLE "{name}" ({definition})'))
            if table["rows"]:
                marks = ", ".join(f":p{i}" for i in range(len(types)))
                rows = [
                    {f"p{i}": data[c][r] for i, c in enumerate(types)} for r in range(table["rows"])
                ]
                columns = ", ".join(quoted[c] for c in types)
                insert = f'INSERT INTO "{name}" ({columns}) VALUES ({marks})'  # noqa: S608 - quoted
                connection.execute(sa.text(insert), rows)
        source = PostgresSource(engine, Schema(name, None, (), ()))
        source.resolve_schema(pinned(table), ENV_PREFIX)
        return source

    yield loader
    engine.dispose()
{%- endif %}


def pinned(table: dict[str, Any]) -> Pinned:
    return Pinned(
        date_column=table["date_name"] or "",
        dimensions=(table["dim"],),
        measures=tuple(table["measures"]),
        aggregations=tuple(table["aggregations"].items()),
        time_zone=table["zone"],
    )


@st.composite
def filters_for(draw: st.DrawFn, table: dict[str, Any]) -> Filters:
    days = [DAY0 + dt.timedelta(days=n) for n in range(-1, 8)]
    start = draw(st.one_of(st.none(), st.sampled_from(days))) if table["date_name"] else None
    end = draw(st.one_of(st.none(), st.sampled_from(days))) if table["date_name"] else None
    chosen = draw(st.lists(st.sampled_from([MISSING, "a", "B", "ç", "d e", "zz"]), max_size=3))
    return Filters.of(start, end, **{table["dim"]: chosen})


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_query_matches_the_pandas_oracle(
    load: Callable[[dict[str, Any]], SqlDataSource], data: st.DataObject
) -> None:
    table = data.draw(tables())
    filters = data.draw(filters_for(table))
    source = load(table)
    days = [day_of(v, table) if table["date_name"] else None for v in timestamps(table)]
    labels = [MISSING if v is None else v for v in table["labels"]]
    selected = dict(filters.selections).get(table["dim"])

    def kept(r: int, by_filters: bool = True) -> bool:
        if table["date_name"] and days[r] is None:
            return False
        if not by_filters:
            return True
        if filters.start and days[r] < filters.start:  # type: ignore[operator]
            return False
        if filters.end and days[r] > filters.end:  # type: ignore[operator]
            return False
        return selected is None or labels[r] in selected

    matching = [r for r in range(table["rows"]) if kept(r)]
    totals = source.summary(filters)
    assert totals.rows == len(matching)
    for name, values in table["measures"].items():
        how = table["aggregations"][name]
        expected = aggregate([values[r] for r in matching], how)
        assert close(totals.values[name], expected), (name, how, totals.values[name], expected)
        assert totals.counted[name] == sum(values[r] is not None for r in matching)

    first, second = list(table["measures"])
    ranked = source.breakdown(filters, table["dim"], first, 10)
    groups: dict[str, list[int]] = {}
    for r in matching:
        groups.setdefault(labels[r], []).append(r)
    assert set(ranked["label"]) == set(groups)
    for label_, value, count in ranked.itertuples(index=False):
        how = table["aggregations"][first]
        expected = aggregate([table["measures"][first][r] for r in groups[label_]], how)
        assert close(None if pd.isna(value) else float(value), expected), (label_, value, expected)
        assert count == len(groups[label_])

    domain = source.domain()
    everything = [r for r in range(table["rows"]) if kept(r, by_filters=False)]
    assert domain.rows == len(everything)
    assert domain.undated_rows == table["rows"] - len(everything)
    assert set(domain.values[table["dim"]]) == {labels[r] for r in everything}
    if table["date_name"] and everything:
        assert domain.min_date == min(days[r] for r in everything)  # type: ignore[type-var]
        assert domain.max_date == max(days[r] for r in everything)  # type: ignore[type-var]
        series = source.timeseries(filters, second, "day")
        by_day: dict[dt.date, list[int]] = {}
        for r in matching:
            by_day.setdefault(days[r], []).append(r)  # type: ignore[arg-type]
        assert list(series["period"]) == sorted(by_day)
        for period, value in series.itertuples(index=False):
            how = table["aggregations"][second]
            expected = aggregate([table["measures"][second][r] for r in by_day[period]], how)
            assert close(None if pd.isna(value) else float(value), expected)
    assert len(source.page(filters, limit=100, offset=0)) == len(matching)
