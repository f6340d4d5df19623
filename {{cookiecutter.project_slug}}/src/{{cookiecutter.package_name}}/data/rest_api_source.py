"""A REST API as the data source: httpx with timeouts, tenacity retries, and paging.

The API filters and aggregates on its side (the contract is in README.md under
"Reference API"); this client only sends typed parameters, which httpx
URL-encodes, and turns the small JSON answers into frames. Timeouts, 429 and
5xx answers are retried with exponential backoff and jitter; other errors fail
at once with what failed and how to fix it.

An API that offers the rollup endpoint (its table says ``"rollup": true``) is
asked for sums per day and first-dimension value once per ``ROLLUP__TTL_SECONDS``;
slider moves then read that local table (``rollup.py``) instead of the API.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

import httpx
import pandas as pd
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from ..connection import CONNECTION_NAME
from ..settings import ENV_PREFIX, Settings, redact, secret_values
from .base import GRAINS, DataSourceError, Domain, Filters, Health, Schema, Totals
from .rollup import RollupSource, rollup_policy

SEED_HINT = "python -m {{ cookiecutter.package_name }}.data.seed"
SECRETS_HINT = (
    f"[connections.{CONNECTION_NAME}] in .streamlit/secrets.toml "
    f"(or the {ENV_PREFIX}CONNECTION__* variables)"
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class TransientError(Exception):
    """An answer worth asking again for (429 or 5xx)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}: {_message(response)}")
        self.response = response


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", response.text))[:300]
    except ValueError:
        return response.text[:300]


def _retryable(error: BaseException) -> bool:
    return isinstance(error, TransientError | httpx.TimeoutException | httpx.TransportError)


def check(name: str, allowed: tuple[str, ...]) -> str:
    """``name`` if it is one of ``allowed``; refuse anything else before it is sent."""
    if name not in allowed:
        raise ValueError(f"unknown column {name!r}; expected one of {list(allowed)}")
    return name


