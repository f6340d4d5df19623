"""Drive a real ``streamlit run`` server over its websocket, the way a browser does.

The benchmark (``python -m benchmarks``) and the load test
(``python -m benchmarks.load``) both measure the real server through this one
module, so they exercise exactly the same protocol:

* ``StreamlitServer`` starts ``streamlit run <script>`` (or, with
  ``launcher="asgi"``, ``python asgi.py <script>``: the same app on Streamlit's
  ASGI entry point) headless on a free 127.0.0.1 port, waits for ``/_stcore/health``,
  samples the server's RSS and always stops the server again (it is a context
  manager, and servers still running at interpreter exit are stopped too).
* ``Session`` is one browser tab. It opens ``/_stcore/stream``, asks for a run
  with a ``rerun_script`` BackMsg, reads the ForwardMsgs that come back
  (elements, widgets, ``script_finished``) and changes widgets as the frontend
  does: the new widget state in the ``ClientState`` plus the ``fragment_id`` of
  the fragment that drew the widget, so the server reruns only that fragment.
  It also answers ``auto_rerun`` requests (``st.fragment(run_every=...)``) on
  their interval, as an open tab would.

An ``Interaction`` is timed from sending the BackMsg to receiving the
``script_finished`` of the run it caused (a full run, or a fragment-only run), or
its last message when Streamlit drops that ``script_finished`` (see
``Session._settle_unfinished``).

The websocket messages are Streamlit's private protocol, not a public API: this
module refuses to run on a Streamlit version it was not checked on
(``TESTED_STREAMLIT``).
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import contextlib
import datetime as dt
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import streamlit
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

HOST = "127.0.0.1"
MB = 1024 * 1024

# Streamlit versions (major.minor) whose websocket protocol this driver was checked on:
# the ForwardMsg/BackMsg fields it reads and sends, and when a run reports it finished.
TESTED_STREAMLIT = ("1.67",)


def check_streamlit_version(version: str = streamlit.__version__) -> None:
    """Stop with one line when Streamlit's private protocol may have changed under us."""
    if ".".join(version.split(".")[:2]) not in TESTED_STREAMLIT:
        raise SystemExit(
            f"benchmarks/driver.py speaks Streamlit's private websocket protocol and was "
            f"checked on Streamlit {', '.join(TESTED_STREAMLIT)}, not {version}: pin "
            f"streamlit=={TESTED_STREAMLIT[-1]}.* or check the driver "
            "(pytest tests/test_load.py) and add the version to TESTED_STREAMLIT."
        )


LAUNCHERS = ("streamlit", "asgi")

# How `streamlit run` is started: headless, loopback only, no file watcher, no telemetry.
SERVER_OPTIONS: dict[str, str] = {
    "server.headless": "true",
    "server.address": HOST,
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
    "browser.gatherUsageStats": "false",
}


class ServerError(RuntimeError):
    """The server did not start or stopped answering; the message ends with its log."""


class SessionError(RuntimeError):
    """The websocket session failed (closed, timed out, or the page is missing)."""


# ----------------------------------------------------------------------------
# The server process
# ----------------------------------------------------------------------------


def free_port(host: str = HOST) -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _get(url: str, timeout: float) -> tuple[int, bytes]:
    # Loopback only: never let an HTTP(S)_PROXY variable route these requests.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return int(response.status), response.read()


