"""Upload the sample dataset to S3 as Parquet, in one command.

    python -m {{ cookiecutter.package_name }}.data.seed [--rows N]

Creates the configured bucket when it is missing (``[connections.s3]`` in
``.streamlit/secrets.toml``, or the ``*_CONNECTION__*`` environment variables),
removes the objects under the prefix, and writes ``--rows`` rows of ``sample.py``
as one zstd Parquet file whose row groups cover consecutive dates, so date
filters skip whole row groups.
"""

from __future__ import annotations

import argparse

import duckdb
import pyarrow.parquet as pq

from {{ cookiecutter.package_name }}.data import sample
from {{ cookiecutter.package_name }}.data.s3_source import filesystem
from {{ cookiecutter.package_name }}.settings import Settings, get_settings

ROW_GROUP_ROWS = 65_536


def seed(settings: Settings, rows: int, seed: int = 7) -> str:
    """Replace the Parquet files under the prefix with ``rows`` sample rows; returns where."""
    connection = settings.connection
    fs = filesystem(connection, timeout_seconds=60, allow_bucket_creation=True)
    folder = f"{connection.bucket}/{connection.prefix.strip('/')}".rstrip("/")
    fs.create_dir(connection.bucket)
    fs.delete_dir_contents(folder, missing_dir_ok=True)
    with duckdb.connect() as local:
        table = sample.duckdb_relation(local, rows, seed).to_arrow_table()  # type: ignore[attr-defined]
    pq.write_table(
        table,
        f"{folder}/part-0.parquet",
        filesystem=fs,
        compression="zstd",
        row_group_size=ROW_GROUP_ROWS,
    )
    return f"s3://{folder}/part-0.parquet"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default={{ cookiecutter.sample_rows }})
    args = parser.parse_args(argv)
    where = seed(get_settings(), args.rows)
    print(f"wrote {args.rows:,} rows to {where}")


if __name__ == "__main__":
    main()
