"""Rendering a board: who may see it (its roles, enforced here), every widget's data (a widget that fails
shows its error; the others still render), a cache that is reused until the data or the board changes, and
the .xlsx export (one sheet per widget) for the morning e-mail."""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from engine.auth import Actor
from engine.boards.heatmap import HeatmapSpec, cell_key, cell_records, matrix
from engine.boards.model import Board
from engine.boards.scope import Context
from engine.boards.widgets import RENDERERS, WidgetData
from engine.clock import as_naive
from engine.errors import EngineError, RefusedError
from engine.schema import Workspace
from engine.storage.store import Store

CACHE_SIZE = 64
_cache: OrderedDict[tuple[Any, ...], list[WidgetData]] = OrderedDict()
_cache_lock = threading.Lock()


def can_see(board: Board, actor: Actor) -> bool:
    """Admins see every board; others a board with no roles, or one that names one of theirs."""
    return "admin" in actor.roles or not board.roles or bool(set(board.roles) & set(actor.roles))


def visible_boards(ws: Workspace, actor: Actor) -> list[Board]:
    return [b for b in ws.boards if can_see(b, actor)]


def data_version(store: Store) -> tuple[Any, ...]:
    """Changes whenever records change: every write is audited, bulk moves land in _status_moves."""
    row = (
        store.cursor()
        .execute(
            "SELECT (SELECT max(seq) FROM _audit_log), (SELECT count(*) FROM _status_moves), "
            "(SELECT count(*) FROM _import_rows)"
        )
        .fetchone()
    )
    return tuple(row or ())


def render_widget(ctx: Context, widget: Any, path: str) -> WidgetData:
    """One widget's data; an engine error (a refused field, a bad condition) becomes the widget's `error`."""
    try:
        return RENDERERS[widget.type](ctx, widget, path)
    except EngineError as exc:
        return WidgetData(widget.id, widget.type, widget.title, pl.DataFrame(), {"error": str(exc)})


@dataclass(frozen=True)
class Rendered:
    board: Board
    widgets: list[WidgetData]
    cached: bool


def render_board(
    store: Store,
    ws: Workspace,
    board: Board | str,
    actor: Actor,
    now: datetime | None = None,
    use_cache: bool = True,
) -> Rendered:
    """Every widget of the board, in order. The cache is keyed by the board, the viewer's roles, the minute
    and the data version, so a write shows on the next render."""
    chosen = ws.board(board) if isinstance(board, str) else board
    if not can_see(chosen, actor):
        raise RefusedError(
            f"{actor.username} may not see board {chosen.name!r} (roles: {', '.join(chosen.roles)})"
        )
    moment = as_naive(now, ws.timezone)
    key = (
        ws.name,
        hashlib.sha256(chosen.model_dump_json().encode() + ws.health.model_dump_json().encode()).hexdigest(),
        frozenset(actor.roles),
        actor.username,
        moment.replace(second=0, microsecond=0),
        data_version(store),
    )
    if use_cache:
        with _cache_lock:
            hit = _cache.get(key)
            if hit is not None:
                _cache.move_to_end(key)
                return Rendered(chosen, hit, True)
    ctx = Context(store, ws, actor, moment, chosen.filters)
    widgets = [render_widget(ctx, w, f"widgets[{i}]") for i, w in enumerate(chosen.widgets)]
    with _cache_lock:
        _cache[key] = widgets
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return Rendered(chosen, widgets, False)


def _sheet_names(widgets: list[WidgetData]) -> list[str]:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    out: list[str] = []
    for w in widgets:
        base = "".join(ch for ch in w.title if ch not in "[]:*?/\\")[:28] or w.id[:28]
        name, n = base, 2
        while name in out:
            name, n = f"{base[:26]}_{n}", n + 1
        out.append(name)
    return out


def export_xlsx(rendered: Rendered) -> bytes:
    """One sheet per widget: its headline numbers, then its table."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "default_date_format": "yyyy-mm-dd hh:mm"})
    bold = book.add_format({"bold": True})
    for name, w in zip(_sheet_names(rendered.widgets), rendered.widgets, strict=True):
        sheet = book.add_worksheet(name)
        sheet.write(0, 0, w.title, bold)
        row = 1
        for k, v in w.meta.items():
            if isinstance(v, str | int | float) or v is None:
                sheet.write_row(row, 0, [k, "" if v is None else v])
                row += 1
        row += 1
        sheet.write_row(row, 0, w.frame.columns, bold)
        for r, values in enumerate(w.frame.iter_rows(), start=row + 1):
            sheet.write_row(r, 0, [_cell(v) for v in values])
    book.close()
    return buffer.getvalue()


def matrix_xlsx(data: WidgetData) -> bytes:
    """A heatmap widget's matrix (rows: its Y, columns: its X buckets) as an .xlsx."""
    import xlsxwriter

    wide = matrix(data.frame)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(_sheet_names([data])[0])
    sheet.write_row(0, 0, wide.columns, book.add_format({"bold": True}))
    for r, values in enumerate(wide.iter_rows(), start=1):
        sheet.write_row(r, 0, [_cell(v) for v in values])
    book.close()
    return buffer.getvalue()


def heatmap_cell(
    store: Store, ws: Workspace, data: WidgetData, x: str, y: Any, actor: Actor, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The records behind one clicked cell of a rendered heatmap widget (x as the chart sends it back)."""
    spec = HeatmapSpec.model_validate(data.meta["spec"])
    return cell_records(store, ws, spec, cell_key(spec, x), y, actor, now, filters=data.meta.get("filters"))


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict | tuple):
        return str(value)
    return "" if value is None else value


def as_json(rendered: Rendered) -> dict[str, Any]:
    """The board's data as JSON-ready values (for `board render --json`)."""
    return {
        "board": rendered.board.name,
        "title": rendered.board.title,
        "cached": rendered.cached,
        "widgets": [
            {
                "id": w.id,
                "type": w.type,
                "title": w.title,
                "meta": w.meta,
                "columns": w.frame.columns,
                "rows": w.frame.rows(),
            }
            for w in rendered.widgets
        ],
    }
