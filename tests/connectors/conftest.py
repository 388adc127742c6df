"""A seeded home-furnishing workspace with connectors, a fake platform on 127.0.0.1 and helpers to read back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest

from connectors.http import Retry
from connectors.presets import preset
from engine.intake.model import Connector
from engine.records.bulk import bulk_upsert
from engine.schema import Workspace
from engine.schema_load import dump_workspace
from engine.storage.store import Store
from engine.workspaces import get_workspace, save_workspace
from hub.seed import seed_workspace
from sample_data.fake_platform import FakePlatform, Faults, Order, code_for
from tests.conftest import ADMIN, NOW

FAST = Retry(attempts=8, backoff_s=0.01, timeout_s=0.5)


def quick_retry() -> Retry:
    return Retry(attempts=8, backoff_s=0.01, timeout_s=0.5)


@pytest.fixture
def seeded(store: Store, home_ws: Workspace) -> Workspace:
    seed_workspace(store, home_ws, ADMIN, orders=200, days=30, seed=3, now=NOW)
    return home_ws


def with_connectors(
    store: Store, ws: Workspace, *conns: Connector, intake: dict[str, Any] | None = None
) -> Workspace:
    """Save the connectors (and intake rules) into the workspace; returns the new version."""
    doc = dump_workspace(ws)
    doc["connectors"] = [c.model_dump(mode="json") for c in conns]
    if intake is not None:
        doc["intake"] = intake
    save_workspace(store, doc, ADMIN, now=NOW)
    return get_workspace(store, ws.name)


def skus(store: Store, ws: Workspace) -> list[str]:
    return [
        r[0]
        for r in store.cursor().execute(f'SELECT sku_code FROM "{ws.name}".skus ORDER BY sku_code').fetchall()
    ]


def customers(store: Store, ws: Workspace) -> list[tuple[str, str, str]]:
    return (
        store.cursor()
        .execute(f'SELECT customer_no, name, phone FROM "{ws.name}".customers ORDER BY customer_no')
        .fetchall()
    )


def set_customer(store: Store, ws: Workspace, key: str, **values: Any) -> None:
    bulk_upsert(store, ws, "customers", pl.DataFrame([{"customer_no": key, **values}]), ADMIN, NOW)


def orders(store: Store, ws: Workspace, where: str = "TRUE", params: list[Any] | None = None) -> pl.DataFrame:
    return (
        store.cursor()
        .execute(f'SELECT * FROM "{ws.name}".orders WHERE {where} ORDER BY order_no', params or [])
        .pl()
    )


PHONE_STEM = {"taobao": "135", "jd": "136", "douyin": "137", "pdd": "138", "wechat": "134"}


def order(
    platform: str, n: int, sku: str, *, meaning: str = "paid", phone: str | None = None, address: str | None = None,
    created: datetime | None = None, **more: Any,
) -> Order:  # fmt: skip
    """A platform order; ids are distinct per platform and n."""
    created = created or NOW - timedelta(days=1, minutes=7 * n)
    ids = {
        "taobao": f"30286894{n:08d}",
        "jd": f"2901{n:07d}",
        "douyin": f"69{n:016d}",
        "pdd": f"261123-{n:012d}",
        "wechat": f"37{n:017d}",
    }
    values: dict[str, Any] = {
        "id": ids[platform], "status": code_for(platform, meaning), "name": f"买家{n}",
        "phone": phone or f"{PHONE_STEM[platform]}{n:08d}", "province": "浙江省", "city": "杭州市",
        "address": address or f"西湖区文三路{n}号{platform}", "sku": sku, "title": "实木餐桌", "qty": 1 + n % 3,
        "price": 100.0 + n, "created": created, "paid": created + timedelta(minutes=3),
        "modified": created + timedelta(minutes=30),
    }  # fmt: skip
    return Order(**(values | more))


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform(Faults()).start()
    yield fake
    fake.stop()


def api_connectors(ws: Workspace, url: str) -> list[Connector]:
    out = []
    for name in ("taobao", "jd", "douyin", "pdd"):
        conn = preset(ws, "platform_api", name)
        out.append(conn.model_copy(update={"url": url, "options": conn.options | {"page_size": 25}}))
    return out
