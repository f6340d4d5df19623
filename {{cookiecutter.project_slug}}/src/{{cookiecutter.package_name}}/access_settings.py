"""Row-level access settings (``[app.access]`` in secrets, or ``*_ACCESS__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

ALL_SIGNED_IN = "*"
"""The group every signed-in user is in, and the grant of every value of a dimension."""

Grants = dict[str, list[str]]
"""Dimension -> the values of it a rule lets someone see (``["*"]``: every value)."""


class AccessSettings(BaseModel):
    """Row-level access: which values of which dimensions each user or group may see.

    A rule maps a user (email or subject id) or a group to grants. A viewer sees a
    row when, for each dimension their rules name, one of those rules grants the
    row's value; a dimension none of their rules names is not restricted, so a rule
    with no grants (``{}``) shows every row. A signed-in user no rule matches sees
    no data. The group ``"*"`` holds every signed-in user.
    """

    users: dict[str, Grants] = Field(default_factory=dict, max_length=100_000)
    groups: dict[str, Grants] = Field(default_factory=dict, max_length=10_000)
    # The st.user key that lists the viewer's groups: an ID-token claim (oidc), or the
    # key server.trustedUserHeaders maps a proxy header to. A list, or names with commas.
    groups_claim: str = Field(default="groups", min_length=1, max_length=100)

    @field_validator("users", "groups")
    @classmethod
    def _well_formed(cls, rules: dict[str, Grants]) -> dict[str, Grants]:
        for who, grants in rules.items():
            if not who.strip():
                raise ValueError("a rule needs a user or group name")
            for dimension, values in grants.items():
                if not dimension or not values or any(not value for value in values):
                    raise ValueError(
                        'each grant names a dimension and at least one value ("*": all)'
                    )
        return rules
