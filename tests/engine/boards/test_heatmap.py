"""The delay heatmap finds the generator's injected hot spots, counts what an independent computation
counts, and lists the orders behind a cell."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from engine.auth import SYSTEM
from engine.boards.heatmap import HeatmapSpec, cell_records, heatmap
from engine.errors import AuthoringError
from engine.records.bulk import bulk_upsert
from engine.storage.store import Store
from engine.workspaces import create_from_template
from sample_data.generator import generate

NOW = datetime(2026, 11, 23, 12, 0)


@pytest.fixture
def shop(store: Store):
    ws = create_from_template(store, "home_ecommerce", SYSTEM, now=NOW)
    table = ws.require_table("orders")
    data = generate("home_ecommerce", 30_000, 30, 11, NOW, "SO", [s.name for s in table.flow.states])
    for name, frame in (("skus", data.skus), ("customers", data.customers), ("orders", data.orders)):
        bulk_upsert(store, ws, name, frame, SYSTEM, NOW)
    return ws, data


def _late(orders: pl.DataFrame) -> pl.DataFrame:
    """Paid, and not shipped within 24 h — computed here in polars, not through the engine."""
    late_ship = (pl.col("shipped_at") - pl.col("paid_at")) > timedelta(days=1)
    still_open = pl.col("shipped_at").is_null() & ((NOW - pl.col("paid_at")) > timedelta(hours=24))
    window = (pl.col("paid_at") >= NOW - timedelta(days=30)) & (pl.col("paid_at") <= NOW)
    return orders.filter(pl.col("paid_at").is_not_null() & window & (late_ship | still_open))


def test_counts_match_an_independent_computation(store: Store, shop) -> None:
    ws, data = shop
    cells = heatmap(store, ws, HeatmapSpec(), SYSTEM, NOW)
    expected = (
        _late(data.orders)
        .group_by(pl.col("paid_at").dt.date().alias("x"), pl.col("warehouse").alias("y"))
        .len()
    )
    got = {(r["x"], r["y"]): r["hits"] for r in cells.iter_rows(named=True) if r["hits"]}
    assert got == {(r["x"], r["y"]): r["len"] for r in expected.iter_rows(named=True)}


def test_the_hottest_cells_are_the_injected_hot_spots(store: Store, shop) -> None:
    ws, data = shop
    cells = heatmap(store, ws, HeatmapSpec(measure="rate"), SYSTEM, NOW)
    top = cells.filter(pl.col("total") >= 20).sort("value", descending=True).head(len(data.hot_spots))
    found = {(r["y"], r["x"].isoformat()) for r in top.iter_rows(named=True)}
    assert (
        len(found & set(data.hot_spots)) >= len(data.hot_spots) - 1
    )  # a hot spot on the window's edge may fall out


def test_hour_of_day_and_the_orders_behind_a_cell(store: Store, shop) -> None:
    ws, _ = shop
    hours = heatmap(store, ws, HeatmapSpec(bucket="hour_of_day"), SYSTEM, NOW)
    assert set(hours["x"]) <= set(range(24))
    cell = hours.sort("hits", descending=True).row(0, named=True)
    orders = cell_records(
        store, ws, HeatmapSpec(bucket="hour_of_day"), cell["x"], cell["y"], SYSTEM, NOW, 10_000
    )
    assert len(orders) == cell["hits"] and all(o["warehouse"] == cell["y"] for o in orders)
    assert all(o["paid_at"].hour == cell["x"] for o in orders)


def test_bad_specs_are_refused(store: Store, shop) -> None:
    ws, _ = shop
    with pytest.raises(AuthoringError, match="x: 'warehouse' is not a date"):
        heatmap(store, ws, HeatmapSpec(x="warehouse"), SYSTEM, NOW)
    with pytest.raises(AuthoringError, match="y: 'orders' has no stored field 'depot'"):
        heatmap(store, ws, HeatmapSpec(y="depot"), SYSTEM, NOW)
