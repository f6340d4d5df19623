"""The configured data source against its real engine, checked against a plain-Python oracle.

The same tests run whatever engine the project was generated for: they only use
the ``DataSource`` interface the pages use, on the 20,000-row sample the
session fixture loaded into the engine.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.data import (
    MISSING,
    DataSource,
    Filters,
    Totals,
    get_source,
    sample,
)
from {{ cookiecutter.package_name }}.data.rollup import RollupPolicy, RollupSource

ROWS = 20_000


@pytest.fixture(scope="module")
def oracle() -> list[dict[str, object]]:
    """The same rows, from the pure-Python generator: an independent check of every query."""
    return [dict(zip(sample.COLUMNS, row, strict=True)) for row in sample.rows(ROWS)]


@pytest.fixture
def source() -> DataSource:
    return get_source()


def test_summary_matches_the_oracle(source: DataSource, oracle: list[dict[str, object]]) -> None:
    totals = source.summary(Filters())
    assert totals.rows == ROWS
    assert totals.values["revenue"] == pytest.approx(sum(r["revenue"] for r in oracle))  # type: ignore[misc]
    assert totals.values["units"] == sum(r["units"] for r in oracle)  # type: ignore[misc]


def test_filters_by_date_and_dimension(source: DataSource, oracle: list[dict[str, object]]) -> None:
    start, end = dt.date(2024, 3, 1), dt.date(2024, 5, 31)
    filters = Filters.of(start, end, region=["Oceania", "Africa"], channel=["Online"])
    expected = [
        r
        for r in oracle
        if start <= r["order_date"] <= end  # type: ignore[operator]
        and r["region"] in ("Oceania", "Africa")
        and r["channel"] == "Online"
    ]
    totals = source.summary(filters)
    assert totals.rows == len(expected) > 0
    assert totals.values["units"] == sum(r["units"] for r in expected)  # type: ignore[misc]
    assert totals.values["revenue"] == pytest.approx(sum(r["revenue"] for r in expected))  # type: ignore[misc]


def test_breakdown_is_ranked_and_limited(
    source: DataSource, oracle: list[dict[str, object]]
) -> None:
    ranked = source.breakdown(Filters(), "product", "units", 5)
    units: dict[str, int] = defaultdict(int)
    for row in oracle:
        units[str(row["product"])] += int(row["units"])  # type: ignore[call-overload]
    top = sorted(units.items(), key=lambda item: -item[1])[:5]
    assert list(ranked["label"]) == [name for name, _ in top]
    assert list(ranked["value"]) == [value for _, value in top]
    counts = Counter(str(r["product"]) for r in oracle)
    assert list(ranked["row_count"]) == [counts[name] for name, _ in top]


@pytest.mark.parametrize(("grain", "points"), [("day", 1096), ("month", 36), ("year", 3)])
def test_timeseries_has_one_point_per_period(source: DataSource, grain: str, points: int) -> None:
    series = source.timeseries(Filters(), "revenue", grain)
    assert list(series.columns) == ["period", "value"]
    assert len(series) == points
    assert series["value"].sum() == pytest.approx(source.summary(Filters()).values["revenue"])


def test_timeseries_respects_the_filters(
    source: DataSource, oracle: list[dict[str, object]]
) -> None:
    filters = Filters.of(dt.date(2025, 1, 1), dt.date(2025, 3, 31), channel=["Retail"])
    series = source.timeseries(filters, "units", "month")
    expected: dict[str, int] = defaultdict(int)
    for row in oracle:
        day = row["order_date"]
        if row["channel"] == "Retail" and dt.date(2025, 1, 1) <= day <= dt.date(2025, 3, 31):  # type: ignore[operator]
            expected[f"{day:%Y-%m}"] += int(row["units"])  # type: ignore[call-overload]
    got = {f"{period:%Y-%m}": int(value) for period, value in series.itertuples(index=False)}
    assert got == expected


def test_page_is_bounded_and_in_date_order(source: DataSource) -> None:
    first = source.page(Filters(), limit=50, offset=0)
    second = source.page(Filters(), limit=50, offset=50)
    assert len(first) == len(second) == 50
    assert first["order_date"].max() <= second["order_date"].min()
    assert list(first.columns) == list(source.schema.columns)


def test_page_past_the_end_is_empty(source: DataSource) -> None:
    assert len(source.page(Filters(), limit=50, offset=ROWS)) == 0


def test_domain(source: DataSource) -> None:
    domain = source.domain()
    assert (domain.min_date, domain.max_date) == (dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    assert domain.rows == ROWS
    assert set(domain.values["region"]) == set(sample.REGIONS)
    assert len(domain.values["product"]) == len(sample.PRODUCTS)


def test_no_match_gives_zeros_not_an_error(source: DataSource) -> None:
    totals = source.summary(Filters.of(region=["Atlantis"]))
    assert (totals.rows, totals.values["revenue"], totals.values["units"]) == (0, 0.0, 0.0)
    assert len(source.breakdown(Filters.of(region=["Atlantis"]), "region", "units", 5)) == 0


HOSTILE = [
    "'; DROP TABLE sales; --",
    "North America' OR '1'='1",
    '"; DELETE FROM sales; --',
    "Africa\\'; TRUNCATE sales; --",
    ":start $1 ? %s %(end)s {region}",
    "&region=Africa#",
    "../../etc/passwd",
    "Zürich 北京 🚀 \u202e",
    "x" * 10_000,
]


@pytest.mark.parametrize("hostile", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_filter_values_match_nothing_and_the_table_survives(
    source: DataSource, hostile: str
) -> None:
    for dimension in ("region", "product"):
        totals = source.summary(Filters.of(**{dimension: [hostile]}))
        assert totals.rows == 0
    mixed = source.summary(Filters.of(region=[hostile, "Africa"]))
    assert 0 < mixed.rows < ROWS  # the hostile value is one more value, nothing else
    assert source.page(Filters.of(channel=[hostile]), limit=10, offset=0).empty
    assert source.summary(Filters()).rows == ROWS  # still all there
    assert source.domain().rows == ROWS


def test_unknown_columns_are_refused(source: DataSource) -> None:
    with pytest.raises(ValueError, match="unknown column"):
        source.breakdown(Filters(), "region; DROP TABLE sales", "revenue", 5)
    with pytest.raises(ValueError, match="unknown column"):
        source.summary(Filters.of(**{"1=1 OR region": ["x"]}))


def test_health(source: DataSource) -> None:
    health = source.health()
    assert health.ok, health.detail
    assert health.latency_ms >= 0


def test_access_restricts_every_answer(source: DataSource, oracle: list[dict[str, object]]) -> None:
    allowed = {"region": ["Africa", "Oceania"], "channel": ["Online"]}
    mine = [r for r in oracle if r["region"] in allowed["region"] and r["channel"] == "Online"]
    within = Filters().restrict(allowed)
    assert source.summary(within).rows == len(mine) > 0
    domain = source.domain(within=within)
    assert domain.rows == len(mine)
    assert set(domain.values["region"]) == {"Africa", "Oceania"}
    asked = Filters.of(region=["Africa", "North America"]).restrict(allowed)
    africa = sum(r["region"] == "Africa" for r in mine)
    assert source.summary(asked).rows == africa
    assert set(source.breakdown(asked, "region", "units", 10)["label"]) == {"Africa"}
    assert source.summary(Filters.of(region=["North America"]).restrict(allowed)).rows == 0
    rows = source.page(within, limit=500, offset=0)
    assert set(rows["region"]) <= {"Africa", "Oceania"}
    assert set(rows["channel"]) == {"Online"}


def test_a_viewer_with_no_row_left_gets_empty_answers(source: DataSource) -> None:
    nothing = Filters.of(region=["North America"]).restrict({"region": ["Africa"]})
    assert nothing.nothing
    assert source.summary(nothing).rows == 0
    assert source.timeseries(nothing, "units", "month").empty
    assert source.breakdown(nothing, "region", "units", 10).empty
    assert source.page(nothing, limit=10, offset=0).empty
    domain = source.domain(within=nothing)
    assert (domain.rows, domain.min_date, domain.max_date) == (0, None, None)
    assert not any(domain.values.values())


def moves(count: int) -> list[Filters]:
    """Slider moves to new date ranges, as a viewer makes them."""
    start = dt.date(2023, 1, 1)
    return [
        Filters.of(start + dt.timedelta(days=5 * i), start + dt.timedelta(days=5 * i + 90))
        for i in range(count)
    ]


def local(source: DataSource) -> RollupSource:
    """Every option keeps a local rollup."""
    assert isinstance(source, RollupSource)
    return source


def test_slider_moves_do_not_query_the_engine(source: DataSource) -> None:
    source.summary(Filters())  # builds the rollup
    before = local(source).engine_queries
    for filters in moves(100):
        source.summary(filters)
        source.timeseries(filters, "revenue", "week")
        source.breakdown(filters, "region", "units", 5)
    assert local(source).engine_queries - before <= 5
    assert local(source).rollup_stats()["rows"] > 0


@pytest.mark.parametrize("move", [*moves(3), Filters.of(region=["Africa", MISSING])])
def test_the_rollup_answers_like_the_engine(source: DataSource, move: Filters) -> None:
    def answers() -> tuple[Totals, pd.DataFrame, pd.DataFrame]:
        return (
            source.summary(move),
            source.timeseries(move, "revenue", "day"),
            source.breakdown(move, "region", "units", 3),
        )

    rolled = answers()
    local(source).use_rollup(RollupPolicy(max_rows=0))
    direct = answers()
    assert rolled[0].rows == direct[0].rows
    assert rolled[0].values == pytest.approx(direct[0].values)
    assert list(rolled[1]["period"]) == list(direct[1]["period"])
    assert list(rolled[1]["value"]) == pytest.approx(list(direct[1]["value"]))
    assert list(rolled[2]["label"]) == list(direct[2]["label"])
    assert list(rolled[2]["value"]) == pytest.approx(list(direct[2]["value"]))
    assert list(rolled[2]["row_count"]) == list(direct[2]["row_count"])


def test_a_rollup_over_its_row_limit_is_not_kept(source: DataSource) -> None:
    local(source).use_rollup(RollupPolicy(max_rows=10))
    assert local(source).rollup(Filters(), ()) is None
    assert source.summary(Filters()).rows == ROWS
