"""One validated settings object for the whole app.

Values come, highest priority first, from environment variables (prefix
``{{ cookiecutter.package_name | upper }}_``, nested fields joined by ``__``), a ``.env`` file, the
``[app]`` table of ``.streamlit/secrets.toml`` (and ``[connections.<name>]`` for the
connection), and the defaults below. A bad or missing value fails at start-up with a
message that names the variable, where it was set and what is expected, never the
value itself (it may be a password), instead of a traceback in the middle of a page.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import UnionType
from typing import Any, ClassVar, Literal, Union, get_args, get_origin
from urllib.parse import parse_qsl, quote, urlsplit

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings import SettingsError as SourceError
{%- if cookiecutter.data_source != "duckdb" or cookiecutter.auth != "none" %}
{# a blank line, then the options' settings #}
{%- if cookiecutter.auth != "none" %}
from .access_settings import AccessSettings
{%- endif %}
{%- if cookiecutter.data_source != "duckdb" %}
from .connection import CONNECTION_NAME, ConnectionSettings
{%- endif %}
{%- if cookiecutter.auth == "trusted_header" %}
from .proxy_settings import ProxySettings
{%- endif %}
{%- endif %}

{% set name = cookiecutter.project_name -%}
{% if name.isascii() or name | length <= 40 -%}
APP_TITLE = "{{ name }}"
{% else -%}
# In pieces of 40 characters: wide (e.g. CJK) characters take two columns each.
APP_TITLE = "".join(
    [
{%- for piece in name | batch(40) %}
        "{{ piece | join }}",
{%- endfor %}
    ]
)
{% endif -%}
ENV_PREFIX = "{{ cookiecutter.package_name | upper }}_"
SECRETS_SECTION = "app"
# Upper bounds keep every number finite and sane: inf, nan and 1e300 are refused by name.
HOUR = 3600
YEAR = 365 * 24 * HOUR


class CachePolicy(BaseModel):
    """How long a cache namespace keeps entries and how many it keeps."""

    ttl_seconds: float | None = Field(default=600.0, gt=0, le=YEAR, allow_inf_nan=False)
    max_entries: int | None = Field(default=256, gt=0, le=1_000_000)


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


class CsvSettings(BaseModel):
    """How CSV files are read; each unset option is sniffed from the file."""

    encoding: Literal["utf-8", "utf-16", "latin-1"] | None = None
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    decimal_separator: Literal[".", ","] | None = None
    header: bool | None = None
    # Cells read as missing; unset: the same as pandas ("", NA, N/A, NULL, NaN, #N/A...).
    null_strings: list[str] | None = Field(default=None, max_length=50)


Aggregation = Literal["sum", "mean", "min", "max", "count", "count_distinct"]


class RollupSettings(BaseModel):
    """The local pre-aggregated copy that answers slider moves without querying the engine."""

    # Rows (days x values of the first dimension) it may hold; 0 turns it off.
    max_rows: int = Field(default=2_000_000, ge=0, le=50_000_000)
    # How often the engine is asked whether the table changed (row counts, file lists).
    check_seconds: float = Field(default=30.0, ge=0, le=86_400, allow_inf_nan=False)
    # Rebuilt at least this often where the engine gives no change signal.
    ttl_seconds: float = Field(default=3600.0, gt=0, le=7 * 86_400, allow_inf_nan=False)


class DatasetSettings(BaseModel):
    """Which columns the pages filter, group and aggregate. Unset: inferred from the data.

    Any column name works (spaces, capitals, unicode, quotes). ``date_column=""``
    means the data has no date column; lists also accept ``a,b,c``.
    """

    table: str = Field(default="sales", min_length=1, max_length=255)
    date_column: str | None = Field(default=None, max_length=255)
    dimensions: list[str] | None = None
    measures: list[str] | None = None
    aggregations: dict[str, Aggregation] = Field(default_factory=dict)
    time_zone: str = Field(default="UTC", description="days of TIMESTAMPTZ dates are cut here")
    csv: CsvSettings = CsvSettings()

    @field_validator("dimensions", "measures", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @field_validator("dimensions", "measures")
    @classmethod
    def _distinct_names(cls, names: list[str] | None) -> list[str] | None:
        if names is not None:
            if any(not name for name in names):
                raise ValueError("column names cannot be empty")
            if len(set(names)) != len(names):
                raise ValueError("each column may be listed once")
        return names

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, name: str) -> str:
        import zoneinfo

        if name not in zoneinfo.available_timezones():
            raise ValueError("expected an IANA time zone name such as UTC or Europe/Paris")
        return name


class Settings(BaseSettings):
    """Everything the app can be configured with."""

    model_config: ClassVar[SettingsConfigDict] = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        validate_default=True,
    )

    app_title: str = Field(default=APP_TITLE, min_length=1, max_length=200)
{%- if cookiecutter.data_source == "duckdb" %}
    # A Parquet or CSV file, a folder or a glob; only ever read.
    data_path: Path = Path("data/sales.parquet")
    # Where CSV files are converted to Parquet once (gitignored; never next to your data).
    data_cache_dir: Path = Path(".cache/data")
{%- else %}
    # Validated from an empty table when nothing is set, so each missing key is named.
    connection: ConnectionSettings = Field(default_factory=dict)  # type: ignore[assignment]
{%- endif %}
    dataset: DatasetSettings = DatasetSettings()
    rollup: RollupSettings = RollupSettings()
    cache: CacheSettings = CacheSettings()
    live_refresh_seconds: float = Field(default={{ cookiecutter.live_refresh_seconds }}, ge=1, le=HOUR, allow_inf_nan=False)
    max_chart_points: int = Field(default=2000, ge=10, le=20_000)
    page_size: int = Field(default=200, ge=10, le=5000)
    query_timeout_seconds: float = Field(default=30.0, gt=0, le=HOUR, allow_inf_nan=False)
    # Largest median time per widget change that `python -m benchmarks.latency` accepts.
    latency_budget_ms: float = Field(default=250.0, gt=0, le=60_000, allow_inf_nan=False)
    # Cache stats and "Clear all caches": off unless turned on (.env.example shows how).
    dev_panel: bool = False
    # Who sees the dev panel when it is on: signed-in users (st.login) whose email or
    # subject id is listed here. Empty: every viewer, which is for local development only.
    operators: list[str] = Field(default_factory=list, max_length=1000)
{%- if cookiecutter.auth != "none" %}
    access: AccessSettings = AccessSettings()
{%- endif %}
{%- if cookiecutter.auth == "trusted_header" %}
    proxy: ProxySettings = ProxySettings()
{%- endif %}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, *sources(settings_cls, getattr(dotenv_settings, "env_file", ".env")))


def sources(settings_cls: type[BaseSettings], env_file: Any = ".env") -> tuple[Any, ...]:
    """Where settings come from, highest priority first; each has a ``label`` for messages."""
    return (
        EnvSource(settings_cls),
        DotEnvSource(settings_cls, env_file=env_file),
        StreamlitSecretsSource(settings_cls),
    )


class UnreadableSetting(ValueError):
    """A variable holding JSON that does not parse; the message names it, never its value."""

    def __init__(self, variable: str, label: str, error: ValueError, is_list: bool) -> None:
        reason = (
            f"{error.msg} at character {error.pos + 1}"
            if isinstance(error, json.JSONDecodeError)
            else "not JSON"
        )
        expected = "a JSON list, or values separated by commas" if is_list else "a JSON object"
        super().__init__(f"`{variable}` ({label}): not valid JSON ({reason}); expected {expected}")


class _ListsAsText:
    """Decodes JSON as pydantic-settings does, and also plain ``a,b`` text for list fields."""

    label: ClassVar[str]
    env_vars: Any

    def decode_complex_value(self, field_name: str, field: FieldInfo | None, value: Any) -> Any:
        try:
            return super().decode_complex_value(field_name, field, value)  # type: ignore[misc]
        except ValueError as error:
            is_list = field is not None and _is_list(field.annotation)
            if is_list and not value.lstrip().startswith("["):
                return [item.strip() for item in value.split(",") if item.strip()]
            variable = self._variable(field_name, value)
            raise UnreadableSetting(variable, self.label, error, is_list) from None

    def _variable(self, field_name: str, value: str) -> str:
        """The variable that held ``value`` for ``field_name`` (the last part of its name)."""
        suffix = field_name.lower()
        for name, raw in self.env_vars.items():
            if raw == value and name.lower().endswith(suffix):
                return str(name).upper()
        return ENV_PREFIX + field_name.upper()


def _is_list(annotation: Any) -> bool:
    """``list[...]``, also as a member of a union such as ``list[...] | None``."""
    if get_origin(annotation) in (Union, UnionType):
        return any(_is_list(member) for member in get_args(annotation))
    return get_origin(annotation) is list


class EnvSource(_ListsAsText, EnvSettingsSource):
    label = "environment"


class DotEnvSource(_ListsAsText, DotEnvSettingsSource):
    label = ".env"


class StreamlitSecretsSource(PydanticBaseSettingsSource):
    """Reads ``[app]`` (and ``[connections.<name>]``) of ``.streamlit/secrets.toml``.

    A secrets file that is not valid TOML stops the app with its path and line:
    Streamlit itself only logs it, and the app would run on its defaults.
    """

    label = ".streamlit/secrets.toml"

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        # Unused: __call__ returns the whole table at once.
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        import streamlit as st

        check_secrets_files(st.get_option("secrets.files"))
        if not st.secrets.load_if_toml_exists():
            return {}
        values = _to_dict(st.secrets.get(SECRETS_SECTION, {}))
        if not isinstance(values, dict):
            raise SettingsError([f"`[{SECRETS_SECTION}]` ({self.label}): expected a table"])
{%- if cookiecutter.data_source != "duckdb" %}
        connections = _to_dict(st.secrets.get("connections", {}))
        if isinstance(connections, dict) and CONNECTION_NAME in connections:
            values["connection"] = connections[CONNECTION_NAME]
{%- endif %}
        return values


def check_secrets_files(paths: Iterable[str]) -> None:
    """Refuse a secrets file that is not valid TOML, naming the file and the line."""
    for path in map(Path, paths):
        if path.suffix != ".toml" or not path.is_file():
            continue  # Streamlit also reads secret directories; it checks those itself
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
            raise SettingsError(
                [f"`{shown}` is not valid TOML ({error}): fix it, or nothing in it is read"]
            ) from None


def _to_dict(value: Any) -> Any:
    if hasattr(value, "items"):
        return {key: _to_dict(item) for key, item in value.items()}
    return value


class SettingsError(RuntimeError):
    """Raised instead of a raw ValidationError: one line per bad setting, never its value."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("Invalid configuration:\n" + "\n".join(self.problems))


