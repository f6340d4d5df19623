"""Serve the app on Streamlit's public ASGI entry point, ``st.App``, with uvicorn.

    python asgi.py                          # http://localhost:8501, like `streamlit run`
    python asgi.py --server.port=8080       # every `streamlit run` flag, same meaning
    python asgi.py other_app.py             # another script of this project

Same app, same ``.streamlit/config.toml``, same ``STREAMLIT_*`` variables and
flags as ``streamlit run streamlit_app.py`` (which keeps working), minus a ~40 ms
stall per rerun: ``streamlit run`` in Streamlit 1.67 binds its listening socket
itself, with protocol 0, so asyncio never sets TCP_NODELAY on the connections and
each rerun's second websocket message waits for the browser's delayed ACK.
uvicorn lets asyncio bind it, and asyncio's connections get TCP_NODELAY.

Options are read with Streamlit's own CLI machinery (``configurator_options``,
``load_config_options``: what ``streamlit run`` calls, not documented API), so
tests/test_asgi.py checks on every Streamlit upgrade that both servers apply them
alike. ``app`` is a plain ASGI app too (``uvicorn asgi:app``), but then
``STREAMLIT_*`` variables are ignored and uvicorn's defaults replace Streamlit's
server options: use ``python asgi.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import streamlit as st
import uvicorn
{%- if cookiecutter.auth == "trusted_header" %}
from starlette.middleware import Middleware
{%- endif %}
from streamlit.web.bootstrap import load_config_options
from streamlit.web.cli import configurator_options
{%- if cookiecutter.auth == "trusted_header" %}

from {{ cookiecutter.package_name }}.proxy_guard import ProxyGuard

# Only requests that came through the sign-in proxy reach the app (see proxy_guard.py).
MIDDLEWARE = [Middleware(ProxyGuard)]
app = st.App(Path(__file__).resolve().with_name("streamlit_app.py"), middleware=MIDDLEWARE)
{%- else %}

app = st.App(Path(__file__).resolve().with_name("streamlit_app.py"))
{%- endif %}

PING_SECONDS = 30  # Streamlit's keep-alive interval and timeout when the option is unset


def server_options() -> dict[str, Any]:
    """uvicorn's settings from Streamlit's own options, as `streamlit run` derives them.

    Port, address, TLS files, websocket size limit, compression and keep-alive pings
    come from ``.streamlit/config.toml`` or ``STREAMLIT_SERVER_*`` variables.
    """
    ping = int(st.get_option("server.websocketPingInterval") or PING_SECONDS)
    return {
        "host": st.get_option("server.address") or "0.0.0.0",  # Streamlit's default
        "port": int(st.get_option("server.port")),
        "ws": "websockets-sansio",
        "ws_max_size": int(st.get_option("server.maxMessageSize")) * 1_000_000,
        "ws_ping_interval": ping,
        "ws_ping_timeout": ping,
        "ws_per_message_deflate": bool(st.get_option("server.enableWebsocketCompression")),
        "ssl_certfile": st.get_option("server.sslCertFile"),
        "ssl_keyfile": st.get_option("server.sslKeyFile"),
        "access_log": False,
    }


def serve(asgi_app: Any = app, flag_options: dict[str, Any] | None = None) -> None:
    """Serve ``asgi_app`` until SIGINT or SIGTERM (uvicorn stops gracefully on both).

    ``flag_options`` are ``streamlit run``'s parsed flags and ``STREAMLIT_*``
    variables, laid over ``.streamlit/config.toml`` the way ``streamlit run`` does.
    """
    load_config_options(flag_options or {})
    options = server_options()
    print(f"Serving on http://{options['host']}:{options['port']}", flush=True)
    uvicorn.run(asgi_app, **options)


@click.command(context_settings={"auto_envvar_prefix": "STREAMLIT"})
@configurator_options
@click.argument("script", required=False, type=click.Path(exists=True, dir_okay=False))
def main(script: str | None, **flag_options: Any) -> None:
    """Serve the app (or SCRIPT) like `streamlit run`, through st.App and uvicorn."""
{%- if cookiecutter.auth == "trusted_header" %}
    other = None if script is None else st.App(Path(script).resolve(), middleware=MIDDLEWARE)
    serve(other or app, flag_options)
{%- else %}
    serve(app if script is None else st.App(Path(script).resolve()), flag_options)
{%- endif %}


if __name__ == "__main__":
    main()
