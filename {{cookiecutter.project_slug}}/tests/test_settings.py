"""Settings: defaults, every source, and error messages that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }}.settings import (
    ENV_PREFIX,
    Settings,
    SettingsError,
    env_var_name,
    get_settings,
)


def test_defaults_are_valid() -> None:
    settings = Settings(_env_file=None)
    assert settings.app_title
    assert settings.cache.policy("queries").ttl_seconds == 600
    assert settings.cache.policy("no-such-namespace") == settings.cache.default
    assert settings.dataset.dimensions[0] == "region"


def test_environment_overrides_nested_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CACHE__NAMESPACES__QUERIES__TTL_SECONDS", "42")
    monkeypatch.setenv(f"{ENV_PREFIX}DATASET__MEASURES", '["units"]')
    settings = get_settings()
    assert settings.cache.policy("queries").ttl_seconds == 42
    assert settings.dataset.measures == ["units"]


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"{ENV_PREFIX}APP_TITLE=From dotenv\n", encoding="utf-8")
    assert get_settings().app_title == "From dotenv"


def test_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(f"{ENV_PREFIX}PAGE_SIZE=50\n", encoding="utf-8")
    monkeypatch.setenv(f"{ENV_PREFIX}PAGE_SIZE", "75")
    assert get_settings().page_size == 75


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}LIVE_REFRESH_SECONDS", "soon")
    with pytest.raises(SettingsError) as caught:
        get_settings()
    message = str(caught.value)
    assert f"{ENV_PREFIX}LIVE_REFRESH_SECONDS" in message
    assert "'soon'" in message


def test_nested_bad_value_names_the_nested_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CACHE__DEFAULT__MAX_ENTRIES", "-1")
    with pytest.raises(SettingsError, match=f"{ENV_PREFIX}CACHE__DEFAULT__MAX_ENTRIES"):
        get_settings()


def test_bad_column_name_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}DATASET__DATE_COLUMN", "date; DROP TABLE x")
    with pytest.raises(SettingsError, match=f"{ENV_PREFIX}DATASET__DATE_COLUMN"):
        get_settings()


def test_env_var_name() -> None:
    assert env_var_name(("cache", "default", "ttl_seconds")) == (
        f"{ENV_PREFIX}CACHE__DEFAULT__TTL_SECONDS"
    )


def test_streamlit_secrets_app_table_is_read(app: AppTest) -> None:
    app.secrets["app"] = {"app_title": "Title from secrets", "dataset": {"measures": ["units"]}}
    app.run()
    assert not app.exception
    assert app.sidebar.caption[0].value == "Title from secrets"
    assert [metric.label for metric in app.metric][:3] == ["Rows", "Units", "Units per row"]


def test_environment_wins_over_streamlit_secrets(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}APP_TITLE", "Title from env")
    app.secrets["app"] = {"app_title": "Title from secrets"}
    app.run()
    assert app.sidebar.caption[0].value == "Title from env"
