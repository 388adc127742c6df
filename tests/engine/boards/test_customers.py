"""Customer health on three hand-made customers: each dimension and the total against a computation written
out here, red/yellow/green with the right reason, the three-month trend and the recent orders."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from engine.auth import SYSTEM
from engine.boards.customers import customer_scores, recent_orders
from engine.boards.scope import Context
from engine.records.bulk import bulk_upsert
from engine.records.single import create_record
from engine.storage.store import Store
from engine.workspaces import create_from_template

NOW = datetime(2026, 11, 23, 12, 0)
SKUS = {"AA-01": "床垫", "BB-02": "沙发", "CC-03": "灯具"}


def _orders() -> list[dict]:
    rows = []

    def order(
        no: str,
        customer: str,
        days_ago: float,
        sku: str,
        price: float,
        status: str = "signed",
        late_h: float = 0,
    ):
        at = NOW - timedelta(days=days_ago)
        promised = at + timedelta(days=3)
        rows.append(
            {
                "order_no": no, "channel": "jd", "customer_no": customer, "customer_name": customer, "phone": "13800138000",
                "sku": sku, "qty": 1, "unit_price": price, "status": status, "ordered_at": at, "paid_at": at,
                "promised_at": promised, "signed_at": promised + timedelta(hours=late_h) if status == "signed" else None,
            }
        )  # fmt: skip

    for i in range(7):  # 王总: seven orders in 90 days, three categories, on time
        order(f"W{i}", "CU000001", 5 + 10 * i, list(SKUS)[i % 3], 1000)
    for i in range(4):  # 老李: nothing for 200 days
        order(f"L{i}", "CU000002", 200 + 20 * i, "AA-01", 500)
    for i in range(5):  # 张姐: recent, one category, late deliveries, cancels
        order(
            f"Z{i}",
            "CU000003",
            3 + 15 * i,
            "BB-02",
            300,
            "cancelled" if i == 4 else "signed",
            late_h=10 if i < 2 else 0,
        )
    return rows


@pytest.fixture
def shop(store: Store):
    ws = create_from_template(store, "home_ecommerce", SYSTEM, now=NOW)
    for code, category in SKUS.items():
        create_record(
            store,
            ws,
            "skus",
            {"sku_code": code, "name": category, "category": category, "stock": 9},
            SYSTEM,
            NOW,
        )
    for no, name, terms in (
        ("CU000001", "王总", "cash"),
        ("CU000002", "老李", "net60"),
        ("CU000003", "张姐", "net30"),
    ):
        create_record(
            store,
            ws,
            "customers",
            {"customer_no": no, "name": name, "phone": "13800138000", "payment_terms": terms},
            SYSTEM,
            NOW,
        )
    bulk_upsert(store, ws, "orders", pl.DataFrame(_orders()), SYSTEM, NOW)
    create_record(
        store, ws, "after_sales",
        {"order_no": "Z0", "reason": "defect", "case_status": "open", "opened_at": NOW - timedelta(days=2)}, SYSTEM, NOW,
    )  # fmt: skip
    return ws


def _by_hand(customer: str) -> dict[str, float]:
    """Each dimension as the design states it, from the rows above."""
    mine = [o for o in _orders() if o["customer_no"] == customer]
    d90, d180 = NOW - timedelta(days=90), NOW - timedelta(days=180)
    recent = [o for o in mine if o["ordered_at"] > d180]
    last = max(o["ordered_at"] for o in mine)
    days = (NOW - last).total_seconds() / 86400
    last30 = sum(o["unit_price"] for o in mine if o["ordered_at"] > NOW - timedelta(days=30))
    before = (
        sum(
            o["unit_price"]
            for o in mine
            if NOW - timedelta(days=120) < o["ordered_at"] <= NOW - timedelta(days=30)
        )
        / 3
    )
    signed = [o for o in recent if o["signed_at"] is not None]
    on_time = sum(1 for o in signed if (o["signed_at"] - o["promised_at"]).total_seconds() / 3600 <= 2)
    cases = {"CU000003": 1}.get(customer, 0)
    cancelled = sum(1 for o in recent if o["status"] == "cancelled")
    terms = {"CU000001": 1.0, "CU000002": 0.6, "CU000003": 0.8}[customer]
    clamp = lambda x: max(0.0, min(1.0, x))  # noqa: E731
    return {
        "frequency": clamp(sum(1 for o in mine if o["ordered_at"] > d90) / 6),
        "recency": clamp(1 - (days - 30) / 150),
        "breadth": clamp(len({SKUS[o["sku"]] for o in recent}) / 3),
        "value_trend": clamp(last30 / before) if before else (1.0 if last30 else 0.0),
        "payment_terms": terms,
        "on_time": on_time / len(signed) if signed else 1.0,
        "after_sales": clamp(1 - (cases / len(recent) if recent else 0) * 5),
        "cancellations": clamp(1 - (cancelled / len(recent) if recent else 0) * 5),
        "service_requests": clamp(1 - cases * 0.5),
    }


def test_dimensions_scores_colours_and_reasons(store: Store, shop) -> None:
    scores = customer_scores(Context(store, shop, SYSTEM, NOW))
    rows = {r["customer"]: r for r in scores.iter_rows(named=True)}
    for customer in ("CU000001", "CU000002", "CU000003"):
        dims = _by_hand(customer)
        for name, value in dims.items():
            assert rows[customer][f"{name}_score"] == pytest.approx(value, abs=1e-9), (customer, name)
        weights = {k: 2.0 if k in ("frequency", "recency") else 1.0 for k in dims}  # the template's weights
        total = sum(weights[k] * v for k, v in dims.items()) / sum(weights.values())
        assert rows[customer]["score"] == pytest.approx(round(100 * total, 2), abs=0.01)
    assert [rows[c]["color"] for c in ("CU000001", "CU000002", "CU000003")] == ["green", "red", "yellow"]
    assert rows["CU000002"]["reason"] == "下单频次: 90天内下单 0 次"
    assert rows["CU000003"]["reason"] == "售后率: 售后率 20%"  # one case in five orders (as costly as 取消率)
    assert scores["customer"][0] == "CU000002"  # worst first


def test_trend_over_three_months_and_recent_orders(store: Store, shop) -> None:
    scores = customer_scores(Context(store, shop, SYSTEM, NOW), months=3)
    row = scores.filter(pl.col("customer") == "CU000002").row(0, named=True)
    assert row["trend"] == pytest.approx(row["score"] - row["score_2m_ago"], abs=0.01)
    # A month ago 老李's last order was 170 days back, not 200: recency was not yet 0.
    assert row["score_1m_ago"] > row["score"]
    orders = recent_orders(Context(store, shop, SYSTEM, NOW), "CU000001", limit=3)
    assert [o["key"] for o in orders] == ["W0", "W1", "W2"]
    assert orders[0]["amount"] == 1000
