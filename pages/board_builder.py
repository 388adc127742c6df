"""Board builder: create a board, share it with roles, add widgets of any type, configure each with a form
(table, fields, measure, condition by drag and drop), drag to reorder, remove, preview while editing, save.
The draft is a workspace document in the session; the engine validates and saves it as a new version."""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit_condition_tree import condition_tree
from streamlit_sortables import sort_items

from engine import workspaces
from engine.boards.design import (
    FORM,
    add_widget,
    checked_board,
    choices,
    create_board,
    field_options,
    new_widget,
    remove_widget,
    reorder_widgets,
    update_widget,
)
from engine.boards.model import WIDGET_TYPES
from engine.boards.render import render_widget
from engine.boards.scope import Context
from engine.clock import as_naive
from engine.condition_builder import builder_config, builder_logic
from engine.errors import EngineError
from engine.forms import label_of
from engine.registry import Registry
from engine.schema import Table, Workspace
from engine.schema_load import dump_workspace
from pages._charts import draw
from pages._ui import TEXT, lang, page_context, pick_roles, show_error, t


def widget_label(kind: str) -> str:
    """A widget type's name in the UI language."""
    return t(f"wtype_{kind}") if f"wtype_{kind}" in TEXT else kind


NEW = "__new__"
store, me, ws = page_context()
st.title(t("board_builder"))

names = [b.name for b in ws.boards]
choice = st.selectbox(
    t("board"),
    [NEW, *names],
    format_func=lambda n: t("new_board") if n == NEW else ws.board(n).title,
    key="bb_pick",
)
draft_key = f"bb_draft_{ws.name}_{choice}"
if choice == NEW:
    c1, c2 = st.columns(2)
    new_name = c1.text_input(t("board_name"), key="bb_new_name", placeholder=t("name_auto"))
    new_title = c2.text_input(t("title"), key="bb_new_title")
    if st.button(t("create_board"), key="bb_create") and not new_title.strip():
        st.warning(t("name_and_title"))
    elif st.session_state.get("bb_create"):
        try:
            doc, made = create_board(dump_workspace(ws), new_name, new_title)
        except EngineError as exc:
            show_error(exc)  # the typed name and title stay in their boxes to be corrected
        else:
            st.session_state[f"bb_draft_{ws.name}_{made}"] = doc
            st.session_state["bb_open"] = made
            st.rerun()
    opened = st.session_state.get("bb_open")
    if not opened:
        st.stop()
    choice, draft_key = opened, f"bb_draft_{ws.name}_{opened}"
doc: dict[str, Any] = st.session_state.setdefault(draft_key, dump_workspace(ws))
board = next(b for b in doc["boards"] if b["name"] == choice)

c1, c2, c3 = st.columns([2, 2, 3])
board["title"] = c1.text_input(t("title"), value=board.get("title", ""), key=f"{draft_key}_title")
board["title_en"] = c2.text_input(t("title_en"), value=board.get("title_en", ""), key=f"{draft_key}_title_en")
board["roles"] = pick_roles(c3, t("share_roles"), board.get("roles"), f"{draft_key}_roles")

# -- add, reorder ----------------------------------------------------------------------------------------
c1, c2, c3 = st.columns([2, 3, 1])
kind = c1.selectbox(t("widget_type"), WIDGET_TYPES, format_func=widget_label, key=f"{draft_key}_kind")
title = c2.text_input(t("new_widget_title"), key=f"{draft_key}_new_title")
if c3.button(t("add_widget"), key=f"{draft_key}_add") and not title.strip():
    st.warning(t("widget_needs_title"))
elif st.session_state.get(f"{draft_key}_add"):
    doc = add_widget(doc, choice, new_widget(board, kind, title))
    st.session_state[draft_key] = doc
    st.rerun()
widgets = board.get("widgets", [])
if len(widgets) > 1:
    st.caption(t("drag_to_reorder"))
    order = sort_items([w["id"] for w in widgets], key=f"{draft_key}_sort_{len(widgets)}")
    if order and order != [w["id"] for w in widgets]:
        st.session_state[draft_key] = reorder_widgets(doc, choice, order)
        st.rerun()


# -- one form per widget --------------------------------------------------------------------------------
def _field_control(table: Table, control: str, label: str, value: Any, key: str) -> Any:
    options = ["", *field_options(table, control)]
    labels = {f.name: label_of(f, lang()) for f in table.fields}
    chosen = st.selectbox(
        label,
        options,
        index=options.index(value) if value in options else 0,
        format_func=lambda n: labels.get(n, "—"),
        key=key,
    )
    return chosen or None


