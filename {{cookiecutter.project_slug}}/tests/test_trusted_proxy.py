"""Sign-in by a reverse proxy: through HAProxy people see their rows; directly, nothing.

The app runs as in production (``python asgi.py``, with ``proxy_guard``) behind a
real HAProxy (Debian's ``haproxy`` package) that signs people in and sets the
identity headers, started by ``benchmarks.replicas``. A request that skips the
proxy is refused, whatever headers it forges.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from ipaddress import ip_network

import pytest
from conftest import SAMPLE_ROWS
from pydantic import SecretStr
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from {{ cookiecutter.package_name }}.proxy_guard import ProxyGuard
from {{ cookiecutter.package_name }}.proxy_settings import ProxySettings
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX, SettingsError

from benchmarks.replicas import ROWS, CheckedSession, Replicas, get, oracle_for

SECRET = "a-proxy-secret-of-32-characters!"
GUARD = ProxyGuard(
    app=None,  # type: ignore[arg-type]
    proxy=ProxySettings(secret=SecretStr(SECRET), addresses=[ip_network("10.0.0.0/8")]),
)
FROM_PROXY = ("10.1.2.3", 41000)


@pytest.mark.parametrize(
    ("client", "headers", "path", "allowed"),
    [
        (FROM_PROXY, [(b"x-proxy-secret", SECRET.encode())], "/", True),
        (FROM_PROXY, [(b"x-proxy-secret", SECRET.encode())], "/_stcore/stream", True),
        (FROM_PROXY, [], "/", False),  # no secret
        (FROM_PROXY, [(b"x-proxy-secret", b"guess")], "/", False),
        (FROM_PROXY, [(b"x-proxy-secret", SECRET.encode() + b"x")], "/", False),
        (FROM_PROXY, [(b"x-proxy-secret", SECRET.encode())] * 2, "/", False),  # ambiguous
        (("192.168.1.5", 5000), [(b"x-proxy-secret", SECRET.encode())], "/", False),
        (("::1", 5000), [(b"x-proxy-secret", SECRET.encode())], "/", False),
        (None, [(b"x-proxy-secret", SECRET.encode())], "/", False),  # a unix socket
        (("not-an-address", 1), [(b"x-proxy-secret", SECRET.encode())], "/", False),
        (("192.168.1.5", 5000), [], "/_stcore/health", True),  # load balancers' check
        (FROM_PROXY, [(b"x-forwarded-email", b"ceo@example.com")], "/_stcore/stream", False),
    ],
)
def test_only_the_proxy_gets_through(
    client: tuple[str, int] | None, headers: list[tuple[bytes, bytes]], path: str, allowed: bool
) -> None:
    scope = {"type": "http", "path": path, "client": client, "headers": headers}
    assert GUARD.allows(scope) is allowed


def test_no_proxy_secret_stops_the_server_with_the_variable_name() -> None:
    with pytest.raises(SettingsError, match=f"`{ENV_PREFIX}PROXY__SECRET`: required"):
        ProxyGuard(app=None, proxy=ProxySettings())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def proxy(engine_env: dict[str, str]) -> Iterator[Replicas]:
    """One replica (``python asgi.py``) behind HAProxy, on the test sample."""
    env = {ENV_PREFIX + name: value for name, value in engine_env.items()}
    with Replicas(1, env=env) as running:
        yield running


def replica_url(proxy: Replicas) -> str:
    return next(iter(proxy.servers.values())).url


def test_direct_requests_are_refused_whatever_they_send(proxy: Replicas) -> None:
    direct = replica_url(proxy)
    forged = {"X-Forwarded-Email": "p01@example.com", "X-Proxy-Secret": "guessed"}
    assert get(f"{direct}/", {})[0] == 403
    assert get(f"{direct}/", forged)[0] == 403
    assert get(f"{direct}/_stcore/health", {})[0] == 200  # for the load balancer's checks
    for headers in ({}, forged):
        with pytest.raises(InvalidStatus) as refused:
            asyncio.run(_open_websocket(direct, headers))
        assert refused.value.response.status_code == 403


async def _open_websocket(url: str, headers: dict[str, str]) -> None:
    ws_url = "ws" + url.removeprefix("http") + "/_stcore/stream"
    async with connect(ws_url, additional_headers=headers, subprotocols=["streamlit"], proxy=None):
        pass


def test_the_proxy_signs_people_in_and_its_headers_win(
    proxy: Replicas, engine_env: dict[str, str]
) -> None:
    assert get(f"{proxy.url}/", {})[0] == 401  # the proxy asks for a sign-in
    wrong = base64.b64encode(b"p01@example.com:wrong").decode()
    assert get(f"{proxy.url}/", {"Authorization": f"Basic {wrong}"})[0] == 401
    oracle = oracle_for(SAMPLE_ROWS, {ENV_PREFIX + k: v for k, v in engine_env.items()})
    person = "p04@example.com"
    # Signed in as p04, claiming to be p01 in the identity header: the proxy replaces it.
    headers = {**proxy.credentials(person), "X-Forwarded-Email": "p01@example.com"}
    shown = asyncio.run(_overview(proxy.url, headers))
    assert shown["options"] == oracle.options(person)
    expected = oracle.figures(person, *oracle.bounds(person))
    assert {label: shown["figures"].get(label) for label in expected} == expected
    assert ROWS[person] != ROWS["p01@example.com"]


async def _overview(url: str, headers: dict[str, str]) -> dict[str, object]:
    async with CheckedSession(url, timeout=60, headers=headers) as session:
        first = await session.open()
        assert not first.errors, first.errors
        [region] = [w for w in session.widgets.values() if w.kind == "multiselect"]
        return {"options": list(region.proto.options), "figures": dict(session.figures)}
