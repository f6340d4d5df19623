"""Building blocks every page shares: settings gate, headers, error panels, dev panel.

What a viewer sees never holds a secret (settings errors name variables, data
errors are masked with ``redact``), and nothing a viewer clicks affects another
session: only operators get the dev panel and its "Clear all caches".
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pandas as pd
import streamlit as st

from . import cache
{%- if cookiecutter.auth != "none" %}
from .access import Allowed
{%- endif %}
from .data import DataSourceError
from .settings import ENV_PREFIX, Settings, SettingsError, get_settings, redact, secret_values

_RUNS_KEY = "_dev.runs"
DEV_PANEL_KEY = "_dev.panel"
_log = logging.getLogger(__name__)


def load_settings() -> Settings:
    """The settings, or an error naming each bad variable and a stopped app."""
    guard_streamlit_cache_clearing()
    try:
        return get_settings()
    except SettingsError as error:
        problems = "\n".join(f"- {problem}" for problem in error.problems)
        st.error(f"**Invalid configuration**\n\n{problems}", icon=":material/settings:")
        st.caption("Fix the settings above, then reload the page.")
        st.stop()
        raise  # st.stop() raises; this keeps type checkers and readers honest


def page_header(title: str, caption: str) -> None:
    """The part of a page that runs only on full reruns, never on fragment reruns."""
    st.title(title)
    st.caption(f"{caption} · page rendered at {dt.datetime.now():%H:%M:%S}")
{%- if cookiecutter.auth != "none" %}


def dataset_notice(allowed: Allowed) -> bool:
    """Say what the app chose about the data, and whether the ``allowed`` rows have dates.
{%- else %}


def dataset_notice() -> bool:
    """Say what the app chose about the data, and whether it has dated rows.
{%- endif %}

    Runs on full reruns only (in the page header). A failing source says nothing
    here: the panels below show its error.
    """
    from . import queries, views
    from .data import get_source
    from .settings import ENV_PREFIX

    try:
        schema = get_source().schema
        domain = queries.domain({{ "allowed" if cookiecutter.auth != "none" else "" }})
    except (DataSourceError, SettingsError):
        return False
    for note in views.dataset_notes(schema, domain, ENV_PREFIX, __package__ or ""):
        st.caption(note)
    return domain.max_date is not None


@contextmanager
def timed(name: str) -> Iterator[None]:
    """Record how long a page or fragment run took, for the dev panel."""
    started = time.perf_counter()
    try:
        yield
    finally:
        runs = st.session_state.setdefault(_RUNS_KEY, {})
        runs[name] = (dt.datetime.now(), (time.perf_counter() - started) * 1000)


def show_data_error(error: DataSourceError, key: str) -> None:
    """What failed and how to fix it, with every secret masked, and a Retry button.

    Retry only reruns: a failure is never cached, so the failed call runs again.
    It clears no cache, because caches are shared by every session.
    """
    secrets = secret_values(get_settings())
    st.error(
        f"**{redact(error.what, secrets)}**\n\n{redact(error.fix, secrets)}",
        icon=":material/error:",
    )
    st.button("Retry", key=f"{key}:retry", icon=":material/refresh:")


@contextmanager
def data_errors(key: str) -> Iterator[None]:
    """Show a data-source failure inside the panel instead of a traceback."""
    try:
        yield
    except DataSourceError as error:
        show_data_error(error, key)


def may_operate(settings: Settings, user: Mapping[str, Any]) -> bool:
    """Whether ``user`` (``st.user``'s fields) gets operator controls under ``settings``.

    ``dev_panel`` on, and a listed operator. With no ``operators`` listed every
    viewer qualifies, which is meant for local development; in production list
    them, and only those signed-in users qualify (by email or subject id).
    """
    if not settings.dev_panel:
        return False
    if not settings.operators:
        return True
    if not user.get("is_logged_in"):
        return False
    claims = (user.get("email"), user.get("sub"))
    identities = {str(claim).casefold() for claim in claims if claim}
    return any(operator.casefold() in identities for operator in settings.operators)


def is_operator() -> bool:
    """Whether the viewer of this session gets the dev panel and cache clearing."""
    return may_operate(get_settings(), st.user)


