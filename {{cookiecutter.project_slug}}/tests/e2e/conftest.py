"""Browser-test fixtures: a real server and headless Chromium.

The server runs the app exactly as users get it (``python asgi.py``, as the
Dockerfile serves it, in the project directory, so ``.streamlit/config.toml``
applies; ``E2E_LAUNCHER=streamlit`` runs ``streamlit run streamlit_app.py``
instead) on a free loopback port, on the test sample data. Chromium is the system's own (Debian's
``chromium`` package, or the binary named by ``E2E_CHROMIUM``): Playwright drives
it, and never downloads a browser of its own.

Each tab's websocket traffic is decoded with Streamlit's own protobuf classes
(``Wire``), so a test knows which fragment a widget reran and what it redrew.
Screenshots, the server log and ``latency.json`` land in ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
{%- if cookiecutter.auth != "none" %}
from sign_in import SIGN_IN_ENV
{%- endif %}
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from {{ cookiecutter.package_name }}.settings import ENV_PREFIX
{%- if cookiecutter.auth != "none" %}

from benchmarks.driver import default_headers
{%- endif %}

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, WebSocket

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
STARTUP_TIMEOUT_S = 60
VIEWPORT = {"width": 1400, "height": 1000}
# Headless, offline-friendly Chromium: no sandbox (CI runs as root), no GPU, and
# no background traffic to Google services (the machine may have no network).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
LAUNCHER = os.environ.get("E2E_LAUNCHER", "asgi")  # "streamlit": `streamlit run`, for comparison


@dataclass
class Server:
    """A running app server process."""

    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@dataclass
class LatencyReport:
    """Browser-measured times from a widget change to the updated output."""

    context: dict[str, Any] = field(default_factory=dict)
    interactions: list[dict[str, Any]] = field(default_factory=list)

    def add(self, page: str, widget: str, key: str, outputs_ms: dict[str, float]) -> None:
        self.interactions.append(
            {
                "page": page,
                "widget": widget,
                "key": key,
                "outputs_ms": {name: round(ms, 1) for name, ms in outputs_ms.items()},
                "all_outputs_ms": round(max(outputs_ms.values()), 1),
            }
        )

    def summary(self) -> dict[str, dict[str, float]]:
        by_widget: dict[str, list[float]] = {}
        for item in self.interactions:
            name = f"{item['page']}: {item['widget']}"
            by_widget.setdefault(name, []).append(item["all_outputs_ms"])
        return {
            name: {
                "n": len(times),
                "median_ms": round(statistics.median(times), 1),
                "min_ms": min(times),
                "max_ms": max(times),
            }
            for name, times in by_widget.items()
        }

    def as_dict(self) -> dict[str, Any]:
        return {**self.context, "interactions": self.interactions, "summary": self.summary()}


_REPORT = LatencyReport()


@dataclass
class Wire:
    """What one tab asked the server for and what the server drew, message by message.

    ``requests`` holds the fragment id of every rerun the tab asked for ("" for a
    full run; auto reruns of ``run_every`` fragments are left out). ``changes``
    holds the fragment id of every element other than a widget that was drawn
    with new content at its place on the page.
    """

    requests: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    finished: int = 0
    _drawn: dict[tuple[int, ...], str] = field(default_factory=dict)  # place -> content hash
    _content: dict[str, tuple[str, bool]] = field(default_factory=dict)  # hash -> fragment, widget?

    def listen(self, page: Page) -> None:
        page.on("websocket", self._attach)

    def _attach(self, socket: WebSocket) -> None:
        if socket.url.endswith("/_stcore/stream"):
            socket.on("framesent", self._sent)
            socket.on("framereceived", self._received)

    def _sent(self, payload: str | bytes) -> None:
        message = BackMsg()
        message.ParseFromString(payload)  # type: ignore[arg-type]
        if message.WhichOneof("type") == "rerun_script" and not message.rerun_script.is_auto_rerun:
            self.requests.append(message.rerun_script.fragment_id)

    def _received(self, payload: str | bytes) -> None:
        message = ForwardMsg()
        message.ParseFromString(payload)  # type: ignore[arg-type]
        kind = message.WhichOneof("type")
        if kind == "script_finished":
            self.finished += 1
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            proto = getattr(element, element.WhichOneof("type") or "", None)
            widget = bool(getattr(proto, "id", "")) and hasattr(proto, "label")
            self._content[message.hash] = (message.delta.fragment_id, widget)
            self._draw(tuple(message.metadata.delta_path), message.hash)
        elif kind == "ref_hash":  # content the tab already has, sent by reference
            self._draw(tuple(message.metadata.delta_path), message.ref_hash)

    def _draw(self, place: tuple[int, ...], content: str) -> None:
        fragment, widget = self._content.get(content, ("", False))
        if self._drawn.get(place) != content and not widget:
            self.changes.append(fragment)
        self._drawn[place] = content


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    """Poll ``/_stcore/health`` until it answers ``ok``; fail with the log if it never does."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"streamlit exited with code {process.returncode} before it was healthy:\n"
                + log_path.read_text(encoding="utf-8", errors="replace")
            )
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(
        f"streamlit was not healthy within {STARTUP_TIMEOUT_S} s:\n"
        + log_path.read_text(encoding="utf-8", errors="replace")
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and anything it started: SIGTERM its process group, then SIGKILL."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def chromium_executable() -> str:
    """``E2E_CHROMIUM``, or the first Chromium/Chrome on ``PATH``."""
    configured = os.environ.get("E2E_CHROMIUM")
    if configured:
        return configured
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        "No Chromium found for the browser tests: install the system package "
        "(Debian/Ubuntu: `apt-get install chromium`) or set E2E_CHROMIUM to a "
        "Chromium or Chrome binary."
    )


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """A fresh ``test-artifacts/e2e`` folder for this run."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def streamlit_server(engine_env: dict[str, str], artifacts: Path) -> Iterator[Server]:
    """The app (``python asgi.py`` or ``streamlit run``) on a free loopback port, for the session.

    It reads the same engine, with the same sample, as the other tests (``engine_env``).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {name: value for name, value in os.environ.items() if not name.startswith(ENV_PREFIX)}
    env.update({ENV_PREFIX + name: value for name, value in engine_env.items()})
{%- if cookiecutter.auth != "none" %}
    env.update({ENV_PREFIX + name: value for name, value in SIGN_IN_ENV.items()})
{%- endif %}
    entry = ["asgi.py"] if LAUNCHER == "asgi" else ["-m", "streamlit", "run", "streamlit_app.py"]
    command = [
        sys.executable,
        *entry,
        "--server.headless=true",
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
    ]
    log_path = artifacts / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() reaches every child
        )
    try:
        wait_until_healthy(process, url, log_path)
        _REPORT.context.update(
            {"server": url, "settings": sorted(engine_env), "command": command[1:]}
        )
        yield Server(url=url, log_path=log_path)
    finally:
        stop(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_ARGS), headless=True
        )
        _REPORT.context.update({"chromium": executable, "chromium_version": browser.version})
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (a new Streamlit session) per test; uncaught page errors fail it."""
{%- if cookiecutter.auth != "none" %}
    # Signed in as the tests' viewer: the headers their sign-in gives (conftest.py).
    context = browser.new_context(viewport=VIEWPORT, extra_http_headers=default_headers())
{%- else %}
    context = browser.new_context(viewport=VIEWPORT)
{%- endif %}
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not page_errors, f"JavaScript errors in the page: {page_errors}"


@pytest.fixture
def wire(page: Page) -> Wire:
    """The websocket traffic of ``page``, recorded from its first navigation."""
    recorder = Wire()
    recorder.listen(page)
    return recorder


@pytest.fixture(scope="session")
def latency_report(artifacts: Path) -> Iterator[LatencyReport]:
    """Collects interaction latencies; written to ``latency.json`` after the session."""
    yield _REPORT
    if _REPORT.interactions:
        (artifacts / "latency.json").write_text(
            json.dumps(_REPORT.as_dict(), indent=2) + "\n", encoding="utf-8"
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the measured latencies under the test results (no thresholds: numbers only)."""
    if not _REPORT.interactions:
        return
    write = terminalreporter.write_line
    terminalreporter.section("browser interaction latency (key press or click -> updated output)")
    write(f"{'interaction':<44} {'key':<13} ms to each output's final state")
    for item in _REPORT.interactions:
        outputs = ", ".join(f"{name} {ms:.0f}" for name, ms in item["outputs_ms"].items())
        write(f"{item['page'] + ': ' + item['widget']:<44} {item['key']:<13} {outputs}")
    for name, stats in _REPORT.summary().items():
        write(
            f"{name:<44} median {stats['median_ms']:.0f} ms "
            f"(min {stats['min_ms']:.0f}, max {stats['max_ms']:.0f}, n={stats['n']})"
        )
    write(f"written to {ARTIFACTS / 'latency.json'}")
