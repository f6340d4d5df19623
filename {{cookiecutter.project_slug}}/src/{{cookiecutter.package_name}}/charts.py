"""Charts as plain Vega-Lite specs.

``st.line_chart`` builds an Altair chart on every rerun (~75 ms for 2,000 points
on a small machine); a spec dict handed to ``st.vega_lite_chart`` costs ~2 ms.
Charts draw engine-side aggregates only, and refuse more points than the
settings allow, so a chart can never ship millions of rows to the browser.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

Spec = dict[str, Any]


class TooManyPointsError(ValueError):
    """A chart was asked to draw raw rows instead of an aggregate."""


def line_spec(x: str, y: str, *, y_title: str | None = None, temporal: bool = True) -> Spec:
    return {
        "mark": {"type": "line", "point": False, "tooltip": True},
        "encoding": {
            "x": {"field": x, "type": "temporal" if temporal else "quantitative", "title": None},
            "y": {"field": y, "type": "quantitative", "title": y_title or y},
        },
    }


def bar_spec(category: str, value: str, *, value_title: str | None = None) -> Spec:
    """Horizontal bars, each tall enough for its label (the chart grows with the bars)."""
    return {
        "height": {"step": 22},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": category, "type": "nominal", "sort": "-x", "title": None},
            "x": {"field": value, "type": "quantitative", "title": value_title or value},
        },
    }


def check_points(frame: pd.DataFrame, max_points: int) -> pd.DataFrame:
    if len(frame) > max_points:
        raise TooManyPointsError(
            f"{len(frame):,} points exceed the chart limit of {max_points:,}: "
            "aggregate in the engine (a coarser grain or a top-N) first."
        )
    return frame


def draw(frame: pd.DataFrame, spec: Spec, *, max_points: int, height: int | None = None) -> None:
    """Draw ``frame`` with ``spec``, refusing frames larger than ``max_points``.

    Without ``height`` the spec decides (bar charts size themselves per bar).
    """
    st.vega_lite_chart(
        check_points(frame, max_points), spec, width="stretch", height=height or "content"
    )
