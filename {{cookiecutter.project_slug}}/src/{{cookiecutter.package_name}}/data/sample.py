"""A deterministic sample sales dataset, any size, identical from every writer.
{%- if cookiecutter.data_source in ("duckdb", "s3") %}

Each value is a 32-bit integer hash of the row number, so the same rows come out
of DuckDB (vectorised SQL, ~1 s for 2M rows) and of plain Python (no
dependencies, used when DuckDB is not installed, e.g. in the environment that
rendered this project). Rows are in date order, as an append-only fact table would
be, which lets Parquet row-group statistics skip whole row groups on date filters.

    python -m {{ cookiecutter.package_name }}.data.sample --rows 2000000
{%- else %}

Each value is a 32-bit integer hash of the row number, so every run gives the
same rows, in date order as an append-only fact table would hold them. The seed
script loads them into the engine; this module can also write them as CSV:

    python -m {{ cookiecutter.package_name }}.data.sample --out data/sales.csv
{%- endif %}

This module imports only the standard library at the top: the project's
post-generation hook loads it by path before any dependency is installed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
{%- if cookiecutter.data_source in ("duckdb", "s3") %}
from collections.abc import Iterator, Sequence
{%- else %}
from collections.abc import Iterator
{%- endif %}
from pathlib import Path

START = dt.date(2023, 1, 1)
DAYS = 1096  # 2023-01-01 .. 2025-12-31
COLUMNS = (
    "order_id",
    "order_date",
    "region",
    "channel",
    "category",
    "product",
    "units",
    "unit_price",
    "revenue",
)


def _weighted(weights: dict[str, int]) -> list[str]:
    return [name for name, weight in weights.items() for _ in range(weight)]


REGIONS = _weighted(
    {
        "North America": 6,
        "Western Europe": 5,
        "East Asia": 4,
        "South Asia": 3,
        "Northern Europe": 3,
        "Latin America": 2,
        "Oceania": 2,
        "Africa": 1,
    }
)
CHANNELS = _weighted({"Online": 5, "Retail": 3, "Partner": 2})
# (category, product, list price in cents)
PRODUCTS = [
    ("Electronics", "Laptop", 129_900),
    ("Electronics", "Tablet", 54_900),
    ("Electronics", "Headphones", 19_900),
    ("Electronics", "Monitor", 32_900),
    ("Electronics", "Keyboard", 8_900),
    ("Home", "Coffee Maker", 12_900),
    ("Home", "Blender", 7_900),
    ("Home", "Desk Lamp", 4_500),
    ("Home", "Air Purifier", 21_900),
    ("Home", "Vacuum", 34_900),
    ("Outdoor", "Tent", 24_900),
    ("Outdoor", "Backpack", 11_900),
    ("Outdoor", "Bike Helmet", 6_900),
    ("Outdoor", "Water Bottle", 2_500),
    ("Outdoor", "Camping Stove", 8_900),
    ("Office", "Desk Chair", 27_900),
    ("Office", "Standing Desk", 59_900),
    ("Office", "Notebook Pack", 1_900),
    ("Office", "Pen Set", 1_500),
    ("Office", "Webcam", 9_900),
    ("Apparel", "Rain Jacket", 14_900),
    ("Apparel", "Running Shoes", 12_900),
    ("Apparel", "Wool Sweater", 9_900),
    ("Apparel", "Cap", 2_900),
    ("Apparel", "Socks", 1_200),
    ("Toys", "Building Set", 7_900),
    ("Toys", "Puzzle", 2_900),
    ("Toys", "Board Game", 4_900),
    ("Toys", "Drone", 19_900),
    ("Toys", "Plush Bear", 2_400),
]
_MASK = 0xFFFFFFFF
_MIX = 0x45D9F3B


def _mix(x: int) -> int:
    x = ((x ^ (x >> 16)) * _MIX) & _MASK
    x = ((x ^ (x >> 16)) * _MIX) & _MASK
    return x ^ (x >> 16)


def rows(count: int, seed: int = 7) -> Iterator[tuple[object, ...]]:
    """The dataset row by row, in plain Python."""
    base_seed = seed * 1_000_003
    for i in range(count):
        h = [_mix((i * 8 + k + base_seed) & _MASK) for k in range(5)]
        category, product, price = PRODUCTS[h[2] % len(PRODUCTS)]
        units = 1 + h[3] % (4 + (8 * i) // count)
        cents = price * (85 + h[4] % 31) // 100
        yield (
            i + 1,
            START + dt.timedelta(days=(i * DAYS) // count),
            REGIONS[h[0] % len(REGIONS)],
            CHANNELS[h[1] % len(CHANNELS)],
            category,
            product,
            units,
            cents / 100,
            units * cents / 100,
        )
{%- if cookiecutter.data_source in ("duckdb", "s3") %}


def _sql_list(values: Sequence[object]) -> str:
    return "[" + ", ".join(repr(v) for v in values) + "]"


def select_sql(count: int, seed: int = 7) -> str:
    """The same dataset as one DuckDB ``SELECT`` (all literals are ours, none from users)."""
    count = int(count)
    base_seed = int(seed) * 1_000_003
    categories = _sql_list([c for c, _, _ in PRODUCTS])
    products = _sql_list([p for _, p, _ in PRODUCTS])
    prices = _sql_list([price for _, _, price in PRODUCTS])
    mixes = ",\n".join(
        f"        mix(({'i'} * 8 + {k} + {base_seed}) & {_MASK}) AS h{k}" for k in range(5)
    )
    return f"""
    WITH hashed AS (
      SELECT i,
{mixes}
      FROM range({count}) t(i)
    ), priced AS (
      SELECT *, h2 % {len(PRODUCTS)} + 1 AS p,
        1 + h3 % (4 + (8 * i) // {count}) AS units,
        list_extract({prices}, h2 % {len(PRODUCTS)} + 1) * (85 + h4 % 31) // 100 AS cents
      FROM hashed
    )
    SELECT i + 1 AS order_id,
      DATE '{START.isoformat()}' + CAST((i * {DAYS}) // {count} AS INTEGER) AS order_date,
      list_extract({_sql_list(REGIONS)}, h0 % {len(REGIONS)} + 1) AS region,
      list_extract({_sql_list(CHANNELS)}, h1 % {len(CHANNELS)} + 1) AS channel,
      list_extract({categories}, p) AS category,
      list_extract({products}, p) AS product,
      CAST(units AS INTEGER) AS units,
      cents / 100.0 AS unit_price,
      (units * cents) / 100.0 AS revenue
    FROM priced ORDER BY order_id
    """  # noqa: S608 - every interpolated value is a literal of this module


_MACROS = (
    f"CREATE OR REPLACE TEMP MACRO mix1(x) AS (xor(x, x >> 16) * {_MIX}) & {_MASK}",
    "CREATE OR REPLACE TEMP MACRO mix2(x) AS xor(x, x >> 16)",
    "CREATE OR REPLACE TEMP MACRO mix(x) AS mix2(mix1(mix1(x)))",
)


def duckdb_relation(connection: object, count: int, seed: int = 7) -> object:
    """The dataset as a DuckDB relation on ``connection``."""
    for statement in _MACROS:
        connection.execute(statement)  # type: ignore[attr-defined]
    return connection.sql(select_sql(count, seed))  # type: ignore[attr-defined]
{%- endif %}


def write_csv(path: Path, count: int, seed: int = 7) -> Path:
    """Write the dataset as CSV with nothing but the standard library."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows(count, seed))
    return path
{%- if cookiecutter.data_source in ("duckdb", "s3") %}


def write_parquet(path: Path, count: int, seed: int = 7) -> Path:
    """Write the dataset as Parquet with DuckDB (zstd, 122,880-row row groups)."""
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with duckdb.connect() as connection:
        duckdb_relation(connection, count, seed).write_parquet(  # type: ignore[attr-defined]
            str(tmp), compression="zstd", row_group_size=122_880
        )
    tmp.replace(path)
    return path
{%- endif %}
{%- if cookiecutter.data_source == "duckdb" %}


def write_sample(path: Path, count: int, seed: int = 7) -> Path:
    """Write Parquet at ``path`` when DuckDB is importable, else CSV beside it.

    The app converts a CSV to Parquet once, on first load, so both end the same.
    """
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return write_csv(path.with_suffix(".csv"), count, seed)
    return write_parquet(path, count, seed)
{%- endif %}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default={{ cookiecutter.sample_rows }})
    parser.add_argument("--seed", type=int, default=7)
{%- if cookiecutter.data_source in ("duckdb", "s3") %}
    parser.add_argument("--out", type=Path, default=Path("data/sales.parquet"))
    parser.add_argument("--csv", action="store_true", help="write CSV instead of Parquet")
    args = parser.parse_args(argv)
    writer = write_csv if args.csv or args.out.suffix == ".csv" else write_parquet
    written = writer(args.out, args.rows, args.seed)
{%- else %}
    parser.add_argument("--out", type=Path, default=Path("data/sales.csv"))
    args = parser.parse_args(argv)
    written = write_csv(args.out, args.rows, args.seed)
{%- endif %}
    print(f"wrote {args.rows:,} rows to {written}")


if __name__ == "__main__":
    main()
