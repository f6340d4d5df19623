"""Overview: headline numbers and the trend, plus a live panel.

The header runs on full reruns only. Widgets live inside fragments, so moving a
slider reruns just its fragment on the server, not the whole page.
"""

import streamlit as st

from {{ cookiecutter.package_name }} import charts, queries, ui, views
from {{ cookiecutter.package_name }}.data import choose_grain, get_source
from {{ cookiecutter.package_name }}.settings import get_settings

settings = get_settings()
state = views.OverviewState()

ui.page_header("Overview", "Totals and trend for the selected period")


@st.fragment
def trend_panel() -> None:
    with ui.timed("overview.trend"), ui.data_errors("overview.trend"):
        schema = get_source().schema
        domain = queries.domain()
        views.prepare_overview(state, domain, schema)
        first = schema.dimensions[0]
        left, right, measure_column = st.columns([3, 2, 1])
        left.slider(
            "Date range",
            min_value=domain.min_date,
            max_value=domain.max_date,
            format="YYYY-MM-DD",
            **state.widget("date_range"),
        )
        right.multiselect(
            views.label(first),
            options=domain.values.get(first, ()),
            placeholder="All",
            **state.widget("focus"),
        )
        measure_column.selectbox(
            "Measure", options=schema.measures, format_func=views.label, **state.widget("measure")
        )
        filters = views.overview_filters(state, schema)
        totals = queries.summary(filters)
        for column, kpi in zip(
            st.columns(len(schema.measures) + 2), views.kpis(totals, schema), strict=True
        ):
            column.metric(kpi.label, kpi.value, help=kpi.help)
        start, end = state.date_range or (domain.min_date, domain.max_date)
        grain = choose_grain(start, end, settings.max_chart_points)
        series = queries.timeseries(filters, state.measure, grain)
        st.caption(f"{views.label(state.measure)} per {grain}")
        charts.draw(
            series,
            charts.line_spec("period", "value", y_title=views.label(state.measure)),
            max_points=settings.max_chart_points,
        )


@st.fragment(run_every=settings.live_refresh_seconds)
def live_panel() -> None:
    with ui.timed("overview.live"), ui.data_errors("overview.live"):
        schema = get_source().schema
        totals, by_dimension, end = queries.latest(7, schema.dimensions[0])
        measure = schema.measures[0]
        st.subheader("Live: last 7 days of data", anchor=False)
        st.caption(
            f"Up to {end:%Y-%m-%d} · refreshes every {settings.live_refresh_seconds:g} s · "
            f"last refresh {ui.now():%H:%M:%S}"
        )
        st.metric(f"{views.label(measure)}, last 7 days", views.format_number(totals[measure]))
        charts.draw(
            by_dimension,
            charts.bar_spec("label", "value", value_title=views.label(measure)),
            max_points=settings.max_chart_points,
        )


with ui.timed("overview.page"):
    trend_panel()
    live_panel()
ui.dev_panel()
