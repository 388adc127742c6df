"""OrderHub engine: schema language, storage, records, audit and auth over DuckDB.

Pure Python; never imports streamlit. Pages and connectors call into it.
"""

from engine import wiring  # noqa: F401  (registers the after-write hooks before any write can run)
