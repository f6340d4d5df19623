"""The tests' signed-in viewer under OpenID Connect sign-in.

Servers the tests start take their viewer's identity from headers
(``server.trustedUserHeaders``), as if ``st.login`` had signed them in; the sign-in
itself is tested in tests/e2e/test_oidc_login.py.
"""

from __future__ import annotations

import json

# What every session of the tests' signed-in viewer sends.
SIGN_IN_HEADERS = {"X-Test-Email": "test@example.com", "X-Test-Signed-In": "true"}
TEST_USER_HEADERS = {"X-Test-Email": "email", "X-Test-Signed-In": "is_logged_in"}
# The app's settings (without the prefix): every signed-in user sees every row;
# tests/test_sign_in.py sets its own rules.
SIGN_IN_ENV = {"ACCESS__GROUPS": '{"*": {}}'}
# What the servers the tests start need on top: where the identity comes from.
SERVER_ENV = {"STREAMLIT_SERVER_TRUSTED_USER_HEADERS": json.dumps(TEST_USER_HEADERS)}
