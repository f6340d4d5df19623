"""Fill Snowflake with the sample dataset, in one command.

    python -m {{ cookiecutter.package_name }}.data.seed [--rows N]

Connects like the app (``[connections.snowflake]`` in ``.streamlit/secrets.toml``,
or the ``*_CONNECTION__*`` environment variables), creates the database and
schema when missing, replaces the table, and bulk-loads ``--rows`` rows of
``sample.py`` the way Snowflake loads files: PUT a CSV to a temporary stage,
then COPY INTO. Column names are created lower-case and quoted, matching the
app's default dataset settings; database and schema names are plain (unquoted).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import snowflake.connector

from {{ cookiecutter.package_name }}.data import sample
from {{ cookiecutter.package_name }}.settings import Settings, get_settings

COLUMN_TYPES = {
    "order_id": "NUMBER(38, 0) NOT NULL",
    "order_date": "DATE NOT NULL",
    "region": "VARCHAR NOT NULL",
    "channel": "VARCHAR NOT NULL",
    "category": "VARCHAR NOT NULL",
    "product": "VARCHAR NOT NULL",
    "units": "NUMBER(38, 0) NOT NULL",
    "unit_price": "FLOAT NOT NULL",
    "revenue": "FLOAT NOT NULL",
}


def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def seed(settings: Settings, rows: int, seed: int = 7) -> str:
    """Replace the dataset table with ``rows`` sample rows; returns where it went."""
    account = settings.connection
    database, schema = account.database, account.schema_name  # validated plain names
    table = f"{database}.{schema}.{identifier(settings.dataset.table)}"
    columns = ", ".join(f"{identifier(name)} {COLUMN_TYPES[name]}" for name in sample.COLUMNS)
    options = account.model_dump(by_alias=True, exclude_none=True, exclude={"password"})
    with (
        tempfile.TemporaryDirectory() as folder,
        snowflake.connector.connect(
            password=account.password.get_secret_value(),
            session_parameters={"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
            **options,
        ) as connection,
        connection.cursor() as cursor,
    ):
        csv = sample.write_csv(Path(folder) / "sales.csv", rows, seed)
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS {database}")
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {database}.{schema}")
        cursor.execute(f"CREATE OR REPLACE TABLE {table} ({columns})")
        cursor.execute(f"USE SCHEMA {database}.{schema}")
        cursor.execute("CREATE OR REPLACE TEMPORARY STAGE seed_stage")
        cursor.execute(
            f"PUT 'file://{csv.as_posix()}' @seed_stage AUTO_COMPRESS = TRUE OVERWRITE = TRUE"
        )
        cursor.execute(
            f"COPY INTO {table} FROM @seed_stage "
            "FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1 FIELD_OPTIONALLY_ENCLOSED_BY = '\"') "
            "ON_ERROR = ABORT_STATEMENT PURGE = TRUE"
        )
    return f"{table} in account {account.account}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default={{ cookiecutter.sample_rows }})
    args = parser.parse_args(argv)
    where = seed(get_settings(), args.rows)
    print(f"loaded {args.rows:,} rows into {where}")


if __name__ == "__main__":
    main()
