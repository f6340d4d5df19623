"""Small helpers shared by the benchmark and the load test: percentiles and tables."""

from __future__ import annotations

import math
import platform
import sys
from collections.abc import Sequence
from importlib import metadata


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table; numbers right-aligned."""
    body = [[cell(v) for v in row] for row in rows]
    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in rows) if rows else False
        for i in range(len(headers))
    ]
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, object]:
    """What the numbers were measured on."""
    import os

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "implementation": sys.implementation.name,
        "streamlit": _version("streamlit"),
        "pandas": _version("pandas"),
        "duckdb": _version("duckdb"),
        "pyarrow": _version("pyarrow"),
        "memory_gb": round(_total_memory() / 1024**3, 1),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def _total_memory() -> int:
    import psutil

    return int(psutil.virtual_memory().total)


def describe_machine(info: dict[str, object]) -> str:
    return (
        f"{info['cpus']} CPUs, {info['memory_gb']} GB RAM, {info['platform']}; "
        f"Python {info['python']}, Streamlit {info['streamlit']}, pandas {info['pandas']}, "
        f"DuckDB {info['duckdb']}, pyarrow {info['pyarrow']}; load average at start "
        f"{info['load_average'][0]}"
    )
