"""The AppTest driver: one app, full reruns, in a fresh process of its own.

    python -m bench.apptest SCRIPT --moves 20 --out result.json   (cwd: the project)

``bench.bench`` starts this once per app and engine, so the peak RSS it reports
is this process's own high-water mark: ``VmHWM`` of ``/proc/self/status``, which
``exec`` resets. (``ru_maxrss`` does not: a fresh process would report the peak
of the process that started it.) AppTest reruns the whole script on every
``run()``, never one fragment alone; fragment reruns show in the server drivers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.driver import peak_rss_bytes, range_moves, slider_value
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Slider

WARM_UP = "import streamlit as st\nst.slider('warm-up', 0, 10)\n"


def _errors(app: AppTest) -> list[str]:
    return [f"exception: {e.message}" for e in app.exception] + [
        f"st.error: {e.value}" for e in app.error
    ]


def _first_slider(app: AppTest) -> Slider[Any]:
    if not app.slider:
        raise LookupError("the page has no slider to move")
    return app.slider[0]


def _engine_queries() -> int | None:
    """The probe's count, when the script runs the project through ``bench_entry.py``."""
    probe = sys.modules.get("bench.probe")
    return probe.engine_queries() if probe is not None else None


def measure(script: Path, *, moves: int, seed: int, timeout: float) -> dict[str, Any]:
    # AppTest's own first run loads much of Streamlit (~0.7 s): pay it on an empty
    # script, so the app's first run counts only what the app does.
    AppTest.from_string(WARM_UP, default_timeout=timeout).run()
    app = AppTest.from_file(str(script.resolve()), default_timeout=timeout)
    started = time.perf_counter()
    app.run()
    first_run_ms = (time.perf_counter() - started) * 1000
    errors = _errors(app)
    interactions: list[float] = []
    queries_before = _engine_queries()
    if not errors:
        proto = _first_slider(app).proto
        for low, high in range_moves(proto.min, proto.max, proto.step or 1, moves, seed):
            values = (slider_value(proto.data_type, low), slider_value(proto.data_type, high))
            _first_slider(app).set_value(values)
            started = time.perf_counter()
            app.run()
            interactions.append((time.perf_counter() - started) * 1000)
            errors += _errors(app)
            if errors:
                break
    queries_after = _engine_queries()
    return {
        "first_run_ms": first_run_ms,
        "interactions_ms": interactions,
        "fragment_only": False,
        "engine_queries": None
        if queries_before is None or queries_after is None
        else queries_after - queries_before,
        "peak_rss_mb": (peak_rss_bytes(os.getpid()) or 0) / 2**20,
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time one app under AppTest (full reruns).")
    parser.add_argument("script", type=Path)
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--out", type=Path, required=True, help="where the JSON goes")
    args = parser.parse_args(argv)
    result = measure(args.script, moves=args.moves, seed=args.seed, timeout=args.timeout)
    args.out.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
