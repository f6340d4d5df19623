"""Snowflake through ``st.connection("snowflake")`` (snowflake-connector-python).

Filters and aggregates run in the warehouse (the shared SQL of ``sql.py``); the
connector binds every value on the server side (``qmark`` style, which
Streamlit selects), and only the small result comes back, as Arrow, to pandas.
Each query carries the query timeout, after which the connector cancels it.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable
from typing import Any

import pandas as pd
import streamlit as st
from snowflake.connector import Error as SnowflakeError
from snowflake.connector.connection import SnowflakeConnection

from ..connection import CONNECTION_NAME
from ..settings import ENV_PREFIX, Settings, redact, secret_values
from .base import DataSourceError, Schema
from .infer import pinned
from .rollup import rollup_policy
from .sql import SqlDataSource, quote

SEED_HINT = "python -m {{ cookiecutter.package_name }}.data.seed"
SECRETS_HINT = (
    f"[connections.{CONNECTION_NAME}] in .streamlit/secrets.toml "
    f"(or the {ENV_PREFIX}CONNECTION__* variables)"
)
# ``sql.py`` names its parameters (``:start``); the connector binds by position (``?``).
PARAMETER = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")
LOGIN_FAILED = {390100, 390101, 390102, 390144, 390190, 390201, 390422}
CONNECT_FAILED = {250001, 250003, 251011, 251012}


def explain(
    error: SnowflakeError,
    where: str,
    schema: Schema,
    timeout: float,
    secrets: Iterable[str] = (),
) -> DataSourceError:
    """Turn a connector error into what failed and how to fix it, ``secrets`` masked."""
    code = error.errno or 0
    detail = redact((error.msg or str(error)).strip().splitlines()[0], secrets)
    if code in LOGIN_FAILED or "password" in detail.lower():
        return DataSourceError(
            f"Snowflake ({where}) refused the credentials: {detail}",
            f"Check user and password in {SECRETS_HINT}.",
        )
    if code in CONNECT_FAILED:
        return DataSourceError(
            f"Cannot reach Snowflake ({where}): {detail}",
            f"Check account (and host, if set) in {SECRETS_HINT}, the network, and "
            "login_timeout / socket_timeout.",
        )
    if code == 604 or "timeout" in detail.lower():
        return DataSourceError(
            f"The query took longer than {timeout:g} s and Snowflake cancelled it.",
            f"Narrow the filters or raise {ENV_PREFIX}QUERY_TIMEOUT_SECONDS.",
        )
    if code == 2003:
        return DataSourceError(
            f'Table "{schema.table}" does not exist in {where} (or this role may not read it).',
            f"Create and fill it with `{SEED_HINT}`, set {ENV_PREFIX}DATASET__TABLE, "
            f"or fix database, schema and role in {SECRETS_HINT}.",
        )
    if code in (904, 2043):
        return DataSourceError(
            f'Table "{schema.table}" in {where} lacks a configured column: {detail}',
            f"Set {ENV_PREFIX}DATASET__DATE_COLUMN, _DATASET__DIMENSIONS and "
            "_DATASET__MEASURES to match the table (names are case-sensitive).",
        )
    return DataSourceError(
        f"Snowflake ({where}) failed: {detail}",
        "Check the query history in Snowflake; the query is built only from the dataset settings.",
    )


class SnowflakeSource(SqlDataSource):
    """Queries one table through the connection ``st.connection`` shares between sessions."""

    def __init__(
        self,
        connection: SnowflakeConnection,
        schema: Schema,
        where: str,
        timeout_seconds: float,
        secrets: Iterable[str] = (),
    ) -> None:
        self.connection = connection
        self.schema = schema
        self.where_text = where
        self.timeout_seconds = timeout_seconds
        self.secrets = list(secrets)
        # Every session shares this one connection, and a connection runs one query at
        # a time (fakesnow refuses a second; the connector gives no guarantee). Only
        # cache misses get here, so queueing them costs little.
        self._lock = threading.Lock()

    def placeholder(self, name: str) -> str:
        return f":{name}"

    def relation(self) -> tuple[str, dict[str, Any]]:
        return quote(self.schema.table, (self.schema.table,)), {}

    def execute(self, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        names = PARAMETER.findall(sql)
        try:
            with self._lock, self.connection.cursor() as cursor:
                cursor.execute(
                    PARAMETER.sub("?", sql),
                    [params[name] for name in names],
                    timeout=math.ceil(self.timeout_seconds),
                )
                frame = cursor.fetch_pandas_all()
                if frame.columns.empty:  # no rows: keep the column names
                    frame = pd.DataFrame(columns=[c.name for c in cursor.description or ()])
                return frame
        except SnowflakeError as error:
            raise explain(
                error, self.where_text, self.schema, self.timeout_seconds, self.secrets
            ) from error

    def change_signal(self) -> str:
        """When the table last changed and its row count, from the information schema."""
        frame = self.fetch(
            "SELECT last_altered, row_count FROM information_schema.tables "
            "WHERE table_schema = CURRENT_SCHEMA() AND table_name = :table",
            {"table": self.schema.table},
        )
        return repr(frame.to_records(index=False).tolist())

    def catalog(self) -> list[tuple[str, str]]:
        """The table's columns, integers told apart from decimals by their scale."""
        self.fetch(f"SELECT 1 FROM {self.relation()[0]} LIMIT 0", {})  # noqa: S608 - names the missing table
        frame = self.fetch(
            "SELECT column_name, CASE WHEN data_type = 'NUMBER' AND numeric_scale = 0 "
            "THEN 'NUMBER(38,0)' ELSE data_type END AS data_type "
            "FROM information_schema.columns WHERE table_schema = CURRENT_SCHEMA() "
            "AND table_name = :table ORDER BY ordinal_position",
            {"table": self.schema.table},
        )
        return [(str(name), str(type_)) for name, type_ in frame.itertuples(index=False)]

    def local_time(self, expression: str) -> str:
        return f"CAST(CONVERT_TIMEZONE('{self.schema.time_zone}', {expression}) AS TIMESTAMP_NTZ)"

    def parse_timestamp(self, expression: str) -> str:
        return f"TRY_TO_TIMESTAMP({expression})"

    def iso_date_test(self, expression: str) -> str:
        return f"REGEXP_LIKE({expression}, '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].*')"


def connect(settings: Settings) -> SnowflakeSource:
    """The configured Snowflake source (called once per process by ``data.get_source``)."""
    account = settings.connection
    options = account.model_dump(by_alias=True, exclude_none=True, exclude={"password"})
    where = f"{account.account}/{account.database}.{account.schema_name}"
    secrets = secret_values(settings)
    unresolved = Schema(settings.dataset.table, None, (), ())
    try:
        # Not st.connection("snowflake"): under that name, with no [connections.snowflake]
        # in secrets.toml, Streamlit ignores the keyword arguments and falls back to
        # Snowflake's own default connection. The settings have already merged secrets
        # and environment, so every value goes in as a keyword argument.
        connection = st.connection(
            f"{CONNECTION_NAME}_app",
            type="snowflake",
            password=account.password.get_secret_value(),
            session_parameters={
                "QUERY_TAG": "{{ cookiecutter.project_slug }}",
                "CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False,
            },
            **options,
        )
    except SnowflakeError as error:
        raise explain(error, where, unresolved, settings.query_timeout_seconds, secrets) from error
    source = SnowflakeSource(
        connection.raw_connection, unresolved, where, settings.query_timeout_seconds, secrets
    )
    source.resolve_schema(pinned(settings.dataset), ENV_PREFIX)  # fails early, naming the fix
    source.use_rollup(rollup_policy(settings))
    return source
