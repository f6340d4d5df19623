"""Post-generation hook: set up the chosen data source and sign-in, and remove the others.

Which file belongs to which option is data (``OWNED_FILES``); the functions below
only apply that table. Each option's requirements are data too (``_requirements`` in
cookiecutter.json), rendered into pyproject.toml by Jinja. Cookiecutter copies this
file to a temporary directory and runs it in the new project, so it imports nothing
but the standard library (and, by path, the project's own sample-data module).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TypeVar
from urllib.parse import unquote

T = TypeVar("T")

ANSWERS = {
    "project_slug": "{{ cookiecutter.project_slug }}",
    "package_name": "{{ cookiecutter.package_name }}",
    "data_source": "{{ cookiecutter.data_source }}",
    "python_version": "{{ cookiecutter.python_version }}",
    "sample_rows": "{{ cookiecutter.sample_rows }}",
    "auth": "{{ cookiecutter.auth }}",
    # How many requirements the sign-in option adds (`_requirements` in cookiecutter.json,
    # which pyproject.toml renders); with none it shares auth=none's lock.
    "auth_requirements": "{{ cookiecutter._requirements[cookiecutter.auth].values() | map('length') | sum }}",  # noqa: E501 (one Jinja expression)
    # urlencoded: a path may hold quotes or backslashes that would break this file
    "dataset_path": unquote("{{ cookiecutter.dataset_path | default('') | urlencode }}"),
}

ALL_SOURCES = frozenset({"duckdb", "postgres", "snowflake", "s3", "rest_api"})
SQL_SOURCES = frozenset({"duckdb", "postgres", "snowflake", "s3"})

# Files and folders (relative to the project, ``{package}`` filled in) kept only for
# these options; an empty set means the path is removed after ``MOVED_FILES`` ran.
OWNED_FILES: dict[str, frozenset[str]] = {
    "src/{package}/data/sql.py": SQL_SOURCES,
    "src/{package}/data/duckdb_source.py": frozenset({"duckdb"}),
    "src/{package}/data/postgres_source.py": frozenset({"postgres"}),
    "src/{package}/data/snowflake_source.py": frozenset({"snowflake"}),
    "src/{package}/data/s3_source.py": frozenset({"s3"}),
    "src/{package}/data/rest_api_source.py": frozenset({"rest_api"}),
    "src/{package}/data/reference_api.py": frozenset({"rest_api"}),
    "src/{package}/data/seeds": frozenset(),
    "src/{package}/connections": frozenset(),
    "tests/engines": frozenset(),
    "locks": frozenset(),
    "tests/test_duckdb_source.py": frozenset({"duckdb"}),
    "tests/test_own_data.py": frozenset({"duckdb"}),
    # Generated tables vs a pandas oracle: on the embedded engine and on real PostgreSQL.
    "tests/test_any_table.py": frozenset({"duckdb", "postgres"}),
    "tests/test_postgres_source.py": frozenset({"postgres"}),
    "tests/postgres_server.py": frozenset({"postgres"}),
    "tests/test_snowflake_source.py": frozenset({"snowflake"}),
    "tests/snowflake_server.py": frozenset({"snowflake"}),
    "tests/test_s3_source.py": frozenset({"s3"}),
    "tests/s3_server.py": frozenset({"s3"}),
    "tests/test_rest_api_source.py": frozenset({"rest_api"}),
    "tests/failing_servers.py": ALL_SOURCES - {"duckdb"},
}

ALL_AUTH = frozenset({"none", "oidc", "trusted_header"})
SIGN_IN = ALL_AUTH - {"none"}

# The same for the ``auth`` answer: each sign-in option's files (``auth=none`` adds none).
AUTH_OWNED_FILES: dict[str, frozenset[str]] = {
    "src/{package}/auths": frozenset(),
    "tests/sign_ins": frozenset(),
    "src/{package}/access.py": SIGN_IN,
    "src/{package}/access_settings.py": SIGN_IN,
    "tests/test_access.py": SIGN_IN,
    "tests/test_sign_in.py": SIGN_IN,
    "src/{package}/proxy_guard.py": frozenset({"trusted_header"}),
    "src/{package}/proxy_settings.py": frozenset({"trusted_header"}),
    "tests/test_trusted_proxy.py": frozenset({"trusted_header"}),
    # N replicas behind HAProxy, and the load test through it with 10 users' identities.
    "benchmarks/replicas.py": frozenset({"trusted_header"}),
    "tests/test_replicas.py": frozenset({"trusted_header"}),
    "tests/oidc_provider.py": frozenset({"oidc"}),
    "tests/e2e/test_oidc_login.py": frozenset({"oidc"}),
}
AUTH_MOVED_FILES: dict[str, dict[str, str]] = {
    option: {
        "src/{package}/auths/" + option + ".py": "src/{package}/auth.py",
        "tests/sign_ins/" + option + ".py": "tests/sign_in.py",  # the tests' signed-in viewer
    }
    for option in SIGN_IN
}
# Options whose tests start a local server of the engine: one fixture file serves them all.
LOCAL_SERVERS = {option: "local_server" for option in ("postgres", "snowflake", "s3")}

# Files each option moves into place (from -> to) before the others are removed.
# (No f-strings with doubled braces here: cookiecutter renders this file with Jinja.)
MOVED_FILES: dict[str, dict[str, str]] = {
    option: {
        "src/{package}/data/seeds/" + option + ".py": "src/{package}/data/seed.py",
        "tests/engines/" + LOCAL_SERVERS.get(option, option) + ".py": "tests/engine.py",
        **(
            {"src/{package}/connections/" + option + ".py": "src/{package}/connection.py"}
            if option != "duckdb"  # reads local files: no connection settings
            else {}
        ),
    }
    for option in ALL_SOURCES
}

# The uv.lock of each set of answers that changes the dependencies (written by
# scripts/lock_dependencies.py), made for a project named LOCKED_NAME; the hook gives
# the project's own entry its name.
LOCKED_NAME = "sales-insights"

# Options that ship the sample dataset as local files.
LOCAL_SAMPLE = frozenset({"duckdb"})


class HookError(RuntimeError):
    """A post-generation step failed; the message says which and why."""


def files_to_move(
    chosen: str, package: str, moved: dict[str, dict[str, str]] = MOVED_FILES
) -> dict[str, str]:
    """``{from: to}`` for the files ``chosen`` moves into place."""
    return {
        source.format(package=package): target.format(package=package)
        for source, target in moved.get(chosen, {}).items()
    }


def move_paths(project: Path, moves: dict[str, str]) -> None:
    for source, target in moves.items():
        if not (project / source).exists():
            raise HookError(f"{source} is missing from the template")
        (project / target).parent.mkdir(parents=True, exist_ok=True)
        (project / source).replace(project / target)


def files_to_remove(
    chosen: str, package: str, owned: dict[str, frozenset[str]] = OWNED_FILES
) -> list[str]:
    """Paths that belong only to options other than ``chosen``."""
    return sorted(
        path.format(package=package) for path, options in owned.items() if chosen not in options
    )


def lock_file(chosen: str, auth: str, python: str, auth_adds_requirements: bool) -> str:
    """The template's lock for these answers: one per data source, sign-in option that
    adds requirements (the others share ``none``'s) and Python floor (``requires-python``).
    """
    parts = [chosen, *([auth] if auth_adds_requirements else []), "py" + python]
    return "locks/" + "-".join(parts) + ".lock"


def place_lock(project: Path, lock: str, slug: str) -> None:
    """Write the template's ``lock`` as ``uv.lock``, its own entry named ``slug``.

    Only the project's own entry depends on the other answers. uv finds packages by
    name, not by position, so the renamed entry may stay where the lock's sort put it.
    """
    source = project / lock
    if not source.exists():
        raise HookError(f"{source.relative_to(project)} is missing from the template")
    root = 'name = "' + LOCKED_NAME + '"\nversion = "0.1.0"\nsource = { editable = "." }\n'
    text = source.read_text(encoding="utf-8")
    if text.count(root) != 1:
        raise HookError(f"{source.name} has no single entry for the project itself")
    own = 'name = "' + slug + '"' + root[root.index("\n") :]
    (project / "uv.lock").write_text(text.replace(root, own), encoding="utf-8")


def remove_paths(project: Path, paths: list[str]) -> None:
    for relative in paths:
        target = project / relative
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise HookError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_sample_data(project: Path, package: str, rows: int) -> Path:
    """Write the sample dataset with the project's own generator (Parquet, or CSV)."""
    sample = load_module(project / "src" / package / "data" / "sample.py", "_sample_data")
    return Path(sample.write_sample(project / "data" / "sales.parquet", rows))


def dataset_settings(project: Path, package: str, dataset: str) -> tuple[str, bool]:
    """The ``.env`` lines that open the app on the team's data, and whether they pin columns.

    With the project's dependencies importable here (pytest-cookies, a prepared
    environment), the project's own ``data.describe`` infers the columns, which
    also proves the file reads; otherwise the app infers them when it starts.
    The data is only read: a CSV is converted into the project's ``.cache``.
    """
    path = str(Path(dataset).expanduser())
    described = subprocess.run(
        [sys.executable, "-m", f"{package}.data.describe", path],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project / "src")},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if described.returncode == 0:
        return described.stdout, True
    if "ModuleNotFoundError" not in described.stderr:
        raise HookError(described.stderr.strip().splitlines()[-1])
    variable = package.upper() + "_DATA_PATH"
    quoted = "'" + path.replace("\\", "\\\\").replace("'", "\\'") + "'"  # .env single quotes
    hint = f"# Pin the columns: python -m {package}.data.describe >> .env (after installing)\n"
    return f"{variable}={quoted}\n{hint}", False


