"""Shared test helpers for the template's own tests (not the rendered project's)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from binaryornot.check import is_binary

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]


def load_hook(name: str) -> ModuleType:
    """Import the raw (unrendered) ``hooks/<name>.py`` by path; ``hooks`` is not a package."""
    path = TEMPLATE_ROOT / "hooks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_template_hook_{name}", path)
    assert spec is not None, path
    assert spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- rendering --------------------------------------------------------------------------------


CONTEXT: dict[str, Any] = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text("utf-8"))
CHOICES: dict[str, list[str]] = {
    key: value
    for key, value in CONTEXT.items()
    if isinstance(value, list) and not key.startswith("_")
}


def option_matrix() -> list[dict[str, str]]:
    """The default rendering plus one rendering per value of every choice variable."""
    renderings: list[dict[str, str]] = [{}]
    for key, values in CHOICES.items():
        renderings.extend({key: value} for value in values[1:])
    return renderings


def matrix_id(extra: dict[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in extra.items()) or "default"


def render(output_dir: Path, **extra: str) -> Path:
    """Render the template with ``extra`` answers (no prompts) and return the project."""
    from cookiecutter.main import cookiecutter

    return Path(
        cookiecutter(
            str(TEMPLATE_ROOT),
            no_input=True,
            extra_context=extra,
            output_dir=str(output_dir),
            default_config=True,
        )
    )


def text_files(project: Path) -> list[Path]:
    return [
        path
        for path in sorted(project.rglob("*"))
        if path.is_file() and ".git" not in path.parts and not is_binary(str(path))
    ]


def run(
    command: list[str],
    cwd: Path,
    *,
    env: dict[str, str] | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """Run ``command``; on failure the assertion shows its whole output."""
    result = subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
    return result


def shared_env(project: Path) -> dict[str, str]:
    """Run a rendering's tests in this (shared) environment without installing it."""
    return {"PYTHONPATH": str(project / "src"), "PYTHONDONTWRITEBYTECODE": "1"}


PYTHON = sys.executable


@pytest.fixture(scope="session")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default rendering, made once per session."""
    return render(tmp_path_factory.mktemp("default"))
