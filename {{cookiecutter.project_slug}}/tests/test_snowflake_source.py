"""Snowflake specifics against fakesnow's server: failures, secrets, the seed script.

Every failure must reach the page as ``st.error`` saying what failed and how to
fix it, with a Retry button, while the app keeps running; and a failure is never
cached, so the app recovers as soon as the warehouse does.
"""

from __future__ import annotations

import os
import tomllib

import pytest
import snowflake.connector
from app_pages import PROJECT_ROOT, run_every_page
from failing_servers import closed_port, silent_server
from snowflake_server import SnowflakeServer
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }}.connection import CONNECTION_NAME, ConnectionSettings
from {{ cookiecutter.package_name }}.data import DataSourceError, Filters, get_source, seed
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX, get_settings


def sql(server: SnowflakeServer, statement: str) -> list[tuple[object, ...]]:
    """Run ``statement`` on a connection of our own, not the app's."""
    with (
        snowflake.connector.connect(**server.connection()) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
        return cursor.fetchall()


def test_unreachable_account(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__PORT", str(closed_port()))
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__LOGIN_TIMEOUT", "1")
    for error in run_every_page(app):
        assert "Cannot reach Snowflake (fakesnow/ANALYTICS.PUBLIC)" in error
        assert f"[connections.{CONNECTION_NAME}]" in error


def test_server_that_never_answers_times_out(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    with silent_server() as port:
        monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__PORT", str(port))
        monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__LOGIN_TIMEOUT", "1")
        monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__SOCKET_TIMEOUT", "1")
        for error in run_every_page(app, pages=1):
            assert "Cannot reach Snowflake" in error
            assert "login_timeout" in error


def test_bad_credentials(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__PASSWORD", "wrong-password")
    for error in run_every_page(app):
        assert "refused the credentials" in error
        assert "Incorrect username or password" in error
        assert "Check user and password" in error


def test_missing_table(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}DATASET__TABLE", "no_such_table")
    for error in run_every_page(app):
        assert 'Table "no_such_table" does not exist' in error
        assert ".data.seed" in error


def test_missing_column_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}DATASET__DIMENSIONS", '["region", "colour"]')
    with pytest.raises(DataSourceError, match="colour") as caught:
        get_source()
    assert "DATASET__DIMENSIONS" in caught.value.fix


def test_a_failure_is_not_cached(app: AppTest, snowflake: SnowflakeServer) -> None:
    sql(snowflake, 'ALTER TABLE "sales" RENAME TO "sales_away"')
    try:
        assert all('Table "sales" does not exist' in error for error in run_every_page(app))
    finally:
        sql(snowflake, 'ALTER TABLE "sales_away" RENAME TO "sales"')
    # The table is back: the next run works without pressing Retry.
    assert not any(run_every_page(app))  # no page shows an error


def test_retry_button_recovers(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, snowflake: SnowflakeServer
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__PASSWORD", "wrong-password")
    app.run()
    assert app.error
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__PASSWORD", snowflake.password)
    get_settings.cache_clear()
    app.button(key="overview.trend:retry").click().run()
    assert not app.exception
    assert not app.error


def test_hostile_values_leave_the_table_intact(snowflake: SnowflakeServer) -> None:
    source = get_source()
    for hostile in ('\'; DROP TABLE "sales"; --', "x'); DELETE FROM sales; --", "? :start"):
        assert source.summary(Filters.of(region=[hostile], channel=[hostile])).rows == 0
    assert sql(snowflake, 'SELECT COUNT(*) FROM "sales"') == [(20_000,)]


def test_missing_secret_is_named(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(f"{ENV_PREFIX}CONNECTION__PASSWORD")
    app.run()
    assert not app.exception
    message = app.error[0].value
    assert f"{ENV_PREFIX}CONNECTION__PASSWORD" in message
    assert f"[connections.{CONNECTION_NAME}] password" in message


def test_connection_from_streamlit_secrets(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, snowflake: SnowflakeServer
) -> None:
    for name in list(os.environ):
        if name.startswith(f"{ENV_PREFIX}CONNECTION__"):
            monkeypatch.delenv(name)
    app.secrets["connections"] = {CONNECTION_NAME: snowflake.connection()}
    assert not any(run_every_page(app))  # no page shows an error


def test_secrets_example_has_every_key_and_no_real_secret() -> None:
    example = tomllib.loads(
        (PROJECT_ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    )
    section = example["connections"][CONNECTION_NAME]
    required = {
        field.alias or name
        for name, field in ConnectionSettings.model_fields.items()
        if field.is_required()
    }
    assert required <= set(section)
    assert ConnectionSettings.model_validate(section).password.get_secret_value() == "change-me"


def test_seed_script_creates_and_fills_the_table(
    monkeypatch: pytest.MonkeyPatch, snowflake: SnowflakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}DATASET__TABLE", "seed_check")
    seed.main(["--rows", "1500"])
    assert 'loaded 1,500 rows into ANALYTICS.PUBLIC."seed_check"' in capsys.readouterr().out
    get_settings.cache_clear()
    try:
        assert get_source().summary(Filters()).rows == 1500
        seed.main(["--rows", "1000"])  # seeding again replaces the table
        assert sql(snowflake, 'SELECT COUNT(*) FROM "seed_check"') == [(1000,)]
    finally:
        sql(snowflake, 'DROP TABLE IF EXISTS "seed_check"')
