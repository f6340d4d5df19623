"""Sign-in and row-level access through the real app, with ``AppTest.user``.

Signed out, a viewer gets the sign-in page only: no query runs and nothing from
the data is drawn. Signed in, each user's numbers match a pandas oracle over
exactly the rows their access rules give them, on every page; a signed-in user
no rule matches is told so.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import pandas as pd
import pytest
from app_pages import PROJECT_ROOT, fresh_app, open_page
from conftest import SAMPLE_ROWS
from page_text import shown
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import cache, views
from {{ cookiecutter.package_name }}.data import Totals, get_source, sample
from {{ cookiecutter.package_name }}.pages import PAGES
from {{ cookiecutter.package_name }}.settings import APP_TITLE, ENV_PREFIX
{%- if cookiecutter.auth == "oidc" %}

SIGNED_OUT: dict[str, Any] = {"is_logged_in": False}


def user(email: str, *groups: str) -> dict[str, Any]:
    """A user signed in with st.login, with the groups claim their identity provider sent."""
    return {"is_logged_in": True, "email": email, "sub": f"id-{email}", "groups": list(groups)}
{%- else %}

SIGNED_OUT: dict[str, Any] = {"email": None, "groups": None}  # the proxy sent no identity


def user(email: str, *groups: str) -> dict[str, Any]:
    """A user as the proxy's headers describe them (groups: one header, names with commas)."""
    return {"email": email, "groups": ",".join(groups) or None}
{%- endif %}


ALICE = user("alice@example.com")
BOB = user("bob@example.com", "emea-sales", "staff")
CAROL = user("carol@example.com", "staff")
RULES = {
    "users": {"Alice@Example.com": {"region": ["Africa", "Oceania"]}},  # emails: any case
    "groups": {
        "emea-sales": {"region": ["Western Europe", "Northern Europe"], "channel": ["Online"]},
        "contractors": {"region": ["*"]},
    },
}
# The rows each user may see, as the rules above say in plain pandas.
ALLOWED = {
    "alice": lambda rows: rows["region"].isin(["Africa", "Oceania"]),
    "bob": lambda rows: (
        rows["region"].isin(["Western Europe", "Northern Europe"]) & (rows["channel"] == "Online")
    ),
}
AGGREGATE = {
    "sum": "sum",
    "mean": "mean",
    "min": "min",
    "max": "max",
    "count": "count",
    "count_distinct": "nunique",
}


