"""The template boards say what their titles say: a cancelled order is never "paid and not shipped", and a
rise in late orders reads as bad."""

from __future__ import annotations

from datetime import datetime

import pytest

from engine.auth import SYSTEM
from engine.boards.render import render_board
from engine.records.bulk import bulk_upsert
from engine.workspaces import create_from_template
from sample_data.generator import generate

NOW = datetime(2026, 11, 23, 12, 0)


@pytest.mark.parametrize("template", ["home_ecommerce", "auto_parts_chain", "hardware_wholesale"])
def test_unshipped_widgets_leave_out_cancelled_orders(store, template):
    ws = create_from_template(store, template, SYSTEM, now=NOW)
    states = [s.name for s in ws.require_table("orders").flow.states]
    data = generate(template, 1500, 20, 7, NOW, "SO", states)
    for name in ("skus", "customers", "orders"):
        if hasattr(data, name):
            bulk_upsert(store, ws, name, getattr(data, name), SYSTEM, NOW)
    # Cancel some paid, unshipped orders: they must not count as late.
    cancelled = (
        store.cursor()
        .execute(
            f"UPDATE {template}.orders SET status = 'cancelled' WHERE paid_at IS NOT NULL AND shipped_at IS NULL "
            "AND _id % 3 = 0 RETURNING order_no"
        )
        .fetchall()
    )
    assert cancelled
    rendered = {
        w.id: w for w in render_board(store, ws, "morning_meeting", SYSTEM, now=NOW, use_cache=False).widgets
    }
    late = rendered["late_orders"].frame
    # None of the cancelled orders is listed as late (before: they were).
    assert not set(late["order_no"].to_list()) & {n for (n,) in cancelled} if late.height else True
    assert "cancelled" not in (late["status"].to_list() if late.height else [])
    # The list's headings are the fields' labels, not order_no / order_no_label.
    headings = rendered["late_orders"].meta["headings"]
    assert headings["order_no"] == ws.require_table("orders").field("order_no").label
    assert all(not h.isascii() for h in headings.values()), headings
    assert rendered["unshipped_24h"].meta["better"] == "lower"
    assert rendered["paid_orders"].meta["better"] == "higher"
