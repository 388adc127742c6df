"""A record's history shows a viewer only the fields get_record shows them."""

from __future__ import annotations

import pytest

from engine.auth import Actor
from engine.errors import RefusedError
from engine.records.history import record_history
from engine.records.single import create_record, delete_record, update_record
from engine.schema import Workspace
from engine.storage.store import Store
from tests.conftest import ADMIN, NOW, WAREHOUSE


def _order(store: Store, ws: Workspace) -> dict:
    create_record(store, ws, "skus", {"sku_code": "SF-1001", "name": "沙发", "stock": 10}, ADMIN, NOW)
    values = {
        "channel": "taobao",
        "customer_name": "李雷",
        "phone": "13800138000",
        "sku": "SF-1001",
        "qty": 1,
        "unit_price": "3999",
        "unit_cost": "2100",
        "ordered_at": NOW,
    }
    return create_record(store, ws, "orders", values, ADMIN, NOW)


def test_a_warehouse_users_record_history_has_no_hidden_field(store: Store, home_ws: Workspace) -> None:
    order = _order(store, home_ws)
    update_record(
        store, home_ws, "orders", order["_id"], {"unit_cost": "2200", "remarks": "加急"}, 1, ADMIN, NOW
    )
    seen = record_history(store, home_ws, "orders", order["_id"], WAREHOUSE)
    assert [e.action for e in seen] == ["update", "create"]
    assert all("unit_cost" not in e.changes for e in seen)
    assert seen[0].changes == {"remarks": {"before": None, "after": "加急"}}
    assert seen[1].changes["customer_name"] == "李雷"
    admin = record_history(store, home_ws, "orders", order["_id"], ADMIN)
    assert admin[0].changes["unit_cost"] == {"before": "2100.00", "after": "2200.00"}


def test_a_deleted_records_values_are_filtered_too(store: Store, home_ws: Workspace) -> None:
    order = _order(store, home_ws)
    delete_record(store, home_ws, "orders", order["_id"], 1, ADMIN, NOW)
    [deleted, _] = record_history(store, home_ws, "orders", order["_id"], WAREHOUSE)
    assert deleted.action == "delete" and "unit_cost" not in deleted.changes["before"]
    assert deleted.changes["before"]["customer_name"] == "李雷"


def test_history_needs_read_permission(store: Store, home_ws: Workspace) -> None:
    order = _order(store, home_ws)
    with pytest.raises(RefusedError):
        record_history(store, home_ws, "orders", order["_id"], Actor("visitor", frozenset()))
