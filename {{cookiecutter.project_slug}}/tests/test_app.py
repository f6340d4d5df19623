"""Every page through the real router with AppTest: widgets change, output follows.

AppTest reruns the whole script on every ``run()`` (it cannot rerun a fragment
alone), so these tests check behaviour; fragment-only reruns are exercised by
the browser test against a real server.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import ui
from {{ cookiecutter.package_name }}.pages import PAGES, PageSpec
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def open_page(app: AppTest, page: PageSpec) -> AppTest:
    app.run()
    app.switch_page(os.path.relpath(page.path, PROJECT_ROOT)).run()
    assert not app.exception, app.exception
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


@pytest.mark.parametrize("page", PAGES, ids=[page.url_path for page in PAGES])
def test_every_page_renders_without_errors(app: AppTest, page: PageSpec) -> None:
    open_page(app, page)
    assert not app.error
    assert app.title[0].value == page.title
    assert "page rendered at" in app.caption[0].value


def test_overview_date_range_changes_the_numbers(app: AppTest) -> None:
    open_page(app, PAGES[0])
    before = metrics(app)
    start, _ = app.slider(key="overview.date_range:widget").value
    app.slider(key="overview.date_range:widget").set_value(
        (start, start + dt.timedelta(days=30))
    ).run()
    after = metrics(app)
    assert not app.exception
    assert after["Rows"] != before["Rows"]
    assert after["Revenue"] != before["Revenue"]


def test_overview_focus_filter_changes_the_numbers(app: AppTest) -> None:
    open_page(app, PAGES[0])
    before = metrics(app)["Revenue"]
    focus = app.multiselect(key="overview.focus:widget")
    focus.select(focus.options[0]).run()
    assert metrics(app)["Revenue"] != before


def test_overview_choices_survive_a_page_switch(app: AppTest) -> None:
    open_page(app, PAGES[0])
    focus = app.multiselect(key="overview.focus:widget")
    chosen = focus.options[-1]
    focus.select(chosen).run()
    open_page(app, PAGES[1])
    open_page(app, PAGES[0])
    assert app.multiselect(key="overview.focus:widget").value == [chosen]


def test_explore_top_n_changes_the_ranking(app: AppTest) -> None:
    open_page(app, PAGES[1])
    assert len(app.dataframe[0].value) == 8  # every region: fewer than the default top 10
    app.selectbox(key="explore.dimension:widget").set_value("product").run()
    assert len(app.dataframe[0].value) == 10
    app.slider(key="explore.top_n:widget").set_value(3).run()
    ranking = app.dataframe[0].value
    assert len(ranking) == 3
    assert list(ranking.columns) == ["Product", "Revenue", "Rows"]


def test_explore_paging_shows_other_rows(app: AppTest) -> None:
    open_page(app, PAGES[1])
    first = app.dataframe[1].value
    app.number_input(key="explore.page_number:widget").set_value(2).run()
    second = app.dataframe[1].value
    assert len(first) == len(second) == 200
    assert not first.equals(second)
    assert first["Order date"].max() <= second["Order date"].min()


def test_dev_panel_is_built_only_while_open(app: AppTest) -> None:
    open_page(app, PAGES[0])
    assert not app.dataframe  # closed: no stats tables are built
    app.session_state[ui.DEV_PANEL_KEY] = True
    app.run()
    assert not app.exception
    stats = app.dataframe[-1].value
    assert {"queries", "reference"} <= set(stats["namespace"])
    assert any(button.label == "Clear all caches" for button in app.button)


def test_invalid_settings_stop_the_app_with_the_variable_name(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}MAX_CHART_POINTS", "lots")
    app.run()
    assert not app.exception
    assert f"{ENV_PREFIX}MAX_CHART_POINTS" in app.error[0].value
