"""``python asgi.py`` applies the server options exactly as ``streamlit run`` does.

The same requests go to both servers, each started with ``.streamlit/config.toml``
plus one option from outside (``server.maxUploadSize=1``: a flag for ``streamlit
run``, a ``STREAMLIT_SERVER_MAX_UPLOAD_SIZE`` variable for ``asgi.py``), and must
get the same answers: XSRF protection on uploads, the upload size limit, refusal
of a websocket from another origin, and the client settings each new session
gets (``client.toolbarMode``, ``client.showErrorDetails`` and the rest).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import http.cookiejar
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from benchmarks.driver import LAUNCHERS, StreamlitServer, default_headers

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
XSRF_COOKIE = "_streamlit_xsrf"


@pytest.fixture(scope="module")
def answers() -> dict[str, dict[str, Any]]:
    """What each server (``streamlit run``, ``python asgi.py``) answers to the probes below."""
    found = {}
    for launcher in LAUNCHERS:
        with StreamlitServer(
            PROJECT_ROOT / "streamlit_app.py",
            cwd=PROJECT_ROOT,
            launcher=launcher,
            options={"server.maxUploadSize": "1"},
        ) as server:
            found[launcher] = probe(server.url)
    return found


def probe(url: str) -> dict[str, Any]:
    return asyncio.run(_probe(url))


async def _probe(url: str) -> dict[str, Any]:
    cookies = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(cookies)
    )
    opener.addheaders += list(default_headers().items())  # a sign-in proxy's, if any
    with opener.open(url + "/_stcore/health", timeout=30) as health:  # sets the XSRF cookie
        health.read()
    xsrf = next(cookie.value for cookie in cookies if cookie.name == XSRF_COOKIE)

    def put(upload: str, size: int, token: str | None) -> int:
        """PUT a file of ``size`` bytes; the status the server answered.

        A server may answer 413 from the declared length and close before the
        body is sent (a broken pipe mid-body): the answer is still read, as a
        browser would.
        """
        boundary = "probe-boundary"
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n".encode()
            + b"x" * size
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {
            **default_headers(),  # a sign-in proxy's, if any
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(body)),
            "Cookie": "; ".join(f"{cookie.name}={cookie.value}" for cookie in cookies),
        }
        if token:
            headers["X-Xsrftoken"] = token
        target = urllib.parse.urlsplit(upload)
        connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=30)
        try:
            connection.putrequest("PUT", target.path)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.send(body)
            return connection.getresponse().status
        finally:
            connection.close()

    async with open_session(url, origin=url) as (session_id, client_config):
        upload = f"{url}/_stcore/upload_file/{session_id}/file-1"  # needs the session open
        return {
            "client_config": client_config,
            "upload without XSRF token": await asyncio.to_thread(put, upload, 10, None),
            "upload of 2 MB": await asyncio.to_thread(put, upload, 2 * MB, xsrf),
            "upload of 10 bytes": await asyncio.to_thread(put, upload, 10, xsrf),
            "websocket from another origin": await refused(url),
        }


@contextlib.asynccontextmanager
async def open_session(url: str, origin: str) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """A session, open while the block runs: its id and the client settings it got."""
    ws_url = "ws" + url.removeprefix("http") + "/_stcore/stream"
    async with connect(
        ws_url,
        origin=origin,
        subprotocols=["streamlit"],
        proxy=None,
        additional_headers=default_headers(),  # a sign-in proxy's, if any
    ) as ws:
        message = BackMsg()
        message.rerun_script.page_script_hash = ""
        await ws.send(message.SerializeToString())
        async for raw in ws:
            forward = ForwardMsg()
            forward.ParseFromString(raw)  # type: ignore[arg-type]
            if forward.WhichOneof("type") == "new_session":
                session = forward.new_session
                yield session.initialize.session_id, MessageToDict(session.config)
                return
    raise AssertionError("the server sent no new_session message")


async def refused(url: str) -> str:
    """How the server treats a websocket opened by a page of another origin."""
    try:
        async with open_session(url, origin="http://evil.example"):
            pass
    except InvalidStatus as error:
        return f"refused (HTTP {error.response.status_code})"
    except ConnectionClosed as error:
        return f"closed ({error.rcvd.code if error.rcvd else 'no code'})"
    return "accepted"


@pytest.mark.parametrize(
    ("probe_name", "expected"),
    [
        ("upload without XSRF token", 403),  # server.enableXsrfProtection
        ("upload of 2 MB", 413),  # server.maxUploadSize=1, set from outside config.toml
        ("upload of 10 bytes", 204),
        ("websocket from another origin", "refused (HTTP 403)"),  # server.enableCORS
    ],
)
@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_each_server_answers_as_configured(
    answers: dict[str, dict[str, Any]], launcher: str, probe_name: str, expected: object
) -> None:
    assert answers[launcher][probe_name] == expected


def test_new_sessions_get_the_same_client_settings(answers: dict[str, dict[str, Any]]) -> None:
    configs = [answers[launcher]["client_config"] for launcher in LAUNCHERS]
    assert configs[0]["toolbarMode"] == "VIEWER"  # client.toolbarMode in config.toml
    assert all(config == configs[0] for config in configs), configs