@pytest.fixture
def rules(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in RULES.items():
        monkeypatch.setenv(f"{ENV_PREFIX}ACCESS__{name.upper()}", json.dumps(value))


@pytest.fixture(scope="module")
def every_row() -> pd.DataFrame:
    """The sample every engine holds in the tests, straight from its generator."""
    return pd.DataFrame(sample.rows(SAMPLE_ROWS), columns=sample.COLUMNS)


def signed_in_as(who: dict[str, Any]) -> AppTest:
    app = fresh_app()
    app.user = who
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def expected_figures(rows: pd.DataFrame) -> dict[str, str]:
    """The Overview's headline numbers and live figure over ``rows``, as the page formats them."""
    schema = get_source().schema
    totals = Totals(
        rows=len(rows),
        values={
            measure: float(rows[measure].agg(AGGREGATE[aggregation]))
            for measure, aggregation in zip(schema.measures, schema.aggregations, strict=True)
        },
        counted={measure: int(rows[measure].count()) for measure in schema.measures},
    )
    figures = {kpi.label: kpi.value for kpi in views.kpis(totals, schema)}
    measure = schema.measures[0]
    last_week = rows[rows["order_date"] > rows["order_date"].max() - dt.timedelta(days=7)]
    live = float(last_week[measure].agg(AGGREGATE[schema.aggregation(measure)]))
    figures[f"{views.value_title(schema, measure)}, last 7 days"] = views.format_number(live)
    return figures


@pytest.mark.parametrize("page", PAGES, ids=[page.url_path for page in PAGES])
def test_signed_out_viewers_get_the_sign_in_page_only(page: Any, rules: None) -> None:
    app = signed_in_as(SIGNED_OUT).run()
    assert not app.exception
    app.switch_page(os.path.relpath(page.path, PROJECT_ROOT)).run()  # a forged page switch
    assert not app.exception
    assert [title.value for title in app.title] == [APP_TITLE]
    drawn = {node.type for node in (*app.main, *app.sidebar)} - {"main", "sidebar"}
    assert drawn <= {"title", "markdown", "button", "link_button"}, drawn
{%- if cookiecutter.auth == "oidc" %}
    assert [button.label for button in app.button] == ["Sign in"]
{%- else %}
    [sign_in] = app.get("link_button")
    assert sign_in.proto.label == "Sign in"
    assert sign_in.proto.url == "/oauth2/start"
{%- endif %}
    assert [stats.name for stats in cache.stats() if stats.calls] == []  # no query ran
{%- if cookiecutter.auth == "oidc" %}


def test_without_an_identity_provider_the_sign_in_page_says_what_to_set() -> None:
    app = signed_in_as(SIGNED_OUT)
    del app.secrets["auth"]  # fresh_app's provider
    app.run()
    assert not app.exception
    [error] = app.error
    assert "`[auth]` section of .streamlit/secrets.toml" in error.value
    assert not app.button
{%- endif %}


def test_two_users_see_only_their_own_rows(rules: None, every_row: pd.DataFrame) -> None:
    seen = {}
    for name, who in (("alice", ALICE), ("bob", BOB)):
        app = signed_in_as(who).run()
        assert not app.exception, app.exception
        rows = every_row[ALLOWED[name](every_row)]
        seen[name] = metrics(app)
        assert seen[name] == expected_figures(rows), name
        [regions] = app.multiselect  # the Overview's filter offers only their regions
        assert regions.options == sorted(rows["region"].unique()), name
{%- if cookiecutter.auth == "oidc" %}
        assert [button.label for button in app.sidebar.get("button")] == ["Sign out"]
{%- else %}
        assert [link.proto.label for link in app.sidebar.get("link_button")] == ["Sign out"]
{%- endif %}
    assert seen["alice"] != seen["bob"]


@pytest.mark.parametrize("page", PAGES[1:], ids=[page.url_path for page in PAGES[1:]])
def test_every_page_keeps_to_the_users_rows(
    page: Any, rules: None, every_row: pd.DataFrame
) -> None:
    rows = every_row[ALLOWED["bob"](every_row)]
    app = open_page(signed_in_as(BOB), page)
    tables = [frame.value for frame in app.dataframe]
    assert tables, f"{page.title} shows no table to check"
    for table in tables:
        for column, values in (("Region", rows["region"]), ("Channel", rows["channel"])):
            if column in table:
                assert set(table[column]) <= set(values), (page.title, column)
    ranked = tables[0]
    if "Rows" in ranked:  # the ranking: each value's row count over Bob's rows only
        counts = rows.groupby("region").size()
        assert {k: int(v) for k, v in zip(ranked["Region"], ranked["Rows"], strict=True)} == {
            k: int(counts[k]) for k in ranked["Region"]
        }


{% if cookiecutter.auth == "oidc" -%}
def test_signing_out_leaves_the_sign_in_page_only(rules: None) -> None:
    app = signed_in_as(ALICE).run()
    assert app.metric
    [sign_out] = app.sidebar.get("button")
    sign_out.click().run()
    assert not app.exception
    assert [button.label for button in app.button] == ["Sign in"]
    assert not app.metric
    assert not app.dataframe


{% endif -%}
def test_a_signed_in_user_without_access_is_told_so(rules: None) -> None:
    app = signed_in_as(CAROL).run()
    assert not app.exception
    [notice] = app.info
    assert "no access rule gives you any data" in notice.value
    assert f"{ENV_PREFIX}ACCESS__USERS" in notice.value
    assert not app.metric
    assert not app.dataframe
    assert not app.multiselect
    assert "Western Europe" not in shown(app)


def test_rules_naming_a_column_the_data_cannot_filter_by_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}ACCESS__GROUPS", json.dumps({"*": {"revenue": ["1"]}}))
    app = signed_in_as(ALICE).run()
    assert not app.exception
    [error] = app.error
    assert "'revenue'" in error.value
    assert f"{ENV_PREFIX}ACCESS__GROUPS" in error.value
    assert not app.metric
