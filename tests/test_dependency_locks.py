"""Every rendering ships a uv.lock of exactly its dependencies, current with its pyproject.toml.

The template keeps one lock per set of answers that changes the dependencies
(``{{cookiecutter.project_slug}}/locks/``, written by ``scripts/lock_dependencies.py``);
the post-generation hook puts the right one in place under the project's own name.
``uv lock --check`` fails when a dependency changed and the locks were not refreshed.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from conftest import PYTHON, TEMPLATE_ROOT, lock_dependencies, render, run
from conftest import post_gen_project as post_gen

LOCKS = TEMPLATE_ROOT / "{{cookiecutter.project_slug}}" / "locks"


def test_every_shipped_lock_is_current_with_its_rendering(tmp_path: Path) -> None:
    """Each lock against the project rendered with its answers (the script's --check)."""
    result = run([PYTHON, "scripts/lock_dependencies.py", "--check"], TEMPLATE_ROOT)
    assert result.returncode == 0
    # One lock per set of answers with its own dependencies, and no lock left over.
    expected = set(lock_dependencies.answer_sets())
    assert {f"locks/{path.name}" for path in LOCKS.iterdir()} == expected


@pytest.mark.parametrize(
    ("answers", "slug"),
    [
        ({"project_name": "Café Ünïcode Dashboard"}, "cafe-unicode-dashboard"),
        (
            {"project_name": "It's Ops", "project_slug": "ops-42", "python_version": "3.13"},
            "ops-42",
        ),
        ({"project_name": "Zebra Board", "data_source": "rest_api"}, "zebra-board"),
    ],
)
def test_the_lock_carries_the_projects_own_name(
    answers: dict[str, str], slug: str, tmp_path: Path
) -> None:
    project = render(tmp_path, sample_rows="1000", **answers)
    lock = tomllib.loads((project / "uv.lock").read_text("utf-8"))
    (own,) = [package for package in lock["package"] if package["source"] == {"editable": "."}]
    assert own["name"] == slug
    assert not (project / "locks").exists()
    python = lock_dependencies.interpreter(answers.get("python_version", "3.11"))
    result = run([PYTHON, "-m", "uv", "lock", "--check", "--offline", "--python", python], project)
    assert re.search(r"Resolved \d+ packages", result.stderr), result.stderr


LOCK_TEXT = """version = 1

[[package]]
name = "{name}"
version = "0.1.0"
source = {{ editable = "." }}
"""


@pytest.mark.parametrize(
    ("template_lock", "error"),
    [
        (None, "locks/duckdb-py3.11.lock is missing from the template"),
        ("version = 1\n", "has no single entry for the project itself"),
        (LOCK_TEXT.format(name="other-name"), "has no single entry for the project itself"),
        (LOCK_TEXT.format(name=post_gen.LOCKED_NAME) * 2, "has no single entry for the project"),
        (LOCK_TEXT.format(name=post_gen.LOCKED_NAME), None),
    ],
)
def test_place_lock_refuses_a_lock_it_cannot_name(
    template_lock: str | None, error: str | None, tmp_path: Path
) -> None:
    lock = post_gen.lock_file("duckdb", "none", "3.11", False)
    if template_lock is not None:
        (tmp_path / "locks").mkdir()
        (tmp_path / lock).write_text(template_lock, encoding="utf-8")
    if error is None:
        post_gen.place_lock(tmp_path, lock, "my-app")
        assert (tmp_path / "uv.lock").read_text("utf-8") == LOCK_TEXT.format(name="my-app")
    else:
        with pytest.raises(post_gen.HookError, match=re.escape(error)):
            post_gen.place_lock(tmp_path, lock, "my-app")
        assert not (tmp_path / "uv.lock").exists()


@pytest.mark.parametrize(
    ("answers", "lock"),
    [
        (("duckdb", "none", "3.11", False), "locks/duckdb-py3.11.lock"),
        # A sign-in option without requirements of its own shares auth=none's lock.
        (("postgres", "trusted_header", "3.12", False), "locks/postgres-py3.12.lock"),
        (("s3", "oidc", "3.13", True), "locks/s3-oidc-py3.13.lock"),
    ],
)
def test_lock_file_names_the_answers_that_change_dependencies(
    answers: tuple[str, str, str, bool], lock: str
) -> None:
    assert post_gen.lock_file(*answers) == lock
