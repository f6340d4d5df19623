"""One validated settings object for the whole app.

Values come, highest priority first, from environment variables (prefix
``{{ cookiecutter.package_name | upper }}_``, nested fields joined by ``__``), a ``.env`` file, the
``[app]`` table of ``.streamlit/secrets.toml``, and the defaults below. A bad or
missing value fails at start-up with a message that names the variable to fix,
instead of a traceback in the middle of a page.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

APP_TITLE = "{{ cookiecutter.project_name }}"
ENV_PREFIX = "{{ cookiecutter.package_name | upper }}_"
SECRETS_SECTION = "app"
_IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"


class CachePolicy(BaseModel):
    """How long a cache namespace keeps entries and how many it keeps."""

    ttl_seconds: float | None = Field(default=600.0, gt=0)
    max_entries: int | None = Field(default=256, gt=0)


def _default_namespaces() -> dict[str, CachePolicy]:
    return {
        # Filtered aggregates: small frames keyed by the filter values.
        "queries": CachePolicy(ttl_seconds=600, max_entries=512),
        # Dimension values and date bounds: change only when the data does.
        "reference": CachePolicy(ttl_seconds=3600, max_entries=32),
        # The live panel: short TTL so each refresh sees new data.
        "live": CachePolicy(ttl_seconds=5, max_entries=16),
        # Per-user results: bounded so many users cannot grow memory without limit.
        "user": CachePolicy(ttl_seconds=300, max_entries=1024),
        # Connections and other shared resources (st.cache_resource).
        "resources": CachePolicy(ttl_seconds=None, max_entries=8),
    }


class CacheSettings(BaseModel):
    """Cache policies per named namespace; unknown namespaces use ``default``."""

    default: CachePolicy = CachePolicy()
    namespaces: dict[str, CachePolicy] = Field(default_factory=_default_namespaces)

    def policy(self, namespace: str) -> CachePolicy:
        return self.namespaces.get(namespace, self.default)


class DatasetSettings(BaseModel):
    """Which columns the pages filter, group and sum: point these at your own data."""

    table: str = Field(default="sales", pattern=_IDENTIFIER)
    date_column: str = Field(default="order_date", pattern=_IDENTIFIER)
    dimensions: list[str] = Field(
        default_factory=lambda: ["region", "channel", "category", "product"], min_length=1
    )
    measures: list[str] = Field(default_factory=lambda: ["revenue", "units"], min_length=1)

    @field_validator("dimensions", "measures")
    @classmethod
    def _identifiers(cls, names: list[str]) -> list[str]:
        bad = [name for name in names if not re.match(_IDENTIFIER, name)]
        if bad:
            raise ValueError(f"column names must be identifiers, got {bad}")
        return names


class Settings(BaseSettings):
    """Everything the app can be configured with."""

    model_config: ClassVar[SettingsConfigDict] = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        validate_default=True,
    )

    app_title: str = Field(default=APP_TITLE, min_length=1)
    data_path: Path = Path("data/sales.parquet")
    dataset: DatasetSettings = DatasetSettings()
    cache: CacheSettings = CacheSettings()
    live_refresh_seconds: float = Field(default={{ cookiecutter.live_refresh_seconds }}, ge=1)
    max_chart_points: int = Field(default=2000, ge=10, le=20_000)
    page_size: int = Field(default=200, ge=10, le=5000)
    query_timeout_seconds: float = Field(default=30.0, gt=0)
    dev_panel: bool = True

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            StreamlitSecretsSource(settings_cls),
        )


class StreamlitSecretsSource(PydanticBaseSettingsSource):
    """Reads the ``[app]`` table of ``.streamlit/secrets.toml`` when one exists."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        # Unused: __call__ returns the whole table at once.
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        import streamlit as st

        try:
            if not st.secrets.load_if_toml_exists():
                return {}
            section = st.secrets.get(SECRETS_SECTION, {})
        except Exception:  # a malformed secrets.toml is reported by Streamlit itself
            return {}
        return _to_dict(section)


def _to_dict(value: Any) -> Any:
    if hasattr(value, "items"):
        return {key: _to_dict(item) for key, item in value.items()}
    return value


class SettingsError(RuntimeError):
    """Raised instead of a raw ValidationError; its message names each bad variable."""


def env_var_name(location: tuple[int | str, ...]) -> str:
    """The environment variable that sets the field at ``location``."""
    return ENV_PREFIX + "__".join(str(part) for part in location).upper()


def describe(error: ValidationError) -> str:
    """One line per problem: the variable, the value it had, and what is expected."""
    lines = []
    for problem in error.errors():
        location = tuple(problem["loc"])
        value = problem.get("input")
        shown = "missing" if problem["type"] == "missing" else f"got {value!r}"
        lines.append(
            f"{env_var_name(location)} (secrets: [{SECRETS_SECTION}] "
            f"{'.'.join(map(str, location))}): {problem['msg']}; {shown}"
        )
    return "\n".join(lines)


@functools.cache
def get_settings() -> Settings:
    """The app's settings, read once per process (``get_settings.cache_clear()`` re-reads)."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError("Invalid configuration:\n" + describe(error)) from error
