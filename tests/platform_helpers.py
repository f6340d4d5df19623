"""Helpers for the platform tests: git copies of the template, and the real CLIs.

Every command runs as a subprocess, the way a platform team runs it, with a git identity
and a cookiecutter user config of the test's own (so nothing in ``~`` is read or written).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# What a copy of the template leaves out: the repository itself and local caches.
COPY_IGNORE = shutil.ignore_patterns(
    ".git", "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", ".venv"
)


def tool(name: str) -> str:
    """The console script ``name`` of this Python's environment, else the one on PATH."""
    local = BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    assert found, f"{name} is not installed (see requirements-dev.txt)"
    return found


def base_env(home: Path) -> dict[str, str]:
    """The environment for every command: fixed git identity, an isolated cookiecutter config.

    ``COOKIECUTTER_CONFIG`` points cookiecutter (and cruft, which uses cookiecutter's config
    loader) at a file under ``home``, so clones and replay files stay inside the test.
    """
    home.mkdir(parents=True, exist_ok=True)
    config = home / "cookiecutterrc.yaml"
    if not config.exists():
        write_user_config(config, home)
    env = dict(os.environ)
    env.update(
        {
            "COOKIECUTTER_CONFIG": str(config),
            "GIT_AUTHOR_NAME": "Template Tests",
            "GIT_AUTHOR_EMAIL": "template-tests@example.com",
            "GIT_COMMITTER_NAME": "Template Tests",
            "GIT_COMMITTER_EMAIL": "template-tests@example.com",
            "GIT_CONFIG_NOSYSTEM": "1",
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "PRE_COMMIT_HOME": str(home / "pre-commit"),
        }
    )
    return env


def write_user_config(
    path: Path,
    home: Path,
    default_context: dict[str, str] | None = None,
    abbreviations: dict[str, str] | None = None,
) -> Path:
    """A cookiecutter user config file (YAML; JSON is valid YAML, so it is written as JSON)."""
    config: dict[str, object] = {
        "cookiecutters_dir": str(home / "cookiecutters"),
        "replay_dir": str(home / "replay"),
    }
    if default_context:
        config["default_context"] = default_context
    if abbreviations:
        config["abbreviations"] = abbreviations
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


def run(
    args: list[str], cwd: Path, env: dict[str, str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"`{' '.join(args)}` exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    return run(["git", *args], cwd, env).stdout.strip()


def cookiecutter(
    env: dict[str, str], cwd: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "cookiecutter", *args], cwd, env, check=check)


def cruft(
    env: dict[str, str], cwd: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "cruft", *args], cwd, env, check=check)


def copy_template(dest: Path) -> Path:
    """Copy the template's working tree (committed or not) to ``dest``."""
    shutil.copytree(TEMPLATE_ROOT, dest, ignore=COPY_IGNORE)
    return dest


def template_repo(dest: Path, env: dict[str, str]) -> tuple[Path, str]:
    """A throwaway git repository of the template's current files: returns (path, commit)."""
    copy_template(dest)
    git(dest, env, "init", "--quiet", "--initial-branch=main")
    git(dest, env, "add", "--all")
    git(dest, env, "commit", "--quiet", "--message", "Template at A")
    return dest, git(dest, env, "rev-parse", "HEAD")


def commit_all(repo: Path, env: dict[str, str], message: str) -> str:
    git(repo, env, "add", "--all")
    git(repo, env, "commit", "--quiet", "--message", message)
    return git(repo, env, "rev-parse", "HEAD")


def project_dir(template: Path) -> Path:
    """The template's project folder (``{{cookiecutter.project_slug}}``) inside ``template``."""
    (folder,) = [p for p in template.iterdir() if p.name.startswith("{{") and p.is_dir()]
    return folder


def choices(variable: str) -> list[str]:
    """The choice list of ``variable`` in the template's cookiecutter.json."""
    context = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    value = context[variable]
    assert isinstance(value, list), f"{variable} is not a choice variable"
    return value


def template_version() -> str:
    context = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    version = context["_template_version"]
    assert isinstance(version, str), f"_template_version is {version!r}, not a string"
    return version


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative POSIX path -> bytes)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }
