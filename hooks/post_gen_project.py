"""Post-generation hook: set up the chosen data source and remove the others.

Which file belongs to which option is data (``OWNED_FILES``), and so are each
option's dependencies (``DEPENDENCIES``); the functions below only apply those
tables. Cookiecutter copies this file to a temporary directory and runs it in the
new project, so it imports nothing but the standard library (and, by path, the
project's own sample-data module).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

ANSWERS = {
    "project_slug": "{{ cookiecutter.project_slug }}",
    "package_name": "{{ cookiecutter.package_name }}",
    "data_source": "{{ cookiecutter.data_source }}",
    "sample_rows": "{{ cookiecutter.sample_rows }}",
}

# Files (relative to the project, ``{package}`` filled in) kept only for these options.
OWNED_FILES: dict[str, frozenset[str]] = {
    "src/{package}/data/duckdb_source.py": frozenset({"duckdb"}),
    "tests/test_duckdb_source.py": frozenset({"duckdb"}),
}

# Runtime dependencies each option adds to pyproject.toml.
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "duckdb": ("duckdb>=1.1", "pyarrow>=15"),
}

# Options that ship the sample dataset as local files.
LOCAL_SAMPLE = frozenset({"duckdb"})


class HookError(RuntimeError):
    """A post-generation step failed; the message says which and why."""


def files_to_remove(chosen: str, package: str) -> list[str]:
    """Paths that belong only to options other than ``chosen``."""
    return sorted(
        path.format(package=package)
        for path, options in OWNED_FILES.items()
        if chosen not in options
    )


def remove_paths(project: Path, paths: list[str]) -> None:
    for relative in paths:
        target = project / relative
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def add_dependencies(pyproject: Path, dependencies: tuple[str, ...]) -> None:
    """Insert ``dependencies`` into ``[project] dependencies``, keeping it sorted."""
    text = pyproject.read_text(encoding="utf-8")
    match = re.search(r"^dependencies = \[\n(?P<body>.*?)^\]", text, re.MULTILINE | re.DOTALL)
    if match is None:
        raise HookError(f"no `dependencies = [` list found in {pyproject}")
    existing = re.findall(r'"([^"]+)"', match["body"])
    merged = sorted(set(existing) | set(dependencies), key=lambda dep: dep.lower())
    body = "".join(f'    "{dep}",\n' for dep in merged)
    pyproject.write_text(text[: match.start("body")] + body + text[match.end("body") :], "utf-8")


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise HookError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_sample_data(project: Path, package: str, rows: int) -> Path:
    """Write the sample dataset with the project's own generator (Parquet, or CSV)."""
    sample = load_module(project / "src" / package / "data" / "sample.py", "_sample_data")
    return sample.write_sample(project / "data" / "sales.parquet", rows)


def next_steps(slug: str, data_note: str) -> str:
    return f"""
Created {slug}. {data_note}

Next steps:
    cd {slug}
    python -m venv .venv && . .venv/bin/activate
    pip install -e '.[dev]'         # or: uv sync --extra dev
    streamlit run streamlit_app.py  # the app, on the sample data
    pytest                          # the tests
"""


def run_step(name: str, step: Callable[[], object]) -> object:
    try:
        return step()
    except Exception as error:
        raise HookError(f"post-generation step '{name}' failed: {error}") from error


def main(project: Path | None = None) -> None:
    project = project or Path.cwd()
    chosen, package = ANSWERS["data_source"], ANSWERS["package_name"]
    run_step(
        "remove files of other data sources",
        lambda: remove_paths(project, files_to_remove(chosen, package)),
    )
    run_step(
        "add data-source dependencies",
        lambda: add_dependencies(project / "pyproject.toml", DEPENDENCIES.get(chosen, ())),
    )
    data_note = ""
    if chosen in LOCAL_SAMPLE:
        rows = int(ANSWERS["sample_rows"].replace("_", ""))
        written = run_step("write sample data", lambda: write_sample_data(project, package, rows))
        data_note = f"Sample data: {rows:,} rows in {Path(written).relative_to(project)}."
    print(next_steps(ANSWERS["project_slug"], data_note))


if __name__ == "__main__":
    try:
        main()
    except HookError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        sys.exit(1)
