{%- set auth = cookiecutter.auth != "none" -%}
{%- set restrict = ".restrict(allowed)" if auth else "" -%}
"""Overview: headline numbers and the trend, plus a live panel.

The header runs on full reruns only. Widgets live inside fragments, so moving a
slider reruns just its fragment on the server, not the whole page. Data without
dates gets no time controls, no trend and no live panel.
"""

import streamlit as st

from {{ cookiecutter.package_name }} import charts, queries, ui, views
{%- if auth %}
from {{ cookiecutter.package_name }}.access import viewer_allowed
{%- endif %}
from {{ cookiecutter.package_name }}.data import choose_grain, get_source
from {{ cookiecutter.package_name }}.settings import get_settings

settings = get_settings()
state = views.OverviewState()
{%- if auth %}
allowed = viewer_allowed()  # the rows this viewer may see: every query below keeps to them
{%- endif %}

ui.page_header("Overview", "Totals and trend for the selected period")
dated = ui.dataset_notice({{ 'allowed' if auth else '' }})


@st.fragment
def trend_panel() -> None:
    with ui.timed("overview.trend"), ui.data_errors("overview.trend"):
        schema = get_source().schema
        domain = queries.domain({{ 'allowed' if auth else '' }})
        if not domain.rows:
            st.info(views.no_rows_message(schema, domain), icon=":material/info:")
            return
        views.prepare_overview(state, domain, schema)
        left, right, measure_column = st.columns([3, 2, 1])
        if views.has_date_range(domain):
            left.slider(
                "Date range",
                min_value=domain.min_date,
                max_value=domain.max_date,
                format="YYYY-MM-DD",
                **state.widget("date_range"),
            )
        elif domain.min_date is not None:
            left.caption(f"Every dated row is on {domain.min_date:%Y-%m-%d}.")
        if schema.dimensions:
            first = schema.dimensions[0]
            right.multiselect(
                views.label(first),
                options=domain.values.get(first, ()),
                placeholder="All",
                **state.widget("focus"),
            )
        if schema.measures:
            measure_column.selectbox(
                "Measure",
                options=schema.measures,
                format_func=views.label,
                **state.widget("measure"),
            )
        filters = views.overview_filters(state, schema){{ restrict }}
        figures = views.kpis(queries.summary(filters), schema)
        for column, kpi in zip(st.columns(len(figures)), figures, strict=True):
            column.metric(kpi.label, kpi.value, help=kpi.help)
        title = views.value_title(schema, state.measure)
        if state.date_range is not None:
            start, end = state.date_range
            grain = choose_grain(start, end, settings.max_chart_points)
            series = queries.timeseries(filters, state.measure, grain)
            st.caption(f"{title} per {grain}")
            charts.draw(
                series,
                charts.line_spec("period", "value", y_title=title),
                max_points=settings.max_chart_points,
            )
        elif schema.dimensions:
            ranked = queries.breakdown(filters, schema.dimensions[0], state.measure, 20)
            st.caption(f"{title} by {views.label(schema.dimensions[0])}")
            charts.draw(
                ranked,
                charts.bar_spec("label", "value", value_title=title),
                max_points=settings.max_chart_points,
            )


@st.fragment(run_every=settings.live_refresh_seconds)
def live_panel() -> None:
    with ui.timed("overview.live"), ui.data_errors("overview.live"):
        schema = get_source().schema
        first = schema.dimensions[0] if schema.dimensions else None
        totals, by_dimension, end = queries.latest(7, first{{ ', allowed' if auth else '' }})
        measure = schema.measures[0] if schema.measures else None
        title = views.value_title(schema, measure)
        st.subheader("Live: last 7 days of data", anchor=False)
        st.caption(
            f"Up to {end:%Y-%m-%d} · refreshes every {settings.live_refresh_seconds:g} s · "
            f"last refresh {ui.now():%H:%M:%S}"
        )
        value = totals.values.get(measure) if measure is not None else totals.rows
        st.metric(f"{title}, last 7 days", views.format_number(value))
        if by_dimension is not None:
            charts.draw(
                by_dimension,
                charts.bar_spec("label", "value", value_title=title),
                max_points=settings.max_chart_points,
            )


with ui.timed("overview.page"):
    trend_panel()
    if dated:
        live_panel()
ui.dev_panel()
