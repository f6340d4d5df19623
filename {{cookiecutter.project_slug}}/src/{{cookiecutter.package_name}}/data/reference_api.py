"""The reference data API: the sample dataset served over HTTP, with filters, aggregates and paging.

It defines the small contract the ``rest_api`` data source speaks (documented in
README.md under "Reference API") and serves it to the tests and, for local
development, to the app:

    python -m {{ cookiecutter.package_name }}.data.seed

Put your own API behind the same endpoints, or adapt ``rest_api_source.py`` to yours.

Standard library only; every aggregate is computed in plain Python over rows
kept in date order, which is quick enough for a sample of a few hundred
thousand rows and keeps this server independent of the client it checks.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import hmac
import json
import threading
from collections import defaultdict
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

from . import sample

DATE = "order_date"
DIMENSIONS = ("region", "channel", "category", "product")
MEASURES = ("units", "unit_price", "revenue")
TABLE = "sales"
MAX_PAGE_SIZE = 1000
GRAINS = ("day", "week", "month", "quarter", "year")


class ApiError(Exception):
    """An error answer: HTTP status and a message for the client."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def truncate(day: dt.date, grain: str) -> dt.date:
    """The first day of the ``grain`` period holding ``day`` (weeks start on Monday)."""
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


class Dataset:
    """The sample rows in (date, dimensions) order, and the queries the API answers."""

    def __init__(self, rows: int, seed: int = 7) -> None:
        self.columns = sample.COLUMNS
        self.index = {name: i for i, name in enumerate(self.columns)}
        order = [self.index[DATE], *(self.index[d] for d in DIMENSIONS)]
        self.rows = sorted(sample.rows(rows, seed), key=lambda row: [row[i] for i in order])
        self.dates: list[dt.date] = [cast(dt.date, row[self.index[DATE]]) for row in self.rows]
        self._rollups: dict[str, list[dict[str, Any]]] = {}

    def select(self, query: dict[str, list[str]]) -> list[tuple[Any, ...]]:
        """Rows matching ``start``/``end`` (ISO dates) and ``filter.<dimension>`` values."""
        low, high = 0, len(self.rows)
        if "start" in query:
            low = bisect.bisect_left(self.dates, _date(query, "start"))
        if "end" in query:
            high = bisect.bisect_right(self.dates, _date(query, "end"))
        wanted = []
        for key, values in query.items():
            if key.startswith("filter."):
                dimension = _name(key.removeprefix("filter."), DIMENSIONS, "filter")
                wanted.append((self.index[dimension], set(values)))
        rows = self.rows[low:high]
        for position, allowed in wanted:
            rows = [row for row in rows if row[position] in allowed]
        return rows

    def summary(self, query: dict[str, list[str]]) -> dict[str, Any]:
        rows = self.select(query)
        measures = [_name(m, MEASURES, "measure") for m in query.get("measure", [])]
        return {
            "row_count": len(rows),
            "sums": {m: sum(row[self.index[m]] for row in rows) for m in measures},
        }

    def timeseries(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        measure = self.index[_name(_one(query, "measure"), MEASURES, "measure")]
        grain = _name(_one(query, "grain"), GRAINS, "grain")
        totals: dict[dt.date, float] = defaultdict(float)
        for row in self.select(query):
            totals[truncate(row[self.index[DATE]], grain)] += row[measure]
        return [{"period": day.isoformat(), "value": totals[day]} for day in sorted(totals)]

    def breakdown(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        dimension = self.index[_name(_one(query, "dimension"), DIMENSIONS, "dimension")]
        measure = self.index[_name(_one(query, "measure"), MEASURES, "measure")]
        totals: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        for row in self.select(query):
            totals[row[dimension]] += row[measure]
            counts[row[dimension]] += 1
        ranked = sorted(totals, key=lambda label: (-totals[label], label))
        return [{"label": k, "value": totals[k], "row_count": counts[k]} for k in ranked]

    def rollup(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        """Row count and sums per day and value of ``dimension`` (optional), in that order.

        Kept per query: a client reads it page by page, and the rows never change.
        """
        key = json.dumps({k: v for k, v in query.items() if k not in ("offset", "limit")})
        if key not in self._rollups:
            if len(self._rollups) >= 8:
                self._rollups.clear()
            self._rollups[key] = self._rollup(query)
        return self._rollups[key]

    def _rollup(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        named = query.get("dimension", [])
        dimension = self.index[_name(named[0], DIMENSIONS, "dimension")] if named else None
        measures = [_name(m, MEASURES, "measure") for m in query.get("measure", [])]
        positions = [self.index[m] for m in measures]
        date = self.index[DATE]
        counts: dict[tuple[dt.date, str | None], int] = defaultdict(int)
        sums: dict[tuple[dt.date, str | None], list[float]] = {}
        for row in self.select(query):
            key = (row[date], None if dimension is None else row[dimension])
            counts[key] += 1
            totals = sums.setdefault(key, [0.0] * len(positions))
            for n, position in enumerate(positions):
                totals[n] += row[position]
        return [
            {
                "day": day.isoformat(),
                "label": label,
                "row_count": counts[day, label],
                "sums": dict(zip(measures, sums[day, label], strict=True)),
            }
            for day, label in sorted(counts, key=lambda key: (key[0], str(key[1])))
        ]

    def records(
        self, rows: list[tuple[Any, ...]], query: dict[str, list[str]]
    ) -> list[dict[str, Any]]:
        """``rows`` as JSON objects holding the ``column`` parameters (default: all)."""
        columns = [_name(c, self.columns, "column") for c in query.get("column", self.columns)]
        return [{c: _json_value(row[self.index[c]]) for c in columns} for row in rows]

    def domain(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """Date bounds, row count and values of the rows the filters select (all: none given)."""
        limit = _int(query, "max_values", 1000)
        rows = self.select(query)
        dates = [cast(dt.date, row[self.index[DATE]]) for row in rows]  # rows are in date order
        return {
            "min_date": dates[0].isoformat() if rows else None,
            "max_date": dates[-1].isoformat() if rows else None,
            "rows": len(rows),
            "values": {
                d: sorted({str(row[self.index[d]]) for row in rows})[:limit] for d in DIMENSIONS
            },
        }


def _one(query: dict[str, list[str]], key: str) -> str:
    values = query.get(key)
    if not values:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"missing query parameter {key!r}")
    return values[0]


def _name(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"unknown {what} {value[:100]!r}")
    return value


def _date(query: dict[str, list[str]], key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(_one(query, key))
    except ValueError as error:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"{key} must be an ISO date") from error


def _int(query: dict[str, list[str]], key: str, default: int) -> int:
    try:
        number = int(query.get(key, [default])[0])
    except ValueError as error:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"{key} must be a whole number") from error
    if number < 0:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"{key} must not be negative")
    return number


def _json_value(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def page_of(items: list[Any], query: dict[str, list[str]], page_size: int) -> dict[str, Any]:
    """One page of ``items``: ``offset`` and ``limit`` from the query, at most ``page_size``."""
    offset = _int(query, "offset", 0)
    limit = min(_int(query, "limit", page_size), page_size)
    end = offset + limit
    return {
        "items": items[offset:end],
        "total": len(items),
        "next_offset": end if end < len(items) else None,
    }


class ReferenceServer(ThreadingHTTPServer):
    """The HTTP server; ``fail_next`` makes the next requests fail (to test retries)."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], dataset: Dataset, token: str, page_size: int
    ) -> None:
        super().__init__(address, Handler)
        self.dataset = dataset
        self.token = token
        self.page_size = page_size
        self.requests = 0
        self._failures: list[HTTPStatus] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}"

    def fail_next(self, count: int, status: HTTPStatus = HTTPStatus.SERVICE_UNAVAILABLE) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def next_failure(self) -> HTTPStatus | None:
        with self._lock:
            self.requests += 1
            return self._failures.pop(0) if self._failures else None


class Handler(BaseHTTPRequestHandler):
    server: ReferenceServer
    protocol_version = "HTTP/1.1"  # keep-alive: the client reuses its connections
    # Headers and body go out in two writes; without TCP_NODELAY the second waits
    # for the client's delayed ACK (~40 ms per request on Linux).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        try:
            self._reply(HTTPStatus.OK, self._answer())
        except ApiError as error:
            self._reply(error.status, {"error": error.message})

    def _answer(self) -> dict[str, Any]:
        failure = self.server.next_failure()
        if failure is not None:
            raise ApiError(failure, "injected failure")
        expected = f"Bearer {self.server.token}"
        given = self.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise ApiError(HTTPStatus.UNAUTHORIZED, "missing or wrong bearer token")
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True, max_num_fields=10_000)
        parts = [unquote(part) for part in url.path.strip("/").split("/")]
        dataset, size = self.server.dataset, self.server.page_size
        if parts == ["health"]:
            return {"status": "ok", "rows": len(dataset.rows)}
        if len(parts) < 2 or parts[0] != "v1":
            raise ApiError(HTTPStatus.NOT_FOUND, f"no endpoint {url.path[:100]!r}")
        if parts[1] != TABLE:
            raise ApiError(HTTPStatus.NOT_FOUND, f"no table {parts[1][:100]!r}")
        endpoint = parts[2] if len(parts) == 3 else ""
        if endpoint == "" and len(parts) == 2:
            return {
                "name": TABLE,
                "columns": list(dataset.columns),
                "rows": len(dataset.rows),
                "rollup": True,
            }
        if endpoint == "summary":
            return dataset.summary(query)
        if endpoint == "timeseries":
            return page_of(dataset.timeseries(query), query, size)
        if endpoint == "breakdown":
            return page_of(dataset.breakdown(query), query, size)
        if endpoint == "rollup":
            return page_of(dataset.rollup(query), query, size)
        if endpoint == "rows":
            page = page_of(dataset.select(query), query, size)
            page["items"] = dataset.records(page["items"], query)
            return page
        if endpoint == "domain":
            return dataset.domain(query)
        raise ApiError(HTTPStatus.NOT_FOUND, f"no endpoint {url.path[:100]!r}")

    def _reply(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests and the dev server need no access log."""


def make_server(
    rows: int,
    token: str,
    host: str = "127.0.0.1",
    port: int = 8765,
    page_size: int = MAX_PAGE_SIZE,
) -> ReferenceServer:
    """A server for ``rows`` sample rows that accepts ``Authorization: Bearer <token>``."""
    return ReferenceServer((host, port), Dataset(rows), token, page_size)


@contextlib.contextmanager
def serve(
    rows: int, token: str, host: str = "127.0.0.1", port: int = 0, page_size: int = MAX_PAGE_SIZE
) -> Iterator[ReferenceServer]:
    """Run a server in a background thread (``port=0``: a free port); stop it on exit."""
    server = make_server(rows, token, host, port, page_size)
    thread = threading.Thread(target=server.serve_forever, name="reference api", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
