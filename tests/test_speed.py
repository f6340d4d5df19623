"""The speed-at-scale pieces at template level: names they need, and the measured table.

The generated project's own suite runs the benchmark and the load test on a tiny
dataset (tests/test_benchmarks.py in the rendering); these tests cover what lives
outside it.
"""

from __future__ import annotations

import re

import pytest
from conftest import TEMPLATE_ROOT, load_hook

hook = load_hook("pre_gen_project")
DOC = TEMPLATE_ROOT / "docs" / "benchmarks.md"


@pytest.mark.parametrize("name", ["benchmarks", "websockets", "psutil"])
def test_package_name_cannot_shadow_the_benchmark_package(name: str) -> None:
    with pytest.raises(hook.AnswerError, match="would shadow"):
        hook.check_package_name(name)


def test_measured_table_covers_both_sizes_every_app_and_both_drivers() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert re.search(r"2 (CPUs|cores)", text)
    assert "Python 3.11" in text
    assert "Streamlit 1.67" in text
    for rows in ("2,000,000 rows", "20,000,000 rows"):
        section = text.split(f"## {rows}", 1)[1].split("\n## ", 1)[0]
        for app in ("floor", "naive", "cached", "generated"):
            for driver in ("apptest", "server"):
                assert f"| {app} | {driver} |" in section, (rows, app, driver)
    assert "python -m benchmarks" in text
    assert "python -m benchmarks.load" in text
