"""The load test: K browser-like sessions on one real server, for a fixed time.

    python -m benchmarks.load --sessions 50 --duration 60 --json load.json

Without ``--url`` it starts ``streamlit run streamlit_app.py`` on a free
loopback port (the project's own config and data; ``--set NAME=VALUE`` sets a
setting for it, e.g. ``--set DATA_PATH=big.parquet``) and stops it at the end;
with ``--url`` it loads a server that is already running.

Each session is one ``benchmarks.driver.Session``, the same driver the
benchmark uses: it opens the app, then until the time is up it waits a user's
think time and moves a slider (the page's first, or ``--widget``) to a new range, timing each move
from the websocket message to the ``script_finished`` of the run it caused. It
also answers the live panel's auto reruns as an open tab would. Sessions start
over ``--ramp`` seconds; when the time is up the generator waits for the moves
in flight, closes every session and exits by itself.

Reported: sessions, interactions completed, errors, interaction latency
(p50/p95/p99/max), first-run latency, the server's peak RSS and its RSS per
extra session: (RSS with every session still open at the end - RSS with one
session open) / (sessions - 1).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

from {{ cookiecutter.package_name }}.settings import ENV_PREFIX

from .driver import (
    RssSampler,
    Session,
    StreamlitServer,
    find_server_pid,
    range_moves,
    slider_bounds,
    wait_until_healthy,
)
from .stats import describe_machine, machine, markdown_table, percentile, rounded

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MAX_SESSIONS = 1000
MAX_DURATION = 3600.0

# The target for the default rendering on a 2-core machine.
TARGET = {"sessions": 50, "p95_ms": 1000.0, "mb_per_session": 5.0}


@dataclass
class SessionLog:
    """What one simulated user saw."""

    first_run_ms: float | None = None
    interactions_ms: list[float] = field(default_factory=list)
    fragment_only: int = 0
    errors: list[str] = field(default_factory=list)


async def user(
    index: int,
    url: str,
    *,
    label: str | None,
    deadline: float,
    think: tuple[float, float],
    timeout: float,
    quickack: bool,
    opened: asyncio.Event | None = None,
) -> SessionLog:
    """One user: open the app, then move the slider after each think time until the deadline."""
    log = SessionLog()
    rng = random.Random(index)
    try:
        async with Session(url, timeout=timeout, quickack=quickack) as session:
            first = await session.open()
            log.first_run_ms = first.elapsed_ms
            log.errors += first.errors
            if opened is not None:
                opened.set()
            if first.errors:
                return log
            slider = session.widget(label) if label else session.first_slider()
            low, high, step = slider_bounds(slider)
            moves = iter(range_moves(low, high, step, 10_000, seed=index))
            while True:
                pause = rng.uniform(*think)
                if time.monotonic() + pause >= deadline:
                    break
                await asyncio.sleep(pause)
                result = await session.set_slider(slider.label, next(moves))
                log.errors += result.errors
                if result.errors:
                    break
                log.interactions_ms.append(result.elapsed_ms)
                log.fragment_only += result.fragment_only
            log.errors += session.background_errors
    except Exception as error:  # a session that cannot even connect is an error, not a crash
        log.errors.append(f"{type(error).__name__}: {error}")
    finally:
        if opened is not None:
            opened.set()
    return log


async def run_load(
    url: str,
    sampler: RssSampler | None,
    *,
    sessions: int,
    duration: float,
    ramp: float,
    think: tuple[float, float],
    label: str | None,
    timeout: float,
    quickack: bool,
) -> dict[str, Any]:
    """Open ``sessions`` users over ``ramp`` seconds and let them work for ``duration``."""
    server_cpu = psutil.Process(sampler.pid) if sampler else None
    cpu_before = server_cpu.cpu_times() if server_cpu else None
    client = psutil.Process()
    client_cpu_before = client.cpu_times()
    rss: dict[str, float | None] = {"before_sessions_mb": _rss(sampler)}
    started = time.monotonic()
    deadline = started + duration
    options: dict[str, Any] = {
        "label": label,
        "think": think,
        "timeout": timeout,
        "quickack": quickack,
    }

    # The first user alone, so the RSS with exactly one session is known.
    opened = asyncio.Event()
    tasks = [asyncio.create_task(user(0, url, deadline=deadline, opened=opened, **options))]
    await opened.wait()
    # Let the first user work a moment so its transient start-up memory settles.
    await asyncio.sleep(min(2.0, duration / 10))
    rss["one_session_mb"] = _rss(sampler)
    for index in range(1, sessions):
        await asyncio.sleep(ramp / max(sessions - 1, 1))
        tasks.append(asyncio.create_task(user(index, url, deadline=deadline, **options)))

    async def rss_near_the_end() -> None:
        await asyncio.sleep(max(deadline - time.monotonic() - 1.0, 0))
        rss["all_sessions_mb"] = _rss(sampler)

    probe = asyncio.create_task(rss_near_the_end())
    hard_stop = duration + timeout + 30
    remaining = max(hard_stop - (time.monotonic() - started), 1)
    done, pending = await asyncio.wait(tasks, timeout=remaining)
    for task in pending:
        task.cancel()
    probe.cancel()
    logs = [task.result() for task in done if not task.cancelled() and task.exception() is None]
    elapsed = time.monotonic() - started
    missing = sessions - len(logs)

    interactions = [ms for log in logs for ms in log.interactions_ms]
    firsts = [log.first_run_ms for log in logs if log.first_run_ms is not None]
    errors = [error for log in logs for error in log.errors]
    errors += [f"session did not finish within {hard_stop:g} s"] * missing
    one, everyone = rss.get("one_session_mb"), rss.get("all_sessions_mb")
    per_session = (everyone - one) / (sessions - 1) if one and everyone and sessions > 1 else None
    client_cpu = client.cpu_times()
    result: dict[str, Any] = {
        "url": url,
        "sessions": sessions,
        "duration_s": round(elapsed, 1),
        "ramp_s": ramp,
        "think_s": list(think),
        "widget": f'the "{label}" slider' if label else "the page's first slider",
        "tcp_quickack": quickack,
        "interactions": len(interactions),
        "interactions_per_s": round(len(interactions) / elapsed, 2) if elapsed else None,
        "fragment_only": sum(log.fragment_only for log in logs),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:10],
        "latency_ms": {
            "p50": rounded(percentile(interactions, 50)),
            "p95": rounded(percentile(interactions, 95)),
            "p99": rounded(percentile(interactions, 99)),
            "max": rounded(max(interactions, default=None)),
        },
        "first_run_ms": {
            "p50": rounded(percentile(firsts, 50)),
            "p95": rounded(percentile(firsts, 95)),
            "max": rounded(max(firsts, default=None)),
        },
        "server_rss_mb": {key: rounded(value) for key, value in rss.items()},
        "server_peak_rss_mb": rounded(sampler.peak_mb) if sampler else None,
        "rss_per_extra_session_mb": rounded(per_session, 2),
        "client_cpu_s": round(
            client_cpu.user + client_cpu.system - client_cpu_before.user - client_cpu_before.system,
            1,
        ),
    }
    if server_cpu is not None and cpu_before is not None:
        with contextlib.suppress(psutil.Error):
            after = server_cpu.cpu_times()
            result["server_cpu_s"] = round(
                after.user + after.system - cpu_before.user - cpu_before.system, 1
            )
    return result


def _rss(sampler: RssSampler | None) -> float | None:
    return sampler.sample() / 2**20 if sampler else None


def targets(result: dict[str, Any]) -> list[list[object]]:
    per_session = result["rss_per_extra_session_mb"]
    p95 = result["latency_ms"]["p95"]
    return [
        [
            "sessions",
            result["sessions"],
            f">= {TARGET['sessions']}",
            result["sessions"] >= TARGET["sessions"],
        ],
        ["errors", result["errors"], "0", result["errors"] == 0],
        [
            "interaction p95 (ms)",
            p95,
            f"< {TARGET['p95_ms']:g}",
            p95 is not None and p95 < TARGET["p95_ms"],
        ],
        [
            "RSS per extra session (MB)",
            per_session,
            f"< {TARGET['mb_per_session']:g}",
            per_session is not None and per_session < TARGET["mb_per_session"],
        ],
    ]


def render(report: dict[str, Any]) -> str:
    result = report["result"]
    latency, first, rss = result["latency_ms"], result["first_run_ms"], result["server_rss_mb"]
    rows = [
        ["sessions", result["sessions"]],
        ["duration (s)", result["duration_s"]],
        ["think time (s)", "{:g}-{:g}".format(*result["think_s"])],
        ["interactions completed", result["interactions"]],
        ["interactions per second", result["interactions_per_s"]],
        ["fragment-only reruns", result["fragment_only"]],
        ["errors", result["errors"]],
        ["interaction p50 (ms)", latency["p50"]],
        ["interaction p95 (ms)", latency["p95"]],
        ["interaction p99 (ms)", latency["p99"]],
        ["interaction max (ms)", latency["max"]],
        ["first run p50 / p95 (ms)", f"{first['p50']} / {first['p95']}"],
        ["server RSS before sessions (MB)", rss.get("before_sessions_mb")],
        ["server RSS, 1 session (MB)", rss.get("one_session_mb")],
        ["server RSS, all sessions (MB)", rss.get("all_sessions_mb")],
        ["server peak RSS (MB)", result["server_peak_rss_mb"]],
        ["RSS per extra session (MB)", result["rss_per_extra_session_mb"]],
        ["server CPU (s)", result.get("server_cpu_s")],
        ["load generator CPU (s)", result["client_cpu_s"]],
    ]
    checks = [
        [name, value, goal, "yes" if met else "NO"] for name, value, goal, met in targets(result)
    ]
    lines = [
        "# Load test",
        "",
        f"Machine: {describe_machine(report['machine'])}.",
        f"Server: {result['url']}; each session moves {result['widget']} after "
        "each think time, over the websocket like a browser"
        + (" (TCP quick ACKs on)." if result["tcp_quickack"] else "."),
        "",
        markdown_table(["measure", "value"], rows),
        "",
        markdown_table(["target", "measured", "goal", "met"], checks),
    ]
    if result["error_samples"]:
        lines += ["", "Errors (first distinct ones):", ""]
        lines += [f"- {error[:200]}" for error in result["error_samples"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load",
        description="K concurrent browser-like sessions against a real Streamlit server.",
    )
    parser.add_argument("--sessions", type=int, default=50, help="concurrent sessions (default 50)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument(
        "--ramp",
        type=float,
        default=None,
        help="seconds over which sessions start (default: a tenth of --duration)",
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(0.5, 2.0),
        metavar=("MIN", "MAX"),
        help="seconds a user waits between moves, drawn uniformly (default 0.5 2)",
    )
    parser.add_argument("--url", help="load this running server instead of starting one")
    parser.add_argument(
        "--script",
        type=Path,
        default=PROJECT_ROOT / "streamlit_app.py",
        help="the app to start when no --url is given",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"a setting for the started server ({ENV_PREFIX}NAME=VALUE); repeatable",
    )
    parser.add_argument(
        "--widget", help="label of the slider users move (default: the page's first slider)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds one interaction may take before it counts as an error",
    )
    parser.add_argument(
        "--tcp-quickack",
        action="store_true",
        help="ACK each server message at once (see benchmarks.driver.Session)",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        raise SystemExit(f"--sessions must be between 1 and {MAX_SESSIONS}")
    if not 0 < args.duration <= MAX_DURATION:
        raise SystemExit(f"--duration must be between 0 and {MAX_DURATION:g} seconds")
    if not 0 <= args.think[0] <= args.think[1]:
        raise SystemExit("--think MIN MAX needs 0 <= MIN <= MAX")
    ramp = args.duration / 10 if args.ramp is None else args.ramp
    settings = {
        "sessions": args.sessions,
        "duration": args.duration,
        "ramp": min(ramp, args.duration),
        "think": tuple(args.think),
        "label": args.widget,
        "timeout": args.timeout,
        "quickack": args.tcp_quickack,
    }

    report: dict[str, Any] = {"machine": machine()}
    if args.url:
        wait_until_healthy(args.url)
        pid = find_server_pid(urlsplit(args.url).port or 80)
        sampler = RssSampler(pid).start() if pid else None
        try:
            report["result"] = asyncio.run(run_load(args.url, sampler, **settings))
        finally:
            if sampler:
                sampler.stop()
    else:
        env = {}
        for setting in args.set:
            name, _, value = setting.partition("=")
            if not name or not _:
                raise SystemExit(f"--set needs NAME=VALUE, got {setting!r}")
            env[ENV_PREFIX + name.upper()] = value
        with StreamlitServer(args.script, cwd=PROJECT_ROOT, env=env) as server:
            report["result"] = asyncio.run(run_load(server.url, server.sampler, **settings))
            report["result"]["server_peak_rss_mb"] = rounded(server.peak_rss_mb())
    print(render(report), end="")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 1 if report["result"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
