"""`python -m sample_data.corpus DIR`: write the corpus files into DIR."""

import sys
from pathlib import Path

from sample_data.corpus import build

for written in build(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")):
    print(written.path, written.rows)
