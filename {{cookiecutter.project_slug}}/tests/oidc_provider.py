"""A local OpenID Connect provider for the sign-in tests (``oidc-provider-mock``).

It runs in a thread on loopback, accepts any client id and secret, and signs in
whoever is typed into its authorization form (or picked from ``users``): the
real st.login flow (redirect, code, token, ID token) without a real provider.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from oidc_provider_mock import User, run_server_in_thread


@dataclass(frozen=True)
class Provider:
    issuer: str

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def secrets_toml(self, app_url: str) -> str:
        """The app's ``[auth]`` section for this provider (a fresh cookie secret)."""
        return (
            "[auth]\n"
            f'redirect_uri = "{app_url}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
            'client_id = "sales-app"\n'
            f'client_secret = "{secrets.token_urlsafe(16)}"\n'
            f'server_metadata_url = "{self.metadata_url}"\n'
        )

    def write_secrets(self, folder: Path, app_url: str) -> Path:
        path = folder / "secrets.toml"
        path.write_text(self.secrets_toml(app_url), encoding="utf-8")
        return path


@contextlib.contextmanager
def running_provider(users: Mapping[str, Mapping[str, object]]) -> Iterator[Provider]:
    """The provider on a free port of localhost; ``users`` maps a subject to its claims."""
    claims: Sequence[User] = [User(sub=sub, claims=dict(c)) for sub, c in users.items()]
    with run_server_in_thread(port=0, user_claims=claims) as server:
        yield Provider(f"http://localhost:{server.server_port}")
