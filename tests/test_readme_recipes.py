"""The generated README's data recipes work exactly as written.

The commands are taken from the rendered README's code blocks, not retyped here:
a recipe that drifts from the code fails this test.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pandas as pd
from conftest import PYTHON, render, run, shared_env

APP_METRICS = (
    "import json\n"
    "from streamlit.testing.v1 import AppTest\n"
    "app = AppTest.from_file('streamlit_app.py', default_timeout=60).run()\n"
    "assert not app.exception, app.exception\n"
    "assert not app.error, [e.value for e in app.error]\n"
    "print(json.dumps({m.label: m.value for m in app.metric}))\n"
)


def code_blocks(readme: Path, heading: str) -> list[str]:
    """The lines of the code blocks in the README section ``heading``."""
    text = readme.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def shell(line: str, project: Path) -> None:
    """Run one README line with this environment's Python as ``python``."""
    command = line.replace("python -m", f"{shlex.quote(PYTHON)} -m", 1)
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=project,
        env={**shared_env(project), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, (line, result.stderr)


def metrics(project: Path) -> dict[str, str]:
    shown = run([PYTHON, "-c", APP_METRICS], project, env=shared_env(project)).stdout
    values: dict[str, str] = json.loads(shown.strip().splitlines()[-1])  # APP_METRICS's print
    return values


def test_use_your_own_data(tmp_path: Path) -> None:
    project = render(tmp_path / "out")
    lines = code_blocks(project / "README.md", "Use your own data")
    assert lines[-1] == "streamlit run streamlit_app.py"  # checked below through AppTest
    target = project / "data" / "your-data.csv"
    target.write_text(
        "Sale Date,Shop,Basket €\n2024-03-01 09:30,Nord,12.5\n2024-03-01 18:00,Sud,7.5\n"
        "2024-03-02 11:00,Nord,3\n",
        encoding="utf-8",
    )
    before = target.read_bytes()
    for line in lines[:-1]:
        shell(line, project)
    shown = metrics(project)
    assert shown["Rows"] == "3"
    assert shown["Total Basket €"] == "23"
    assert target.read_bytes() == before


def test_add_a_measure(tmp_path: Path) -> None:
    project = render(tmp_path / "out", sample_rows="1000")
    lines = code_blocks(project / "README.md", "Add a measure")
    (project / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    sample = pd.read_parquet(project / "data" / "sales.parquet")
    shown = metrics(project)
    assert shown["Highest unit price"] == f"{sample['unit_price'].max():,.2f}"
    assert "Total revenue" in shown
