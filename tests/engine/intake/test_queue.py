"""The intake queue: accepted at once, applied in micro-batches with VIP customers first; past the depth
threshold only core fields go in and the rest follow when the queue is shallow again; depth and lag shown."""

from __future__ import annotations

from datetime import timedelta

from connectors.flatten import flatten
from engine.intake.mapping import map_frame
from engine.intake.queue import accept, depth, drain, queue_status
from sample_data.fake_platform import RENDER
from tests.conftest import NOW, count
from tests.connectors.conftest import api_connectors, customers, order, orders, skus, with_connectors


def _queue(store, ws, platform_orders):
    conn = ws.connector("taobao_platform_api")
    mapped = map_frame(
        conn, ws.require_table("orders"), flatten([RENDER["taobao"](o) for o in platform_orders])
    )
    return accept(store, ws, conn, mapped, "order", NOW)


def _ws(store, seeded, **queue):
    intake = {"table": "orders", "queue": {"batch_size": 100, "depth_threshold": 150} | queue}
    return with_connectors(store, seeded, *api_connectors(seeded, "http://127.0.0.1:9"), intake=intake)


def test_vip_customers_go_first(store, seeded):
    ws = _ws(store, seeded)
    codes = skus(store, ws)
    vip_phones = [
        r[0]
        for r in store.cursor()
        .execute("SELECT phone FROM \"home_ecommerce\".customers WHERE level = 'A' LIMIT 5")
        .fetchall()
    ]
    ordinary = [order("taobao", n, codes[n % 20]) for n in range(1, 121)]
    vip = [order("taobao", 500 + i, codes[1], phone=p) for i, p in enumerate(vip_phones)]
    assert _queue(store, ws, ordinary) == 120
    assert _queue(store, ws, vip) == 5  # arrived last
    assert depth(store, ws) == 125
    done = drain(store, ws, NOW, max_batches=1)
    assert done.applied == 100
    applied = set(orders(store, ws, "order_no LIKE 'TB%'")["order_no"])
    assert {f"TB{o.id}" for o in vip} <= applied  # all five VIP orders in the first batch
    assert len(applied & {f"TB{o.id}" for o in ordinary}) == 95
    drain(store, ws, NOW)
    assert depth(store, ws) == 0
    assert count(store, "SELECT count(*) FROM \"home_ecommerce\".orders WHERE order_no LIKE 'TB%'") == 125


def test_circuit_breaker_defers_non_core_fields_then_applies_them(store, seeded):
    ws = _ws(store, seeded)
    codes = skus(store, ws)
    burst = [order("taobao", n, codes[n % 20], remarks=f"请尽快发货{n}") for n in range(1, 301)]
    _queue(store, ws, burst)
    first = drain(store, ws, NOW, max_batches=1)
    assert first.breaker_batches == 1 and first.by_connector["taobao_platform_api"].deferred == 100
    early = orders(store, ws, "order_no LIKE 'TB%'")
    assert early.height == 100
    # Core fields are in (status, phone, sku, quantity, price); the rest waits.
    assert early["status"].null_count() == 0 and early["sku"].null_count() == 0
    assert early["remarks"].null_count() == 100 and early["province"].null_count() == 100
    assert count(store, "SELECT count(*) FROM _intake_deferred") == 100
    rest = drain(store, ws, NOW)
    # 200 left: one more batch above the threshold (deferred), the last one below it; then the deferred fields.
    assert rest.breaker_batches == 1 and rest.deferred_applied == 200
    final = orders(store, ws, "order_no LIKE 'TB%'")
    assert final.height == 300
    assert final["remarks"].null_count() == 0 and final["province"].null_count() == 0
    assert sorted(final["remarks"].to_list()) == sorted(f"请尽快发货{n}" for n in range(1, 301))
    assert count(store, "SELECT count(*) FROM _intake_deferred") == 0


def test_queue_status_shows_depth_lag_and_deferred(store, seeded):
    ws = _ws(store, seeded)
    codes = skus(store, ws)
    _queue(store, ws, [order("taobao", n, codes[0]) for n in range(1, 11)])
    [status] = [s for s in queue_status(store, NOW + timedelta(seconds=42)) if s["workspace"] == ws.name]
    assert status == {"workspace": ws.name, "depth": 10, "lag_s": 42.0, "deferred": 0}


def test_a_customer_is_found_by_phone(store, seeded):
    ws = _ws(store, seeded)
    key, _, phone = customers(store, ws)[3]
    _queue(store, ws, [order("taobao", 1, skus(store, ws)[0], phone=phone)])
    drain(store, ws, NOW)
    assert orders(store, ws, "order_no LIKE 'TB%'")["customer_no"].to_list() == [key]
