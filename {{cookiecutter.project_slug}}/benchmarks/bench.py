"""The speed-at-scale benchmark: four apps, two drivers, the same data.

    python -m benchmarks --rows 2000000 20000000 --json benchmark.json

For every ``--rows`` value it writes a deterministic dataset (Parquet for the
generated app, CSV for the pandas apps; reused on later runs), then measures
each app in its own process, so peak RSS is the app's own:

* ``floor``: an empty app with one slider (the least a rerun can cost);
* ``naive``: ``pd.read_csv`` on every rerun, filter and ``st.line_chart`` in pandas;
* ``cached``: the same with an ``st.cache_data`` loader (a copy of the frame per hit);
* ``generated``: this project's router and Overview page on the same data.

Every app has a date-range slider; each interaction moves the first slider of
its (first) page to a new range
(the same ranges for every app). Two drivers:

* ``apptest``: ``streamlit.testing`` AppTest, full reruns (``benchmarks.apptest``);
* ``server``: ``streamlit run`` on loopback, driven over its websocket like a
  browser (``benchmarks.driver``), where a widget in a fragment reruns only
  that fragment.

The Markdown table goes to stdout, progress to stderr, ``--json`` gets every
number: ``results[rows][app][driver]`` with ``first_run_ms``,
``interaction_ms_median``, ``interaction_ms_p95`` and ``peak_rss_mb``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
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

from {{ cookiecutter.package_name }}.data import sample
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX

from .driver import RssSampler, Session, StreamlitServer, range_moves, slider_bounds
from .stats import describe_machine, machine, markdown_table, percentile, rounded

PROJECT_ROOT = Path(__file__).resolve().parents[1]
APPS_DIR = Path(__file__).resolve().parent / "apps"
DRIVERS = ("apptest", "server")


@dataclass(frozen=True)
class App:
    name: str
    script: Path
    about: str


APPS: dict[str, App] = {
    app.name: app
    for app in (
        App("floor", APPS_DIR / "floor.py", "empty app with one slider"),
        App("naive", APPS_DIR / "naive.py", "pd.read_csv every rerun + st.line_chart"),
        App("cached", APPS_DIR / "cached.py", "st.cache_data loader + st.line_chart"),
        App("generated", PROJECT_ROOT / "streamlit_app.py", "this project's Overview page"),
    )
}


@dataclass(frozen=True)
class Options:
    """How each app is measured."""

    moves: int = 20
    seed: int = 0
    timeout: float = 600.0
    memory_limit_mb: float | None = None
    quickack: bool = False


@dataclass(frozen=True)
class Dataset:
    rows: int
    parquet: Path
    csv: Path

    def env(self) -> dict[str, str]:
        """How every app finds this dataset."""
        last = sample.START + dt.timedelta(days=sample.DAYS - 1)
        return {
            "BENCHMARK_CSV": str(self.csv),
            "BENCHMARK_PARQUET": str(self.parquet),
            "BENCHMARK_FIRST_DATE": sample.START.isoformat(),
            "BENCHMARK_LAST_DATE": last.isoformat(),
            f"{ENV_PREFIX}DATA_PATH": str(self.parquet),
        }


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare_data(rows: int, data_dir: Path) -> Dataset:
    """The sample dataset at ``rows`` rows as Parquet and CSV (written once, then reused).

    The CSV goes to its own folder: beside ``sales.parquet``, a newer ``sales.csv``
    would be taken for fresh data and converted over the Parquet file.
    """
    import duckdb

    dataset = Dataset(
        rows,
        data_dir / "parquet" / f"sales-{rows}.parquet",
        data_dir / "csv" / f"sales-{rows}.csv",
    )
    dataset.csv.parent.mkdir(parents=True, exist_ok=True)
    if not dataset.parquet.exists():
        started = time.perf_counter()
        sample.write_parquet(dataset.parquet, rows)
        log(f"wrote {dataset.parquet} in {time.perf_counter() - started:.1f} s")
    if not dataset.csv.exists():
        started = time.perf_counter()
        tmp = dataset.csv.with_name(dataset.csv.name + ".tmp")
        with duckdb.connect() as connection:
            connection.read_parquet(str(dataset.parquet)).write_csv(str(tmp), header=True)
        tmp.replace(dataset.csv)
        log(f"wrote {dataset.csv} in {time.perf_counter() - started:.1f} s")
    return dataset


# ----------------------------------------------------------------------------
# The two drivers, each app in its own process
# ----------------------------------------------------------------------------


def run_apptest(app: App, dataset: Dataset, options: Options) -> dict[str, Any]:
    """``python -m benchmarks.apptest`` in a fresh process for ``app``."""
    with tempfile.TemporaryDirectory(prefix="benchmark-") as tmp:
        out = Path(tmp) / "result.json"
        command = [
            sys.executable,
            "-m",
            "benchmarks.apptest",
            str(app.script),
            f"--moves={options.moves}",
            f"--seed={options.seed}",
            f"--timeout={options.timeout}",
            f"--out={out}",
        ]
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env={**os.environ, **dataset.env()},
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
            return _failed(f"stopped: RSS went over {limit:,.0f} MB", guard.peak_mb)
        if process.returncode != 0 or not out.exists():
            tail = stderr.decode(errors="replace").strip().splitlines()[-5:]
            return _failed(f"exit code {process.returncode}: " + " | ".join(tail), guard.peak_mb)
        return json.loads(out.read_text(encoding="utf-8"))


async def _drive(url: str, options: Options) -> dict[str, Any]:
    async with Session(url, timeout=options.timeout, quickack=options.quickack) as session:
        first = await session.open()
        errors = list(first.errors)
        interactions: list[float] = []
        fragment_only: list[bool] = []
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
        errors += session.background_errors
    return {
        "first_run_ms": first.elapsed_ms,
        "interactions_ms": interactions,
        "fragment_only": bool(fragment_only) and all(fragment_only),
        "errors": errors,
    }


def run_server(app: App, dataset: Dataset, options: Options) -> dict[str, Any]:
    """``streamlit run`` for ``app``, driven over the websocket like a browser."""
    started = time.perf_counter()
    with StreamlitServer(
        app.script, cwd=PROJECT_ROOT, env=dataset.env(), memory_limit_mb=options.memory_limit_mb
    ) as server:
        startup_ms = (time.perf_counter() - started) * 1000
        result = asyncio.run(_drive(server.url, options))
        result["peak_rss_mb"] = server.peak_rss_mb()
        result["server_start_ms"] = startup_ms
        exceeded = server.sampler is not None and server.sampler.exceeded
    if exceeded:
        limit = options.memory_limit_mb or 0
        return _failed(f"stopped: RSS went over {limit:,.0f} MB", result["peak_rss_mb"])
    return result


def _failed(error: str, peak_rss_mb: float | None = None) -> dict[str, Any]:
    return {
        "first_run_ms": None,
        "interactions_ms": [],
        "fragment_only": False,
        "peak_rss_mb": peak_rss_mb,
        "errors": [error],
    }


RUNNERS = {"apptest": run_apptest, "server": run_server}


def summarize(raw: dict[str, Any], driver: str) -> dict[str, Any]:
    """The reported numbers for one app and driver (the raw timings are kept too)."""
    timings = raw["interactions_ms"]
    if driver == "apptest":
        rerun = "full (AppTest)"
    else:
        rerun = "fragment" if raw.get("fragment_only") else "full"
    summary = {
        "first_run_ms": rounded(raw["first_run_ms"]),
        "interaction_ms_median": rounded(percentile(timings, 50)),
        "interaction_ms_p95": rounded(percentile(timings, 95)),
        "peak_rss_mb": rounded(raw.get("peak_rss_mb")),
        "interactions": len(timings),
        "rerun": rerun,
        "errors": raw["errors"],
        "interactions_ms": [round(t, 2) for t in timings],
    }
    if "server_start_ms" in raw:
        summary["server_start_ms"] = rounded(raw["server_start_ms"])
    return summary


# ----------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def targets(results: dict[str, dict[str, dict[str, dict[str, Any]]]]) -> list[list[object]]:
    """The issue's targets, checked against whatever this run measured."""
    rows: list[list[object]] = []

    def get(size: str, app: str, driver: str, key: str) -> float | None:
        return results.get(size, {}).get(app, {}).get(driver, {}).get(key)

    def add(check: str, size: str, driver: str, value: float | None, goal: str, met: bool) -> None:
        shown = None if value is None else round(value, 2)
        rows.append([check, f"{int(size):,}", driver, shown, goal, "yes" if met else "NO"])

    median = "interaction_ms_median"
    for size in results:
        gen = get(size, "generated", "apptest", median)
        for other, factor in (("naive", 30), ("cached", 5)):
            ratio = _ratio(get(size, other, "apptest", median), gen)
            if ratio is not None:
                add(
                    f"{other} / generated, interaction",
                    size,
                    "apptest",
                    ratio,
                    f">= {factor}x",
                    ratio >= factor,
                )
        ratio = _ratio(gen, get(size, "floor", "apptest", median))
        if ratio is not None:
            add("generated / floor, interaction", size, "apptest", ratio, "<= 2.5x", ratio <= 2.5)
        ratio = _ratio(
            get(size, "naive", "server", median), get(size, "generated", "server", median)
        )
        if ratio is not None:
            add("naive / generated, interaction", size, "server", ratio, ">= 10x", ratio >= 10)
        for driver in DRIVERS:
            ratio = _ratio(
                get(size, "naive", driver, "first_run_ms"),
                get(size, "generated", driver, "first_run_ms"),
            )
            if ratio is not None:
                add("naive / generated, first run", size, driver, ratio, ">= 3x", ratio >= 3)
    sizes = sorted(results, key=int)
    for size in sizes[1:]:
        base = sizes[0]
        for driver in DRIVERS:
            for key, what in ((median, "interaction"), ("peak_rss_mb", "peak RSS")):
                ratio = _ratio(
                    get(size, "generated", driver, key), get(base, "generated", driver, key)
                )
                if ratio is not None:
                    add(
                        f"generated {what}, {int(size):,} / {int(base):,} rows",
                        size,
                        driver,
                        ratio,
                        "<= 1.5x",
                        ratio <= 1.5,
                    )
    return rows


