"""Refuse every request that did not come through the sign-in proxy (auth=trusted_header).

The proxy signs people in and sets the identity headers that
``server.trustedUserHeaders`` maps into ``st.user``. Anyone who reached the app
directly could send those headers themselves, so this ASGI middleware lets a
request through only when it comes from one of the proxy's addresses
(``PROXY__ADDRESSES``) and carries the secret only the proxy knows
(``PROXY__SECRET``, in the ``PROXY__SECRET_HEADER`` header). Everything else,
page, static file or websocket, gets 403. The health check stays open for load
balancers: it tells nothing about the data.

``asgi.py`` installs it (``st.App(..., middleware=...)``); ``streamlit run`` cannot,
so serve an app with this option through ``python asgi.py``.
"""

from __future__ import annotations

import hmac
import logging
from ipaddress import ip_address
from typing import Any

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from .proxy_settings import ProxySettings
from .settings import ENV_PREFIX, SettingsError, get_settings

OPEN_PATHS = ("/_stcore/health",)
REFUSED = "This app is reached through its sign-in proxy only."
_log = logging.getLogger(__name__)


class ProxyGuard:
    """ASGI middleware: only the proxy's requests, with its secret, reach the app."""

    def __init__(self, app: ASGIApp, proxy: ProxySettings | None = None) -> None:
        self.app = app
        proxy = proxy or get_settings().proxy
        if proxy.secret is None:
            raise SettingsError(
                [
                    f"`{ENV_PREFIX}PROXY__SECRET`: required with sign-in by a proxy, and not "
                    f"set: the value the proxy sends in the {proxy.secret_header} header"
                ]
            )
        self.secret = proxy.secret.get_secret_value().encode()
        self.header = proxy.secret_header.lower().encode("latin-1")
        self.networks = tuple(proxy.addresses)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.allows(scope):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        _log.warning(
            "Refused %s %s from %s: not through the sign-in proxy",
            scope["type"],
            scope.get("path", ""),
            client,
        )
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
        else:
            await PlainTextResponse(REFUSED, status_code=403)(scope, receive, send)

    def allows(self, scope: Scope) -> bool:
        """Whether ``scope`` came from the proxy: its address, and its secret."""
        if scope.get("path", "").endswith(OPEN_PATHS):
            return True
        return self.from_proxy(scope.get("client")) and self.has_secret(scope["headers"])

    def from_proxy(self, client: Any) -> bool:
        try:
            address = ip_address(client[0])
        except (TypeError, IndexError, ValueError):
            return False  # a unix socket or no peer: not a known proxy address
        return any(address in network for network in self.networks)

    def has_secret(self, headers: list[tuple[bytes, bytes]]) -> bool:
        sent = [value for name, value in headers if name == self.header]
        return len(sent) == 1 and hmac.compare_digest(sent[0], self.secret)
