"""The PostgreSQL server's settings: ``[connections.postgres]``, or ``*_CONNECTION__*``."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

CONNECTION_NAME = "postgres"
"""The ``[connections.<name>]`` table of ``.streamlit/secrets.toml`` the connection reads."""


class ConnectionSettings(BaseModel):
    """The PostgreSQL server: ``[connections.postgres]`` in secrets, or ``*_CONNECTION__*``."""

    host: str = Field(min_length=1)
    port: int = Field(default=5432, gt=0, lt=65536)
    database: str = Field(min_length=1)
    username: str = Field(min_length=1)
    password: SecretStr
    connect_timeout_seconds: int = Field(default=5, ge=1, le=300)
