"""Records: one page of a table at a time (paged, filtered, sorted and searched in the engine), inline
edits in the grid, and a detail view with an edit form and the record's audit history."""

from __future__ import annotations

from typing import Any

import streamlit as st

from engine.auth import may
from engine.edits import apply_grid_edits
from engine.errors import EngineError
from engine.filters import OPERATORS, Filter, filter_from_text, operators_for
from engine.flow.bulk import bulk_transition
from engine.flow.moves import moves, status_timeline, transition
from engine.forms import can, form_fields, grid_frame, label_of, record_links
from engine.query import query_records, sub_table_rows
from engine.records.history import record_history
from engine.records.single import get_record, update_record
from engine.records.undo_edit import last_edit, undo_edit
from pages._ui import choose_table, heading, lang, page_context, problem_text, reason_text, show_error, t
from pages._widgets import changed_values, render_fields

# The grid's first column: tick a row to open it below.
OPEN = "_open"

store, me, ws = page_context()
st.title(t("records"))
link = st.query_params.to_dict()
if (
    str(link.get("id", "")).isdigit()
    and link.get("table") in ws.by_name
    and st.session_state.get("_opened_link") != link
):
    # Arrived from a link (a board, an alert): that table, searched by the record's key, its detail open.
    st.session_state["_opened_link"] = link
    st.session_state["rec_table"] = link["table"]
    st.session_state[f"search_{link['table']}"] = link.get("key", "")
    st.session_state["detail"] = {"table": link["table"], "id": int(link["id"])}
    st.session_state["detail_pick"] = int(link["id"])
    st.session_state["detail_kept"] = {"id": int(link["id"]), "listing": None}
table = choose_table(ws, "read", "rec_table")
table_name = table.name
fields = {f.name: f for f in form_fields(table, me, lang())}
filters_key = f"filters_{ws.name}_{table_name}"
filters: list[dict[str, Any]] = st.session_state.setdefault(filters_key, [])

search = st.text_input(t("search"), key=f"search_{table_name}")
with st.expander(t("filters"), expanded=bool(filters)):
    c1, c2, c3, c4 = st.columns([2, 2, 3, 1])
    field_name = c1.selectbox(
        t("field"), list(fields), format_func=lambda n: fields[n].label, key="flt_field"
    )
    ops = operators_for(table.by_name[field_name])
    op = c2.selectbox(
        t("operator"),
        ops,
        format_func=lambda o: OPERATORS[o].label if lang() == "zh" else OPERATORS[o].label_en,
        key="flt_op",
    )
    value = c3.text_input(t("value"), key="flt_value", help=t("filter_value_help"))
    if c4.button(t("add_filter"), key="flt_add"):
        filters.append(filter_from_text(field_name, op, value).model_dump())
        st.rerun()
    for flt in filters:
        st.write(
            f"{fields[flt['field']].label if flt['field'] in fields else flt['field']} {OPERATORS[flt['op']].label} {flt['value'] if flt['value'] is not None else ''}"
        )
    if filters and st.button(t("clear_filters"), key="flt_clear"):
        filters.clear()
        st.rerun()

s1, s2, s3, s4 = st.columns([3, 1, 1, 1])
sort_field = s1.selectbox(
    t("sort_by"),
    ["_id", *fields],
    format_func=lambda n: fields[n].label if n in fields else "ID",
    key="sort_field",
)
descending = s2.checkbox(t("descending"), value=True, key="sort_desc")
page_size = s3.selectbox(t("page_size"), [50, 100, 200, 500], index=1, key="page_size")
page_no = s4.number_input(t("page"), min_value=1, value=1, step=1, key="page_no")

try:
    page = query_records(
        store,
        ws,
        table_name,
        me,
        filters=[Filter(**f) for f in filters],
        sort=[(sort_field, descending)],
        page=int(page_no),
        page_size=int(page_size),
        search=search or None,
    )
