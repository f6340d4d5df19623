"""The load test and the real-server driver it shares with the benchmark.

The load test runs as a developer runs it (``python -m benchmarks.load``) against
a real ``streamlit run`` server on the test engine, with a few sessions for a few
seconds; it checks what is reported, never how fast. The driver's bookkeeping of
runs is checked message by message, the way Streamlit sends them.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from commands import is_measure, run_module
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.driver import Session, _Pending, range_moves, slider_value
from benchmarks.stats import markdown_table, percentile


def test_load_test_runs_sessions_and_stops_by_itself(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    done = run_module(
        "benchmarks.load",
        "--sessions=3",
        "--duration=12",  # long enough for first page loads on a busy machine
        "--ramp=1",
        "--think",
        "0.1",
        "0.3",
        f"--json={out}",
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))["result"]
    assert result["sessions"] == 3
    assert result["errors"] == 0, result["error_samples"]
    assert result["interactions"] > 0
    assert result["fragment_only"] == result["interactions"]
    assert all(is_measure(result["latency_ms"][q]) for q in ("p50", "p95", "p99", "max"))
    assert is_measure(result["server_peak_rss_mb"])
    assert isinstance(result["rss_per_extra_session_mb"], float)
    assert "| interactions completed |" in done.stdout
    assert "| RSS per extra session (MB) |" in done.stdout


def test_slider_moves_are_distinct_and_on_the_grid() -> None:
    moves = range_moves(0.0, 100.0, 2.0, 40, seed=3)
    assert len(set(moves)) == 40
    assert (0.0, 100.0) not in moves
    for start, end in moves:
        assert 0 <= start < end <= 100
        assert start % 2 == end % 2 == 0
    assert moves == range_moves(0.0, 100.0, 2.0, 40, seed=3)  # deterministic
    with pytest.raises(ValueError, match="too few positions"):
        range_moves(0.0, 4.0, 1.0, 50)


def test_date_slider_values_convert_back_to_dates() -> None:
    from streamlit.proto.Slider_pb2 import Slider

    assert str(slider_value(Slider.DATE, 1672531200000000.0)) == "2023-01-01"
    assert slider_value(Slider.INT, 7.0) == 7


def test_percentiles_and_tables() -> None:
    assert percentile([], 95) is None
    assert percentile([5.0], 50) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile(list(map(float, range(101))), 95) == 95.0
    table = markdown_table(["name", "ms"], [["a", 1.26], ["b", None]])
    assert table.splitlines() == ["| name | ms |", "|---|---:|", "| a | 1.3 |", "| b | - |"]


def run_event(kind: str, run_id: str, fragments: list[str], status: int = 0) -> ForwardMsg:
    """A new_session or script_finished message as the server sends it."""
    message = ForwardMsg()
    if kind == "new_session":
        message.new_session.page_script_hash = "page"
    else:
        message.script_finished = status  # type: ignore[assignment]
    message.metadata.run.script_run_id = run_id
    message.metadata.run.fragment_ids.extend(fragments)
    return message


def waiting_session() -> tuple[Session, asyncio.Future]:
    """A session waiting for its move of the "trend" fragment to be answered."""
    session = Session("http://127.0.0.1:9")
    future = asyncio.get_running_loop().create_future()
    session._pending.append(_Pending("widget", "trend", time.perf_counter(), future))
    return session, future


EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN
FRAGMENT_DONE = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


def test_a_relabelled_fragment_run_still_answers_the_move() -> None:
    # Streamlit relabels a queued script_finished as "early" when another
    # fragment's run (here the live panel's auto rerun) starts before the flush.
    async def scenario() -> None:
        session, answer = waiting_session()
        session._handle(run_event("new_session", "r1", ["trend"]))
        session._handle(run_event("script_finished", "r1", ["trend"], EARLY))
        assert not answer.done()
        session._handle(run_event("new_session", "r2", ["live"]))
        assert answer.done()
        assert answer.result().fragment_ids == ("trend",)
        assert answer.result().ok

    asyncio.run(scenario())


def test_a_run_whose_finish_the_server_dropped_still_answers_the_move() -> None:
    # Streamlit 1.67 ignores the last events of a ScriptRunner it replaced: when
    # the live panel's auto rerun lands as the trend run ends, the trend run's
    # script_finished never comes. Its output did; the next run's start settles it.
    async def scenario() -> None:
        session, answer = waiting_session()
        session._handle(run_event("new_session", "r1", ["trend"]))
        session._handle(run_event("new_session", "r2", ["live"]))
        assert answer.done()
        assert answer.result().fragment_ids == ("trend",)

    asyncio.run(scenario())


def test_a_run_replaced_by_a_rerun_of_the_same_fragment_waits_for_it() -> None:
    async def scenario() -> None:
        session, answer = waiting_session()
        session._handle(run_event("new_session", "r1", ["trend"]))
        session._handle(run_event("script_finished", "r1", ["trend"], EARLY))
        session._handle(run_event("new_session", "r2", ["live", "trend"]))
        assert not answer.done()
        session._handle(run_event("script_finished", "r2", ["live", "trend"], FRAGMENT_DONE))
        assert answer.done()
        assert answer.result().fragment_ids == ("live", "trend")

    asyncio.run(scenario())


def test_an_exception_in_the_run_is_an_error_of_the_move() -> None:
    async def scenario() -> None:
        session, answer = waiting_session()
        session._handle(run_event("new_session", "r1", ["trend"]))
        failure = ForwardMsg()
        failure.delta.fragment_id = "trend"
        failure.delta.new_element.exception.type = "ValueError"
        failure.delta.new_element.exception.message = "boom"
        session._handle(failure)
        session._handle(run_event("script_finished", "r1", ["trend"], FRAGMENT_DONE))
        assert answer.result().errors == ("ValueError: boom",)

    asyncio.run(scenario())
