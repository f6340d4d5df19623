"""The template's benchmark: the generated app on every engine, and three apps to compare.

    python -m bench --rows 2000000 20000000 --json bench.json      # from the template root

For every ``--rows`` value it renders one project per data source (``--engines``),
starts that engine locally and loads the same sample rows with the project's own
loader (``bench.engines``), then measures the generated app, each run in a fresh
process so that peak RSS is the app's own:

* ``apptest``: AppTest, every move a full rerun (``bench.apptest``);
* ``server``: ``streamlit run``, driven over its websocket like a browser
  (the generated project's ``benchmarks/driver.py``): a widget in a fragment
  reruns only that fragment;
* ``asgi``: the same app through the project's ``asgi.py`` (``st.App`` on
  uvicorn, whose connections get TCP_NODELAY: no ~40 ms delayed-ACK stall).

Each move sets the page's first slider to a new range (the same ranges
everywhere), so no move is answered by a cache an earlier move filled. Beside the
times, every run reports the queries the app's process sent to its engine during
the moves (``bench.probe``), scaled to 100 moves.

On the duckdb rendering's data (``--apps``) three reference apps run too:
``floor`` (one slider, nothing else), ``naive`` (``pd.read_csv`` on every rerun,
``st.line_chart``) and ``cached`` (the same with an ``st.cache_data`` loader).

The Markdown report goes to stdout, progress to stderr, every number to ``--json``:
``results[rows]["engines"|"apps"][name][driver]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from benchmarks.driver import RssSampler, Session, StreamlitServer, range_moves, slider_bounds
from benchmarks.stats import describe_machine, machine, markdown_table, percentile, rounded

from .engines import ENGINES, TEMPLATE_ROOT, Engine, log
from .probe import COUNT_FILE

APPS_DIR = Path(__file__).resolve().parent / "apps"
APPS = {
    "floor": "an empty app with one slider",
    "naive": "pd.read_csv every rerun + st.line_chart",
    "cached": "st.cache_data loader + st.line_chart",
}
DRIVERS = ("apptest", "server", "asgi")
LAUNCHERS = {"server": "streamlit", "asgi": "asgi"}
SETTLE_SECONDS = 0.3  # the probe rewrites its count file every 50 ms


@dataclass(frozen=True)
class Options:
    """How each app is measured."""

    moves: int = 20
    seed: int = 0
    timeout: float = 600.0
    memory_limit_mb: float | None = None


@dataclass(frozen=True)
class Target:
    """One app to measure: its script, where it runs and what it needs."""

    script: Path
    project: Path
    env: dict[str, str]


# ----------------------------------------------------------------------------
# The drivers, each app in a fresh process
# ----------------------------------------------------------------------------


def run_apptest(target: Target, options: Options) -> dict[str, Any]:
    """``python -m bench.apptest`` in a fresh process; it reports its own peak RSS."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "result.json"
        command = [
            sys.executable,
            "-m",
            "bench.apptest",
            str(target.script),
            f"--moves={options.moves}",
            f"--seed={options.seed}",
            f"--timeout={options.timeout}",
            f"--out={out}",
        ]
        process = subprocess.Popen(
            command,
            cwd=target.project,
            env={**os.environ, **target.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        guard = RssSampler(process.pid, interval=0.1, limit_mb=options.memory_limit_mb).start()
        try:
            _, stderr = process.communicate(timeout=options.timeout * (options.moves + 2))
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
        finally:
            guard.stop()
        if guard.exceeded:
            limit = options.memory_limit_mb or 0
            return failed(f"stopped: RSS went over {limit:,.0f} MB", guard.peak_mb)
        if process.returncode != 0 or not out.exists():
            tail = stderr.decode(errors="replace").strip().splitlines()[-5:]
            return failed(f"exit code {process.returncode}: " + " | ".join(tail), guard.peak_mb)
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))  # measure()'s
        return result


