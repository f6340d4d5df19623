"""Organization defaults: a cookiecutter user config, replay, and rendering from a git URL.

All through the real ``cookiecutter`` CLI, with config files the tests write themselves
(the shape docs/organization-defaults.md documents).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from platform_helpers import (
    TEMPLATE_ROOT,
    base_env,
    choices,
    commit_all,
    cookiecutter,
    git,
    project_dir,
    template_repo,
    tree,
    write_user_config,
)

# Not the first choice of either list, where there is more than one: the config must win.
PYTHON_VERSION = choices("python_version")[-1]
DATA_SOURCE = choices("data_source")[-1]
ORG_DEFAULTS = {
    "author_name": "Platform Team",
    "author_email": "platform@corp.example",
    "python_version": PYTHON_VERSION,
    "data_source": DATA_SOURCE,
    "sample_rows": "1000",
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    return base_env(home)


def org_config(tmp_path: Path, home: Path, **extra: dict[str, str]) -> Path:
    return write_user_config(
        tmp_path / "org-cookiecutter.yaml", home, default_context=ORG_DEFAULTS, **extra
    )


def assert_org_answers(project: Path) -> None:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["authors"] == [
        {"name": "Platform Team", "email": "platform@corp.example"}
    ]
    assert pyproject["project"]["requires-python"] == f">={PYTHON_VERSION}"
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + PYTHON_VERSION.replace(".", "")
    assert (project / "Dockerfile").read_text(encoding="utf-8").count(
        f"FROM python:{PYTHON_VERSION}-slim\n"
    ) == 1
    package = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"][0]
    data_init = (project / package / "data" / "__init__.py").read_text(encoding="utf-8")
    assert f"from .{DATA_SOURCE}_source import connect" in data_init


def test_user_config_default_context_presets_the_answers(
    tmp_path: Path, home: Path, env: dict[str, str]
) -> None:
    config = org_config(tmp_path, home)
    out = tmp_path / "out"
    # No answer on the command line: everything comes from the organization's config.
    cookiecutter(
        env,
        tmp_path,
        str(TEMPLATE_ROOT),
        "--no-input",
        "--config-file",
        str(config),
        "-o",
        str(out),
        "project_name=Org Defaults",
    )
    project = out / "org-defaults"
    assert_org_answers(project)

    # cookiecutter records the answers it used in the replay directory the config names.
    replay = json.loads((home / "replay" / f"{TEMPLATE_ROOT.name}.json").read_text("utf-8"))
    answers = replay["cookiecutter"]
    for key, value in ORG_DEFAULTS.items():
        assert answers[key] == value, key


def test_command_line_answers_override_the_config(
    tmp_path: Path, home: Path, env: dict[str, str]
) -> None:
    config = org_config(tmp_path, home)
    out = tmp_path / "out"
    cookiecutter(
        env,
        tmp_path,
        str(TEMPLATE_ROOT),
        "--no-input",
        "--config-file",
        str(config),
        "-o",
        str(out),
        "author_name=Sales Analytics",
    )
    pyproject = tomllib.loads((out / "sales-insights" / "pyproject.toml").read_text("utf-8"))
    assert pyproject["project"]["authors"] == [
        {"name": "Sales Analytics", "email": "platform@corp.example"}
    ]


def test_replay_renders_the_same_project_again(
    tmp_path: Path, home: Path, env: dict[str, str]
) -> None:
    config = org_config(tmp_path, home)
    first, second = tmp_path / "first", tmp_path / "second"
    cookiecutter(
        env,
        tmp_path,
        str(TEMPLATE_ROOT),
        "--no-input",
        "--config-file",
        str(config),
        "-o",
        str(first),
        "project_name=Replayed App",
        "live_refresh_seconds=30",
    )
    # --replay takes every answer from the replay file: no prompt, no extra context.
    cookiecutter(
        env,
        tmp_path,
        str(TEMPLATE_ROOT),
        "--replay",
        "--config-file",
        str(config),
        "-o",
        str(second),
    )
    rendered, replayed = tree(first / "replayed-app"), tree(second / "replayed-app")
    assert sorted(rendered) == sorted(replayed)
    assert rendered == replayed
    assert "live_refresh_seconds = 30" in replayed[".streamlit/secrets.toml.example"].decode()


@pytest.fixture
def bare_repo(tmp_path: Path, env: dict[str, str]) -> tuple[Path, str]:
    """A bare repository, as on a git host: v0.1.0 tagged at A, then commit B on main."""
    work, _ = template_repo(tmp_path / "template-work", env)
    git(work, env, "tag", "v0.1.0")
    readme = project_dir(work) / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8") + "\nAdded after v0.1.0.\n", encoding="utf-8"
    )
    commit_all(work, env, "After the release")
    bare = tmp_path / "git-host" / "cookiecutter-streamlit-fast.git"
    git(tmp_path, env, "clone", "--quiet", "--bare", str(work), str(bare))
    return bare, "Added after v0.1.0."


def test_render_from_a_git_url_at_a_tag(
    tmp_path: Path, home: Path, env: dict[str, str], bare_repo: tuple[Path, str]
) -> None:
    bare, marker = bare_repo
    url = bare.as_uri()  # file:///.../cookiecutter-streamlit-fast.git
    assert url.startswith("file:///")

    tagged, latest = tmp_path / "tagged", tmp_path / "latest"
    cookiecutter(env, tmp_path, url, "--no-input", "--checkout", "v0.1.0", "-o", str(tagged))
    cookiecutter(env, tmp_path, url, "--no-input", "-o", str(latest))

    assert marker not in (tagged / "sales-insights" / "README.md").read_text("utf-8")
    assert marker in (latest / "sales-insights" / "README.md").read_text("utf-8")
    # cookiecutter cloned into the config's cookiecutters_dir, not into ~/.cookiecutters.
    assert (home / "cookiecutters" / "cookiecutter-streamlit-fast" / "cookiecutter.json").exists()


def test_render_through_an_abbreviation_like_gh(
    tmp_path: Path, home: Path, env: dict[str, str], bare_repo: tuple[Path, str]
) -> None:
    # `gh:org/template` is the built-in abbreviation for https://github.com/{0}.git;
    # an organization defines its own for its git host in the shared config.
    bare, marker = bare_repo
    prefix = bare.parent.as_uri()
    config = org_config(tmp_path, home, abbreviations={"corp": prefix + "/{0}.git"})
    out = tmp_path / "out"
    cookiecutter(
        env,
        tmp_path,
        "corp:cookiecutter-streamlit-fast",
        "--no-input",
        "--config-file",
        str(config),
        "--checkout",
        "v0.1.0",
        "-o",
        str(out),
        "project_name=From Git",
    )
    project = out / "from-git"
    assert_org_answers(project)
    assert marker not in (project / "README.md").read_text(encoding="utf-8")
