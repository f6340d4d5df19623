"""N replicas of the app behind HAProxy with sticky sessions, and the load test through it.

    python -m benchmarks.replicas serve --replicas 2      # until Ctrl-C; prints the URL
    python -m benchmarks.replicas load --replicas 2 --sessions 50 --duration 60 \\
        --stop-one-at 30 --json replicas.json

Each replica is ``python asgi.py`` on its own loopback port (the project's own
config), so each one refuses requests that did not come through the proxy.
HAProxy, from Debian's ``haproxy`` package, is the proxy and the load balancer:

* sign-in: HTTP basic auth against a list of test people stands in for the
  organization's single sign-on. HAProxy then sets ``X-Forwarded-Email`` and
  ``X-Forwarded-Groups`` (replacing whatever the browser sent) and the secret
  ``X-Proxy-Secret`` that the replicas check;
* sticky sessions: the first response sets a ``SERVERID`` cookie that pins the
  browser to its replica (each Streamlit session lives in one process), and
  ``option redispatch`` moves the browsers of a stopped replica to a live one;
* health: ``GET /_stcore/health`` every 500 ms.

``load`` runs K browser-like sessions (``benchmarks.driver.Session``), spread over
10 people with different access rules. Each one opens the Overview, checks the
filter options and every figure it is shown against a pandas oracle over exactly
that person's rows, then moves the date range after each think time and checks
again. A figure that is wrong counts as an error; one that matches another
person's rows and not the session's own counts as a cross-user leak.
``--stop-one-at`` stops the last replica mid-test: its sessions lose their
websocket, reconnect through HAProxy to a live replica as a browser does, start
a new session there and carry on; the report says how many and how long it took.

The data is the project's deterministic sample (``--sample-rows``): written to a
temporary Parquet file for DuckDB, or already loaded into the engine named by
``--set`` (e.g. the tests' local PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import bisect
import contextlib
import datetime as dt
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import pandas as pd
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from {{ cookiecutter.package_name }} import views
from {{ cookiecutter.package_name }}.data import Schema, Totals, sample
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX

from .driver import (
    EPOCH,
    HOST,
    ServerError,
    Session,
    SessionError,
    StreamlitServer,
    free_port,
    range_moves,
    slider_bounds,
)
from .stats import describe_machine, machine, markdown_table, percentile, rounded

PROJECT_ROOT = Path(__file__).resolve().parents[1]
IDENTITY_HEADERS = ("X-Forwarded-Email", "X-Forwarded-Groups")  # as in .streamlit/config.toml
STICKY_COOKIE = "SERVERID"
TARGET_P95_MS = 1000.0
SETTLE_SECONDS = 5.0  # how long a move's figures may lag its run's end before they count wrong

# Ten people with different access. RULES is what the replicas are configured with;
# ROWS says, independently, which rows each person must see (the oracle's answer key).
RULES: dict[str, dict[str, dict[str, list[str]]]] = {
    "users": {
        "p01@example.com": {"region": ["North America"]},
        "p02@example.com": {"region": ["Western Europe"]},
        "p03@example.com": {"region": ["East Asia", "South Asia"]},
        "p04@example.com": {"region": ["Northern Europe"], "channel": ["Online"]},
        "p05@example.com": {"region": ["Latin America"], "channel": ["Retail", "Partner"]},
        "p06@example.com": {"channel": ["Partner"]},
        "p07@example.com": {"region": ["Oceania", "Africa"]},
    },
    "groups": {
        "emea": {"region": ["Western Europe", "Northern Europe", "Africa"]},
        "apac": {"region": ["East Asia", "South Asia", "Oceania"]},
        "online": {"channel": ["Online"]},
    },
}
PEOPLE: dict[str, tuple[str, ...]] = {
    **{f"p0{n}@example.com": () for n in range(1, 8)},
    "p08@example.com": ("emea",),
    "p09@example.com": ("apac", "online"),
    "p10@example.com": ("emea", "online"),
}
EMEA = ["Western Europe", "Northern Europe", "Africa"]
ROWS: dict[str, dict[str, list[str]]] = {
    **RULES["users"],  # one rule each: exactly its grants
    # Group rules add up per dimension; dimensions restrict each other.
    "p08@example.com": {"region": EMEA},
    "p09@example.com": {"region": ["East Asia", "South Asia", "Oceania"], "channel": ["Online"]},
    "p10@example.com": {"region": EMEA, "channel": ["Online"]},
}


# ----------------------------------------------------------------------------
# HAProxy and the replicas
# ----------------------------------------------------------------------------


# Spelled with $names (string.Template): HAProxy's own { } must not be doubled in this file.
HAPROXY = Template(
    """# Written by benchmarks/replicas.py: the tested configuration (docs/deploying.md).
