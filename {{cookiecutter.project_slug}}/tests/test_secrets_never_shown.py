"""No secret reaches a viewer: secrets planted in every settings source never appear on a page.

A distinct secret goes into each source: the environment, ``.env``, ``[app]`` and
``[connections.{{ cookiecutter.data_source }}]`` of ``.streamlit/secrets.toml``. Then the real app
(``streamlit_app.py``, every page) runs with AppTest in each case that shows a message:

* every source holds invalid values (the app stops at its settings message), or JSON
  that does not parse;
* every source holds a complete connection whose engine cannot be reached
  (each source in turn is the one that wins), or, where the test engine runs, whose
  credentials it refuses.

Every field of every element drawn (see ``page_text.shown``) is searched for every
planted secret.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from page_text import every_page
from planted import (
    APP,
    CONNECTION_NAME,
    CONNECTIONS,
    DOTENV,
    ENV,
    PLANTED,
    SOURCES,
    connection,
    invalid_values,
    leaked,
    named_in_invalid_values,
    variable,
)
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }}.settings import ENV_PREFIX, SECRETS_SECTION


def plant(
    app: AppTest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    values: dict[str, dict[str, Any]],
) -> None:
    """Put ``values[source]`` (settings by path, ``connection.password``...) into each source."""
    for name in list(os.environ):
        if name.startswith(f"{ENV_PREFIX}CONNECTION__"):
            monkeypatch.delenv(name)  # only what is planted here configures the engine
    for path, value in values.get(ENV, {}).items():
        monkeypatch.setenv(variable(path), str(value))
    dotenv = values.get(DOTENV, {})
    lines = [f"{variable(path)}={value}\n" for path, value in dotenv.items()]
    (tmp_path / ".env").write_text("".join(lines), encoding="utf-8")
    table: dict[str, Any] = {}
    for path, value in values.get(APP, {}).items():
        *parents, last = path.split(".")
        node = table
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    if table:
        app.secrets[SECRETS_SECTION] = table
    connections = values.get(CONNECTIONS, {})
    connection = {path.removeprefix("connection."): value for path, value in connections.items()}
    if connection:
        app.secrets["connections"] = {CONNECTION_NAME: connection}


def assert_nothing_planted_is_shown(app: AppTest) -> str:
    text = every_page(app)
    assert leaked(text) == []
    return text


def test_invalid_values_in_every_source(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plant(app, monkeypatch, tmp_path, invalid_values())
    text = assert_nothing_planted_is_shown(app)
    assert "Invalid configuration" in text
    for named in named_in_invalid_values():
        assert named in text


def test_unparsable_json_in_every_source(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plant(
        app,
        monkeypatch,
        tmp_path,
        {
            # JSON cut short (no doubled braces here: this file is a Jinja template).
            ENV: {"cache": '{"default": "' + PLANTED[ENV]},
            DOTENV: {"cache.namespaces": "{" + PLANTED[DOTENV]},
            APP: {"operators": [PLANTED[APP], {"nested": PLANTED[APP]}]},
            CONNECTIONS: connection(PLANTED[CONNECTIONS]),
        },
    )
    text = assert_nothing_planted_is_shown(app)
    assert f"`{ENV_PREFIX}CACHE` (environment): not valid JSON" in text


@pytest.mark.parametrize("winner", SOURCES)
def test_an_unreachable_engine_with_credentials_from_each_source(
    winner: str, app: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every source from ``winner`` down holds a connection; ``winner``'s is the one used."""
    from_winner = SOURCES[SOURCES.index(winner) :]
{%- if cookiecutter.data_source == "duckdb" %}
    monkeypatch.setenv(f"{ENV_PREFIX}DATA_PATH", str(tmp_path / "missing" / "sales.parquet"))
{%- endif %}
    planted = {source: connection(PLANTED[source]) for source in from_winner}
    plant(app, monkeypatch, tmp_path, planted)
    text = assert_nothing_planted_is_shown(app)
    assert "Retry" in text  # each page showed its data error, not the settings gate
{%- if cookiecutter.data_source != "duckdb" %}


def test_refused_credentials_from_the_environment(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real test engine, with the planted secret as the credentials it refuses."""
{%- if cookiecutter.data_source == "s3" %}
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__ACCESS_KEY_ID", f"{PLANTED[ENV]}-id")
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__SECRET_ACCESS_KEY", PLANTED[ENV])
{%- elif cookiecutter.data_source == "rest_api" %}
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__TOKEN", PLANTED[ENV])
{%- else %}
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__PASSWORD", PLANTED[ENV])
{%- endif %}
    text = assert_nothing_planted_is_shown(app)
    assert "Retry" in text
{%- endif %}