def render(report: dict[str, Any]) -> str:
    results = report["results"]
    parts = [
        "# Benchmark",
        "",
        f"Machine: {describe_machine(report['machine'])}.",
        f"{report['moves']} slider moves per app and driver (seed {report['seed']}); "
        "times in ms, peak RSS in MB. Driver `apptest`: AppTest, every interaction a full "
        "rerun. Driver `server`: `streamlit run` over its websocket, fragment-only reruns "
        "where the app uses fragments"
        + (
            "; TCP quick ACKs on (the server's own cost, without the 40 ms delayed-ACK stall)."
            if report.get("tcp_quickack")
            else "; ACKs as a browser sends them."
        ),
    ]
    for size, apps in results.items():
        table = [
            [
                app,
                driver,
                numbers["rerun"],
                numbers["first_run_ms"],
                numbers["interaction_ms_median"],
                numbers["interaction_ms_p95"],
                numbers["peak_rss_mb"],
                "; ".join(numbers["errors"])[:120] or "",
            ]
            for app, drivers in apps.items()
            for driver, numbers in drivers.items()
        ]
        parts += [
            "",
            f"## {int(size):,} rows",
            "",
            markdown_table(
                [
                    "app",
                    "driver",
                    "rerun",
                    "first run",
                    "interaction median",
                    "interaction p95",
                    "peak RSS MB",
                    "errors",
                ],
                table,
            ),
        ]
    checks = targets(results)
    if checks:
        parts += [
            "",
            "## Targets",
            "",
            markdown_table(["check", "rows", "driver", "measured", "target", "met"], checks),
        ]
    return "\n".join(parts) + "\n"