except EngineError as exc:
    show_error(exc)
    st.stop()
st.caption(t("total", total=f"{page.total:,}", pages=page.pages))


grid = grid_frame(table, page.rows, me).to_pandas()
grid.insert(0, OPEN, False)
rows = page.rows.select("_id", "_version").to_dicts()
editable = {n for n, f in fields.items() if not f.readonly and f.widget not in ("multiselect", "readonly")}
if not can(me, table, "update"):
    editable = set()
generation = st.session_state.get("grid_generation", 0)
grid_key = f"grid_{ws.name}_{table_name}_{page_no}_{generation}"
# The record's number and its state first: a phone shows only the first few columns.
leading = [c for c in (table.business_key, table.flow.field if table.flow else None) if c in grid.columns]
st.data_editor(
    grid,
    key=grid_key,
    hide_index=True,
    column_order=[OPEN, *leading, *(c for c in grid.columns if c not in {OPEN, *leading})],
    disabled=[c for c in grid.columns if c not in editable and c != OPEN],
    column_config={
        OPEN: st.column_config.CheckboxColumn(t("open"), help=t("open_help"), width="small"),
        **{n: f.label for n, f in fields.items()},
        **{
            n: st.column_config.SelectboxColumn(f.label, options=[label for _, label in f.options])
            for n, f in fields.items()
            if f.widget == "select"
        },
    },
    width="stretch",
)
changed = st.session_state.get(grid_key, {}).get("edited_rows", {})
opened = [int(k) for k, v in changed.items() if v.get(OPEN)]
edits = {int(k): {c: x for c, x in v.items() if c != OPEN} for k, v in changed.items()}
edits = {k: v for k, v in edits.items() if v}
if opened and rows[opened[-1]]["_id"] != st.session_state.get("detail", {}).get("id"):
    # A ticked row opens below; the tick clears itself unless unsaved edits would be lost with it.
    st.session_state["detail"] = {"table": table_name, "id": rows[opened[-1]]["_id"]}
    st.session_state["detail_pick"] = rows[opened[-1]]["_id"]
    st.session_state.pop("detail_version", None)
    if not edits:
        st.session_state["grid_generation"] = generation + 1
        st.rerun()
if edits and st.button(t("save_edits"), key="save_grid"):
    outcomes = apply_grid_edits(store, ws, table_name, rows, edits, me)
    # Show the results over a fresh page: the saved rows have new versions, so the edits are cleared.
    st.session_state["grid_outcomes"] = outcomes
    st.session_state["grid_generation"] = generation + 1
    st.session_state.pop("detail_version", None)  # this session's own saves: the detail reloads their version
    st.rerun()
for outcome in st.session_state.pop("grid_outcomes", []):
    if outcome.ok:
        st.success(f"{t('saved')}: #{outcome.record_id}")
    else:
        st.error(t("grid_row_failed", id=outcome.record_id, row=outcome.row + 1))
        for problem in outcome.problems:
            where = fields[problem.path].label if problem.path in fields else problem.path
            st.markdown(f"- {where}: {problem_text(problem)}")

st.divider()
if table.flow is not None and can(me, table, "update") and may(me, "edit_records"):
    with st.expander(t("bulk_move")):
        states = {s.name: s.label for s in table.flow.states}
        row_ids = page.rows["_id"].to_list()
        picked_ids = st.multiselect(
            t("bulk_ids"), row_ids, default=row_ids, key="bulk_ids", placeholder=t("choose")
        )
        b1, b2 = st.columns(2)
        target = b1.selectbox(t("bulk_to"), list(states), format_func=states.get, key="bulk_to")
        report = b2.checkbox(t("bulk_report"), key="bulk_report")
        if st.button(t("move"), key="bulk_move"):
            try:
                result = bulk_transition(store, ws, table_name, picked_ids, target, me, report=report)
            except EngineError as exc:
                show_error(exc)
            else:
                st.success(t("moved", moved=len(result.moved), refused=len(result.refused)))
                if result.refused:
                    st.dataframe(
                        [{t("col_id"): k, t("why"): "; ".join(v)} for k, v in result.refused.items()],
                        hide_index=True,
                    )


