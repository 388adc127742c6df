"""Boards: the boards this user may see, every widget drawn from the engine's data on a 12-column grid; a
clicked heatmap cell lists its orders with links; the board as .xlsx, a heatmap's matrix as .xlsx, any chart
as PNG (the camera in its toolbar)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import streamlit as st

from engine.boards.as_of import as_of
from engine.boards.customers import recent_orders
from engine.boards.render import export_xlsx, heatmap_cell, matrix_xlsx, render_board, visible_boards
from engine.boards.scope import Context
from engine.clock import as_naive
from engine.errors import EngineError
from engine.forms import label_of
from engine.schema import Table
from pages._charts import draw, record_link
from pages._ui import lang, page_context, show_error, t


def cell_row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """One record behind a heatmap cell as people read it: field labels, option labels, a link to it."""
    key_label = label_of(table.by_name[table.business_key], lang()) if table.business_key else "#"
    out: dict[str, Any] = {key_label: row["key"]}
    for name, value in row.items():
        field = table.field(name)
        if field is not None and name != table.business_key:
            shown = field.label_of(value) if field.has_options and value is not None else value  # type: ignore[attr-defined]
            out[label_of(field, lang())] = shown
    return out | {"link": record_link(table.name, row["_id"], row["key"])}


store, me, ws = page_context()
st.title(t("boards"))
boards = visible_boards(ws, me)
if not boards:
    st.info(t("no_boards"))
    st.stop()
titles = {b.name: (b.title_en or b.title) if lang() == "en" else b.title for b in boards}
name = st.selectbox(t("board"), list(titles), format_func=titles.get, key="board_pick")
today = as_naive(None, ws.timezone)
try:
    # History imported on the first day is older than every widget's period: open at its newest day.
    history = as_of(store, ws, ws.board(name), me, today)
    day = st.date_input(
        t("board_day"), value=(history or today).date(), max_value=today.date(), key=f"board_day_{name}"
    )
    if history is not None:
        st.info(t("board_history", day=history.date().isoformat()))
    moment = None if day >= today.date() else datetime.combine(day, time(23, 59, 59))
    rendered = render_board(store, ws, name, me, now=moment)
except EngineError as exc:
    show_error(exc)
    st.stop()

st.download_button(
    t("export_board"),
    export_xlsx(rendered),
    file_name=f"{name}.xlsx",
    key="board_export",
)


def _columns(widths: list[int]) -> list:
    """Columns for one grid row; a row narrower than 12 keeps its proportions (an empty spacer fills it)."""
    spacer = [12 - sum(widths)] if sum(widths) < 12 else []
    return list(st.columns([*widths, *spacer]))[: len(widths)]


pairs = list(zip(rendered.board.widgets, rendered.widgets, strict=True))
rows: list[list] = []
for pair in pairs:  # a new row when the next widget no longer fits in 12 columns
    if not rows or sum(w.width for w, _ in rows[-1]) + pair[0].width > 12:
        rows.append([])
    rows[-1].append(pair)
placed = [
    (column, widget, data)
    for row in rows
    for column, (widget, data) in zip(_columns([w.width for w, _ in row]), row, strict=False)
]
for column, widget, data in placed:
    with column.container(border=True, key=f"wbox_{widget.id}"):
        key = f"w_{name}_{widget.id}"
        draw(data, key)
        if data.type == "customer_health" and "error" not in data.meta and data.frame.height:
            labels = {
                c: f"{n} ({c})" for c, n in zip(data.frame["customer"], data.frame["name"], strict=True)
            }
            who = st.selectbox(t("customer_orders"), list(labels), format_func=labels.get, key=f"{key}_who")
            orders = recent_orders(Context(store, ws, me, moment or today), who)
            st.dataframe(
                [{**o, "link": record_link("orders", o["_id"], o["key"])} for o in orders],
                hide_index=True,
                column_config={
                    "link": st.column_config.LinkColumn(t("open"), display_text=t("open")),
                    "_id": None,
                },
                key=f"{key}_orders",
            )
        if data.type == "heatmap" and "error" not in data.meta:
            st.download_button(
                t("export_matrix"), matrix_xlsx(data), file_name=f"{widget.id}.xlsx", key=f"{key}_xlsx"
            )
            cell = st.session_state.get(f"{key}_cell")
            if cell:
                try:
                    records = heatmap_cell(store, ws, data, cell[0], cell[1], me, moment)
                except EngineError as exc:
                    show_error(exc)
                else:
                    across = ws.require_table(widget.table).field(widget.y)
                    named = across.label_of(cell[1]) if across is not None and across.has_options else cell[1]  # type: ignore[attr-defined]
                    st.caption(t("cell_orders", x=cell[0], y=named, n=len(records)))
                    st.dataframe(
                        [cell_row(ws.require_table(widget.table), r) for r in records],
                        hide_index=True,
                        column_config={
                            "link": st.column_config.LinkColumn(t("open"), display_text=t("open")),
                        },
                        key=f"{key}_orders",
                    )
