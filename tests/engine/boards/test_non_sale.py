"""Gift and lucky-bag orders (non-sale) are orders to handle but not sales: counts include them, sums of
amounts leave them out."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from engine.auth import SYSTEM
from engine.boards.model import ChartWidget, MetricWidget
from engine.boards.render import render_widget
from engine.boards.scope import Context
from engine.records.bulk import bulk_upsert
from engine.workspaces import create_from_template
from sample_data.generator import generate

NOW = datetime(2026, 11, 23, 12, 0)


def test_sales_sums_leave_gift_orders_out(store) -> None:
    ws = create_from_template(store, "home_ecommerce", SYSTEM, now=NOW)
    table = ws.require_table("orders")
    data = generate("home_ecommerce", 600, 20, 9, NOW, "SO", [s.name for s in table.flow.states])
    flagged = data.orders.with_columns((pl.int_range(pl.len()) % 7 == 0).alias("non_sale"))
    for name, frame in (("skus", data.skus), ("customers", data.customers), ("orders", flagged)):
        bulk_upsert(store, ws, name, frame, SYSTEM, NOW)
    ctx = Context(store, ws, SYSTEM, NOW)
    recent = flagged.filter(pl.col("paid_at") > datetime(2026, 11, 3, 12, 0))
    sales = recent.filter(~pl.col("non_sale"))
    amount = (pl.col("qty") * pl.col("unit_price")).round(2).sum()
    total = render_widget(
        ctx,
        MetricWidget(id="s", title="销售额", measure="sum", field="amount", date_field="paid_at", days=20),
        "w",
    )
    assert total.meta["value"] == pytest.approx(float(sales.select(amount).item()), rel=1e-9)
    count = render_widget(ctx, MetricWidget(id="c", title="订单数", date_field="paid_at", days=20), "w")
    assert count.meta["value"] == recent.height  # gift orders still count as orders to handle
    assert recent.height > sales.height
    by_channel = render_widget(
        ctx,
        ChartWidget(
            id="b", type="bar", title="渠道销售额", group_by="channel", measure="sum", field="amount"
        ),
        "w",
    )
    want = dict(flagged.filter(~pl.col("non_sale")).group_by("channel").agg(amount).iter_rows())
    got = dict(by_channel.frame.select(by_channel.frame.columns[0], "value").iter_rows())
    assert {k: round(v, 2) for k, v in got.items()} == {k: round(float(v), 2) for k, v in want.items()}
