"""Extending a generated project keeps its tests green, and still checking.

The default rendering gets the generated README's "Add a page, a chart" recipe
applied as written (each code block into the file its step names, then its
test commands run), plus a page with one widget of every kind the generated
tests know and a renamed slider on the first page. Its whole test suite (the
AppTest, browser, latency and load tests among it) must pass unchanged and
exercise the new widgets.
Pages that break the rules (a widget outside any fragment, a widget that
changes nothing) must then fail those tests with a message naming the widget.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import PYTHON, render, run, shared_env

PACKAGE = "sales_insights"  # the default rendering's package
SECTION = "## Add a page, a chart"
RENAMED = "Period"

WIDGETS_PAGE = '''"""One widget of every kind the generated tests know, each echoed below."""

import datetime as dt

import streamlit as st

from sales_insights import ui

ui.page_header("Widgets", "One widget of every kind")


@st.fragment
def widgets_panel() -> None:
    left, right = st.columns(2)
    with left:
        chosen = {
            "number": st.number_input("Number", 0, 10, 5),
            "check": st.checkbox("Check"),
            "toggle": st.toggle("Toggle"),
            "radio": st.radio("Radio", ["one", "two", "three"]),
            "day": st.date_input("Day", dt.date(2024, 5, 5)),
            "days": st.date_input("Days", (dt.date(2024, 5, 5), dt.date(2024, 5, 9))),
            "time": st.time_input("Time", dt.time(9, 30)),
        }
    with right:
        chosen |= {
            "select": st.selectbox("Select", ["x", "y", "z"]),
            "multi": st.multiselect("Multi", ["p", "q", "r"]),
            "text": st.text_input("Text", "hello"),
            "area": st.text_area("Area", "long"),
            "size": st.select_slider("Size", ["S", "M", "L"], "M"),
            "press": st.button("Press"),
        }
    st.json({name: str(value) for name, value in chosen.items()})


widgets_panel()
'''
# Browser names (data-testid without "st", and label) of what the page above shows.
WIDGETS_SEEN = {
    "NumberInput Number",
    "Checkbox Check",
    "Checkbox Toggle",
    "Radio Radio",
    "DateInput Day",
    "DateInput Days",
    "TimeInput Time",
    "Selectbox Select",
    "MultiSelect Multi",
    "TextInput Text",
    "TextArea Area",
    "Slider Size",
    "Button Press",
}
BAD_PAGES = {  # script: (title, code)
    "bad_full.py": (
        "Full rerun",
        """import streamlit as st

from sales_insights import ui

ui.page_header("Full rerun", "A widget outside any fragment")
size = st.slider("Loose size", 1, 10, 5)
st.metric("Size", size)
""",
    ),
    "bad_idle.py": (
        "Idle",
        """import streamlit as st

from sales_insights import ui

ui.page_header("Idle", "A widget that changes nothing")


@st.fragment
def panel() -> None:
    st.checkbox("Does nothing")
    st.metric("Constant", 1)


panel()
""",
    ),
}


def recipe_steps(readme: str) -> list[tuple[str, str, str]]:
    """``(lead, language, code)`` for each code block of the recipe, in order.

    ``lead`` is the paragraph just before the block: the step that says what to do.
    """
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.finditer(r"((?:[^\n]+\n)+)\n```(\w+)\n(.*?)```", section, re.DOTALL)
    return [(lead.strip(), language, code) for lead, language, code in (b.groups() for b in blocks)]


def add_page(project: Path, entry: str) -> None:
    """Insert a ``PageSpec(...)`` line at the end of the ``PAGES`` tuple."""
    pages = project / "src" / PACKAGE / "pages" / "__init__.py"
    text = pages.read_text(encoding="utf-8")
    start = text.index("PAGES = (")
    end = text.index("\n)", start)
    pages.write_text(text[:end] + "\n" + entry.rstrip("\n") + text[end:], encoding="utf-8")


def apply_recipe(project: Path) -> list[str]:
    """Write each step's code where the step says; return the shell commands it gives."""
    commands = []
    for lead, language, code in recipe_steps((project / "README.md").read_text("utf-8")):
        if language == "bash":
            commands.append(code.strip())
            continue
        target = project / re.findall(r"`(src/[^`]+\.py)`", lead)[-1]
        if "PAGES" in lead:
            add_page(project, code)
        elif lead.split(maxsplit=2)[1] == "Append":
            target.write_text(target.read_text("utf-8").rstrip("\n") + "\n\n\n" + code, "utf-8")
        else:
            assert lead.split(maxsplit=2)[1] == "Create", lead
            assert not target.exists(), target
            target.write_text(code, encoding="utf-8")
    return commands


def rename_first_slider(project: Path) -> str:
    """Give the first slider of the first page another label; return the old one."""
    first = project / "src" / PACKAGE / "pages" / "overview.py"
    text = first.read_text(encoding="utf-8")
    found = re.search(r'\.slider\(\s*"([^"]+)"', text)
    assert found, "the first page has no slider to rename"
    start, end = found.span(1)
    first.write_text(text[:start] + RENAMED + text[end:], encoding="utf-8")
    return found.group(1)


