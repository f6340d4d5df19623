"""A local Snowflake for the tests: fakesnow's HTTP server on 127.0.0.1, credentials checked.

The real ``snowflake-connector-python`` talks to it over HTTP exactly as to
Snowflake (login, queries, PUT and COPY INTO), and fakesnow runs the SQL on an
in-memory DuckDB. fakesnow accepts any password, so its login endpoint is
wrapped here to refuse wrong credentials with Snowflake's own error (390100).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import fakesnow.server
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

USER = "STREAMLIT_APP"
PASSWORD = "test-only-password"
LOGIN_PATH = "/session/v1/login-request"


@dataclass
class SnowflakeServer:
    port: int
    account: str = "fakesnow"
    user: str = USER
    password: str = PASSWORD
    database: str = "ANALYTICS"
    schema: str = "PUBLIC"

    def env(self) -> dict[str, str]:
        """Settings variables (without the prefix) that point the app at this server."""
        return {
            f"CONNECTION__{key.upper()}": str(value) for key, value in self.connection().items()
        }

    def connection(self) -> dict[str, object]:
        """The same, as a ``Settings.connection`` table."""
        return {
            "account": self.account,
            "user": self.user,
            "password": self.password,
            "database": self.database,
            "schema": self.schema,
            "host": "127.0.0.1",
            "port": self.port,
            "protocol": "http",
            "login_timeout": 5,
        }


async def checked_login(request: Request) -> JSONResponse:
    """Snowflake's answer to wrong credentials; fakesnow's login otherwise."""
    body = await request.body()
    if request.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    data = json.loads(body)["data"]
    if (data.get("LOGIN_NAME"), data.get("PASSWORD")) != (USER, PASSWORD):
        return JSONResponse(
            {
                "data": {"nextAction": "RETRY_LOGIN", "authnMethod": "USERNAME_PASSWORD"},
                "code": "390100",
                "message": "Incorrect username or password was specified.",
                "success": False,
                "headers": None,
            }
        )
    return await fakesnow.server.login_request(request)


def app() -> Starlette:
    routes = [
        Route(LOGIN_PATH, checked_login, methods=["POST"]) if route.path == LOGIN_PATH else route
        for route in fakesnow.server.routes
        if isinstance(route, Route)
    ]
    return Starlette(routes=routes)


@contextlib.contextmanager
def running_server() -> Iterator[SnowflakeServer]:
    """Serve the fake on a free loopback port in a thread; stop it afterwards."""
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="fakesnow", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the fakesnow server did not start")
        time.sleep(0.05)
    try:
        yield SnowflakeServer(port)
    finally:
        server.should_exit = True
        thread.join()
