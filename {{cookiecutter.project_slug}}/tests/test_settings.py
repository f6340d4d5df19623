"""Settings: defaults, every source, and error messages that name the variable, never the value."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr, ValidationError, field_validator
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }}.settings import (
    ENV_PREFIX,
    Settings,
    SettingsError,
    describe,
    env_var_name,
    get_settings,
    redact,
    secret_values,
)


def problems(monkeypatch: pytest.MonkeyPatch, **variables: str) -> list[str]:
    """The lines of the settings error after setting ``variables`` (without the prefix)."""
    for name, value in variables.items():
        monkeypatch.setenv(ENV_PREFIX + name, value)
    with pytest.raises(SettingsError) as caught:
        get_settings()
    return caught.value.problems


def test_defaults_are_valid_and_keep_operator_controls_off() -> None:
    settings = Settings(_env_file=None)
    assert settings.app_title
    assert settings.cache.policy("queries").ttl_seconds == 600
    assert settings.cache.policy("no-such-namespace") == settings.cache.default
    assert settings.dev_panel is False
    assert settings.operators == []


def test_environment_overrides_nested_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CACHE__NAMESPACES__QUERIES__TTL_SECONDS", "42")
    assert get_settings().cache.policy("queries").ttl_seconds == 42


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"{ENV_PREFIX}APP_TITLE=From dotenv\n", encoding="utf-8")
    assert get_settings().app_title == "From dotenv"


def test_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(f"{ENV_PREFIX}PAGE_SIZE=50\n", encoding="utf-8")
    monkeypatch.setenv(f"{ENV_PREFIX}PAGE_SIZE", "75")
    assert get_settings().page_size == 75


def test_bad_value_is_named_with_its_source_and_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [problem] = problems(monkeypatch, LIVE_REFRESH_SECONDS="soon-hunter2")
    assert problem == (
        f"`{ENV_PREFIX}LIVE_REFRESH_SECONDS` (environment): "
        "Input should be a valid number, unable to parse string as a number"
    )


def test_a_bad_value_in_dotenv_is_attributed_to_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(f"{ENV_PREFIX}PAGE_SIZE=hunter2\n", encoding="utf-8")
    [problem] = problems(monkeypatch)
    assert problem.startswith(f"`{ENV_PREFIX}PAGE_SIZE` (.env): Input should be a valid integer")
    assert "hunter2" not in problem


def test_nested_bad_value_names_the_nested_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    [problem] = problems(monkeypatch, CACHE__DEFAULT__MAX_ENTRIES="-1")
    assert problem == (
        f"`{ENV_PREFIX}CACHE__DEFAULT__MAX_ENTRIES` (environment): Input should be greater than 0"
    )


def test_a_value_inside_a_json_variable_names_the_variable_and_the_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [problem] = problems(monkeypatch, CACHE='{"default": {"ttl_seconds": -1}}')
    assert problem == (
        f"`{ENV_PREFIX}CACHE` (environment, at default.ttl_seconds): Input should be greater than 0"
    )


def test_unparsable_json_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    [problem] = problems(monkeypatch, CACHE="{")
    assert problem == (
        f"`{ENV_PREFIX}CACHE` (environment): not valid JSON (Expecting property name enclosed "
        "in double quotes at character 2); expected a JSON object"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("alice@example.com", ["alice@example.com"]),
        ("alice@example.com,bob-id", ["alice@example.com", "bob-id"]),
        (" alice@example.com , bob-id ,", ["alice@example.com", "bob-id"]),
        ('["alice@example.com", "bob-id"]', ["alice@example.com", "bob-id"]),
        ("", []),
    ],
)
def test_list_settings_take_json_or_comma_separated_text(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: list[str]
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}OPERATORS", value)
    assert get_settings().operators == expected


def test_a_list_that_starts_as_json_must_be_json(monkeypatch: pytest.MonkeyPatch) -> None:
    [problem] = problems(monkeypatch, OPERATORS='["alice@example.com",')
    assert problem.startswith(f"`{ENV_PREFIX}OPERATORS` (environment): not valid JSON")
    assert problem.endswith("expected a JSON list, or values separated by commas")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[app]\napp_title = "unclosed\n', 2),
        ("[app]\npage_size = 10\npage_size = 20\n", 3),
        ("[app\n", 1),
    ],
)
def test_a_malformed_secrets_file_is_named_with_its_line(
    tmp_path: Path, text: str, line: int
) -> None:
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        get_settings()
    [problem] = caught.value.problems
    assert problem.startswith("`.streamlit/secrets.toml` is not valid TOML (")
    assert f"(at line {line}," in problem


def test_a_secrets_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_bytes(b'[app]\napp_title = "\xff"\n')
    with pytest.raises(SettingsError, match=r"`\.streamlit/secrets\.toml` is not valid TOML"):
        get_settings()


def test_a_validator_quoting_its_input_is_cut_out() -> None:
    class Columns(BaseModel):
        names: list[str]

        @field_validator("names")
        @classmethod
        def _short(cls, names: list[str]) -> list[str]:
            raise ValueError(f"too long: {names}")

    with pytest.raises(ValidationError) as caught:
        Columns(names=["hunter2", "s3cr3t"])
    [problem] = describe(caught.value, origins=())
    assert problem == (
        f"`{ENV_PREFIX}NAMES` (or `[app] names` in .streamlit/secrets.toml): "
        "Value error, too long: ['…', '…']"
    )


def test_env_var_name() -> None:
    assert env_var_name(("cache", "default", "ttl_seconds")) == (
        f"{ENV_PREFIX}CACHE__DEFAULT__TTL_SECONDS"
    )


class Credentials(BaseModel):
    password: SecretStr
    endpoint: str
    note: str = "plain"


def test_secret_values_finds_secret_fields_and_url_credentials() -> None:
    credentials = Credentials(
        password=SecretStr("pw-1"),
        endpoint="https://user-2:pw-3@api.example.com/v1?token=tk-4&sslmode=require",
    )
    assert sorted(secret_values(credentials)) == ["pw-1", "pw-3", "tk-4", "user-2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("login failed for s3cr3t!", "login failed for ***"),
        ("GET https://bob:pw@api.example.com/x", "GET https://***@api.example.com/x"),
        ("postgresql+psycopg://app:hunter2@db:5432/x", "postgresql+psycopg://***@db:5432/x"),
        ("query ?key=s3cr3t%21", "query ?key=***"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text, ["s3cr3t!", "hunter2"]) == expected


def test_streamlit_secrets_app_table_is_read(app: AppTest) -> None:
    app.secrets["app"] = {"app_title": "Title from secrets"}
    app.run()
    assert not app.exception
    assert app.sidebar.caption[0].value == "Title from secrets"


def test_environment_wins_over_streamlit_secrets(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}APP_TITLE", "Title from env")
    app.secrets["app"] = {"app_title": "Title from secrets"}
    app.run()
    assert app.sidebar.caption[0].value == "Title from env"


def test_a_secrets_app_entry_that_is_not_a_table_is_named(app: AppTest) -> None:
    app.secrets["app"] = "hunter2"
    app.run()
    assert not app.exception
    assert "`[app]` (.streamlit/secrets.toml): expected a table" in app.error[0].value
    assert "hunter2" not in app.error[0].value
