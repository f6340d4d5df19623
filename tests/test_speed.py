"""The speed-at-scale pieces at template level: names they need, and the measured tables.

tests/test_bench.py runs the template's benchmark (bench/) on a tiny dataset; the
generated project's own suite runs its latency check and load test. These tests
check that the documented full-size results cover every engine, app and driver.
"""

from __future__ import annotations

import re

import pytest
from conftest import TEMPLATE_ROOT, load_hook

hook = load_hook("pre_gen_project")
DOC = TEMPLATE_ROOT / "docs" / "benchmarks.md"


@pytest.mark.parametrize("name", ["benchmarks", "websockets", "psutil"])
def test_package_name_cannot_shadow_the_benchmark_package(name: str) -> None:
    with pytest.raises(hook.AnswerError, match=r"would (shadow|collide)"):
        hook.check_package_name(name)


def test_measured_tables_cover_every_engine_app_and_driver() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert re.search(r"2 (CPUs|cores)", text)
    assert "Python 3.11" in text
    assert "Streamlit 1.67" in text
    engines = text.split("## 2,000,000 rows: the generated app, per engine", 1)[1]
    engines = engines.split("\n## ", 1)[0]
    apps = text.split("## 2,000,000 rows: reference apps", 1)[1].split("\n## ", 1)[0]
    for driver in ("apptest", "server", "asgi"):
        for engine in ("duckdb", "postgres", "snowflake", "s3", "rest_api"):
            assert f"| {engine} | {driver} |" in engines, (engine, driver)
        for app in ("floor", "naive", "cached"):
            assert f"| {app} | {driver} |" in apps, (app, driver)
    assert "python -m bench " in text
    assert "python -m benchmarks.latency" in text
    assert "python -m benchmarks.load" in text
