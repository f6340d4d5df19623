"""Unit tests of the post-generation hook's data-source tables and functions (raw, unrendered)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TEMPLATE_ROOT
from conftest import post_gen_project as hook

PROJECT = TEMPLATE_ROOT / "{{cookiecutter.project_slug}}"
PACKAGE = "{{cookiecutter.package_name}}"
CHOICES = set(json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())["data_source"])


def test_tables_cover_exactly_the_choices() -> None:
    assert hook.ALL_SOURCES == CHOICES
    assert set(hook.MOVED_FILES) == CHOICES


def test_first_choice_is_duckdb_and_every_choice_has_a_prompt() -> None:
    context = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())
    assert context["data_source"][0] == "duckdb"
    prompts = context["__prompts__"]["data_source"]
    assert set(prompts) - {"__prompt__"} == CHOICES


@pytest.mark.parametrize("option", sorted(CHOICES))
def test_every_option_has_its_seed_script_fixtures_and_source(option: str) -> None:
    moves = hook.files_to_move(option, PACKAGE)
    connection = {f"src/{PACKAGE}/connections/{option}.py": f"src/{PACKAGE}/connection.py"}
    fixtures = {  # one fixture file serves every engine the tests start a server of
        "duckdb": "duckdb",
        "postgres": "local_server",
        "snowflake": "local_server",
        "s3": "local_server",
        "rest_api": "rest_api",
    }
    assert moves == {
        f"src/{PACKAGE}/data/seeds/{option}.py": f"src/{PACKAGE}/data/seed.py",
        f"tests/engines/{fixtures[option]}.py": "tests/engine.py",
        **(connection if option != "duckdb" else {}),  # local files need no connection
    }
    for source in moves:
        assert (PROJECT / source).is_file()
    assert (PROJECT / "src" / PACKAGE / "data" / f"{option}_source.py").is_file()


def test_the_per_option_folders_are_always_removed() -> None:
    for option in CHOICES:
        removed = hook.files_to_remove(option, "pkg")
        assert {"src/pkg/data/seeds", "src/pkg/connections", "tests/engines"} <= set(removed)


def test_move_paths_moves_and_creates_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.py").write_text("x = 1\n")
    hook.move_paths(tmp_path, {"a/x.py": "b/c/y.py"})
    assert (tmp_path / "b" / "c" / "y.py").read_text() == "x = 1\n"
    assert not (tmp_path / "a" / "x.py").exists()


def test_move_paths_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(hook.HookError, match=r"nope\.py is missing"):
        hook.move_paths(tmp_path, {"nope.py": "seed.py"})


def test_next_steps_point_a_server_option_to_its_setup() -> None:
    text = hook.next_steps("demo", "", connects=True)
    assert (
        text.index("pip install") < text.index('"Run" in README.md') < text.index("streamlit run")
    )
    assert "README.md" not in hook.next_steps("demo", "Sample data: 1 row.")
