"""Bulk transitions: set-based checks agree with the single-record checks; all-or-nothing or a report."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest

from engine import audit
from engine.errors import RefusedError
from engine.flow.bulk import bulk_transition
from engine.flow.moves import moves, status_history
from engine.records.history import history as audit_history
from engine.records.single import update_record
from engine.schema import Workspace
from engine.storage.store import Store
from engine.workspaces import create_from_template
from hub.seed import seed_workspace
from tests.conftest import ADMIN, NOW, OPERATOR, WAREHOUSE


@pytest.fixture
def shop(store: Store) -> Workspace:
    ws = create_from_template(store, "home_ecommerce", ADMIN, now=NOW - timedelta(days=1))
    seed_workspace(store, ws, ADMIN, orders=2000, days=10, now=NOW - timedelta(days=1))
    return ws


def _rows(store: Store, ws: Workspace, table: str, where: str = "TRUE") -> list[dict[str, Any]]:
    res = store.cursor().execute(f'SELECT * FROM "{ws.name}"."{table}" WHERE {where} ORDER BY _id')
    names = [d[0] for d in res.description]
    return [dict(zip(names, r, strict=True)) for r in res.fetchall()]


def test_bulk_review_moves_all_with_history_and_audit(store: Store, shop: Workspace) -> None:
    placed = [o["_id"] for o in _rows(store, shop, "orders", "status = 'placed'")][:500]
    before = {o["_id"]: o["_version"] for o in _rows(store, shop, "orders")}
    result = bulk_transition(store, shop, "orders", placed, "reviewed", OPERATOR, NOW)
    assert sorted(result.moved) == sorted(placed) and not result.refused
    after = {o["_id"]: o for o in _rows(store, shop, "orders")}
    assert all(after[i]["status"] == "reviewed" and after[i]["_version"] == before[i] + 1 for i in placed)
    assert status_history(store, shop, "orders", placed[0])[-1][:2] == ("placed", "reviewed")
    entry = audit_history(store, shop.name, "orders", placed[0])[0]
    assert (
        entry.note == f"transition:审单通过 ×{len(placed)}" and entry.changes["status"]["after"] == "reviewed"
    )
    assert audit.verify(store).ok


def test_roles_are_checked_for_the_whole_batch(store: Store, shop: Workspace) -> None:
    placed = [o["_id"] for o in _rows(store, shop, "orders", "status = 'placed'")][:5]
    with pytest.raises(RefusedError, match="only manager, operator may move"):
        bulk_transition(store, shop, "orders", placed, "reviewed", WAREHOUSE, NOW)


def test_refusals_match_the_single_move_checks_and_stock_is_shared_out(store: Store, shop: Workspace) -> None:
    reviewed = _rows(store, shop, "orders", "status = 'reviewed'")
    # Make both outcomes happen: one order lacks its warehouse, the busiest SKU runs short.
    update_record(
        store, shop, "orders", reviewed[0]["_id"], {"warehouse": None}, reviewed[0]["_version"], ADMIN, NOW
    )
    counts: dict[str, int] = defaultdict(int)
    for o in reviewed:
        counts[o["sku"]] += 1
    busiest = max(counts, key=counts.__getitem__)
    sku = next(s for s in _rows(store, shop, "skus") if s["sku_code"] == busiest)
    first_qty = next(o["qty"] for o in reviewed[1:] if o["sku"] == busiest)
    update_record(store, shop, "skus", sku["_id"], {"stock": first_qty}, sku["_version"], ADMIN, NOW)
    reviewed = _rows(store, shop, "orders", "status = 'reviewed'")
    ids = [o["_id"] for o in reviewed]
    skus = {s["sku_code"]: s["stock"] for s in _rows(store, shop, "skus")}
    # Independently: warehouse must be set; stock is handed out per SKU in record order.
    expected, used = set(), defaultdict(int)
    for o in reviewed:
        if o["warehouse"] and o["sku"] in skus and used[o["sku"]] + o["qty"] <= skus[o["sku"]]:
            used[o["sku"]] += o["qty"]
            expected.add(o["_id"])
    assert expected and set(ids) - expected, "the data should give both outcomes"
    stock_before = dict(skus)
    with pytest.raises(RefusedError, match="cannot move to 备货; nothing was moved"):
        bulk_transition(store, shop, "orders", ids, "picking", WAREHOUSE, NOW)
    assert {o["status"] for o in _rows(store, shop, "orders") if o["_id"] in set(ids)} == {"reviewed"}
    assert {s["sku_code"]: s["stock"] for s in _rows(store, shop, "skus")} == stock_before
    result = bulk_transition(store, shop, "orders", ids, "picking", WAREHOUSE, NOW, report=True)
    assert set(result.moved) == expected
    no_warehouse = next(o["_id"] for o in reviewed if not o["warehouse"])
    assert result.refused[no_warehouse] == ["发货仓 (warehouse) is required to enter 备货"]
    stock_after = {s["sku_code"]: s["stock"] for s in _rows(store, shop, "skus")}
    assert all(stock_after[k] == stock_before[k] - used[k] for k in skus)
    # A refused record's single-move check says the same.
    other = next(i for i in result.refused if i != no_warehouse)
    (move,) = [m for m in moves(store, shop, "orders", other, WAREHOUSE, NOW) if m.to == "picking"]
    assert not move.allowed
    assert audit.verify(store).ok
