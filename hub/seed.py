"""Load generated sample data into a template workspace through the validated bulk path."""

from __future__ import annotations

from datetime import datetime

from engine.auth import Actor
from engine.clock import as_naive
from engine.errors import DataError
from engine.fields import AutonumberField
from engine.flow.backfill import backfill
from engine.records.bulk import bulk_upsert
from engine.schema import Workspace
from engine.storage.store import Store
from sample_data.generator import generate

SEED_TABLES = ("skus", "customers", "orders", "after_sales")


def seed_workspace(
    store: Store,
    ws: Workspace,
    actor: Actor,
    orders: int = 50_000,
    days: int = 90,
    seed: int = 7,
    now: datetime | None = None,
) -> dict[str, dict[str, int]]:
    """Generate and upsert sample rows; returns per-table counts. Needs a workspace made from a template."""
    missing = [t for t in SEED_TABLES if ws.table(t) is None]
    order_table = ws.table("orders")
    if missing or ws.template is None or order_table is None or order_table.flow is None:
        raise DataError(f"sample data needs a workspace created from a template (missing tables: {missing})")
    key = order_table.field("order_no")
    prefix = key.prefix if isinstance(key, AutonumberField) else "SO"
    states = [s.name for s in order_table.flow.states]
    moment = as_naive(now, ws.timezone)
    data = generate(ws.template, orders, days, seed, moment, prefix, states)
    frames = {
        "skus": data.skus,
        "customers": data.customers,
        "orders": data.orders,
        "after_sales": data.after_sales,
    }
    counts = {
        name: bulk_upsert(store, ws, name, frames[name], actor, moment, source="sample").summary()
        for name in SEED_TABLES
    }
    # The orders' times become their status history, so the funnel and time-in-status rules have data.
    counts["orders"]["moves"] = backfill(store, ws, "orders", actor, "sample", entered="ordered_at")
    return counts
