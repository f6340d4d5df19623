"""Jinja extensions for this template (listed in cookiecutter.json ``_extensions``).

``AnswerCheck`` validates the answers while cookiecutter renders its context, i.e.
before ``generate_files`` creates the project directory (which happens before the
``pre_gen_project`` hook runs). A slug such as ``a/b`` or ``../x`` is therefore
rejected before anything is written. The rules live in ``hooks/pre_gen_project.py``,
which also runs them again as the authoritative gate.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

from cookiecutter.exceptions import FailedHookException
from jinja2 import Environment
from jinja2.ext import Extension

HOOK_PATH = Path(__file__).resolve().parent / "hooks" / "pre_gen_project.py"

_hook_module: ModuleType | None = None


def load_hook() -> ModuleType:
    """Import ``hooks/pre_gen_project.py`` by path (``hooks`` is not a package)."""
    global _hook_module
    if _hook_module is None:
        spec = importlib.util.spec_from_file_location("_streamlit_fast_pre_gen_hook", HOOK_PATH)
        if spec is None or spec.loader is None:  # pragma: no cover - file is part of the repo
            raise FailedHookException(f"Cannot load the answer checks from {HOOK_PATH}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _hook_module = module
    return _hook_module


def check_answers(context_mapping: Mapping) -> str:
    """Jinja filter: raise ``FailedHookException`` listing every invalid answer.

    cookiecutter's CLI catches ``FailedHookException``, prints its message and exits 1.
    """
    errors = load_hook().validate(dict(context_mapping))
    if errors:
        raise FailedHookException("\n".join(str(error) for error in errors))
    return "ok"


class AnswerCheck(Extension):
    """Register the ``check_answers`` filter."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["check_answers"] = check_answers
