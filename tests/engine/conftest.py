from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engine.notify.receiver import Receiver, start


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = start()
    yield state
    assert state.server is not None
    state.server.shutdown()


@pytest.fixture
def order(store, home_ws) -> dict:
    """One order of the home template (with its SKU in stock), as created by an admin at NOW."""
    from engine.records.single import create_record
    from tests.conftest import ADMIN, NOW

    create_record(store, home_ws, "skus", {"sku_code": "SF-1001", "name": "沙发", "stock": 10}, ADMIN, NOW)
    return create_record(
        store,
        home_ws,
        "orders",
        {
            "channel": "淘宝",
            "customer_name": "王总",
            "phone": "13800138000",
            "sku": "SF-1001",
            "unit_price": "3200",
            "ordered_at": NOW,
        },
        ADMIN,
        NOW,
    )
