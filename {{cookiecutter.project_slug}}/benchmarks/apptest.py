"""The AppTest driver: one app, in this process only, full reruns.

``python -m benchmarks`` starts this module once per app, so the peak RSS it
reports (``ru_maxrss``) belongs to that app alone. It writes one JSON object:

    python -m benchmarks.apptest streamlit_app.py --moves 20 --out result.json

AppTest reruns the whole script on every ``run()``; it never reruns a fragment
alone, so fragment benefits show only in the real-server driver.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Slider

from .driver import range_moves, slider_value


def _errors(app: AppTest) -> list[str]:
    found = [f"exception: {e.message}" for e in app.exception]
    found += [f"st.error: {e.value}" for e in app.error]
    return found


def _slider(app: AppTest, label: str | None) -> Slider[Any]:
    """The slider with this label, or the page's first slider."""
    for slider in app.slider:
        if label is None or slider.label == label:
            return slider
    raise LookupError(f"no slider labelled {label!r}" if label else "the page has no slider")


WARM_UP = "import streamlit as st\nst.slider('warm-up', 0, 10)\n"


def measure(
    script: Path, *, moves: int, seed: int, timeout: float, label: str | None = None
) -> dict[str, Any]:
    # AppTest's own first run loads much of Streamlit (~0.7 s); pay that on an
    # empty script first, so the app's first run counts only what the app does.
    AppTest.from_string(WARM_UP, default_timeout=timeout).run()
    app = AppTest.from_file(str(script.resolve()), default_timeout=timeout)
    started = time.perf_counter()
    app.run()
    first_run_ms = (time.perf_counter() - started) * 1000
    errors = _errors(app)
    interactions: list[float] = []
    if not errors:
        slider = _slider(app, label)
        label = slider.label
        proto = slider.proto
        for low, high in range_moves(proto.min, proto.max, proto.step or 1, moves, seed):
            values = (slider_value(proto.data_type, low), slider_value(proto.data_type, high))
            _slider(app, label).set_value(values)
            started = time.perf_counter()
            app.run()
            interactions.append((time.perf_counter() - started) * 1000)
            errors += _errors(app)
            if errors:
                break
    return {
        "first_run_ms": first_run_ms,
        "interactions_ms": interactions,
        "fragment_only": False,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time one app under AppTest (full reruns).")
    parser.add_argument("script", type=Path)
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--out", type=Path, help="write the JSON here (default: stdout)")
    args = parser.parse_args(argv)
    result = measure(args.script, moves=args.moves, seed=args.seed, timeout=args.timeout)
    if args.out:
        args.out.write_text(json.dumps(result), encoding="utf-8")
    else:
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