def guard_streamlit_cache_clearing() -> None:
    """Let only operators use Streamlit's own "clear cache" request.

    Any browser can send it (the "C" key, the menu in developer mode, or a
    hand-made websocket message) and Streamlit then empties every cache of every
    session. This wraps the handler of that request, once per process, so it
    runs only for operators (``may_operate`` on the session's user). The handler
    is private Streamlit API (1.67): if it moves, this logs that it could not
    guard it, and tests/test_server_sessions.py fails.
    """
    from streamlit.runtime.app_session import AppSession

    handler = getattr(AppSession, "_handle_clear_cache_request", None)
    if handler is None:
        _log.warning("Streamlit's clear-cache handler moved: viewers may clear every cache")
        return
    if getattr(handler, "operators_only", False):
        return

    def operators_only(session: AppSession) -> None:
        user = getattr(session, "_user_info", None) or {}
        try:
            allowed = may_operate(get_settings(), user)
        except SettingsError:
            allowed = False
        if allowed:
            handler(session)
        else:
            _log.warning("Refused a viewer's request to clear every cache (not an operator)")

    # setattr: both names are Streamlit's (a marker on our wrapper, and the private handler).
    setattr(operators_only, "operators_only", True)  # noqa: B010
    setattr(AppSession, "_handle_clear_cache_request", operators_only)  # noqa: B010


def clear_caches() -> None:
    """Clear every cache, for operators only (checked again: callbacks can be forged)."""
    if is_operator():
        cache.clear()


def dev_panel() -> None:
    """Cache stats, the latest run times and cache clearing, for operators only.

    The expander is lazy: its tables are built only while it is open, so a closed
    panel costs nothing on each rerun.
    """
    if not is_operator():
        return
    panel = st.expander(
        "Dev panel: cache and reruns", icon=":material/speed:", key=DEV_PANEL_KEY, on_change="rerun"
    )
    if not panel.open:
        return
    with panel:
        if not get_settings().operators:
            st.caption(
                ":material/warning: Every viewer sees this panel: fine for local development. "
                f"In production, list who may in `{ENV_PREFIX}OPERATORS`."
            )
        runs = st.session_state.get(_RUNS_KEY, {})
        if runs:
            st.dataframe(
                pd.DataFrame(
                    [
                        {"run": name, "at": f"{at:%H:%M:%S}", "ms": round(ms, 1)}
                        for name, (at, ms) in sorted(runs.items())
                    ]
                ),
                hide_index=True,
            )
        stats = cache.stats()
        if stats:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "namespace": s.namespace,
                            "function": s.name.rsplit(".", 1)[-1],
                            "hits": s.hits,
                            "misses": s.misses,
                            "errors": s.errors,
                            "hit rate": f"{s.hit_rate:.0%}",
                            "compute ms": round(s.compute_ms, 1),
                            "total ms": round(s.total_ms, 1),
                        }
                        for s in stats
                    ]
                ),
                hide_index=True,
            )
        engine_note()
        st.button("Clear all caches", key="_dev.clear", on_click=clear_caches)


def engine_note() -> None:
    """The local rollup's size and the engine queries this process sent, if the source says."""
    from .data import get_source

    try:
        source = get_source()
    except DataSourceError:
        return
    stats = getattr(source, "rollup_stats", None)
    if stats is not None:
        rollup = stats()
        st.caption(
            f"Rollup: {rollup['rows']:,.0f} rows, {rollup['bytes'] / 1e6:,.1f} MB, "
            f"built {rollup['age_seconds']:,.0f} s ago · engine queries: "
            f"{getattr(source, 'engine_queries', 0):,}"
        )


def show_table(
    frame: pd.DataFrame,
    *,
    labels: dict[str, str],
    numbers: Iterable[str] = (),
    dates: Iterable[str] = (),
) -> None:
    """A small frame with readable headers, separated thousands and plain dates.

    Headers stay unique whatever the column names: a label already taken gets
    its column's own name, then a number.
    """
    headers: dict[str, str] = {}
    for name in frame.columns:
        header = labels.get(name, name)
        for candidate in (header, str(name), *(f"{header} ({n})" for n in range(2, 1000))):
            if candidate not in headers.values():
                headers[name] = candidate
                break
    config: dict[str, Any] = {
        headers[name]: st.column_config.NumberColumn(format="localized")
        for name in numbers
        if name in headers
    }
    config.update(
        {
            headers[name]: st.column_config.DateColumn(format="YYYY-MM-DD")
            for name in dates
            if name in headers
        }
    )
    st.dataframe(frame.rename(columns=headers), hide_index=True, column_config=config)


def now() -> dt.datetime:
    return dt.datetime.now()
