"""Shared test helpers for the template's own tests (not the rendered project's)."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from binaryornot.check import is_binary
from pytest_cookies.plugin import Cookies, Result

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """Point pytest-cookies' ``cookies`` fixture at this template wherever pytest runs."""
    if config.option.template in {".", str(Path.cwd())}:
        config.option.template = str(TEMPLATE_ROOT)


def load_script(relative: str) -> ModuleType:
    """Import one of the template's raw (unrendered) scripts by path, e.g. ``hooks/x.py``:
    neither ``hooks`` nor ``scripts`` is a package, and cookiecutter runs the hooks as files."""
    path = TEMPLATE_ROOT / relative
    spec = importlib.util.spec_from_file_location(f"_template_{path.stem}", path)
    assert spec is not None, path
    assert spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The tests use these through their real types: mypy reads the same files on its mypy_path
# (mypy.ini), so a test that calls a hook or script wrongly fails the type check.
if TYPE_CHECKING:
    import lock_dependencies as lock_dependencies
    import post_gen_project as post_gen_project
    import pre_gen_project as pre_gen_project
    import reserved_names as reserved_names
else:
    pre_gen_project = load_script("hooks/pre_gen_project.py")
    post_gen_project = load_script("hooks/post_gen_project.py")
    lock_dependencies = load_script("scripts/lock_dependencies.py")
    reserved_names = load_script("scripts/reserved_names.py")


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


def bake(output_dir: Path, **extra: str) -> Result:
    """Bake the template into ``output_dir`` with pytest-cookies, as a team's CI would.

    ``Cookies.bake`` is what the ``cookies`` fixture calls: it renders the context itself
    (outside cookiecutter's import-path patch) and then calls ``cookiecutter()``. Its
    config file replaces the user's ~/.cookiecutterrc.
    """
    config = output_dir.parent / f"{output_dir.name}-cookiecutter-config.yaml"
    config.write_text(
        f"cookiecutters_dir: {json.dumps(str(output_dir.parent / 'cookiecutters'))}\n"
        f"replay_dir: {json.dumps(str(output_dir.parent / 'replay'))}\n",
        encoding="utf-8",
    )

    def output_factory(_name: str) -> Path:
        output_dir.mkdir(parents=True, exist_ok=True)
        return output_dir

    return Cookies(str(TEMPLATE_ROOT), output_factory, config).bake(extra_context=extra)


def render(output_dir: Path, **extra: str) -> Path:
    """Bake the template with ``extra`` answers (no prompts) and return the project."""
    return project_of(bake(output_dir, **extra))


def project_of(result: Result) -> Path:
    """The project a bake made; a failed bake fails the test with cookiecutter's error."""
    project = result.project_path
    assert result.exit_code == 0, f"baking failed: {result.exception!r}"
    assert project is not None
    return project


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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]  # an AF_INET address is (host, port)
        return port


@pytest.fixture(scope="session")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default rendering, made once per session."""
    return render(tmp_path_factory.mktemp("default"))
