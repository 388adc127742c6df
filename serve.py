"""The app server: the Streamlit pages (app.py) plus HTTP routes in the same process, which owns the DuckDB file:
webhook intake for channels and the WMS (/api/hooks/{workspace}/{connector}) a health check (/api/health) and the sign-in cookie (/api/session/…).
Start with `streamlit run serve.py`."""

from __future__ import annotations

import streamlit as st

from connectors.webhooks import routes
from engine.storage.store import shared_store
from hub import session_routes

app = st.App("app.py", routes=[*routes(shared_store), *session_routes.routes(shared_store)])