def pytest_run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The project's pytest, which may fail (the caller reads its output)."""
    return subprocess.run(
        [PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args],
        cwd=project,
        env={**os.environ, **shared_env(project)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def extended(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, list[str]]:
    project = render(tmp_path_factory.mktemp("extended"))
    commands = apply_recipe(project)
    (project / "src" / PACKAGE / "pages" / "widgets.py").write_text(WIDGETS_PAGE, "utf-8")
    add_page(project, '    PageSpec("widgets.py", "Widgets", ":material/toggle_on:", "widgets"),')
    return project, rename_first_slider(project), commands


@pytest.fixture(scope="module")
def recipe_run(extended: tuple[Path, str, list[str]]) -> str:
    """The recipe's own test commands, run as written (``-rA`` lists every result)."""
    project, _, commands = extended
    assert commands == ["pytest && pytest -m e2e"], commands
    env = {
        **shared_env(project),
        "PATH": f"{Path(PYTHON).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTEST_ADDOPTS": "-p no:cacheprovider -rA",
    }
    return run(["bash", "-c", commands[0]], project, env=env, timeout=1800).stdout


def test_the_recipe_code_is_clean(extended: tuple[Path, str, list[str]]) -> None:
    project, _, _ = extended
    touched = [
        f"src/{PACKAGE}/views.py",
        f"src/{PACKAGE}/pages/shares.py",
        f"src/{PACKAGE}/pages/__init__.py",
    ]
    ruff = str(Path(PYTHON).parent / "ruff")
    run([ruff, "check", *touched], project)
    run([ruff, "format", "--check", *touched], project)


def test_new_pages_are_tested_without_test_changes(recipe_run: str) -> None:
    for page in ("shares", "widgets"):
        for test in (
            f"tests/test_app.py::test_every_page_renders_without_errors[{page}]",
            f"tests/test_app.py::test_every_widget_takes_new_values[{page}]",
            f"tests/e2e/test_browser.py::test_page_renders_without_errors[{page}]",
            f"tests/e2e/test_browser.py::test_every_widget_reruns_only_its_fragment[{page}]",
        ):
            assert f"PASSED {test}" in recipe_run, test
    summaries = re.findall(r"^=+ (.+) in [\d.]+s", recipe_run, re.MULTILINE)
    assert len(summaries) == 2, summaries  # plain pytest, then the browser tests
    assert not any(re.search(r"failed|error", summary) for summary in summaries), summaries


def test_every_new_widget_was_changed_in_the_browser(
    extended: tuple[Path, str, list[str]], recipe_run: str
) -> None:
    project, old_label, _ = extended
    report = json.loads((project / "test-artifacts" / "e2e" / "latency.json").read_text())
    seen = {(item["page"], item["widget"]) for item in report["interactions"]}
    assert {widget for page, widget in seen if page == "widgets"} == WIDGETS_SEEN
    assert ("shares", "Radio Split by") in seen
    assert ("overview", f"Slider {RENAMED}") in seen
    assert not any(old_label in widget for _, widget in seen), seen


def test_latency_check_and_load_test_pass_with_the_renamed_slider(recipe_run: str) -> None:
    assert "PASSED tests/test_latency.py::" in recipe_run
    load = "tests/test_load.py::test_load_test_runs_sessions_and_stops_by_itself"
    assert f"PASSED {load}" in recipe_run


def test_rule_breaking_pages_fail_with_the_widget_named(
    extended: tuple[Path, str, list[str]], tmp_path: Path
) -> None:
    project = shutil.copytree(
        extended[0], tmp_path / "bad", ignore=shutil.ignore_patterns("test-artifacts")
    )
    for script, (title, code) in BAD_PAGES.items():
        (project / "src" / PACKAGE / "pages" / script).write_text(code, encoding="utf-8")
        url_path = script.removesuffix(".py").replace("_", "-")
        add_page(project, f'    PageSpec("{script}", "{title}", ":material/block:", "{url_path}"),')

    apptest = pytest_run(project, "tests/test_app.py", "-k", "bad")
    assert failed_tests(apptest) == {"test_every_widget_takes_new_values[bad-idle]"}, apptest.stdout
    assert "Idle: checkbox 'Does nothing': none of [True] changed anything" in apptest.stdout

    browser = pytest_run(project, "-m", "e2e", "-k", "bad")
    assert failed_tests(browser) == {
        "test_every_widget_reruns_only_its_fragment[bad-full]",
        "test_every_widget_reruns_only_its_fragment[bad-idle]",
    }, browser.stdout
    assert "Full rerun: Slider 'Loose size' reran the whole page" in browser.stdout
    assert "Idle: Checkbox 'Does nothing': click reran its fragment but changed nothing" in (
        browser.stdout
    )


def failed_tests(done: subprocess.CompletedProcess[str]) -> set[str]:
    return set(re.findall(r"^FAILED \S+::(\S+)", done.stdout, re.MULTILINE))
