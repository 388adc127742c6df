"""Message templates filled in SQL: each field type reads as people write it; select fields by their label."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import duckdb

from engine.conditions.compile import Compiler
from engine.messages import placeholders, render_sql
from engine.schema_load import parse_workspace
from engine.storage.sql import quote_ident

WS = parse_workspace(
    {
        "name": "m",
        "label": "M",
        "tables": [
            {
                "name": "t",
                "label": "T",
                "fields": [
                    {"type": "text", "name": "no", "label": "No"},
                    {"type": "datetime", "name": "paid", "label": "Paid"},
                    {"type": "money", "name": "amount", "label": "Amount"},
                    {"type": "integer", "name": "qty", "label": "Qty"},
                    {"type": "boolean", "name": "rush", "label": "Rush"},
                    {
                        "type": "multi_select",
                        "name": "tags",
                        "label": "Tags",
                        "options": [{"value": "vip", "label": "VIP"}, {"value": "gift", "label": "赠品"}],
                    },
                    {
                        "type": "single_select",
                        "name": "carrier",
                        "label": "Carrier",
                        "options": [
                            {"value": "sf", "label": "顺丰速运"},
                            {"value": "jdl", "label": "京东物流"},
                        ],
                    },
                ],
            }
        ],
    }
)


def test_placeholders_and_sql_rendering() -> None:
    template = "订单 {no}：{paid} 金额 {amount} 数量 {qty} 加急 {rush} 标签 {tags} 由 {carrier} 承运{missing_is_fine}"
    assert placeholders(template)[:3] == ["no", "paid", "amount"]
    table = WS.require_table("t")
    compiler = Compiler(table, column=lambda n: f"t.{quote_ident(n)}", ws=WS)
    fragment = render_sql(template.replace("{missing_is_fine}", ""), compiler.raw)
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t (_id BIGINT, no VARCHAR, paid TIMESTAMP, amount DECIMAL(18,2), qty BIGINT, rush BOOLEAN, "
        "tags VARCHAR[], carrier VARCHAR)"
    )
    con.execute(
        "INSERT INTO t VALUES (1, 'SO1', ?, ?, 3, true, ['vip', 'gift'], 'sf'), "
        "(2, NULL, NULL, NULL, NULL, NULL, NULL, 'ems')",
        [datetime(2026, 3, 15, 14, 5, 9), Decimal("1234.5")],
    )
    rows = [
        r[0]
        for r in con.execute(f"SELECT {fragment.sql} FROM t ORDER BY _id", list(fragment.params)).fetchall()
    ]
    assert rows == [
        "订单 SO1：2026-03-15 14:05 金额 1234.50 数量 3 加急 是 标签 VIP、赠品 由 顺丰速运 承运",
        "订单 ： 金额  数量  加急  标签  由 ems 承运",
    ]
