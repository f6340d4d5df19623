"""Operator controls: the dev panel and cache clearing are never a viewer's.

Off by default; ``DEV_PANEL=true`` alone turns them on for everyone (local
development); with ``OPERATORS`` listed, only those signed-in users get them. No
button a viewer can press clears a cache other sessions share.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import ui
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX

PANEL = "Dev panel: cache and reruns"
ALICE = {"is_logged_in": True, "email": "Alice@Example.com", "sub": "alice-id"}
BOB = {"is_logged_in": True, "email": "bob@example.com", "sub": "bob-id"}
ANONYMOUS = {"is_logged_in": False}


@pytest.mark.parametrize(
    ("dev_panel", "operators", "user", "shown"),
    [
        (None, None, ANONYMOUS, False),  # the default
        (None, "alice@example.com", ALICE, False),  # operators alone do not turn it on
        ("false", None, ALICE, False),
{%- if cookiecutter.auth == "none" %}
        ("true", None, ANONYMOUS, True),  # local development: everyone
{%- else %}
        ("true", None, ANONYMOUS, False),  # signed out: the sign-in page only
        ("true", None, ALICE, True),  # local development: everyone signed in
{%- endif %}
        ("true", "alice@example.com", ANONYMOUS, False),
        ("true", "alice@example.com", BOB, False),
        ("true", "alice@example.com", ALICE, True),  # emails match case-insensitively
        ("true", "ops@example.com,alice-id", ALICE, True),  # or the subject id
        ("true", '["ops@example.com"]', ALICE, False),
    ],
)
def test_who_sees_the_dev_panel(
    app: AppTest,
    monkeypatch: pytest.MonkeyPatch,
    dev_panel: str | None,
    operators: str | None,
    user: dict[str, Any],
    shown: bool,
) -> None:
    for name, value in (("DEV_PANEL", dev_panel), ("OPERATORS", operators)):
        if value is not None:
            monkeypatch.setenv(f"{ENV_PREFIX}{name}", value)
    app.user = user
    app.run()
    assert not app.exception
    assert (PANEL in [expander.label for expander in app.expander]) is shown


def test_the_dev_panel_shows_the_rollup_and_the_engine_queries(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}DEV_PANEL", "true")
    app.user = ALICE
    app.run()
    app.session_state[ui.DEV_PANEL_KEY] = True  # opened: its contents are drawn
    app.run()
    assert not app.exception
    notes = [c.value for c in app.caption if c.value.startswith("Rollup: ")]
    assert len(notes) == 1, notes
    found = re.match(r"Rollup: ([\d,]+) rows, [\d.,]+ MB, .* engine queries: ([\d,]+)$", notes[0])
    assert found, notes[0]
    assert int(found[1].replace(",", "")) > 0
    assert int(found[2].replace(",", "")) > 0  # at least the rollup's own query


def _clear_button_app() -> None:
    """A page that offers the clear button to everyone, as a forged click would reach it."""
    import time

    import streamlit as st

    from {{ cookiecutter.package_name }} import cache, ui

    @cache.cached_data("test_operators")
    def computed_at() -> int:
        return time.perf_counter_ns()

    st.button("Clear", on_click=ui.clear_caches)
    st.text(computed_at())


@pytest.mark.parametrize(
    ("dev_panel", "user", "cleared"),
    [
        (None, ANONYMOUS, False),  # not an operator: nothing cleared
        ("true", ALICE, False),  # not a listed operator
        ("true", None, True),  # local development: cleared
    ],
)
def test_clearing_checks_the_operator_again(
    monkeypatch: pytest.MonkeyPatch,
    dev_panel: str | None,
    user: dict[str, Any],
    cleared: bool,
) -> None:
    if dev_panel is not None:
        monkeypatch.setenv(f"{ENV_PREFIX}DEV_PANEL", dev_panel)
    if user is ALICE:
        monkeypatch.setenv(f"{ENV_PREFIX}OPERATORS", "ops@example.com")
    app = AppTest.from_function(_clear_button_app, default_timeout=30)
    app.user = user or ANONYMOUS
    before = app.run().text[0].value
    after = app.button[0].click().run().text[0].value
    assert (after != before) is cleared


def _failing_panel_app() -> None:
    import time

    import streamlit as st

    from {{ cookiecutter.package_name }} import cache, ui
    from {{ cookiecutter.package_name }}.data import DataSourceError

    @cache.cached_data("test_operators_retry")
    def computed_at() -> int:
        return time.perf_counter_ns()

    st.text(computed_at())
    with ui.data_errors("panel"):
        raise DataSourceError("The engine is down.", "Start it.")


def test_retry_reruns_without_clearing_shared_caches() -> None:
    app = AppTest.from_function(_failing_panel_app, default_timeout=30).run()
    assert app.error[0].value == "**The engine is down.**\n\nStart it."
    before = app.text[0].value
    app.button(key="panel:retry").click().run()
    assert not app.exception
    assert app.error  # tried again, and failed again
    assert app.text[0].value == before  # the shared entry is still there
