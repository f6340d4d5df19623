"""Shared test helpers for the template's own tests (not the rendered project's)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]


def load_hook(name: str) -> ModuleType:
    """Import the raw (unrendered) ``hooks/<name>.py`` by path; ``hooks`` is not a package."""
    path = TEMPLATE_ROOT / "hooks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_template_hook_{name}", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
