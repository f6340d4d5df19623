"""The speed-at-scale benchmark on a tiny dataset, so it cannot rot.

It runs exactly as a developer runs it (``python -m benchmarks ...``): four apps,
each under AppTest and on a real ``streamlit run`` server. It checks what is
reported, never how fast: timings on a shared test machine prove nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from commands import is_measure, run_module

APPS = ("floor", "naive", "cached", "generated")
DRIVERS = ("apptest", "server")
KEYS = ("first_run_ms", "interaction_ms_median", "interaction_ms_p95", "peak_rss_mb")


def test_benchmark_reports_every_app_and_driver(tmp_path: Path) -> None:
    out = tmp_path / "benchmark.json"
    done = run_module(
        "benchmarks",
        "--rows=3000",
        "--moves=3",
        f"--data-dir={tmp_path}",
        f"--json={out}",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["moves"] == 3
    assert report["machine"]["cpus"] >= 1
    results = report["results"]["3000"]
    assert set(results) == set(APPS)
    for app in APPS:
        assert set(results[app]) == set(DRIVERS)
        for driver in DRIVERS:
            numbers = results[app][driver]
            assert numbers["errors"] == [], (app, driver)
            assert numbers["interactions"] == 3
            assert all(is_measure(numbers[key]) for key in KEYS), (app, driver, numbers)
    # Only the generated app uses fragments, and only the real server reruns them alone.
    assert results["generated"]["server"]["rerun"] == "fragment"
    assert results["naive"]["server"]["rerun"] == "full"
    assert results["generated"]["apptest"]["rerun"].startswith("full")

    table = done.stdout
    assert "## 3,000 rows" in table
    assert "| app | driver | rerun |" in table
    for app in APPS:
        for driver in DRIVERS:
            assert f"| {app} | {driver} |" in table
    assert "## Targets" in table