def write_dataset_settings(project: Path, package: str, dataset: str) -> bool:
    text, pinned = dataset_settings(project, package, dataset)
    header = "# Written by the template for dataset_path; .env stays on this machine.\n"
    (project / ".env").write_text(header + text, encoding="utf-8")
    return pinned


def next_steps(slug: str, data_note: str, connects: bool = False) -> str:
    """What to type next; a project on a server first connects to it (README.md, "Run")."""
    steps = (
        '    # connect to your engine and load the sample: see "Run" in README.md\n'
        if connects
        else ""
    )
    return f"""
Created {slug}. {data_note}

Next steps:
    cd {slug}
    python -m venv .venv && . .venv/bin/activate
    pip install -e '.[dev]'         # or, exactly uv.lock: uv sync --locked --extra dev
{steps}    streamlit run streamlit_app.py  # the app
    pytest                          # the tests
"""


def run_step(name: str, step: Callable[[], T]) -> T:
    try:
        return step()
    except Exception as error:
        raise HookError(f"post-generation step '{name}' failed: {error}") from error


def set_up_sign_in(project: Path, chosen: str, package: str) -> None:
    """Put the ``auth`` option's files in place and remove the other options' files."""
    run_step(
        "move the sign-in option's files into place",
        lambda: move_paths(project, files_to_move(chosen, package, AUTH_MOVED_FILES)),
    )
    run_step(
        "remove files of other sign-in options",
        lambda: remove_paths(project, files_to_remove(chosen, package, AUTH_OWNED_FILES)),
    )


