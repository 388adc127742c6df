"""Platform exports (Taobao/Tmall, JD, Douyin, Pinduoduo) as the platforms write them, imported value for value:
every mapped cell, every reported error and the sheet and row of every record."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importer.batches import batch_errors, stage
from engine.importer.commit import commit
from engine.importer.mapping import Mapping, suggest, with_value_maps
from engine.importer.sources import column_values, sheet_layout
from engine.records.repairs import open_repairs
from engine.schema import Workspace
from engine.storage.sql import qualified
from engine.storage.store import Store
from sample_data.platforms import WRITERS, Export
from tests.conftest import ADMIN, NOW, OPERATOR

# What a user confirms or changes in the suggested mapping, per platform: {column: field}, value maps, fixed.
CHANGES: dict[str, dict[str, Any]] = {
    "taobao": {"fields": {"店铺名称": None}, "maps": {}, "fixed": {"channel": "淘宝"}},
    "jd": {"fields": {}, "maps": {"快递公司": {"京东快递": "jdl"}}, "fixed": {"channel": "京东"}},
    "douyin": {"fields": {}, "maps": {}, "fixed": {"channel": "抖音"}},
    "pdd": {
        "fields": {"拼单成功时间": "ordered_at", "街道": "address"},
        "maps": {},
        "fixed": {"channel": "拼多多"},
    },
}
# Columns the suggestions must get right by themselves (the rest of a file is platform detail).
SUGGESTED = {
    "taobao": {"订单编号": "order_no", "收货人姓名": "customer_name", "联系手机": "phone", "商家编码": "sku",
               "宝贝总数量": "qty", "价格": "unit_price", "订单状态": "status", "订单创建时间": "ordered_at",
               "订单付款时间": "paid_at", "发货时间": "shipped_at", "确认收货时间": "signed_at", "物流公司": "carrier",
               "物流单号": "tracking_no", "收货地址": "address"},
    "jd": {"订单号": "order_no", "客户姓名": "customer_name", "联系电话": "phone", "货号": "sku", "订购数量": "qty",
           "京东价": "unit_price", "订单状态": "status", "下单时间": "ordered_at", "付款确认时间": "paid_at",
           "订单完成时间": "signed_at", "快递公司": "carrier", "运单号": "tracking_no", "客户地址": "address"},
    "douyin": {"主订单编号": "order_no", "子订单编号": "platform_order_id", "收件人": "customer_name",
               "收件人手机号": "phone", "商家编码": "sku", "商品数量": "qty", "商品单价": "unit_price",
               "订单状态": "status", "订单提交时间": "ordered_at", "支付完成时间": "paid_at", "发货时间": "shipped_at",
               "订单完成时间": "signed_at", "省": "province", "市": "city", "详细地址": "address"},
    "pdd": {"订单号": "order_no", "收货人": "customer_name", "手机": "phone", "商家编码-SKU维度": "sku",
            "商品数量(件)": "qty", "订单状态": "status", "发货时间": "shipped_at", "确认收货时间": "signed_at",
            "快递公司": "carrier", "快递单号": "tracking_no", "省": "province", "市": "city"},
}  # fmt: skip


def _mapping(ws: Workspace, export: Export, platform: str) -> Mapping:
    table = ws.require_table("orders")
    columns = sheet_layout(export.path)[2].columns
    suggested = suggest(table, columns)
    got = {c.column: c.field for c in suggested.columns}
    assert {c: got[c] for c in SUGGESTED[platform]} == SUGGESTED[platform]
    change = CHANGES[platform]
    mapping = with_value_maps(table, suggested, column_values(export.path))
    columns_after = []
    for cm in mapping.columns:
        update: dict[str, Any] = {}
        if cm.column in change["fields"]:
            update["field"] = change["fields"][cm.column]
        if cm.column in change["maps"]:
            update["value_map"] = cm.value_map | change["maps"][cm.column]
        columns_after.append(cm.model_copy(update=update))
    return mapping.model_copy(update={"columns": columns_after, "fixed": change["fixed"], "name": platform})


@pytest.mark.parametrize("platform", list(WRITERS))
def test_a_platform_export_imports_value_for_value(
    store: Store, shop: Workspace, tmp_path, platform: str
) -> None:
    export = WRITERS[platform](tmp_path)
    mapping = _mapping(shop, export, platform)
    batch = stage(store, shop, export.path, mapping, OPERATOR, now=NOW)
    # No row is lost for one bad cell: a row lands with the cell flagged, an SKU the shop lacks is created.
    creates = [p for p in export.problems if p[1] == "sku"]
    flags = [p for p in export.problems if p[1] != "sku"]
    rows = len(export.rows) + len(export.problems)
    assert (batch.summary["new"], batch.summary["errors"], batch.summary["flagged"]) == (rows, 0, len(flags))
    # Every buyer is new to a fresh workspace: they are created as customers with the batch.
    assert batch.summary["creates"].get("skus", 0) == len(creates)
    buyers = batch.summary["creates"].get("customers", 0)
    assert buyers > 0

    errors = batch_errors(store, batch.id)
    assert [(e["sheet"], e["source_row"], e["field"]) for e in errors.iter_rows(named=True)] == [
        (export.sheet, row, field) for row, field, _ in flags
    ]
    for error, (_, _, start) in zip(errors.iter_rows(named=True), flags, strict=True):
        assert error["message"].startswith(start) and not error["refuses"], error

    staged = store.cursor().execute(f"SELECT * FROM _staging.b{batch.id}").pl()
    by_row = {r["_source_row"]: r for r in staged.iter_rows(named=True)}
    for row, values in export.rows.items():
        got = by_row[row]
        assert got["_source_sheet"] == export.sheet
        assert {f: got[f] for f in values} == values, (platform, row)

    done = commit(store, shop, batch.id, ADMIN, now=NOW)
    assert (done["inserted"], done["rejected"], done["flagged"]) == (rows, 0, len(flags))
    assert done["created"] == batch.summary["creates"]
    linked = (
        store.cursor()
        .execute(
            f"SELECT count(*), count(c.customer_no), count(DISTINCT c.customer_no), "
            f"count(*) FILTER (WHERE c.name IS DISTINCT FROM o.customer_name) "
            f"FROM {qualified(shop.name, 'orders')} o "
            f"LEFT JOIN {qualified(shop.name, 'customers')} c ON c.customer_no = o.customer_no"
        )
        .fetchone()
    )
    # Each order points at a customer bearing its buyer's name; no buyer is created twice.
    assert linked == (rows, rows, buyers, 0), linked
    queue = open_repairs(store, shop, ADMIN, "orders")
    assert sorted(q["field"] for q in queue) == sorted(field for _, field, _ in flags)
    assert all(q["raw"] and q["message"] for q in queue)
    provenance = (
        store.cursor()
        .execute(
            f"SELECT o.order_no, r.sheet, r.source_row, o._source FROM _import_rows r "
            f"JOIN {qualified(shop.name, 'orders')} o ON o._id = r.record_id WHERE r.batch_id = ?",
            [batch.id],
        )
        .fetchall()
    )
    assert sorted(row for _, sheet, row, _ in provenance if sheet == export.sheet) == sorted(
        [*export.rows, *(row for row, _, _ in export.problems)]
    )
    by_no = {no: row for no, _, row, _ in provenance}
    assert all(by_no[v["order_no"]] == row for row, v in export.rows.items())
