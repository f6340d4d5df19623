"""Sign-in by a reverse proxy: the identity arrives in headers the proxy sets.

Organizations that already run a sign-in proxy (oauth2-proxy, an identity-aware
load balancer) put it in front of the app. The proxy authenticates each person and
sets their email (and groups) in headers; ``server.trustedUserHeaders`` in
``.streamlit/config.toml`` maps those headers into ``st.user``. Serve the app with
``python asgi.py``: its ``proxy_guard`` middleware refuses every request that did
not come through the proxy, so nobody can send those headers themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from .settings import Settings


def signed_in(user: Mapping[str, Any]) -> bool:
    return bool(user.get("email"))


def name(user: Mapping[str, Any]) -> str:
    return str(user.get("email") or "?")


def sign_in_page(settings: Settings) -> None:
    """What a request the proxy let through without an identity sees: a way to sign in."""
    st.title(settings.app_title)
    st.write("Sign in with your organization's account to see the data.")
    st.link_button("Sign in", settings.proxy.sign_in_url, icon=":material/login:", type="primary")


def sign_out_button(settings: Settings) -> None:
    st.sidebar.link_button("Sign out", settings.proxy.sign_out_url, icon=":material/logout:")
