"""The Snowflake account's settings: ``[connections.snowflake]``, or ``*_CONNECTION__*``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr

CONNECTION_NAME = "snowflake"
"""The ``[connections.<name>]`` table of ``.streamlit/secrets.toml`` the connection reads."""

# Database and schema names are used unquoted, so Snowflake matches them case-insensitively.
_SNOWFLAKE_NAME = r"^[A-Za-z_][A-Za-z0-9_$]*$"


class ConnectionSettings(BaseModel):
    """The Snowflake account: ``[connections.snowflake]`` in secrets, or ``*_CONNECTION__*``."""

    account: str = Field(min_length=1)
    user: str = Field(min_length=1)
    password: SecretStr
    database: str = Field(pattern=_SNOWFLAKE_NAME)
    schema_name: str = Field(default="PUBLIC", pattern=_SNOWFLAKE_NAME, alias="schema")
    warehouse: str | None = None
    role: str | None = None
    # Only for a proxy, private link or a local fake: normally derived from the account.
    host: str | None = None
    port: int | None = Field(default=None, gt=0, lt=65536)
    protocol: Literal["https", "http"] = "https"
    # Seconds; the connector's own keys: the whole login, and each HTTP request.
    login_timeout: int = Field(default=10, ge=1, le=300)
    socket_timeout: int = Field(default=60, ge=1, le=3600)
