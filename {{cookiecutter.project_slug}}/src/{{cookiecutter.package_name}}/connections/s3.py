"""The S3 bucket's settings: ``[connections.s3]`` in secrets, or ``*_CONNECTION__*``."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

CONNECTION_NAME = "s3"
"""The ``[connections.<name>]`` table of ``.streamlit/secrets.toml`` the connection reads."""


class ConnectionSettings(BaseModel):
    """The S3 bucket: ``[connections.s3]`` in secrets, or ``*_CONNECTION__*``.

    Leave the keys out to use the standard AWS credential chain (environment,
    ``~/.aws``, instance role).
    """

    bucket: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    prefix: str = "sales/"
    region: str = "us-east-1"
    # Only for S3-compatible stores (MinIO, a local moto server): "http://127.0.0.1:9000".
    endpoint_url: str | None = None
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None
    retries: int = Field(default=2, ge=0, le=10)
    connect_timeout_seconds: float = Field(default=5, gt=0, le=300, allow_inf_nan=False)
