"""Render the option matrix and odd names; every rendering must be clean and pass its tests.

Modelled on cookiecutter-django's ``test_cookiecutter_generation.py``: static checks
for every rendering (no template leftovers, ruff clean, exactly the chosen option's
files), then each rendering's own test suite. Renderings share this environment
(``PYTHONPATH=src``); only the default rendering is installed into fresh virtual
environments, because there the install itself is under test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import (
    CHOICES,
    PYTHON,
    free_port,
    matrix_id,
    option_matrix,
    render,
    run,
    shared_env,
    text_files,
)
from conftest import (
    post_gen_project as post_gen,
)

ODD_NAMES = [
    {"project_name": "Café Ünïcode Dashboard"},
    {"project_name": "2024 Sales Board"},
    {"project_name": "Quarterly Revenue Forecast for the Northern European Retail Division"},
    {"project_name": "It's Ops", "project_slug": "ops-42", "package_name": "ops42"},
    # The longest package name the rules allow: every import line must still fit.
    {
        "project_name": "Regional Forecasts",
        "package_name": "quarterly_revenue_forecast_retail_region",
    },
]
RENDERINGS = option_matrix() + ODD_NAMES
LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|\bcookiecutter\b")


# (the answers given, project folder)
Rendering = tuple[dict[str, str], Path]


@pytest.fixture(scope="module", params=RENDERINGS, ids=[matrix_id(r) for r in RENDERINGS])
def rendering(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Rendering:
    extra: dict[str, str] = request.param
    return extra, render(tmp_path_factory.mktemp("render"), **extra)


def test_no_template_syntax_is_left(rendering: Rendering) -> None:
    _, project = rendering
    leftovers = [
        f"{path.relative_to(project)}:{number}: {line.strip()}"
        for path in text_files(project)
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if LEFTOVER.search(line)
    ]
    assert leftovers == []
    assert not [p for p in project.rglob("*") if "{{" in p.name or "cookiecutter" in p.name]


def test_ruff_is_clean(rendering: Rendering) -> None:
    _, project = rendering
    run([PYTHON, "-m", "ruff", "check", "--no-cache", "."], project)
    run([PYTHON, "-m", "ruff", "format", "--check", "--no-cache", "."], project)


def test_types_are_strict(rendering: Rendering) -> None:
    """``mypy`` with the project's own configuration (strict) is clean in every rendering.

    One cache for all renderings: the libraries' analysis is shared, only the project's
    own modules are checked anew.
    """
    _, project = rendering
    cache = project.parent.parent / "mypy-cache"
    run([PYTHON, "-m", "mypy", "--cache-dir", str(cache)], project)


def test_names_are_derived_and_used(rendering: Rendering) -> None:
    extra, project = rendering
    package = next((project / "src").iterdir()).name
    assert package.isidentifier()
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", project.name)
    pyproject = (project / "pyproject.toml").read_text("utf-8")
    assert f'name = "{project.name}"' in pyproject
    assert f'packages = ["src/{package}"]' in pyproject
    version = extra.get("python_version", "3.11")
    assert f'requires-python = ">={version}"' in pyproject
    assert f'target-version = "py{version.replace(".", "")}"' in pyproject


def test_sample_data_is_written(rendering: Rendering) -> None:
    extra, project = rendering
    if extra.get("data_source", "duckdb") in post_gen.LOCAL_SAMPLE:
        assert (project / "data" / "sales.parquet").stat().st_size > 100_000


# Data sources and sign-in options run their suites in tests/test_data_sources.py.
OWN_SUITES = [r for r in RENDERINGS if "data_source" not in r and "auth" not in r]


@pytest.mark.parametrize("extra", OWN_SUITES, ids=[matrix_id(r) for r in OWN_SUITES])
def test_generated_suite_passes_in_the_shared_environment(
    extra: dict[str, str], tmp_path: Path
) -> None:
    project = render(tmp_path, **extra)
    result = run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        project,
        env=shared_env(project),
    )
    assert re.search(r"\d+ passed", result.stdout), result.stdout


# -- the default rendering, installed the way a user installs it --------------------------


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def test_default_project_installs_with_pip_and_passes(tmp_path: Path) -> None:
    project = render(tmp_path / "out")
    venv = tmp_path / "venv"
    run([PYTHON, "-m", "venv", str(venv)], tmp_path)
    python = str(_venv_python(venv))
    run([python, "-m", "pip", "install", "--quiet", "-e", ".[dev]"], project)
    result = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)
    assert re.search(r"\d+ passed", result.stdout), result.stdout
    run([python, "-m", "ruff", "check", "--no-cache", "."], project)
    run([python, "-m", "ruff", "format", "--check", "--no-cache", "."], project)


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8", "replace")


def test_default_project_syncs_with_uv_and_serves_health(tmp_path: Path) -> None:
    project = render(tmp_path / "out")
    run([PYTHON, "-m", "uv", "sync", "--quiet", "--extra", "dev"], project)
    port = free_port()
    server = subprocess.Popen(
        [
            str(project / ".venv" / "bin" / "streamlit"),
            "run",
            "streamlit_app.py",
            "--server.address=127.0.0.1",
            f"--server.port={port}",
        ],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                health = _get(f"http://127.0.0.1:{port}/_stcore/health")
                break
            except OSError:
                time.sleep(0.2)
        assert health == (200, "ok"), server.poll()
        status, page = _get(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert "<title>Streamlit</title>" in page or "streamlit" in page.lower()
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert "Traceback" not in output, output


def _interpreter(version: str) -> str:
    """A real python{version}: pyenv's build (CI machines carry 3.10 to 3.13), else PATH."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"))
    if candidates:
        return str(candidates[-1])
    found = shutil.which(f"python{version}")
    assert found, f"no Python {version} under {pyenv_root}/versions or on PATH"
    return found


# The newest Python runs at the newest versions in tests/test_dependency_floors.py.
@pytest.mark.parametrize("version", CHOICES["python_version"][1:-1])
def test_newer_python_renderings_pass_on_that_python(version: str, tmp_path: Path) -> None:
    project = render(tmp_path / "out", python_version=version)
    venv = tmp_path / "venv"
    run(
        [PYTHON, "-m", "uv", "venv", "--quiet", "--python", _interpreter(version), str(venv)],
        tmp_path,
    )
    python = str(_venv_python(venv))
    run(
        [PYTHON, "-m", "uv", "pip", "install", "--quiet", "--python", python, "-e", ".[dev]"],
        project,
    )
    result = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)
    assert re.search(r"\d+ passed", result.stdout), result.stdout
    assert f"Python {version}" in run([python, "--version"], project).stdout
