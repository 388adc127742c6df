"""`python -m engine`: kept as an alias of `python -m hub`, the command-line front end.

The one place under engine/ that names the front end: it is the entry point, not engine code."""

import sys

from hub.cli import main

sys.exit(main())
