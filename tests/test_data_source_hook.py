"""Unit tests of the post-generation hook's data-source tables and functions (raw, unrendered)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from conftest import TEMPLATE_ROOT, load_hook

hook = load_hook("post_gen_project")
PROJECT = TEMPLATE_ROOT / "{{cookiecutter.project_slug}}"
PACKAGE = "{{cookiecutter.package_name}}"
CHOICES = set(json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())["data_source"])


def test_tables_cover_exactly_the_choices() -> None:
    assert hook.ALL_SOURCES == CHOICES
    assert set(hook.MOVED_FILES) == CHOICES
    assert set(hook.DEPENDENCIES) == CHOICES
    assert set(hook.DEV_DEPENDENCIES) <= CHOICES
    assert set(hook.CONNECTION_SECRETS) == CHOICES - {"duckdb"}
    assert set(hook.SETUP_STEPS) == CHOICES - hook.LOCAL_SAMPLE


def test_first_choice_is_duckdb_and_every_choice_has_a_prompt() -> None:
    context = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())
    assert context["data_source"][0] == "duckdb"
    prompts = context["__prompts__"]["data_source"]
    assert set(prompts) - {"__prompt__"} == CHOICES


@pytest.mark.parametrize("option", sorted(CHOICES))
def test_every_option_has_its_seed_script_and_source(option: str) -> None:
    moves = hook.files_to_move(option, PACKAGE)
    assert moves == {
        f"src/{PACKAGE}/data/seeds/{option}.py": f"src/{PACKAGE}/data/seed.py",
    }
    for source in moves:
        assert (PROJECT / source).is_file()
    assert (PROJECT / "src" / PACKAGE / "data" / f"{option}_source.py").is_file()


def test_the_seed_folder_is_always_removed() -> None:
    for option in CHOICES:
        assert "src/pkg/data/seeds" in hook.files_to_remove(option, "pkg")


def test_move_paths_moves_and_creates_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.py").write_text("x = 1\n")
    hook.move_paths(tmp_path, {"a/x.py": "b/c/y.py"})
    assert (tmp_path / "b" / "c" / "y.py").read_text() == "x = 1\n"
    assert not (tmp_path / "a" / "x.py").exists()


def test_move_paths_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(hook.HookError, match=r"nope\.py is missing"):
        hook.move_paths(tmp_path, {"nope.py": "seed.py"})


PYPROJECT = """[project]
name = "demo"
dependencies = [
    "pandas>=2.2",
]

[project.optional-dependencies]
dev = [
    "pytest>=8",
    "ruff>=0.6",
]
"""


def test_dev_dependencies_go_into_the_dev_extra_only(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(PYPROJECT)
    hook.add_dependencies(pyproject, ("moto[server]>=5.2.5", "boto3>=1.34"), "dev")
    parsed = tomllib.loads(pyproject.read_text())
    assert parsed["project"]["dependencies"] == ["pandas>=2.2"]
    assert parsed["project"]["optional-dependencies"]["dev"] == [
        "boto3>=1.34",
        "moto[server]>=5.2.5",
        "pytest>=8",
        "ruff>=0.6",
    ]


def test_no_dependencies_leave_the_file_untouched(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(PYPROJECT)
    hook.add_dependencies(pyproject, (), "dev")
    assert pyproject.read_text() == PYPROJECT


def test_a_missing_extra_is_a_clear_error(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(PYPROJECT)
    with pytest.raises(hook.HookError, match="no `docs = \\[` list"):
        hook.add_dependencies(pyproject, ("mkdocs",), "docs")


@pytest.mark.parametrize("option", sorted(CHOICES - {"duckdb"}))
def test_connection_secrets_are_a_valid_placeholder_section(option: str) -> None:
    text = hook.connection_secrets(option, "sales_app")
    parsed = tomllib.loads(text)
    assert list(parsed) == ["connections"]
    assert list(parsed["connections"]) == [option]
    section = parsed["connections"][option]
    secrets = {key: value for key, value in section.items() if "password" in key or key == "token"}
    assert all(value == "change-me" for value in secrets.values())
    assert "SALES_APP_CONNECTION__" in text
    assert "python -m sales_app.data.seed" in text
    assert "{" not in text.replace("{}", "")  # every placeholder filled


def test_duckdb_needs_no_connection_section() -> None:
    assert hook.connection_secrets("duckdb", "pkg") == ""


def test_append_text_appends_and_skips_empty(tmp_path: Path) -> None:
    target = tmp_path / "secrets.toml.example"
    target.write_text("[app]\n")
    hook.append_text(target, "")
    hook.append_text(target, "\n[connections.x]\nkey = 1\n")
    assert target.read_text() == "[app]\n\n[connections.x]\nkey = 1\n"


def test_next_steps_list_the_setup_of_the_option() -> None:
    steps = tuple(s.format(package="pkg") for s in hook.SETUP_STEPS["postgres"])
    text = hook.next_steps("demo", "", steps)
    assert "python -m pkg.data.seed" in text
    assert text.index("pip install") < text.index("data.seed") < text.index("streamlit run")
    assert "data.seed" not in hook.next_steps("demo", "Sample data: 1 row.")
