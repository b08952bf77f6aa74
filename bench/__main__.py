"""``python -m bench``: the one-table report of every benchmark (``bench.report``)."""

import sys

from bench.report import main

sys.exit(main())
