"""Names the speed tooling needs: a package may not shadow the benchmarks or their libraries.

tests/test_bench.py runs the template's benchmark (bench/) on a tiny dataset; the
generated project's own suite runs its latency check and load test.
"""

from __future__ import annotations

import pytest
from conftest import pre_gen_project as hook


@pytest.mark.parametrize("name", ["benchmarks", "websockets", "psutil"])
def test_package_name_cannot_shadow_the_benchmark_package(name: str) -> None:
    with pytest.raises(hook.AnswerError, match=r"would (shadow|collide)"):
        hook.check_package_name(name)