def main(project: Path | None = None) -> None:
    project = project or Path.cwd()
    chosen, package = ANSWERS["data_source"], ANSWERS["package_name"]
    run_step(
        "move the data source's files into place",
        lambda: move_paths(project, files_to_move(chosen, package)),
    )
    run_step(
        "put the lock file in place",
        lambda: place_lock(
            project,
            lock_file(
                chosen,
                ANSWERS["auth"],
                ANSWERS["python_version"],
                int(ANSWERS["auth_requirements"]) > 0,
            ),
            ANSWERS["project_slug"],
        ),
    )
    run_step(
        "remove files of other data sources",
        lambda: remove_paths(project, files_to_remove(chosen, package)),
    )
    set_up_sign_in(project, ANSWERS["auth"], package)
    data_note = ""
    dataset = ANSWERS["dataset_path"]
    if dataset:
        pinned = run_step(
            "read your dataset", lambda: write_dataset_settings(project, package, dataset)
        )
        data_note = f"Data: {dataset} (DATA_PATH in .env{', columns pinned' if pinned else ''})."
    elif chosen in LOCAL_SAMPLE:
        rows = int(ANSWERS["sample_rows"].replace("_", ""))
        written = run_step("write sample data", lambda: write_sample_data(project, package, rows))
        data_note = f"Sample data: {rows:,} rows in {written.relative_to(project)}."
    print(next_steps(ANSWERS["project_slug"], data_note, connects=chosen not in LOCAL_SAMPLE))


if __name__ == "__main__":
    try:
        main()
    except HookError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        sys.exit(1)
