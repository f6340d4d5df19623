"""Per-user caching on a real ``streamlit run`` server, with two browser sessions at once.

AppTest gives every run the same session id, so only a real server shows whether
two sessions can meet in one cache entry. Each session of the app below asks a
``per_user=True`` function for its owner from the page script and from a worker
thread started without Streamlit's context; the app writes what it got to a file.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from benchmarks.driver import Session, StreamlitServer

PROJECT_ROOT = Path(__file__).resolve().parents[1]
APP = """
import json
import os
import threading

import streamlit as st

from {{ cookiecutter.package_name }} import cache


@cache.cached_data("user", per_user=True)
def owner() -> str:
    return cache.current_user_key()


answers = {}


def from_worker() -> None:
    try:
        answers["worker"] = owner()
    except cache.NoUserError:
        answers["worker"] = "refused"


thread = threading.Thread(target=from_worker)
thread.start()
thread.join()
answers["page"] = owner()
with open(os.environ["PER_USER_ANSWERS"], "a", encoding="utf-8") as out:
    out.write(json.dumps(answers) + "\\n")
st.write("done")
"""


async def open_two_sessions(url: str) -> list[tuple[str, ...]]:
    async with Session(url, timeout=60) as first, Session(url, timeout=60) as second:
        runs = [await first.open(), await second.open(), await first.open()]
    return [run.errors for run in runs]


def test_two_sessions_never_share_an_entry_and_workers_are_refused(tmp_path: Path) -> None:
    script = tmp_path / "per_user_app.py"
    script.write_text(APP, encoding="utf-8")
    answers = tmp_path / "answers.jsonl"
    path = os.pathsep.join(filter(None, [str(PROJECT_ROOT / "src"), os.environ.get("PYTHONPATH")]))
    env = {"PER_USER_ANSWERS": str(answers), "PYTHONPATH": path}
    with StreamlitServer(script, cwd=tmp_path, env=env) as server:
        errors = asyncio.run(open_two_sessions(server.url))
    assert errors == [(), (), ()]
    first, second, first_again = map(json.loads, answers.read_text("utf-8").splitlines())
    assert first["page"].startswith("session:")
    assert second["page"].startswith("session:")
    assert first["page"] != second["page"]
    assert first_again["page"] == first["page"]  # a session keeps its own entry
    assert [first["worker"], second["worker"], first_again["worker"]] == ["refused"] * 3
