"""The generated project's CI workflow, pre-commit configuration, Dockerfile and deploy guide.

There is no Docker engine and no route to GitHub here, so each file is checked with the
tools that do run offline: the GitHub workflow JSON schema (check-jsonschema's vendored
copy), ``pre-commit validate-config`` plus the hooks' own commands run through pre-commit
as local hooks, hadolint, dockerfile-parse, and Docker's own ``.dockerignore`` rules
(docker-py). One test stages the files the Dockerfile copies, installs the package the
way the image does, and serves the app with the image's command and health check.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import free_port
from docker.utils.build import exclude_paths
from dockerfile_parse import DockerfileParser
from platform_helpers import (
    TEMPLATE_ROOT,
    base_env,
    choices,
    cookiecutter,
    git,
    run,
    tool,
)

JINJA_LEFTOVERS = re.compile(r"\{\{\s*cookiecutter|\{%|%\}|\{#")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return base_env(tmp_path_factory.mktemp("home"))


def render(env: dict[str, str], out: Path, *answers: str) -> Path:
    cookiecutter(env, out.parent, str(TEMPLATE_ROOT), "--no-input", "-o", str(out), *answers)
    (project,) = list(out.iterdir())
    return project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    """The default project, rendered once for this module (tests must not modify it)."""
    return render(env, tmp_path_factory.mktemp("render") / "out", "sample_rows=1000")


@pytest.fixture(scope="module", params=choices("python_version"))
def versioned(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    env: dict[str, str],
) -> tuple[str, Path]:
    version = request.param
    out = tmp_path_factory.mktemp(f"py{version}") / "out"
    return version, render(env, out, f"python_version={version}", "sample_rows=1000")


# --- CI workflow ---------------------------------------------------------------------------


def load_workflow(project: Path) -> dict[str, Any]:
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text("utf-8"))
    assert isinstance(workflow, dict), "ci.yml is not a mapping"
    return workflow


def test_workflow_is_valid_against_the_github_workflow_schema(
    project: Path, env: dict[str, str]
) -> None:
    workflow = project / ".github" / "workflows" / "ci.yml"
    result = run(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            str(workflow),
        ],
        project,
        env,
    )
    assert "ok -- validation done" in result.stdout


def test_workflow_lints_tests_and_runs_browser_tests_on_the_chosen_python(
    versioned: tuple[str, Path], env: dict[str, str]
) -> None:
    version, project = versioned
    text = (project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert not JINJA_LEFTOVERS.search(text)
    workflow = load_workflow(project)
    jobs = workflow["jobs"]
    assert set(jobs) == {"lint", "test", "e2e"}

    def commands(job: str) -> str:
        return "\n".join(step.get("run", "") for step in jobs[job]["steps"])

    def setup_versions(job: str) -> list[str]:
        return [
            step["with"]["python-version"]
            for step in jobs[job]["steps"]
            if step.get("uses", "").startswith("astral-sh/setup-uv@")
        ]

    assert "ruff check" in commands("lint")
    assert "ruff format --check" in commands("lint")
    assert "pre-commit run --all-files" in commands("lint")
    assert 'pytest -m "not e2e"' in commands("test")
    assert "pytest -m e2e" in commands("e2e")
    assert "apt-get install -y --no-install-recommends chromium chromium-driver" in commands("e2e")
    # Every job installs exactly uv.lock; pip never resolves anything on its own.
    for job in jobs:
        assert "uv sync --locked --extra dev" in commands(job), job
        assert "pip install" not in commands(job), job
    # Lint on the floor; tests on every supported Python, from the floor up to 3.13.
    assert setup_versions("lint") == [version]
    assert setup_versions("test") == ["${{ matrix.python-version }}"]
    supported = [
        v
        for v in choices("python_version")
        if tuple(map(int, v.split("."))) >= tuple(map(int, version.split(".")))
    ]
    assert jobs["test"]["strategy"]["matrix"]["python-version"] == supported
    assert jobs["test"]["strategy"]["fail-fast"] is False
    # The browser job runs in a Debian image of the same Python, for Debian's Chromium.
    assert jobs["e2e"]["container"] == f"python:{version}-slim"
    # GitHub's own expressions pass through the template untouched.
    assert workflow["concurrency"]["group"] == "ci-${{ github.workflow }}-${{ github.ref }}"


# The actions the generated workflow uses: the commit each release tag points to, as read
# from the actions' own repositories (git rev-list -n1 <tag>).
PINNED_ACTIONS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "astral-sh/setup-uv": ("20cfd1bf945f4377ade1205e4dbc17946fc9a30d", "v10.0.1"),
    "actions/cache": ("27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
}


def test_workflow_pins_every_action_by_commit_sha(project: Path) -> None:
    text = (project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    uses = re.findall(r"^\s*(?:- )?uses: (\S+)@(\S+)(?: # (\S+))?$", text, re.MULTILINE)
    assert len(uses) == len(re.findall(r"\buses:", text))
    assert {name for name, _, _ in uses} == set(PINNED_ACTIONS)
    for name, ref, release in uses:
        assert (ref, release) == PINNED_ACTIONS[name], name


def test_dependabot_updates_the_lock_actions_image_and_hooks(
    project: Path, env: dict[str, str]
) -> None:
    config = project / ".github" / "dependabot.yml"
    result = run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(config)],
        project,
        env,
    )
    assert "ok -- validation done" in result.stdout
    updates = {
        u["package-ecosystem"]: u for u in yaml.safe_load(config.read_text("utf-8"))["updates"]
    }
    assert set(updates) == {"uv", "github-actions", "docker", "pre-commit"}
    # The lock moves; pyproject.toml's floors stay the versions the tests ran on.
    assert updates["uv"]["versioning-strategy"] == "lockfile-only"


def test_workflow_schema_check_catches_a_broken_workflow(
    project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    # The schema check is not a rubber stamp: a job without runs-on fails it.
    workflow = load_workflow(project)
    del workflow["jobs"]["test"]["runs-on"]
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump(workflow), encoding="utf-8")
    result = run(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            str(broken),
        ],
        tmp_path,
        env,
        check=False,
    )
    assert result.returncode == 1
    assert "Schema validation errors were encountered" in result.stdout + result.stderr


# --- pre-commit ----------------------------------------------------------------------------

# What each configured hook runs, from the hook repositories' .pre-commit-hooks.yaml
# (pre-commit/pre-commit-hooks v6.0.0, astral-sh/ruff-pre-commit). The commands are the
# same console scripts, installed from PyPI (requirements-dev.txt).
HOOK_COMMANDS: dict[str, dict[str, str | list[str] | bool]] = {
    "trailing-whitespace": {"entry": "trailing-whitespace-fixer", "types": ["text"]},
    "end-of-file-fixer": {"entry": "end-of-file-fixer", "types": ["text"]},
    "mixed-line-ending": {"entry": "mixed-line-ending", "types": ["text"]},
    "check-yaml": {"entry": "check-yaml", "types": ["yaml"]},
    "check-toml": {"entry": "check-toml", "types": ["toml"]},
    "check-json": {"entry": "check-json", "types": ["json"]},
    "check-merge-conflict": {"entry": "check-merge-conflict", "types": ["text"]},
    "check-added-large-files": {"entry": "check-added-large-files"},
    "detect-private-key": {"entry": "detect-private-key", "types": ["text"]},
    "ruff-check": {
        "entry": "ruff check --force-exclude",
        "types_or": ["python", "pyi", "jupyter"],
        "require_serial": True,
    },
    "ruff-format": {
        "entry": "ruff format --force-exclude",
        "types_or": ["python", "pyi", "jupyter"],
        "require_serial": True,
    },
}


def test_pre_commit_config_is_valid_and_jinja_free(project: Path, env: dict[str, str]) -> None:
    config = project / ".pre-commit-config.yaml"
    template_copy = TEMPLATE_ROOT / "{{cookiecutter.project_slug}}" / ".pre-commit-config.yaml"
    # Kept free of template syntax, so `pre-commit autoupdate` works on the template too.
    assert config.read_bytes() == template_copy.read_bytes()
    run([tool("pre-commit"), "validate-config", str(config)], project, env)

    hooks = [
        hook["id"]
        for repo in yaml.safe_load(config.read_text("utf-8"))["repos"]
        for hook in repo["hooks"]
    ]
    assert {
        "ruff-check",
        "ruff-format",
        "trailing-whitespace",
        "end-of-file-fixer",
    } <= set(hooks)
    assert set(hooks) <= set(HOOK_COMMANDS), "a hook this test does not know how to run"


def test_pre_commit_hooks_pass_on_the_generated_project(
    project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    """Run every configured hook's command through pre-commit itself, as a local hook.

    pre-commit would clone the hook repositories from GitHub; here each hook becomes a
    ``language: system`` hook with the same command, arguments and file types, so
    pre-commit's own file selection (git-tracked files, ``exclude``, types) applies.
    """
    work = tmp_path / project.name
    shutil.copytree(project, work)
    git(work, env, "init", "--quiet", "--initial-branch=main")
    git(work, env, "add", "--all")

    config = yaml.safe_load((work / ".pre-commit-config.yaml").read_text("utf-8"))
    local_hooks = []
    for repo in config["repos"]:
        for hook in repo["hooks"]:
            local_hooks.append(
                {
                    "id": hook["id"],
                    "name": hook["id"],
                    "language": "system",
                    **HOOK_COMMANDS[hook["id"]],
                    **({"args": hook["args"]} if "args" in hook else {}),
                }
            )
    local = {key: value for key, value in config.items() if key != "repos"}
    local["repos"] = [{"repo": "local", "hooks": local_hooks}]
    local_config = tmp_path / "local-pre-commit.yaml"
    local_config.write_text(yaml.safe_dump(local, sort_keys=False), encoding="utf-8")

    result = run(
        [tool("pre-commit"), "run", "--all-files", "--config", str(local_config)],
        work,
        env,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for hook in local_hooks:
        assert re.search(
            rf"^{re.escape(hook['id'])}\.+(Passed|\(no files to check\)Skipped)$",
            output,
            re.MULTILINE,
        ), output
    # ruff ran on the project's Python files, and nothing was rewritten.
    assert re.search(r"^ruff-check\.+Passed$", output, re.MULTILINE)
    assert re.search(r"^ruff-format\.+Passed$", output, re.MULTILINE)
    assert git(work, env, "status", "--porcelain") == git(
        work, env, "status", "--porcelain", "--untracked-files=no"
    )
    assert git(work, env, "diff", "--stat") == ""


# --- Dockerfile ----------------------------------------------------------------------------


def parse_dockerfile(project: Path) -> DockerfileParser:
    parser = DockerfileParser(path=str(project / "Dockerfile"))
    return parser


def instructions(parser: DockerfileParser, name: str) -> list[str]:
    return [item["value"] for item in parser.structure if item["instruction"] == name]


def copy_sources(parser: DockerfileParser) -> list[tuple[list[str], str]]:
    pairs = []
    for value in instructions(parser, "COPY"):
        parts = [part for part in shlex.split(value) if not part.startswith("--")]
        pairs.append((parts[:-1], parts[-1]))
    return pairs


def test_dockerfile_key_properties(versioned: tuple[str, Path]) -> None:
    version, project = versioned
    text = (project / "Dockerfile").read_text(encoding="utf-8")
    assert not JINJA_LEFTOVERS.search(text)
    parser = parse_dockerfile(project)
    structure = [item["instruction"] for item in parser.structure]

    # Slim base image of the chosen Python version; one stage.
    assert parser.baseimage == f"python:{version}-slim"
    assert structure.count("FROM") == 1

    # Runs as a non-root user, set after everything that needs root.
    users = instructions(parser, "USER")
    assert users, "no USER instruction: the container would run as root"
    final_user = users[-1].split(":")[0]
    assert final_user not in {"root", "0"}
    last_user = max(i for i, name in enumerate(structure) if name == "USER")
    assert all(name != "RUN" for name in structure[last_user:])
    if final_user.isdigit():
        assert f"--uid {final_user}" in text

    # Dependencies in their own layer: pyproject.toml is copied alone and installed
    # before the source is copied, so a code change does not reinstall them.
    copies = copy_sources(parser)
    assert copies[0] == (["pyproject.toml", "uv.lock"], "./")
    first_copy = structure.index("COPY")
    install_deps = structure.index("RUN", first_copy)
    assert "uv sync --locked --no-install-project" in parser.structure[install_deps]["value"]
    src_copy = next(
        i
        for i, item in enumerate(parser.structure)
        if item["instruction"] == "COPY" and "src/" in item["value"]
    )
    assert first_copy < install_deps < src_copy

    # No secret, data or whole-context copy.
    sources = [source for paths, _ in copies for source in paths]
    assert "." not in sources
    assert "./" not in sources
    for source in sources:
        assert not re.search(r"secrets|\.env|data/|\.git", source), source

    # Headless server on 0.0.0.0:8501, exposed, with a health check on /_stcore/health.
    assert instructions(parser, "EXPOSE") == ["8501"]
    (healthcheck,) = instructions(parser, "HEALTHCHECK")
    assert "http://127.0.0.1:8501/_stcore/health" in healthcheck
    (cmd,) = instructions(parser, "CMD")
    command = json.loads(cmd)
    assert command[:2] == ["python", "asgi.py"]  # st.App on uvicorn: no 40 ms stall
    assert {
        "--server.address=0.0.0.0",
        "--server.port=8501",
        "--server.headless=true",
    } <= set(command)


def test_dockerfile_passes_hadolint(project: Path, env: dict[str, str]) -> None:
    result = run([tool("hadolint"), "--no-color", "Dockerfile"], project, env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def build_context(project: Path) -> set[str]:
    """The files `docker build` would send, by Docker's own .dockerignore rules."""
    patterns = [
        line.strip()
        for line in (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return {p for p in exclude_paths(str(project), patterns) if (project / p).is_file()}


DECOYS = {
    ".env": "SALES_INSIGHTS_DATA_PATH=/secret\n",
    ".streamlit/secrets.toml": '[app]\npassword = "hunter2"\n',
    "data/private.csv": "a,b\n1,2\n",
    ".venv/lib/site.py": "",
    ".git/config": "",
    "src/sales_insights/__pycache__/cache.cpython-311.pyc": "",
    "tests/test_extra.py": "",
    "notes/credentials.json": "{}",
    # Secrets under a spelling or in a folder the allowlist lets in.
    ".env.production": "SALES_INSIGHTS_CONNECTION__PASSWORD=hunter2\n",
    "secrets.toml": '[app]\npassword = "hunter2"\n',
    "src/sales_insights/.env": "SALES_INSIGHTS_CONNECTION__PASSWORD=hunter2\n",
    "src/sales_insights/prod.env": "SALES_INSIGHTS_CONNECTION__PASSWORD=hunter2\n",
    "src/sales_insights/secrets.toml": '[app]\npassword = "hunter2"\n',
    "src/sales_insights/secrets.prod.toml": '[app]\npassword = "hunter2"\n',
}


def is_secrets_file(name: str) -> bool:
    """``.env``, ``.env.production``, ``prod.env``, ``secrets.toml``, ``secrets.prod.toml``..."""
    return (
        name == ".env"
        or name.startswith(".env.")
        or name.endswith(".env")
        or (name.startswith("secrets.") and name.endswith(".toml"))
    )


def test_build_context_keeps_secrets_and_data_out(project: Path, tmp_path: Path) -> None:
    work = tmp_path / project.name
    shutil.copytree(project, work)
    for relative, content in DECOYS.items():
        path = work / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")

    context = build_context(work)
    leaked = {
        path
        for path in context
        if path.startswith(
            (
                ".env",
                ".streamlit/secrets",
                "data/",
                ".venv/",
                ".git/",
                "tests/",
                "notes/",
            )
        )
        or "__pycache__" in path
        or is_secrets_file(Path(path).name)
    }
    assert not leaked
    assert ".streamlit/config.toml" in context
    # Every COPY source is in the context (or the build would fail).
    for sources, _ in copy_sources(parse_dockerfile(work)):
        for source in sources:
            assert any(path == source.rstrip("/") or path.startswith(source) for path in context), (
                source
            )


def copy_targets(
    context: set[str], source: str, dest: Path, dest_is_dir: bool
) -> list[tuple[str, Path]]:
    """Docker's COPY: a directory's *contents* go into dest; a file goes to dest or into it."""
    folder = source.rstrip("/")
    inside = sorted(path for path in context if path.startswith(folder + "/"))
    if inside:
        return [(path, dest / Path(path).relative_to(folder)) for path in inside]
    assert source in context, f"COPY source {source} is not in the build context"
    return [(source, dest / Path(source).name if dest_is_dir else dest)]


def test_image_layout_serves_the_app(env: dict[str, str], tmp_path: Path) -> None:
    """Stage what the image holds and run its command and health check (no Docker here).

    The COPY instructions are applied to the build context, the package is installed the
    way the image installs it (not editable, no dependencies: they are the environment's),
    and the CMD and HEALTHCHECK run as written, on a free port instead of 8501. The project
    gets a package name of its own, so no other installed copy can shadow it.
    """
    project = render(env, tmp_path / "out", "project_name=Image Layout Check", "sample_rows=1000")
    parser = parse_dockerfile(project)
    context = build_context(project)
    app, site = tmp_path / "app", tmp_path / "site-packages"
    for sources, dest in copy_sources(parser):
        for source in sources:
            for path, target in copy_targets(context, source, app / dest, dest.endswith("/")):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(project / path, target)
    assert (app / "src").is_dir()
    assert (app / ".streamlit" / "config.toml").is_file()
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            ".",
        ],
        app,
        env,
    )
    # The sample data arrives by a mounted volume in the container.
    (app / "data").mkdir()
    shutil.copy2(project / "data" / "sales.parquet", app / "data" / "sales.parquet")

    port = str(free_port())
    app_env = {**env, "PYTHONPATH": str(site), "HOME": str(tmp_path / "home")}
    command = [arg.replace("8501", port) for arg in json.loads(instructions(parser, "CMD")[0])]
    command[0] = tool(command[0])
    healthcheck = instructions(parser, "HEALTHCHECK")[0]
    probe = json.loads(healthcheck[healthcheck.index("CMD") + 3 :].strip().replace("8501", port))
    probe[0] = sys.executable
    server = subprocess.Popen(
        command,
        cwd=app,
        env=app_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            health = subprocess.run(probe, cwd=app, env=app_env, capture_output=True, check=False)
            if health.returncode == 0 or time.monotonic() > deadline or server.poll() is not None:
                break
            time.sleep(0.5)
        assert health.returncode == 0, "health check never passed"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert f"0.0.0.0:{port}" in output

    # The pages run from the installed package, not from a source checkout.
    script = (
        "import os, {pkg}\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from {pkg}.pages import PAGES\n"
        "assert {pkg}.__file__.startswith(os.environ['PYTHONPATH']), {pkg}.__file__\n"
        "at = AppTest.from_file('streamlit_app.py', default_timeout=60).run()\n"
        "for page in PAGES:\n"
        "    at.switch_page(os.path.relpath(page.path)).run()\n"
        "    assert not at.exception, at.exception\n"
        "    assert at.title[0].value == page.title\n"
        "print('pages ok', len(PAGES))\n"
    )
    package = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))["project"][
        "name"
    ].replace("-", "_")
    result = run([sys.executable, "-c", script.format(pkg=package)], app, app_env)
    assert "pages ok" in result.stdout


# --- docs ------------------------------------------------------------------------------------


def test_deploying_guide_is_rendered_and_linked(project: Path) -> None:
    guide = (project / "docs" / "deploying.md").read_text(encoding="utf-8")
    assert not JINJA_LEFTOVERS.search(guide)
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "(docs/deploying.md)" in readme