def env_var_name(location: tuple[int | str, ...]) -> str:
    """The environment variable that sets the field at ``location``."""
    return ENV_PREFIX + "__".join(str(part) for part in location).upper()


def secrets_key(location: tuple[int | str, ...]) -> str:
    """Where the field at ``location`` goes in ``.streamlit/secrets.toml``."""
{%- if cookiecutter.data_source != "duckdb" %}
    if location[:1] == ("connection",):
        key = ".".join(map(str, location[1:]))
        return f"[connections.{CONNECTION_NAME}] {key}".rstrip()
{%- endif %}
    return f"[{SECRETS_SECTION}] {'.'.join(map(str, location))}"


def describe(error: ValidationError, origins: Iterable[Any] | None = None) -> list[str]:
    """One line per problem: the variable, where it was set, and what is expected.

    Never the value: it may be a password, and this text is shown in the page.
    ``origins`` are the settings sources, highest priority first (default: ``sources``).
    """
    supplied = [
        (origin.label, origin(), getattr(origin, "env_vars", {}))
        for origin in (sources(Settings) if origins is None else origins)
    ]
    return [
        f"{_where(tuple(problem['loc']), supplied)}: {_expected(problem)}"
        for problem in error.errors()
    ]


def _where(location: tuple[int | str, ...], supplied: list[tuple[str, Any, Any]]) -> str:
    """The setting at ``location`` as the user wrote it, and in which source."""
    for label, values, env_vars in supplied:
        if not _holds(values, location):
            continue
        if label == StreamlitSecretsSource.label:
            return f"`{secrets_key(location)}` ({label})"
        names = {name.upper() for name in env_vars}
        for end in range(len(location), 0, -1):
            variable = env_var_name(location[:end])
            if variable in names:
                inside = ".".join(map(str, location[end:]))
                return f"`{variable}` ({label}{f', at {inside}' if inside else ''})"
    return f"`{env_var_name(location)}` (or `{secrets_key(location)}` in .streamlit/secrets.toml)"


