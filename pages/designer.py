"""Table designer: add, edit, reorder and hide fields; the JSON view; version history, diff and rollback.

Every change goes through engine.designer (pure document edits) and workspaces.save_workspace, which
validates, migrates and refuses lossy changes unless forced.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st
from streamlit_sortables import sort_items

from engine import workspaces
from engine.designer import (
    add_field,
    merged_options,
    remove_field,
    reorder_fields,
    settings_changes,
    type_settings,
    update_field,
    with_ids,
)
from engine.errors import EngineError
from engine.fields import FIELD_TYPES
from engine.forms import label_of
from engine.schema_load import dump_workspace, parse_workspace_json
from pages._ui import json_error, lang, page_context, pick_roles, show_error, t, type_label

store, me, ws = page_context()
st.title(t("designer"))
doc = with_ids(dump_workspace(ws))
labels = {tb.name: label_of(tb, lang()) for tb in ws.tables}
table_name = st.selectbox(t("table"), list(labels), format_func=labels.get, key="des_table")
table_doc = next(tb for tb in doc["tables"] if tb["name"] == table_name)
force = st.checkbox(t("force"), key="des_force")


def save(new_doc: dict[str, Any], note: str) -> None:
    """Save a new version; show what the engine refused, if anything."""
    try:
        version = workspaces.save_workspace(store, new_doc, me, force=force, note=note)
    except EngineError as exc:
        show_error(exc)
    else:
        st.success(f"{t('saved')}: v{version} — {note}")


def parse_options(text: str) -> list[dict[str, str]]:
    """'value:label' lines (or just 'label') into select options."""
    options = []
    for line in text.splitlines():
        if line.strip():
            value, _, label = line.partition(":")
            options.append({"value": value.strip(), "label": (label or value).strip()})
    return options


def options_text(field: dict[str, Any]) -> str:
    return "\n".join(f"{o['value']}:{o['label']}" for o in field.get("options", []))


st.dataframe(
    [
        {
            t("col_id"): f["id"],
            t("name"): f["name"],
            t("label"): f["label"],
            t("type"): type_label(f["type"]),
            t("required"): f.get("required", False),
            t("unique"): f.get("unique", False),
            t("hidden_for"): ", ".join(f.get("hidden_for", [])),
            t("readonly_for"): ", ".join(f.get("readonly_for", [])),
        }
        for f in table_doc["fields"]
    ],
    hide_index=True,
    width="stretch",
)

tab_add, tab_edit, tab_order, tab_json, tab_versions = st.tabs(
    [t("add_field"), t("edit_field"), t("reorder"), t("json_view"), t("versions")]
)

with tab_add, st.form("add_field"):
    label = st.text_input(t("label"), key="add_label")
    name = st.text_input(t("name"), key="add_name", placeholder=t("name_auto"))
    type_ = st.selectbox(t("type"), sorted(FIELD_TYPES), format_func=type_label, key="add_type")
    required = st.checkbox(t("required"), key="add_required")
    options = st.text_area(t("options"), key="add_options", placeholder=t("options_example"))
    extra = st.text_area(
        t("extra"),
        key="add_extra",
        placeholder=t("extra_example"),
    )
    if st.form_submit_button(t("add_field")):
        try:
            spec: dict[str, Any] = {
                "type": type_,
                "name": name.strip(),
                "label": label.strip(),
                "required": required,
            }
            if type_ in ("single_select", "multi_select"):
                spec["options"] = parse_options(options)
            spec |= json.loads(extra) if extra.strip() else {}
            added = add_field(doc, table_name, spec)
            made = next(tb for tb in added["tables"] if tb["name"] == table_name)["fields"][-1]["name"]
            save(added, f"add field {made}")
        except json.JSONDecodeError as exc:
            json_error(exc, t("extra"))
        except EngineError as exc:
            show_error(exc)

with tab_edit:
    by_id = {f["id"]: f for f in table_doc["fields"]}
    field_id = st.selectbox(
        t("field"),
        list(by_id),
        format_func=lambda i: f"{by_id[i]['label']} ({by_id[i]['name']})",
        key="edit_pick",
    )
    current = by_id[field_id]
    with st.form("edit_field"):
        new_label = st.text_input(t("label"), value=current["label"], key=f"edit_label_{field_id}")
        new_label_en = st.text_input(
            t("label_en"), value=current.get("label_en", ""), key=f"edit_label_en_{field_id}"
        )
        new_name = st.text_input(t("name"), value=current["name"], key=f"edit_name_{field_id}")
        new_help = st.text_input(t("help"), value=current.get("help", ""), key=f"edit_help_{field_id}")
        new_required = st.checkbox(
            t("required"), value=current.get("required", False), key=f"edit_req_{field_id}"
        )
        hidden = pick_roles(st, t("hidden_for"), current.get("hidden_for"), f"edit_hidden_{field_id}")
        readonly = pick_roles(st, t("readonly_for"), current.get("readonly_for"), f"edit_ro_{field_id}")
        new_options = (
            st.text_area(t("options"), value=options_text(current), key=f"edit_opts_{field_id}")
            if current["type"] in ("single_select", "multi_select")
            else None
        )
        settings = st.text_area(
            t("extra"),
            value=json.dumps(type_settings(current), ensure_ascii=False),
            key=f"edit_settings_{field_id}",
            help=t("settings_example"),
        )
        c1, c2 = st.columns(2)
        saved = c1.form_submit_button(t("save"))
        removed = c2.form_submit_button(t("remove_field"))
    if saved:
        changes: dict[str, Any] = {
            "label": new_label,
            "label_en": new_label_en or None,
            "name": new_name,
            "help": new_help or None,
            "required": new_required,
            "hidden_for": hidden,
            "readonly_for": readonly,
        }
        if new_options is not None:
            changes["options"] = merged_options(current.get("options", []), parse_options(new_options))
        try:
            edited = json.loads(settings or "{}")
        except json.JSONDecodeError as exc:
            json_error(exc, t("extra"))
        else:
            if not isinstance(edited, dict):
                st.error(t("json_object_needed", where=t("extra")))
            else:
                changes |= settings_changes(current, edited)
                save(update_field(doc, table_name, field_id, changes), f"edit field {new_name}")
    if removed:
        save(remove_field(doc, table_name, field_id), f"remove field {current['name']}")

with tab_order:
    names = [f"{f['label']} · {f['id']}" for f in table_doc["fields"]]
    ordered = sort_items(names, key=f"sort_{table_name}") or names
    if st.button(t("save_order"), key="save_order"):
        save(reorder_fields(doc, table_name, [n.rsplit(" · ", 1)[1] for n in ordered]), "reorder fields")

with tab_json:
    text = st.text_area(
        t("json_view"), value=json.dumps(doc, ensure_ascii=False, indent=2), height=400, key=f"json_{ws.name}"
    )
    j1, j2 = st.columns(2)
    if j1.button(t("validate"), key="json_validate"):
        try:
            parse_workspace_json(text, "JSON")
            st.success(t("valid"))
        except EngineError as exc:
            show_error(exc)
    if j2.button(t("save"), key="json_save"):
        try:
            save(json.loads(text), "edit JSON")
        except json.JSONDecodeError as exc:
            json_error(exc, t("json_view"))

with tab_versions:
    versions = workspaces.list_versions(store, ws.name)
    st.dataframe(
        [
            {
                t("version"): v.version,
                t("col_saved_at"): v.saved_at,
                t("col_by"): v.saved_by,
                t("col_note"): v.note,
                t("col_current"): "✓" if v.current else "",
            }
            for v in versions
        ],
        hide_index=True,
    )
    numbers = [v.version for v in versions]
    v1, v2 = st.columns(2)
    old = v1.selectbox(t("diff_from"), numbers, index=min(1, len(numbers) - 1), key="diff_from")
    new = v2.selectbox(t("diff_to"), numbers, index=0, key="diff_to")
    st.markdown(f"**{t('diff')}**")
    st.code("\n".join(workspaces.describe_diff(store, ws.name, int(old), int(new))) or "—")
    target = st.selectbox(t("rollback"), numbers, key="rollback_pick")
    if st.button(t("rollback"), key="rollback_go"):
        try:
            number = workspaces.rollback(store, ws.name, int(target), me, force=force)
            st.success(f"{t('saved')}: v{number}")
        except EngineError as exc:
            show_error(exc)
