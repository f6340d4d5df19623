"""The template's benchmark (bench/) on a tiny dataset, so it cannot rot.

It runs exactly as documented (``python -m bench ...``): one rendering per data
source with its engine started locally, the generated app under AppTest,
``streamlit run`` and ``asgi.py``, and the three reference apps. It checks what
is reported and what does not depend on the machine: every run measured without
errors, and the engine queries slider moves send (none with the rollup). How fast
is for the full-size run by hand (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pytest
from conftest import TEMPLATE_ROOT

ENGINES = ("duckdb", "postgres", "snowflake", "s3", "rest_api")
APPS = ("floor", "naive", "cached")
DRIVERS = ("apptest", "server", "asgi")
TIMES = ("first_run_ms", "interaction_ms_median", "interaction_ms_p95", "peak_rss_mb")
MOVES = 3


def measured(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    work = tmp_path_factory.mktemp("bench")
    out = work / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--rows=2000",
            f"--moves={MOVES}",
            f"--work-dir={work}",
            f"--json={out}",
        ],
        cwd=TEMPLATE_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    return json.loads(out.read_text(encoding="utf-8")), done.stdout


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("name", ENGINES + APPS)
def test_every_engine_and_app_is_measured_by_every_driver(
    bench: tuple[dict[str, Any], str], name: str, driver: str
) -> None:
    results = bench[0]["results"]["2000"]
    numbers = results["engines" if name in ENGINES else "apps"][name][driver]
    assert numbers["errors"] == []
    assert numbers["interactions"] == MOVES
    assert all(measured(numbers[key]) for key in TIMES), numbers
    expected = {"apptest": "full (AppTest)", "server": "fragment", "asgi": "fragment"}[driver]
    assert numbers["rerun"] == (
        expected if name in ENGINES else expected.replace("fragment", "full")
    )


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("engine", ENGINES)
def test_slider_moves_send_the_engine_no_query(
    bench: tuple[dict[str, Any], str], engine: str, driver: str
) -> None:
    # Every option answers moves from its local rollup (the reference API offers the
    # rollup endpoint), so no query or request reaches the engine during the moves.
    numbers = bench[0]["results"]["2000"]["engines"][engine][driver]
    assert numbers["engine_queries_per_100_moves"] == 0


def test_the_peak_rss_is_each_app_process_own(bench: tuple[dict[str, Any], str]) -> None:
    # An empty app's process stays small under every driver (ru_maxrss would have
    # reported the peak of the process that started it).
    floor = bench[0]["results"]["2000"]["apps"]["floor"]
    assert all(floor[driver]["peak_rss_mb"] < 150 for driver in DRIVERS), floor


def test_markdown_report_has_both_tables_and_the_targets(bench: tuple[dict[str, Any], str]) -> None:
    report = bench[1]
    assert "## 2,000 rows: the generated app, per engine" in report
    assert "## 2,000 rows: reference apps" in report
    assert "engine queries / 100 moves" in report
    for name in ENGINES + APPS:
        for driver in DRIVERS:
            assert f"| {name} | {driver} |" in report
    assert "## Targets" in report
    assert "| postgres: engine queries per 100 moves | 2,000 | asgi | 0.0 | <= 5 | yes |" in report
