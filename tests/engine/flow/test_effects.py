"""Transition side effects and automatic transitions on the auto-parts template."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import audit
from engine.auth import Actor
from engine.errors import RefusedError
from engine.flow.moves import moves, status_history, transition
from engine.notify.inbox import inbox_messages
from engine.records.history import history as audit_history
from engine.records.single import create_record, get_record, update_record
from engine.schema import Workspace
from engine.storage.store import Store
from engine.workspaces import create_from_template
from tests.conftest import ADMIN, NOW, OPERATOR, WAREHOUSE

MANAGER = Actor("m", frozenset({"manager"}))


@pytest.fixture
def parts(store: Store) -> Workspace:
    ws = create_from_template(store, "auto_parts_chain", ADMIN, now=NOW)
    create_record(store, ws, "skus", {"sku_code": "BP-1001", "name": "刹车片", "stock": 5}, ADMIN, NOW)
    return ws


def _order(store: Store, ws: Workspace, **values):
    base = {
        "channel": "pos",
        "customer_name": "李",
        "phone": "13800138000",
        "sku": "BP-1001",
        "unit_price": "260",
        "ordered_at": NOW,
        "warehouse": "east",
        "qty": 3,
    }
    return create_record(store, ws, "orders", base | values, ADMIN, NOW)


def _stock(store: Store, ws: Workspace) -> int:
    (stock,) = store.cursor().execute(f'SELECT stock FROM "{ws.name}".skus').fetchone()
    return stock


def test_allocating_reserves_stock_and_cancelling_releases_it(store: Store, parts: Workspace) -> None:
    order = _order(store, parts)
    transition(store, parts, "orders", order["_id"], "reviewed", 1, MANAGER, NOW)
    transition(store, parts, "orders", order["_id"], "allocated", 2, MANAGER, NOW)
    assert _stock(store, parts) == 2
    sku_history = audit_history(store, parts.name, "skus")
    assert sku_history[0].note == f"reserve_stock:orders#{order['_id']}"
    transition(store, parts, "orders", order["_id"], "cancelled", 3, OPERATOR, NOW)
    assert _stock(store, parts) == 5
    assert audit.verify(store).ok


def test_not_enough_stock_refuses_the_move_and_writes_nothing(store: Store, parts: Workspace) -> None:
    order = _order(store, parts, qty=8)
    transition(store, parts, "orders", order["_id"], "reviewed", 1, MANAGER, NOW)
    (allocate,) = [
        m for m in moves(store, parts, "orders", order["_id"], MANAGER, NOW) if m.to == "allocated"
    ]
    assert allocate.reasons == ["not enough stock of BP-1001: 5 left, 8 needed"]
    entries = len(audit_history(store, parts.name))
    with pytest.raises(RefusedError, match="not enough stock of BP-1001: 5 left, 8 needed"):
        transition(store, parts, "orders", order["_id"], "allocated", 2, MANAGER, NOW)
    row = get_record(store, parts, "orders", order["_id"], ADMIN)
    assert (row["status"], row["_version"], _stock(store, parts)) == ("reviewed", 2, 5)
    assert len(status_history(store, parts, "orders", order["_id"])) == 1
    assert len(audit_history(store, parts.name)) == entries


def test_shipping_notifies_the_operators_inbox(store: Store, parts: Workspace) -> None:
    order = _order(store, parts)
    for to, version in (("reviewed", 1), ("allocated", 2), ("packed", 3)):
        transition(store, parts, "orders", order["_id"], to, version, MANAGER, NOW)
    transition(
        store,
        parts,
        "orders",
        order["_id"],
        "shipped",
        4,
        WAREHOUSE,
        NOW,
        values={"carrier": "sf", "tracking_no": "SF778899"},
    )
    (message,) = inbox_messages(store, parts.name, OPERATOR)
    assert (
        message["title"] == "出库"
        and message["body"] == f"订单 {order['order_no']} 已出库：顺丰速运 SF778899"
    )
    assert inbox_messages(store, parts.name, WAREHOUSE) == []


def test_paid_orders_with_stock_are_reviewed_automatically(store: Store, parts: Workspace) -> None:
    unpaid = _order(store, parts)
    assert unpaid["status"] == "placed"
    paid = _order(store, parts, paid_at=NOW)
    assert get_record(store, parts, "orders", paid["_id"], ADMIN)["status"] == "reviewed"
    ((_, to, _, who, source, note),) = status_history(store, parts, "orders", paid["_id"])
    assert (to, who, source, note) == ("reviewed", "system", "auto", "自动审单（已付款且有货）")
    too_many = _order(store, parts, paid_at=NOW, qty=9)  # stock 5 < 9: waits for review
    assert get_record(store, parts, "orders", too_many["_id"], ADMIN)["status"] == "placed"
    # Paying later is a change too: the order moves then.
    after = update_record(
        store, parts, "orders", unpaid["_id"], {"paid_at": NOW + timedelta(hours=1)}, 1, OPERATOR, NOW
    )
    assert after["status"] == "reviewed"
    # Automatic moves are not offered as buttons.
    assert all(
        not m.label.startswith("自动") for m in moves(store, parts, "orders", too_many["_id"], MANAGER, NOW)
    )


def test_gift_orders_take_no_stock_one_by_one_or_in_bulk(store: Store, parts: Workspace) -> None:
    from engine.flow.bulk import bulk_transition

    gift = _order(store, parts, qty=4, non_sale=True, remarks="新春福袋")
    transition(store, parts, "orders", gift["_id"], "reviewed", 1, MANAGER, NOW)
    assert [
        m.reasons for m in moves(store, parts, "orders", gift["_id"], MANAGER, NOW) if m.to == "allocated"
    ] == [[]]
    transition(store, parts, "orders", gift["_id"], "allocated", 2, MANAGER, NOW)
    assert _stock(store, parts) == 5
    sale, gifts = _order(store, parts, qty=2), [_order(store, parts, qty=9, non_sale=True) for _ in range(2)]
    ids = [sale["_id"], *(g["_id"] for g in gifts)]
    bulk_transition(store, parts, "orders", ids, "reviewed", MANAGER, NOW)
    done = bulk_transition(store, parts, "orders", ids, "allocated", MANAGER, NOW)
    assert len(done.moved) == 3 and _stock(store, parts) == 3  # only the sale's 2 left the shelf
