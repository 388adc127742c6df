"""What the pages get from the engine: forms per role, grid frames, inline edits, the overview, first start."""

from __future__ import annotations

import polars as pl

from engine.edits import apply_grid_edits
from engine.forms import form_fields, grid_frame
from engine.overview import summarize
from engine.query import query_records
from engine.records.bulk import bulk_upsert
from engine.records.single import create_record
from hub.bootstrap import ensure_ready
from tests.conftest import ADMIN, NOW, OPERATOR, WAREHOUSE, count


def test_form_fields_follow_the_role(small_ws) -> None:
    orders = small_ws.require_table("orders")
    admin = {f.name: f for f in form_fields(orders, ADMIN)}
    assert admin["customer"].required and admin["customer"].widget == "text"
    assert admin["channel"].options == (("taobao", "淘宝"), ("jd", "京东"))
    assert admin["amount"].readonly and admin["amount"].widget == "readonly"
    assert not admin["order_no"].required and admin["order_no"].placeholder.startswith("SOYYYYMMDD")
    assert "cost" not in {f.name for f in form_fields(orders, OPERATOR)}
    assert {f.name: f for f in form_fields(orders, WAREHOUSE)}["price"].readonly


def test_grid_frame_shows_labels_and_hides_fields(store, small_ws) -> None:
    bulk_upsert(
        store,
        small_ws,
        "orders",
        pl.DataFrame(
            {"order_no": ["A"], "customer": ["甲"], "channel": ["jd"], "tags": ["VIP,加急"], "cost": ["2.5"]}
        ),
        ADMIN,
        NOW,
    )
    page = query_records(store, small_ws, "orders", ADMIN)
    grid = grid_frame(small_ws.require_table("orders"), page.rows, ADMIN)
    assert grid.row(0, named=True)["channel"] == "京东"
    assert grid.row(0, named=True)["tags"] == "VIP、加急"
    assert grid.schema["cost"] == pl.Float64
    assert grid.columns[-4:] == ["_id", "_version", "_updated_at", "_updated_by"]
    op_grid = grid_frame(
        small_ws.require_table("orders"), query_records(store, small_ws, "orders", OPERATOR).rows, OPERATOR
    )
    assert "cost" not in op_grid.columns


def test_grid_edits_are_applied_row_by_row(store, small_ws) -> None:
    a = create_record(store, small_ws, "orders", {"customer": "甲"}, ADMIN, NOW)
    b = create_record(store, small_ws, "orders", {"customer": "乙"}, ADMIN, NOW)
    rows = [{"_id": a["_id"], "_version": 1}, {"_id": b["_id"], "_version": 1}]
    outcomes = apply_grid_edits(
        store, small_ws, "orders", rows, {0: {"qty": 4, "channel": "京东"}, 1: {"qty": "x"}}, ADMIN, NOW
    )
    assert [o.ok for o in outcomes] == [True, False]
    assert outcomes[1].problems[0].path == "qty"
    again = apply_grid_edits(store, small_ws, "orders", rows, {0: {"qty": 5}}, ADMIN, NOW)
    assert again[0].conflict and "version 1" in again[0].message
    assert store.cursor().execute(
        "SELECT qty, channel FROM demo.orders WHERE _id = ?", [a["_id"]]
    ).fetchone() == (4, "jd")


def test_overview_counts_rows_the_actor_may_read(store, small_ws) -> None:
    create_record(store, small_ws, "orders", {"customer": "甲"}, ADMIN, NOW)
    version, tables = summarize(store, small_ws, ADMIN)
    assert version == 1
    assert {(t.name, t.rows) for t in tables} == {("orders", 1), ("after_sales", 0)}


def test_first_start_creates_admin_and_demo_once(store, monkeypatch) -> None:
    monkeypatch.setenv("ORDERHUB_ADMIN_PASSWORD", "chosen-pass-1")
    first = ensure_ready(store, demo_orders=500)
    assert first.admin_password == "chosen-pass-1" and first.demo_workspace == "home_ecommerce"
    assert count(store, "SELECT count(*) FROM home_ecommerce.orders") == 500
    again = ensure_ready(store, demo_orders=500)
    assert again.admin_password is None and again.demo_workspace is None


def test_record_links_build_carrier_urls(home_ws) -> None:
    from engine.forms import record_links

    orders = home_ws.require_table("orders")
    links = record_links(orders, {"tracking_no": "SF 1234/5"}, "en")
    assert links == [("Tracking no.", "SF 1234/5", "https://www.kuaidi100.com/chaxun?nu=SF%201234%2F5")]
    assert record_links(orders, {"tracking_no": None}) == []
