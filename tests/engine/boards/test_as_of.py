"""A board over history only: a workspace whose orders all predate the widgets' periods opens at the newest
day its records have (so a first-day import of last year's exports shows on the board, not zeros), and at
now when there are recent orders or none at all."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from engine.auth import SYSTEM, Actor
from engine.boards.as_of import as_of, newest, window_days
from engine.boards.render import render_board
from engine.records.bulk import bulk_upsert
from engine.workspaces import create_from_template
from sample_data.generator import generate
from tests.conftest import WAREHOUSE

NOW = datetime(2026, 11, 23, 12, 0)


def _shop(store, ends: datetime):
    ws = create_from_template(store, "home_ecommerce", SYSTEM, now=NOW)
    states = [s.name for s in ws.require_table("orders").flow.states]
    data = generate("home_ecommerce", 400, 30, 5, ends, "SO", states)
    for name in ("skus", "customers", "orders"):
        bulk_upsert(store, ws, name, getattr(data, name), SYSTEM, NOW)
    return ws


def _metrics(rendered) -> list:
    return [d.meta.get("value") for d in rendered.widgets if d.type == "metric"]


def test_history_only_opens_at_its_newest_day(store):
    ws = _shop(store, NOW - timedelta(days=400))
    board = ws.boards[0]
    latest = newest(store, ws, board, SYSTEM, NOW)
    assert latest is not None and latest <= NOW - timedelta(days=399)
    day = as_of(store, ws, board, SYSTEM, NOW)
    assert day == datetime.combine(latest.date(), time(23, 59, 59))
    # As of now every period is empty; as of the newest day the board counts the history.
    assert not any(_metrics(render_board(store, ws, board.name, SYSTEM, now=NOW, use_cache=False)))
    assert any(_metrics(render_board(store, ws, board.name, SYSTEM, now=day, use_cache=False)))


def test_recent_orders_or_none_keep_the_board_at_now(store):
    ws = _shop(store, NOW - timedelta(days=2))
    assert as_of(store, ws, ws.boards[0], SYSTEM, NOW) is None
    empty = create_from_template(store, "auto_parts_chain", SYSTEM, now=NOW)
    assert as_of(store, empty, empty.boards[0], SYSTEM, NOW) is None


def test_the_newest_day_is_read_as_the_viewer_may_see(store):
    ws = _shop(store, NOW - timedelta(days=400))
    board = ws.boards[0]
    assert window_days(board) >= 7
    seen = newest(store, ws, board, SYSTEM, NOW)
    assert newest(store, ws, board, WAREHOUSE, NOW) == seen  # the warehouse reads orders and paid_at
    # Someone who may not read the orders learns nothing from the board's date, and no error either.
    assert newest(store, ws, board, Actor("guest", frozenset({"guest"})), NOW) is None
    # "Newest" is up to the moment asked about: nothing was paid before the history began.
    assert newest(store, ws, board, SYSTEM, NOW - timedelta(days=500)) is None
