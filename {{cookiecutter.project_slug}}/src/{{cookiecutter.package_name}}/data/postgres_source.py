"""PostgreSQL through ``st.connection(type="sql")``: SQLAlchemy with psycopg 3.

Filters and aggregates run in PostgreSQL (the shared SQL of ``sql.py``, every
value a bound ``:name`` parameter); only the small result reaches pandas. Each
session caps its statements at the query timeout, so PostgreSQL itself cancels
a runaway query instead of leaving it running after the page gave up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import psycopg
import sqlalchemy as sa
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from ..connection import CONNECTION_NAME
from ..settings import ENV_PREFIX, Settings, redact
from .base import DataSourceError, Schema
from .infer import pinned
from .rollup import rollup_policy
from .sql import SqlDataSource, quote

SEED_HINT = "python -m {{ cookiecutter.package_name }}.data.seed"
SECRETS_HINT = (
    f"[connections.{CONNECTION_NAME}] in .streamlit/secrets.toml "
    f"(or the {ENV_PREFIX}CONNECTION__* variables)"
)


def engine_url(settings: Settings) -> sa.URL:
    """The SQLAlchemy URL of the configured server (psycopg 3 driver)."""
    connection = settings.connection
    return sa.URL.create(
        "postgresql+psycopg",
        username=connection.username,
        password=connection.password.get_secret_value(),
        host=connection.host,
        port=connection.port,
        database=connection.database,
    )


def explain(
    error: SQLAlchemyError,
    where: str,
    schema: Schema,
    timeout_seconds: float,
    secrets: Iterable[str] = (),
) -> DataSourceError:
    """Turn a driver error into what failed and how to fix it, ``secrets`` masked."""
    original = getattr(error, "orig", None)
    sqlstate = getattr(original, "sqlstate", None) or ""
    detail = redact(str(original or error).strip().splitlines()[0], secrets)
    if sqlstate == "57014":
        return DataSourceError(
            f"The query took longer than {timeout_seconds:g} s and PostgreSQL cancelled it.",
            f"Narrow the filters or raise {ENV_PREFIX}QUERY_TIMEOUT_SECONDS.",
        )
    if sqlstate == "42P01":
        return DataSourceError(
            f'Table "{schema.table}" does not exist in {where}.',
            f"Create and fill it with `{SEED_HINT}`, or set {ENV_PREFIX}DATASET__TABLE.",
        )
    if sqlstate == "42703":
        return DataSourceError(
            f'Table "{schema.table}" in {where} lacks a configured column: {detail}',
            f"Set {ENV_PREFIX}DATASET__DATE_COLUMN, _DATASET__DIMENSIONS and "
            "_DATASET__MEASURES to match the table.",
        )
    if sqlstate.startswith("28") or "authentication failed" in detail:
        return DataSourceError(
            f"PostgreSQL at {where} refused the credentials: {detail}",
            f"Check username and password in {SECRETS_HINT}.",
        )
    if isinstance(original, psycopg.OperationalError) and not sqlstate:
        # No SQLSTATE: the connection itself failed (refused, timed out, DNS...).
        return DataSourceError(
            f"Cannot reach PostgreSQL at {where}: {detail}",
            f"Start the server, or fix host, port and database in {SECRETS_HINT}.",
        )
    return DataSourceError(
        f"PostgreSQL at {where} failed: {detail}",
        "Check the server log; the query itself is built only from the dataset settings.",
    )


class PostgresSource(SqlDataSource):
    """Queries one table through a pooled SQLAlchemy engine shared by every session."""

    def __init__(self, engine: sa.Engine, schema: Schema, timeout_seconds: float = 30.0) -> None:
        self.engine = engine
        self.schema = schema
        self.timeout_seconds = timeout_seconds
        url = engine.url
        self.where_text = f"{url.host}:{url.port}/{url.database}"
        self.secrets = [url.password] if url.password else []

    def placeholder(self, name: str) -> str:
        return f":{name}"

    def relation(self) -> tuple[str, dict[str, Any]]:
        return quote(self.schema.table, (self.schema.table,)), {}

    def execute(self, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        used = {key: value for key, value in params.items() if f":{key}" in sql}
        try:
            with self.engine.connect() as connection:
                result = connection.execute(sa.text(sql), used)
                return pd.DataFrame.from_records(
                    result.fetchall(), columns=list(result.keys()), coerce_float=True
                )
        except SQLAlchemyError as error:
            raise explain(
                error, self.where_text, self.schema, self.timeout_seconds, self.secrets
            ) from error

    def change_signal(self) -> str:
        """PostgreSQL's own counters of rows inserted, updated and deleted in the table."""
        frame = self.fetch(
            "SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables "
            "WHERE schemaname = current_schema() AND relname = :table",
            {"table": self.schema.table},
        )
        return repr(frame.to_records(index=False).tolist())

    def catalog(self) -> list[tuple[str, str]]:
        """The table's columns; an empty catalog means no such table (checked by selecting it)."""
        columns = super().catalog()
        if not columns:
            self.fetch(f"SELECT 1 FROM {self.relation()[0]} LIMIT 0", {})  # noqa: S608 - quoted
        return columns


def connect(settings: Settings) -> PostgresSource:
    """The configured PostgreSQL source (called once per process by ``data.get_source``)."""
    timeout_ms = int(settings.query_timeout_seconds * 1000)
    connection = st.connection(
        CONNECTION_NAME,
        type="sql",
        url=engine_url(settings).render_as_string(hide_password=False),
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": settings.connection.connect_timeout_seconds,
            "application_name": "{{ cookiecutter.project_slug }}",
            "options": f"-c statement_timeout={timeout_ms}",
        },
    )
    source = PostgresSource(
        connection.engine,
        Schema(settings.dataset.table, None, (), ()),
        settings.query_timeout_seconds,
    )
    source.resolve_schema(pinned(settings.dataset), ENV_PREFIX)  # fails early, naming the fix
    source.use_rollup(rollup_policy(settings))
    return source