def peak_rss_bytes(pid: int) -> int | None:
    """The kernel's record of the highest RSS of ``pid`` (Linux ``VmHWM``), if available."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class RssSampler:
    """Samples a process's resident memory in a background thread.

    With ``limit_mb`` set, a process that grows past it is killed (SIGKILL) and
    ``exceeded`` is set: a benchmark must not take the whole machine down.
    """

    def __init__(self, pid: int, interval: float = 0.05, limit_mb: float | None = None) -> None:
        self.pid = pid
        self.interval = interval
        self.limit_bytes = int(limit_mb * MB) if limit_mb else None
        self.exceeded = False
        self.peak_bytes = 0
        self.last_bytes = 0
        self._process = psutil.Process(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-{pid}", daemon=True)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def sample(self) -> int:
        """The current RSS in bytes (also recorded towards the peak)."""
        with contextlib.suppress(psutil.Error):
            self.last_bytes = self._process.memory_info().rss
            self.peak_bytes = max(self.peak_bytes, self.last_bytes)
            hwm = peak_rss_bytes(self.pid)
            if hwm:
                self.peak_bytes = max(self.peak_bytes, hwm)
        if self.limit_bytes and self.last_bytes > self.limit_bytes and not self.exceeded:
            self.exceeded = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        return self.last_bytes

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    @property
    def peak_mb(self) -> float:
        return self.peak_bytes / MB

    @property
    def rss_mb(self) -> float:
        return self.last_bytes / MB


_RUNNING: set[StreamlitServer] = set()


@atexit.register
def _stop_leftover_servers() -> None:
    for server in list(_RUNNING):
        server.stop()


def option_variable(name: str) -> str:
    """The environment variable Streamlit reads an option from: ``server.maxUploadSize`` ->
    ``STREAMLIT_SERVER_MAX_UPLOAD_SIZE``."""
    return "STREAMLIT_" + re.sub(r"([a-z])([A-Z])", r"\1_\2", name.replace(".", "_")).upper()


class StreamlitServer:
    """``streamlit run <script>`` on a free loopback port, for the length of a ``with`` block.

    ``env`` is added to this process's environment; ``options`` are extra
    ``--section.option=value`` flags. With ``launcher="asgi"`` the server is
    ``python asgi.py <script>`` from ``cwd`` (the project's ``st.App`` launcher),
    and the options go in ``STREAMLIT_*`` variables, read as ``streamlit run``
    reads them. The server always stops on leaving the
    block: SIGTERM, then SIGKILL to its process group after ``stop_timeout``.
    ``memory_limit_mb`` kills a server that grows past it (see ``RssSampler``).
    """

    def __init__(
        self,
        script: Path | str,
        *,
        cwd: Path | str | None = None,
        env: Mapping[str, str] | None = None,
        options: Mapping[str, str] | None = None,
        startup_timeout: float = 90.0,
        stop_timeout: float = 10.0,
        sample_interval: float = 0.05,
        memory_limit_mb: float | None = None,
        launcher: str = "streamlit",
    ) -> None:
        if launcher not in LAUNCHERS:
            raise ValueError(f"unknown launcher {launcher!r}; choose from {list(LAUNCHERS)}")
        self.launcher = launcher
        self.script = Path(script)
        self.cwd = Path(cwd) if cwd else Path.cwd()
        self.env = dict(env or {})
        self.options = {**SERVER_OPTIONS, **(options or {})}
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.sample_interval = sample_interval
        self.memory_limit_mb = memory_limit_mb
        self.port = 0
        self.sampler: RssSampler | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None
        self._final_peak_bytes = 0

    # -- lifecycle ------------------------------------------------------------
    def __enter__(self) -> StreamlitServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def command(self) -> tuple[list[str], dict[str, str]]:
        """The server's command line and the variables it adds to the environment."""
        options = {**self.options, "server.port": str(self.port)}
        if self.launcher == "asgi":
            variables = {option_variable(name): value for name, value in options.items()}
            return [sys.executable, str(self.cwd / "asgi.py"), str(self.script)], variables
        flags = [f"--{name}={value}" for name, value in options.items()]
        return [sys.executable, "-m", "streamlit", "run", str(self.script), *flags], {}

    def start(self) -> None:
        self.port = free_port()
        command, variables = self.command()
        fd, log_name = tempfile.mkstemp(prefix="streamlit-server-", suffix=".log")
        self._log_path = Path(log_name)
        with os.fdopen(fd, "wb") as log:
            self._process = subprocess.Popen(
                command,
                cwd=self.cwd,
                env={**os.environ, **variables, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as one
            )
        _RUNNING.add(self)
        try:
            self.sampler = RssSampler(
                self._process.pid, self.sample_interval, self.memory_limit_mb
            ).start()
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise ServerError(
                    f"the {self.launcher} server exited during start-up.\n{self.log_tail()}"
                )
            with contextlib.suppress(OSError):
                status, body = _get(f"{self.url}/_stcore/health", timeout=2)
                if status == 200 and body.strip() == b"ok":
                    return
            time.sleep(0.05)
        raise ServerError(
            f"/_stcore/health did not answer 'ok' within {self.startup_timeout:g} s.\n"
            f"{self.log_tail()}"
        )

    def stop(self) -> None:
        """Stop the server (idempotent): SIGTERM, then SIGKILL to its process group."""
        process, self._process = self._process, None
        if process is not None:
            if self.sampler is not None:
                self.sampler.stop()
                self._final_peak_bytes = self.sampler.peak_bytes
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=self.stop_timeout)
        _RUNNING.discard(self)

    # -- what it tells -------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def rss_mb(self) -> float:
        """The server's resident memory now (MiB)."""
        return self.sampler.sample() / MB if self.sampler and self.running else 0.0

    def peak_rss_mb(self) -> float:
        """The highest RSS the server reached so far (MiB), also after it died."""
        if self.sampler is None:
            return self._final_peak_bytes / MB
        if self.running:
            self.sampler.sample()
        return max(self.sampler.peak_bytes, self._final_peak_bytes) / MB

    def log_tail(self, lines: int = 40) -> str:
        if self._log_path is None or not self._log_path.exists():
            return ""
        text = self._log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def find_server_pid(port: int) -> int | None:
    """The pid listening on ``port`` on this machine, if visible to us."""
    with contextlib.suppress(psutil.Error):
        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN:
                return conn.pid
    return None


def wait_until_healthy(url: str, timeout: float = 30.0) -> None:
    """Wait for an already running server at ``url`` to answer its health check."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            status, body = _get(f"{url.rstrip('/')}/_stcore/health", timeout=2)
            if status == 200 and body.strip() == b"ok":
                return
        time.sleep(0.1)
    raise ServerError(f"{url} did not answer /_stcore/health within {timeout:g} s")


# ----------------------------------------------------------------------------
# One browser tab
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Widget:
    """A widget as the server last drew it."""

    id: str
    kind: str  # the element type: "slider", "selectbox", ...
    label: str
    fragment_id: str  # "" when the widget is not inside a fragment
    proto: Any = field(repr=False)

    @property
    def key(self) -> str:
        """The user key the script gave the widget ("" if none)."""
        return self.id.split("-", 2)[-1] if self.id.startswith("$$ID-") else ""


@dataclass(frozen=True)
class Interaction:
    """One request and the run that answered it."""

    kind: str  # "first", "widget" or "auto"
    elapsed_ms: float
    fragment_ids: tuple[str, ...] = ()  # empty: a full run
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def fragment_only(self) -> bool:
        return bool(self.fragment_ids)


@dataclass
class _Pending:
    kind: str
    fragment_id: str | None
    sent: float
    future: asyncio.Future[Interaction]
    run_id: str | None = None
    # Set when the run reported FINISHED_EARLY_FOR_RERUN: (when, fragments, errors).
    early: tuple[float, tuple[str, ...], tuple[str, ...]] | None = None

    def covered_by(self, fragment_ids: tuple[str, ...]) -> bool:
        """Whether a run of ``fragment_ids`` (empty: the whole page) answers this request."""
        return not fragment_ids or self.fragment_id in fragment_ids

    def resolve(self, at: float, fragment_ids: tuple[str, ...], errors: tuple[str, ...]) -> None:
        if not self.future.done():
            self.future.set_result(
                Interaction(self.kind, (at - self.sent) * 1000, fragment_ids, errors)
            )


@dataclass
class _Run:
    run_id: str
    fragment_ids: tuple[str, ...]
    errors: list[str] = field(default_factory=list)
    last_message_at: float = field(default_factory=time.perf_counter)


def default_headers() -> dict[str, str]:
    """Headers every session sends unless told otherwise: ``BENCHMARK_HEADERS`` (JSON).

    Behind a sign-in proxy the app answers only requests that carry the proxy's
    headers; set them here to measure a deployed app or one that checks them.
    """
    headers = json.loads(os.environ.get("BENCHMARK_HEADERS") or "{}")
    if not isinstance(headers, dict):
        raise SystemExit("BENCHMARK_HEADERS must be a JSON object of header names and values")
    return {str(name): str(value) for name, value in headers.items()}


class Session:
    """One browser tab on a running server, over ``/_stcore/stream``.

    Use ``async with Session(url) as session:``, then ``await session.open()``
    for the first run and ``await session.set_slider(label, (lo, hi))`` for
    each interaction. Errors (exceptions and ``st.error`` blocks drawn by a run,
    compile errors, timeouts) come back on the ``Interaction``; errors of runs
    nobody waited for (auto reruns) collect in ``background_errors``.

    ``quickack=True`` (Linux) acknowledges every server message at once. Streamlit
    1.67 listens on a socket created with protocol 0, so asyncio never sets
    TCP_NODELAY on its connections: Nagle's algorithm holds the server's second
    message of a run until the client's delayed ACK (40 ms on Linux). Browsers
    wait for it too, so the default (False) measures what users see; True
    measures the server's own work.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 120.0,
        auto_rerun: bool = True,
        quickack: bool = False,
        timezone: str = "UTC",
        locale: str = "en-US",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.headers = default_headers() if headers is None else dict(headers)
        self.timeout = timeout
        self.auto_rerun = auto_rerun
        check_streamlit_version()
        self.quickack = quickack and hasattr(socket, "TCP_QUICKACK")
        self.timezone = timezone
        self.locale = locale
        self.page = ""
        self.page_script_hash = ""
        self.widgets: dict[str, Widget] = {}
        self.background_errors: list[str] = []
        self.messages = 0
        self._states: dict[str, WidgetState] = {}
        self._pending: list[_Pending] = []
        self._runs: dict[str, _Run] = {}
        self._current: _Run | None = None
        self._auto: dict[str, asyncio.Task[None]] = {}
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._closed_reason: str | None = None
        # The last lifecycle events, quoted in a timeout error to show what happened.
        self._trace: collections.deque[str] = collections.deque(maxlen=12)

    async def __aenter__(self) -> Session:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def connect(self) -> None:
        ws_url = "ws" + self.url.removeprefix("http") + "/_stcore/stream"
        self._ws = await connect(
            ws_url,
            origin=self.url,  # same-origin, as the app's own page would be
            subprotocols=["streamlit"],
            compression=None,
            max_size=None,
            proxy=None,
            open_timeout=self.timeout,
            additional_headers=self.headers,
        )
        self._reader = asyncio.create_task(self._read(), name="streamlit-session-reader")

    async def close(self) -> None:
        for task in self._auto.values():
            task.cancel()
        self._auto.clear()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await self._reader
        self._fail_pending("session closed")

    # -- what a user does ---------------------------------------------------
    async def open(self, page: str = "") -> Interaction:
        """The first run of the app (``page`` is a url path such as ``"explore"``)."""
        self.page = page
        return await self._request("first", None)

    def widget(self, label: str | None = None, *, key: str | None = None) -> Widget:
        """The widget drawn most recently with this label (or user key)."""
        for widget in reversed(list(self.widgets.values())):
            if (label is None or widget.label == label) and (key is None or widget.key == key):
                return widget
        known = sorted({w.label for w in self.widgets.values()})
        raise SessionError(f"no widget labelled {label!r} (key {key!r}); the page has {known}")

    def first_slider(self) -> Widget:
        """The first slider the page drew: what the benchmark and load test move by default."""
        for widget in self.widgets.values():
            if widget.kind == "slider":
                return widget
        known = sorted({w.label for w in self.widgets.values()})
        raise SessionError(f"the page has no slider to move (its widgets: {known})")

    async def set_slider(self, label: str, values: Sequence[float]) -> Interaction:
        """Move a slider to ``values`` (in the slider's own units: see ``slider_bounds``)."""
        widget = self.widget(label)
        state = WidgetState(id=widget.id)
        state.double_array_value.data.extend(float(v) for v in values)
        return await self.set_widget(widget, state)

    async def set_widget(self, widget: Widget, state: WidgetState) -> Interaction:
        """Send a new state for ``widget``, rerunning its fragment (or the page)."""
        self._states[widget.id] = state
        return await self._request("widget", widget.fragment_id or None)

    # -- protocol -------------------------------------------------------------
    def _rerun_message(self, fragment_id: str | None, *, auto: bool) -> BackMsg:
        message = BackMsg()
        client = message.rerun_script
        client.page_script_hash = self.page_script_hash
        if not self.page_script_hash and self.page:
            client.page_name = self.page
        client.widget_states.widgets.extend(self._states.values())
        if fragment_id:
            client.fragment_id = fragment_id
        client.is_auto_rerun = auto
        client.context_info.timezone = self.timezone
        client.context_info.locale = self.locale
        client.context_info.url = f"{self.url}/{self.page}"
        return message

    async def _request(self, kind: str, fragment_id: str | None) -> Interaction:
        if self._ws is None or self._closed_reason:
            raise SessionError(self._closed_reason or "not connected")
        future: asyncio.Future[Interaction] = asyncio.get_running_loop().create_future()
        pending = _Pending(kind, fragment_id, time.perf_counter(), future)
        self._pending.append(pending)
        payload = self._rerun_message(fragment_id, auto=kind == "auto").SerializeToString()
        self._trace.append(f"sent {kind} {_short(fragment_id)}")
        try:
            await self._ws.send(payload)
            return await asyncio.wait_for(asyncio.shield(future), self.timeout)
        except TimeoutError:
            elapsed = (time.perf_counter() - pending.sent) * 1000
            trace = "; ".join(self._trace)
            error = f"no script_finished within {self.timeout:g} s (last events: {trace})"
            return Interaction(kind, elapsed, errors=(error,))
        except ConnectionClosed as error:
            elapsed = (time.perf_counter() - pending.sent) * 1000
            return Interaction(kind, elapsed, errors=(f"connection closed: {error}",))
        finally:
            if pending in self._pending:
                self._pending.remove(pending)

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            sock = self._ws.transport.get_extra_info("socket") if self.quickack else None
            async for raw in self._ws:
                if sock is not None:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                message = ForwardMsg()
                message.ParseFromString(raw)  # type: ignore[arg-type]
                self.messages += 1
                self._handle(message)
        except ConnectionClosed as error:
            self._closed_reason = f"connection closed: {error}"
        finally:
            self._closed_reason = self._closed_reason or "connection closed"
            self._fail_pending(self._closed_reason)

    def _fail_pending(self, reason: str) -> None:
        for pending in self._pending:
            pending.resolve(time.perf_counter(), (), (reason,))

    def _handle(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "delta":
            self._on_delta(message)
        elif kind == "new_session":
            self._on_run_started(message)
        elif kind == "script_finished":
            self._on_run_finished(message)
        elif kind == "auto_rerun":
            self._schedule_auto_rerun(message.auto_rerun.fragment_id, message.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in message.stop_auto_rerun.fragment_ids:
                task = self._auto.pop(fragment_id, None)
                if task is not None:
                    task.cancel()
        elif kind == "session_event" and message.session_event.HasField(
            "script_compilation_exception"
        ):
            self._record_error(
                f"compile error: {message.session_event.script_compilation_exception.message}"
            )
        elif kind == "page_not_found":
            self._record_error(f"page not found: {message.page_not_found.page_name}")

    def _on_run_started(self, message: ForwardMsg) -> None:
        run = _Run(message.metadata.run.script_run_id, tuple(message.metadata.run.fragment_ids))
        self._trace.append(f"start {_short(run.run_id)} {[_short(f) for f in run.fragment_ids]}")
        self._runs[run.run_id] = run
        self._current = run
        self._settle_unfinished(run)
        if not run.fragment_ids:
            # A full run redraws the page: the frontend forgets its widgets and timers.
            self.page_script_hash = message.new_session.page_script_hash
            self.widgets.clear()
            for task in self._auto.values():
                task.cancel()
            self._auto.clear()
        claimed = False
        for pending in self._pending:
            if pending.future.done() or pending.run_id is not None:
                continue
            covered = pending.covered_by(run.fragment_ids)
            if pending.early is not None and not covered:
                # The run that "ended early" was not rerun: another fragment's run
                # started while its script_finished was still queued, and Streamlit
                # relabels a queued script_finished as FINISHED_EARLY_FOR_RERUN. Its
                # output was delivered, so it answered this request.
                pending.resolve(*pending.early)
            elif covered and not (claimed and pending.kind != "auto"):
                pending.run_id = run.run_id
                pending.early = None
                claimed = claimed or pending.kind != "auto"

    def _settle_unfinished(self, new: _Run) -> None:
        """Requests whose run never reported ``script_finished`` before ``new`` started.

        A new run starts only after the previous script body is done (or was
        abandoned for a full rerun), so everything the old run drew has arrived.
        Streamlit 1.67 can drop the old run's ``script_finished``: when a request
        lands while the finishing ScriptRunner is shutting down, the session starts
        a new ScriptRunner and ignores the old one's remaining events. Requests the
        new run covers wait for it; the others are answered by what already came.
        """
        for pending in self._pending:
            if pending.future.done() or pending.run_id in (None, new.run_id):
                continue
            old = self._runs.pop(pending.run_id, None) or _Run(pending.run_id, ())
            if pending.covered_by(new.fragment_ids):
                pending.run_id = None  # claimed by the new run below
            else:
                pending.resolve(old.last_message_at, old.fragment_ids, tuple(old.errors))

    def _on_run_finished(self, message: ForwardMsg) -> None:
        run_id = message.metadata.run.script_run_id or (
            self._current.run_id if self._current else ""
        )
        run = self._runs.pop(run_id, None) or _Run(run_id, ())
        status = message.script_finished
        self._trace.append(f"finish {_short(run_id)} status {status}")
        if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
            run.errors.append("the script failed to compile")
        waiting = [p for p in self._pending if p.run_id == run_id and not p.future.done()]
        now = time.perf_counter()
        if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            # Either a newer run replaces this one (wait for it) or the label is
            # Streamlit's relabelling of a finished run: the next run_started decides.
            for pending in waiting:
                pending.run_id = None
                pending.early = (now, run.fragment_ids, tuple(run.errors))
            return
        for pending in waiting:
            pending.resolve(now, run.fragment_ids, tuple(run.errors))
        if not waiting or all(p.kind == "auto" for p in waiting):
            self.background_errors.extend(run.errors)

    def _on_delta(self, message: ForwardMsg) -> None:
        if self._current is not None:
            self._current.last_message_at = time.perf_counter()
        delta = message.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception" and not element.exception.is_warning:
            self._record_error(f"{element.exception.type}: {element.exception.message}")
        elif kind == "alert" and element.alert.format == Alert.ERROR:
            self._record_error(f"st.error: {element.alert.body}")
        elif kind is not None:
            proto = getattr(element, kind)
            widget_id = getattr(proto, "id", "")
            if widget_id and isinstance(widget_id, str) and hasattr(proto, "label"):
                self.widgets[widget_id] = Widget(
                    widget_id, kind, proto.label, delta.fragment_id, proto
                )

    def _record_error(self, error: str) -> None:
        if self._current is not None:
            self._current.errors.append(error)
        else:
            self.background_errors.append(error)

    def _schedule_auto_rerun(self, fragment_id: str, interval: float) -> None:
        if not self.auto_rerun or interval <= 0:
            return
        old = self._auto.pop(fragment_id, None)
        if old is not None:
            old.cancel()
        self._auto[fragment_id] = asyncio.create_task(
            self._auto_rerun_loop(fragment_id, interval), name=f"auto-rerun-{fragment_id}"
        )

    async def _auto_rerun_loop(self, fragment_id: str, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            result = await self._request("auto", fragment_id)
            if result.errors and result.errors[0].startswith("connection closed"):
                return


def _short(identifier: str | None) -> str:
    return (identifier or "page")[:6]


# ----------------------------------------------------------------------------
# Slider moves, shared by every driver
# ----------------------------------------------------------------------------


def slider_bounds(widget: Widget) -> tuple[float, float, float]:
    """``(min, max, step)`` of a slider, in the units its widget state uses."""
    proto = widget.proto
    return float(proto.min), float(proto.max), float(proto.step or 1)


def range_moves(
    low: float, high: float, step: float, count: int, seed: int = 0
) -> list[tuple[float, float]]:
    """``count`` distinct ``(start, end)`` ranges on a slider's grid, deterministic for a seed.

    Each range differs from every other one, so no move is served from a cache
    filled by an earlier move. Starts fall in the first half, ends in the second.
    """
    steps = max(round((high - low) / step), 3)
    half = steps // 2
    rng = random.Random(seed)
    seen: set[tuple[int, int]] = {(0, steps)}  # the initial value is not a move
    moves: list[tuple[float, float]] = []
    limit = max(count * 50, 1000)
    while len(moves) < count and limit:
        limit -= 1
        pair = (rng.randrange(0, half), rng.randrange(half + 1, steps + 1))
        if pair in seen:
            continue
        seen.add(pair)
        moves.append((low + pair[0] * step, low + pair[1] * step))
    if len(moves) < count:
        raise ValueError(f"the slider has too few positions for {count} distinct moves")
    return moves


EPOCH = dt.datetime(1970, 1, 1)


def slider_value(data_type: int, units: float) -> Any:
    """A slider value in Python terms from its widget-state units (for AppTest)."""
    from streamlit.proto.Slider_pb2 import Slider

    if data_type == Slider.INT:
        return int(units)
    if data_type == Slider.DATE:
        return (EPOCH + dt.timedelta(microseconds=units)).date()
    if data_type == Slider.DATETIME:
        return EPOCH + dt.timedelta(microseconds=units)
    return float(units)
