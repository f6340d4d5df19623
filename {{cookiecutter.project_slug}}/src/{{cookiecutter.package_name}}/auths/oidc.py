"""Sign-in with OpenID Connect: Streamlit's ``st.login``, ``st.user`` and ``st.logout``.

The identity provider is the ``[auth]`` section of ``.streamlit/secrets.toml`` (see
``.streamlit/secrets.toml.example``). After sign-in Streamlit keeps the identity in
a cookie signed with ``cookie_secret``, so every replica must share that secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from .settings import Settings

SIGN_OUT_KEY = "_auth_sign_out"  # also the CSS class st-key-_auth_sign_out
SETUP_HINT = (
    "Sign-in is not set up yet: fill in the `[auth]` section of .streamlit/secrets.toml "
    "(.streamlit/secrets.toml.example shows every key), then reload the page."
)


def signed_in(user: Mapping[str, Any]) -> bool:
    return bool(user.get("is_logged_in"))


def name(user: Mapping[str, Any]) -> str:
    """How the page names the viewer: email, else name, else subject id."""
    return str(user.get("email") or user.get("name") or user.get("sub") or "?")


def configured() -> bool:
    """Whether secrets hold an ``[auth]`` section, without which ``st.login`` fails."""
    return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)


def sign_in_page(settings: Settings) -> None:
    """The whole page a signed-out viewer sees: the title and a sign-in button."""
    st.title(settings.app_title)
    if not configured():
        st.error(SETUP_HINT, icon=":material/settings:")
        return
    st.write("Sign in to see the data.")
    st.button("Sign in", icon=":material/login:", type="primary", on_click=st.login)


def sign_out_button(settings: Settings) -> None:
    st.sidebar.button("Sign out", key=SIGN_OUT_KEY, icon=":material/logout:", on_click=st.logout)
