"""Form entry: a form generated from the table schema for the signed-in role; errors shown per field."""

from __future__ import annotations

import streamlit as st

from engine.errors import EngineError
from engine.forms import form_fields
from engine.records.single import create_record
from pages._ui import choose_table, lang, page_context, problem_text, show_error, t
from pages._widgets import render_fields

store, me, ws = page_context()
st.title(t("new_record"))
table = choose_table(ws, "create", "form_table")
table_name = table.name
errors: dict[str, str] = st.session_state.get("form_errors", {})
if summary := st.session_state.pop("form_summary", None):
    st.error(summary, icon=":material/error:")
if saved := st.session_state.pop("form_saved", None):
    st.success(saved, icon=":material/check_circle:")
with st.form("entry", clear_on_submit=False):
    fields = [f for f in form_fields(table, me, lang()) if f.widget != "readonly"]
    entered = render_fields(fields, f"new_{table_name}", {}, errors)
    submitted = st.form_submit_button(t("submit"))
if submitted:
    values = {k: v for k, v in entered.items() if v not in (None, "", [])}
    try:
        row = create_record(store, ws, table_name, values, me)
    except EngineError as exc:
        by_field = {p.path: problem_text(p) for p in exc.problems if p.path in {f.name for f in fields}}
        if not by_field:
            show_error(exc)
        else:
            # Each problem under its own field, a one-line summary on top: the form shows them on a rerun.
            st.session_state["form_errors"] = by_field
            st.session_state["form_summary"] = t("problems_fix", n=len(by_field))
            st.rerun()
    else:
        st.session_state["form_errors"] = {}
        key = table.business_key
        st.session_state["form_saved"] = f"{t('saved')}: {row.get(key) if key else row['_id']}"
        st.rerun()
