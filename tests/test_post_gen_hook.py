"""Unit tests of the post-generation hook's functions (imported raw, unrendered)."""

from __future__ import annotations

import builtins
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

import pytest
from conftest import TEMPLATE_ROOT, render
from conftest import post_gen_project as hook


def test_every_option_in_the_tables_is_a_choice() -> None:
    import json

    choices = set(json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())["data_source"])
    owners = set().union(*hook.OWNED_FILES.values())
    assert owners <= choices
    assert choices >= hook.LOCAL_SAMPLE


def test_owned_files_exist_in_the_template() -> None:
    project = TEMPLATE_ROOT / "{{cookiecutter.project_slug}}"
    for path in hook.OWNED_FILES:
        assert (project / path.format(package="{{cookiecutter.package_name}}")).exists(), path


def test_files_to_remove_are_those_of_other_options() -> None:
    owned = {
        "src/{package}/data/a.py": frozenset({"a"}),
        "src/{package}/data/ab.py": frozenset({"a", "b"}),
        "tests/test_b.py": frozenset({"b"}),
    }
    assert hook.files_to_remove("a", "pkg", owned) == ["tests/test_b.py"]
    assert hook.files_to_remove("b", "pkg", owned) == ["src/pkg/data/a.py"]
    assert hook.files_to_remove("c", "pkg", owned) == [
        "src/pkg/data/a.py",
        "src/pkg/data/ab.py",
        "tests/test_b.py",
    ]


def test_remove_paths_handles_files_folders_and_missing(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "x.py").write_text("")
    (tmp_path / "file.py").write_text("")
    hook.remove_paths(tmp_path, ["folder", "file.py", "never-there.py"])
    assert list(tmp_path.iterdir()) == []


def test_sample_falls_back_to_csv_without_duckdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = render(tmp_path / "out")
    (project / "data" / "sales.parquet").unlink()
    real_import = builtins.__import__

    def no_duckdb(
        name: str,
        globals: Mapping[str, object] | None = None,
        locals: Mapping[str, object] | None = None,
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> ModuleType:  # builtins.__import__'s signature
        if name == "duckdb":
            raise ImportError("No module named 'duckdb'")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.delitem(sys.modules, "duckdb", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_duckdb)
    written = hook.write_sample_data(project, "sales_insights", 1_000)
    assert written == project / "data" / "sales.csv"
    lines = written.read_text().splitlines()
    assert (
        lines[0] == "order_id,order_date,region,channel,category,product,units,unit_price,revenue"
    )
    assert len(lines) == 1_001


def test_a_failing_step_says_which_step_failed(tmp_path: Path) -> None:
    with pytest.raises(hook.HookError, match="post-generation step 'write sample data' failed"):
        hook.run_step("write sample data", lambda: (tmp_path / "nope" / "x").read_text())


def test_main_reports_a_missing_project_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = {"project_slug": "demo", "package_name": "demo", "sample_rows": "1000"}
    chosen = {"data_source": "duckdb", "auth": "none", "python_version": "3.11"}
    monkeypatch.setattr(
        hook, "ANSWERS", {**answers, **chosen, "dataset_path": "", "auth_requirements": "0"}
    )
    for moved in hook.files_to_move("duckdb", "demo"):  # the files moved before the lock
        (tmp_path / moved).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / moved).write_text("")
    with pytest.raises(hook.HookError, match="post-generation step 'put the lock file in place'"):
        hook.main(tmp_path)  # no locks/ folder: the first step that needs one says so


def test_next_steps_name_the_commands() -> None:
    text = hook.next_steps("my-app", "Sample data: 10 rows.")
    assert "cd my-app" in text
    assert "streamlit run streamlit_app.py" in text
    assert "pytest" in text