def shown_value(f: Any, value: Any) -> str:
    """A value as people read it: an option's label, not its stored code."""
    labels = dict(f.options)
    if value in (None, "", []):
        return t("empty_value")
    if isinstance(value, list):
        return "、".join(str(labels.get(v, v)) for v in value)
    return str(labels.get(value, value))


def moved(record: dict[str, Any], after: dict[str, Any], move: Any) -> None:
    """Confirm a move over the next page run: which record went where."""
    key = record.get(table.business_key) or f"#{record['_id']}"
    st.session_state["move_done"] = t("moved_to", record=key, move=move.label, state=move.to_label)
    st.session_state["detail_version"] = after["_version"]
    st.session_state["detail_kept"] = {"id": int(record["_id"]), "listing": listing}
    st.rerun()


def change_text(changes: dict[str, Any]) -> str:
    """An audited change as people read it: field labels, option labels, before → after."""
    parts = []
    for name, value in changes.items():
        f = fields.get(name)
        if f is None:
            continue  # a system column or a field this viewer does not see
        if isinstance(value, dict) and "after" in value:
            parts.append(
                f"{f.label}: {shown_value(f, value.get('before'))} → {shown_value(f, value['after'])}"
            )
        else:
            parts.append(f"{f.label}: {shown_value(f, value)}")
    return "; ".join(parts)


def show_undo(record: dict[str, Any], version: int) -> None:
    """Undo of my last edit of this record, with what it will put back."""
    edit = last_edit(store, ws, table_name, int(record["_id"]), me)
    if edit is None:
        return
    what = "; ".join(
        f"{fields[k].label if k in fields else k}: {shown_value(fields[k], a) if k in fields else a} → "
        f"{shown_value(fields[k], b) if k in fields else b}"
        for k, (b, a) in edit.changes.items()
    )
    if st.button(f"↶ {t('undo_edit')}", key=f"undo_{edit.seq}", help=what):
        try:
            after = undo_edit(store, ws, table_name, int(record["_id"]), edit.seq, version, me)
        except EngineError as exc:
            show_error(exc)
        else:
            st.session_state["detail_version"] = after["_version"]
            st.session_state["move_done"] = t("undone_edit", what=what)
            st.rerun()
    st.caption(t("undo_what", what=what))


def show_moves(record: dict[str, Any], version: int) -> None:
    """Each move out of the record's state: a button, a short form for what it still needs (a tracking
    number to ship), or why it is not possible now, in words."""
    for move in moves(store, ws, table_name, int(record["_id"]), me):
        title = f"→ {move.to_label} ({move.label})"
        values: dict[str, Any] = {}
        if move.allowed_once_filled:
            with st.form(f"move_form_{move.index}"):
                st.markdown(f"**{title}** · {t('move_asks')}")
                asked = [fields[n] for n in move.asks if n in fields]
                values = render_fields(asked, f"move{move.index}_{record['_id']}", record, {})
                clicked = st.form_submit_button(title, type="primary")
            values = {k: v for k, v in values.items() if v not in (None, "")}
        else:
            clicked = st.button(title, key=f"move_{move.index}", disabled=not move.allowed)
            if not move.allowed:
                st.caption("；".join(reason_text(r.key, r.values) for r in move.why))
        if clicked:
            try:
                after = transition(
                    store, ws, table_name, int(record["_id"]), move.to, version, me, values=values
                )
            except EngineError as exc:
                show_error(exc)
            else:
                moved(record, after, move)


