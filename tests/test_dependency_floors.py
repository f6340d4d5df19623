"""The dependency floors a generated project declares are true.

Every direct dependency (``dependencies`` and the ``dev`` extra) is declared ``>=`` the
lowest version on which the app and its whole test suite pass. uv's
``--resolution lowest-direct`` installs each direct dependency at exactly its floor (and
everything else at the newest), so the default rendering's suite runs there and once more
at the newest versions, both on the newest supported Python (the shared environment runs
the oldest at the newest versions).
Every data source's floors must also install from wheels on the newest Python. The
environments are uv virtual environments, filled from uv's cache after the first run.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from conftest import CHOICES, PYTHON, lock_dependencies, render, run
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

NEWEST = CHOICES["python_version"][-1]
# The renderings whose dependencies differ: every data source, and the sign-in option
# that adds dependencies of its own.
DEPENDENCY_SETS = [{"data_source": source} for source in CHOICES["data_source"]] + [
    {"auth": "oidc"}
]


def floors(project: Path) -> dict[str, Version]:
    """Each direct dependency's declared lower bound (the highest, if several)."""
    table = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))["project"]
    found: dict[str, Version] = {}
    for line in [*table["dependencies"], *table["optional-dependencies"]["dev"]]:
        requirement = Requirement(line)
        for spec in requirement.specifier:
            if spec.operator == ">=":
                name = canonicalize_name(requirement.name)
                found[name] = max(found.get(name, Version(spec.version)), Version(spec.version))
    return found


def pinned(text: str) -> dict[str, Version]:
    """``name==version`` lines (uv pip compile or freeze output)."""
    return {
        canonicalize_name(name): Version(version)
        for name, version in re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", text, re.MULTILINE)
    }


def assert_at_floors(project: Path, versions: dict[str, Version]) -> None:
    """Each direct dependency resolved to its floor: a floor below what can be installed
    together with the rest (a conflict pushes it up) is not a floor."""
    wrong = {
        name: f"declared >={floor}, resolved {versions.get(name)}"
        for name, floor in floors(project).items()
        if name not in versions or versions[name].release[: len(floor.release)] != floor.release
    }
    assert not wrong, wrong


@pytest.mark.parametrize("answers", DEPENDENCY_SETS, ids=lambda a: ",".join(a.values()))
def test_floors_install_from_wheels_on_the_newest_python(
    answers: dict[str, str], tmp_path: Path
) -> None:
    """The newest Python is the last to get wheels; the oldest installs the floors below."""
    project = render(tmp_path, sample_rows="1000", **answers)
    compiled = run(
        [
            *(PYTHON, "-m", "uv", "pip", "compile", "--quiet", "--no-header"),
            *("--resolution", "lowest-direct", "--only-binary", ":all:"),
            *("--python-version", NEWEST, "--python-platform", "x86_64-manylinux_2_28"),
            *("--extra", "dev", "pyproject.toml"),
        ],
        project,
    )
    assert_at_floors(project, pinned(compiled.stdout))


def install_and_test(project: Path, version: str, tmp_path: Path, *resolution: str) -> Path:
    """A uv virtual environment of Python ``version`` with the project; its suite passes."""
    venv, uv = tmp_path / "venv", [PYTHON, "-m", "uv"]
    run(
        [*uv, "venv", "--quiet", "--python", lock_dependencies.interpreter(version), str(venv)],
        tmp_path,
    )
    python = venv / "bin" / "python"
    install = [*uv, "pip", "install", "--quiet", "--python", str(python), *resolution]
    run([*install, "-e", ".[dev]"], project)
    result = run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)
    assert re.search(r"\d+ passed", result.stdout), result.stdout
    assert f"Python {version}" in run([str(python), "--version"], project).stdout
    return python


def test_the_suite_passes_with_every_direct_dependency_at_its_floor(tmp_path: Path) -> None:
    """On the newest Python, where old releases break first (hypothesis < 6.10.1 and
    Python 3.12's importlib.metadata, for one)."""
    project = render(tmp_path / "out")
    python = install_and_test(project, NEWEST, tmp_path, "--resolution", "lowest-direct")
    freeze = run([PYTHON, "-m", "uv", "pip", "freeze", "--python", str(python)], project)
    assert_at_floors(project, pinned(freeze.stdout))
    # The tools' floors hold for what the project asks of them too.
    run([str(python), "-m", "ruff", "check", "--no-cache", "."], project)
    run([str(python), "-m", "ruff", "format", "--check", "--no-cache", "."], project)
    run([str(python), "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"], project)


def test_the_suite_passes_at_the_newest_versions_on_the_newest_python(tmp_path: Path) -> None:
    project = render(tmp_path / "out", python_version=NEWEST)
    install_and_test(project, NEWEST, tmp_path, "--upgrade")
