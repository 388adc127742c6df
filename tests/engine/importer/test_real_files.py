"""What real files need beyond their cells: history that ends where the status says, ids Excel rounded,
the Taobao order list and its item list imported one after the other, and nothing staged left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import DataError
from engine.importer.batches import batch_errors, stage
from engine.importer.commit import commit
from engine.importer.proposal import propose
from engine.importer.sources import column_values, sheet_layout
from engine.records.repairs import open_repairs
from engine.schema import Workspace
from engine.storage.store import Store
from sample_data.corpus import build
from tests.conftest import ADMIN, NOW


def _import(store: Store, ws: Workspace, path: Path, valid_only: bool = False) -> dict:
    table = ws.require_table("orders")
    mapping, _ = propose(ws, table, sheet_layout(path)[2].columns, column_values(path))
    batch = stage(store, ws, path, mapping, ADMIN, now=NOW)
    return commit(store, ws, batch.id, ADMIN, valid_only=valid_only, now=NOW)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {f.path.name: f.path for f in build(tmp_path_factory.mktemp("corpus"))}


def test_status_history_never_contradicts_the_status(store: Store, home_ws: Workspace, corpus) -> None:
    _import(store, home_ws, corpus["douyin.csv"])  # refunded orders: shipped and signed, then 退款成功
    rows = (
        store.cursor()
        .execute(
            "SELECT o.order_no, o.status, arg_max(m.to_state, m.rowid) FROM home_ecommerce.orders o "
            "JOIN _status_moves m ON m.record_id = o._id AND m.table_name = 'orders' GROUP BY ALL"
        )
        .fetchall()
    )
    assert rows and all(status == last for _, status, last in rows), [r for r in rows if r[1] != r[2]]
    cancelled_after_shipping = (
        store.cursor()
        .execute(
            "SELECT count(*) FROM home_ecommerce.orders WHERE status = 'cancelled' AND shipped_at IS NOT NULL"
        )
        .fetchone()[0]
    )
    assert cancelled_after_shipping > 0  # the case the closing move exists for is in the file


def test_an_id_excel_rounded_is_refused_with_the_fix(store: Store, home_ws: Workspace, tmp_path) -> None:
    path = tmp_path / "导出.csv"
    path.write_text(
        "订单号,渠道,客户,手机,SKU,单价,数量,下单时间\n"
        "3.515313147329358E+18,淘宝,王总,13800138000,SF-1001,10,1,2026-03-01 09:00\n"
        "3515313147329358123,淘宝,李姐,13900139000,SF-1001,10,2,2026-03-02 09:00\n",
        encoding="utf-8",
    )
    table = home_ws.require_table("orders")
    mapping, _ = propose(home_ws, table, sheet_layout(path)[2].columns, column_values(path))
    batch = stage(store, home_ws, path, mapping, ADMIN, now=NOW)
    errors = batch_errors(store, batch.id).to_dicts()
    assert [(e["source_row"], e["field"], e["refuses"]) for e in errors] == [(2, "order_no", True)]
    assert "保存为文本后重新导出" in errors[0]["message"]
    assert commit(store, home_ws, batch.id, ADMIN, valid_only=True, now=NOW)["inserted"] == 1
    keys = store.cursor().execute("SELECT order_no FROM home_ecommerce.orders").fetchall()
    assert keys == [("3515313147329358123",)]  # the rounded id is never stored


def test_the_taobao_item_list_completes_its_order_list(store: Store, home_ws: Workspace, corpus) -> None:
    first = _import(store, home_ws, corpus["taobao_list_2017.csv"])  # no SKU column: SKUs wait for repair
    assert first["inserted"] == 24 and first["flagged"] >= 24
    assert "sku" in {q["field"] for q in open_repairs(store, home_ws, ADMIN, "orders")}
    second = _import(store, home_ws, corpus["taobao_items.csv"])
    assert second["updated"] == 24 and second["inserted"] == 0
    assert second["created"] == {
        "skus": len(
            {s for (s,) in store.cursor().execute("SELECT sku FROM home_ecommerce.orders").fetchall()}
        )
    }
    empty = (
        store.cursor()
        .execute(
            "SELECT count(*) FROM home_ecommerce.orders WHERE sku IS NULL OR unit_price IS NULL OR qty IS NULL"
        )
        .fetchone()[0]
    )
    assert empty == 0
    # Filled by the second file, the SKU cells are off the repair queue.
    assert "sku" not in {q["field"] for q in open_repairs(store, home_ws, ADMIN, "orders")}


def test_a_commit_with_no_row_to_land_says_so_in_one_line(store: Store, home_ws: Workspace, tmp_path) -> None:
    path = tmp_path / "坏.csv"
    path.write_text("订单号,客户\n3.5E+18,王总\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"^no row of import batch #\d+ can be imported"):
        _import(store, home_ws, path, valid_only=True)
