"""What is particular to the DuckDB engine: files, conversion, the rollup, timeouts.

The queries themselves are checked against a plain-Python oracle in
``test_source_contract.py``, which runs on this same engine.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import pytest
from app_pages import run_every_page
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }}.data import DataSourceError, Filters, Schema, sample
from {{ cookiecutter.package_name }}.data.duckdb_source import DuckDBSource, ensure_parquet
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX

ROWS = 20_000
SCHEMA = Schema(
    table="sales",
    date_column="order_date",
    dimensions=("region", "channel", "category", "product"),
    measures=("revenue", "units"),
)
COLUMNS = sample.COLUMNS


@pytest.fixture(scope="module")
def oracle() -> list[dict[str, object]]:
    """The same rows, from the pure-Python generator: an independent check of every query."""
    return [dict(zip(COLUMNS, row, strict=True)) for row in sample.rows(ROWS)]


@pytest.fixture
def source(sample_parquet: Path) -> DuckDBSource:
    return DuckDBSource(sample_parquet, SCHEMA)


def test_both_generators_write_the_same_rows(
    sample_parquet: Path, oracle: list[dict[str, object]]
) -> None:
    written = duckdb.sql(
        "SELECT * FROM read_parquet($p) ORDER BY order_id", params={"p": str(sample_parquet)}
    ).fetchall()
    assert written == [tuple(row.values()) for row in oracle]


@pytest.mark.parametrize(
    "hostile",
    [
        "'; DROP TABLE sales; --",
        "North America' OR '1'='1",
        '"; SELECT * FROM duckdb_tables(); --',
        "$start",
        "Zürich 北京 🚀",
        "x" * 10_000,
    ],
)
def test_hostile_filter_values_match_nothing_and_change_nothing(
    source: DuckDBSource, sample_parquet: Path, hostile: str
) -> None:
    before = sample_parquet.read_bytes()
    totals = source.summary(Filters.of(region=[hostile]))
    assert totals["row_count"] == 0
    assert source.summary(Filters())["row_count"] == ROWS
    assert sample_parquet.read_bytes() == before


def test_missing_file_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError) as caught:
        DuckDBSource(tmp_path / "nope.parquet", SCHEMA)
    assert "nope.parquet" in caught.value.what
    assert ".data.seed" in caught.value.fix


def test_schema_mismatch_names_the_missing_columns(sample_parquet: Path) -> None:
    schema = Schema("sales", "order_date", ("region", "colour"), ("revenue",))
    with pytest.raises(DataSourceError, match="colour") as caught:
        DuckDBSource(sample_parquet, schema)
    assert "DATASET__DIMENSIONS" in caught.value.fix


def test_corrupt_file_is_a_data_source_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet at all")
    with pytest.raises(DataSourceError):
        DuckDBSource(broken, SCHEMA)


def test_csv_is_converted_to_parquet_once(tmp_path: Path) -> None:
    csv = sample.write_csv(tmp_path / "sales.csv", 2_000)
    parquet = Path(ensure_parquet(csv))
    assert parquet == tmp_path / "sales.parquet"
    converted_at = parquet.stat().st_mtime_ns
    assert Path(ensure_parquet(tmp_path / "sales.parquet")) == parquet
    assert parquet.stat().st_mtime_ns == converted_at  # not converted again
    source = DuckDBSource(parquet, SCHEMA)
    assert source.summary(Filters())["units"] == sum(r[6] for r in sample.rows(2_000))
    # A newer CSV is converted again.
    os.utime(csv, ns=(converted_at + 10**9, converted_at + 10**9))
    ensure_parquet(csv)
    assert parquet.stat().st_mtime_ns > converted_at


def test_folder_of_parquet_files(tmp_path: Path, sample_parquet: Path) -> None:
    (tmp_path / "part-0.parquet").write_bytes(sample_parquet.read_bytes())
    (tmp_path / "part-1.parquet").write_bytes(sample_parquet.read_bytes())
    assert DuckDBSource(tmp_path, SCHEMA).summary(Filters())["row_count"] == 2 * ROWS


def test_broken_data_source_shows_a_message_not_a_traceback(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike[str]
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}DATA_PATH", os.path.join(tmp_path, "missing.parquet"))
    for error in run_every_page(app):
        assert "missing.parquet" in error


class TableOnlySource(DuckDBSource):
    """The same source with the rollup switched off: every query reads the Parquet file."""

    def rollup(self, filters: Filters, dimensions: tuple[str, ...]) -> None:
        return None


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters.of(dt.date(2023, 6, 1), dt.date(2024, 2, 29)),
        Filters.of(dt.date(2024, 1, 1), None, region=["Oceania", "Africa"]),
        Filters.of(None, dt.date(2023, 3, 31), region=["North America"], channel=["Retail"]),
    ],
    ids=["all", "dates", "dates+region", "region+channel"],
)
def test_rollup_answers_like_the_table(sample_parquet: Path, filters: Filters) -> None:
    rolled, table = DuckDBSource(sample_parquet, SCHEMA), TableOnlySource(sample_parquet, SCHEMA)
    expected, got = table.summary(filters), rolled.summary(filters)
    assert got["row_count"] == expected["row_count"]
    assert got["units"] == expected["units"]
    assert got["revenue"] == pytest.approx(expected["revenue"])
    for grain in ("day", "week", "month"):
        ours, theirs = (
            rolled.timeseries(filters, "revenue", grain),
            table.timeseries(filters, "revenue", grain),
        )
        assert list(ours["period"]) == list(theirs["period"])
        assert list(ours["value"]) == pytest.approx(list(theirs["value"]))
    ours, theirs = (s.breakdown(filters, "region", "units", 5) for s in (rolled, table))
    assert ours.to_dict("list") == theirs.to_dict("list")


def test_rollup_is_used_for_the_first_dimension_only(sample_parquet: Path) -> None:
    source = DuckDBSource(sample_parquet, SCHEMA)
    assert source.rollup(Filters.of(region=["Africa"]), ("region",)) is not None
    assert source.rollup(Filters(), ("channel",)) is None
    assert source.rollup(Filters.of(channel=["Online"]), ()) is None
    assert source.domain() == TableOnlySource(sample_parquet, SCHEMA).domain()


def test_rollup_follows_the_file_when_it_changes(tmp_path: Path) -> None:
    path = sample.write_parquet(tmp_path / "sales.parquet", 3_000)
    source = DuckDBSource(path, SCHEMA)
    assert source.summary(Filters())["row_count"] == 3_000
    sample.write_parquet(path, 4_000)  # new rows land in the same file
    assert source.summary(Filters())["row_count"] == 4_000
    assert source.domain(max_values=0).rows == 4_000


def test_timestamp_dates_are_not_rolled_up(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    duckdb.sql(
        "SELECT TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) HOUR AS order_date, "
        "'North' AS region, 'Online' AS channel, 'Toys' AS category, 'Kite' AS product, "
        "1.5 AS revenue, 1 AS units FROM range(100) t(i)"
    ).write_parquet(str(path))
    source = DuckDBSource(path, SCHEMA)
    assert source.rollup(Filters(), ()) is None
    # A filter ending on 2 January keeps the timestamps up to its midnight: hours 0-24.
    assert source.summary(Filters.of(None, dt.date(2024, 1, 2)))["row_count"] == 25


def test_a_query_past_its_timeout_is_stopped(sample_parquet: Path) -> None:
    source = DuckDBSource(sample_parquet, SCHEMA, timeout_seconds=0.2)
    with pytest.raises(DataSourceError, match=r"took longer than 0\.2 s") as caught:
        source.fetch("SELECT SUM(range) FROM range(1000000000000)", {})
    assert "QUERY_TIMEOUT_SECONDS" in caught.value.fix
    assert source.summary(Filters())["row_count"] == ROWS  # the connection still works
