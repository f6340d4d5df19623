"""Every ``data_source`` option renders a clean project whose own suite passes on its real engine.

For each option: only that option's imports, dependencies and ``[connections.*]``
example are present (ruff, types and file lists: tests/test_generation.py and
tests/test_cookies.py), and the rendering's own pytest runs in this
shared environment against the engine it names (PostgreSQL from Debian's packages,
fakesnow's server, moto's server, the reference API), none of them skipped.
"""

from __future__ import annotations

import ast
import re
import time
import tomllib
from pathlib import Path

import pytest
from conftest import CHOICES, PYTHON, render, run, shared_env
from conftest import post_gen_project as post_gen

SOURCES: list[str] = CHOICES["data_source"]
# Top-level modules only the named options may import (anywhere in src/ or tests/).
ENGINE_MODULES: dict[str, set[str]] = {
    "duckdb": {"duckdb", "pyarrow"},
    # duckdb: the local rollup of every engine (data/rollup.py)
    "postgres": {"sqlalchemy", "psycopg", "duckdb"},
    "snowflake": {"snowflake", "fakesnow", "duckdb"},
    "s3": {"duckdb", "pyarrow", "moto", "boto3"},
    "rest_api": {"httpx", "tenacity", "duckdb"},
}
# The options' own test engines: what must appear in the generated suite's output.
ENGINE_TESTS = {
    "duckdb": "tests/test_duckdb_source.py",
    "postgres": "tests/test_postgres_source.py",
    "snowflake": "tests/test_snowflake_source.py",
    "s3": "tests/test_s3_source.py",
    "rest_api": "tests/test_rest_api_source.py",
}


# Every data source without sign-in, and every sign-in option on the default source.
AUTHS: list[str] = CHOICES["auth"]
RENDERINGS = [(source, AUTHS[0]) for source in SOURCES] + [(SOURCES[0], a) for a in AUTHS[1:]]


# (data source, project folder, package name)
Rendering = tuple[str, Path, str]


