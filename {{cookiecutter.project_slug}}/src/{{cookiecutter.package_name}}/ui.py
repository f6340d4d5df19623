"""Building blocks every page shares: settings gate, headers, error panels, dev panel."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import streamlit as st

from . import cache
from .data import DataSourceError
from .settings import Settings, SettingsError, get_settings

_RUNS_KEY = "_dev.runs"
DEV_PANEL_KEY = "_dev.panel"


def load_settings() -> Settings:
    """The settings, or an error naming each bad variable and a stopped app."""
    try:
        return get_settings()
    except SettingsError as error:
        st.error(str(error), icon=":material/settings:")
        st.caption("Fix the variables above (environment, `.env` or `.streamlit/secrets.toml`).")
        st.stop()
        raise  # st.stop() raises; this keeps type checkers and readers honest


def page_header(title: str, caption: str) -> None:
    """The part of a page that runs only on full reruns, never on fragment reruns."""
    st.title(title)
    st.caption(f"{caption} · page rendered at {dt.datetime.now():%H:%M:%S}")


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
    """What failed, how to fix it, and a retry that drops cached connections and results."""
    st.error(f"**{error.what}**\n\n{error.fix}", icon=":material/error:")
    if st.button("Retry", key=f"{key}:retry", icon=":material/refresh:"):
        cache.clear()
        st.rerun()


@contextmanager
def data_errors(key: str) -> Iterator[None]:
    """Show a data-source failure inside the panel instead of a traceback."""
    try:
        yield
    except DataSourceError as error:
        show_data_error(error, key)


def dev_panel() -> None:
    """Cache stats and the latest run times, for developers (``dev_panel`` setting).

    The expander is lazy: its tables are built only while it is open, so a closed
    panel costs nothing on each rerun.
    """
    if not get_settings().dev_panel:
        return
    panel = st.expander(
        "Dev panel: cache and reruns", icon=":material/speed:", key=DEV_PANEL_KEY, on_change="rerun"
    )
    if not panel.open:
        return
    with panel:
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
        st.button("Clear all caches", key="_dev.clear", on_click=cache.clear)


def show_table(
    frame: pd.DataFrame,
    *,
    labels: dict[str, str],
    numbers: Iterable[str] = (),
    dates: Iterable[str] = (),
) -> None:
    """A small frame with readable headers, separated thousands and plain dates."""
    config: dict[str, Any] = {
        labels.get(name, name): st.column_config.NumberColumn(format="localized")
        for name in numbers
    }
    config.update(
        {labels.get(name, name): st.column_config.DateColumn(format="YYYY-MM-DD") for name in dates}
    )
    st.dataframe(frame.rename(columns=labels), hide_index=True, column_config=config)


def now() -> dt.datetime:
    return dt.datetime.now()
