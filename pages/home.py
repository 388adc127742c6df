"""Home: the workspace overview and creating a workspace from a template (users have their own page)."""

from __future__ import annotations

import streamlit as st

from engine import overview, workspaces
from engine.auth import may
from engine.errors import EngineError
from engine.forms import label_of
from hub.seed import seed_workspace
from pages._ui import actor, current_workspace, get_store, lang, show_error, t

store = get_store()
me = actor()
ws = current_workspace(store)

if ws is not None:
    st.title(label_of(ws, lang()))  # type: ignore[arg-type]
    try:
        version, tables = overview.summarize(store, ws, me)
    except EngineError as exc:
        show_error(exc)
        st.stop()
    cols = st.columns(max(1, len(tables)))
    for col, table in zip(cols, tables, strict=False):
        col.metric(table.label_en if lang() == "en" and table.label_en else table.label, f"{table.rows:,}")
    st.caption(f"{t('version')} v{version}")
    st.dataframe(
        [
            {
                t("table"): s.label,
                t("col_name"): s.name,
                t("fields"): s.fields,
                t("rows"): s.rows,
                t("flow"): "✓" if s.has_flow else "",
            }
            for s in tables
        ],
        hide_index=True,
    )


def create_workspace_form() -> None:
    """Create a workspace from a template (builders and admins; the engine refuses anyone else)."""
    st.subheader(t("create_ws"))
    with st.form("create_ws"):
        labels = {n: workspaces.load_template(n).get("label", n) for n in workspaces.template_names()}
        template = st.selectbox(t("template"), list(labels), format_func=labels.get, key="tpl")
        name = st.text_input(t("ws_name"), key="tpl_name")
        label = st.text_input(t("ws_label"), key="tpl_label")
        orders = st.number_input(
            t("sample_orders"), min_value=0, max_value=1_000_000, value=0, step=1000, key="tpl_orders"
        )
        submitted = st.form_submit_button(t("create"))
    if not submitted:
        return
    try:
        created = workspaces.create_from_template(store, template, me, name=name or None, label=label or None)
        if orders:
            seed_workspace(store, created, me, orders=int(orders))
    except EngineError as exc:
        show_error(exc)
    else:
        st.session_state["workspace"] = created.name
        st.success(f"{t('created')}: {created.label} ({created.name})")
        st.rerun()


if may(me, "edit_schema"):
    create_workspace_form()
