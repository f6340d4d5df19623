"""Hostile answers, one table: each row says what must happen, through the real CLI.

Outcomes:

- ``Refused(field, value)``: exactly one line ``Invalid answer for '<field>': <value> — <rule>``
  (the value as given, before cookiecutter rendered it), a non-zero exit, and no directory
  left in the output directory, the working directory or anywhere else.
- ``CookiecutterRefuses(text)``: cookiecutter stops on its own before the template's code
  runs (a value outside a choice list, Jinja that fails to evaluate); nothing is written.
- ``Accepted(slug)``: the project is generated, passes ``ruff check`` and
  ``ruff format --check``, its metadata builds (hatchling) with the author email as given,
  and ``APP_TITLE`` is the project name. A few accepted renderings are also installed
  with pip into a fresh venv, and a few run their own test suite.

Rows marked ``cookies`` are baked with pytest-cookies as well.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CONTEXT, PYTHON, TEMPLATE_ROOT, bake, project_of, render, run, shared_env
from cookiecutter.exceptions import FailedHookException
from hatchling.metadata.core import ProjectMetadata

CJK_NAME = ("東京売上分析ダッシュボード " * 6)[:80]
CJK_DESCRIPTION = ("売上と在庫の説明 " * 25)[:200]
ABSOLUTE_SLUG = "/tmp/ccsf-absolute-slug-probe"  # must never be created
PROMPTS = {key: value for key, value in CONTEXT.items() if not key.startswith("_")}


@dataclass(frozen=True)
class Refused:
    field: str
    value: object


@dataclass(frozen=True)
class CookiecutterRefuses:
    text: str


@dataclass(frozen=True)
class Accepted:
    slug: str = "sales-insights"


Outcome = Refused | CookiecutterRefuses | Accepted


@dataclass(frozen=True)
class Case:
    """One hostile case: CLI answers (or a config file's default_context) and the outcome."""

    answers: dict[str, str]
    config: dict[str, str | None]
    expected: Outcome
    cookies: bool  # baked with pytest-cookies as well

    def __str__(self) -> str:  # the test id
        pairs = {**self.answers, **self.config}.items()
        return ",".join(f"{key}={value!r}" for key, value in pairs)[:60]


def row(
    expected: Outcome,
    *,
    config: dict[str, str | None] | None = None,
    cookies: bool = False,
    **answers: str,
) -> Case:
    return Case(answers, config or {}, expected, cookies)


def refused(field: str, value: str, *, cookies: bool = False) -> Case:
    return Case({field: value}, {}, Refused(field, value), cookies)


HOSTILE = [
    # --- project_name
    refused("project_name", "", cookies=True),
    refused("project_name", "   "),
    refused("project_name", "Two\nLines"),
    refused("project_name", "x" * 81),
    refused("project_name", 'My "Quoted" App'),
    refused("project_name", "Back\\slash"),
    refused("project_name", "Bidi\u202eX"),
    row(Refused("project_name", None), config={"project_name": None}),
    # Jinja in answers: refused as given, although cookiecutter has already rendered it.
    refused("project_name", "{{ 7*7 }}", cookies=True),
    refused("project_name", "{% if true %}Sales{% endif %}"),
    refused("project_name", "Sales {# hidden #}"),
    refused("project_name", "{{ cycler.__init__.__globals__.os.getcwd() }}"),
    refused("description", "{{ '{{' }} literally"),
    row(Refused("author_name", "{{ 'Data' }} Team"), config={"author_name": "{{ 'Data' }} Team"}),
    # Names whose derived slug or package would break the project.
    row(Refused("project_slug", "app-"), project_name="!!!"),
    row(Refused("package_name", "streamlit_app"), project_name="Streamlit App", cookies=True),
    row(Refused("package_name", "benchmarks"), project_name="Benchmarks"),
    row(Refused("project_slug", "pandas"), project_name="Pandas"),
    # --- project_slug
    refused("project_slug", "a/b", cookies=True),
    refused("project_slug", "a/b/c"),
    refused("project_slug", "../x"),
    refused("project_slug", ABSOLUTE_SLUG),
    refused("project_slug", "a\\b"),
    refused("project_slug", ".."),
    refused("project_slug", ""),
    refused("project_slug", "My-App"),
    refused("project_slug", "1app"),
    refused("project_slug", "app-"),
    refused("project_slug", "x" * 65),
    row(Refused("package_name", "a" * 64), project_slug="a" * 64),  # derived: too long
    refused("project_slug", "streamlit", cookies=True),
    refused("project_slug", "pydantic-settings"),
    row(Refused("project_slug", "httpx"), project_slug="httpx", data_source="rest_api"),
    # --- package_name
    refused("package_name", "commands", cookies=True),
    refused("package_name", "conftest"),
    refused("package_name", "app_pages"),
    refused("package_name", "streamlit_app"),
    refused("package_name", "watchdog"),
    refused("package_name", "requests"),
    refused("package_name", "dotenv", cookies=True),
    refused("package_name", "json"),
    refused("package_name", "class"),
    refused("package_name", "my-pkg"),
    refused("package_name", "x" * 41),
    row(Refused("package_name", "sqlalchemy"), package_name="sqlalchemy", data_source="postgres"),
    # --- author, description
    refused("author_email", "<a@example.com>", cookies=True),
    refused("author_email", "a,b@example.com"),
    refused("author_email", "Data Team <a@example.com>"),
    refused("author_email", "a b@example.com"),
    refused("author_email", "ünï@example.com"),
    refused("author_email", ""),
    row(Refused("author_email", None), config={"author_email": None}),
    refused("author_name", 'Say "hi"'),
    refused("description", "back\\slash"),
    refused("description", "x" * 201),
    # --- numbers: canonical spellings only
    refused("sample_rows", "010000", cookies=True),
    refused("sample_rows", "100_000"),
    refused("sample_rows", "1e6"),
    refused("sample_rows", "999"),
    refused("sample_rows", "-5000"),
    refused("live_refresh_seconds", "010"),
    refused("live_refresh_seconds", "inf"),
    refused("live_refresh_seconds", "nan"),
    refused("live_refresh_seconds", "0"),
    refused("live_refresh_seconds", "3601"),
    refused("live_refresh_seconds", ".5"),
    # --- stopped by cookiecutter itself, before any template code runs
    row(
        CookiecutterRefuses("3.9 provided for choice variable python_version"), python_version="3.9"
    ),
    row(CookiecutterRefuses("mysql provided for choice variable data_source"), data_source="mysql"),
    row(CookiecutterRefuses("Unable to render variable 'project_name'"), project_name="{{ nope }}"),
    row(CookiecutterRefuses("ZeroDivisionError"), project_name="{{ 1/0 }}"),
    # --- accepted: odd but valid
    row(Accepted("cjk"), project_name=CJK_NAME, project_slug="cjk", cookies=True),
    row(Accepted("cjk"), project_name="販" * 80, project_slug="cjk"),
    row(Accepted("cafe-unicode-dashboard"), project_name="Café Ünïcode Dashboard"),
    row(Accepted("app-2024-sales-board"), project_name="2024 Sales Board", cookies=True),
    row(Accepted("it-s-ours-revenue"), project_name="It's Ours — 📈 Revenue"),
    row(Accepted("q" * 40), project_name="q" * 80),
    row(Accepted("streamlit-dashboard"), project_name="Streamlit Dashboard"),
    row(Accepted("not-jinja"), project_name="{ not jinja }"),
    row(Accepted("app-100-real"), project_name="100% {real}"),
    row(Accepted(), author_email='"a b"@example.com', cookies=True),
    row(Accepted(), author_email="a@b"),
    row(Accepted(), author_email="x@bücher.de"),
    row(Accepted(), author_email="a'b@example.com"),
    row(Accepted(), package_name="p" * 40),
    row(Accepted(), package_name="match"),
    row(Accepted("a" * 64), project_slug="a" * 64, package_name="long_slug"),
    row(Accepted(), live_refresh_seconds="2.5"),
    row(Accepted(), live_refresh_seconds="3600.0"),
    row(Accepted("cjk"), project_slug="cjk", description=CJK_DESCRIPTION),
    row(Accepted(), description="", author_name=""),
    row(Accepted(), author_name="Ünïcode — dash's fine"),
    row(Accepted("unicode-org"), config={"project_name": "Ünïcode Org"}),
]


def run_cli(
    tmp_path: Path, answers: dict[str, str], config: dict[str, str | None]
) -> subprocess.CompletedProcess[str]:
    """Run ``cookiecutter --no-input`` with ``key=value`` answers and its own config file.

    Output goes to ``tmp_path/out``, the working directory is ``tmp_path/cwd``; the config
    file and cookiecutter's replay directory live beside them.
    """
    for name in ("out", "cwd"):
        (tmp_path / name).mkdir()
    settings = {"replay_dir": str(tmp_path / "replay"), "default_context": config}
    (tmp_path / "config.yaml").write_text(json.dumps(settings), encoding="utf-8")  # JSON is YAML
    answers = {"sample_rows": "1000", **answers}
    return subprocess.run(
        [PYTHON, "-m", "cookiecutter", str(TEMPLATE_ROOT), "--no-input"]
        + ["--config-file", str(tmp_path / "config.yaml"), "-o", str(tmp_path / "out")]
        + [f"{key}={value}" for key, value in answers.items()],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path / "cwd",
        check=False,
        timeout=300,
    )


def assert_nothing_written(tmp_path: Path) -> None:
    assert {path.name for path in tmp_path.iterdir()} <= {"config.yaml", "cwd", "out", "replay"}
    assert list((tmp_path / "out").iterdir()) == []
    assert list((tmp_path / "cwd").iterdir()) == []
    assert not Path(ABSOLUTE_SLUG).exists()


def assert_one_line_names(output: str, expected: Refused) -> None:
    lines = [line for line in output.splitlines() if line.startswith("Invalid answer for ")]
    assert len(lines) == 1, output
    prefix = f"Invalid answer for '{expected.field}': {expected.value!r} \u2014 "
    assert lines[0].startswith(prefix), output
    assert len(lines[0]) > len(prefix) + 10, "the line must name the rule"


def app_title(project: Path) -> str:
    """``APP_TITLE`` as the generated settings module computes it (a literal or a join)."""
    settings = next(project.glob("src/*/settings.py")).read_text(encoding="utf-8")
    for node in ast.parse(settings).body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "APP_TITLE":
            if isinstance(node.value, ast.Call):  # "".join([...])
                return "".join(ast.literal_eval(node.value.args[0]))
            title = ast.literal_eval(node.value)
            assert isinstance(title, str), f"APP_TITLE is {title!r}"
            return title
    raise AssertionError("settings.py defines no APP_TITLE")


def lint_findings(project: Path) -> Counter[tuple[str, str]]:
    """ruff check codes and ruff format complaints per file (package directory normalized)."""
    package = next(project.glob("src/*/__init__.py")).parent.name

    def ruff(*args: str) -> str:
        command = [PYTHON, "-m", "ruff", *args, "--no-cache", "."]
        return subprocess.run(command, cwd=project, capture_output=True, text=True).stdout

    findings = Counter(
        (Path(finding["filename"]).relative_to(project).as_posix(), finding["code"])
        for finding in json.loads(ruff("check", "--output-format=json"))
    )
    for line in ruff("format", "--check").splitlines():
        if line.startswith("Would reformat: "):
            findings[(line.removeprefix("Would reformat: "), "format")] += 1
    return Counter(
        {
            (name.replace(f"src/{package}/", "src/<package>/"), code): n
            for (name, code), n in findings.items()
        }
    )


def assert_valid_project(
    project: Path,
    answers: dict[str, str],
    config: dict[str, str | None],
    expected: Accepted,
    baseline: Path,
) -> None:
    given = {**config, **answers}
    assert project.name == expected.slug
    # The answers add no lint or format finding to the default rendering's (which
    # tests/test_generation.py requires to have none).
    assert lint_findings(project) - lint_findings(baseline) == Counter()
    assert app_title(project) == given.get("project_name", "Sales Insights")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    email = given.get("author_email", "data-team@example.com")
    assert pyproject["project"]["authors"][0]["email"] == email
    metadata = ProjectMetadata(str(project), None).core  # what hatchling builds from it
    assert metadata.name == expected.slug
    name = given.get("author_name", "Data Team")
    assert metadata.authors_data["email"] == [f"{name} <{email}>" if name else email]


@pytest.mark.parametrize("case", HOSTILE, ids=str)
def test_hostile_answer_through_the_cli(tmp_path: Path, default_project: Path, case: Case) -> None:
    answers, config, expected = case.answers, case.config, case.expected
    result = run_cli(tmp_path, answers, config)
    output = result.stdout + result.stderr
    if isinstance(expected, Accepted):
        assert result.returncode == 0, output
        projects = list((tmp_path / "out").iterdir())
        assert len(projects) == 1, projects
        assert_valid_project(projects[0], answers, config, expected, default_project)
        return
    assert result.returncode != 0, output
    if isinstance(expected, Refused):
        assert_one_line_names(output, expected)
        # cookiecutter's own report of the failed hook follows (README says so).
        assert result.stdout.splitlines()[-1] == "Hook script failed (exit status: 1)"
    else:
        assert expected.text in output
        assert "Invalid answer for " not in output
    assert_nothing_written(tmp_path)


COOKIES_ROWS = [case for case in HOSTILE if case.cookies]


@pytest.mark.parametrize("case", COOKIES_ROWS, ids=str)
def test_hostile_answer_through_pytest_cookies(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], default_project: Path, case: Case
) -> None:
    answers, config, expected = case.answers, case.config, case.expected
    result = bake(tmp_path / "out", **{"sample_rows": "1000", **answers})
    if isinstance(expected, Accepted):
        assert_valid_project(project_of(result), answers, config, expected, default_project)
        return
    assert isinstance(expected, Refused), "cookiecutter's own refusals are CLI rows only"
    assert result.exit_code == -1
    assert isinstance(result.exception, FailedHookException)
    assert_one_line_names(capfd.readouterr().err, expected)
    assert list((tmp_path / "out").iterdir()) == []


