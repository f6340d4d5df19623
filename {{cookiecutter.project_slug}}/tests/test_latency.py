"""The latency check: every page and every widget, timed on a real server.

Here it must time every widget without an error; the budget itself
(``LATENCY_BUDGET_MS``) is not asserted in the test suite, whose machines are
shared and noisy: run ``python -m benchmarks.latency`` as its own CI step to
enforce it. Its verdict (which widgets are over budget) and its refusal of an
unchecked Streamlit version are checked without a server.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from app_pages import fresh_app, interactive_widgets, new_values, open_page
from commands import is_measure, run_module

from {{ cookiecutter.package_name }}.pages import PAGES

from benchmarks.driver import check_streamlit_version
from benchmarks.latency import Change, Timing, verdict


def test_every_widget_of_every_page_is_timed(tmp_path: Path) -> None:
    out = tmp_path / "latency.json"
    budget = "--budget-ms=60000"  # timings are reported, not judged, on a shared machine
    done = run_module("benchmarks.latency", "--repeats=2", budget, f"--json={out}", timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    timed = {(item["page"], item["widget"]) for item in result["interactions"]}
    for page in PAGES:
        assert (page.title, "(page opened)") in timed
        for widget in interactive_widgets(open_page(fresh_app(), page)):
            if new_values(widget):
                assert (page.title, f"{widget.type} {getattr(widget, 'label', '')!r}") in timed
    for item in result["interactions"]:
        assert item["errors"] == [], item
        assert all(is_measure(ms) for ms in item["ms"]), item


def timing(widget: str, ms: list[float], errors: list[str] | None = None) -> Timing:
    widget_id = "" if widget == "(page opened)" else f"id-{widget}"
    return Timing(Change(PAGES[0], "", widget_id, widget, ()), ms, {"fragment"}, errors or [])


@pytest.mark.parametrize(
    ("timings", "problems"),
    [
        ([timing("slider 'A'", [10.0, 30.0, 20.0])], []),
        ([timing("slider 'A'", [10.0, 300.0, 400.0])], ["slider 'A': median 300.0 ms > 250 ms"]),
        ([timing("(page opened)", [900.0])], []),  # a first run fills caches: no budget
        ([timing("radio 'B'", [], ["st.error: boom"])], ["radio 'B': st.error: boom"]),
        ([timing("(page opened)", [50.0], ["exception: x"])], ["(page opened): exception: x"]),
    ],
)
def test_verdict_names_each_slow_or_failing_widget(
    timings: list[Timing], problems: list[str]
) -> None:
    found = verdict(timings, budget_ms=250)
    assert len(found) == len(problems)
    for line, expected in zip(found, problems, strict=True):
        assert line.startswith(f"{PAGES[0].title}: {expected}"), line


@pytest.mark.parametrize(
    ("version", "refused"),
    [("1.67.0", False), ("1.67.2", False), ("1.66.1", True), ("1.68.0", True), ("2.0.0", True)],
)
def test_driver_runs_only_on_the_streamlit_versions_it_was_checked_on(
    version: str, refused: bool
) -> None:
    if not refused:
        check_streamlit_version(version)
        return
    with pytest.raises(SystemExit) as stopped:
        check_streamlit_version(version)
    message = str(stopped.value)
    assert "\n" not in message
    assert version in message
    assert "TESTED_STREAMLIT" in message
