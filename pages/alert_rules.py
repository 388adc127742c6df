"""Alert rules: the condition built by drag and drop (plus time conditions), level, message, recipients,
escalation chain and re-notify interval; "test this rule" shows what matches now before saving."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import streamlit as st
from streamlit_condition_tree import condition_tree

from engine import workspaces
from engine.alerts.evaluate import matching_records
from engine.condition_builder import (
    builder_config,
    clause_row,
    clauses_from_rows,
    combine,
    edited_logic,
    has_rules,
    split,
)
from engine.errors import EngineError
from engine.forms import label_of
from engine.notify.outbox import channels
from engine.rule_design import checked_rule, escalation_steps, remove_rule
from engine.schema_load import dump_workspace
from pages._ui import lang, page_context, pick_roles, show_error, t

LEVELS = ["info", "yellow", "red"]
NEW = "__new__"

store, me, ws = page_context()
st.title(t("alert_rules"))
rules = {r.name: r for r in ws.rules}
choice = st.selectbox(
    t("rule"), [NEW, *rules], format_func=lambda n: t("new_rule") if n == NEW else f"{rules[n].label} ({n})"
)
rule = rules.get(choice)
key = f"rule_{choice}"
tables = {tb.name: label_of(tb, lang()) for tb in ws.tables}

c1, c2, c3 = st.columns(3)
name = c1.text_input(
    t("rule_name"), value=rule.name if rule else "", disabled=rule is not None, key=f"{key}_name"
)
label = c2.text_input(t("label"), value=rule.label if rule else "", key=f"{key}_label")
table_name = c3.selectbox(
    t("table"),
    list(tables),
    index=list(tables).index(rule.table) if rule else 0,
    format_func=tables.get,
    key=f"{key}_table",
)
table = ws.require_table(table_name)
c1, c2, c3 = st.columns(3)
level = c1.selectbox(
    t("level"),
    LEVELS,
    index=LEVELS.index(rule.level) if rule else 1,
    format_func=lambda v: t(f"level_{v}"),
    key=f"{key}_level",
)
renotify = c2.number_input(
    t("renotify"),
    min_value=0.0,
    value=float(rule.renotify_minutes or 0) if rule else 0.0,
    key=f"{key}_renotify",
)
enabled = c3.checkbox(t("enabled"), value=rule.enabled if rule else True, key=f"{key}_enabled")
message = st.text_input(t("message"), value=rule.message if rule else "", key=f"{key}_message")
c1, c2, c3 = st.columns(3)
roles = pick_roles(c1, t("recipients_roles"), rule.roles if rule else [], f"{key}_roles")
users = c2.text_input(t("recipients_users"), value=", ".join(rule.users) if rule else "", key=f"{key}_users")
known_channels = sorted({*channels(store, ws.name), *(rule.channels if rule else [])})
chosen_channels = c3.multiselect(
    t("channels"),
    known_channels,
    default=list(rule.channels) if rule else [],
    placeholder=t("choose"),
    key=f"{key}_channels",
)

st.markdown(f"**{t('condition')}**")
logic_before, clauses_before = split(rule.condition) if rule else (None, [])
opened_tree = rule.builder if rule and has_rules(rule.builder) else None
clear_before = False
if logic_before is not None and opened_tree is None:
    # Written without the builder (a template's rule): kept as it is; what is built below is added to it.
    st.caption(t("condition_kept"))
    st.code(json.dumps(logic_before, ensure_ascii=False), language="json")
    clear_before = st.checkbox(t("condition_clear"), key=f"{key}_clear")
output = condition_tree(
    builder_config(ws, table, lang()),
    return_type="jsonLogic",
    tree=opened_tree,
    key=f"{key}_tree",
)
time_fields = [f.name for f in table.fields if f.is_kind("time")]
field_labels = {f.name: label_of(f, lang()) for f in table.fields}
kinds = {"hours_since": t("hours_since"), "hours_in_status": t("hours_in_status")}
st.markdown(f"**{t('time_clauses')}**")
clause_rows = st.data_editor(
    # Typed columns even with no clause yet: a new rule's grid must offer its columns to fill.
    pl.DataFrame(
        [clause_row(c) for c in clauses_before],
        schema={"kind": pl.String, "field": pl.String, "op": pl.String, "hours": pl.Float64},
    ),
    num_rows="dynamic",
    column_config={
        "kind": st.column_config.SelectboxColumn(
            t("clause_kind"), options=list(kinds), format_func=kinds.get, required=True
        ),
        "field": st.column_config.SelectboxColumn(
            t("field"), options=time_fields, format_func=lambda n: field_labels.get(n, n)
        ),
        "op": st.column_config.SelectboxColumn(t("operator"), options=[">", ">=", "<", "<="], required=True),
        "hours": st.column_config.NumberColumn(t("hours"), min_value=0.0, required=True),
    },
    key=f"{key}_clauses",
)
st.markdown(f"**{t('escalation')}**")
escalation_rows = st.data_editor(
    [
        {
            "after_minutes": s.after_minutes,
            "level": s.level,
            "roles": ", ".join(s.roles),
            "users": ", ".join(s.users),
            "channels": ", ".join(s.channels),
        }
        for s in (rule.escalation if rule else [])
    ]
    or [{"after_minutes": None, "level": None, "roles": "", "users": "", "channels": ""}],
    num_rows="dynamic",
    column_config={
        "after_minutes": st.column_config.NumberColumn(t("after_minutes"), min_value=0.0),
        "level": st.column_config.SelectboxColumn(
            t("level"), options=LEVELS, format_func=lambda v: t(f"level_{v}")
        ),
        "roles": st.column_config.TextColumn(t("recipients_roles")),
        "users": st.column_config.TextColumn(t("recipients_users")),
        "channels": st.column_config.TextColumn(t("channels")),
    },
    key=f"{key}_escalation",
)


def _rule() -> dict[str, Any]:
    """The rule as the form shows it (validated by the engine when tested or saved)."""
    clauses = clauses_from_rows(clause_rows.to_dicts())
    logic, builder = edited_logic(
        logic_before, opened_tree, output, st.session_state.get(f"{key}_tree"), clear_before
    )
    return {
        "name": name.strip(),
        "label": label.strip() or name.strip(),
        "table": table_name,
        "condition": combine(logic, clauses),
        "level": level,
        "message": message,
        "roles": roles,
        "users": [u.strip() for u in users.split(",") if u.strip()],
        "channels": chosen_channels,
        "escalation": escalation_steps(list(escalation_rows)),
        "renotify_minutes": renotify or None,
        "enabled": enabled,
        "builder": builder,
    }


b1, b2, b3 = st.columns(3)
if b1.button(t("test_rule"), key=f"{key}_test"):
    try:
        updated, checked = checked_rule(ws, _rule())
        count, sample = matching_records(store, updated, checked)
    except EngineError as exc:
        show_error(exc)
    else:
        st.success(t("matches", count=count))
        st.dataframe(
            sample,
            hide_index=True,
            width="stretch",
            column_config={
                "_id": None,
                "key": st.column_config.TextColumn(t("record")),
                "message": st.column_config.TextColumn(t("sample_message")),
            },
        )
if b2.button(t("save"), type="primary", key=f"{key}_save"):
    try:
        updated, _ = checked_rule(ws, _rule())
        workspaces.save_workspace(store, dump_workspace(updated), me, note=f"alert rule {name}")
    except EngineError as exc:
        show_error(exc)
    else:
        st.success(t("saved"))
if rule and b3.button(t("delete"), key=f"{key}_delete"):
    try:
        workspaces.save_workspace(
            store, remove_rule(dump_workspace(ws), rule.name), me, note=f"remove rule {rule.name}"
        )
    except EngineError as exc:
        show_error(exc)
    else:
        st.rerun()
with st.expander(t("json_view")):
    try:
        st.json(_rule()["condition"])
    except EngineError as exc:
        st.caption(exc.message)  # an unfinished rule: said when testing or saving
