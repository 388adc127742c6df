"""Acknowledgement steps of the hardware-wholesale flow: every party confirms within 15 minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.alerts.actions import acknowledge, alerts_for
from engine.alerts.evaluate import run_alerts
from engine.auth import Actor
from engine.errors import RefusedError
from engine.flow.moves import transition
from engine.notify.inbox import inbox_messages
from engine.records.single import create_record
from engine.storage.store import Store
from engine.workspaces import create_from_template
from tests.conftest import ADMIN, FINANCE, NOW, OPERATOR, WAREHOUSE

MANAGER = Actor("boss", frozenset({"manager"}))


@pytest.fixture
def deal(store: Store):
    ws = create_from_template(store, "hardware_wholesale", ADMIN, now=NOW)
    create_record(store, ws, "skus", {"sku_code": "LS-01", "name": "螺丝", "stock": 1000}, ADMIN, NOW)
    order = create_record(
        store,
        ws,
        "orders",
        {
            "channel": "sales",
            "customer_name": "王总",
            "phone": "13800138000",
            "sku": "LS-01",
            "qty": 300,
            "unit_price": "0.5",
            "ordered_at": NOW,
            "contract_no": "HT-2026-001",
        },
        ADMIN,
        NOW,
    )
    transition(store, ws, "orders", order["_id"], "pending_warehouse", 1, OPERATOR, NOW)
    return ws, order


def _requests(store, ws, actor):
    return [a for a in alerts_for(store, ws, actor) if a["kind"] == "ack"]


def test_each_party_is_asked_and_answers(store: Store, deal) -> None:
    ws, _ = deal
    for actor in (WAREHOUSE, FINANCE, OPERATOR):
        (req,) = _requests(store, ws, actor)
        assert req["due_at"] == NOW + timedelta(minutes=15) and "15 分钟内确认" in req["message"]
    (req,) = _requests(store, ws, WAREHOUSE)
    acknowledge(store, ws, req["id"], WAREHOUSE, "known", "", NOW + timedelta(minutes=3))
    assert _requests(store, ws, WAREHOUSE) == []
    (req,) = _requests(store, ws, FINANCE)
    with pytest.raises(RefusedError, match="needs a note"):
        acknowledge(store, ws, req["id"], FINANCE, "needs_info", " ", NOW)
    acknowledge(store, ws, req["id"], FINANCE, "needs_info", "缺盖章合同扫描件", NOW + timedelta(minutes=4))
    (note,) = inbox_messages(store, ws.name, OPERATOR)
    assert "需补充材料" in note["body"] and "缺盖章合同扫描件" in note["body"]
    # The operator did not answer: after 15 minutes the request escalates to the manager.
    assert run_alerts(store, ws, NOW + timedelta(minutes=14)).acknowledgements_escalated == 0
    assert run_alerts(store, ws, NOW + timedelta(minutes=16)).acknowledgements_escalated == 1
    (late,) = _requests(store, ws, MANAGER)
    assert (late["level"], late["step"], sorted(late["roles"])) == ("red", 1, ["manager", "operator"])
    acknowledge(store, ws, late["id"], MANAGER, "known", "已电话确认", NOW + timedelta(minutes=20))
    assert _requests(store, ws, OPERATOR) == []


def test_a_warehouse_role_cannot_make_the_finance_move(store: Store, deal) -> None:
    ws, order = deal
    manager_row = transition(
        store, ws, "orders", order["_id"], "finance_review", 2, WAREHOUSE, NOW, values={"warehouse": "east"}
    )
    with pytest.raises(RefusedError, match="only finance, manager may 财务通过并发货"):
        transition(
            store,
            ws,
            "orders",
            order["_id"],
            "shipped",
            manager_row["_version"],
            WAREHOUSE,
            NOW,
            values={"carrier": "sf", "tracking_no": "SF1"},
        )
    shipped = transition(
        store,
        ws,
        "orders",
        order["_id"],
        "shipped",
        manager_row["_version"],
        FINANCE,
        NOW,
        values={"carrier": "sf", "tracking_no": "SF1"},
    )
    assert shipped["status"] == "shipped"
