"""The template's benchmark: what the generated apps cost, on every engine, measured here.

    python -m bench --rows 2000000 --json bench.json          # from the template's root

See ``bench.bench`` for what is measured and ``docs/benchmarks.md`` for the results.
"""

import sys
from pathlib import Path

# The generated projects' websocket driver and tables (``benchmarks.driver``,
# ``benchmarks.stats``), from the template itself; appended, so a rendered
# project's own copy on the path comes first (the AppTest driver runs in one).
sys.path.append(str(Path(__file__).resolve().parents[1] / "{{cookiecutter.project_slug}}"))
