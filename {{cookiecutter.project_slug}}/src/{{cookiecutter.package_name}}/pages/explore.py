{%- set auth = cookiecutter.auth != "none" -%}
{%- set restrict = ".restrict(allowed)" if auth else "" -%}
"""Explore: rank any dimension by any measure, and page through the matching rows."""

import streamlit as st

from {{ cookiecutter.package_name }} import charts, queries, ui, views
{%- if auth %}
from {{ cookiecutter.package_name }}.access import viewer_allowed
{%- endif %}
from {{ cookiecutter.package_name }}.data import Filters, get_source
from {{ cookiecutter.package_name }}.settings import get_settings

settings = get_settings()
state = views.ExploreState()
{%- if auth %}
allowed = viewer_allowed()  # the rows this viewer may see: every query below keeps to them
{%- endif %}

ui.page_header("Explore", "Rank a dimension and browse the rows behind it")
ui.dataset_notice({{ 'allowed' if auth else '' }})


@st.fragment
def ranking_panel() -> None:
    with ui.timed("explore.ranking"), ui.data_errors("explore.ranking"):
        schema = get_source().schema
        views.prepare_explore(state, schema)
        if state.dimension is None:
            st.caption("No column of the data suits grouping, so there is nothing to rank.")
            return
        left, middle, right = st.columns(3)
        left.selectbox(
            "Group by",
            options=schema.dimensions,
            format_func=views.label,
            **state.widget("dimension"),
        )
        if schema.measures:
            middle.selectbox(
                "Rank by",
                options=schema.measures,
                format_func=views.label,
                **state.widget("measure"),
            )
        low, high = views.TOP_N
        right.slider("Top N", min_value=low, max_value=high, **state.widget("top_n"))
{%- if auth %}
        ranked = queries.breakdown(
            Filters().restrict(allowed), state.dimension, state.measure, state.top_n
        )
{%- else %}
        ranked = queries.breakdown(Filters(), state.dimension, state.measure, state.top_n)
{%- endif %}
        title = views.value_title(schema, state.measure)
        chart, table = st.columns([3, 2])
        with chart:
            charts.draw(
                ranked,
                charts.bar_spec("label", "value", value_title=title),
                max_points=settings.max_chart_points,
            )
        with table:
            shown = ranked if state.measure else ranked.drop(columns="value")  # value = rows
            ui.show_table(
                shown,
                labels={"label": views.label(state.dimension), "value": title, "row_count": "Rows"},
                numbers=("value", "row_count"),
            )


@st.fragment
def rows_panel() -> None:
    with ui.timed("explore.rows"), ui.data_errors("explore.rows"):
        schema = get_source().schema
        total = int(queries.domain({{ 'allowed' if auth else '' }}).rows)
        pages = views.page_count(total, settings.page_size)
        if state.page_number > pages:  # fewer rows than before, or a forged value
            state.page_number = pages
        st.subheader("Rows", anchor=False)
        st.number_input(
            f"Page (of {pages:,}, {settings.page_size} rows each)",
            min_value=1,
            max_value=pages,
            step=1,
            **state.widget("page_number"),
        )
        offset = views.page_offset(state.page_number, total, settings.page_size)
        rows = queries.page(Filters(){{ restrict }}, settings.page_size, offset)
        ui.show_table(
            rows,
            labels={column: views.label(column) for column in rows.columns},
            numbers=schema.measures,
            dates=[schema.date_column] if schema.date_column and schema.date_type == "date" else [],
        )


with ui.timed("explore.page"):
    ranking_panel()
    rows_panel()
ui.dev_panel()
