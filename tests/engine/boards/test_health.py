"""Order health on a small hand-made set: every score matches a computation written out here in Python, the
review pool lists the right orders with the right reasons, and the three dimensions count what they say."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest

from engine.auth import SYSTEM
from engine.boards.health import health_dimensions, order_scores, review_pool
from engine.boards.scope import Context
from engine.records.bulk import bulk_upsert
from engine.records.single import create_record, find_by_key, update_record
from engine.schema import Workspace
from engine.schema_load import dump_workspace, parse_workspace
from engine.storage.store import Store
from engine.workspaces import create_from_template, get_workspace, save_workspace

NOW = datetime(2026, 11, 23, 12, 0)
T0 = datetime(2026, 11, 10, 9, 0)

# order_no, sku, price, cost, promised (hours after T0), signed (hours after T0, None = not yet), status
ORDERS: list[tuple[str, str, str, str, float | None, float | None, str]] = [
    ("H001", "AA-01", "100.00", "70.00", 72, 71, "signed"),  # on time, usual margin
    ("H002", "AA-01", "100.00", "70.00", 72, 75.5, "signed"),  # 3.5 h late: a little off
    ("H003", "AA-01", "100.00", "90.00", 72, 72, "signed"),  # margin 10% against the usual 30%
    ("H004", "BB-02", "200.00", "100.00", 72, 150, "signed"),  # 78 h late: on-time scores 0
    ("H005", "BB-02", "200.00", "110.00", 72, None, "shipped"),  # promise passed, not signed yet
    ("H006", "BB-02", "200.00", "100.00", None, None, "placed"),  # nothing promised yet
    ("H007", "AA-01", "100.00", "70.00", 72, 80, "cancelled"),  # cancelled: not scored
    ("H008", "AA-01", "100.00", "70.00", 72, 72, "signed"),  # changed three times
]
CHANGES = {"H008": 3, "H002": 1}


@pytest.fixture
def shop(store: Store) -> Workspace:
    ws = create_from_template(store, "home_ecommerce", SYSTEM, now=NOW)
    for code in ("AA-01", "BB-02"):
        create_record(store, ws, "skus", {"sku_code": code, "name": code, "stock": 100}, SYSTEM, NOW)
    rows = [
        {
            "order_no": no,
            "channel": "taobao",
            "customer_name": "王总",
            "phone": "13800138000",
            "sku": sku,
            "qty": 1,
            "unit_price": price,
            "unit_cost": cost,
            "status": status,
            "ordered_at": T0 - timedelta(hours=2),
            "paid_at": T0,
            "promised_at": T0 + timedelta(hours=promised) if promised is not None else None,
            "signed_at": T0 + timedelta(hours=signed) if signed is not None else None,
            "warehouse": "east",
        }
        for no, sku, price, cost, promised, signed, status in ORDERS
    ]
    bulk_upsert(store, ws, "orders", pl.DataFrame(rows), SYSTEM, NOW)
    for no, n in CHANGES.items():
        for i in range(n):
            record = find_by_key(store, ws, "orders", no, SYSTEM)
            update_record(
                store, ws, "orders", record["_id"], {"remarks": f"改 {i}"}, record["_version"], SYSTEM, NOW
            )
    return ws


def _expected(ws: Workspace) -> dict[str, dict[str, Any]]:
    """The template's score (on-time 0.4, modifications 0.3, margin deviation 0.3), worked out by hand."""
    scored = [o for o in ORDERS if o[6] != "cancelled"]
    margins = {o[0]: (float(o[2]) - float(o[3])) / float(o[2]) for o in scored}
    usual = {
        sku: statistics.median(margins[o[0]] for o in scored if o[1] == sku) for sku in {o[1] for o in scored}
    }
    now_h = (NOW - T0).total_seconds() / 3600
    out = {}
    for no, sku, _, _, promised, signed, _ in scored:
        if promised is None:
            off = None
        elif signed is not None:
            off = abs(signed - promised)
        else:
            off = max(now_h - promised, 0)
        on_time = 1.0 if off is None or off <= 2 else max(0.0, 1 - (off - 2) / 48)
        mods = max(0.0, 1 - 0.25 * CHANGES.get(no, 0))
        margin = max(0.0, 1 - abs(margins[no] - usual[sku]) / 0.2)
        lost = {
            "on_time": 40 * (1 - on_time),
            "modifications": 30 * (1 - mods),
            "margin_deviation": 30 * (1 - margin),
        }
        worst = max(lost, key=lambda k: lost[k]) if max(lost.values()) > 0 else None
        out[no] = {"score": round(100 - sum(lost.values()), 2), "worst": worst}
    return out


def test_scores_match_a_computation_by_hand(store: Store, shop: Workspace) -> None:
    scores = order_scores(Context(store, shop, SYSTEM, NOW))
    got = {r["key"]: {"score": r["score"], "worst": r["worst"]} for r in scores.iter_rows(named=True)}
    expected = _expected(shop)
    assert set(got) == set(expected)  # H007 (cancelled) is not scored
    for no, e in expected.items():
        assert got[no]["score"] == pytest.approx(e["score"], abs=0.01), no
        assert got[no]["worst"] == e["worst"], no
    assert got["H001"]["score"] == 100.0


