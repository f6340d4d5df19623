"""Access rules: which rows each identity may see, row by row of a table of cases."""

from __future__ import annotations

from typing import Any

import pytest

from {{ cookiecutter.package_name }}.access import (
    allowed,
    groups,
    plain,
    unknown_dimensions,
)
from {{ cookiecutter.package_name }}.access_settings import AccessSettings
from {{ cookiecutter.package_name }}.data import Filters

ACCESS = AccessSettings(
    users={
        "Alice@Example.com": {"region": ["Africa"]},
        "id-42": {"region": ["Oceania"], "channel": ["Online"]},
    },
    groups={
        "emea": {"region": ["Western Europe", "Africa"]},
        "online-only": {"channel": ["Online"]},
        "auditors": {"region": ["*"]},
        "everything": {},
    },
)


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ({"email": "nobody@example.com"}, None),  # no rule: no access
        ({"email": "alice@example.com"}, {"region": ("Africa",)}),  # emails in any case
        (
            {"email": "ALICE@EXAMPLE.COM", "groups": ["emea"]},
            {"region": ("Africa", "Western Europe")},
        ),
        ({"sub": "id-42"}, {"channel": ("Online",), "region": ("Oceania",)}),  # subject id
        (
            {"email": "x@example.com", "groups": "emea, online-only"},  # a header: commas
            {"channel": ("Online",), "region": ("Africa", "Western Europe")},
        ),
        ({"email": "alice@example.com", "groups": ["auditors"]}, {}),  # "*": every region
        ({"email": "x@example.com", "groups": ["everything"]}, {}),  # no grants: every row
        (
            {"email": "x@example.com", "groups": ["everything", "online-only"]},
            {"channel": ("Online",)},
        ),  # rules never widen another rule's dimension
        ({"email": "x@example.com", "groups": ["EMEA"]}, None),  # group names are exact
        ({"email": "x@example.com", "groups": ["*"]}, None),  # no rule for "*" here
        ({"email": "", "sub": None, "groups": None}, None),
        ({"email": "x@example.com", "groups": 42}, None),  # a claim of the wrong type
    ],
)
def test_who_sees_which_rows(
    user: dict[str, Any], expected: dict[str, tuple[str, ...]] | None
) -> None:
    assert allowed(ACCESS, user) == expected


def test_every_signed_in_user_is_in_the_group_star() -> None:
    everyone = AccessSettings(groups={"*": {"region": ["Africa"]}})
    assert allowed(everyone, {"email": "anyone@example.com"}) == {"region": ("Africa",)}
    assert groups({"groups": None}, "groups") == {"*"}
    assert groups({"roles": ["a", " b ", ""]}, "roles") == {"a", "b", "*"}


@pytest.mark.parametrize(
    ("selected", "expected"),
    [
        (Filters(), Filters(selections=(("region", ("Africa",)),))),
        (Filters.of(region=["Africa", "Oceania"]), Filters(selections=(("region", ("Africa",)),))),
        (Filters.of(region=["Oceania"]), Filters(nothing=True)),  # a forged selection
    ],
)
def test_the_rules_narrow_what_a_viewer_selects(selected: Filters, expected: Filters) -> None:
    assert selected.restrict(allowed(ACCESS, {"email": "alice@example.com"})) == expected


def test_rules_naming_unknown_dimensions_are_found() -> None:
    assert unknown_dimensions(ACCESS, ["region", "channel"]) == []
    assert unknown_dimensions(ACCESS, ["region"]) == ["channel"]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("alice@example.com", "alice@example\\.com"),
        ("[click](https://evil.example)", "\\[click\\]\\(https\\://evil\\.example\\)"),
        ("**bold** `code`", "\\*\\*bold\\*\\* \\`code\\`"),
    ],
)
def test_names_from_the_identity_provider_are_not_markdown(name: str, shown: str) -> None:
    assert plain(name) == shown
