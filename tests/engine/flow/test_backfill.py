"""History from times for rows that arrived without moves (the demo data): each seeded order enters the first
state at ordered_at, moves on at the flow's own timestamps, ends on its status; the funnel then has medians."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from engine.auth import SYSTEM
from engine.boards.model import FunnelWidget
from engine.boards.render import render_widget
from engine.boards.scope import Context
from engine.flow.backfill import backfill
from engine.workspaces import create_from_template
from hub.seed import seed_workspace

NOW = datetime(2026, 3, 2, 10, 0)


@pytest.mark.parametrize("template", ["home_ecommerce", "auto_parts_chain", "hardware_wholesale"])
def test_seeded_orders_carry_their_history(store, template) -> None:
    ws = create_from_template(store, template, SYSTEM, now=NOW)
    counts = seed_workspace(store, ws, SYSTEM, orders=600, now=NOW)
    orders = (
        store.cursor()
        .execute(f"SELECT _id, status, ordered_at, shipped_at, signed_at FROM {ws.name}.orders")
        .pl()
    )
    moves = (
        store.cursor()
        .execute(
            "SELECT record_id, from_state, to_state, moved_at FROM _status_history WHERE workspace = ? ORDER BY ord",
            [ws.name],
        )
        .pl()
    )
    assert counts["orders"]["moves"] == moves.height
    initial = ws.require_table("orders").flow.initial
    entries = moves.filter(pl.col("from_state").is_null())
    # Every order entered the first state once, at its order time.
    assert entries.height == orders.height and set(entries["to_state"]) == {initial}
    joined = entries.join(orders, left_on="record_id", right_on="_id")
    assert (joined["moved_at"] == joined["ordered_at"]).all()
    # Each order's last move ends on its status; shipped orders moved to shipped at shipped_at.
    last = (
        moves.group_by("record_id", maintain_order=True)
        .last()
        .join(orders, left_on="record_id", right_on="_id")
    )
    assert (last["to_state"] == last["status"]).all()
    shipped = moves.filter(pl.col("to_state") == "shipped").join(orders, left_on="record_id", right_on="_id")
    assert shipped.height > 0 and (shipped["moved_at"] == shipped["shipped_at"]).all()
    # Run again: nothing more to write.
    assert backfill(store, ws, "orders", SYSTEM, "sample", entered="ordered_at") == 0


def test_the_funnel_has_medians_on_demo_data(store) -> None:
    ws = create_from_template(store, "home_ecommerce", SYSTEM, now=NOW)
    seed_workspace(store, ws, SYSTEM, orders=600, now=NOW)
    frame = render_widget(Context(store, ws, SYSTEM, NOW), FunnelWidget(id="f", title="漏斗"), "w").frame
    rows = {r["state"]: r for r in frame.iter_rows(named=True)}
    assert rows["placed"]["reached"] == 600
    assert rows["placed"]["median_hours"] > 0 and rows["shipped"]["median_hours"] > 0
