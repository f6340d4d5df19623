"""Template updates with cruft: create, update, check and link, on real git repositories.

Each test makes a throwaway git repository of the template's current files (commit A),
generates a project from it, changes the template (commit B) and brings the change into
the project with the real ``cruft`` CLI, non-interactively.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from platform_helpers import (
    TEMPLATE_ROOT,
    base_env,
    commit_all,
    cookiecutter,
    cruft,
    git,
    project_dir,
    template_repo,
    template_version,
)

PROJECT_NAME = "Update Check"
SLUG = "update-check"
PACKAGE = "update_check"
ANSWERS = {"project_name": PROJECT_NAME, "sample_rows": "2000"}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path / "home")


@pytest.fixture
def template(tmp_path: Path, env: dict[str, str]) -> tuple[Path, str]:
    return template_repo(tmp_path / "template", env)


def change_template(template: Path, env: dict[str, str]) -> str:
    """Commit B: a new file, an edited file, a version bump, and a change to the sample data.

    The post-generation hook now also writes ``data/extra.csv``, as a template that changes
    its sample data would: updates must not touch the project's ``data/`` folder.
    """
    project = project_dir(template)
    (project / "docs" / "runbook.md").write_text(
        "# Runbook for {{ cookiecutter.project_name }}\n\nPage the data team.\n",
        encoding="utf-8",
    )
    config = project / ".streamlit" / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[theme]\n# Added by the template at commit B.\nbase = "light"\n',
        encoding="utf-8",
    )
    context_file = template / "cookiecutter.json"
    context = json.loads(context_file.read_text(encoding="utf-8"))
    context["_template_version"] = "99.0.0"
    context_file.write_text(json.dumps(context, indent=2) + "\n", encoding="utf-8")
    hook = template / "hooks" / "post_gen_project.py"
    hook.write_text(
        hook.read_text(encoding="utf-8")
        + '\n(Path.cwd() / "data" / "extra.csv").write_text("new,sample\\n")\n',
        encoding="utf-8",
    )
    return commit_all(template, env, "Template at B")


def init_project_repo(project: Path, env: dict[str, str]) -> None:
    git(project, env, "init", "--quiet", "--initial-branch=main")
    git(project, env, "add", "--all")
    git(project, env, "commit", "--quiet", "--message", "Generated project")


def user_edits(project: Path, env: dict[str, str]) -> dict[Path, str]:
    """The user's own commits: an unrelated file, and the top of a file the template edits too."""
    app = project / "streamlit_app.py"
    app.write_text(
        app.read_text(encoding="utf-8") + "# Our team's addition: keep me.\n",
        encoding="utf-8",
    )
    config = project / ".streamlit" / "config.toml"
    config.write_text(
        "# Team note: reviewed by platform.\n" + config.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    git(project, env, "commit", "--quiet", "--all", "--message", "Our edits")
    return {
        app: "# Our team's addition: keep me.\n",
        config: "# Team note: reviewed by platform.\n",
    }


def assert_updated_to_b(project: Path, env: dict[str, str], commit_b: str) -> None:
    runbook = project / "docs" / "runbook.md"
    assert runbook.read_text(encoding="utf-8").startswith(f"# Runbook for {PROJECT_NAME}\n")
    assert 'base = "light"' in (project / ".streamlit" / "config.toml").read_text("utf-8")
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "streamlit-fast template, version 99.0.0." in readme
    assert "--checkout v99.0.0`" in readme
    state = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert state["commit"] == commit_b
    assert state["context"]["cookiecutter"]["_template_version"] == "99.0.0"
    # The answers given at creation are kept.
    assert state["context"]["cookiecutter"]["project_name"] == PROJECT_NAME
    # data/ is skipped: the hook's new sample file did not arrive.
    assert not (project / "data" / "extra.csv").exists()
    assert not list(project.rglob("*.rej"))
    assert not list(project.rglob("*.orig"))
    check = cruft(env, project, "check")
    assert "up to date" in check.stdout


def test_cruft_update_brings_template_changes_and_keeps_user_edits(
    tmp_path: Path, env: dict[str, str], template: tuple[Path, str]
) -> None:
    repo, commit_a = template
    out = tmp_path / "projects"
    out.mkdir()
    cruft(
        env,
        tmp_path,
        "create",
        str(repo),
        "--output-dir",
        str(out),
        "--no-input",
        "--extra-context",
        json.dumps(ANSWERS),
    )
    project = out / SLUG
    state = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert state["commit"] == commit_a
    assert state["context"]["cookiecutter"]["_template_version"] == template_version()
    # The post-generation hook wrote the sample (data/ is gitignored in the project).
    sample = project / "data" / "sales.parquet"
    sample_bytes = sample.read_bytes()
    assert sample_bytes[:4] == b"PAR1"

    init_project_repo(project, env)
    assert git(project, env, "status", "--porcelain") == ""
    kept = user_edits(project, env)
    # The user replaced the sample with their own data: updates must leave it alone.
    sample.write_bytes(sample_bytes + b"user data")

    commit_b = change_template(repo, env)
    stale = cruft(env, project, "check", check=False)
    assert stale.returncode == 1, stale.stdout + stale.stderr

    cruft(env, project, "update", "--skip-apply-ask")

    assert_updated_to_b(project, env, commit_b)
    for path, line in kept.items():
        assert line in path.read_text(encoding="utf-8"), path
    assert sample.read_bytes() == sample_bytes + b"user data"
    # The update is left for the user to review and commit: exactly the template's changes.
    changed = sorted(
        line.split(maxsplit=1)[1]
        for line in git(project, env, "status", "--porcelain").splitlines()
    )
    assert changed == [
        ".cruft.json",
        ".streamlit/config.toml",
        "README.md",
        "docs/runbook.md",
    ]
    # Once the user commits the update, running it again finds nothing to do.
    git(project, env, "add", "--all")
    git(project, env, "commit", "--quiet", "--message", "Template update")
    again = cruft(env, project, "update", "--skip-apply-ask")
    assert "already up to date" in again.stdout


def test_a_plain_cookiecutter_project_is_linked_then_updated(
    tmp_path: Path, env: dict[str, str], template: tuple[Path, str]
) -> None:
    repo, commit_a = template
    git(repo, env, "tag", "v0.1.0")
    out = tmp_path / "projects"
    out.mkdir()
    cookiecutter(
        env,
        tmp_path,
        str(repo),
        "--no-input",
        "-o",
        str(out),
        *(f"{key}={value}" for key, value in ANSWERS.items()),
    )
    project = out / SLUG
    assert not (project / ".cruft.json").exists()
    init_project_repo(project, env)

    # Link to the release the project was made from, with the answers it was made with.
    cruft(
        env,
        project,
        "link",
        str(repo),
        "--checkout",
        "v0.1.0",
        "--no-input",
        "--extra-context",
        json.dumps(ANSWERS),
    )
    state = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert state["commit"] == commit_a
    # Linked with the right answers, the project is exactly a render of that commit.
    diff = cruft(env, project, "diff", "--exit-code")
    assert "diff --git" not in diff.stdout

    git(project, env, "add", ".cruft.json")
    git(project, env, "commit", "--quiet", "--message", "Link to the template")
    kept = user_edits(project, env)
    commit_b = change_template(repo, env)

    cruft(env, project, "update", "--skip-apply-ask")

    assert_updated_to_b(project, env, commit_b)
    for path, line in kept.items():
        assert line in path.read_text(encoding="utf-8"), path


def test_changelog_names_the_current_template_version(tmp_path: Path, env: dict[str, str]) -> None:
    changelog = (TEMPLATE_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[?(\d+\.\d+\.\d+)\]?", changelog, flags=re.MULTILINE)
    assert versions, "CHANGELOG.md has no '## x.y.z' release headings"
    assert versions[0] == template_version()

    out = tmp_path / "out"
    cookiecutter(
        env,
        tmp_path,
        str(TEMPLATE_ROOT),
        "--no-input",
        "-o",
        str(out),
        "sample_rows=1000",
    )
    readme = (out / "sales-insights" / "README.md").read_text(encoding="utf-8")
    assert f"streamlit-fast template, version {template_version()}." in readme
