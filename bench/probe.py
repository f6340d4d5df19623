"""Runs inside the measured app's process and counts what it asks of its engine.

The benchmark starts each rendered project through ``bench_entry.py`` (written by
``bench.engines``), which imports this module, runs the project's own
``streamlit_app.py`` and then calls ``watch``. The count is the data source's own
``engine_queries``: queries (``rest_api``: HTTP requests) sent to the engine, not
to the local rollup. With ``BENCH_ENGINE_QUERIES_FILE`` set, a thread keeps that file
up to date, so the driver reads the count of a server process from outside.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
from pathlib import Path
from typing import Any

COUNT_FILE = "BENCH_ENGINE_QUERIES_FILE"
_state: dict[str, Any] = {"source": None, "thread": None}


def engine_queries() -> int:
    """What this process has asked of its engine so far."""
    return int(getattr(_state["source"], "engine_queries", 0))


def watch(package: str) -> None:
    """Remember the app's data source (called after each full run) and report its count."""
    with contextlib.suppress(Exception):  # an app that shows a data error has no source
        _state["source"] = importlib.import_module(f"{package}.data").get_source()
    target = os.environ.get(COUNT_FILE)
    if target and _state["thread"] is None:
        thread = threading.Thread(
            target=_report, args=(Path(target),), name="bench-probe", daemon=True
        )
        _state["thread"] = thread
        thread.start()


def _report(path: Path) -> None:
    written = None
    while True:
        count = engine_queries()
        if count != written:
            partial = path.with_name(path.name + ".tmp")
            partial.write_text(str(count), encoding="ascii")
            partial.replace(path)
            written = count
        threading.Event().wait(0.05)