class RestApiSource(RollupSource):
    """Implements ``DataSource`` over the API's summary, timeseries, breakdown and rows."""

    offers_rollup = False

    def __init__(
        self,
        client: httpx.Client,
        schema: Schema,
        *,
        retries: int = 3,
        page_size: int = 500,
        timeout_seconds: float = 30.0,
        secrets: Iterable[str] = (),
    ) -> None:
        self.client = client
        self.schema = schema
        self.retries = retries
        self.page_size = page_size
        self.timeout_seconds = timeout_seconds
        url = client.base_url
        token = client.headers.get("Authorization", "").removeprefix("Bearer ")
        self.secrets = [s for s in (*secrets, token, url.username, url.password) if s]
        # Named in messages without credentials or query: "https://api.example.com/data".
        host = url.netloc.decode().rpartition("@")[2]
        self.where = f"{url.scheme}://{host}{url.path}".rstrip("/")
        self.table = f"/v1/{schema.table}"
        self._check_columns()

    # -- transport ---------------------------------------------------------------------
    def _error(self, what: str, fix: str) -> DataSourceError:
        """A ``DataSourceError`` with the token and URL credentials masked in its text."""
        return DataSourceError(redact(what, self.secrets), redact(fix, self.secrets))

    def get(self, path: str, params: list[tuple[str, str]] | None = None) -> Any:
        """GET ``path`` and decode its JSON, retrying transient failures with backoff."""
        retrying = Retrying(
            stop=stop_after_attempt(self.retries + 1),
            # 0.2 s, 0.4 s, 0.8 s... up to 5 s, plus jitter so clients do not retry in step.
            wait=wait_exponential(multiplier=0.2, max=5) + wait_random(0, 0.2),
            retry=retry_if_exception(_retryable),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self.engine_queries += 1
                    response = self.client.get(path, params=tuple(params or ()))
                    if response.status_code in RETRY_STATUSES:
                        raise TransientError(response)
            return self._decode(response, path)
        except TransientError as error:
            raise self._error(
                f"The API at {self.where} kept failing ({error}) after "
                f"{self.retries + 1} attempts.",
                "Check the API's status, then press Retry.",
            ) from error
        except httpx.TimeoutException as error:
            raise self._error(
                f"The API at {self.where} did not answer within {self.timeout_seconds:g} s "
                f"({type(error).__name__}, {self.retries + 1} attempts).",
                f"Check the API is up, or raise {ENV_PREFIX}QUERY_TIMEOUT_SECONDS.",
            ) from error
        except httpx.TransportError as error:
            raise self._error(
                f"Cannot reach the API at {self.where}: {error}",
                f"Start the API (locally: `{SEED_HINT}`) or fix base_url in {SECRETS_HINT}.",
            ) from error

    def _decode(self, response: httpx.Response, path: str) -> Any:
        status = response.status_code
        if status in (401, 403):
            raise self._error(
                f"The API at {self.where} refused the token (HTTP {status}: {_message(response)}).",
                f"Check token in {SECRETS_HINT}.",
            )
        if status == 404 and path.startswith(self.table):
            raise self._error(
                f"The API at {self.where} has no table {self.schema.table!r} "
                f"(HTTP 404: {_message(response)}).",
                f"Set {ENV_PREFIX}DATASET__TABLE to a table the API serves.",
            )
        if status >= 400:
            raise self._error(
                f"The API at {self.where} answered HTTP {status} to {path}: {_message(response)}",
                "Check the dataset settings match what the API serves.",
            )
        try:
            return response.json()
        except ValueError as error:
            raise self._error(
                f"The API at {self.where} sent something that is not JSON for {path}.",
                f"Check base_url in {SECRETS_HINT} points at the data API.",
            ) from error

    def pages(
        self, path: str, params: list[tuple[str, str]], limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Every item of a paged endpoint (or the first ``limit``), one page at a time."""
        items: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None and (limit is None or len(items) < limit):
            wanted = self.page_size if limit is None else min(self.page_size, limit - len(items))
            page = self.get(path, [*params, ("offset", str(offset)), ("limit", str(wanted))])
            items.extend(page["items"])
            offset = page["next_offset"]
        return items

    # -- parameters --------------------------------------------------------------------
    def filter_params(self, filters: Filters) -> list[tuple[str, str]]:
        params = []
        if filters.start is not None:
            params.append(("start", filters.start.isoformat()))
        if filters.end is not None:
            params.append(("end", filters.end.isoformat()))
        for dimension, values in filters.selections:
            name = f"filter.{check(dimension, self.schema.dimensions)}"
            params.extend((name, value) for value in values)
        return params

    def _check_columns(self) -> None:
        table = self.get(self.table)
        self.offers_rollup = table.get("rollup") is True
        served = set(table["columns"])
        missing = [c for c in self.schema.columns if c not in served]
        if missing:
            raise self._error(
                f"The API's table {self.schema.table!r} has no column(s) {missing}.",
                f"Set {ENV_PREFIX}DATASET__DATE_COLUMN, _DATASET__DIMENSIONS and "
                "_DATASET__MEASURES to match the API.",
            )

    # -- DataSource ----------------------------------------------------------------------
    def health(self) -> Health:
        started = time.perf_counter()
        try:
            self.get("/health")
        except DataSourceError as error:  # health reports, it does not raise
            return Health(False, error.what, (time.perf_counter() - started) * 1000)
        return Health(True, "ok", (time.perf_counter() - started) * 1000)

    def rollup_frame(self, limit: int) -> pd.DataFrame | None:
        """Sums per day and first-dimension value, from the API's rollup endpoint if it has one.

        The API gives no change signal: the rollup is rebuilt every ``ttl_seconds``.
        """
        if not self.offers_rollup:
            return None
        measures = self.schema.measures
        params = [("measure", m) for m in measures]
        params += [("dimension", d) for d in self.schema.dimensions[:1]]
        items = self.pages(f"{self.table}/rollup", params, limit=limit + 1)
        columns: dict[str, list[Any]] = {
            "_day": [dt.date.fromisoformat(item["day"]) for item in items],
            "_d0": [item["label"] for item in items],
        }
        rows = [int(item["row_count"]) for item in items]
        for i, measure in enumerate(measures):
            columns[f"_s{i}"] = [float(item["sums"].get(measure) or 0) for item in items]
            columns[f"_n{i}"] = rows  # the API counts rows, not values per measure
        columns["_rows"] = rows
        frame = pd.DataFrame(columns)
        frame["_d0"] = frame["_d0"].astype("string")
        return frame

    def summary(self, filters: Filters) -> Totals:
        if filters.nothing:  # a viewer's access leaves no row: no need to ask
            return Totals(rows=0, values=dict.fromkeys(self.schema.measures, 0.0))
        rollup = self.rollup(filters)
        if rollup is not None:
            return rollup.summary(filters, self.schema.measures)
        params = self.filter_params(filters)
        params += [("measure", m) for m in self.schema.measures]
        answer = self.get(f"{self.table}/summary", params)
        rows = int(answer["row_count"])
        return Totals(
            rows=rows,
            values={m: float(answer["sums"].get(m) or 0) for m in self.schema.measures},
            counted=dict.fromkeys(self.schema.measures, rows),
        )

    def timeseries(self, filters: Filters, measure: str | None, grain: str) -> pd.DataFrame:
        if grain not in GRAINS:
            raise ValueError(f"unknown grain {grain!r}; expected one of {GRAINS}")
        if filters.nothing:
            return pd.DataFrame(columns=["period", "value"])
        rollup = self.rollup(filters)
        if rollup is not None:
            return rollup.timeseries(filters, check(str(measure), self.schema.measures), grain)
        params = self.filter_params(filters)
        params += [("measure", check(str(measure), self.schema.measures)), ("grain", grain)]
        items = self.pages(f"{self.table}/timeseries", params)
        frame = pd.DataFrame(items, columns=["period", "value"])
        frame["period"] = [dt.date.fromisoformat(day) for day in frame["period"]]
        return frame

    def breakdown(
        self, filters: Filters, dimension: str, measure: str | None, limit: int
    ) -> pd.DataFrame:
        if filters.nothing:
            return pd.DataFrame(columns=["label", "value", "row_count"])
        rollup = self.rollup(filters, (dimension,))
        if rollup is not None:
            return rollup.breakdown(filters, check(str(measure), self.schema.measures), limit)
        params = self.filter_params(filters)
        params += [
            ("dimension", check(dimension, self.schema.dimensions)),
            ("measure", check(str(measure), self.schema.measures)),
        ]
        items = self.pages(f"{self.table}/breakdown", params, limit=int(limit))
        return pd.DataFrame(items, columns=["label", "value", "row_count"])

    def page(self, filters: Filters, limit: int, offset: int) -> pd.DataFrame:
        params = self.filter_params(filters)
        params += [("column", column) for column in self.schema.columns]
        items = [] if filters.nothing else self._rows(params, int(limit), int(offset))
        frame = pd.DataFrame(items, columns=list(self.schema.columns))
        date = str(self.schema.date_column)
        frame[date] = [dt.date.fromisoformat(day) for day in frame[date]]
        return frame

    def _rows(self, params: list[tuple[str, str]], limit: int, offset: int) -> list[Any]:
        items: list[Any] = []
        while len(items) < limit:
            wanted = min(self.page_size, limit - len(items))
            page = self.get(
                f"{self.table}/rows",
                [*params, ("offset", str(offset + len(items))), ("limit", str(wanted))],
            )
            items.extend(page["items"])
            if page["next_offset"] is None:
                break
        return items

    def domain(self, max_values: int = 1000, within: Filters | None = None) -> Domain:
        """Date bounds, row count and dimension values of the rows ``within`` selects.

        The API filters them itself; a viewer whose access leaves no row is not asked.
        """
        scope = within or Filters()
        nothing = Domain(None, None, 0, {d: () for d in self.schema.dimensions})
        if scope.nothing:
            return nothing
        params = [*self.filter_params(scope), ("max_values", str(int(max_values)))]
        answer = self.get(f"{self.table}/domain", params)
        if not answer["rows"]:
            if scope.selections:
                return nothing  # the table has rows, none of them this viewer's
            raise ValueError("the table is empty")
        return Domain(
            min_date=dt.date.fromisoformat(answer["min_date"]),
            max_date=dt.date.fromisoformat(answer["max_date"]),
            rows=int(answer["rows"]),
            values={d: tuple(answer["values"].get(d, ())) for d in self.schema.dimensions},
        )


API_DATE = "order_date"
API_DIMENSIONS = ("region", "channel", "category", "product")
API_MEASURES = ("revenue", "units")


def api_schema(settings: Settings) -> Schema:
    """The dataset settings, with the reference API's columns for what they leave unset.

    The API contract has no column types to infer from, and it sums only: any
    other aggregation is refused here, naming the setting.
    """
    dataset = settings.dataset
    other = sorted({a for a in dataset.aggregations.values() if a != "sum"})
    if other:
        raise DataSourceError(
            f"The data API aggregates by sum only, not {other}.",
            f"Remove them from {ENV_PREFIX}DATASET__AGGREGATIONS.",
        )
    if dataset.date_column == "":
        raise DataSourceError(
            "The data API filters by a date column.",
            f"Set {ENV_PREFIX}DATASET__DATE_COLUMN to the API's date column.",
        )
    measures = tuple(dataset.measures or API_MEASURES)
    return Schema(
        table=dataset.table,
        date_column=dataset.date_column or API_DATE,
        dimensions=tuple(dataset.dimensions or API_DIMENSIONS),
        measures=measures,
        time_zone=dataset.time_zone,
    )


def connect(settings: Settings) -> RestApiSource:
    """The configured API source (called once per process by ``data.get_source``)."""
    connection = settings.connection
    client = httpx.Client(
        base_url=str(connection.base_url),
        headers={
            "Authorization": f"Bearer {connection.token.get_secret_value()}",
            "Accept": "application/json",
        },
        timeout=httpx.Timeout(
            settings.query_timeout_seconds, connect=connection.connect_timeout_seconds
        ),
        follow_redirects=False,
    )
    try:
        source = RestApiSource(
            client,
            api_schema(settings),
            retries=connection.retries,
            page_size=connection.page_size,
            timeout_seconds=settings.query_timeout_seconds,
            secrets=secret_values(settings),
        )
    except BaseException:
        client.close()  # a failed connect is not cached: do not leak its pool
        raise
    source.use_rollup(rollup_policy(settings))
    return source
