"""The ``dataset_path`` answer: a duckdb project that opens on the team's own file.

The pre-generation check refuses a path that cannot be the data (one line, no
directory); the post-generation hook infers the columns with the project's own
``data.describe`` and writes them to ``.env``; the team's file is only read.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from conftest import PYTHON, bake, render, run, shared_env
from conftest import pre_gen_project as pre_gen

CSV = "Order Date;Région;Température;id\n2024-01-01 10:00;Nord;1,5;1\n2024-01-01 23:00;Sud;2,5;2\n"


def fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
    }


@pytest.fixture
def their_data(tmp_path: Path) -> Path:
    folder = tmp_path / "theirs"
    folder.mkdir()
    (folder / "measurements.csv").write_text(CSV, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("value", "source", "rule"),
    [
        ("", "duckdb", None),
        ("{data}/measurements.csv", "duckdb", None),
        ("{data}/*.csv", "duckdb", None),
        ("{data}", "duckdb", None),
        ("measurements.csv", "duckdb", "must be an absolute path"),
        ("{data}/missing.csv", "duckdb", "must name an existing"),
        ("{data}/*.parquet", "duckdb", "must name an existing"),
        ("{data}/measurements.csv", "postgres", "is for data_source=duckdb"),
        ("{empty}", "duckdb", "must name an existing"),
    ],
)
def test_pre_gen_check(
    their_data: Path, tmp_path: Path, value: str, source: str, rule: str | None
) -> None:
    (tmp_path / "empty").mkdir()
    path = value.format(data=their_data, empty=tmp_path / "empty")
    if rule is None:
        pre_gen.check_dataset_path(path, source)
    else:
        with pytest.raises(pre_gen.AnswerError, match=rule):
            pre_gen.check_dataset_path(path, source)


def test_the_project_opens_on_their_file(their_data: Path, tmp_path: Path) -> None:
    their_data.chmod(0o555)  # a read-only folder (root can still write: checked below)
    before = fingerprint(their_data)
    project = render(tmp_path / "out", dataset_path=str(their_data / "measurements.csv"))
    assert fingerprint(their_data) == before  # nothing written, moved or touched
    assert not list((project / "data").glob("sales.*"))  # no sample: their data instead
    env = (project / ".env").read_text(encoding="utf-8")
    assert f"SALES_INSIGHTS_DATA_PATH='{their_data / 'measurements.csv'}'" in env
    assert "SALES_INSIGHTS_DATASET__DATE_COLUMN='Order Date'" in env
    assert "SALES_INSIGHTS_DATASET__MEASURES='[\"Température\"]'" in env
    script = (
        "from streamlit.testing.v1 import AppTest\n"
        "app = AppTest.from_file('streamlit_app.py', default_timeout=60).run()\n"
        "assert not app.exception, app.exception\n"
        "print({m.label: m.value for m in app.metric})\n"
    )
    shown = run([PYTHON, "-c", script], project, env=shared_env(project)).stdout
    assert "'Rows': '2'" in shown
    assert "'Mean Température': '2'" in shown
    assert fingerprint(their_data) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PAR1 and nothing else", "must hold valid Parquet files"),  # pre_gen: magic bytes
        (b"PAR1" + b"\0" * 64 + b"PAR1", "not a valid Parquet file"),  # post_gen: the reader
    ],
    ids=["no-footer", "corrupt-inside"],
)
def test_a_file_that_is_not_data_stops_generation(
    tmp_path: Path, content: bytes, message: str
) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(content)
    out = tmp_path / "out"
    result = bake(out, dataset_path=str(broken))
    assert result.exit_code != 0
    assert not out.exists() or not any(out.iterdir())
    cli = subprocess.run(
        [
            PYTHON,
            "-m",
            "cookiecutter",
            str(Path(__file__).parents[1]),
            "--no-input",
            "-o",
            str(tmp_path / "cli"),
            f"dataset_path={broken}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode != 0
    assert message in cli.stderr
    assert not (tmp_path / "cli").exists() or not any((tmp_path / "cli").iterdir())
