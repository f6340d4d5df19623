"""REST API specifics against the reference API on loopback: failures, retries, paging, encoding.

Every failure must reach the page as ``st.error`` saying what failed and how to
fix it, with a Retry button, while the app keeps running; and a failure is never
cached, so the app recovers as soon as the API does.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import tomllib
from http import HTTPStatus

import pytest
from app_pages import PROJECT_ROOT, run_every_page
from failing_servers import closed_port, silent_server
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }}.connection import CONNECTION_NAME, ConnectionSettings
from {{ cookiecutter.package_name }}.data import (
    DataSourceError,
    Filters,
    get_source,
    reference_api,
    sample,
    seed,
)
from {{ cookiecutter.package_name }}.data.rest_api_source import RestApiSource
from {{ cookiecutter.package_name }}.data.rollup import RollupPolicy
from {{ cookiecutter.package_name }}.pages import PAGES
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX, get_settings


def rest_source() -> RestApiSource:
    source = get_source()
    assert isinstance(source, RestApiSource)
    return source


def test_unreachable_api(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__BASE_URL", f"http://127.0.0.1:{closed_port()}")
    for error in run_every_page(app):
        assert "Cannot reach the API at http://127.0.0.1" in error
        assert f"[connections.{CONNECTION_NAME}]" in error


def test_api_that_never_answers_times_out(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    with silent_server() as port:
        monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__BASE_URL", f"http://127.0.0.1:{port}")
        monkeypatch.setenv(f"{ENV_PREFIX}QUERY_TIMEOUT_SECONDS", "0.3")
        monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__RETRIES", "0")
        for error in run_every_page(app, pages=1):
            assert "did not answer within 0.3 s" in error
            assert "QUERY_TIMEOUT_SECONDS" in error


def test_bad_token(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__TOKEN", "wrong-token")
    for error in run_every_page(app):
        assert "refused the token (HTTP 401" in error
        assert "Check token in" in error


def test_missing_table(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}DATASET__TABLE", "no_such_table")
    for error in run_every_page(app):
        assert "has no table 'no_such_table'" in error
        assert "DATASET__TABLE" in error


def test_missing_column_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}DATASET__DIMENSIONS", '["region", "colour"]')
    with pytest.raises(DataSourceError, match="colour") as caught:
        get_source()
    assert "DATASET__DIMENSIONS" in caught.value.fix


def test_transient_errors_are_retried_with_backoff(api: reference_api.ReferenceServer) -> None:
    source = rest_source()  # RETRIES=1 in the tests: two attempts per request
    before = api.requests
    api.fail_next(1, HTTPStatus.SERVICE_UNAVAILABLE)
    assert source.domain().rows == 20_000
    assert api.requests - before == 2  # the 503, then the answer


def test_persistent_errors_give_up_and_are_not_cached(
    app: AppTest, api: reference_api.ReferenceServer
) -> None:
    app.run()
    assert not app.error
    app.switch_page(os.path.relpath(PAGES[1].path, PROJECT_ROOT))
    api.fail_next(1_000, HTTPStatus.BAD_GATEWAY)
    try:
        app.run()
        assert not app.exception
        assert "kept failing (HTTP 502" in app.error[0].value
    finally:
        api.clear_failures()  # the API is back
    app.run()  # no Retry needed: the failure was not cached
    assert not app.error


def test_retry_button_recovers(app: AppTest, api: reference_api.ReferenceServer) -> None:
    api.fail_next(100, HTTPStatus.SERVICE_UNAVAILABLE)
    try:
        app.run()
        assert app.error
    finally:
        api.clear_failures()
    app.button(key="overview.trend:retry").click().run()
    assert not app.exception
    assert not app.error


def test_long_results_are_paged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__PAGE_SIZE", "100")
    source = rest_source()
    source.use_rollup(RollupPolicy(max_rows=0))  # the API's own series
    series = source.timeseries(Filters(), "units", "day")
    assert len(series) == 1096  # eleven pages of at most 100
    rows = source.page(Filters(), limit=250, offset=19_900)
    assert len(rows) == 100  # only 100 left after the offset
    assert rows["order_date"].iloc[-1] == dt.date(2025, 12, 31)


def test_filter_values_are_url_encoded(api: reference_api.ReferenceServer) -> None:
    source = rest_source()
    seen: list[str] = []
    original = api.RequestHandlerClass.do_GET

    def record(handler: reference_api.Handler) -> None:
        seen.append(handler.path)
        original(handler)

    api.RequestHandlerClass.do_GET = record  # type: ignore[method-assign]
    try:
        # channel is not the first dimension: the API answers, not the local rollup
        source.summary(Filters.of(channel=["A&filter.region=B #?", "Zürich"]))
    finally:
        api.RequestHandlerClass.do_GET = original  # type: ignore[method-assign]
    assert "filter.channel=A%26filter.region%3DB+%23%3F" in seen[-1]
    assert "filter.channel=Z%C3%BCrich" in seen[-1]
    assert "filter.region" not in seen[-1].replace("%26filter.region", "")


def test_the_rollup_is_read_from_pages_and_answers_like_the_api(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__PAGE_SIZE", "100")
    source = rest_source()
    before = source.engine_queries
    rolled = source.breakdown(Filters.of(dt.date(2024, 2, 1), None), "region", "revenue", 10)
    # one row per day and region (8 regions over 1,096 days), read 100 at a time
    pages = -(-source.rollup_stats()["rows"] // 100)
    assert source.engine_queries - before == pages > 1096 // 100
    source.use_rollup(RollupPolicy(max_rows=0))
    direct = source.breakdown(Filters.of(dt.date(2024, 2, 1), None), "region", "revenue", 10)
    assert list(rolled["label"]) == list(direct["label"])
    assert list(rolled["row_count"]) == list(direct["row_count"])
    assert list(rolled["value"]) == pytest.approx(list(direct["value"]))


def test_an_api_without_the_rollup_endpoint_answers_every_move(
    api: reference_api.ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = reference_api.Handler._answer
    asked: list[str] = []

    def without_rollup(handler: reference_api.Handler) -> dict[str, object]:
        asked.append(handler.path)
        body = answer(handler)
        body.pop("rollup", None)  # the table no longer says it offers one
        return body

    monkeypatch.setattr(reference_api.Handler, "_answer", without_rollup)
    source = rest_source()
    assert not source.offers_rollup
    before = source.engine_queries
    totals = source.summary(Filters.of(dt.date(2024, 1, 1), dt.date(2024, 1, 31)))
    assert source.engine_queries - before == 1  # asked the API
    assert source.rollup_stats()["rows"] == 0
    assert totals.rows == sum(
        1 for row in sample.rows(20_000) if dt.date(2024, 1, 1) <= row[1] <= dt.date(2024, 1, 31)
    )
    assert not [path for path in asked if "/rollup" in path]


def test_the_rollup_is_rebuilt_after_its_ttl() -> None:
    source = rest_source()
    policy = RollupPolicy(check_seconds=0, ttl_seconds=3600)
    source.use_rollup(policy)
    source.summary(Filters())
    built = source.engine_queries
    source.summary(Filters.of(dt.date(2024, 1, 1), None))
    assert source.engine_queries == built  # the same period: read locally
    policy.ttl_seconds = 1e-6  # every query now starts a new period
    source.summary(Filters())
    assert source.engine_queries > built  # a new period: asked again


def test_sessions_share_one_client_safely() -> None:
    source = rest_source()
    results: list[float] = []

    def query(region: str) -> None:
        results.append(source.summary(Filters.of(region=[region])).rows)

    threads = [threading.Thread(target=query, args=(r,)) for r in ("Africa", "Oceania") * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert sum(results) == 4 * source.summary(Filters.of(region=["Africa", "Oceania"])).rows


def test_missing_secret_is_named(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(f"{ENV_PREFIX}CONNECTION__TOKEN")
    app.run()
    assert not app.exception
    message = app.error[0].value
    assert f"{ENV_PREFIX}CONNECTION__TOKEN" in message
    assert f"[connections.{CONNECTION_NAME}] token" in message


def test_connection_from_streamlit_secrets(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, api: reference_api.ReferenceServer
) -> None:
    for name in list(os.environ):
        if name.startswith(f"{ENV_PREFIX}CONNECTION__"):
            monkeypatch.delenv(name)
    app.secrets["connections"] = {CONNECTION_NAME: {"base_url": api.url, "token": api.token}}
    assert not any(run_every_page(app))  # no page shows an error


def test_secrets_example_has_every_key_and_no_real_secret() -> None:
    example = tomllib.loads(
        (PROJECT_ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    )
    section = example["connections"][CONNECTION_NAME]
    required = {
        name for name, field in ConnectionSettings.model_fields.items() if field.is_required()
    }
    assert required <= set(section)
    assert ConnectionSettings.model_validate(section).token.get_secret_value() == "change-me"


def test_seed_script_serves_the_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    port = closed_port()
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__BASE_URL", f"http://127.0.0.1:{port}")
    served = threading.Thread(target=seed.main, args=(["--rows", "1200"],), daemon=True)
    original = reference_api.make_server
    servers: list[reference_api.ReferenceServer] = []

    def keep(*args: object, **kwargs: object) -> reference_api.ReferenceServer:
        servers.append(original(*args, **kwargs))  # type: ignore[arg-type]
        return servers[-1]

    monkeypatch.setattr(reference_api, "make_server", keep)
    served.start()
    try:
        for _ in range(100):
            if servers:
                break
            threading.Event().wait(0.05)
        get_settings.cache_clear()
        assert get_source().summary(Filters()).rows == 1200
    finally:
        servers[0].shutdown()
        served.join(timeout=10)
