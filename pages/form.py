"""Form entry: a form generated from the table schema for the signed-in role; errors shown per field."""

from __future__ import annotations

import streamlit as st

from engine.errors import EngineError
from engine.forms import form_fields
from engine.records.single import create_record
from pages._ui import choose_table, lang, page_context, show_error, t
from pages._widgets import render_fields

store, me, ws = page_context()
st.title(t("new_record"))
table = choose_table(ws, "create", "form_table")
table_name = table.name
errors: dict[str, str] = st.session_state.get("form_errors", {})
with st.form("entry", clear_on_submit=False):
    fields = [f for f in form_fields(table, me, lang()) if f.widget != "readonly"]
    entered = render_fields(fields, f"new_{table_name}", {}, errors)
    submitted = st.form_submit_button(t("submit"))
if submitted:
    values = {k: v for k, v in entered.items() if v not in (None, "", [])}
    try:
        row = create_record(store, ws, table_name, values, me)
    except EngineError as exc:
        st.session_state["form_errors"] = {p.path: p.message for p in exc.problems}
        show_error(exc)
    else:
        st.session_state["form_errors"] = {}
        key = table.business_key
        st.success(f"{t('saved')}: {row.get(key) if key else row['_id']}")
