"""What is particular to the DuckDB engine: files, CSV reading, data safety, the rollup, timeouts.

The queries themselves are checked against a plain-Python oracle in
``test_source_contract.py`` and against pandas on generated tables in
``test_any_table.py``, which run on this same engine.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import pytest
from app_pages import run_every_page
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }}.data import DataSourceError, Filters, sample
from {{ cookiecutter.package_name }}.data.duckdb_source import DuckDBSource
from {{ cookiecutter.package_name }}.data.infer import Pinned
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX, CsvSettings

ROWS = 20_000
PINNED = Pinned(
    date_column="order_date",
    dimensions=("region", "channel", "category", "product"),
    measures=("revenue", "units"),
)
COLUMNS = sample.COLUMNS


@pytest.fixture(scope="module")
def oracle() -> list[dict[str, object]]:
    """The same rows, from the pure-Python generator: an independent check of every query."""
    return [dict(zip(COLUMNS, row, strict=True)) for row in sample.rows(ROWS)]


def open_source(
    path: Path, tmp_path: Path, pinned: Pinned = PINNED, csv: CsvSettings | None = None
) -> DuckDBSource:
    return DuckDBSource(path, pinned, csv=csv, cache_dir=tmp_path / ".cache")


@pytest.fixture
def source(sample_parquet: Path, tmp_path: Path) -> DuckDBSource:
    return open_source(sample_parquet, tmp_path)


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under ``folder`` with its size, modification time and bytes."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_both_generators_write_the_same_rows(
    sample_parquet: Path, oracle: list[dict[str, object]]
) -> None:
    written = duckdb.sql(
        "SELECT * FROM read_parquet($p) ORDER BY order_id", params={"p": str(sample_parquet)}
    ).fetchall()
    assert written == [tuple(row.values()) for row in oracle]


def test_the_sample_is_inferred_as_intended(sample_parquet: Path, tmp_path: Path) -> None:
    schema = open_source(sample_parquet, tmp_path, Pinned()).schema
    assert schema.date_column == "order_date"
    assert schema.dimensions == ("region", "channel", "category", "product")
    assert dict(zip(schema.measures, schema.aggregations, strict=True)) == {
        "units": "sum",
        "unit_price": "mean",
        "revenue": "sum",
    }
    assert set(schema.inferred) == {"date_column", "dimensions", "measures", "aggregations"}


@pytest.mark.parametrize(
    "hostile",
    ["'; DROP TABLE sales; --", "Africa' OR '1'='1", "$start", "Zürich 北京 🚀", "x" * 10_000],
)
def test_hostile_filter_values_match_nothing_and_change_nothing(
    source: DuckDBSource, sample_parquet: Path, hostile: str
) -> None:
    before = sample_parquet.read_bytes()
    assert source.summary(Filters.of(region=[hostile])).rows == 0
    assert source.summary(Filters()).rows == ROWS
    assert sample_parquet.read_bytes() == before


def test_missing_file_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError) as caught:
        open_source(tmp_path / "nope.parquet", tmp_path)
    assert "nope.parquet" in caught.value.what
    assert "DATA_PATH" in caught.value.fix


def test_schema_mismatch_names_the_missing_columns(sample_parquet: Path, tmp_path: Path) -> None:
    pinned = Pinned(dimensions=("region", "colour"))
    with pytest.raises(DataSourceError, match="colour") as caught:
        open_source(sample_parquet, tmp_path, pinned)
    assert "DATASET__DIMENSIONS" in caught.value.fix


@pytest.mark.parametrize(
    "content",
    [b"not parquet at all", b"", b"PAR1" + b"\0" * 100],
    ids=["text", "empty", "truncated"],
)
def test_corrupt_parquet_says_it_is_not_valid_parquet(tmp_path: Path, content: bytes) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(content)
    with pytest.raises(DataSourceError, match="not a valid Parquet file") as caught:
        open_source(broken, tmp_path)
    assert "broken.parquet" in caught.value.what


def test_truncated_copy_of_a_real_file(sample_parquet: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(sample_parquet.read_bytes()[: sample_parquet.stat().st_size // 2])
    with pytest.raises(DataSourceError, match="not a valid Parquet file"):
        open_source(cut, tmp_path)


def test_csv_is_converted_once_into_the_cache_and_never_touched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    csv = sample.write_csv(data / "sales.csv", 2_000)
    before = snapshot(data)
    source = open_source(csv, tmp_path)
    assert source.summary(Filters()).values["units"] == sum(r[6] for r in sample.rows(2_000))
    assert snapshot(data) == before  # nothing written beside the user's file
    converted = list((tmp_path / ".cache").glob("*.parquet"))
    assert len(converted) == 1
    made_at = converted[0].stat().st_mtime_ns
    open_source(csv, tmp_path)
    assert converted[0].stat().st_mtime_ns == made_at  # not converted again


def test_a_parquet_file_is_read_even_with_a_newer_csv_beside_it(tmp_path: Path) -> None:
    parquet = sample.write_parquet(tmp_path / "x.parquet", 1_461)
    csv = sample.write_csv(tmp_path / "x.csv", 100)
    later = parquet.stat().st_mtime_ns + 10**9
    os.utime(csv, ns=(later, later))
    before = snapshot(tmp_path)
    source = open_source(parquet, tmp_path / "elsewhere")
    assert source.summary(Filters()).rows == 1_461
    assert snapshot(tmp_path) == before


def test_a_replaced_file_gives_new_numbers_on_the_next_query(tmp_path: Path) -> None:
    path = sample.write_parquet(tmp_path / "sales.parquet", 3_000)
    source = open_source(path, tmp_path)
    first = source.version()
    assert source.summary(Filters()).rows == 3_000
    sample.write_parquet(path, 4_000)  # new rows land in the same file
    assert source.version() != first
    assert source.summary(Filters()).rows == 4_000
    assert source.domain(max_values=0).rows == 4_000


def test_a_replaced_csv_is_converted_again(tmp_path: Path) -> None:
    csv = sample.write_csv(tmp_path / "sales.csv", 1_000)
    source = open_source(csv, tmp_path)
    sample.write_csv(csv, 1_500)
    later = csv.stat().st_mtime_ns + 10**9
    os.utime(csv, ns=(later, later))
    source.version()
    assert source.summary(Filters()).rows == 1_500


def test_an_unwritable_cache_reads_the_csv_directly(tmp_path: Path) -> None:
    csv = sample.write_csv(tmp_path / "sales.csv", 1_000)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    source = DuckDBSource(csv, PINNED, cache_dir=blocker / "cache")
    assert source.summary(Filters()).rows == 1_000


def test_folder_and_glob_of_parquet_files(tmp_path: Path, sample_parquet: Path) -> None:
    folder = tmp_path / "parts"
    (folder / ".venv").mkdir(parents=True)
    for name in ("part-0.parquet", "part-1.parquet", ".venv/ignored.parquet"):
        (folder / name).write_bytes(sample_parquet.read_bytes())
    assert open_source(folder, tmp_path).summary(Filters()).rows == 2 * ROWS
    assert open_source(folder / "part-*.parquet", tmp_path).summary(Filters()).rows == 2 * ROWS


def test_mixed_formats_are_refused(tmp_path: Path) -> None:
    sample.write_parquet(tmp_path / "a.parquet", 1_000)
    sample.write_csv(tmp_path / "b.csv", 1_000)
    with pytest.raises(DataSourceError, match="mixes Parquet and CSV"):
        open_source(tmp_path / "*", tmp_path / "cache")


def test_latin1_csv(tmp_path: Path) -> None:
    path = tmp_path / "villes.csv"
    text = "Région,Ville,Habitants\nÎle-de-France,Paris,2100000\nCorse,Ajaccio,70000\n"
    path.write_bytes(text.encode("latin-1"))
    source = open_source(path, tmp_path, Pinned())
    assert source.schema.dimensions == ("Région", "Ville")
    assert source.summary(Filters.of(Région=["Île-de-France"])).values["Habitants"] == 2_100_000


def test_semicolon_csv_with_decimal_commas(tmp_path: Path) -> None:
    path = tmp_path / "mesures.csv"
    path.write_text("Date;Station;Température\n2024-01-01;Nord;1,5\n2024-01-02;Nord;2,5\n", "utf-8")
    source = open_source(path, tmp_path, Pinned())
    assert source.schema.measures == ("Température",)
    assert source.schema.aggregations == ("mean",)
    assert source.summary(Filters()).values["Température"] == pytest.approx(2.0)


def test_csv_options_from_settings(tmp_path: Path) -> None:
    path = tmp_path / "raw.txt"
    path.write_text("2024-01-01|a|1\n2024-01-02|b|2\n", "utf-8")
    csv = CsvSettings(delimiter="|", header=False)
    source = open_source(path, tmp_path, Pinned(), csv=csv)
    assert source.summary(Filters()).rows == 2
    assert source.schema.date_column == "column0"


def test_timestamp_end_day_is_inclusive_and_rolled_up(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    duckdb.sql(
        "SELECT TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) HOUR AS happened_at, "
        "'North' AS region, 1.5 AS revenue FROM range(100) t(i)"
    ).write_parquet(str(path))
    source = open_source(path, tmp_path, Pinned())
    assert source.schema.date_type == "timestamp"
    assert source.rollup(Filters(), ()) is not None
    two_days = Filters.of(dt.date(2024, 1, 1), dt.date(2024, 1, 2))
    assert source.summary(two_days).rows == 48  # hours 0-23 of both days
    noon = Filters.of(dt.date(2024, 1, 3), dt.date(2024, 1, 3))
    assert source.summary(noon).rows == 24


def test_a_query_past_its_timeout_is_stopped(source: DuckDBSource) -> None:
    source.timeout_seconds = 0.2
    with pytest.raises(DataSourceError, match=r"took longer than 0\.2 s") as caught:
        source.fetch("SELECT SUM(range) FROM range(1000000000000)", {})
    assert "QUERY_TIMEOUT_SECONDS" in caught.value.fix
    assert source.summary(Filters()).rows == ROWS  # the connection still works


def test_broken_data_source_shows_a_message_not_a_traceback(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike[str]
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}DATA_PATH", os.path.join(tmp_path, "missing.parquet"))
    for error in run_every_page(app):
        assert "missing.parquet" in error


class TableOnlySource(DuckDBSource):
    """The same source with the rollup switched off: every query reads the Parquet file."""

    def rollup(self, filters: Filters, dimensions: tuple[str, ...] = ()) -> None:
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
def test_rollup_answers_like_the_table(
    sample_parquet: Path, tmp_path: Path, filters: Filters
) -> None:
    pinned = Pinned(aggregations=(("unit_price", "mean"), ("units", "max"), ("revenue", "sum")))
    rolled = DuckDBSource(sample_parquet, pinned, cache_dir=tmp_path)
    table = TableOnlySource(sample_parquet, pinned, cache_dir=tmp_path)
    expected, got = table.summary(filters), rolled.summary(filters)
    assert got.rows == expected.rows
    assert got.counted == expected.counted
    assert got.values == pytest.approx(expected.values)
    for grain in ("day", "week", "month"):
        for measure in ("revenue", "unit_price", None):
            ours, theirs = (s.timeseries(filters, measure, grain) for s in (rolled, table))
            assert list(ours["period"]) == list(theirs["period"])
            assert list(ours["value"]) == pytest.approx(list(theirs["value"]))
    ours, theirs = (s.breakdown(filters, "region", "units", 5) for s in (rolled, table))
    assert ours.to_dict("list") == theirs.to_dict("list")
    assert rolled.domain() == table.domain()


def test_rollup_is_used_for_the_first_dimension_only(source: DuckDBSource) -> None:
    assert source.rollup(Filters.of(region=["Africa"]), ("region",)) is not None
    assert source.rollup(Filters(), ("channel",)) is None
    assert source.rollup(Filters.of(channel=["Online"]), ()) is None


@pytest.mark.parametrize(
    ("delimiter", "decimal"),
    [(d, c) for d in (",", ";", "\t", "|") for c in (".", ",") if (d, c) != (",", ",")],
)
def test_the_decimal_separator_is_sniffed(tmp_path: Path, delimiter: str, decimal: str) -> None:
    rows = [("2024-01-01", "a", "1.5"), ("2024-01-02", "b", "2.25"), ("2024-01-03", "a", "10.0")]
    lines = ["day,shop,amount", *(",".join(row) for row in rows)]
    text = "\n".join(line.replace(",", delimiter) for line in lines).replace(".", decimal)
    path = tmp_path / "data.csv"
    path.write_text(text + "\n", encoding="utf-8")
    source = open_source(path, tmp_path, Pinned())
    assert source.schema.measures == ("amount",)
    assert source.summary(Filters()).values["amount"] == pytest.approx(13.75)


def test_a_path_with_quotes_round_trips_through_dotenv(tmp_path: Path) -> None:
    from dotenv import dotenv_values

    from {{ cookiecutter.package_name }}.data.infer import dotenv_quote

    odd = str(tmp_path / 'with space\'s "q"' / "my data 'x' $HOME \\.csv")
    env = tmp_path / ".env"
    env.write_text(f"X={dotenv_quote(odd)}\n", encoding="utf-8")
    assert dotenv_values(env)["X"] == odd
