"""Editing boards as workspace-document changes (what the board builder does): add or replace a board, add,
configure, reorder and remove widgets. Each returns a new document; `checked_board` validates it as a save
would, so errors name the board's paths. Saving stays workspaces.save_workspace (a new version)."""

from __future__ import annotations

import copy
import re
from typing import Any, get_args

from engine.boards.checks import DATES, NUMBERS
from engine.boards.model import WIDGET_TYPES, Board, Widget
from engine.errors import AuthoringError, NotFoundError
from engine.fields import suggest
from engine.fields.base import NAME_PATTERN
from engine.identifiers import identifier_from_label
from engine.schema import Table, Workspace
from engine.schema_load import dump_workspace, parse_workspace

Doc = dict[str, Any]

# What a new widget of each type starts with: valid on the templates' orders and after_sales tables.
STARTERS: dict[str, Doc] = {
    "metric": {"measure": "count", "date_field": "ordered_at", "days": 30},
    "table": {"columns": ["customer_name", "status", "ordered_at"], "sort": "ordered_at", "limit": 20},
    "bar": {"group_by": "channel"},
    "line": {"group_by": "ordered_at", "bucket": "day", "days": 30},
    "funnel": {},
    "heatmap": {"x": "paid_at", "bucket": "day", "y": "warehouse", "window_days": 30},
    "pareto": {"table": "after_sales", "group_by": "reason", "top": 5},
    "order_health": {"limit": 50},
    "health_dimensions": {},
    "customer_health": {"table": "customers", "limit": 50},
    "kpi": {"kind": "on_time", "days": 30},
}


def _board(doc: Doc, name: str) -> Doc:
    for board in doc.get("boards", []):
        if board["name"] == name:
            return board
    known = [b["name"] for b in doc.get("boards", [])]
    raise NotFoundError(f"no board {name!r}{suggest(name, known)}")


def upsert_board(doc: Doc, board: Doc) -> Doc:
    """Add the board, or replace the board of the same name (its widgets come with it)."""
    out = copy.deepcopy(doc)
    boards = out.setdefault("boards", [])
    for i, existing in enumerate(boards):
        if existing["name"] == board["name"]:
            boards[i] = copy.deepcopy(board)
            return out
    boards.append(copy.deepcopy(board))
    return out


def create_board(doc: Doc, name: str, title: str) -> tuple[Doc, str]:
    """A new empty board; its name is checked now (a builder should not lose a draft to it at save) and made
    from the title when left empty. An existing name is refused: creating never replaces a board."""
    boards = doc.get("boards", [])
    taken = {b["name"]: b.get("title", "") for b in boards}
    name = name.strip() or identifier_from_label(title, set(taken), "board")
    if not re.fullmatch(NAME_PATTERN, name):
        raise AuthoringError(
            f"board name {name!r}: use lowercase letters, digits and _, starting with a letter",
            text=("board_name_bad", {"name": name}),
        )
    if name in taken:
        raise AuthoringError(
            f"a board named {name!r} exists ({taken[name]}); creating one would replace it",
            text=("board_exists", {"name": name, "title": taken[name]}),
        )
    return upsert_board(doc, {"name": name, "title": title.strip(), "widgets": []}), name


def remove_board(doc: Doc, name: str) -> Doc:
    out = copy.deepcopy(doc)
    _board(out, name)
    out["boards"] = [b for b in out["boards"] if b["name"] != name]
    return out


def new_widget(board: Doc, kind: str, title: str) -> Doc:
    """A widget of `kind` with a fresh id and the starter settings of its type."""
    if kind not in WIDGET_TYPES:
        raise AuthoringError(f"unknown widget type {kind!r}{suggest(kind, list(WIDGET_TYPES))}")
    taken = {w["id"] for w in board.get("widgets", [])}
    n = 1
    while f"{kind}_{n}" in taken:
        n += 1
    return {"id": f"{kind}_{n}", "type": kind, "title": title, **copy.deepcopy(STARTERS[kind])}


