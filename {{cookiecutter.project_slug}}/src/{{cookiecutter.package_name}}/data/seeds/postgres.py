"""Fill PostgreSQL with the sample dataset, in one command.

    python -m {{ cookiecutter.package_name }}.data.seed [--rows N]

Creates (or replaces) the configured table on the server the app reads
(``[connections.postgres]`` in ``.streamlit/secrets.toml``, or the
``*_CONNECTION__*`` environment variables), loads ``--rows`` rows of ``sample.py``
with COPY, indexes the date column and refreshes the planner's statistics, all in
one transaction.
"""

from __future__ import annotations

import argparse

import psycopg
from psycopg import sql

from {{ cookiecutter.package_name }}.data import sample
from {{ cookiecutter.package_name }}.settings import Settings, get_settings

COLUMN_TYPES = {
    "order_id": "BIGINT PRIMARY KEY",
    "order_date": "DATE NOT NULL",
    "region": "TEXT NOT NULL",
    "channel": "TEXT NOT NULL",
    "category": "TEXT NOT NULL",
    "product": "TEXT NOT NULL",
    "units": "INTEGER NOT NULL",
    "unit_price": "DOUBLE PRECISION NOT NULL",
    "revenue": "DOUBLE PRECISION NOT NULL",
}


def seed(settings: Settings, rows: int, seed: int = 7) -> str:
    """Replace the dataset table with ``rows`` sample rows; returns where it went."""
    server = settings.connection
    table = sql.Identifier(settings.dataset.table)
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in sample.COLUMNS)
    definition = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(COLUMN_TYPES[name]))
        for name in sample.COLUMNS
    )
    with (
        psycopg.connect(
            host=server.host,
            port=server.port,
            dbname=server.database,
            user=server.username,
            password=server.password.get_secret_value(),
            connect_timeout=server.connect_timeout_seconds,
        ) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
        cursor.execute(sql.SQL("CREATE TABLE {} ({})").format(table, definition))
        with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(table, columns)) as copy:
            for row in sample.rows(rows, seed):
                copy.write_row(row)
        cursor.execute(
            sql.SQL("CREATE INDEX ON {} ({})").format(table, sql.Identifier("order_date"))
        )
        cursor.execute(sql.SQL("ANALYZE {}").format(table))
    return f"{settings.dataset.table} on {server.host}:{server.port}/{server.database}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default={{ cookiecutter.sample_rows }})
    args = parser.parse_args(argv)
    where = seed(get_settings(), args.rows)
    print(f"loaded {args.rows:,} rows into {where}")


if __name__ == "__main__":
    main()
