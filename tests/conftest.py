"""Shared fixtures: a real DuckDB file per test, a small workspace, template workspaces and actors."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import pytest

from engine.auth import SYSTEM, Actor
from engine.schema import Workspace
from engine.storage.store import Store, open_store
from engine.workspaces import create_from_template, create_workspace

NOW = datetime(2026, 11, 23, 10, 30, 0)
ADMIN = SYSTEM
OPERATOR = Actor("op1", frozenset({"operator"}))
WAREHOUSE = Actor("wh1", frozenset({"warehouse"}))
TEMP = Actor("temp1", frozenset({"temp_worker"}))
FINANCE = Actor("fin1", frozenset({"finance"}))

SMALL: dict[str, Any] = {
    "name": "demo",
    "label": "演示",
    "tables": [
        {
            "name": "orders",
            "label": "订单",
            "business_key": "order_no",
            "search_fields": ["customer"],
            "sub_tables": ["after_sales"],
            "fields": [
                {"type": "autonumber", "name": "order_no", "label": "订单号", "prefix": "SO"},
                {"type": "text", "name": "customer", "label": "客户", "required": True, "max_length": 20},
                {"type": "phone", "name": "phone", "label": "手机号"},
                {"type": "integer", "name": "qty", "label": "数量", "minimum": 1},
                {"type": "money", "name": "price", "label": "单价", "readonly_for": ["warehouse"]},
                {"type": "money", "name": "cost", "label": "成本", "hidden_for": ["operator"]},
                {
                    "type": "computed",
                    "name": "amount",
                    "label": "金额",
                    "expression": {"*": [{"var": "qty"}, {"var": "price"}]},
                },
                {
                    "type": "single_select",
                    "name": "channel",
                    "label": "渠道",
                    "options": [{"value": "taobao", "label": "淘宝"}, {"value": "jd", "label": "京东"}],
                },
                {
                    "type": "multi_select",
                    "name": "tags",
                    "label": "标签",
                    "options": [{"value": "vip", "label": "VIP"}, {"value": "rush", "label": "加急"}],
                },
                {"type": "datetime", "name": "paid_at", "label": "付款时间"},
                {"type": "text", "name": "remarks", "label": "备注"},
            ],
        },
        {
            "name": "after_sales",
            "label": "售后",
            "business_key": "case_no",
            "fields": [
                {"type": "text", "name": "case_no", "label": "售后单号"},
                {
                    "type": "relation",
                    "name": "order_no",
                    "label": "订单",
                    "table": "orders",
                    "required": True,
                },
                {
                    "type": "lookup",
                    "name": "customer",
                    "label": "客户",
                    "relation": "order_no",
                    "field": "customer",
                },
            ],
        },
    ],
}


@pytest.fixture
def small_doc() -> dict[str, Any]:
    return copy.deepcopy(SMALL)


@pytest.fixture
def store(tmp_path) -> Store:
    s = open_store(tmp_path / "test.duckdb")
    yield s
    s.close()


@pytest.fixture
def small_ws(store: Store, small_doc: dict[str, Any]) -> Workspace:
    return create_workspace(store, small_doc, ADMIN, now=NOW)


@pytest.fixture
def home_ws(store: Store) -> Workspace:
    return create_from_template(store, "home_ecommerce", ADMIN, now=NOW)


def count(store: Store, sql: str) -> int:
    return int(store.cursor().execute(sql).fetchone()[0])
