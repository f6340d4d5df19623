"""S3 specifics against a real S3 API (moto server): failures, pushdown, secrets, seeding.

Every failure must reach the page as ``st.error`` saying what failed and how to
fix it, with a Retry button, while the app keeps running; and a failure is never
cached, so the app recovers as soon as the bucket does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

import pytest
from app_pages import PROJECT_ROOT, run_every_page
from failing_servers import closed_port, silent_server
from s3_server import S3Server
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import cache
from {{ cookiecutter.package_name }}.connection import CONNECTION_NAME, ConnectionSettings
from {{ cookiecutter.package_name }}.data import DataSourceError, Filters, get_source, seed
from {{ cookiecutter.package_name }}.data.infer import PROFILE_ROWS
from {{ cookiecutter.package_name }}.data.s3_source import S3Source, filesystem
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX, Settings, get_settings


def test_unreachable_endpoint(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    for error in run_every_page(app):
        assert "Cannot reach S3" in error
        assert f"[connections.{CONNECTION_NAME}]" in error


def test_endpoint_that_never_answers_times_out(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    with silent_server() as port:
        monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__ENDPOINT_URL", f"http://127.0.0.1:{port}")
        monkeypatch.setenv(f"{ENV_PREFIX}QUERY_TIMEOUT_SECONDS", "0.5")
        for error in run_every_page(app, pages=1):
            assert "did not answer within 0.5 s" in error
            assert "QUERY_TIMEOUT_SECONDS" in error


def test_bad_credentials(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__SECRET_ACCESS_KEY", "wrong-secret")
    for error in run_every_page(app):
        assert "S3 refused the credentials" in error
        assert "secret_access_key" in error


@pytest.mark.parametrize(
    ("variable", "value"),
    [("CONNECTION__BUCKET", "no-such-bucket"), ("CONNECTION__PREFIX", "no/such/prefix/")],
)
def test_missing_dataset(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}{variable}", value)
    for error in run_every_page(app):
        assert "No Parquet dataset at s3://" in error
        assert ".data.seed" in error


def test_an_object_that_is_not_parquet_is_named(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, s3: S3Server
) -> None:
    fs = filesystem(ConnectionSettings.model_validate(s3.connection()), timeout_seconds=10)
    with fs.open_output_stream(f"{s3.bucket}/not-parquet/part-0.parquet") as out:
        out.write(b"order_id,revenue\n1,9.5\n")  # a CSV under a Parquet name
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__PREFIX", "not-parquet/")
    for error in run_every_page(app):
        assert "Parquet magic bytes not found" in error
        assert "Check the objects are Parquet files" in error


def test_missing_column_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}DATASET__MEASURES", '["revenue", "margin"]')
    with pytest.raises(DataSourceError, match="margin") as caught:
        get_source()
    assert "DATASET__MEASURES" in caught.value.fix


def test_a_failure_is_not_cached(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, s3: S3Server
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__PREFIX", "arrives-later/")
    assert all("No Parquet dataset" in error for error in run_every_page(app))
    later = Settings(_env_file=None, connection={**s3.connection(), "prefix": "arrives-later/"})  # type: ignore[call-arg]
    seed.seed(later, 2_000)
    # The data is there now: the next run works without pressing Retry.
    assert not any(run_every_page(app))  # no page shows an error


def test_retry_button_reruns(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__BUCKET", "no-such-bucket")
    app.run()
    assert app.error
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__BUCKET", "sales-test-bucket")
    get_settings.cache_clear()
    app.button(key="overview.trend:retry").click().run()
    assert not app.exception
    assert not app.error


def test_columns_and_filters_are_pushed_into_the_parquet_scan() -> None:
    source = get_source()
    assert isinstance(source, S3Source)
    where, params = source.where(Filters.of(region=["Africa"]))
    plan = source.fetch(
        f'EXPLAIN SELECT SUM("units") FROM "sales"{where}',  # noqa: S608 - our own test SQL
        params,
    )
    text = "\n".join(plan.iloc[:, -1])
    assert "ARROW_SCAN" in text
    assert "Filters:" in text
    assert "region" in text.split("Filters:")[1]
    assert "Projections:" in text
    assert "revenue" not in text  # an unread column is never fetched


# The pyarrow memory pool's peak while a fresh process connects (and so profiles the data).
PROFILE_PEAK = """
import pyarrow as pa
from {{ cookiecutter.package_name }}.data import s3_source
from {{ cookiecutter.package_name }}.settings import get_settings
s3_source.connect(get_settings())
print(pa.default_memory_pool().max_memory())
"""


def test_connecting_reads_only_the_rows_it_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``LIMIT`` over the dataset would read on through the file: the app's peak RSS."""
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__PREFIX", "profile-check/")
    seed.main(["--rows", str(20 * PROFILE_ROWS)])
    done = subprocess.run(
        [sys.executable, "-c", PROFILE_PEAK],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    whole_file = 20 * get_source().dataset.head(PROFILE_ROWS).nbytes  # as Arrow arrays
    assert int(done.stdout) < whole_file / 2  # read on through it: 1.1 times


def test_missing_secret_is_named(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(f"{ENV_PREFIX}CONNECTION__BUCKET")
    app.run()
    assert not app.exception
    message = app.error[0].value
    assert f"{ENV_PREFIX}CONNECTION__BUCKET" in message
    assert f"[connections.{CONNECTION_NAME}] bucket" in message


def test_connection_from_streamlit_secrets(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, s3: S3Server
) -> None:
    for name in list(os.environ):
        if name.startswith(f"{ENV_PREFIX}CONNECTION__"):
            monkeypatch.delenv(name)
    app.secrets["connections"] = {CONNECTION_NAME: s3.connection()}
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
    assert ConnectionSettings.model_validate(section).access_key_id is None  # chain by default


def test_seed_script_uploads_the_sample(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CONNECTION__PREFIX", "seed-check/")
    seed.main(["--rows", "1500"])
    assert "wrote 1,500 rows to s3://sales-test-bucket/seed-check/" in capsys.readouterr().out
    get_settings.cache_clear()
    assert get_source().summary(Filters()).rows == 1500
    seed.main(["--rows", "1000"])  # seeding again replaces the files
    cache.clear("resources")  # what an operator's "Clear all caches" does: list them again
    assert get_source().summary(Filters()).rows == 1000