def add_widget(doc: Doc, board_name: str, widget: Doc) -> Doc:
    out = copy.deepcopy(doc)
    _board(out, board_name).setdefault("widgets", []).append(copy.deepcopy(widget))
    return out


def update_widget(doc: Doc, board_name: str, widget: Doc) -> Doc:
    """Replace the widget with the same id."""
    out = copy.deepcopy(doc)
    widgets = _board(out, board_name).get("widgets", [])
    for i, existing in enumerate(widgets):
        if existing["id"] == widget["id"]:
            widgets[i] = copy.deepcopy(widget)
            return out
    raise NotFoundError(f"board {board_name!r} has no widget {widget['id']!r}")


def remove_widget(doc: Doc, board_name: str, widget_id: str) -> Doc:
    out = copy.deepcopy(doc)
    board = _board(out, board_name)
    if widget_id not in [w["id"] for w in board.get("widgets", [])]:
        raise NotFoundError(f"board {board_name!r} has no widget {widget_id!r}")
    board["widgets"] = [w for w in board["widgets"] if w["id"] != widget_id]
    return out


def reorder_widgets(doc: Doc, board_name: str, ids: list[str]) -> Doc:
    """The widgets in the order of `ids` (what a drag in the builder returns); every widget exactly once."""
    out = copy.deepcopy(doc)
    board = _board(out, board_name)
    by_id = {w["id"]: w for w in board.get("widgets", [])}
    if sorted(ids) != sorted(by_id):
        raise AuthoringError(f"the new order must name each widget of {board_name!r} once: {sorted(by_id)}")
    board["widgets"] = [by_id[i] for i in ids]
    return out


def checked_board(ws: Workspace, doc: Doc, name: str) -> tuple[Workspace, Board]:
    """The edited document validated like a save (errors name boards[i]… paths), and the board."""
    updated = parse_workspace(doc)
    return updated, updated.board(name)


def board_doc(ws: Workspace, name: str) -> tuple[Doc, Doc]:
    """(the workspace document, the board's part of it) for editing."""
    doc = dump_workspace(ws)
    return doc, _board(doc, name)


# What a builder edits per widget type, beyond title, table, filter condition and width: (setting, control).
# Controls: choice (the model's allowed values), field / date / number (a field of the widget's table, any /
# date / numeric), fields (several), int, bool, condition (the drag-and-drop builder).
FORM: dict[str, list[tuple[str, str]]] = {
    "metric": [("measure", "choice"), ("field", "number"), ("rate_condition", "condition"), ("date_field", "date"), ("days", "int"), ("better", "choice")],
    "table": [("columns", "fields"), ("sort", "field"), ("descending", "bool"), ("limit", "int")],
    "bar": [("group_by", "field"), ("bucket", "choice"), ("measure", "choice"), ("field", "number"), ("rate_condition", "condition"), ("split", "field"), ("days", "int"), ("limit", "int")],
    "funnel": [],
    "heatmap": [("x", "date"), ("bucket", "choice"), ("y", "field"), ("measure", "choice"), ("heat_condition", "condition"), ("window_days", "int")],
    "pareto": [("group_by", "field"), ("top", "int"), ("date_field", "date"), ("days", "int")],
    "order_health": [("limit", "int")],
    "health_dimensions": [],
    "customer_health": [("limit", "int")],
    "kpi": [("kind", "choice"), ("days", "int")],
}  # fmt: skip
FORM["line"] = FORM["bar"]


def choices(kind: str, setting: str) -> list[str]:
    """The values a `choice` setting allows, read from the widget model's Literal."""
    model = next(
        m for m in get_args(get_args(Widget)[0]) if kind in get_args(m.model_fields["type"].annotation)
    )
    return [str(v) for v in get_args(model.model_fields[setting].annotation)]


def field_options(table: Table, control: str) -> list[str]:
    """Field names of the table a field control offers: dates for `date`, numbers for `number`."""
    wanted = {"date": DATES, "number": NUMBERS}.get(control)
    return [f.name for f in table.fields if wanted is None or f.is_kind(wanted)]
