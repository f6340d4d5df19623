"""The real app on files it has never seen: right numbers or its own message, never a crash.

Each case writes a small file a team might drop into ``DATA_PATH`` and opens
every page through the router with AppTest. Every page must run without an
exception; where the data is usable the Rows figure must match a count made
here by hand, and where it is not the page must name the setting that fixes it.
The user's file must be byte for byte what it was.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from app_pages import run_every_page
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }}.data import MISSING
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX


def csv(text: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / "data.csv"
        path.write_bytes(text.encode(encoding))
        return path

    return write


def parquet(select: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / "data.parquet"
        duckdb.sql(select).write_parquet(str(path))
        return path

    return write


def binary(folder: Path) -> Path:
    path = folder / "data.csv"
    path.write_bytes(bytes(range(256)) * 40)
    return path


def broken_parquet(folder: Path) -> Path:
    path = folder / "data.parquet"
    path.write_bytes(b"PAR1 and then nothing a reader could use")
    return path


# name: (writer, extra settings, expected Rows on the first page, or the text of its message)
CASES: dict[str, tuple[Callable[[Path], Path], dict[str, str], str]] = {
    "one row": (csv("day,region,amount\n2024-05-01,North,3.5\n"), {}, "1"),
    "one date": (csv("day,region,amount\n2024-05-01,N,1\n2024-05-01,S,2\n"), {}, "2"),
    "no rows (header only)": (csv("day,region,amount\n"), {}, "no rows"),
    "no rows (empty parquet)": (
        parquet("SELECT DATE '2024-01-01' AS day, 1.0 AS amount LIMIT 0"),
        {},
        "no rows",
    ),
    "latin-1": (
        csv("Date,Région,Montant\n2024-01-01,Île,1\n2024-01-02,Corse,2\n", "latin-1"),
        {},
        "2",
    ),
    "decimal commas": (csv("Datum;Ort;Wert\n2024-01-01;A;1,5\n2024-01-03;B;2,5\n"), {}, "2"),
    "no date column": (csv("city,people\nParis,2100000\nLyon,520000\nNice,340000\n"), {}, "3"),
    "all dates missing": (
        parquet("SELECT CAST(NULL AS DATE) AS day, 'N' AS region, 1.0 AS amount FROM range(2)"),
        {},
        "None of the 2 rows has a 'day'",
    ),
    "an empty column pinned as the date": (
        csv("day,region,amount\n,N,1\n,S,2\n"),
        {"DATASET__DATE_COLUMN": "day"},
        "None of the 2 rows has a 'day'",
    ),
    "timestamps at noon": (
        parquet(
            "SELECT TIMESTAMP '2024-03-01 12:00' + INTERVAL (i) HOUR AS seen_at, "
            "CASE WHEN i % 3 = 0 THEN NULL ELSE 'x' || (i % 2) END AS kind, i AS n "
            "FROM range(72) t(i)"
        ),
        {},
        "72",
    ),
    "odd column names": (
        csv('"Order Date","select","Région ""N""",Total €\n2024-01-01,a,b,1\n2024-01-02,a,c,2\n'),
        {},
        "2",
    ),
    "text date column that is not ISO": (
        csv("when,amount\nyesterday,1\ntoday,2\n"),
        {"DATASET__DATE_COLUMN": "when"},
        "DATASET__DATE_COLUMN",
    ),
    "integer date column": (
        csv("year,amount\n2023,1\n2024,2\n"),
        {"DATASET__DATE_COLUMN": "year"},
        "DATASET__DATE_COLUMN",
    ),
    "measure that is text": (
        csv("day,name\n2024-01-01,a\n"),
        {"DATASET__MEASURES": "name"},
        "DATASET__MEASURES",
    ),
    "corrupt parquet": (broken_parquet, {}, "not a valid Parquet file"),
    "tab separated, dot decimals": (csv("day\tshop\tamount\n2024-01-01\ta\t1.5\n"), {}, "1"),
    "utf-16 with a byte-order mark": (
        csv("day,shop,amount\n2024-01-01,a,1.5\n2024-01-02,b,2\n", "utf-16"),
        {},
        "2",
    ),
    "binary file named .csv": (binary, {}, "not a text file"),
    "no numeric column": (csv("day,city\n2024-01-01,Paris\n2024-01-02,Lyon\n"), {}, "2"),
    "a column named rows": (csv("day,rows,amount\n2024-01-01,a,1\n2024-01-02,b,2\n"), {}, "2"),
    "text columns only": (csv("name,note\nAda,x\nBob,y\nCy,z\n"), {}, "3"),
    "empty DATA_PATH": (csv("day,amount\n2024-01-01,1\n"), {"DATA_PATH": ""}, "is empty"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_page_on_a_new_file(
    case: str, app: AppTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write, extra, expected = CASES[case]
    folder = tmp_path / "theirs"
    folder.mkdir()
    path = write(folder)
    before = path.read_bytes()
    monkeypatch.setenv(f"{ENV_PREFIX}DATA_PATH", str(path))
    for name, value in extra.items():
        monkeypatch.setenv(ENV_PREFIX + name, value)
    errors = run_every_page(app, pages=1)  # asserts: no exception, a Retry beside any error
    shown = errors[0] + " ".join(info.value for info in app.info)
    rows = {metric.label: metric.value for metric in app.metric}.get("Rows")
    if expected.isdigit():
        assert not errors[0], errors[0]
        assert rows == expected
    else:
        assert expected in shown, shown
    run_every_page(app)  # and every other page
    assert path.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [path.name]  # nothing written beside it


def test_the_page_says_what_it_inferred(
    app: AppTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = csv("when,team,score\n2024-01-01,a,1\n2024-01-02,b,2\n,a,3\n")(tmp_path)
    monkeypatch.setenv(f"{ENV_PREFIX}DATA_PATH", str(path))
    run_every_page(app, pages=1)
    captions = " ".join(caption.value for caption in app.caption)
    assert "date column **when**" in captions
    assert "DATASET__" in captions
    assert ".data.describe" in captions
    assert "1 row has no 'when'" in captions


def test_missing_values_can_be_selected(
    app: AppTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = csv("day,team,score\n2024-01-01,a,1\n2024-01-02,,2\n2024-01-03,,4\n")(tmp_path)
    monkeypatch.setenv(f"{ENV_PREFIX}DATA_PATH", str(path))
    run_every_page(app, pages=1)
    focus = app.multiselect[0]
    assert MISSING in focus.options
    focus.select(MISSING).run()
    assert {m.label: m.value for m in app.metric}["Rows"] == "2"


def test_a_replaced_file_shows_new_numbers_on_the_next_run(
    app: AppTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = csv("day,team,score\n2024-01-01,a,1\n2024-01-02,b,2\n")(tmp_path)
    monkeypatch.setenv(f"{ENV_PREFIX}DATA_PATH", str(path))
    run_every_page(app, pages=1)
    assert {m.label: m.value for m in app.metric}["Rows"] == "2"
    path.write_text("day,team,score\n2024-01-01,a,1\n2024-01-02,b,2\n2024-01-02,c,3\n")
    later = time.time() + 5  # a new modification time even on coarse file systems
    os.utime(path, (later, later))
    app.run()
    assert {m.label: m.value for m in app.metric}["Rows"] == "3"