# ----------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------


def _choices(values: Sequence[str], allowed: Sequence[str], what: str) -> list[str]:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise SystemExit(f"unknown {what} {unknown}; choose from {list(allowed)}")
    return list(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time floor, naive, cached and this project's app on the same data.",
    )
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[1_000_000], help="dataset sizes (default: 1000000)"
    )
    parser.add_argument("--apps", nargs="+", default=list(APPS), help=f"subset of {list(APPS)}")
    parser.add_argument(
        "--drivers", nargs="+", default=list(DRIVERS), help=f"subset of {list(DRIVERS)}"
    )
    parser.add_argument("--moves", type=int, default=20, help="slider moves per app (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the slider moves")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=PROJECT_ROOT / "data" / "benchmarks",
        help="where the datasets are written (default: data/benchmarks)",
    )
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds one run may take before it counts as an error",
    )
    total_mb = psutil.virtual_memory().total / 2**20
    parser.add_argument(
        "--memory-limit-mb",
        type=float,
        default=round(total_mb * 0.8),
        help="kill an app whose RSS goes above this (default: 80%% of RAM)",
    )
    parser.add_argument(
        "--tcp-quickack",
        action="store_true",
        help="server driver: ACK each message at once (server cost without the 40 ms "
        "Nagle/delayed-ACK stall a browser sees; Linux only)",
    )
    parser.add_argument("--data-only", action="store_true", help="write the datasets and stop")
    args = parser.parse_args(argv)
    apps = _choices(args.apps, list(APPS), "apps")
    drivers = _choices(args.drivers, DRIVERS, "drivers")
    if args.moves < 1 or any(rows < 1 for rows in args.rows):
        raise SystemExit("--moves and --rows must be positive")

    datasets = [prepare_data(rows, args.data_dir) for rows in args.rows]
    if args.data_only:
        return 0
    options = Options(
        moves=args.moves,
        seed=args.seed,
        timeout=args.timeout,
        memory_limit_mb=args.memory_limit_mb,
        quickack=args.tcp_quickack,
    )
    report: dict[str, Any] = {
        "machine": machine(),
        "moves": args.moves,
        "seed": args.seed,
        "tcp_quickack": args.tcp_quickack,
        "apps": {name: APPS[name].about for name in apps},
        "results": {},
    }
    failed = False
    for dataset in datasets:
        by_app: dict[str, dict[str, Any]] = {}
        report["results"][str(dataset.rows)] = by_app
        for name in apps:
            for driver in drivers:
                log(f"[{dataset.rows:,} rows] {name} / {driver} ...")
                raw = RUNNERS[driver](APPS[name], dataset, options)
                numbers = summarize(raw, driver)
                by_app.setdefault(name, {})[driver] = numbers
                failed |= bool(numbers["errors"])
                log(
                    f"    first run {numbers['first_run_ms']} ms, median "
                    f"{numbers['interaction_ms_median']} ms, p95 {numbers['interaction_ms_p95']} "
                    f"ms, peak RSS {numbers['peak_rss_mb']} MB"
                    + (f", errors: {numbers['errors']}" if numbers["errors"] else "")
                )
                if args.json:  # keep partial results if a long run is interrupted
                    args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(render(report), end="")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 1 if failed else 0