@pytest.fixture(
    scope="module",
    params=RENDERINGS,
    ids=[s if a == AUTHS[0] else f"{s}-auth={a}" for s, a in RENDERINGS],
)
def rendering(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Rendering:
    source, auth = request.param
    project = render(
        tmp_path_factory.mktemp(f"source-{source}-{auth}"), data_source=source, auth=auth
    )
    return source, project, next((project / "src").iterdir()).name


def _auth(project: Path) -> str:
    """The rendering's sign-in option, from the files it holds."""
    package = next((project / "src").iterdir())
    if not (package / "auth.py").exists():
        return "none"
    return "trusted_header" if (package / "proxy_guard.py").exists() else "oidc"


def test_every_option_has_an_engine_and_a_test_file() -> None:
    assert set(SOURCES) == set(ENGINE_MODULES) == set(ENGINE_TESTS) == post_gen.ALL_SOURCES


def test_only_its_own_files_remain(rendering: Rendering) -> None:
    source, project, package = rendering
    data = project / "src" / package / "data"
    assert (data / "seed.py").is_file()
    assert not (data / "seeds").exists()
    assert (data / f"{source}_source.py").is_file()
    assert (project / ENGINE_TESTS[source]).is_file()
    # The exact file lists per option are written out in tests/test_cookies.py.
    other_names = re.compile("|".join(rf"(^|_){other}_" for other in SOURCES if other != source))
    assert [p.name for p in project.rglob("*.py") if other_names.search(p.stem + "_")] == []


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def test_no_other_engine_is_imported(rendering: Rendering) -> None:
    source, project, _ = rendering
    forbidden = set().union(*ENGINE_MODULES.values()) - ENGINE_MODULES[source]
    found = {
        str(path.relative_to(project)): sorted(_imported_modules(path) & forbidden)
        for path in sorted(project.rglob("*.py"))
    }
    assert {path: modules for path, modules in found.items() if modules} == {}


def _names(requirements: list[str]) -> set[str]:
    return {
        re.split(r"[\[<>=!~ ]", requirement, maxsplit=1)[0].lower() for requirement in requirements
    }


# What each option adds to pyproject.toml (names; floors are tests/test_dependency_floors.py),
# written out here rather than read from `_requirements` in cookiecutter.json.
BASE_REQUIREMENTS = (
    {"pandas", "pydantic", "pydantic-settings", "streamlit", "uvicorn"},
    {"hypothesis", "mypy", "pandas-stubs", "playwright", "pre-commit", "psutil", "pytest"}
    | {"ruff", "websockets"},
)
OPTION_REQUIREMENTS: dict[str, tuple[set[str], set[str]]] = {
    "duckdb": ({"duckdb", "pyarrow"}, set()),
    "postgres": ({"duckdb", "psycopg", "sqlalchemy"}, set()),
    "snowflake": (
        {"duckdb", "snowflake-connector-python"},
        {"fakesnow", "snowflake-connector-python"},
    ),
    "s3": ({"duckdb", "pyarrow"}, {"boto3", "moto"}),
    "rest_api": ({"duckdb", "httpx", "tenacity"}, set()),
    "none": (set(), set()),
    "oidc": ({"authlib"}, {"oidc-provider-mock"}),
    "trusted_header": (set(), set()),
}


def test_every_option_has_its_requirements_written_out() -> None:
    assert set(OPTION_REQUIREMENTS) == set(SOURCES) | set(AUTHS)


def test_dependencies_are_exactly_the_options(rendering: Rendering) -> None:
    source, project, _ = rendering
    pyproject = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))
    dependencies = pyproject["project"]["dependencies"]
    dev = pyproject["project"]["optional-dependencies"]["dev"]
    chosen = [BASE_REQUIREMENTS, OPTION_REQUIREMENTS[source], OPTION_REQUIREMENTS[_auth(project)]]
    assert _names(dependencies) == set().union(*(app for app, _ in chosen))
    assert _names(dev) == set().union(*(tests for _, tests in chosen))
    # What the code imports is declared (the project's own package and tests' helpers aside).
    declared = _names(dependencies) | _names(dev)
    aliases = {"psycopg": "psycopg", "snowflake": "snowflake-connector-python"}
    for module in ENGINE_MODULES[source]:
        assert aliases.get(module, module) in declared, module


def test_secrets_example_has_only_its_connection(rendering: Rendering) -> None:
    source, project, package = rendering
    example = tomllib.loads((project / ".streamlit" / "secrets.toml.example").read_text("utf-8"))
    connections = example.get("connections", {})
    if source == "duckdb":
        assert connections == {}
    else:
        assert list(connections) == [source]
        text = (project / ".streamlit" / "secrets.toml.example").read_text("utf-8")
        assert f"python -m {package}.data.seed" in text
        assert f"{package.upper()}_CONNECTION__" in text
    assert ".streamlit/secrets.toml" in (project / ".gitignore").read_text("utf-8").splitlines()
    assert not (project / ".streamlit" / "secrets.toml").exists()
    auth = _auth(project)
    assert ("auth" in example) == (auth == "oidc")  # st.login's provider
    assert ("proxy" in example.get("app", {})) == (auth == "trusted_header")


def test_generated_suite_passes_against_its_engine(rendering: Rendering) -> None:
    source, project, _ = rendering
    started = time.perf_counter()
    result = run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"],
        project,
        env=shared_env(project),
    )
    elapsed = time.perf_counter() - started
    summary = result.stdout.strip().splitlines()[-1]
    print(f"\n{source}: {summary} (wall {elapsed:.1f} s)")
    assert re.search(r"\d+ passed", summary), result.stdout
    assert not re.search(r"skipped|xfail|error|failed", summary), result.stdout
    assert (
        ENGINE_TESTS[source]
        in run(
            [PYTHON, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
            project,
            env=shared_env(project),
        ).stdout
    )
