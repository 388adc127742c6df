"""An order file's buyers become customers in a fresh workspace: counted in the preview, created numbered
with name, phone and place, every order linked; a buyer already known (same phone) is matched, not doubled;
undo takes the created customers away with the batch."""

from __future__ import annotations

import polars as pl
import pytest

from engine.importer.batches import stage
from engine.importer.commit import commit
from engine.importer.proposal import propose
from engine.importer.sources import column_values, sheet_layout
from engine.importer.undo import undo
from engine.storage.store import open_store
from engine.workspaces import create_from_template
from hub.import_check import CHECKER, NOW
from sample_data.corpus import build


@pytest.fixture
def fresh(tmp_path):
    store = open_store(tmp_path / "buyers.duckdb")
    ws = create_from_template(store, "home_ecommerce", CHECKER, now=NOW)
    yield store, ws
    store.close()


def _import(store, ws, path):
    table = ws.require_table("orders")
    mapping, _ = propose(ws, table, sheet_layout(path)[2].columns, column_values(path))
    batch = stage(store, ws, path, mapping, CHECKER, now=NOW)
    return batch, commit(store, ws, batch.id, CHECKER, valid_only=True, now=NOW)


def _rows(store, sql):
    return store.cursor().execute(sql).pl()


def test_buyers_are_created_linked_and_undone(fresh, tmp_path):
    store, ws = fresh
    export = {f.path.name: f for f in build(tmp_path / "corpus")}["douyin.csv"]
    buyers = {(v["customer_name"], v["phone"]) for v in export.expected.values()}
    batch, _ = _import(store, ws, export.path)
    assert batch.summary["creates"]["customers"] == len(buyers)
    orders = _rows(
        store, "SELECT order_no, customer_no, customer_name, phone, province FROM home_ecommerce.orders"
    )
    customers = _rows(
        store, "SELECT customer_no, name, phone, province, _source FROM home_ecommerce.customers"
    )
    assert orders["customer_no"].null_count() == 0 and customers.height == len(buyers)
    assert set(customers["_source"]) == {f"import:{batch.id}"}
    linked = orders.join(customers, on="customer_no")
    # Each order points at the customer made from its own buyer's name, phone and province.
    assert (linked["customer_name"] == linked["name"]).all() and (
        linked["phone"] == linked["phone_right"]
    ).all()
    assert (linked["province"] == linked["province_right"]).all()
    undo(store, ws, batch.id, CHECKER, now=NOW)
    assert _rows(store, "SELECT count(*) AS n FROM home_ecommerce.customers")["n"][0] == 0


def test_a_known_buyer_is_matched_by_phone_not_doubled(fresh, tmp_path):
    store, ws = fresh
    first = tmp_path / "first.csv"
    pl.DataFrame(
        {"订单号": ["A1", "A2"], "客户": ["张三", "李四"], "手机": ["13800138000", "13900139000"],
         "商品编码": ["SKU-1", "SKU-1"], "数量": ["1", "2"], "单价": ["10", "10"], "下单时间": ["2026-01-02 10:00"] * 2}
    ).write_csv(first)  # fmt: skip
    _import(store, ws, first)
    again = tmp_path / "again.csv"
    pl.DataFrame(
        {"订单号": ["B1", "B2"], "客户": ["张三 ", "王五"], "手机": ["138 0013 8000", "13700137000"],
         "商品编码": ["SKU-1", "SKU-1"], "数量": ["1", "1"], "单价": ["10", "10"], "下单时间": ["2026-01-03 10:00"] * 2}
    ).write_csv(again)  # fmt: skip
    batch, _ = _import(store, ws, again)
    assert batch.summary["creates"]["customers"] == 1  # 王五 only: 张三 is known by phone
    got = _rows(store, "SELECT order_no, customer_no FROM home_ecommerce.orders ORDER BY order_no")
    by_order = dict(got.iter_rows())
    assert by_order["A1"] == by_order["B1"] and len(set(by_order.values())) == 3