def _count(path: Path) -> int | None:
    time.sleep(SETTLE_SECONDS)
    try:
        return int(path.read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None


async def _drive(url: str, options: Options, counter: Path) -> dict[str, Any]:
    async with Session(url, timeout=options.timeout) as session:
        first = await session.open()
        errors = list(first.errors)
        interactions: list[float] = []
        fragment_only: list[bool] = []
        before = await asyncio.to_thread(_count, counter)
        if not errors:
            slider = session.first_slider()
            low, high, step = slider_bounds(slider)
            for start, end in range_moves(low, high, step, options.moves, options.seed):
                result = await session.set_slider(slider.label, (start, end))
                errors += result.errors
                if result.errors:
                    break
                interactions.append(result.elapsed_ms)
                fragment_only.append(result.fragment_only)
        after = await asyncio.to_thread(_count, counter)
        errors += session.background_errors
    return {
        "first_run_ms": first.elapsed_ms,
        "interactions_ms": interactions,
        "fragment_only": bool(fragment_only) and all(fragment_only),
        "engine_queries": None if before is None or after is None else after - before,
        "errors": errors,
    }


def run_server(target: Target, options: Options, launcher: str) -> dict[str, Any]:
    """The app on a real server (``streamlit run`` or ``asgi.py``), driven like a browser."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        counter = Path(tmp) / "engine-queries"
        started = time.perf_counter()
        with StreamlitServer(
            target.script,
            cwd=target.project,
            env={**target.env, COUNT_FILE: str(counter)},
            memory_limit_mb=options.memory_limit_mb,
            launcher=launcher,
        ) as server:
            startup_ms = (time.perf_counter() - started) * 1000
            result = asyncio.run(_drive(server.url, options, counter))
            result["peak_rss_mb"] = server.peak_rss_mb()
            result["server_start_ms"] = startup_ms
            exceeded = server.sampler is not None and server.sampler.exceeded
    if exceeded:
        return failed(f"stopped: RSS went over {options.memory_limit_mb:,.0f} MB")
    return result


def measure(target: Target, driver: str, options: Options) -> dict[str, Any]:
    if driver == "apptest":
        return run_apptest(target, options)
    return run_server(target, options, LAUNCHERS[driver])


def failed(error: str, peak_rss_mb: float | None = None) -> dict[str, Any]:
    return {
        "first_run_ms": None,
        "interactions_ms": [],
        "fragment_only": False,
        "engine_queries": None,
        "peak_rss_mb": peak_rss_mb,
        "errors": [error],
    }


def summarize(raw: dict[str, Any], driver: str) -> dict[str, Any]:
    """The reported numbers for one app and driver (the raw timings are kept too)."""
    timings = raw["interactions_ms"]
    queries = raw.get("engine_queries")
    if driver == "apptest":
        rerun = "full (AppTest)"
    else:
        rerun = "fragment" if raw.get("fragment_only") else "full"
    summary = {
        "rerun": rerun,
        "first_run_ms": rounded(raw["first_run_ms"]),
        "interaction_ms_median": rounded(percentile(timings, 50)),
        "interaction_ms_p95": rounded(percentile(timings, 95)),
        "peak_rss_mb": rounded(raw.get("peak_rss_mb")),
        "engine_queries_per_100_moves": (
            rounded(queries * 100 / len(timings)) if queries is not None and timings else None
        ),
        "interactions": len(timings),
        "errors": raw["errors"],
        "interactions_ms": [round(t, 2) for t in timings],
    }
    if "server_start_ms" in raw:
        summary["server_start_ms"] = rounded(raw["server_start_ms"])
    return summary


# ----------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------

MEDIAN = "interaction_ms_median"


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def targets(results: dict[str, dict[str, Any]]) -> list[list[object]]:
    """The issue's targets, checked against whatever this run measured."""
    rows: list[list[object]] = []

    def get(size: str, group: str, name: str, driver: str, key: str) -> Any:
        return results.get(size, {}).get(group, {}).get(name, {}).get(driver, {}).get(key)

    def add(check: str, size: str, driver: str, value: float | None, goal: str, met: bool) -> None:
        shown = None if value is None else round(value, 2)
        rows.append([check, f"{int(size):,}", driver, shown, goal, "yes" if met else "NO"])

    sizes = sorted(results, key=int)
    for size in sizes:
        engines = results[size].get("engines", {})
        for engine in engines:
            for driver in DRIVERS:
                queries = get(size, "engines", engine, driver, "engine_queries_per_100_moves")
                if queries is not None:
                    check = f"{engine}: engine queries per 100 moves"
                    add(check, size, driver, queries, "<= 5", queries <= 5)
                if engine == "duckdb":
                    continue
                ratio = _ratio(
                    get(size, "engines", engine, driver, MEDIAN),
                    get(size, "engines", "duckdb", driver, MEDIAN),
                )
                if ratio is not None:
                    add(f"{engine} / duckdb, per move", size, driver, ratio, "<= 2x", ratio <= 2)
        generated = get(size, "engines", "duckdb", "apptest", MEDIAN)
        for other, factor in (("naive", 30), ("cached", 5)):
            ratio = _ratio(get(size, "apps", other, "apptest", MEDIAN), generated)
            if ratio is not None:
                check = f"{other} / generated, per move"
                add(check, size, "apptest", ratio, f">= {factor}x", ratio >= factor)
        ratio = _ratio(generated, get(size, "apps", "floor", "apptest", MEDIAN))
        if ratio is not None:
            add("generated / floor, per move", size, "apptest", ratio, "<= 2.5x", ratio <= 2.5)
        for driver in ("server", "asgi"):
            ratio = _ratio(
                get(size, "apps", "naive", driver, MEDIAN),
                get(size, "engines", "duckdb", driver, MEDIAN),
            )
            if ratio is not None:
                add("naive / generated, per move", size, driver, ratio, ">= 10x", ratio >= 10)
    for size in sizes[1:]:
        base = sizes[0]
        for engine in results[size].get("engines", {}):
            for driver in DRIVERS:
                for key, what in ((MEDIAN, "per move"), ("peak_rss_mb", "peak RSS")):
                    ratio = _ratio(
                        get(size, "engines", engine, driver, key),
                        get(base, "engines", engine, driver, key),
                    )
                    if ratio is not None:
                        check = f"{engine} {what}, {int(size):,} / {int(base):,} rows"
                        add(check, size, driver, ratio, "<= 1.5x", ratio <= 1.5)
    return rows


HEADERS = [
    "driver",
    "rerun",
    "first run",
    "per move, median",
    "per move, p95",
    "peak RSS MB",
    "engine queries / 100 moves",
    "errors",
]


TABLES = (("engines", "the generated app, per engine"), ("apps", "reference apps"))


def _row(name: str, driver: str, numbers: dict[str, Any]) -> list[object]:
    return [
        name,
        driver,
        numbers["rerun"],
        numbers["first_run_ms"],
        numbers[MEDIAN],
        numbers["interaction_ms_p95"],
        numbers["peak_rss_mb"],
        numbers["engine_queries_per_100_moves"],
        " ".join("; ".join(numbers["errors"]).replace("|", "/").split())[:120],  # one cell
    ]


def render(report: dict[str, Any]) -> str:
    parts = [
        "# Benchmark",
        "",
        f"Machine: {describe_machine(report['machine'])}.",
        f"{report['moves']} slider moves per app and driver (seed {report['seed']}); times in "
        "ms, peak RSS in MB (the app process's own high-water mark). `apptest`: AppTest, every "
        "move a full rerun. `server`: `streamlit run` over its websocket. `asgi`: the same app "
        "through the project's `asgi.py` (st.App on uvicorn).",
    ]
    for size, groups in report["results"].items():
        for group, title in TABLES:
            table = [
                _row(name, driver, numbers)
                for name, drivers in groups.get(group, {}).items()
                for driver, numbers in drivers.items()
            ]
            if table:
                first = "engine" if group == "engines" else "app"
                heading = f"## {int(size):,} rows: {title}"
                parts += ["", heading, "", markdown_table([first, *HEADERS], table)]
    checks = targets(report["results"])
    if checks:
        headers = ["check", "rows", "driver", "measured", "target", "met"]
        parts += ["", "## Targets", "", markdown_table(headers, checks)]
    return "\n".join(parts) + "\n"


# ----------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------


def _choices(values: Sequence[str], allowed: Sequence[str], what: str) -> list[str]:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise SystemExit(f"unknown {what} {unknown}; choose from {list(allowed)}")
    return list(values)


def _date_range(parquet: Path) -> dict[str, str]:
    import duckdb

    with duckdb.connect() as connection:
        row = connection.execute(
            "SELECT MIN(order_date)::DATE, MAX(order_date)::DATE FROM read_parquet(?)",
            [str(parquet)],
        ).fetchone()
    assert row is not None, "an aggregate without GROUP BY always returns one row"
    first, last = row
    return {"BENCHMARK_FIRST_DATE": first.isoformat(), "BENCHMARK_LAST_DATE": last.isoformat()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Time the generated app on every engine, and three reference apps.",
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), help=f"of {list(ENGINES)}")
    parser.add_argument("--apps", nargs="*", default=list(APPS), help=f"of {list(APPS)}")
    parser.add_argument("--drivers", nargs="+", default=list(DRIVERS), help=f"of {list(DRIVERS)}")
    parser.add_argument("--moves", type=int, default=20, help="slider moves per run (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the slider moves")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=TEMPLATE_ROOT / ".bench",
        help="rendered projects and datasets (default: .bench in the template)",
    )
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds one run may take")
    total_mb = psutil.virtual_memory().total / 2**20
    parser.add_argument(
        "--memory-limit-mb",
        type=float,
        default=round(total_mb * 0.8),
        help="kill an app whose RSS goes above this (default: 80%% of RAM)",
    )
    args = parser.parse_args(argv)
    engines = _choices(args.engines, ENGINES, "engines")
    apps = _choices(args.apps, list(APPS), "apps")
    drivers = _choices(args.drivers, DRIVERS, "drivers")
    if apps and "duckdb" not in engines:
        raise SystemExit("the reference apps run on the duckdb rendering: add duckdb to --engines")
    if args.moves < 1 or any(rows < 1 for rows in args.rows):
        raise SystemExit("--moves and --rows must be positive")
    options = Options(args.moves, args.seed, args.timeout, args.memory_limit_mb)
    report: dict[str, Any] = {
        "machine": machine(),
        "moves": args.moves,
        "seed": args.seed,
        "apps": {name: APPS[name] for name in apps},
        "results": {},
    }
    failures = 0

    def record(group: dict[str, Any], name: str, driver: str, target: Target, rows: int) -> None:
        nonlocal failures
        log(f"[{rows:,} rows] {name} / {driver} ...")
        numbers = summarize(measure(target, driver, options), driver)
        group.setdefault(name, {})[driver] = numbers
        failures += bool(numbers["errors"])
        log(
            f"    first run {numbers['first_run_ms']} ms, median {numbers[MEDIAN]} ms, "
            f"peak RSS {numbers['peak_rss_mb']} MB, engine queries / 100 moves "
            f"{numbers['engine_queries_per_100_moves']}"
            + (f", errors: {numbers['errors']}" if numbers["errors"] else "")
        )
        if args.json:  # keep partial results if a long run is interrupted
            args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")

    for rows in args.rows:
        by_engine: dict[str, Any] = {}
        by_app: dict[str, Any] = {}
        report["results"][str(rows)] = {"engines": by_engine, "apps": by_app}
        for name in engines:
            with Engine(name, rows, args.work_dir, args.work_dir / "data") as engine:
                app = Target(engine.project / "bench_entry.py", engine.project, engine.env())
                for driver in drivers:
                    record(by_engine, name, driver, app, rows)
                if name != "duckdb" or not apps:
                    continue
                data = {
                    "BENCHMARK_CSV": str(engine.csv(rows)),
                    **_date_range(engine.parquet(rows)),
                }
                for app_name in apps:
                    script = APPS_DIR / f"{app_name}.py"
                    target = Target(script, engine.project, {**engine.env(), **data})
                    for driver in drivers:
                        record(by_app, app_name, driver, target, rows)
    print(render(report), end="")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 1 if failures else 0
