"""The whole OpenID Connect sign-in in Chromium, against a local provider, then sign-out.

A real server (``python asgi.py``, like the other browser tests) with an
``[auth]`` section pointing at the provider the test starts on loopback
(``tests/oidc_provider.py``). Signed out,
the page shows only the sign-in button; after the provider's form the user sees
the Overview with exactly the regions their access rule grants; "Sign out"
brings the sign-in page back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from oidc_provider import Provider, running_provider

from {{ cookiecutter.package_name }}.settings import ENV_PREFIX

from .conftest import LAUNCHER, PROJECT_ROOT, VIEWPORT, free_port, stop, wait_until_healthy

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

ALICE = {"email": "alice@example.com", "groups": ["staff"]}
RULES = {"alice@example.com": {"region": ["Africa", "Oceania"]}}
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider({"alice": ALICE}) as running:
        yield running


@pytest.fixture(scope="module")
def signed_in_server(
    provider: Provider,
    engine_env: dict[str, str],
    artifacts: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The app with ``[auth]`` pointing at the provider, and Alice's access rule."""
    port = free_port()
    url = f"http://localhost:{port}"  # the origin the identity cookie is issued for
    secrets_file = provider.write_secrets(tmp_path_factory.mktemp("auth"), url)
    env = {name: value for name, value in os.environ.items() if not name.startswith(ENV_PREFIX)}
    env.pop("STREAMLIT_SERVER_TRUSTED_USER_HEADERS", None)  # only st.login signs in here
    env.update({ENV_PREFIX + name: value for name, value in engine_env.items()})
    env[f"{ENV_PREFIX}ACCESS__USERS"] = json.dumps(RULES)
    entry = ["asgi.py"] if LAUNCHER == "asgi" else ["-m", "streamlit", "run", "streamlit_app.py"]
    command = [
        sys.executable,
        *entry,
        "--server.headless=true",
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
        f"--secrets.files={secrets_file}",
    ]
    log_path = artifacts / "oidc-server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_healthy(process, url, log_path)
        yield url
    finally:
        stop(process)


@pytest.fixture
def signed_out_page(browser: Browser) -> Iterator[Page]:
    """A browser tab without the headers the other browser tests sign in with."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_sign_in_with_the_provider_then_sign_out(
    signed_out_page: Page, signed_in_server: str
) -> None:
    page = signed_out_page
    page.goto(signed_in_server)
    sign_in = page.get_by_role("button", name="Sign in")
    sign_in.wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_test_id("stMetric").count() == 0  # signed out: no data at all
    sign_in.click()

    page.wait_for_url("**/oauth2/authorize**", timeout=TIMEOUT_MS)  # the provider's form
    page.get_by_role("button", name="alice").click()

    page.wait_for_url(f"{signed_in_server}/**", timeout=TIMEOUT_MS)
    page.get_by_test_id("stMetric").first.wait_for(timeout=TIMEOUT_MS)
    sidebar = page.get_by_test_id("stSidebar")
    assert "Signed in as alice@example.com" in sidebar.inner_text()
    filter_box = page.get_by_test_id("stMultiSelect").first
    filter_box.click()
    options = set(page.get_by_role("option").all_inner_texts()) - {"Select all"}
    assert options == {"Africa", "Oceania"}  # Alice's regions, and no other
    page.keyboard.press("Escape")

    sidebar.get_by_role("button", name="Sign out").click()
    # Streamlit ends the session at the provider too (RP-initiated logout): confirm there.
    page.wait_for_url("**/oauth2/end_session**", timeout=TIMEOUT_MS)
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{signed_in_server}/**", timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Sign in").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_test_id("stMetric").count() == 0