def test_the_review_pool_lists_orders_below_the_threshold_with_the_costliest_component(
    store: Store, shop: Workspace
) -> None:
    scores = order_scores(Context(store, shop, SYSTEM, NOW))
    pool = review_pool(scores, 70)
    expected = sorted((e["score"], no) for no, e in _expected(shop).items() if e["score"] < 70)
    assert pool.select("key").to_series().to_list() == [no for _, no in expected]
    assert dict(pool.select("key", "reason").rows())["H004"] == "准时交付: 偏离承诺 78.0 小时"
    assert (
        dict(scores.select("key", "reason").rows())["H008"] == "修改次数: 修改 3 次"
    )  # 77.5: not in the pool


def test_stuck_and_after_sales_components_when_configured(store: Store, shop: Workspace) -> None:
    doc = dump_workspace(shop)
    doc["health"] = {
        "orders": {"components": [{"kind": "stuck", "weight": 1}, {"kind": "after_sales", "weight": 1}]}
    }
    save_workspace(store, parse_workspace(doc), SYSTEM, now=NOW)
    ws = get_workspace(store, shop.name)
    create_record(
        store,
        ws,
        "after_sales",
        {"order_no": "H002", "reason": "defect", "case_status": "open", "opened_at": NOW - timedelta(days=1)},
        SYSTEM,
        NOW,
    )
    later = NOW + timedelta(hours=3)  # every order has been in its state since the load at NOW
    rows = {r["key"]: r for r in order_scores(Context(store, ws, SYSTEM, later)).iter_rows(named=True)}
    assert rows["H002"]["after_sales_score"] == 0.0 and rows["H001"]["after_sales_score"] == 1.0
    assert rows["H002"]["reason"] == "售后: 售后 1 单"
    # 'placed' has an SLA of 2 h: 3 h in it is 1 h over, half the SLA again: 0.5. 'shipped' (24 h) is fine.
    assert rows["H006"]["stuck_score"] == pytest.approx(0.5) and rows["H005"]["stuck_score"] == 1.0
    assert rows["H006"]["reason"] == "状态停滞: 当前状态已停留 3.0 小时"


def test_three_dimensions(store: Store, shop: Workspace) -> None:
    frame = health_dimensions(Context(store, shop, SYSTEM, NOW))
    got = {r["dimension"]: (r["count"], r["base"]) for r in frame.iter_rows(named=True)}
    signed = [o for o in ORDERS if o[4] is not None and o[5] is not None]
    timely = [o for o in signed if abs(o[5] - o[4]) <= 2]  # type: ignore[operator]
    assert got["timeliness"] == (len(timely), len(signed))
    # Finished (signed) orders: ordered, paid, signed are set and shipped_at is not — one missing is complete.
    assert got["completeness"] == (5, 5)
    assert got["consistency"] == (0, 0)  # no imported snapshots yet


def test_a_given_health_configuration_is_checked_at_save(shop: Workspace) -> None:
    from engine.errors import AuthoringError

    doc = dump_workspace(shop)
    doc["health"] = {
        "orders": {"promised_field": "promise", "components": [{"kind": "on_time", "weight": 1}]}
    }
    with pytest.raises(AuthoringError) as exc:
        parse_workspace(doc)
    assert [p.path for p in exc.value.problems] == ["health.orders.promised_field"]
    assert "did you mean 'promised_at'" in exc.value.problems[0].message


def test_consistency_counts_connector_sources(store: Store, shop: Workspace) -> None:
    """Two connectors speaking for the same orders: agreeing ones are consistent, disagreeing ones are not."""
    import polars as pl

    from connectors.presets import preset
    from engine.intake.events import apply_status_events
    from engine.intake.mapping import map_frame

    doc = dump_workspace(shop)
    doc["connectors"] = [
        preset(shop, "status_feed", name=n, source=k).model_dump(mode="json")
        for n, k in (("wms", "wms"), ("cainiao", "logistics"))
    ]
    save_workspace(store, parse_workspace(doc), SYSTEM, now=NOW)
    ws = get_workspace(store, shop.name)
    table = ws.require_table("orders")
    for name, rows in (
        ("wms", [("H001", "已出库"), ("H002", "已出库"), ("H003", "已出库")]),
        ("cainiao", [("H001", "在途"), ("H002", "签收")]),
    ):
        conn = ws.connector(name)
        frame = pl.DataFrame(
            {"order_no": [k for k, _ in rows], "status": [v for _, v in rows], "time": str(NOW)}
        )
        apply_status_events(store, ws, conn, map_frame(conn, table, frame).rows, NOW)
    got = {
        r["dimension"]: (r["count"], r["base"])
        for r in health_dimensions(Context(store, ws, SYSTEM, NOW)).iter_rows(named=True)
    }
    assert got["consistency"] == (1, 2)  # H001 agrees (shipped), H002 does not; H003 has one source
