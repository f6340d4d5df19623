"""``python -m bench``: see ``bench.bench``."""

import sys

from .bench import main

sys.exit(main())
