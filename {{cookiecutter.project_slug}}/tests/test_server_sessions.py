"""Sessions on a real ``streamlit run`` server: what one viewer can do to another's data.

AppTest gives every run the same session id and has no websocket, so only a real
server shows whether two sessions can meet in one cache entry, or whether one
viewer's "clear cache" request empties the caches every session shares. The small
apps below write what they computed to a file, one JSON line per run.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg

from {{ cookiecutter.package_name }}.settings import ENV_PREFIX

from benchmarks.driver import Session, StreamlitServer

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PER_USER_APP = """
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
with open(os.environ["ANSWERS"], "a", encoding="utf-8") as out:
    out.write(json.dumps(answers) + "\\n")
st.write("done")
"""
SHARED_CACHE_APP = """
import json
import os
import time

import streamlit as st

from {{ cookiecutter.package_name }} import cache, ui

ui.load_settings()  # what streamlit_app.py does first: guards Streamlit's cache clearing


@cache.cached_data("queries")
def computed_at() -> int:
    return time.perf_counter_ns()


with open(os.environ["ANSWERS"], "a", encoding="utf-8") as out:
    out.write(json.dumps({"computed_at": computed_at()}) + "\\n")
st.write("done")
"""


def serve(app: str, tmp_path: Path, **settings: str) -> tuple[StreamlitServer, Path]:
    """A server for ``app`` (not started) and the file its runs write their answers to."""
    script = tmp_path / "app.py"
    script.write_text(app, encoding="utf-8")
    answers = tmp_path / "answers.jsonl"
    path = os.pathsep.join(filter(None, [str(PROJECT_ROOT / "src"), os.environ.get("PYTHONPATH")]))
    env = {"ANSWERS": str(answers), "PYTHONPATH": path}
    env.update({ENV_PREFIX + name: value for name, value in settings.items()})
    return StreamlitServer(script, cwd=tmp_path, env=env), answers


def read(answers: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in answers.read_text("utf-8").splitlines()]


async def first_second_first(url: str) -> list[tuple[str, ...]]:
    # No sign-in headers (a sign-in option's tests send them): two strangers' tabs.
    first, second = Session(url, timeout=60, headers={}), Session(url, timeout=60, headers={})
    async with first, second:
        runs = [await first.open(), await second.open(), await first.open()]
    return [run.errors for run in runs]


def test_two_sessions_never_share_an_entry_and_workers_are_refused(tmp_path: Path) -> None:
    server, answers = serve(PER_USER_APP, tmp_path)
    with server:
        errors = asyncio.run(first_second_first(server.url))
    assert errors == [(), (), ()]
    first, second, first_again = read(answers)
    assert first["page"] != second["page"]
    assert str(first["page"]).startswith("session:")
    assert str(second["page"]).startswith("session:")
    assert first_again["page"] == first["page"]  # a session keeps its own entry
    assert [first["worker"], second["worker"], first_again["worker"]] == ["refused"] * 3


async def clear_from_a_second_session(url: str) -> list[tuple[str, ...]]:
    """The first session runs; a second one asks Streamlit to clear the cache; the first reruns."""
    async with Session(url, timeout=60) as viewer, Session(url, timeout=60) as other:
        runs = [await viewer.open(), await other.open()]
        assert other._ws is not None
        # What the "C" key or the app menu sends; the rerun after it is handled after it.
        await other._ws.send(BackMsg(clear_cache=True).SerializeToString())
        runs += [await other.open(), await viewer.open()]
    return [run.errors for run in runs]


@pytest.mark.parametrize(
    ("settings", "cleared"),
    [
        ({}, False),  # the default: nobody is an operator
        ({"DEV_PANEL": "true", "OPERATORS": "ops@example.com"}, False),  # not signed in
        ({"DEV_PANEL": "true"}, True),  # local development: everyone may
    ],
)
def test_streamlit_cache_clearing_is_for_operators_only(
    tmp_path: Path, settings: dict[str, str], cleared: bool
) -> None:
    server, answers = serve(SHARED_CACHE_APP, tmp_path, **settings)
    with server:
        errors = asyncio.run(clear_from_a_second_session(server.url))
    assert errors == [(), (), (), ()]
    before, shared, after_clear, viewer_again = (run["computed_at"] for run in read(answers))
    assert before == shared  # one entry, shared by both sessions
    assert (after_clear != before) is cleared
    assert viewer_again == after_clear
