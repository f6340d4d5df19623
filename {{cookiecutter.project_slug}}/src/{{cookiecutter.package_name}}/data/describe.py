"""Print the dataset settings the app would infer, ready to paste into ``.env``.

    python -m {{ cookiecutter.package_name }}.data.describe{% if cookiecutter.data_source == "duckdb" %} [PATH]{% endif %}

The app infers the same settings by itself; pinning them keeps the pages stable
when the data changes shape. The table (or file) is only read.
"""

from __future__ import annotations

import argparse
import sys
{%- if cookiecutter.data_source == "duckdb" %}
from pathlib import Path
{%- endif %}

from ..settings import ENV_PREFIX, Settings, SettingsError, get_settings
from . import infer
from .base import DataSourceError, Schema
from .{{ cookiecutter.data_source }}_source import connect


def unpinned(settings: Settings) -> Settings:
    """The settings with every inferable dataset field left to inference."""
    dataset = settings.dataset.model_copy(
        update={"date_column": None, "dimensions": None, "measures": None, "aggregations": {}}
    )
    return settings.model_copy(update={"dataset": dataset})


def describe(schema: Schema) -> list[str]:
    """Comment lines that say what was chosen, then the settings lines."""
    date = (
        f"{schema.date_column!r} ({schema.date_type})" if schema.date_column else "none (no dates)"
    )
    return [
        f"# date column: {date}",
        f"# dimensions:  {', '.join(map(repr, schema.dimensions)) or 'none'}",
        f"# measures:    {', '.join(map(repr, schema.measures)) or 'none'}",
        *infer.env_lines(schema, ENV_PREFIX),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
{%- if cookiecutter.data_source == "duckdb" %}
    parser.add_argument("path", nargs="?", type=Path, help="a Parquet or CSV file, folder or glob")
{%- endif %}
{%- if cookiecutter.data_source == "duckdb" %}
    arguments = parser.parse_args(argv)
{%- else %}
    parser.parse_args(argv)  # --help, and nothing else to read
{%- endif %}
    try:
        settings = unpinned(get_settings())
{%- if cookiecutter.data_source == "duckdb" %}
        if arguments.path is not None:
            settings = settings.model_copy(update={"data_path": arguments.path})
{%- endif %}
        schema = connect(settings).schema
    except (DataSourceError, SettingsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
{%- if cookiecutter.data_source == "duckdb" %}
    print(f"{ENV_PREFIX}DATA_PATH={infer.dotenv_quote(str(settings.data_path))}")
{%- endif %}
    print("\n".join(describe(schema)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
