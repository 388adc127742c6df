"""Entry point of `python -m hub` (and of its alias `python -m engine`)."""

import sys

from hub.cli import main

sys.exit(main())