global
    maxconn 4096

defaults
    mode http
    option http-server-close
    option redispatch          # a stopped replica's browsers go to a live one
    retries 3
    timeout connect 2s
    timeout client 1h          # websockets stay open as long as the tab
    timeout server 1h
    timeout tunnel 1h
    timeout http-request 10s

userlist people
$people
frontend app
    bind $host:$port
    # The sign-in: here basic auth stands in for the organization's single sign-on.
    http-request auth realm app unless { http_auth(people) }
    # Never pass on identity or secret headers a browser sent itself.
    http-request del-header $email_header
    http-request del-header $groups_header
    http-request del-header X-Proxy-Secret
    http-request set-header $email_header %[http_auth_user]
    http-request set-header $groups_header %[http_auth_user,map($groups_map,)]
    http-request set-header X-Proxy-Secret $secret
    default_backend replicas

backend replicas
    balance roundrobin
    # Sticky sessions: Streamlit keeps each session (and its websocket) in one process.
    cookie $cookie insert indirect nocache httponly
    option httpchk GET /_stcore/health
$servers"""
)


def haproxy_config(
    port: int,
    replicas: Mapping[str, int],
    proxy_secret: str,
    passwords: Mapping[str, str],
    groups_map: Path,
) -> str:
    """HAProxy's configuration: sign-in, identity headers, sticky sessions, health checks."""
    email_header, groups_header = IDENTITY_HEADERS
    return HAPROXY.substitute(
        host=HOST,
        port=port,
        people="".join(
            f"    user {email} insecure-password {password}\n"
            for email, password in sorted(passwords.items())
        ),
        email_header=email_header,
        groups_header=groups_header,
        groups_map=groups_map,
        secret=proxy_secret,
        cookie=STICKY_COOKIE,
        servers="".join(
            f"    server {name} {HOST}:{replica_port} check cookie {name} inter 500 fall 2 rise 1\n"
            for name, replica_port in replicas.items()
        ),
    )


def groups_map(people: Mapping[str, tuple[str, ...]]) -> str:
    """HAProxy's map from a person to the groups header (names separated by commas)."""
    return "".join(f"{email} {','.join(groups)}\n" for email, groups in people.items() if groups)


