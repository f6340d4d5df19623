"""Row-level access: which rows a signed-in viewer may see, from the access settings.

The answer is a mapping of dimension -> allowed values that ``Filters.restrict``
turns into bound parameters of every engine query, so the restriction is applied
inside the engine and is part of every cache key: viewers with different access
never share a cached result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import streamlit as st

from . import auth
from .access_settings import ALL_SIGNED_IN, AccessSettings
from .data import DataSourceError, get_source
from .settings import ENV_PREFIX, Settings, get_settings

Allowed = dict[str, tuple[str, ...]]
"""Dimension -> the values a viewer may see; a dimension not listed is not restricted."""


def identities(user: Mapping[str, Any]) -> set[str]:
    """Who ``user`` (``st.user``'s fields) is: email and subject id, case-folded."""
    return {str(user[key]).casefold() for key in ("email", "sub") if user.get(key)}


def groups(user: Mapping[str, Any], claim: str) -> set[str]:
    """The groups in ``user[claim]`` (a list, or names separated by commas), plus ``"*"``."""
    value = user.get(claim) or ()
    names = value.split(",") if isinstance(value, str) else value
    found = {str(name).strip() for name in names} if isinstance(names, Iterable) else set()
    return (found - {""}) | {ALL_SIGNED_IN}


def allowed(access: AccessSettings, user: Mapping[str, Any]) -> Allowed | None:
    """What ``user`` may see under ``access``; ``None`` when no rule matches them.

    Every matching rule's grants of a dimension add up; ``"*"`` grants every value.
    """
    who = identities(user)
    rules = [grants for name, grants in access.users.items() if name.casefold() in who]
    member_of = groups(user, access.groups_claim)
    rules += [grants for name, grants in access.groups.items() if name in member_of]
    if not rules:
        return None
    values: dict[str, set[str]] = {}
    for grants in rules:
        for dimension, granted in grants.items():
            values.setdefault(dimension, set()).update(granted)
    return {
        dimension: tuple(sorted(granted))
        for dimension, granted in sorted(values.items())
        if ALL_SIGNED_IN not in granted
    }


def unknown_dimensions(access: AccessSettings, dimensions: Iterable[str]) -> list[str]:
    """Dimensions the rules grant that the data does not have (sorted)."""
    known = set(dimensions)
    named = {d for rules in (access.users, access.groups) for g in rules.values() for d in g}
    return sorted(named - known)


def unknown_dimensions_message(unknown: list[str], dimensions: Iterable[str]) -> str:
    """The settings error for rules that name columns the pages do not filter by."""
    return (
        f"The access rules (`{ENV_PREFIX}ACCESS__USERS`, `{ENV_PREFIX}ACCESS__GROUPS`) grant "
        f"values of {', '.join(map(repr, unknown))}, which the data has no dimension of "
        f"(its dimensions: {', '.join(map(repr, dimensions)) or 'none'})."
    )


def plain(text: str) -> str:
    """``text`` shown as typed: a name from the identity provider is not Markdown."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~$:])", r"\\\1", text)


def gate(settings: Settings) -> Allowed:
    """Stop the run unless a signed-in viewer may see some rows; return what they may see.

    Runs before the navigation: a signed-out viewer gets the sign-in page only (no
    query runs, no data is drawn), and a signed-in viewer no rule matches gets a
    message saying so.
    """
    user = st.user
    if not auth.signed_in(user):
        auth.sign_in_page(settings)
        st.stop()
    found = allowed(settings.access, user)
    if found is None:
        account(settings)
        st.title(settings.app_title)
        st.info(
            f"You are signed in as {plain(auth.name(user))}, but no access rule gives you any "
            f"data yet. Ask whoever runs this app to add you, or one of your groups, to "
            f"`{ENV_PREFIX}ACCESS__USERS` or `{ENV_PREFIX}ACCESS__GROUPS`.",
            icon=":material/lock:",
        )
        st.stop()
    try:
        dimensions = get_source().schema.dimensions
    except DataSourceError:
        return found  # the pages show the source's error, with a Retry button
    unknown = unknown_dimensions(settings.access, dimensions)
    if unknown:
        st.error(unknown_dimensions_message(unknown, dimensions), icon=":material/settings:")
        st.stop()
    return found


def account(settings: Settings) -> None:
    """Who is signed in, and a way to sign out, in the sidebar."""
    st.sidebar.caption(f"Signed in as {plain(auth.name(st.user))}")
    auth.sign_out_button(settings)


def viewer_allowed() -> Allowed:
    """What this session's viewer may see (the gate in streamlit_app.py let them in)."""
    user = st.user
    found = allowed(get_settings().access, user) if auth.signed_in(user) else None
    if found is None:
        st.stop()  # only reachable around the gate, which already said why
    return found
