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
{%- if cookiecutter.data_source == "duckdb" %}
from pathlib import Path
{%- endif %}
{%- if cookiecutter.data_source == "snowflake" %}
from typing import Any, ClassVar, Literal
{%- else %}
from typing import Any, ClassVar
{%- endif %}
{% if cookiecutter.data_source == "rest_api" %}
from pydantic import AnyHttpUrl, BaseModel, Field, SecretStr, ValidationError, field_validator
{%- elif cookiecutter.data_source != "duckdb" %}
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
{%- else %}
from pydantic import BaseModel, Field, ValidationError, field_validator
{%- endif %}
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

APP_TITLE = "{{ cookiecutter.project_name }}"
ENV_PREFIX = "{{ cookiecutter.package_name | upper }}_"
SECRETS_SECTION = "app"
{%- if cookiecutter.data_source != "duckdb" %}
CONNECTION_NAME = "{{ cookiecutter.data_source }}"
"""The ``[connections.<name>]`` table of ``.streamlit/secrets.toml`` the connection reads."""
{%- endif %}
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
{%- if cookiecutter.data_source == "postgres" %}


class ConnectionSettings(BaseModel):
    """The PostgreSQL server: ``[connections.postgres]`` in secrets, or ``*_CONNECTION__*``."""

    host: str = Field(min_length=1)
    port: int = Field(default=5432, gt=0, lt=65536)
    database: str = Field(min_length=1)
    username: str = Field(min_length=1)
    password: SecretStr
    connect_timeout_seconds: int = Field(default=5, ge=1)
{%- elif cookiecutter.data_source == "snowflake" %}


# Database and schema names are used unquoted, so Snowflake matches them case-insensitively.
_SNOWFLAKE_NAME = r"^[A-Za-z_][A-Za-z0-9_$]*$"


class ConnectionSettings(BaseModel):
    """The Snowflake account: ``[connections.snowflake]`` in secrets, or ``*_CONNECTION__*``."""

    account: str = Field(min_length=1)
    user: str = Field(min_length=1)
    password: SecretStr
    database: str = Field(pattern=_SNOWFLAKE_NAME)
    schema_name: str = Field(default="PUBLIC", pattern=_SNOWFLAKE_NAME, alias="schema")
    warehouse: str | None = None
    role: str | None = None
    # Only for a proxy, private link or a local fake: normally derived from the account.
    host: str | None = None
    port: int | None = Field(default=None, gt=0, lt=65536)
    protocol: Literal["https", "http"] = "https"
    # Seconds; the connector's own keys: the whole login, and each HTTP request.
    login_timeout: int = Field(default=10, ge=1)
    socket_timeout: int = Field(default=60, ge=1)
{%- elif cookiecutter.data_source == "s3" %}


class ConnectionSettings(BaseModel):
    """The S3 bucket: ``[connections.s3]`` in secrets, or ``*_CONNECTION__*``.

    Leave the keys out to use the standard AWS credential chain (environment,
    ``~/.aws``, instance role).
    """

    bucket: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    prefix: str = "sales/"
    region: str = "us-east-1"
    # Only for S3-compatible stores (MinIO, a local moto server): "http://127.0.0.1:9000".
    endpoint_url: str | None = None
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None
    retries: int = Field(default=2, ge=0, le=10)
    connect_timeout_seconds: float = Field(default=5, gt=0)
{%- elif cookiecutter.data_source == "rest_api" %}


class ConnectionSettings(BaseModel):
    """The data API: ``[connections.rest_api]`` in secrets, or ``*_CONNECTION__*``."""

    base_url: AnyHttpUrl
    token: SecretStr
    retries: int = Field(default=3, ge=0, le=10)
    page_size: int = Field(default=500, ge=1, le=10_000)
    connect_timeout_seconds: float = Field(default=5, gt=0)
{%- endif %}


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
{%- if cookiecutter.data_source == "duckdb" %}
    data_path: Path = Path("data/sales.parquet")
{%- else %}
    # Validated from an empty table when nothing is set, so each missing key is named.
    connection: ConnectionSettings = Field(default_factory=dict)  # type: ignore[arg-type]
{%- endif %}
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
            values = _to_dict(st.secrets.get(SECRETS_SECTION, {}))
{%- if cookiecutter.data_source != "duckdb" %}
            connection = st.secrets.get("connections", {}).get(CONNECTION_NAME)
{%- endif %}
        except Exception:  # a malformed secrets.toml is reported by Streamlit itself
            return {}
{%- if cookiecutter.data_source != "duckdb" %}
        if connection is not None:
            values["connection"] = _to_dict(connection)
{%- endif %}
        return values


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
            f"{env_var_name(location)} ({secrets_key(location)}): {problem['msg']}; {shown}"
        )
    return "\n".join(lines)


def secrets_key(location: tuple[int | str, ...]) -> str:
    """Where the field at ``location`` goes in ``.streamlit/secrets.toml``."""
{%- if cookiecutter.data_source != "duckdb" %}
    if location[:1] == ("connection",):
        return f"secrets: [connections.{CONNECTION_NAME}] {'.'.join(map(str, location[1:]))}"
{%- endif %}
    return f"secrets: [{SECRETS_SECTION}] {'.'.join(map(str, location))}"


@functools.cache
def get_settings() -> Settings:
    """The app's settings, read once per process (``get_settings.cache_clear()`` re-reads)."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError("Invalid configuration:\n" + describe(error)) from error
