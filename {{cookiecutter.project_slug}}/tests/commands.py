"""Run the project's own ``python -m`` tools as a developer does, for the smoke tests."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def run_module(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def is_measure(value: object) -> bool:
    """A reported number: finite and not negative."""
    return isinstance(value, float | int) and math.isfinite(value) and value >= 0
