"""Every page through the real router with AppTest: widgets change, output follows.

Pages come from ``PAGES`` and widgets are discovered on each page (see
``app_pages``), so adding a page or renaming a widget needs no change here.
AppTest reruns the whole script on every ``run()`` (it cannot rerun a fragment
alone), so these tests check behaviour; fragment-only reruns are exercised by
the browser tests against a real server.
"""

from __future__ import annotations

import pytest
from app_pages import (
    exercise_widgets,
    give_new_value,
    interactive_widgets,
    open_page,
    problems,
    widget_by_id,
)
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Widget

from {{ cookiecutter.package_name }} import ui
from {{ cookiecutter.package_name }}.pages import PAGES, PageSpec
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX

PAGE_IDS = [page.url_path for page in PAGES]


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def first_page_with(app: AppTest, widget_type: str) -> tuple[PageSpec, Widget]:
    """Open the first page that shows metrics and a widget of this type."""
    for page in PAGES:
        open_page(app, page)
        found = [w for w in interactive_widgets(app) if w.type == widget_type]
        if app.metric and found:
            return page, found[0]
    raise AssertionError(f"no page in PAGES shows metrics and a {widget_type}")


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_every_page_renders_without_errors(app: AppTest, page: PageSpec) -> None:
    open_page(app, page)
    assert not problems(app)
    assert app.title[0].value == page.title
    assert any("page rendered at" in caption.value for caption in app.caption)


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_every_widget_takes_new_values(page: PageSpec) -> None:
    exercise_widgets(page)  # checks the page after every change: see app_pages


def test_the_pages_have_widgets_to_exercise(app: AppTest) -> None:
    """Guards the discovery itself: the sample app is interactive."""
    assert any(interactive_widgets(open_page(app, page)) for page in PAGES)


@pytest.mark.parametrize("widget_type", ["slider", "multiselect"])
def test_the_first_filter_changes_the_numbers(app: AppTest, widget_type: str) -> None:
    _, widget = first_page_with(app, widget_type)
    before = metrics(app)
    assert give_new_value(widget)
    widget.run()
    assert not problems(app)
    assert metrics(app) != before


def test_choices_survive_a_page_switch(app: AppTest) -> None:
    page, widget = first_page_with(app, "multiselect")
    assert give_new_value(widget)
    chosen = widget_by_id(widget.run(), widget.id).value
    for other in PAGES:
        open_page(app, other)
    open_page(app, page)
    assert widget_by_id(app, widget.id).value == chosen


def test_dev_panel_is_built_only_while_open(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}DEV_PANEL", "true")
    open_page(app, PAGES[0])
    assert not app.dataframe  # closed: no stats tables are built
    app.session_state[ui.DEV_PANEL_KEY] = True
    app.run()
    assert not app.exception
    stats = app.dataframe[-1].value
    # Dimension values and date bounds: {% if cookiecutter.auth != "none" %}per user, in "user"{% else %}"reference"{% endif %}.
    assert {"queries", "{{ "user" if cookiecutter.auth != "none" else "reference" }}"} <= set(stats["namespace"])
    assert any(button.label == "Clear all caches" for button in app.button)


def test_invalid_settings_stop_the_app_with_the_variable_name(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}MAX_CHART_POINTS", "lots")
    app.run()
    assert not app.exception
    assert f"{ENV_PREFIX}MAX_CHART_POINTS" in app.error[0].value
