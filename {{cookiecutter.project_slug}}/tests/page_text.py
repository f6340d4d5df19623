"""Everything the app shows, as text: for tests that a value never reaches a viewer."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }}.pages import PAGES

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def shown(app: AppTest) -> str:
    """Every field of every element and block the last run drew, main area and sidebar.

    Elements are read as their protobuf messages, so labels, bodies, help texts,
    widget options and values, and the cells of data frames (Arrow bytes) all count.
    """
    parts: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(app.main)
    walk(app.sidebar)
    return "\n".join(parts)


def every_page(app: AppTest) -> str:
    """Open each page in turn (just the first when the app stops at the settings gate).

    Returns what all of them showed; no page may end in an uncaught exception.
    """
    texts = []
    for number, page in enumerate(PAGES):
        if number == 0:
            app.run()
        elif app.error and "Invalid configuration" in app.error[0].value:
            break  # the router stopped before st.navigation: there is no other page
        else:
            app.switch_page(os.path.relpath(page.path, PROJECT_ROOT)).run()
        assert not app.exception, [exception.value for exception in app.exception]
        texts.append(shown(app))
    return "\n".join(texts)
