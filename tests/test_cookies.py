"""pytest-cookies bakes every data source and sign-in option, as a platform team's CI would.

The expected files are written out here, independently of the post-generation hook's
``OWNED_FILES`` table, so a wrong table (a file missing, or another option's file left in)
fails this test.
"""

from __future__ import annotations

import pytest
from conftest import CHOICES, project_of
from pytest_cookies.plugin import Cookies

EVERY_RENDERING = {
    ".dockerignore",
    ".env.example",
    ".github/dependabot.yml",
    ".github/workflows/ci.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".streamlit/config.toml",
    ".streamlit/secrets.toml.example",
    "Dockerfile",
    "README.md",
    "asgi.py",
    "benchmarks/__init__.py",
    "benchmarks/driver.py",
    "benchmarks/latency.py",
    "benchmarks/load.py",
    "benchmarks/stats.py",
    "data/.gitkeep",
    "docs/deploying.md",
    "pyproject.toml",
    "src/sales_insights/__init__.py",
    "src/sales_insights/cache.py",
    "src/sales_insights/charts.py",
    "src/sales_insights/data/__init__.py",
    "src/sales_insights/data/base.py",
    "src/sales_insights/data/describe.py",
    "src/sales_insights/data/infer.py",
    "src/sales_insights/data/rollup.py",
    "src/sales_insights/data/sample.py",
    "src/sales_insights/data/seed.py",
    "src/sales_insights/pages/__init__.py",
    "src/sales_insights/pages/explore.py",
    "src/sales_insights/pages/overview.py",
    "src/sales_insights/queries.py",
    "src/sales_insights/settings.py",
    "src/sales_insights/state.py",
    "src/sales_insights/ui.py",
    "src/sales_insights/views.py",
    "streamlit_app.py",
    "tests/app_pages.py",
    "tests/commands.py",
    "tests/conftest.py",
    "tests/engine.py",
    "tests/e2e/__init__.py",
    "tests/e2e/conftest.py",
    "tests/e2e/test_browser.py",
    "tests/e2e/test_no_secret_in_dom.py",
    "tests/page_text.py",
    "tests/planted.py",
    "tests/test_app.py",
    "tests/test_asgi.py",
    "tests/test_cache.py",
    "tests/test_hostile_settings.py",
    "tests/test_ignores.py",
    "tests/test_latency.py",
    "tests/test_load.py",
    "tests/test_operators.py",
    "tests/test_secrets_never_shown.py",
    "tests/test_server_sessions.py",
    "tests/test_settings.py",
    "tests/test_source_contract.py",
    "tests/test_state.py",
    "tests/test_streamlit_config.py",
    "tests/test_views.py",
    "uv.lock",
}

OPTION_FILES = {
    "duckdb": {
        "data/sales.parquet",
        "src/sales_insights/data/duckdb_source.py",
        "src/sales_insights/data/sql.py",
        "tests/test_any_table.py",
        "tests/test_duckdb_source.py",
        "tests/test_own_data.py",
    },
    "postgres": {
        "src/sales_insights/connection.py",
        "src/sales_insights/data/postgres_source.py",
        "src/sales_insights/data/sql.py",
        "tests/failing_servers.py",
        "tests/postgres_server.py",
        "tests/test_any_table.py",
        "tests/test_postgres_source.py",
    },
    "snowflake": {
        "src/sales_insights/connection.py",
        "src/sales_insights/data/snowflake_source.py",
        "src/sales_insights/data/sql.py",
        "tests/failing_servers.py",
        "tests/snowflake_server.py",
        "tests/test_snowflake_source.py",
    },
    "s3": {
        "src/sales_insights/connection.py",
        "src/sales_insights/data/s3_source.py",
        "src/sales_insights/data/sql.py",
        "tests/failing_servers.py",
        "tests/s3_server.py",
        "tests/test_s3_source.py",
    },
    "rest_api": {
        "src/sales_insights/connection.py",
        "src/sales_insights/data/reference_api.py",
        "src/sales_insights/data/rest_api_source.py",
        "tests/failing_servers.py",
        "tests/test_rest_api_source.py",
    },
}


# What each sign-in option (``auth``) adds to the default data source's files.
SIGN_IN_FILES = {
    "src/sales_insights/access.py",
    "src/sales_insights/access_settings.py",
    "src/sales_insights/auth.py",
    "tests/sign_in.py",
    "tests/test_access.py",
    "tests/test_sign_in.py",
}
AUTH_FILES = {
    "none": set(),
    "oidc": SIGN_IN_FILES | {"tests/oidc_provider.py", "tests/e2e/test_oidc_login.py"},
    "trusted_header": SIGN_IN_FILES
    | {
        "benchmarks/replicas.py",
        "src/sales_insights/proxy_guard.py",
        "src/sales_insights/proxy_settings.py",
        "tests/test_replicas.py",
        "tests/test_trusted_proxy.py",
    },
}


def test_every_offered_data_source_has_a_file_list() -> None:
    assert list(OPTION_FILES) == CHOICES["data_source"]


def test_every_sign_in_option_has_a_file_list() -> None:
    assert list(AUTH_FILES) == CHOICES["auth"]


@pytest.mark.parametrize("source", list(OPTION_FILES))
def test_cookies_bakes_each_data_source(cookies: Cookies, source: str) -> None:
    result = cookies.bake(extra_context={"data_source": source, "sample_rows": "1000"})

    project = project_of(result)
    assert result.exception is None
    # pytest-cookies renders the context itself before calling cookiecutter().
    assert result.context is not None
    assert result.context["data_source"] == source
    assert project.name == "sales-insights"
    files = {path.relative_to(project).as_posix() for path in project.rglob("*") if path.is_file()}
    assert sorted(files) == sorted(EVERY_RENDERING | OPTION_FILES[source])


@pytest.mark.parametrize("auth", list(AUTH_FILES))
def test_cookies_bakes_each_sign_in_option(cookies: Cookies, auth: str) -> None:
    result = cookies.bake(extra_context={"auth": auth, "sample_rows": "1000"})

    project = project_of(result)
    assert result.context is not None
    assert result.context["auth"] == auth
    files = {path.relative_to(project).as_posix() for path in project.rglob("*") if path.is_file()}
    expected = EVERY_RENDERING | OPTION_FILES["duckdb"] | AUTH_FILES[auth]
    assert sorted(files) == sorted(expected)
