"""AppTest fixtures: each test gets its own database file and a fresh process-wide store."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PASSWORD = "admin-pass-1"


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    monkeypatch.setenv("ORDERHUB_DB", str(tmp_path / "app.duckdb"))
    monkeypatch.setenv("ORDERHUB_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("ORDERHUB_DEMO_ORDERS", "300")
    monkeypatch.setenv("ORDERHUB_SCHEDULER", "0")  # jobs are run explicitly here
    st.cache_resource.clear()
    yield tmp_path
    from pages._ui import get_store

    get_store().close()
    st.cache_resource.clear()


def signed_in(username: str = "admin", password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="login_user").set_value(username)
    at.text_input(key="login_password").set_value(password)
    at.button[0].click().run()
    return at
