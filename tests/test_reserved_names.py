"""The hook's reserved names cover every module and dependency of every rendering.

The names are derived here from each data source's (and sign-in option's) baked tree and
from the installed metadata of its dependency closure (scripts/reserved_names.py, which
also rewrites the hook's table); adding a dependency or a project module without
regenerating fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CHOICES, project_of
from conftest import pre_gen_project as hook
from conftest import reserved_names as reserved
from pytest_cookies.plugin import Cookies

# Every data source, and every sign-in option (on the default data source).
RENDERINGS = [(source, "none") for source in CHOICES["data_source"]] + [
    (CHOICES["data_source"][0], auth) for auth in CHOICES["auth"][1:]
]


@pytest.fixture(scope="module", params=RENDERINGS, ids=["-".join(r) for r in RENDERINGS])
def baked(request: pytest.FixtureRequest, cookies_session: Cookies) -> tuple[str, Path]:
    source, auth = request.param
    result = cookies_session.bake(
        extra_context={"data_source": source, "sample_rows": "1000", "auth": auth}
    )
    return source, project_of(result)


def test_every_module_of_the_rendered_project_is_reserved(baked: tuple[str, Path]) -> None:
    source, project = baked
    modules = reserved.project_modules(project)
    assert {"streamlit_app", "commands", "conftest", "app_pages", "benchmarks"} <= set(modules)
    missing = sorted(set(modules) - set(hook.PROJECT_MODULES))
    assert not missing, f"run `python scripts/reserved_names.py`: {missing} are not reserved"
    for name in modules:
        with pytest.raises(hook.AnswerError, match="generated project's own"):
            hook.check_package_name(name, source)


def test_every_name_in_the_dependency_closure_is_reserved(baked: tuple[str, Path]) -> None:
    source, project = baked
    names = reserved.dependency_names(project)
    # The closure reaches past the direct dependencies (streamlit -> watchdog, requests...).
    assert {"streamlit", "watchdog", "requests", "dotenv", "python-dotenv", "pandas"} <= names
    missing = sorted(names - hook.DEPENDENCY_NAMES[source])
    assert not missing, f"run `python scripts/reserved_names.py`: {missing} are not reserved"


def test_the_hook_refuses_each_dependency_name_for_its_option(baked: tuple[str, Path]) -> None:
    source, project = baked
    for name in reserved.dependency_names(project):
        if hook.PACKAGE_RE.fullmatch(name):
            with pytest.raises(hook.AnswerError):
                hook.check_package_name(name, source)
        if hook.SLUG_RE.fullmatch(name):
            with pytest.raises(hook.AnswerError, match="pip could not install"):
                hook.check_project_slug(name, source)


def test_the_generated_table_is_what_the_script_writes(tmp_path: Path) -> None:
    modules = {"conftest": "tests/conftest.py"}
    dependencies = {"duckdb": {"duckdb", "pandas"}, "postgres": {"pandas", "psycopg"}}
    namespace: dict[str, object] = {}
    exec(reserved.generated_block(modules, dependencies), namespace)
    assert namespace["PROJECT_MODULES"] == modules
    assert namespace["DEPENDENCY_NAMES"] == {
        "duckdb": frozenset({"duckdb", "pandas"}),
        "postgres": frozenset({"pandas", "psycopg"}),
    }
