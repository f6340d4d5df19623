"""The data API's settings: ``[connections.rest_api]`` in secrets, or ``*_CONNECTION__*``."""

from __future__ import annotations

from pydantic import AnyHttpUrl, BaseModel, Field, SecretStr

CONNECTION_NAME = "rest_api"
"""The ``[connections.<name>]`` table of ``.streamlit/secrets.toml`` the connection reads."""


class ConnectionSettings(BaseModel):
    """The data API: ``[connections.rest_api]`` in secrets, or ``*_CONNECTION__*``."""

    base_url: AnyHttpUrl
    token: SecretStr
    retries: int = Field(default=3, ge=0, le=10)
    page_size: int = Field(default=500, ge=1, le=10_000)
    connect_timeout_seconds: float = Field(default=5, gt=0, le=300, allow_inf_nan=False)