class Replicas:
    """``count`` app replicas behind HAProxy on loopback, for the length of a ``with`` block.

    ``env`` holds settings for every replica (``{ENV_PREFIX}...`` variables); the
    access rules, the proxy secret and the people's passwords are made here.
    """

    def __init__(
        self,
        count: int = 2,
        *,
        env: Mapping[str, str] | None = None,
        port: int | None = None,
        script: Path = PROJECT_ROOT / "streamlit_app.py",
    ) -> None:
        if shutil.which("haproxy") is None:
            raise SystemExit("haproxy is not installed: apt-get install haproxy (Debian)")
        self.count = count
        self.port = port or free_port()
        self.script = script
        self.secret = secrets.token_urlsafe(32)
        self.passwords = {email: secrets.token_urlsafe(12) for email in PEOPLE}
        self.env = {
            f"{ENV_PREFIX}PROXY__SECRET": self.secret,
            f"{ENV_PREFIX}ACCESS__USERS": json.dumps(RULES["users"]),
            f"{ENV_PREFIX}ACCESS__GROUPS": json.dumps(RULES["groups"]),
            **(env or {}),
        }
        self.servers: dict[str, StreamlitServer] = {}
        self._haproxy: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> Replicas:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        for number in range(1, self.count + 1):
            server = StreamlitServer(self.script, cwd=PROJECT_ROOT, env=self.env, launcher="asgi")
            self.servers[f"r{number}"] = server
            server.start()
        self._dir = tempfile.TemporaryDirectory(prefix="replicas-")
        folder = Path(self._dir.name)
        (folder / "groups.map").write_text(groups_map(PEOPLE), encoding="utf-8")
        config = folder / "haproxy.cfg"
        config.write_text(
            haproxy_config(
                self.port,
                {name: server.port for name, server in self.servers.items()},
                self.secret,
                self.passwords,
                folder / "groups.map",
            ),
            encoding="utf-8",
        )
        config.chmod(0o600)  # it holds the proxy secret
        self._log = folder / "haproxy.log"
        with self._log.open("wb") as log:
            self._haproxy = subprocess.Popen(
                ["haproxy", "-db", "-f", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_for_proxy()

    def _wait_for_proxy(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._haproxy is None or self._haproxy.poll() is not None:
                raise ServerError(f"haproxy exited:\n{self._log.read_text(errors='replace')}")
            with contextlib.suppress(OSError):
                status, _ = get(f"{self.url}/_stcore/health", self.credentials(next(iter(PEOPLE))))
                if status == 200:
                    return
            time.sleep(0.05)
        raise ServerError(f"haproxy did not answer on {self.url} within {timeout:g} s")

    def credentials(self, email: str) -> dict[str, str]:
        """The Authorization header that signs ``email`` in at the proxy."""
        token = base64.b64encode(f"{email}:{self.passwords[email]}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def stop_replica(self, name: str) -> None:
        """Stop one replica (SIGTERM), as a rolling update or a crashed node would."""
        self.servers[name].stop()

    def stop(self) -> None:
        if self._haproxy is not None:
            self._haproxy.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._haproxy.wait(timeout=10)
            if self._haproxy.poll() is None:
                self._haproxy.kill()
            self._haproxy = None
        for server in self.servers.values():
            server.stop()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None


def get(url: str, headers: Mapping[str, str], timeout: float = 10.0) -> tuple[int, dict[str, str]]:
    """GET ``url`` on loopback (no proxy variables): the status and the cookies it set."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers=dict(headers))
    try:
        with opener.open(request, timeout=timeout) as response:
            cookies = response.headers.get_all("Set-Cookie") or []
            status = int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code), {}
    jar = {}
    for cookie in cookies:
        name, _, value = cookie.split(";", 1)[0].partition("=")
        jar[name.strip()] = value.strip()
    return status, jar


# ----------------------------------------------------------------------------
# The oracle: what each person must see, from pandas over the sample
# ----------------------------------------------------------------------------

AGGREGATE = {"sum": "sum", "mean": "mean", "min": "min", "max": "max", "count": "count"}
AGGREGATE["count_distinct"] = "nunique"


class Oracle:
    """Each person's figures for any date range, computed with pandas over their rows."""

    def __init__(self, every_row: pd.DataFrame, schema: Schema) -> None:
        self.schema = schema
        date = str(schema.date_column)
        self.rows: dict[str, pd.DataFrame] = {}
        for email, allowed in ROWS.items():
            keep = pd.Series(True, index=every_row.index)
            for dimension, values in allowed.items():
                keep &= every_row[dimension].isin(values)
            self.rows[email] = every_row[keep].sort_values(date, kind="stable")
        self.dates = {email: list(rows[date]) for email, rows in self.rows.items()}

    def options(self, email: str) -> list[str]:
        """What the Overview's first filter offers the person: their values only."""
        return sorted(self.rows[email][self.schema.dimensions[0]].unique())

    def figures(self, email: str, start: dt.date, end: dt.date) -> dict[str, str]:
        """The headline figures for ``start..end`` as the page formats them."""
        dates = self.dates[email]
        rows = self.rows[email].iloc[
            bisect.bisect_left(dates, start) : bisect.bisect_right(dates, end)
        ]
        totals = Totals(
            rows=len(rows),
            values={
                m: float(rows[m].agg(AGGREGATE[a]))
                for m, a in zip(self.schema.measures, self.schema.aggregations, strict=True)
            },
            counted={m: int(rows[m].count()) for m in self.schema.measures},
        )
        return {kpi.label: kpi.value for kpi in views.kpis(totals, self.schema)}

    def bounds(self, email: str) -> tuple[dt.date, dt.date]:
        return self.dates[email][0], self.dates[email][-1]


def slider_dates(values: tuple[float, float]) -> tuple[dt.date, dt.date]:
    """A date slider's position (microseconds since 1970) as dates."""
    start, end = ((EPOCH + dt.timedelta(microseconds=v)).date() for v in values)
    return start, end


# ----------------------------------------------------------------------------
# One person's session, checked against the oracle
# ----------------------------------------------------------------------------


class CheckedSession(Session):
    """A ``Session`` that also keeps the last value of every metric the page drew."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.figures: dict[str, str] = {}

    def _on_delta(self, message: ForwardMsg) -> None:
        super()._on_delta(message)
        if message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            if element.WhichOneof("type") == "metric":
                self.figures[element.metric.label] = element.metric.body


@dataclass
class Log:
    """What one simulated person saw."""

    email: str
    replicas: list[str] = field(default_factory=list)  # where each of its sessions ran
    first_run_ms: list[float] = field(default_factory=list)
    interactions: list[tuple[float, float]] = field(default_factory=list)  # (when, ms)
    checked: int = 0
    wrong: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    interrupted_at: float | None = None  # when its replica went away
    reconnected_ms: float | None = None  # from then to a full page on a live replica
    moves: Iterator[tuple[float, float]] | None = field(default=None, repr=False)


async def check(
    log: Log,
    session: CheckedSession,
    oracle: Oracle,
    dates: tuple[dt.date, dt.date],
    wait: float = SETTLE_SECONDS,
) -> float:
    """Compare the headline figures on screen with the oracle's; the ms spent waiting for them.

    Figures that arrive after the run reported it finished (the driver cannot always
    tell which run answers a move) are waited for up to ``wait`` seconds: the wait
    counts towards the move's latency, as a person would wait for them.
    """
    expected = oracle.figures(log.email, *dates)
    started = time.perf_counter()
    shown = {label: session.figures.get(label) for label in expected}
    while shown != expected and time.perf_counter() - started < wait:
        await asyncio.sleep(0.02)
        shown = {label: session.figures.get(label) for label in expected}
    log.checked += 1
    if shown == expected:
        return (time.perf_counter() - started) * 1000
    others = [e for e in ROWS if e != log.email and oracle.figures(e, *dates) == shown]
    problem = f"{log.email} {dates[0]}..{dates[1]}: shown {shown}"
    (log.leaks if others else log.wrong).append(
        problem + (f" = rows of {others}" if others else "")
    )
    return 0.0


async def person(
    index: int,
    proxy: Replicas,
    oracle: Oracle,
    *,
    deadline: float,
    think: tuple[float, float],
    timeout: float,
) -> Log:
    """One browser tab of one of the ten people, until the deadline; reconnects once if cut."""
    log = Log(list(PEOPLE)[index % len(PEOPLE)])
    rng = random.Random(index)
    while time.monotonic() < deadline:
        try:
            cut = await _browse(log, proxy, oracle, rng, deadline, think, timeout)
        except Exception as error:  # a session that cannot connect is an error, not a crash
            log.errors.append(f"{type(error).__name__}: {error}")
            break
        if not cut:
            break
        if log.interrupted_at is not None:
            log.errors.append("its websocket was cut again after it reconnected")
            break
        log.interrupted_at = time.monotonic()
    return log


async def _browse(
    log: Log,
    proxy: Replicas,
    oracle: Oracle,
    rng: random.Random,
    deadline: float,
    think: tuple[float, float],
    timeout: float,
) -> bool:
    """Open the app through the proxy and move the date range; True when the socket was cut."""
    headers = proxy.credentials(log.email)
    status, cookies = await asyncio.to_thread(get, f"{proxy.url}/", headers)
    if status != 200 or STICKY_COOKIE not in cookies:
        log.errors.append(f"GET / through the proxy: HTTP {status}, cookies {sorted(cookies)}")
        return False
    log.replicas.append(cookies[STICKY_COOKIE])
    headers["Cookie"] = f"{STICKY_COOKIE}={cookies[STICKY_COOKIE]}"
    async with CheckedSession(proxy.url, timeout=timeout, headers=headers) as session:
        first = await session.open()
        if first.errors:
            return _cut(log, first.errors)
        log.first_run_ms.append(first.elapsed_ms)
        if log.interrupted_at is not None:
            log.reconnected_ms = (time.monotonic() - log.interrupted_at) * 1000
        slider = session.first_slider()
        filter_options = [w for w in session.widgets.values() if w.kind == "multiselect"]
        if [list(w.proto.options) for w in filter_options] != [oracle.options(log.email)]:
            log.leaks.append(f"{log.email}: filter options {filter_options[0].proto.options}")
        await check(log, session, oracle, oracle.bounds(log.email))
        if log.moves is None:
            low, high, step = slider_bounds(slider)
            log.moves = iter(range_moves(low, high, step, 10_000, seed=rng.randrange(1 << 30)))
        while True:
            pause = rng.uniform(*think)
            if time.monotonic() + pause >= deadline:
                return False
            await asyncio.sleep(pause)
            position = next(log.moves)
            try:
                result = await session.set_slider(slider.label, position)
            except SessionError as error:  # the socket closed while the person was thinking
                return _cut(log, [str(error)])
            if result.errors:
                return _cut(log, result.errors)
            waited = await check(log, session, oracle, slider_dates(position))
            log.interactions.append((time.monotonic(), result.elapsed_ms + waited))


def _cut(log: Log, errors: tuple[str, ...] | list[str]) -> bool:
    """Whether ``errors`` mean the replica went away (reconnect), else record them."""
    if all(error.startswith("connection closed") for error in errors):
        return True
    log.errors.extend(errors)
    return False


async def run_load(
    proxy: Replicas,
    oracle: Oracle,
    *,
    sessions: int,
    duration: float,
    ramp: float,
    think: tuple[float, float],
    timeout: float,
    stop_one_at: float | None,
) -> dict[str, Any]:
    started = time.monotonic()
    deadline = started + duration
    tasks = []
    for index in range(sessions):
        tasks.append(
            asyncio.create_task(
                person(index, proxy, oracle, deadline=deadline, think=think, timeout=timeout)
            )
        )
        await asyncio.sleep(ramp / max(sessions - 1, 1))
    stopped = stopped_at = None
    if stop_one_at is not None:
        await asyncio.sleep(max(started + stop_one_at - time.monotonic(), 0))
        stopped = list(proxy.servers)[-1]
        stopped_at = time.monotonic()
        await asyncio.to_thread(proxy.stop_replica, stopped)
    logs: list[Log] = await asyncio.gather(*tasks)
    return summarize(logs, time.monotonic() - started, stopped, stopped_at)


def latency(values: list[float]) -> dict[str, float | None]:
    return {
        "p50": rounded(percentile(values, 50)),
        "p95": rounded(percentile(values, 95)),
        "p99": rounded(percentile(values, 99)),
        "max": rounded(max(values, default=None)),
    }


def summarize(
    logs: list[Log], elapsed: float, stopped: str | None, stopped_at: float | None
) -> dict[str, Any]:
    timed = [moment for log in logs for moment in log.interactions]
    interactions = [ms for _, ms in timed]
    cutoff = stopped_at if stopped_at is not None else float("inf")
    firsts = [ms for log in logs for ms in log.first_run_ms]
    cut = [log for log in logs if log.interrupted_at is not None]
    reconnects = [log.reconnected_ms for log in cut if log.reconnected_ms is not None]
    return {
        "sessions": len(logs),
        "people": len({log.email for log in logs}),
        "duration_s": round(elapsed, 1),
        "interactions": len(interactions),
        "latency_ms": latency(interactions),
        # With every replica up, and after one was stopped (its sessions moved over).
        "latency_before_stop_ms": latency([ms for at, ms in timed if at < cutoff]),
        "latency_after_stop_ms": latency([ms for at, ms in timed if at >= cutoff]),
        "first_run_ms": {
            "p50": rounded(percentile(firsts, 50)),
            "p95": rounded(percentile(firsts, 95)),
        },
        "checked": sum(log.checked for log in logs),
        "wrong": sum(len(log.wrong) for log in logs),
        "leaks": sum(len(log.leaks) for log in logs),
        "errors": sum(len(log.errors) for log in logs),
        "problem_samples": sorted(
            {p for log in logs for p in (*log.errors, *log.wrong, *log.leaks)}
        )[:10],
        "sessions_per_replica": dict(
            sorted(Counter(log.replicas[0] for log in logs if log.replicas).items())
        ),
        "stopped_replica": stopped,
        "cut_sessions": len(cut),
        "reconnected": len(reconnects),
        "reconnected_to": dict(
            sorted(Counter(log.replicas[-1] for log in cut if log.replicas).items())
        ),
        "reconnect_ms": {
            "p50": rounded(percentile(reconnects, 50)),
            "max": rounded(max(reconnects, default=None)),
        },
    }


# ----------------------------------------------------------------------------
# The command
# ----------------------------------------------------------------------------


def sample_env(rows: int, settings: list[str], folder: Path) -> dict[str, str]:
    """The replicas' settings: ``--set`` values, or a fresh sample of ``rows`` for DuckDB."""
    env = {}
    for setting in settings:
        name, equals, value = setting.partition("=")
        if not name or not equals:
            raise SystemExit(f"--set needs NAME=VALUE, got {setting!r}")
        env[ENV_PREFIX + name.upper()] = value
{%- if cookiecutter.data_source == "duckdb" %}
    if f"{ENV_PREFIX}DATA_PATH" not in env:
        path = sample.write_parquet(folder / "sample.parquet", rows)
        env[f"{ENV_PREFIX}DATA_PATH"] = str(path)
{%- endif %}
    return env


def oracle_for(rows: int, env: Mapping[str, str]) -> Oracle:
    """The oracle over the sample, with the schema the app reads from the same settings."""
    from {{ cookiecutter.package_name }}.data import get_source

    os.environ.update(env)  # this process only reads the data, as the replicas do
    return Oracle(pd.DataFrame(sample.rows(rows), columns=sample.COLUMNS), get_source().schema)


def render(report: dict[str, Any]) -> str:
    result = report["result"]
    spread = result["sessions_per_replica"]

    def quantiles(name: str) -> str:
        return " / ".join(str(result[name][q]) for q in ("p50", "p95", "p99", "max"))

    rows: list[list[object]] = [
        ["replicas behind HAProxy", report["replicas"]],
        ["sessions (people)", f"{result['sessions']} ({result['people']})"],
        ["duration (s)", result["duration_s"]],
        ["interactions", result["interactions"]],
        ["interaction p50 / p95 / p99 / max (ms)", quantiles("latency_ms")],
        [
            "first run p50 / p95 (ms)",
            f"{result['first_run_ms']['p50']} / {result['first_run_ms']['p95']}",
        ],
        ["figures checked against the oracle", result["checked"]],
        ["wrong figures", result["wrong"]],
        ["cross-user leaks", result["leaks"]],
        ["errors", result["errors"]],
        ["sessions per replica", ", ".join(f"{k}: {v}" for k, v in spread.items())],
    ]
    if result["stopped_replica"]:
        rows += [
            ["replica stopped mid-test", result["stopped_replica"]],
            ["... before the stop (ms)", quantiles("latency_before_stop_ms")],
            ["... after the stop, one replica left (ms)", quantiles("latency_after_stop_ms")],
            ["sessions cut / reconnected", f"{result['cut_sessions']} / {result['reconnected']}"],
            ["reconnected to", ", ".join(f"{k}: {v}" for k, v in result["reconnected_to"].items())],
            [
                "reconnect p50 / max (ms)",
                f"{result['reconnect_ms']['p50']} / {result['reconnect_ms']['max']}",
            ],
        ]
    lines = [
        "# Load test through the load balancer",
        "",
        f"Machine: {describe_machine(report['machine'])}.",
        "",
        markdown_table(["measure", "value"], rows),
    ]
    if result["problem_samples"]:
        lines += ["", "Problems (first distinct ones):", ""]
        lines += [f"- {problem[:300]}" for problem in result["problem_samples"]]
    return "\n".join(lines) + "\n"


def passed(result: dict[str, Any], target_p95_ms: float = TARGET_P95_MS) -> bool:
    """No error, wrong figure or leak; every cut session back; p95 on target, all replicas up."""
    p95 = result["latency_before_stop_ms"]["p95"]
    return (
        result["errors"] == result["wrong"] == result["leaks"] == 0
        and result["interactions"] > 0
        and result["reconnected"] == result["cut_sessions"]
        and p95 is not None
        and p95 < target_p95_ms
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.replicas",
        description="App replicas behind HAProxy with sticky sessions; the load test through it.",
    )
    parser.add_argument("command", choices=["serve", "load"])
    parser.add_argument("--replicas", type=int, default=2, help="app processes (default 2)")
    parser.add_argument("--port", type=int, help="the load balancer's port (default: a free one)")
    parser.add_argument("--sample-rows", type=int, default=100_000, help="rows of the sample data")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"a setting for every replica ({ENV_PREFIX}NAME=VALUE); repeatable",
    )
    parser.add_argument("--sessions", type=int, default=50, help="load: browser sessions")
    parser.add_argument("--duration", type=float, default=60.0, help="load: seconds of load")
    parser.add_argument(
        "--target-p95-ms",
        type=float,
        default=TARGET_P95_MS,
        help=f"load: p95 with every replica up that passes (default {TARGET_P95_MS:g})",
    )
    parser.add_argument("--ramp", type=float, default=None, help="load: seconds to start them")
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 2.0), metavar=("MIN", "MAX"))
    parser.add_argument("--timeout", type=float, default=60.0, help="load: seconds per interaction")
    parser.add_argument("--stop-one-at", type=float, help="load: stop the last replica after S s")
    parser.add_argument("--json", type=Path, help="load: also write the results here")
    args = parser.parse_args(argv)
    if not 1 <= args.replicas <= 16:
        raise SystemExit("--replicas must be between 1 and 16")
    if args.stop_one_at is not None and (
        args.replicas < 2 or not 0 < args.stop_one_at < args.duration
    ):
        raise SystemExit("--stop-one-at needs 2 replicas or more and a time within --duration")
    with tempfile.TemporaryDirectory(prefix="replicas-data-") as folder:
        env = sample_env(args.sample_rows, args.set, Path(folder))
        with Replicas(args.replicas, env=env, port=args.port) as proxy:
            if args.command == "serve":
                print(f"{args.replicas} replicas behind HAProxy: {proxy.url}", flush=True)
                for email, password in proxy.passwords.items():
                    print(f"  sign in as {email} / {password}", flush=True)
                with contextlib.suppress(KeyboardInterrupt):
                    while all(server.running for server in proxy.servers.values()):
                        time.sleep(1)
                return 0
            oracle = oracle_for(args.sample_rows, env)
            result = asyncio.run(
                run_load(
                    proxy,
                    oracle,
                    sessions=args.sessions,
                    duration=args.duration,
                    ramp=args.duration / 10 if args.ramp is None else args.ramp,
                    think=tuple(args.think),
                    timeout=args.timeout,
                    stop_one_at=args.stop_one_at,
                )
            )
    report = {"machine": machine(), "replicas": args.replicas, "result": result}
    print(render(report), end="")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0 if passed(result, args.target_p95_ms) else 1


if __name__ == "__main__":
    sys.exit(main())
