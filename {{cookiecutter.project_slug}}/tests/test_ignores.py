"""``.gitignore`` keeps every spelling of a secrets or env file out of git, and the examples in."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]

IGNORED = [
    ".env",
    ".env.local",
    ".env.production",
    "prod.env",
    "secrets.toml",
    "secrets.prod.toml",
    ".streamlit/secrets.toml",
    ".streamlit/secrets.prod.toml",
    ".streamlit/secrets/db_password",
    "config/secrets.toml",
    "src/app/.env",
]
TRACKED = [
    ".env.example",
    ".streamlit/secrets.toml.example",
    ".streamlit/config.toml",
    "streamlit_app.py",
]


@pytest.fixture(scope="module")
def ignored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bool]:
    """Whether git ignores each path, asked of git itself with the project's .gitignore."""
    repository = tmp_path_factory.mktemp("repository")
    shutil.copy(PROJECT_ROOT / ".gitignore", repository / ".gitignore")
    subprocess.run(["git", "init", "--quiet"], cwd=repository, check=True)
    answer = subprocess.run(
        ["git", "check-ignore", "--no-index", "--verbose", "--non-matching", *IGNORED, *TRACKED],
        cwd=repository,
        capture_output=True,
        text=True,
        check=False,  # exit status 1 just means "some path is not ignored"
    )
    verdicts = {}
    for line in answer.stdout.splitlines():
        source, path = line.split("\t")
        pattern = source.split(":", 2)[2]
        verdicts[path] = bool(pattern) and not pattern.startswith("!")
    return verdicts


@pytest.mark.parametrize("path", IGNORED)
def test_secret_files_are_ignored(ignored: dict[str, bool], path: str) -> None:
    assert ignored[path] is True


@pytest.mark.parametrize("path", TRACKED)
def test_examples_and_config_stay_tracked(ignored: dict[str, bool], path: str) -> None:
    assert ignored[path] is False
