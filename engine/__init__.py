"""OrderHub engine: schema language, storage, records, audit and auth over DuckDB.

Pure Python; never imports streamlit. Pages and connectors call into it.
"""
