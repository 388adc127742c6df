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


def opened_on(template: str, page: str) -> tuple[str, dict, AppTest]:
    """A workspace of `template` (the demo one for home_ecommerce), its document as saved, and an admin's
    session on `page` in it: the start of every editor round-trip test."""
    from engine import auth, workspaces
    from engine.schema_load import dump_workspace
    from pages._ui import get_store

    store = get_store()
    name = "home_ecommerce"
    if template != "home_ecommerce":
        name = f"rt_{template}"
        workspaces.create_from_template(store, template, auth.SYSTEM, name=name)
    original = dump_workspace(workspaces.get_workspace(store, name))
    at = signed_in()
    at.session_state["workspace"] = name
    at.switch_page(page).run()
    return name, original, at


TEMPLATES = ["home_ecommerce", "auto_parts_chain", "hardware_wholesale"]
