"""The default rendering's browser tests: a real `streamlit run` server in headless Chromium.

Runs the generated project's ``pytest -m e2e`` in this shared environment
(Playwright's Python package from requirements-dev.txt, Debian's ``chromium`` from
.ci/apt-packages.txt; no browser download), then checks what it leaves behind:
a screenshot of every page, before and after its widgets changed, and the
measured interaction latencies, which are printed here too.
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import pytest
from conftest import PYTHON, render, run, shared_env

PAGES = ("overview", "explore")  # url paths of the default rendering's PAGES
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


@pytest.fixture(scope="module")
def e2e_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    project = render(tmp_path_factory.mktemp("e2e"))
    result = run(
        [PYTHON, "-m", "pytest", "-m", "e2e", "-p", "no:cacheprovider"],
        project,
        env=shared_env(project),
        timeout=600,
    )
    return project, result.stdout


def test_browser_tests_pass(e2e_run: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    _, output = e2e_run
    summary = output.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed, output
    # Every page renders, and every widget on every page is changed: two tests per page;
    # and the DOM holds no planted secret, with invalid settings and an unreachable source.
    assert int(passed.group(1)) == 2 * len(PAGES) + 2, output
    assert not re.search(r"failed|error|skipped", summary), output
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "browser interaction latency" in line)
    end = next(i for i, line in enumerate(lines) if line.startswith("written to"))
    with capsys.disabled():  # the numbers belong in the CI log
        print("\nDefault rendering, browser interaction latency (input -> updated output):")
        print("\n".join(line for line in lines[start + 1 : end] if line.strip()))


def test_every_page_leaves_screenshots(e2e_run: tuple[Path, str]) -> None:
    project, _ = e2e_run
    artifacts = project / "test-artifacts" / "e2e"
    for page in PAGES:
        shots = [artifacts / f"{page}.png", *artifacts.glob(f"{page}-after-*.png")]
        assert len(shots) == 2, sorted(p.name for p in artifacts.iterdir())
        for shot in shots:
            width, height = png_size(shot)
            assert width >= 1000, (shot, width)
            assert height >= 600, (shot, height)
            assert shot.stat().st_size > 20_000, shot  # a blank page compresses to ~5 KB


def test_latency_is_measured_for_every_page(e2e_run: tuple[Path, str]) -> None:
    project, _ = e2e_run
    report = json.loads((project / "test-artifacts" / "e2e" / "latency.json").read_text())
    assert {item["page"] for item in report["interactions"]} == set(PAGES)
    for item in report["interactions"]:
        assert item["outputs_ms"], item
        assert all(ms > 0 for ms in item["outputs_ms"].values()), item
    assert report["chromium_version"], report


def test_plain_pytest_leaves_the_browser_tests_out(e2e_run: tuple[Path, str]) -> None:
    project, _ = e2e_run
    collect = [PYTHON, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    default = run(collect, project, env=shared_env(project)).stdout
    selected = run([*collect, "-m", "e2e"], project, env=shared_env(project)).stdout
    assert "tests/e2e/" not in default, default
    assert re.search(r"\d+ deselected", default), default
    e2e_ids = [line for line in selected.splitlines() if line.startswith("tests/")]
    assert e2e_ids, selected
    assert all(line.startswith("tests/e2e/") for line in e2e_ids), selected
