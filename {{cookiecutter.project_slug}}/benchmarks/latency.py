"""The latency check: every widget on every page, each change timed on a real server.

    python -m benchmarks.latency                       # budget: LATENCY_BUDGET_MS setting
    python -m benchmarks.latency --budget-ms 150 --launcher streamlit --json latency.json

Pages come from ``PAGES`` and widgets are discovered on each page with AppTest
(``tests/app_pages.py``, the same discovery the AppTest and browser suites use),
so a new page or a renamed widget needs no change here. For each widget the
check starts a fresh session on a real server (``python asgi.py`` by default,
as the Dockerfile serves the app; ``--launcher streamlit`` for ``streamlit
run``), then changes the widget ``--repeats`` times, alternating a new value and
its first one, as a user would, each timed from the websocket message to the end
of the run it caused (``benchmarks.driver``).

A widget whose median change takes longer than the budget fails the check, and
so does any error on the page: the exit status is 1 and the report names them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streamlit.proto.WidgetStates_pb2 import WidgetState

from {{ cookiecutter.package_name }}.pages import PAGES, PageSpec
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX, get_settings

from .driver import LAUNCHERS, Session, StreamlitServer, check_streamlit_version
from .stats import describe_machine, machine, markdown_table, rounded

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Change:
    """One widget of one page, and the widget states a user's changes would send."""

    page: PageSpec
    url_path: str  # "" for the default page
    widget_id: str  # "" for opening the page itself
    widget: str  # type and label, for the report
    states: tuple[WidgetState, ...]  # sent in turn: a new value, then the first one

    @property
    def budgeted(self) -> bool:
        """Widget changes are held to the budget; a page's first run (caches filling) is not."""
        return bool(self.widget_id)


@dataclass
class Timing:
    change: Change
    ms: list[float] = field(default_factory=list)
    reruns: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.ms) if self.ms else None


def discover() -> list[Change]:
    """Every interactive widget of every page, with a new value for it (AppTest, in process)."""
    sys.path.insert(0, str(PROJECT_ROOT / "tests"))
    from app_pages import BUTTONS, fresh_app, interactive_widgets, new_values, open_page

    changes = []
    for number, page in enumerate(PAGES):
        url_path = "" if number == 0 else page.url_path
        changes.append(Change(page, url_path, "", "(page opened)", ()))
        for widget in interactive_widgets(open_page(fresh_app(), page)):
            values = new_values(widget)
            if not values:
                continue  # nothing else to choose, e.g. a selectbox with one option
            first = WidgetState()
            first.CopyFrom(widget._widget_state)
            widget.set_value(values[0])
            states = (widget._widget_state,) + (() if widget.type in BUTTONS else (first,))
            label = f"{widget.type} {getattr(widget, 'label', '')!r}"
            changes.append(Change(page, url_path, widget.id, label, states))
    return changes


async def time_change(url: str, change: Change, repeats: int, timeout: float) -> Timing:
    """A fresh tab on ``change``'s page; the widget changed ``repeats`` times."""
    timing = Timing(change)
    async with Session(url, timeout=timeout) as session:
        opened = await session.open(change.url_path)
        timing.errors += opened.errors
        if not change.budgeted:
            timing.ms.append(opened.elapsed_ms)
            timing.reruns.add("page")
            return timing
        served = next((w for w in session.widgets.values() if w.id == change.widget_id), None)
        if served is None and not timing.errors:
            timing.errors.append("the served page does not draw this widget")
        for turn in range(repeats if served and not timing.errors else 0):
            result = await session.set_widget(served, change.states[turn % len(change.states)])
            timing.errors += result.errors
            if result.errors:
                break
            timing.ms.append(result.elapsed_ms)
            timing.reruns.add("fragment" if result.fragment_only else "page")
        timing.errors += session.background_errors
    return timing


async def time_all(url: str, changes: list[Change], repeats: int, timeout: float) -> list[Timing]:
    return [await time_change(url, change, repeats, timeout) for change in changes]


def verdict(timings: list[Timing], budget_ms: float) -> list[str]:
    """One line per widget that failed: over the budget, or an error on its page."""
    problems = []
    for timing in timings:
        where = f"{timing.change.page.title}: {timing.change.widget}"
        if timing.errors:
            problems.append(f"{where}: {timing.errors[0]}")
        elif timing.change.budgeted and (timing.median_ms or 0) > budget_ms:
            problems.append(f"{where}: median {timing.median_ms:.1f} ms > {budget_ms:g} ms budget")
    return problems


def report(timings: list[Timing], budget_ms: float) -> dict[str, Any]:
    return {
        "budget_ms": budget_ms,
        "interactions": [
            {
                "page": timing.change.page.title,
                "widget": timing.change.widget,
                "rerun": "/".join(sorted(timing.reruns)),
                "median_ms": rounded(timing.median_ms),
                "max_ms": rounded(max(timing.ms, default=None)),
                "ms": [round(ms, 2) for ms in timing.ms],
                "errors": timing.errors,
            }
            for timing in timings
        ],
        "problems": verdict(timings, budget_ms),
    }


def render(result: dict[str, Any], launcher: str) -> str:
    rows = [
        [item["page"], item["widget"], item["rerun"], item["median_ms"], item["max_ms"]]
        for item in result["interactions"]
    ]
    lines = [
        "# Latency check",
        "",
        f"Machine: {describe_machine(result['machine'])}.",
        f"Server: {launcher}; budget {result['budget_ms']:g} ms per change (median).",
        "",
        markdown_table(["page", "widget", "rerun", "median ms", "max ms"], rows),
        "",
    ]
    problems = result["problems"]
    lines += [f"FAILED: {problem}" for problem in problems] or ["All widgets within budget."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.latency",
        description="Time a change of every widget on every page on a real server.",
    )
    parser.add_argument(
        "--budget-ms",
        type=float,
        help=f"largest median per change (default: the {ENV_PREFIX}LATENCY_BUDGET_MS setting)",
    )
    parser.add_argument("--repeats", type=int, default=5, help="changes per widget (default 5)")
    parser.add_argument("--launcher", choices=LAUNCHERS, default="asgi")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one change may take")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    check_streamlit_version()
    if args.repeats < 1:
        raise SystemExit("--repeats must be at least 1")
    budget = args.budget_ms if args.budget_ms is not None else get_settings().latency_budget_ms
    if not budget > 0:
        raise SystemExit("--budget-ms must be a positive number of milliseconds")
    changes = discover()
    script = PROJECT_ROOT / "streamlit_app.py"
    with StreamlitServer(script, cwd=PROJECT_ROOT, launcher=args.launcher) as server:
        timings = asyncio.run(time_all(server.url, changes, args.repeats, args.timeout))
    result = {"machine": machine(), "launcher": args.launcher, **report(timings, budget)}
    print(render(result, args.launcher), end="")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
