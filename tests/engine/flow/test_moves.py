"""Status flow moves on a template workspace: roles, guards, required fields, field updates, history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.auth import Actor
from engine.errors import ConflictError, RefusedError
from engine.flow.moves import moves, status_history, transition
from engine.records.history import history as audit_history
from engine.records.single import create_record, get_record, update_record
from engine.workspaces import create_from_template
from tests.conftest import ADMIN, NOW, OPERATOR, WAREHOUSE

FINANCE = Actor("fin1", frozenset({"finance"}))


def test_a_new_order_starts_in_the_initial_state(order) -> None:
    assert order["status"] == "placed"


def test_moves_follow_roles_required_fields_and_set_fields(store, home_ws, order) -> None:
    with pytest.raises(RefusedError) as info:
        transition(store, home_ws, "orders", order["_id"], "reviewed", 1, WAREHOUSE, NOW)
    assert "only operator, manager may 审单通过" in str(info.value)
    row = transition(store, home_ws, "orders", order["_id"], "reviewed", 1, OPERATOR, NOW)
    assert row["status"] == "reviewed" and row["_version"] == 2
    with pytest.raises(RefusedError, match=r"发货仓 \(warehouse\) is required to enter 备货"):
        transition(store, home_ws, "orders", order["_id"], "picking", 2, WAREHOUSE, NOW)
    row = transition(
        store, home_ws, "orders", order["_id"], "picking", 2, WAREHOUSE, NOW, values={"warehouse": "east"}
    )
    later = NOW + timedelta(hours=3)
    with pytest.raises(RefusedError) as info:
        transition(store, home_ws, "orders", order["_id"], "shipped", 3, WAREHOUSE, later)
    assert "承运商 (carrier) is required" in str(info.value) and "运单号 (tracking_no) is required" in str(
        info.value
    )
    row = transition(
        store,
        home_ws,
        "orders",
        order["_id"],
        "shipped",
        3,
        WAREHOUSE,
        later,
        values={"carrier": "sf", "tracking_no": "SF1234567890"},
    )
    assert row["status"] == "shipped" and row["shipped_at"] == later
    history = status_history(store, home_ws, "orders", order["_id"])
    assert [(h[0], h[1], h[3]) for h in history] == [
        ("placed", "reviewed", "op1"),
        ("reviewed", "picking", "wh1"),
        ("picking", "shipped", "wh1"),
    ]
    assert audit_history(store, "home_ecommerce", "orders", order["_id"])[0].note == "transition:出库"


def test_refusals_say_where_the_flow_goes_and_nothing_is_written(store, home_ws, order) -> None:
    with pytest.raises(RefusedError, match="no transition from 下单 to 签收"):
        transition(store, home_ws, "orders", order["_id"], "signed", 1, ADMIN, NOW)
    with pytest.raises(ConflictError):
        transition(store, home_ws, "orders", order["_id"], "reviewed", 7, ADMIN, NOW)
    with pytest.raises(RefusedError, match="changes only through the status flow"):
        update_record(store, home_ws, "orders", order["_id"], {"status": "signed"}, 1, ADMIN, NOW)
    assert get_record(store, home_ws, "orders", order["_id"], ADMIN)["_version"] == 1
    assert status_history(store, home_ws, "orders", order["_id"]) == []


def test_moves_list_what_is_possible_and_why_not(store, home_ws, order) -> None:
    options = {m.to: m for m in moves(store, home_ws, "orders", order["_id"], WAREHOUSE, NOW)}
    assert set(options) == {"reviewed", "cancelled"}
    assert not options["reviewed"].allowed and "only operator, manager" in options["reviewed"].reasons[0]


def test_guards_decide_a_rush_order_may_skip_packing(store) -> None:
    ws = create_from_template(store, "auto_parts_chain", ADMIN, now=NOW)
    create_record(store, ws, "skus", {"sku_code": "BP-1001", "name": "刹车片", "stock": 10}, ADMIN, NOW)
    base = {
        "channel": "pos",
        "customer_name": "李",
        "phone": "13800138000",
        "sku": "BP-1001",
        "unit_price": "260",
        "ordered_at": NOW,
        "warehouse": "east",
    }
    plain = create_record(store, ws, "orders", base, ADMIN, NOW)
    rush = create_record(store, ws, "orders", base | {"priority_tags": ["rush"]}, ADMIN, NOW)
    manager = Actor("m", frozenset({"manager"}))
    for row in (plain, rush):
        transition(store, ws, "orders", row["_id"], "reviewed", 1, manager, NOW)
        transition(store, ws, "orders", row["_id"], "allocated", 2, manager, NOW)
    shipping = {"carrier": "sf", "tracking_no": "SF1"}
    with pytest.raises(RefusedError, match="the condition of '加急直接出库"):
        transition(store, ws, "orders", plain["_id"], "shipped", 3, manager, NOW, values=shipping)
    assert (
        transition(store, ws, "orders", rush["_id"], "shipped", 3, manager, NOW, values=shipping)["status"]
        == "shipped"
    )


def test_a_finance_role_cannot_make_an_operator_move_even_in_the_engine(store, home_ws, order) -> None:
    with pytest.raises(RefusedError, match="only operator, manager"):
        transition(store, home_ws, "orders", order["_id"], "reviewed", 1, FINANCE, NOW)


def test_status_timeline_labels_and_durations(store, home_ws, order) -> None:
    from engine.flow.moves import status_timeline

    transition(store, home_ws, "orders", order["_id"], "reviewed", 1, OPERATOR, NOW)
    transition(
        store,
        home_ws,
        "orders",
        order["_id"],
        "picking",
        2,
        WAREHOUSE,
        NOW + timedelta(hours=2),
        values={"warehouse": "east"},
    )
    timeline = status_timeline(store, home_ws, "orders", order["_id"], NOW + timedelta(hours=5))
    assert [(s["from"], s["to"], s["hours"]) for s in timeline] == [
        ("下单", "审单", 2.0),
        ("审单", "备货", 3.0),
    ]
    assert timeline[1]["actor"] == "wh1" and timeline[1]["color"].startswith("#")
    # 审单 allows 4 h (2 h spent: on time); 备货 allows 24 h.
    assert [(s["sla_hours"], s["late"]) for s in timeline] == [(4, False), (24, False)]
    late = status_timeline(store, home_ws, "orders", order["_id"], NOW + timedelta(hours=30))
    assert late[1]["late"] is True


TEMP = Actor("temp1", frozenset({"temp_worker"}))


def _to_picking(store, ws, order) -> None:
    """Reviewed by an operator, then picked from the east warehouse: the order waits to be shipped."""
    transition(store, ws, "orders", order["_id"], "reviewed", 1, OPERATOR, NOW)
    transition(store, ws, "orders", order["_id"], "picking", 2, WAREHOUSE, NOW, values={"warehouse": "east"})


def test_a_move_asks_for_what_it_lacks_and_says_why_in_the_ui_language(store, home_ws, order) -> None:
    _to_picking(store, home_ws, order)
    ship = next(m for m in moves(store, home_ws, "orders", order["_id"], TEMP, NOW) if m.to == "shipped")
    assert ship.asks == ["carrier", "tracking_no"]  # the warehouse is known already
    assert [(r.key, r.values["field"]) for r in ship.why] == [
        ("reason_required", "承运商"),
        ("reason_required", "运单号"),
    ]
    assert ship.allowed_once_filled and not ship.allowed
    cancel = next(m for m in moves(store, home_ws, "orders", order["_id"], TEMP, NOW) if m.to == "cancelled")
    assert [r.key for r in cancel.why] == ["reason_roles"] and not cancel.allowed_once_filled
    assert cancel.why[0].values["roles"] == ["operator", "manager"]


def test_a_temporary_worker_ships_with_what_the_move_asks_and_edits_nothing_else(
    store, home_ws, order
) -> None:
    _to_picking(store, home_ws, order)
    with pytest.raises(RefusedError) as info:
        update_record(store, home_ws, "orders", order["_id"], {"remark": "改一下"}, 3, TEMP, NOW)
    assert info.value.text == ("refused_edit_records", {})
    ship = {"carrier": "sf", "tracking_no": "SF1234567890"}
    with pytest.raises(RefusedError) as info:
        transition(
            store, home_ws, "orders", order["_id"], "shipped", 3, TEMP, NOW, values=ship | {"unit_price": "1"}
        )
    assert info.value.text == ("refused_move_values", {"fields": "单价"})
    row = transition(store, home_ws, "orders", order["_id"], "shipped", 3, TEMP, NOW, values=ship)
    assert row["status"] == "shipped"
    after = get_record(store, home_ws, "orders", order["_id"], ADMIN)
    assert after["tracking_no"] == "SF1234567890" and str(after["unit_price"]) == "3200.00"
