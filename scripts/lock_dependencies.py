"""Refresh the uv.lock files the template ships, one per set of answers with its own dependencies.

A generated project's lock must hold exactly its dependencies: the data source's and the
sign-in option's (the post-generation hook adds them to pyproject.toml) under its
``requires-python`` (the python_version answer). The hook names the lock each set of
answers uses (``lock_file``). Every set is rendered with the name the locks carry
(``LOCKED_NAME``), locked with uv starting from the shipped lock (so only what the
dependencies' change forces moves; ``--upgrade`` takes the newest versions), and stored
in ``{{cookiecutter.project_slug}}/locks/``. The hook renames the project's own entry.

Usage: python scripts/lock_dependencies.py [--upgrade]   (needs the package index)
       python scripts/lock_dependencies.py --check       (offline: every lock is current)
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
PROJECT_TEMPLATE = TEMPLATE_ROOT / "{{cookiecutter.project_slug}}"
# A lock that satisfies nothing, so uv resolves from scratch: only for a set of answers
# that has no lock yet (a new option or Python version), so that the hook can run.
EMPTY_LOCK = """version = 1
requires-python = ">={python}"

[[package]]
name = "{name}"
version = "0.1.0"
source = {{ editable = "." }}
"""


# The post-generation hook's names (it is no module: cookiecutter renders it as a file).
HOOK = runpy.run_path(str(TEMPLATE_ROOT / "hooks" / "post_gen_project.py"))


def answer_sets() -> dict[str, dict[str, str]]:
    """One set of answers per lock file (``locks/...``), over every choice that has one."""
    context = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    answers: dict[str, dict[str, str]] = {}
    for source, auth, python in itertools.product(
        context["data_source"], context["auth"], context["python_version"]
    ):
        answers.setdefault(
            HOOK["lock_file"](source, auth, python, any(context["_requirements"][auth].values())),
            {"data_source": source, "auth": auth, "python_version": python},
        )
    return answers


def interpreter(version: str) -> str:
    """A Python ``version`` for uv, which wants one that requires-python allows."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"))
    return str(found[-1]) if found else f"python{version}"


def uv(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "uv", *args], cwd=project, capture_output=True, text=True
    )


def template_copy(work: Path, locks: list[str]) -> Path:
    """A copy of the template in which every lock exists (empty if it is new)."""
    copy = work / "template"
    shutil.copytree(
        TEMPLATE_ROOT,
        copy,
        ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", ".ruff_cache"),
    )
    for lock in locks:
        path = copy / PROJECT_TEMPLATE.name / lock
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            python = lock.rsplit("-py", 1)[1].removesuffix(".lock")
            path.write_text(EMPTY_LOCK.format(python=python, name=HOOK["LOCKED_NAME"]), "utf-8")
    return copy


def projects() -> Iterator[tuple[str, dict[str, str], Path]]:
    """Each lock's name, its answers, and a project rendered with them."""
    sets = answer_sets()
    with tempfile.TemporaryDirectory(prefix="locks-") as tmp:
        work = Path(tmp)
        template = template_copy(work, list(sets))
        for number, (lock, answers) in enumerate(sets.items()):
            project = cookiecutter(
                str(template),
                no_input=True,
                output_dir=str(work / str(number)),
                extra_context={
                    **answers,
                    "project_slug": HOOK["LOCKED_NAME"],
                    "sample_rows": "1000",
                },
            )
            yield lock, answers, Path(project)


def refresh(upgrade: bool) -> int:
    for lock, answers, project in projects():
        python = interpreter(answers["python_version"])
        result = uv(project, "lock", "--quiet", "--python", python, *(["--upgrade"] * upgrade))
        if result.returncode:
            print(f"{lock}: uv lock failed\n{result.stderr}", file=sys.stderr)
            return 1
        (PROJECT_TEMPLATE / lock).parent.mkdir(exist_ok=True)
        shutil.copyfile(project / "uv.lock", PROJECT_TEMPLATE / lock)
        print(lock)
    return 0


def check() -> int:
    stale = []
    for lock, answers, project in projects():
        python = interpreter(answers["python_version"])
        result = uv(project, "lock", "--check", "--offline", "--python", python)
        if result.returncode:
            stale.append(f"{lock}: {result.stderr.strip()}")
    for line in stale:
        print(line, file=sys.stderr)
    if stale:
        print("Refresh them: python scripts/lock_dependencies.py", file=sys.stderr)
    return 1 if stale else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--upgrade", action="store_true", help="take the newest versions")
    mode.add_argument("--check", action="store_true", help="fail if a lock is out of date")
    arguments = parser.parse_args()
    return check() if arguments.check else refresh(arguments.upgrade)


if __name__ == "__main__":
    sys.exit(main())
