"""The plain functions behind the fragments: unit-tested because AppTest cannot rerun a fragment."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from {{ cookiecutter.package_name }} import charts, views
from {{ cookiecutter.package_name }}.data import (
    Domain,
    Filters,
    Schema,
    Totals,
    choose_grain,
)

SCHEMA = Schema("sales", "order_date", ("region", "channel"), ("revenue", "units"))
DOMAIN = Domain(
    min_date=dt.date(2024, 1, 1),
    max_date=dt.date(2024, 12, 31),
    rows=100,
    values={"region": ("East", "West"), "channel": ("Online",)},
)


def test_prepare_overview_fills_defaults_from_the_data() -> None:
    state = views.OverviewState({})
    views.prepare_overview(state, DOMAIN, SCHEMA)
    assert state.date_range == (DOMAIN.min_date, DOMAIN.max_date)
    assert state.measure == "revenue"


def test_prepare_overview_clamps_stale_choices() -> None:
    state = views.OverviewState({})
    state.date_range = (dt.date(2020, 1, 1), dt.date(2030, 1, 1))
    state.focus = ["East", "Gone"]
    state.measure = "dropped_column"
    views.prepare_overview(state, DOMAIN, SCHEMA)
    assert state.date_range == (DOMAIN.min_date, DOMAIN.max_date)
    assert state.focus == ["East"]
    assert state.measure == "revenue"


def test_overview_filters() -> None:
    state = views.OverviewState({})
    state.date_range = (dt.date(2024, 2, 1), dt.date(2024, 3, 1))
    state.focus = ["West", "East"]
    assert views.overview_filters(state, SCHEMA) == Filters(
        start=dt.date(2024, 2, 1),
        end=dt.date(2024, 3, 1),
        selections=(("region", ("East", "West")),),
    )


def test_empty_selection_means_all() -> None:
    assert Filters.of(region=[]) == Filters()


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, "0"), (999, "999"), (1234.5, "1,234.50"), (12_345, "12.3K"), (4_560_000, "4.56M")],
)
def test_format_number(value: float, shown: str) -> None:
    assert views.format_number(value) == shown


def test_kpis_say_what_they_compute() -> None:
    schema = Schema("t", "day", ("region",), ("revenue", "temperature"), ("sum", "mean"))
    totals = Totals(4, {"revenue": 100.0, "temperature": 21.5}, {"revenue": 4, "temperature": 3})
    items = views.kpis(totals, schema)
    assert [(k.label, k.value) for k in items] == [
        ("Rows", "4"),
        ("Total revenue", "100"),
        ("Mean temperature", "21.50"),
    ]
    assert "mean of 'temperature'" in items[2].help
    assert "1 row without a value" in items[2].help
    assert "without a value" not in items[1].help
    assert views.kpis(Totals(0, {"temperature": None}), schema)[2].value == "-"


def test_data_without_dates_or_dimensions() -> None:
    schema = Schema("t", None, (), ("x",))
    domain = Domain(None, None, 3)
    state = views.OverviewState({})
    views.prepare_overview(state, domain, schema)
    assert state.date_range is None
    assert views.overview_filters(state, schema) == Filters()
    assert not views.has_date_range(domain)
    assert not views.has_date_range(Domain(dt.date(2024, 1, 1), dt.date(2024, 1, 1), 1))


def test_labels_keep_names_that_are_not_snake_case() -> None:
    assert views.label("unit_price") == "Unit price"
    assert views.label("Order Date") == "Order Date"
    assert views.label("Région") == "Région"


def test_paging() -> None:
    assert views.page_count(0, 200) == 1
    assert views.page_count(401, 200) == 3
    assert views.page_offset(3, 401, 200) == 400
    assert views.page_offset(99, 401, 200) == 400
    assert views.page_offset(0, 401, 200) == 0


@pytest.mark.parametrize(
    ("days", "limit", "grain"),
    [
        (30, 2000, "day"),
        (1096, 2000, "day"),
        (1096, 500, "week"),
        (3650, 120, "month"),
        (3650, 100, "quarter"),
    ],
)
def test_choose_grain_caps_points(days: int, limit: int, grain: str) -> None:
    start = dt.date(2020, 1, 1)
    assert choose_grain(start, start + dt.timedelta(days=days - 1), limit) == grain


def test_charts_refuse_raw_rows() -> None:
    with pytest.raises(charts.TooManyPointsError, match="aggregate in the engine"):
        charts.check_points(pd.DataFrame({"x": range(11)}), max_points=10)
    spec = charts.line_spec("period", "value")
    assert spec["encoding"]["x"]["type"] == "temporal"
    assert charts.bar_spec("label", "value")["mark"]["type"] == "bar"


@pytest.mark.parametrize("forged", [10**9, 0, -5, "10", None])
def test_forged_explore_state_falls_back_to_the_default(forged: object) -> None:
    state = views.ExploreState({"explore.top_n": forged, "explore.page_number": forged})
    assert state.top_n == 10
    assert state.page_number == (forged if forged == 10**9 else 1)  # clamped by the page


@pytest.mark.parametrize(
    ("chosen", "allowed", "expected"),
    [
        (Filters(), None, Filters()),
        (Filters(), {"region": ["East"]}, Filters(selections=(("region", ("East",)),))),
        (
            Filters.of(region=["East", "West"]),
            {"region": ["West", "North"]},
            Filters(selections=(("region", ("West",)),)),
        ),
        (Filters.of(region=["East"]), {"region": ["West"]}, Filters(nothing=True)),
        (Filters.of(region=["East"]), {"region": []}, Filters(nothing=True)),
        (
            Filters.of(dt.date(2024, 1, 1), None, channel=["Online"]),
            {"region": ["East"]},
            Filters(
                dt.date(2024, 1, 1),
                None,
                (("channel", ("Online",)), ("region", ("East",))),
            ),
        ),
    ],
)
def test_restrict_intersects_with_what_a_viewer_may_see(
    chosen: Filters, allowed: dict[str, list[str]] | None, expected: Filters
) -> None:
    assert chosen.restrict(allowed) == expected