def _holds(values: Any, location: tuple[int | str, ...]) -> bool:
    for part in location:
        if isinstance(values, dict):
            keys = {str(key).lower(): key for key in values}
            if str(part).lower() not in keys:
                return False
            values = values[keys[str(part).lower()]]
        elif isinstance(values, list) and isinstance(part, int) and part < len(values):
            values = values[part]
        else:
            return False
    return True


def _expected(problem: Any) -> str:
    if problem["type"] == "missing":
        return "required, and not set"
    message = str(problem["msg"])
    if problem["type"] in ("value_error", "assertion_error"):
        # A validator's own message may quote the input: cut every part of it out.
        for leaf in sorted(_leaves(problem.get("input")), key=len, reverse=True):
            message = message.replace(leaf, "…")
    return message


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            yield from _leaves(item)
    elif value is not None and str(value):
        yield str(value)


# Query parameters whose values are credentials (``?token=...``, ``?X-Amz-Signature=...``).
_SECRET_PARAMETER = re.compile(r"token|key|secret|pass|sig|auth|cred", re.IGNORECASE)
# ``scheme://user:password@``: the credentials part of any URL in a text.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@]+@")


def secret_values(settings: BaseModel) -> list[str]:
    """Every secret ``settings`` holds: secret fields, and credentials inside URLs."""
    found: list[str] = []
    for value in _field_values(settings):
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif "://" in str(value):
            parts = urlsplit(str(value))
            found += [parts.username or "", parts.password or ""]
            found += [v for k, v in parse_qsl(parts.query) if _SECRET_PARAMETER.search(k)]
    return [secret for secret in found if secret]


def _field_values(model: BaseModel) -> Iterator[Any]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _field_values(value)
        else:
            yield value


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every one of ``secrets`` (also URL-encoded) and URL credentials masked."""
    text = _USERINFO.sub(r"\g<scheme>***@", text)
    variants = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""))}
    for secret in sorted(variants, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


@functools.cache
def get_settings() -> Settings:
    """The app's settings, read once per process (``get_settings.cache_clear()`` re-reads).

    Errors are re-raised without their cause: pydantic's own text quotes each bad
    value, which must not reach a log or a page.
    """
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(describe(error)) from None
    except SourceError as error:
        cause = error.__cause__
        problem = cause if isinstance(cause, UnreadableSetting) else error
        raise SettingsError([str(problem)]) from None
