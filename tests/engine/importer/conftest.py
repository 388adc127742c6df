"""A home-furnishing shop with the SKUs the fixture files sell."""

from __future__ import annotations

import pytest

from engine.records.single import create_record
from engine.schema import Workspace
from engine.storage.store import Store
from tests.conftest import ADMIN, NOW


@pytest.fixture
def shop(store: Store, home_ws: Workspace) -> Workspace:
    for code in (
        "BP-1001",
        "OF-1003",
        "SP-1002",
        "TY-1004",
        "BT-1001",
        "WB-1002",
        "BP-1003",
        "OF-1001",
        "SP-1005",
        "TY-1002",
        "BT-1004",
        "WB-1001",
    ):
        create_record(store, home_ws, "skus", {"sku_code": code, "name": code, "stock": 100}, ADMIN, NOW)
    return home_ws
