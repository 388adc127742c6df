"""The day a board is read as of. Its widgets count back from now (the last 30 days); a workspace whose orders
are all history — a year of exports imported on the first day — would show nothing but zeros, so the board
opens at the newest day its records have instead, and says so."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from engine.auth import Actor
from engine.boards.model import Board
from engine.boards.scope import Context, scope
from engine.errors import RefusedError
from engine.schema import Workspace
from engine.storage.sql import Fragment
from engine.storage.store import Store

DEFAULT_DAYS = 30


def _dated(board: Board) -> list[tuple[str, str]]:
    """(table, date field) of every widget (and the board filters) that counts back in time."""
    pairs = [(w.table, w.date_field) for w in board.widgets if getattr(w, "date_field", None)]
    if board.filters is not None and board.filters.date_field:
        pairs.append((board.filters.table, board.filters.date_field))
    return list(dict.fromkeys(pairs))


def window_days(board: Board) -> int:
    """The longest period a widget of the board counts back."""
    days = [
        d for w in board.widgets for d in (getattr(w, "days", None), getattr(w, "window_days", None)) if d
    ]
    return max(days, default=DEFAULT_DAYS)


def newest(store: Store, ws: Workspace, board: Board, actor: Actor, now: datetime) -> datetime | None:
    """The newest date, up to now, the board's records carry in the fields its widgets count back on, of
    the records and fields this viewer may see."""
    ctx = Context(store, ws, actor, now, None)
    found: list[datetime] = []
    for table, name in _dated(board):
        try:
            s = scope(ctx, table, None, "as_of")
            value = s.value(name, "as_of")
        except RefusedError:
            continue
        column = Fragment(f"max(CAST({value.sql} AS TIMESTAMP))", value.params)
        upto = Fragment(f"CAST({value.sql} AS TIMESTAMP) <= ?", (*value.params, now))
        (latest,) = s.select(column, upto).row(0)
        if latest is not None:
            found.append(latest)
    return max(found, default=None)


def as_of(store: Store, ws: Workspace, board: Board, actor: Actor, now: datetime) -> datetime | None:
    """The end of the newest day with records when the board's period up to now has none; None (read it as of
    now) when it has some, or when there is nothing at all."""
    latest = newest(store, ws, board, actor, now)
    if latest is None or latest > now - timedelta(days=window_days(board)):
        return None
    return datetime.combine(latest.date(), time(23, 59, 59))