def _condition(ws: Workspace, table: Table, label: str, value: Any, key: str) -> Any:
    st.caption(label)
    output = condition_tree(builder_config(ws, table, lang()), return_type="jsonLogic", key=key)
    return (builder_logic(output) if output else None) or value


def _choice(kind: str, setting: str, label: str, table: Table, value: Any, key: str) -> Any:
    options = choices(kind, setting)
    return st.selectbox(label, options, index=options.index(value) if value in options else 0, key=key)


def _fields(kind: str, setting: str, label: str, table: Table, value: Any, key: str) -> Any:
    labels = {f.name: label_of(f, lang()) for f in table.fields}
    options = field_options(table, "field")
    return st.multiselect(
        label,
        options,
        default=[v for v in value or [] if v in options],
        format_func=labels.get,
        key=key,
        placeholder=t("choose"),
    )


def _int(kind: str, setting: str, label: str, table: Table, value: Any, key: str) -> Any:
    return st.number_input(label, min_value=0, value=int(value or 0), step=1, key=key) or None


def _bool(kind: str, setting: str, label: str, table: Table, value: Any, key: str) -> Any:
    return st.checkbox(label, value=bool(value), key=key)


# One control per kind of setting (engine/boards/design.FORM says which setting takes which).
CONTROLS = Registry(
    "board control",
    {
        "choice": _choice,
        "field": lambda kind, setting, label, table, v, key: _field_control(table, "field", label, v, key),
        "date": lambda kind, setting, label, table, v, key: _field_control(table, "date", label, v, key),
        "number": lambda kind, setting, label, table, v, key: _field_control(table, "number", label, v, key),
        "fields": _fields,
        "int": _int,
        "bool": _bool,
        "condition": lambda kind, setting, label, table, v, key: _condition(ws, table, label, v, key),
    },
)


def _edit(widget: dict[str, Any], key: str) -> dict[str, Any]:
    """The widget as its form shows it (the engine checks it on preview and save)."""
    out = dict(widget)
    tables = {tb.name: label_of(tb, lang()) for tb in ws.tables}
    c1, c2, c3 = st.columns([3, 2, 1])
    out["title"] = c1.text_input(t("title"), value=widget.get("title", ""), key=f"{key}_title")
    out["table"] = c2.selectbox(
        t("table"),
        list(tables),
        index=list(tables).index(widget.get("table", "orders")),
        format_func=tables.get,
        key=f"{key}_table",
    )
    out["width"] = c3.number_input(
        t("width"), min_value=1, max_value=12, value=int(widget.get("width", 6)), key=f"{key}_width"
    )
    table = ws.require_table(out["table"])
    for setting, control in FORM[widget["type"]]:
        label = t(f"set_{setting}")
        value = CONTROLS[control](
            widget["type"], setting, label, table, widget.get(setting), f"{key}_{setting}"
        )
        if value in (None, "", []):
            out.pop(setting, None)
        else:
            out[setting] = value
    out["condition"] = _condition(ws, table, t("widget_filter"), widget.get("condition"), f"{key}_condition")
    if not out["condition"]:
        out.pop("condition")
    return out


for widget in list(widgets):
    key = f"{draft_key}_{widget['id']}"
    with st.expander(f"{widget['title']} · {widget_label(widget['type'])}"):
        edited = _edit(widget, key)
        if edited != widget:
            doc = update_widget(doc, choice, edited)
            st.session_state[draft_key] = doc
        b1, b2 = st.columns(2)
        if b1.button(t("preview"), key=f"{key}_preview"):
            try:
                preview_ws, preview_board = checked_board(ws, doc, choice)
                spec = next(w for w in preview_board.widgets if w.id == widget["id"])
                data = render_widget(
                    Context(store, preview_ws, me, as_naive(None, ws.timezone)), spec, "preview"
                )
            except EngineError as exc:
                show_error(exc)
            else:
                draw(data, f"{key}_drawn")
        if b2.button(t("remove_widget"), key=f"{key}_remove"):
            st.session_state[draft_key] = remove_widget(doc, choice, widget["id"])
            st.rerun()

if st.button(t("save_board"), type="primary", key=f"{draft_key}_save"):
    try:
        checked_board(ws, doc, choice)
        version = workspaces.save_workspace(store, doc, me, note=f"board {choice}")
    except EngineError as exc:
        show_error(exc)
    else:
        st.session_state.pop(draft_key, None)
        st.session_state.pop("bb_open", None)
        st.success(t("board_saved", version=version))
