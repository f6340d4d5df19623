"""The sign-in proxy's settings (``[app.proxy]`` in secrets, or ``*_PROXY__*``)."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

from pydantic import BaseModel, Field, SecretStr, field_validator


def _loopback() -> list[IPv4Network | IPv6Network]:
    """A proxy in the same host or pod."""
    return [IPv4Network("127.0.0.1/32"), IPv6Network("::1/128")]


class ProxySettings(BaseModel):
    """The sign-in reverse proxy in front of the app, which sets the identity headers.

    The app (``python asgi.py``) refuses every request that does not come from one of
    ``addresses`` with ``secret`` in ``secret_header``: only the proxy knows it.
    """

    secret: SecretStr | None = None
    secret_header: str = Field(default="X-Proxy-Secret", pattern=r"^[A-Za-z0-9-]{1,100}$")
    addresses: list[IPv4Network | IPv6Network] = Field(
        default_factory=_loopback,
        min_length=1,
        max_length=100,
    )
    # Where the sign-in and sign-out links point (oauth2-proxy's paths by default).
    sign_in_url: str = Field(default="/oauth2/start", min_length=1, max_length=2000)
    sign_out_url: str = Field(default="/oauth2/sign_out", min_length=1, max_length=2000)

    @field_validator("secret")
    @classmethod
    def _unguessable(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is not None and len(secret.get_secret_value()) < 16:
            raise ValueError("use at least 16 random characters: whoever knows it can be anyone")
        return secret

    @field_validator("addresses", mode="before")
    @classmethod
    def _networks(cls, addresses: Any) -> Any:
        if not isinstance(addresses, list):
            return addresses
        try:
            return [ip_network(str(address), strict=False) for address in addresses]
        except ValueError:
            raise ValueError("expected networks such as 127.0.0.1/32 or 10.0.0.0/8") from None
