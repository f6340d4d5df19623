"""No planted secret reaches the browser: the DOM of every page, as Chromium builds it.

The same secrets as ``tests/test_secrets_never_shown.py`` (``planted.py``) go into
the environment, ``.env`` and ``.streamlit/secrets.toml`` of a real ``streamlit run``;
the page's whole HTML, hidden parts included, must not contain any of them, both
when the settings are invalid and when the data source cannot be reached.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from planted import (
    APP,
    CONNECTION_NAME,
    CONNECTIONS,
    DOTENV,
    ENV,
    PLANTED,
    connection,
    invalid_values,
    leaked,
    variable,
)
{%- if cookiecutter.auth != "none" %}
from sign_in import SIGN_IN_ENV
{%- endif %}

from {{ cookiecutter.package_name }}.pages import PAGES
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX

from benchmarks.driver import StreamlitServer

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

PROJECT_ROOT = Path(__file__).resolve().parents[2]
IDLE_APP = '[data-testid="stApp"][data-test-script-state="notRunning"]'
TIMEOUT_MS = 30_000


def secrets_toml(values: dict[str, dict[str, Any]]) -> str:
    """``[app]`` and ``[connections.<name>]`` as TOML (JSON strings and numbers are TOML too)."""
    lines = ["[app]"]
    lines += [f"{path} = {json.dumps(value)}" for path, value in values.get(APP, {}).items()]
    lines.append(f"[connections.{CONNECTION_NAME}]")
    lines += [
        f"{path.removeprefix('connection.')} = {json.dumps(value)}"
        for path, value in values.get(CONNECTIONS, {}).items()
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def planted_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Start the app from a folder holding the planted ``.env`` and ``secrets.toml``."""
    servers: list[StreamlitServer] = []

    def start(values: dict[str, dict[str, Any]], **settings: str) -> str:
        for name in list(os.environ):
            if name.startswith(ENV_PREFIX):
                monkeypatch.delenv(name)  # only what is planted here configures the app
        work = tmp_path / f"work-{len(servers)}"
        (work / ".streamlit").mkdir(parents=True)
        shutil.copy(PROJECT_ROOT / ".streamlit" / "config.toml", work / ".streamlit")
        (work / ".streamlit" / "secrets.toml").write_text(secrets_toml(values), "utf-8")
        dotenv = values.get(DOTENV, {}).items()
        (work / ".env").write_text("".join(f"{variable(p)}={v}\n" for p, v in dotenv), "utf-8")
        env = {variable(path): str(value) for path, value in values.get(ENV, {}).items()}
        env.update({ENV_PREFIX + name: value for name, value in settings.items()})
{%- if cookiecutter.auth != "none" %}
        env.update({ENV_PREFIX + name: value for name, value in SIGN_IN_ENV.items()})
{%- endif %}
        path = [str(PROJECT_ROOT / "src"), os.environ.get("PYTHONPATH", "")]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, path))
        server = StreamlitServer(PROJECT_ROOT / "streamlit_app.py", cwd=work, env=env)
        servers.append(server)
        server.start()
        return server.url

    yield start
    for server in servers:
        server.stop()


def dom_of(page: Page, url: str, shows: str) -> str:
    page.goto(url)
    page.get_by_text(shows).first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE_APP, timeout=TIMEOUT_MS)
    return page.content()


def test_invalid_settings_show_no_secret(page: Page, planted_server: Any) -> None:
    url = planted_server(invalid_values())
    html = dom_of(page, url, "Invalid configuration")
    assert leaked(html) == []


def test_an_unreachable_source_shows_no_secret(
    page: Page, planted_server: Any, tmp_path: Path
) -> None:
    values = {source: connection(PLANTED[source]) for source in (ENV, DOTENV, CONNECTIONS)}
{%- if cookiecutter.data_source == "duckdb" %}
    url = planted_server(values, DATA_PATH=str(tmp_path / "missing" / "sales.parquet"))
{%- else %}
    url = planted_server(values)
{%- endif %}
    error_panels = 0
    for spec in PAGES:  # a page that reads no data shows no error panel (and no secret)
        page.goto(f"{url}/{spec.url_path}")
        page.get_by_role("heading", name=spec.title, level=1).wait_for(timeout=TIMEOUT_MS)
        page.wait_for_selector(IDLE_APP, timeout=TIMEOUT_MS)
        html = page.content()
        assert leaked(html) == [], spec.url_path
        error_panels += "Retry" in html
    assert error_panels, "no page showed the data source's error panel"
