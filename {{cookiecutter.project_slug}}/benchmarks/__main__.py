"""``python -m benchmarks``: see ``benchmarks.bench``."""

import sys

from .bench import main

sys.exit(main())
