"""Run inside a rendered project: open each file as the app does and report what it shows.

    python probe.py FILE [FILE ...]   (PYTHONPATH=src, working directory: the project)

Prints one JSON object per file: the schema the app inferred, the domain, and the
Rows figure every page of the real app showed (AppTest). The template test
compares these with pandas; nothing here is an oracle.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest


def probe(path: Path, package: str) -> dict[str, object]:
    data = importlib.import_module(f"{package}.data")
    source_module = importlib.import_module(f"{package}.data.duckdb_source")
    infer = importlib.import_module(f"{package}.data.infer")
    source = source_module.DuckDBSource(path, infer.Pinned(), cache_dir=Path(".cache/probe"))
    schema, domain = source.schema, source.domain()
    day = domain.min_date
    one_day = data.Filters.of(day, day) if day else data.Filters()
    first = schema.dimensions[0] if schema.dimensions else None
    # One app process serves one DATA_PATH: start each file from empty caches and settings.
    st.cache_data.clear()
    st.cache_resource.clear()
    importlib.import_module(f"{package}.settings").get_settings.cache_clear()
    app = AppTest.from_file(str(Path("streamlit_app.py").resolve()), default_timeout=60)
    os.environ[f"{package.upper()}_DATA_PATH"] = str(path)
    shown = []
    app.run()
    shown.append({"exception": bool(app.exception), "errors": [e.value for e in app.error]})
    rows_metric = {m.label: m.value for m in app.metric}.get("Rows")
    for page in sorted(Path("src", package, "pages").glob("*.py")):
        if page.name == "__init__.py":
            continue
        app.switch_page(str(page.resolve())).run()
        shown.append({"exception": bool(app.exception), "errors": [e.value for e in app.error]})
    ranked = source.breakdown(data.Filters(), first, None, 1000) if first else None
    return {
        "date_column": schema.date_column,
        "date_type": schema.date_type,
        "dimensions": list(schema.dimensions),
        "measures": dict(zip(schema.measures, schema.aggregations, strict=True)),
        "rows": domain.rows,
        "undated": domain.undated_rows,
        "min_date": str(domain.min_date),
        "max_date": str(domain.max_date),
        "first_day_rows": source.summary(one_day).rows,
        "counts": None
        if ranked is None
        else dict(zip(ranked["label"], map(int, ranked["row_count"]), strict=True)),
        "rows_metric": rows_metric,
        "pages": shown,
    }


def main() -> None:
    package = next(p.parent.name for p in Path("src").glob("*/settings.py"))
    for name in sys.argv[1:]:
        print(json.dumps({"file": name, **probe(Path(name), package)}, default=str))


if __name__ == "__main__":
    main()
