"""Single-record writes: validation, permissions, system columns, conflicts and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import ConflictError, DataError, NotFoundError, RefusedError
from engine.records.history import history as audit_history
from engine.records.single import create_record, delete_record, find_by_key, get_record, update_record
from tests.conftest import ADMIN, NOW, OPERATOR, TEMP, WAREHOUSE, count


def new_order(store, ws, **values):
    base = {"customer": "王总", "phone": "138 0013 8000", "qty": "3", "price": "¥12.50", "channel": "淘宝"}
    return create_record(store, ws, "orders", base | values, ADMIN, NOW)


def test_create_fills_system_columns_autonumber_and_computed(store, small_ws) -> None:
    row = new_order(store, small_ws)
    assert row["order_no"] == "SO202611230001"
    assert row["_version"] == 1 and row["_created_by"] == "system" and row["_source"] == "form"
    assert row["_created_at"] == NOW
    assert row["phone"] == "13800138000" and row["channel"] == "taobao"
    assert row["amount"] == pytest.approx(37.5)
    assert new_order(store, small_ws)["order_no"] == "SO202611230002"


def test_autonumber_continues_after_imported_numbers(store, small_ws) -> None:
    new_order(store, small_ws, order_no="SO202611230041")
    assert new_order(store, small_ws)["order_no"] == "SO202611230042"


def test_invalid_values_are_all_reported_and_nothing_is_written(store, small_ws) -> None:
    with pytest.raises(DataError) as info:
        create_record(
            store,
            small_ws,
            "orders",
            {"customer": "", "qty": "0", "price": "1.234", "channel": "美团"},
            ADMIN,
            NOW,
        )
    fields = [p.path for p in info.value.problems]
    assert fields == ["customer", "qty", "price", "channel"]
    assert "客户 (customer) is required" in str(info.value)
    assert "'美团' is not one of the options" in str(info.value)
    assert count(store, "SELECT count(*) FROM demo.orders") == 0
    assert count(store, "SELECT count(*) FROM _audit_log") == 0


def test_unknown_field_is_named_with_a_suggestion(store, small_ws) -> None:
    with pytest.raises(DataError, match="unknown field 'custmer' — did you mean 'customer'") as info:
        create_record(store, small_ws, "orders", {"custmer": "x", "qty": "many"}, ADMIN, NOW)
    assert [p.path for p in info.value.problems] == ["custmer", "customer", "qty"]  # all at once
    with pytest.raises(DataError, match="system column"):
        create_record(store, small_ws, "orders", {"customer": "x", "_version": 5}, ADMIN, NOW)


def test_unique_business_key_is_checked_with_a_clear_message(store, small_ws) -> None:
    new_order(store, small_ws, order_no="SO1")
    with pytest.raises(DataError, match="订单号 'SO1' is already used by another row"):
        new_order(store, small_ws, order_no="SO1")


def test_update_bumps_version_and_refuses_stale_writes(store, small_ws) -> None:
    row = new_order(store, small_ws)
    later = NOW + timedelta(minutes=5)
    updated = update_record(store, small_ws, "orders", row["_id"], {"qty": 5}, 1, OPERATOR, later)
    assert updated["_version"] == 2 and updated["_updated_by"] == "op1" and updated["qty"] == 5
    with pytest.raises(ConflictError) as info:
        update_record(store, small_ws, "orders", row["_id"], {"qty": 7}, 1, ADMIN, later)
    assert info.value.expected == 1 and info.value.actual == 2
    assert "was changed by op1" in info.value.message and "nothing was saved" in info.value.message
    assert get_record(store, small_ws, "orders", row["_id"], ADMIN)["qty"] == 5


def test_update_without_changes_writes_nothing(store, small_ws) -> None:
    row = new_order(store, small_ws)
    again = update_record(store, small_ws, "orders", row["_id"], {"qty": "3"}, 1, ADMIN, NOW)
    assert again["_version"] == 1
    assert count(store, "SELECT count(*) FROM _audit_log") == 1


def test_required_field_cannot_be_blanked(store, small_ws) -> None:
    row = new_order(store, small_ws)
    with pytest.raises(DataError, match="is required"):
        update_record(store, small_ws, "orders", row["_id"], {"customer": "  "}, 1, ADMIN, NOW)


def test_permissions_are_enforced_in_the_engine(store, small_ws) -> None:
    row = new_order(store, small_ws)
    with pytest.raises(RefusedError, match="may not create rows of 订单"):
        create_record(store, small_ws, "orders", {"customer": "x"}, TEMP, NOW)
    with pytest.raises(RefusedError, match="单价 \\(price\\) is read-only for wh1"):
        update_record(store, small_ws, "orders", row["_id"], {"price": "1"}, 1, WAREHOUSE, NOW)
    with pytest.raises(RefusedError, match="金额 \\(amount\\) is derived"):
        update_record(store, small_ws, "orders", row["_id"], {"amount": 1}, 1, ADMIN, NOW)
    with pytest.raises(RefusedError, match="may not delete"):
        delete_record(store, small_ws, "orders", row["_id"], 1, OPERATOR, NOW)
    assert "cost" not in get_record(store, small_ws, "orders", row["_id"], OPERATOR)
    assert "cost" not in update_record(store, small_ws, "orders", row["_id"], {"qty": 4}, 1, OPERATOR, NOW)
    with pytest.raises(RefusedError, match="cost"):
        update_record(store, small_ws, "orders", row["_id"], {"cost": "1"}, 2, OPERATOR, NOW)


def test_relation_and_lookup(store, small_ws) -> None:
    order = new_order(store, small_ws)
    case = create_record(
        store, small_ws, "after_sales", {"case_no": "AS1", "order_no": order["order_no"]}, ADMIN, NOW
    )
    assert case["customer"] == "王总"
    with pytest.raises(DataError, match="no 订单 'SO404'"):
        create_record(store, small_ws, "after_sales", {"case_no": "AS2", "order_no": "SO404"}, ADMIN, NOW)
    with pytest.raises(RefusedError, match="has 1 row\\(s\\) in 售后"):
        delete_record(store, small_ws, "orders", order["_id"], 1, ADMIN, NOW)


def test_delete_checks_version_and_is_audited(store, small_ws) -> None:
    row = new_order(store, small_ws)
    with pytest.raises(ConflictError):
        delete_record(store, small_ws, "orders", row["_id"], 9, ADMIN, NOW)
    delete_record(store, small_ws, "orders", row["_id"], 1, ADMIN, NOW)
    with pytest.raises(NotFoundError):
        get_record(store, small_ws, "orders", row["_id"], ADMIN)
    history = audit_history(store, "demo", "orders", row["_id"])
    assert [h.action for h in history] == ["delete", "create"]
    assert history[0].changes["before"]["customer"] == "王总"


def test_audit_trail_has_before_and_after(store, small_ws) -> None:
    row = new_order(store, small_ws)
    update_record(store, small_ws, "orders", row["_id"], {"qty": 9, "tags": "VIP"}, 1, OPERATOR, NOW)
    latest = audit_history(store, "demo", record_id=row["_id"])[0]
    assert latest.actor == "op1" and latest.action == "update"
    assert latest.changes == {"qty": {"before": 3, "after": 9}, "tags": {"before": None, "after": ["vip"]}}
    assert audit_history(store, "demo", actor="op1")[0].seq == latest.seq
    assert audit_history(store, "demo", since=NOW + timedelta(seconds=1)) == []


def test_find_by_business_key(store, small_ws) -> None:
    row = new_order(store, small_ws)
    assert find_by_key(store, small_ws, "orders", row["order_no"], ADMIN)["_id"] == row["_id"]
    with pytest.raises(NotFoundError, match="no 订单 'SO0'"):
        find_by_key(store, small_ws, "orders", "SO0", ADMIN)


def test_hostile_values_are_stored_verbatim(store, small_ws) -> None:
    nasty = "x'); DROP TABLE demo.orders; --"
    row = new_order(store, small_ws, remarks=nasty, customer='Total "EUR"')
    assert get_record(store, small_ws, "orders", row["_id"], ADMIN)["remarks"] == nasty
    assert count(store, "SELECT count(*) FROM demo.orders") == 1