st.subheader(t("detail"))
ids = page.rows["_id"].to_list()
key_field = table.business_key
key_of = dict(zip(ids, page.rows[key_field].to_list(), strict=True)) if key_field in page.rows.columns else {}
listing = repr((table_name, search, filters, sort_field, descending, page_no, page_size))
kept = st.session_state.get("detail_kept")
if kept and kept["listing"] is None:
    kept["listing"] = listing  # a linked record stays offered until the list itself is changed
if kept and kept["listing"] == listing and kept["id"] not in ids:
    # The record this session just moved left the filtered list (打包 → 质检): it stays open, not its
    # neighbour, until the list itself is changed.
    ids = [kept["id"], *ids]
d1, d2 = st.columns([3, 1])
chosen = d1.selectbox(
    t("open_record"), ids, format_func=lambda i: f"#{i} {key_of.get(i) or ''}", key="detail_pick"
)
if d2.button(t("reload"), key="detail_load") or (
    chosen and st.session_state.get("detail", {}).get("id") != chosen
):
    st.session_state["detail"] = {"table": table_name, "id": chosen}
    st.session_state.pop("detail_version", None)

detail = st.session_state.get("detail")
if detail and detail.get("table") == table_name and detail.get("id") is not None:
    try:
        record = get_record(store, ws, table_name, int(detail["id"]), me)
    except EngineError as exc:
        show_error(exc)
        st.stop()
    # The version this session loaded; a save against it is refused if someone saved in between.
    version = st.session_state.setdefault("detail_version", record["_version"])
    st.caption(
        f"#{record['_id']} · v{version} · {record['_updated_by']} {record['_updated_at']:%Y-%m-%d %H:%M}"
    )
    if done := st.session_state.pop("move_done", None):
        st.success(done, icon=":material/check_circle:")
    if table.flow is not None:
        show_moves(record, int(version))
    if can(me, table, "update") and may(me, "edit_records"):
        with st.form("detail_form"):
            form = list(fields.values())
            entered = render_fields(form, f"edit_{record['_id']}", record, {})
            submitted = st.form_submit_button(t("save"))
        if submitted:
            changes = changed_values(
                {k: v for k, v in entered.items() if may(me, "update", table.by_name[k])}, record
            )
            try:
                after = update_record(store, ws, table_name, int(record["_id"]), changes, int(version), me)
            except EngineError as exc:
                show_error(exc)
            else:
                st.session_state["detail_version"] = after["_version"]
                st.success(f"{t('saved')} v{after['_version']}")
        show_undo(record, int(version))
    else:
        # Someone who only looks or moves records on (a temporary worker) reads the values, no edit form.
        st.dataframe(
            [
                {t("field"): f.label, t("value"): shown_value(f, record.get(n))}
                for n, f in fields.items()
                if record.get(n) not in (None, "", [])
            ],
            hide_index=True,
            width="stretch",
        )
    if table.flow is not None:
        timeline = status_timeline(store, ws, table_name, int(record["_id"]))
        if timeline:
            st.markdown(f"**{t('timeline')}**")
            st.dataframe(
                [{k: v for k, v in step.items() if k != "color"} for step in timeline],
                hide_index=True,
                width="stretch",
            )
    for label, value, url in record_links(table, record, lang()):
        st.markdown(f"{label}: [{value}]({url})")
    for child, rows_page in sub_table_rows(store, ws, table, record, me):
        st.markdown(f"**{label_of(child, lang())}** ({rows_page.total})")
        st.dataframe(grid_frame(child, rows_page.rows, me).to_pandas(), hide_index=True, width="stretch")
    st.markdown(f"**{t('history')}**")
    entries = record_history(store, ws, table_name, int(record["_id"]), me)
    st.dataframe(
        [
            {
                t("col_seq"): e.seq,
                t("col_at"): e.at,
                t("col_actor"): e.actor,
                t("col_action"): heading(e.action),
                t("col_changes"): change_text(e.changes),
            }
            for e in entries
        ],
        hide_index=True,
        width="stretch",
    )
