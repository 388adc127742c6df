"""The hash-chained audit log detects edited, deleted and inserted entries."""

from __future__ import annotations

import polars as pl
import pytest

from engine import audit
from engine.records.bulk import bulk_upsert
from engine.records.history import history as audit_history
from engine.records.single import create_record, update_record
from hub.cli import main
from tests.conftest import ADMIN, NOW


@pytest.fixture
def audited(store, small_ws):
    row = create_record(store, small_ws, "orders", {"customer": "甲"}, ADMIN, NOW)
    update_record(store, small_ws, "orders", row["_id"], {"customer": "乙"}, 1, ADMIN, NOW)
    bulk_upsert(
        store,
        small_ws,
        "orders",
        pl.DataFrame({"order_no": ["B1", "B2"], "customer": ["x", "y"]}),
        ADMIN,
        NOW,
    )
    bulk_upsert(store, small_ws, "orders", pl.DataFrame({"order_no": ["B2"], "customer": ["y2"]}), ADMIN, NOW)
    return store


def test_untouched_log_verifies(audited) -> None:
    result = audit.verify(audited)
    assert result.ok and result.entries == 4 and result.items == 3  # bulk-created rows are a range, not items


@pytest.mark.parametrize(
    ("tamper", "bad_seq", "reason"),
    [
        ("UPDATE _audit_log SET actor = 'mallory' WHERE seq = 2", 2, "edited"),
        ("UPDATE _audit_log SET item_changes = '{}' WHERE seq = 2", 2, "items of entry 2"),
        ("UPDATE _audit_log SET item_changes = NULL WHERE seq = 1", 1, "items of entry 1"),
        ("UPDATE _audit_items SET changes = '{}' WHERE seq = 4", 4, "items of entry 4"),
        ("DELETE FROM _audit_items WHERE seq = 4", 4, "items of entry 4"),
        ("INSERT INTO _audit_items VALUES (4, 1, 'update', '{}')", 4, "items of entry 4"),
        ("UPDATE _audit_log SET last_id = last_id + 1 WHERE seq = 3", 3, "edited"),
        ("DELETE FROM _audit_log WHERE seq = 2", 2, "entry 2 is missing"),
        ("UPDATE _audit_log SET logged_at = logged_at + INTERVAL 1 SECOND WHERE seq = 1", 1, "edited"),
    ],
)
def test_tampering_is_detected(audited, tamper: str, bad_seq: int, reason: str) -> None:
    audited.cursor().execute(tamper)
    result = audit.verify(audited)
    assert not result.ok and result.first_bad_seq == bad_seq and reason in result.reason


def test_cli_verify_exits_non_zero_on_tampering(audited, capsys) -> None:
    path = audited.path
    audited.cursor().execute("UPDATE _audit_log SET note = 'x' WHERE seq = 1")
    audited.close()
    assert main(["audit", "verify", "--db", path]) == 1
    assert "audit log check failed at entry 1" in capsys.readouterr().err


def test_bulk_created_rows_show_their_creation_values(audited) -> None:
    from engine.workspaces import get_workspace

    ws = get_workspace(audited, "demo")
    row = audited.cursor().execute("SELECT _id, _version FROM demo.orders WHERE order_no = 'B1'").fetchone()
    update_record(audited, ws, "orders", row[0], {"customer": "x2", "qty": 4}, row[1], ADMIN, NOW)
    history = audit_history(audited, "demo", "orders", record_id=row[0])
    assert [h.action for h in history] == ["update", "create"]
    assert history[1].changes == {"order_no": "B1", "customer": "x"}
    batch = [h for h in audit_history(audited, "demo", "orders") if h.record_id is None]
    assert batch[0].changes == {"created_ids": [2, 3], "rows": 2}


def test_items_digest_is_the_same_in_python_and_sql(audited) -> None:
    items = [audit.AuditItem(5, "update", '{"a":"你好"}'), audit.AuditItem(2, "create", "{}")]
    cur = audited.cursor()
    cur.execute(
        "CREATE TEMP TABLE t AS SELECT * FROM (VALUES (5, 'update', '{\"a\":\"你好\"}'), (2, 'create', '{}')) v(record_id, action, changes)"
    )
    assert cur.execute(f"SELECT {audit.ITEMS_DIGEST_SQL} FROM t").fetchone()[0] == audit.items_digest(items)


def test_a_status_move_is_sealed_in_its_entry(store, home_ws) -> None:
    from engine.flow.moves import status_history, transition
    from tests.conftest import OPERATOR

    create_record(store, home_ws, "skus", {"sku_code": "SF-1001", "name": "沙发", "stock": 5}, ADMIN, NOW)
    order = create_record(
        store,
        home_ws,
        "orders",
        {
            "channel": "taobao",
            "customer_name": "王",
            "phone": "13800138000",
            "sku": "SF-1001",
            "unit_price": "10",
            "ordered_at": NOW,
        },
        ADMIN,
        NOW,
    )
    transition(store, home_ws, "orders", order["_id"], "reviewed", 1, OPERATOR, NOW, note="电话确认")
    assert status_history(store, home_ws, "orders", order["_id"]) == [
        ("placed", "reviewed", NOW, "op1", "form", "电话确认")
    ]
    assert audit.verify(store).ok
    store.cursor().execute("UPDATE _audit_log SET move_to = 'signed' WHERE move_to = 'reviewed'")
    result = audit.verify(store)
    assert not result.ok and "was edited" in result.reason


def test_an_old_status_history_table_is_kept_as_moves(tmp_path) -> None:
    import duckdb

    from engine.storage.store import open_store

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE _status_history (workspace VARCHAR, table_name VARCHAR, record_id BIGINT, from_state VARCHAR, "
        "to_state VARCHAR, moved_at TIMESTAMP, actor VARCHAR, source VARCHAR, note VARCHAR)"
    )
    con.execute("INSERT INTO _status_history VALUES ('w', 'orders', 1, 'a', 'b', ?, 'u', 'form', '')", [NOW])
    con.close()
    store = open_store(path)
    rows = store.cursor().execute("SELECT to_state, ord FROM _status_history").fetchall()
    assert [r[0] for r in rows] == ["b"]
    store.close()
