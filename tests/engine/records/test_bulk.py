"""Bulk upsert by business key: set-based, all-or-nothing by default, or with a per-row report."""

from __future__ import annotations

import polars as pl
import pytest

from engine import audit
from engine.errors import DataError, RefusedError
from engine.records.bulk import bulk_upsert
from engine.records.history import history as audit_history
from engine.records.outcome import BulkDataError
from tests.conftest import ADMIN, NOW, WAREHOUSE, count


def frame(**cols):
    return pl.DataFrame(cols)


def test_insert_then_update_then_unchanged(store, small_ws) -> None:
    first = bulk_upsert(
        store,
        small_ws,
        "orders",
        frame(order_no=["A1", "A2"], customer=["甲", "乙"], qty=["1", "2"]),
        ADMIN,
        NOW,
    )
    assert first.summary() == {"inserted": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    second = bulk_upsert(
        store,
        small_ws,
        "orders",
        frame(order_no=["A1", "A2", "A3"], customer=["甲", "乙改", "丙"], qty=[1, 2, 3]),
        ADMIN,
        NOW,
    )
    assert second.summary() == {"inserted": 1, "updated": 1, "unchanged": 1, "rejected": 0}
    rows = (
        store.cursor()
        .execute("SELECT order_no, customer, _version FROM demo.orders ORDER BY order_no")
        .fetchall()
    )
    assert rows == [("A1", "甲", 1), ("A2", "乙改", 2), ("A3", "丙", 1)]
    again = bulk_upsert(
        store,
        small_ws,
        "orders",
        frame(order_no=["A1", "A2", "A3"], customer=["甲", "乙改", "丙"], qty=[1, 2, 3]),
        ADMIN,
        NOW,
    )
    assert again.summary() == {"inserted": 0, "updated": 0, "unchanged": 3, "rejected": 0}


def test_any_bad_cell_refuses_the_whole_batch(store, small_ws) -> None:
    data = frame(
        order_no=["B1", "B2", "B2", None],
        customer=["a", None, "c", "d"],
        qty=["1", "x", "2", "1"],
        tags=["VIP", "普通", "", ""],
    )
    with pytest.raises(BulkDataError) as info:
        bulk_upsert(store, small_ws, "orders", data, ADMIN, NOW)
    errors = info.value.errors.rows()
    assert (2, "customer", "客户 (customer) is required") in errors
    assert (2, "qty", "数量: 'x' is not a number") in errors
    assert (3, "order_no", "订单号 B2 repeats row 2") in errors
    assert (4, "order_no", "订单号 (business key) is required") in errors
    assert any(r[0] == 2 and r[1] == "tags" and "not an option" in r[2] for r in errors)
    assert "nothing was written" in info.value.message
    assert count(store, "SELECT count(*) FROM demo.orders") == 0
    assert count(store, "SELECT count(*) FROM _audit_log") == 0


def test_report_mode_writes_valid_rows_and_returns_the_rest(store, small_ws) -> None:
    data = frame(order_no=["C1", "C2", "C3"], customer=["a", "b", "c"], qty=["1", "-1", "3"])
    result = bulk_upsert(store, small_ws, "orders", data, ADMIN, NOW, report=True)
    assert result.summary() == {"inserted": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert result.errors.rows() == [(2, "qty", "数量: '-1' is below the minimum 1")]
    assert count(store, "SELECT count(*) FROM demo.orders") == 2


def test_row_numbers_from_the_caller_are_kept(store, small_ws) -> None:
    data = frame(__row=[15, 16], order_no=["D1", "D2"], customer=["a", None])
    result = bulk_upsert(store, small_ws, "orders", data, ADMIN, NOW, report=True)
    assert result.errors["__row"].to_list() == [16]


def test_new_rows_need_required_fields_existing_rows_do_not(store, small_ws) -> None:
    bulk_upsert(store, small_ws, "orders", frame(order_no=["E1"], customer=["a"]), ADMIN, NOW)
    result = bulk_upsert(
        store, small_ws, "orders", frame(order_no=["E1", "E2"], qty=[5, 6]), ADMIN, NOW, report=True
    )
    assert result.summary()["updated"] == 1
    assert result.errors.rows() == [(2, "customer", "客户 (customer) is required for a new row")]


def test_relations_are_checked_set_based(store, small_ws) -> None:
    bulk_upsert(store, small_ws, "orders", frame(order_no=["F1"], customer=["a"]), ADMIN, NOW)
    result = bulk_upsert(
        store,
        small_ws,
        "after_sales",
        frame(case_no=["S1", "S2"], order_no=["F1", "F404"]),
        ADMIN,
        NOW,
        report=True,
    )
    assert result.inserted == 1
    assert result.errors.rows() == [(2, "order_no", "订单: no 订单 F404")]


def test_unknown_and_forbidden_columns(store, small_ws) -> None:
    with pytest.raises(DataError, match="unknown field 'custmer'"):
        bulk_upsert(store, small_ws, "orders", frame(order_no=["x"], custmer=["a"]), ADMIN, NOW)
    with pytest.raises(DataError, match="business key column 'order_no'"):
        bulk_upsert(store, small_ws, "orders", frame(customer=["a"]), ADMIN, NOW)
    with pytest.raises(RefusedError):
        bulk_upsert(store, small_ws, "orders", frame(order_no=["x"], price=["1"]), WAREHOUSE, NOW)


def test_bulk_writes_are_audited_and_verifiable(store, small_ws) -> None:
    bulk_upsert(
        store,
        small_ws,
        "orders",
        frame(order_no=["G1", "G2"], customer=["a", "b"], tags=["VIP", None]),
        ADMIN,
        NOW,
    )
    bulk_upsert(store, small_ws, "orders", frame(order_no=["G1"], customer=["a2"]), ADMIN, NOW)
    history = audit_history(store, "demo", "orders", record_id=1)
    assert [h.action for h in history] == ["update", "create"]
    assert history[0].changes == {"customer": {"before": "a", "after": "a2"}}
    assert history[1].changes["tags"] == ["vip"]
    assert audit.verify(store).ok


def test_autonumbers_are_issued_for_new_rows_without_one(store, small_ws) -> None:
    bulk_upsert(
        store, small_ws, "after_sales", frame(case_no=["X"], order_no=[None]), ADMIN, NOW, report=True
    )
    assert count(store, "SELECT count(*) FROM demo.after_sales") == 0  # order_no is required


def test_arrow_tables_are_accepted(store, small_ws) -> None:
    table = pl.DataFrame({"order_no": ["H1", "H2"], "customer": ["a", "b"], "qty": [1, 2]}).to_arrow()
    assert bulk_upsert(store, small_ws, "orders", table, ADMIN, NOW).inserted == 2


def test_ids_continue_after_single_and_bulk_writes(store, small_ws) -> None:
    from engine.records.single import create_record

    first = create_record(store, small_ws, "orders", {"customer": "a"}, ADMIN, NOW)
    bulk_upsert(store, small_ws, "orders", frame(order_no=["I1", "I2"], customer=["b", "c"]), ADMIN, NOW)
    last = create_record(store, small_ws, "orders", {"customer": "d"}, ADMIN, NOW)
    ids = [r[0] for r in store.cursor().execute("SELECT _id FROM demo.orders ORDER BY _id").fetchall()]
    assert (
        ids == [first["_id"], first["_id"] + 1, first["_id"] + 2, last["_id"]]
        and last["_id"] == first["_id"] + 3
    )


def test_clean_column_shortcut_matches_full_coercion(small_ws) -> None:
    from engine.records.cells import coerce_frame

    table = small_ws.require_table("orders")
    clean = pl.DataFrame(
        {
            "__row": [1, 2, 3],
            "phone": ["13800138000", "138****1234", None],
            "channel": ["taobao", "jd", None],
        }
    )
    assert table.by_name["phone"].is_clean_column(clean["phone"])
    assert table.by_name["channel"].is_clean_column(clean["channel"])
    typed, errors = coerce_frame(table, clean)
    for name in ("phone", "channel"):
        values, problems = table.by_name[name].coerce_series(clean[name])
        assert typed[name].to_list() == values.to_list() and problems.null_count() == 3
    assert errors.height == 0
    messy = clean.with_columns(pl.Series("channel", ["淘宝", "JD", "美团"]))
    assert not table.by_name["channel"].is_clean_column(messy["channel"])
    typed, errors = coerce_frame(table, messy)
    assert typed["channel"].to_list() == ["taobao", "jd", None]
    assert errors.rows() == [(3, "channel", "渠道: '美团' is not one of the options (taobao, jd)")]


def test_clean_typed_columns_match_full_coercion(small_ws) -> None:
    from datetime import datetime

    from engine.records.cells import coerce_frame

    table = small_ws.require_table("orders")
    frame = pl.DataFrame(
        {
            "__row": [1, 2, 3],
            "qty": [1, 5, None],
            "paid_at": [datetime(2026, 3, 1, 10, 0, 5), None, datetime(2026, 3, 2)],
        }
    )
    assert table.by_name["qty"].is_clean_column(frame["qty"])
    assert table.by_name["paid_at"].is_clean_column(frame["paid_at"])
    typed, errors = coerce_frame(table, frame)
    for name in ("qty", "paid_at"):
        values, _ = table.by_name[name].coerce_series(frame[name])
        assert typed[name].to_list() == values.to_list() and typed.schema[name] == values.dtype
    assert errors.height == 0
    below = frame.with_columns(pl.Series("qty", [0, 5, None]))  # minimum is 1
    assert not table.by_name["qty"].is_clean_column(below["qty"])
    assert coerce_frame(table, below)[1].rows() == [(1, "qty", "数量: '0' is below the minimum 1")]
    fractional = frame.with_columns(pl.Series("paid_at", [datetime(2026, 3, 1, 10, 0, 5, 500), None, None]))
    assert not table.by_name["paid_at"].is_clean_column(fractional["paid_at"])
    assert coerce_frame(table, fractional)[0]["paid_at"][0] == datetime(2026, 3, 1, 10, 0, 5)


def test_unique_non_key_fields_are_checked_in_the_batch_and_against_stored_rows(store, small_doc) -> None:
    from engine.workspaces import create_workspace

    small_doc["tables"][0]["fields"][2]["unique"] = True  # phone
    ws = create_workspace(store, small_doc, ADMIN, now=NOW)
    bulk_upsert(
        store, ws, "orders", frame(order_no=["U1"], customer=["a"], phone=["13800138000"]), ADMIN, NOW
    )
    data = frame(
        order_no=["U1", "U2", "U3", "U4"],
        customer=["a", "b", "c", "d"],
        phone=["13800138000", "13800138000", "13900139000", "13900139000"],
    )
    result = bulk_upsert(store, ws, "orders", data, ADMIN, NOW, report=True)
    # One problem per cell: row 2's phone repeats row 1 (and is taken by a stored row): the first is told.
    assert result.errors.rows() == [
        (2, "phone", "手机号 13800138000 repeats row 1"),
        (4, "phone", "手机号 13900139000 repeats row 3"),
    ]
    assert result.summary() == {"inserted": 1, "updated": 0, "unchanged": 1, "rejected": 2}


def test_a_preview_counts_what_an_upsert_would_do_and_writes_nothing(store, small_ws) -> None:
    from engine.records.bulk import preview_upsert

    bulk_upsert(
        store,
        small_ws,
        "orders",
        frame(order_no=["A1", "A2"], customer=["甲", "乙"], qty=["1", "2"]),
        ADMIN,
        NOW,
    )
    entries = len(audit_history(store, "demo"))
    batch = frame(
        order_no=["A1", "A2", "A3", "A4"],
        customer=["甲", "乙改", "丙", "丁"],
        qty=["1", "5", "3", "many"],
        __row=[11, 12, 13, 14],
    )
    plan = preview_upsert(store, small_ws, "orders", batch, ADMIN, NOW)
    assert plan.preview() == {
        "rows": 4,
        "new": 1,
        "updated": 1,
        "unchanged": 1,
        "errors": 1,
        "changed_fields": {"customer": 1, "qty": 1},
    }
    assert plan.errors.rows() == [(14, "qty", "数量: 'many' is not a number")]
    assert count(store, "SELECT count(*) FROM demo.orders") == 2
    assert len(audit_history(store, "demo")) == entries
