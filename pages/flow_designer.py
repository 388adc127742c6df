"""Flow designer: the status flow as a graph (drag states, drag an arrow from one state to another to add a
transition), a side form for the selected state or transition (roles, guard built by drag and drop,
required fields, field updates, actions, acknowledgements), and the flow's problems before saving.

Edits go to a draft through engine.flow.design; Save validates and stores a new workspace version.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st
from streamlit_condition_tree import condition_tree
from streamlit_flow import streamlit_flow
from streamlit_flow.elements import StreamlitFlowEdge, StreamlitFlowNode
from streamlit_flow.state import StreamlitFlowState

from engine import workspaces
from engine.condition_builder import builder_config, builder_logic
from engine.errors import AuthoringError, EngineError
from engine.flow.design import (
    add_state,
    add_transition,
    flow_problems,
    insert_state_between,
    remove_state,
    remove_transition,
    update_state,
    update_transition,
)
from engine.forms import label_of
from engine.schema_load import dump_workspace, parse_workspace
from pages._ui import json_error, lang, page_context, pick_roles, show_error, t

CATEGORIES = ["open", "done", "cancelled"]
NEW_EDGE = "st-flow-edge_"

store, me, ws = page_context()
st.title(t("flow_designer"))
flow_tables = {tb.name: label_of(tb, lang()) for tb in ws.tables if tb.flow}
if not flow_tables:
    st.info(t("no_permission"))
    st.stop()
table_name = st.selectbox(t("table"), list(flow_tables), format_func=flow_tables.get, key="fd_table")
draft_key = f"fd_draft_{ws.name}_{table_name}"
if draft_key not in st.session_state:
    st.session_state[draft_key] = dump_workspace(ws)


def _apply(edit: Any, *args: Any) -> None:
    """Run a flow_design edit on the draft; show what is wrong instead when it fails."""
    try:
        edited = edit(st.session_state[draft_key], table_name, *args)
    except EngineError as exc:
        show_error(exc)
    else:
        # The draft in the workspace's own canonical form: a form saved unchanged leaves it equal to the
        # saved workspace (no "unsaved changes" for nothing), a real edit differs.
        try:
            st.session_state[draft_key] = dump_workspace(parse_workspace(edited))
        except AuthoringError:
            st.session_state[draft_key] = edited
        st.session_state.pop("fd_graph_state", None)
        st.rerun()


doc = st.session_state[draft_key]
try:
    draft = parse_workspace(doc)
except AuthoringError as exc:
    show_error(exc)
    draft = None
flow_doc = next(tb for tb in doc["tables"] if tb["name"] == table_name)["flow"]
states = {s["name"]: s for s in flow_doc["states"]}
transitions = flow_doc.get("transitions", [])


def _graph() -> StreamlitFlowState:
    columns: dict[str, int] = {}
    nodes = []
    for i, s in enumerate(flow_doc["states"]):
        row = CATEGORIES.index(s.get("category", "open"))
        col = columns[row] = columns.get(row, -1) + 1 if row else i
        kind = "input" if s["name"] == flow_doc["initial"] else "output" if row else "default"
        nodes.append(
            StreamlitFlowNode(
                s["name"],
                (col * 170.0, row * 140.0),
                {"content": s["label"]},
                kind,
                source_position="right",
                target_position="left",
                selectable=True,
                connectable=True,
                style={"background": s.get("color", "#9e9e9e"), "color": "white", "border-radius": "6px"},
            )
        )
    edges = [
        StreamlitFlowEdge(
            f"t{i}-{src}",
            src,
            tr["to"],
            label=tr["label"],
            marker_end={"type": "arrowclosed"},
            animated=bool(tr.get("automatic")),
            focusable=True,
        )
        for i, tr in enumerate(transitions)
        for src in (tr["from"] if "*" not in tr["from"] else list(states))
        if src in states
    ]
    return StreamlitFlowState(nodes, edges)


graph = st.session_state.setdefault("fd_graph_state", _graph())
st.caption(t("select_hint"))
graph = streamlit_flow(
    "fd_graph",
    graph,
    height=420,
    fit_view=True,
    allow_new_edges=True,
    get_node_on_click=True,
    get_edge_on_click=True,
    hide_watermark=True,
)
st.session_state["fd_graph_state"] = graph
for edge in graph.edges:
    if edge.id.startswith(NEW_EDGE) and edge.source in states and edge.target in states:
        _apply(add_transition, edge.source, edge.target)

if draft is not None:
    for problem in flow_problems(draft.require_table(table_name).flow):  # type: ignore[arg-type]
        st.warning(problem)

# What to edit: the graph's selection, or the same choice from a list (keyboard and tests).
items = {f"s:{n}": f"{t('states')}: {s['label']}" for n, s in states.items()} | {
    f"t:{i}": f"{t('transitions')}: {', '.join(tr['from'])} → {tr['to']} ({tr['label']})"
    for i, tr in enumerate(transitions)
}
selected = graph.selected_id or ""
picked = (
    f"s:{selected}"
    if selected in states
    else f"t:{selected[1:].split('-')[0]}"
    if selected.startswith("t")
    else None
)
if picked in items and st.session_state.get("fd_last_pick") != selected:
    # A click in the graph chooses what the form below edits.
    st.session_state["fd_last_pick"] = selected
    st.session_state["fd_item"] = picked
if st.session_state.get("fd_item") not in items:
    st.session_state.pop("fd_item", None)
choice = st.selectbox(t("edit"), list(items), format_func=items.get, key="fd_item")
fields = {
    f["name"]: f["label"] for f in next(tb for tb in doc["tables"] if tb["name"] == table_name)["fields"]
}

if choice.startswith("s:"):
    name = choice[2:]
    s = states[name]
    with st.form(f"fd_state_{name}"):
        c1, c2, c3, c4 = st.columns(4)
        label = c1.text_input(t("label"), s["label"])
        color = c2.color_picker(t("color"), s.get("color", "#9e9e9e"))
        category = c3.selectbox(
            t("category"),
            CATEGORIES,
            index=CATEGORIES.index(s.get("category", "open")),
            format_func=lambda c: t(f"category_{c}"),
        )
        sla = c4.number_input(t("sla"), min_value=0.0, value=float(s.get("sla_hours") or 0))
        save, drop = st.columns(2)
        if save.form_submit_button(t("save")):
            _apply(
                update_state,
                name,
                {"label": label, "color": color, "category": category, "sla_hours": sla or None},
            )
        if drop.form_submit_button(t("remove")):
            _apply(remove_state, name)
else:
    index = int(choice[2:])
    tr = transitions[index]
    table = ws.require_table(table_name)
    with st.form(f"fd_tr_{index}"):
        c1, c2 = st.columns(2)
        label = c1.text_input(t("label"), tr["label"])
        sources = c2.multiselect(
            t("from_states"), ["*", *states], default=tr["from"], placeholder=t("choose")
        )
        c1, c2 = st.columns(2)
        roles = pick_roles(c1, t("roles"), tr.get("roles"))
        required = c2.multiselect(
            t("required_fields"),
            list(fields),
            default=tr.get("require_fields", []),
            format_func=fields.get,
            placeholder=t("choose"),
        )
        st.markdown(f"**{t('guard')}**")
        output = condition_tree(
            builder_config(draft or ws, table, lang()),
            return_type="jsonLogic",
            tree=tr.get("builder"),
            key=f"fd_guard_{index}",
        )
        guard_text = st.text_area(
            t("guard_json"), json.dumps(tr.get("guard"), ensure_ascii=False) if tr.get("guard") else ""
        )
        set_text = st.text_area(t("set_fields"), json.dumps(tr.get("set_fields", {}), ensure_ascii=False))
        effects_text = st.text_area(t("effects"), json.dumps(tr.get("effects", []), ensure_ascii=False))
        c1, c2, c3 = st.columns(3)
        ack = pick_roles(c1, t("ack_roles"), tr.get("acknowledge"))
        ack_minutes = c2.number_input(
            t("ack_minutes"), min_value=0.0, value=float(tr.get("acknowledge_minutes") or 0)
        )
        automatic = c3.checkbox(t("automatic"), value=bool(tr.get("automatic")))
        save, drop = st.columns(2)
        if save.form_submit_button(t("save")):
            try:
                guard = builder_logic(output) or (json.loads(guard_text) if guard_text.strip() else None)
                changes = {
                    "label": label,
                    "from": sources,
                    "roles": roles,
                    "require_fields": required,
                    "guard": guard,
                    "builder": st.session_state.get(f"fd_guard_{index}") if builder_logic(output) else None,
                    "set_fields": json.loads(set_text or "{}"),
                    "effects": json.loads(effects_text or "[]"),
                    "acknowledge": ack,
                    "acknowledge_minutes": ack_minutes or None,
                    "automatic": automatic or None,
                }
            except json.JSONDecodeError as exc:
                json_error(exc, t("effects"))
            except EngineError as exc:
                show_error(exc)
            else:
                _apply(update_transition, index, changes)
        if drop.form_submit_button(t("remove")):
            _apply(remove_transition, index)

with st.expander(t("add_state")), st.form("fd_add_state"):
    c1, c2, c3 = st.columns(3)
    new_label = c1.text_input(t("label"), key="fd_new_label")
    new_name = c2.text_input(t("name"), key="fd_new_name", placeholder=t("name_auto"))
    new_category = c3.selectbox(
        t("category"), CATEGORIES, format_func=lambda c: t(f"category_{c}"), key="fd_new_category"
    )
    if st.form_submit_button(t("add_state")):
        _apply(add_state, {"name": new_name.strip(), "label": new_label.strip(), "category": new_category})
with st.expander(t("insert_between")), st.form("fd_insert"):
    c1, c2, c3, c4 = st.columns(4)
    before = c1.selectbox(
        t("before"), list(states), format_func=lambda n: states[n]["label"], key="fd_before"
    )
    after = c2.selectbox(t("after"), list(states), format_func=lambda n: states[n]["label"], key="fd_after")
    between_label = c3.text_input(t("label"), key="fd_between_label")
    between_name = c4.text_input(t("name"), key="fd_between_name", placeholder=t("name_auto"))
    if st.form_submit_button(t("insert_between")):
        _apply(
            insert_state_between,
            before,
            after,
            {"name": between_name.strip(), "label": between_label.strip()},
        )

if doc != dump_workspace(ws):
    st.session_state.pop("fd_saved", None)
    st.info(t("unsaved"))
elif st.session_state.get("fd_saved"):
    st.success(st.session_state["fd_saved"])
c1, c2 = st.columns(2)
if c1.button(t("save_flow"), type="primary", key="fd_save", disabled=draft is None):
    try:
        version = workspaces.save_workspace(store, doc, me, note=f"flow of {table_name}")
    except EngineError as exc:
        show_error(exc)
    else:
        st.session_state.pop(draft_key, None)
        st.session_state.pop("fd_graph_state", None)
        # Kept for the next runs too: the graph reruns the page as it mounts again.
        st.session_state["fd_saved"] = f"{t('saved')} v{version}"
        st.rerun()
if c2.button(t("discard"), key="fd_discard"):
    st.session_state.pop(draft_key, None)
    st.session_state.pop("fd_graph_state", None)
    st.rerun()
