"""Write the sample dataset where the app reads it, in one command.

    python -m {{ cookiecutter.package_name }}.data.seed [--rows N]

Writes ``--rows`` rows of ``sample.py`` as Parquet to the configured
``{{ cookiecutter.package_name | upper }}_DATA_PATH`` (default ``data/sales.parquet``).
"""

from __future__ import annotations

import argparse

from {{ cookiecutter.package_name }}.data import sample
from {{ cookiecutter.package_name }}.settings import get_settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default={{ cookiecutter.sample_rows }})
    args = parser.parse_args(argv)
    path = get_settings().data_path
    sample.write_parquet(path, args.rows)
    print(f"wrote {args.rows:,} rows to {path}")


if __name__ == "__main__":
    main()