def test_the_table_covers_both_outcomes_in_numbers() -> None:
    outcomes = [type(case.expected).__name__ for case in HOSTILE]
    assert len(HOSTILE) >= 60
    assert outcomes.count("Refused") >= 50
    assert outcomes.count("Accepted") >= 15
    assert len(COOKIES_ROWS) >= 10


def test_all_errors_are_reported_together(tmp_path: Path) -> None:
    answers = {"project_slug": "../x", "package_name": "json", "sample_rows": "1e9"}
    result = run_cli(tmp_path, answers, {})
    lines = [line for line in result.stderr.splitlines() if line.startswith("Invalid answer")]
    assert [line.split("'")[1] for line in lines] == ["project_slug", "package_name", "sample_rows"]
    assert_nothing_written(tmp_path)


def test_a_replay_file_passes_answers_as_data_never_as_templates(tmp_path: Path) -> None:
    """The safe path for a self-service portal (README): Jinja in a replay file is not run."""
    (tmp_path / "out").mkdir()
    answers = {
        key: value[0] if isinstance(value, list) else value for key, value in PROMPTS.items()
    }
    answers |= {"project_name": "{{ 7*7 }}", "project_slug": "portal-app", "sample_rows": "1000"}
    answers["package_name"] = "portal_app"
    replay = tmp_path / "answers.json"
    replay.write_text(json.dumps({"cookiecutter": answers}), encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"replay_dir": str(tmp_path / "replay")}), encoding="utf-8")
    result = subprocess.run(
        [
            PYTHON,
            "-m",
            "cookiecutter",
            str(TEMPLATE_ROOT),
            "--replay-file",
            str(replay),
            "-o",
            str(tmp_path / "out"),
            "--config-file",
            str(config),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    # Not evaluated (no "49" anywhere), and refused because it still looks like a template.
    assert result.returncode != 0
    assert_one_line_names(result.stderr, Refused("project_name", "{{ 7*7 }}"))
    assert "49" not in result.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_typed_answers_are_not_evaluated_but_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"replay_dir": str(tmp_path / "replay")}), encoding="utf-8")
    typed = "{{ 7*7 }}\n" + "\n" * (len(PROMPTS) - 1)  # the name, then every default
    result = subprocess.run(
        [
            PYTHON,
            "-m",
            "cookiecutter",
            str(TEMPLATE_ROOT),
            "-o",
            str(tmp_path / "out"),
            "--config-file",
            str(config),
        ],
        input=typed,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode != 0
    assert_one_line_names(result.stderr, Refused("project_name", "{{ 7*7 }}"))
    assert "Jinja template syntax" in result.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_cruft_create_evaluates_jinja_the_hook_cannot_see(tmp_path: Path) -> None:
    """The gap the README names: cruft gives the hook only the rendered answers."""
    context = json.dumps({"project_name": "{{ 7*7 }}", "sample_rows": "1000"})
    run(
        [
            PYTHON,
            "-m",
            "cruft",
            "create",
            str(TEMPLATE_ROOT),
            "--no-input",
            "--extra-context",
            context,
        ],
        tmp_path,
    )
    assert app_title(tmp_path / "app-49") == "49"


# --- a few accepted renderings, installed for real and tested with their own suite -------

INSTALLED = [
    pytest.param(
        {"project_name": CJK_NAME, "project_slug": "cjk", "description": CJK_DESCRIPTION}
        | {"author_email": '"a b"@example.com'},
        id="cjk-name-quoted-email",
    ),
    pytest.param(
        {"project_slug": "a" * 64, "package_name": "p" * 40, "author_email": "x@bücher.de"}
        | {"author_name": "Ünïcode — dash's fine"},
        id="longest-names-idn-email",
    ),
    pytest.param(
        {"project_name": "2024 Sales Board", "author_email": "a'b@example.com"},
        id="leading-digit-apostrophe-email",
    ),
]


@pytest.mark.parametrize("answers", INSTALLED)
def test_accepted_odd_answers_install_into_a_fresh_venv(
    tmp_path: Path, answers: dict[str, str]
) -> None:
    project = render(tmp_path / "out", sample_rows="1000", **answers)
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(project)], tmp_path)
    package = next(project.glob("src/*/__init__.py")).parent.name
    shown = run(
        [
            str(python),
            "-c",
            f"import importlib.metadata as m, {package}; "
            f"print(m.metadata({project.name!r})['Author-email'])",
        ],
        tmp_path,
    ).stdout.strip()
    assert shown.endswith(f"<{answers['author_email']}>")


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param(
            {"project_name": CJK_NAME, "project_slug": "cjk", "live_refresh_seconds": "2.5"}
            | {"author_email": '"a b"@example.com', "description": CJK_DESCRIPTION},
            id="cjk",
        ),
        pytest.param(
            {"project_name": "It's Ours — 📈 Revenue", "package_name": "match"}
            | {"data_source": "rest_api", "live_refresh_seconds": "3600.0"},
            id="apostrophe-emoji-soft-keyword-rest-api",
        ),
    ],
)
def test_accepted_odd_answers_pass_their_own_tests(tmp_path: Path, answers: dict[str, str]) -> None:
    project = render(tmp_path / "out", sample_rows="1000", **answers)
    run(
        [PYTHON, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
        project,
        env=shared_env(project),
    )
