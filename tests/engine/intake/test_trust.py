"""Trusted status: the most credible source that has spoken decides; disagreements are listed with each source's
value and time and advice; agreement resolves them; a late, older report changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from connectors.presets import preset
from engine.intake.events import apply_status_events
from engine.intake.mapping import map_frame
from engine.intake.trust import advice, open_conflicts
from tests.conftest import NOW, count
from tests.connectors.conftest import orders, with_connectors


@pytest.fixture
def feeds(store, seeded):
    conns = [
        preset(seeded, "status_feed", name="cainiao", source="logistics"),
        preset(seeded, "status_feed", name="erp", source="erp"),
        preset(seeded, "status_feed", name="wms", source="wms"),
    ]
    return with_connectors(store, seeded, *conns)


def _send(store, ws, name, rows):
    conn = ws.connector(name)
    table = ws.require_table("orders")
    mapped = map_frame(conn, table, pl.DataFrame(rows))
    assert mapped.rejects.is_empty(), mapped.rejects
    return apply_status_events(store, ws, conn, mapped.rows, NOW)


def _keys(store, ws, state, n=3):
    return orders(store, ws, "status = ?", [state]).head(n)["order_no"].to_list()


def test_logistics_beats_erp_and_the_conflict_is_listed(store, feeds):
    ws = feeds
    key = _keys(store, ws, "shipped", 1)[0]
    t0 = NOW - timedelta(hours=5)
    # ERP says signed first; logistics (more credible) then says still in transit (shipped).
    out = _send(store, ws, "erp", [{"order_no": key, "status": "已签收", "time": str(t0)}])
    assert out.updated == 1 and orders(store, ws, "order_no = ?", [key])["status"][0] == "signed"
    out = _send(
        store, ws, "cainiao", [{"order_no": key, "status": "在途", "time": str(t0 + timedelta(hours=1))}]
    )
    assert orders(store, ws, "order_no = ?", [key])["status"][0] == "shipped"
    assert out.conflicts == 1
    [conflict] = open_conflicts(store, ws)
    assert (conflict["record_key"], conflict["effective"], conflict["effective_source"]) == (
        key,
        "shipped",
        "logistics",
    )
    assert conflict["advice"] == "菜鸟未回传 — 建议联系快递网点核实"
    by_source = {d["source"]: (d["status"], d["raw_status"], d["reported_at"]) for d in conflict["detail"]}
    assert by_source == {
        "logistics": ("shipped", "在途", str(t0 + timedelta(hours=1))),
        "erp": ("signed", "已签收", str(t0)),
    }
    # A lower source's later word does not move the record while logistics has spoken.
    _send(store, ws, "erp", [{"order_no": key, "status": "已签收", "time": str(t0 + timedelta(hours=2))}])
    assert orders(store, ws, "order_no = ?", [key])["status"][0] == "shipped"
    # Logistics confirms the signature: the sources agree and the conflict is resolved.
    _send(store, ws, "cainiao", [{"order_no": key, "status": "签收", "time": str(t0 + timedelta(hours=3))}])
    assert orders(store, ws, "order_no = ?", [key])["status"][0] == "signed"
    assert open_conflicts(store, ws) == []
    assert count(store, "SELECT count(*) FROM _status_conflicts WHERE resolved_at IS NOT NULL") == 1
    moves = (
        store.cursor()
        .execute(
            "SELECT from_state, to_state, source FROM _status_moves WHERE source LIKE 'connector:%' ORDER BY moved_at"
        )
        .fetchall()
    )
    assert moves == [
        ("shipped", "signed", "connector:erp"),
        ("signed", "shipped", "connector:cainiao"),
        ("shipped", "signed", "connector:cainiao"),
    ]


def test_an_older_report_arriving_late_changes_nothing(store, feeds):
    ws = feeds
    key = _keys(store, ws, "shipped", 1)[0]
    _send(store, ws, "wms", [{"order_no": key, "status": "已签收", "time": str(NOW - timedelta(hours=1))}])
    out = _send(
        store, ws, "wms", [{"order_no": key, "status": "已出库", "time": str(NOW - timedelta(hours=9))}]
    )
    assert out.updated == 0
    assert orders(store, ws, "order_no = ?", [key])["status"][0] == "signed"


def test_events_find_orders_by_key_channel_id_or_tracking_number_and_reject_the_rest(store, feeds):
    ws = feeds
    shipped = orders(store, ws, "status = 'shipped' AND tracking_no IS NOT NULL").head(2)
    by_tracking = shipped.row(0, named=True)
    rows = [
        {"tracking_no": by_tracking["tracking_no"], "status": "签收", "time": str(NOW)},
        {"order_no": "SO-NOT-THERE", "status": "签收", "time": str(NOW)},
    ]
    out = _send(store, ws, "cainiao", rows)
    assert out.updated == 1
    assert orders(store, ws, "order_no = ?", [by_tracking["order_no"]])["status"][0] == "signed"
    assert [r[1] for r in out.rejects] == [
        "no order 'SO-NOT-THERE' found (by order number, channel order id or tracking number)"
    ]


def test_an_unmapped_status_is_rejected_with_where_to_map_it(store, feeds):
    conn = feeds.connector("erp")
    mapped = map_frame(
        conn, feeds.require_table("orders"), pl.DataFrame([{"order_no": "X", "status": "神秘状态"}])
    )
    assert mapped.rows.is_empty()
    assert mapped.rejects["reason"].to_list() == [
        "status 神秘状态 is not mapped to a state (add it to connectors.erp.statuses)"
    ]


@pytest.mark.parametrize(
    ("top", "others", "expected"),
    [
        (
            {"source": "logistics", "status": "shipped"},
            [{"source": "erp", "status": "signed"}],
            "菜鸟未回传 — 建议联系快递网点核实",
        ),
        (
            {"source": "wms", "status": "picking"},
            [{"source": "erp", "status": "shipped"}],
            "仓库WMS未回传 — 建议联系仓库WMS核实",
        ),
        (
            {"source": "logistics", "status": "signed"},
            [{"source": "platform", "status": "shipped"}],
            "平台未同步 — 建议检查回写接口",
        ),
        (
            {"source": "erp", "status": "cancelled"},
            [{"source": "platform", "status": "shipped"}],
            "来源状态矛盾(含取消) — 建议人工核实订单是否已取消",
        ),
    ],
)
def test_advice_names_who_is_behind(home_ws, top, others, expected):
    assert advice(home_ws.require_table("orders"), top, others) == expected


def test_reports_at_the_same_time_from_two_sources(store, feeds):
    """Ties in time still go by credibility, whatever the order of arrival."""
    ws = feeds
    key = _keys(store, ws, "shipped", 1)[0]
    t = datetime(2026, 11, 23, 8, 0)
    _send(store, ws, "cainiao", [{"order_no": key, "status": "在途", "time": str(t)}])
    _send(store, ws, "wms", [{"order_no": key, "status": "已签收", "time": str(t)}])
    assert orders(store, ws, "order_no = ?", [key])["status"][0] == "shipped"


def test_a_json_feed_in_a_folder_moves_orders_through_a_sync(store, seeded, tmp_path):
    from connectors.sync import run_sync

    folder = tmp_path / "wms"
    folder.mkdir()
    conn = preset(seeded, "status_feed", name="wms_json", source="wms").model_copy(
        update={"folder": str(folder)}
    )
    ws = with_connectors(store, seeded, conn)
    keys = orders(store, ws, "status IN ('placed', 'reviewed', 'picking')").head(5)["order_no"].to_list()
    feed = {"items": [{"order_no": k, "status": "OUTBOUND", "time": "2026-11-23 08:00:00"} for k in keys]}
    (folder / "outbound.json").write_text(__import__("json").dumps(feed), "utf-8")
    result = run_sync(store, ws, "wms_json", NOW)
    assert len(keys) >= 2 and result["ok"] and result["counts"]["updated"] == len(keys)
    assert set(orders(store, ws, "order_no IN (SELECT unnest(?::VARCHAR[]))", [keys])["status"]) == {
        "shipped"
    }
    assert run_sync(store, ws, "wms_json", NOW)["counts"]["fetched"] == 0
