"""The tests' signed-in viewer behind the sign-in proxy (trusted identity headers)."""

from __future__ import annotations

PROXY_SECRET = "test-only-proxy-secret-0123456789"
# What the sign-in proxy sends with every request of the tests' signed-in viewer.
SIGN_IN_HEADERS = {"X-Forwarded-Email": "test@example.com", "X-Proxy-Secret": PROXY_SECRET}
# The app's settings (without the prefix): every signed-in user sees every row
# (tests/test_sign_in.py sets its own rules), and servers the tests start (python
# asgi.py) take only the proxy's requests.
SIGN_IN_ENV = {"ACCESS__GROUPS": '{"*": {}}', "PROXY__SECRET": PROXY_SECRET}
# What the servers the tests start need on top: nothing, the proxy's headers say it all.
SERVER_ENV: dict[str, str] = {}
