"""After-write hooks run on every write path: a paid, in-stock order takes its automatic transition whether it
is entered in the form, imported from a workbook, upserted in bulk or pushed by a channel."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from connectors.flatten import flatten
from connectors.presets import preset
from engine import audit
from engine.errors import DataError
from engine.flow.moves import status_history
from engine.importer.batches import stage
from engine.importer.commit import commit
from engine.importer.mapping import ColumnMap, Mapping
from engine.importer.undo import undo
from engine.intake.mapping import map_frame
from engine.intake.queue import accept, drain
from engine.records.bulk import bulk_upsert
from engine.records.history import history as audit_history
from engine.records.single import create_record
from engine.records.write import AFTER_WRITE, AfterWrite, Write
from engine.registry import DuplicateNameError
from engine.schema import Workspace
from engine.storage.store import Store
from engine.workspaces import create_from_template
from sample_data.fake_platform import RENDER
from tests.conftest import ADMIN, NOW, OPERATOR
from tests.connectors.conftest import order, with_connectors

AUTO = "自动审单（已付款且有货）"
COLUMNS = ["订单号", "渠道", "客户", "手机", "商品编码", "数量", "单价", "下单时间", "付款时间"]


@pytest.fixture
def parts(store: Store) -> Workspace:
    ws = create_from_template(store, "auto_parts_chain", ADMIN, now=NOW)
    create_record(store, ws, "skus", {"sku_code": "BP-1001", "name": "刹车片", "stock": 5}, ADMIN, NOW)
    return ws


def _status(store: Store, ws: Workspace) -> dict[str, str]:
    rows = store.cursor().execute(f'SELECT order_no, status FROM "{ws.name}".orders').fetchall()
    return dict(rows)


def _workbook(path: Path) -> Path:
    rows = [
        [
            "SO-A1",
            "pos",
            "李雷",
            "13800138001",
            "BP-1001",
            "2",
            "260",
            "2026-11-20 09:00",
            "2026-11-20 09:05",
        ],
        ["SO-A2", "pos", "韩梅梅", "13800138002", "BP-1001", "1", "260", "2026-11-20 10:00", ""],
        [
            "SO-A3",
            "pos",
            "王五",
            "13800138003",
            "BP-1001",
            "9",
            "260",
            "2026-11-20 11:00",
            "2026-11-20 11:01",
        ],
    ]
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("订单")
    sheet.write_row(0, 0, COLUMNS)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
    book.close()
    return path


def _mapping() -> Mapping:
    fields = [
        "order_no",
        "channel",
        "customer_name",
        "phone",
        "sku",
        "qty",
        "unit_price",
        "ordered_at",
        "paid_at",
    ]
    return Mapping(
        table="orders", columns=[ColumnMap(column=c, field=f) for c, f in zip(COLUMNS, fields, strict=True)]
    )


def test_an_imported_paid_in_stock_order_takes_its_automatic_transition(
    store: Store, parts: Workspace, tmp_path: Path
) -> None:
    batch = stage(store, parts, _workbook(tmp_path / "订单.xlsx"), _mapping(), OPERATOR, now=NOW)
    commit(store, parts, batch.id, ADMIN, now=NOW)
    # Paid with stock moves on; unpaid, or more than the 5 in stock, waits for a person.
    assert _status(store, parts) == {"SO-A1": "reviewed", "SO-A2": "placed", "SO-A3": "placed"}
    moved = (
        store.cursor().execute(f"SELECT _id FROM \"{parts.name}\".orders WHERE order_no = 'SO-A1'").fetchone()
    )
    assert [
        (to, who, src, note) for _, to, _, who, src, note in status_history(store, parts, "orders", moved[0])
    ][-1] == ("reviewed", "system", "auto", AUTO)
    # Set-based: one audit entry for the batch's automatic moves, as for any bulk move.
    notes = [e.note for e in audit_history(store, parts.name, "orders") if e.note.startswith("transition:")]
    assert notes == [f"transition:{AUTO} ×1"]
    # Undoing the import takes its automatic moves with it.
    assert undo(store, parts, batch.id, ADMIN, now=NOW)["removed"] == 3
    assert _status(store, parts) == {}
    assert status_history(store, parts, "orders", moved[0]) == []
    assert audit.verify(store).ok


def test_a_bulk_upsert_that_pays_an_order_moves_it(store: Store, parts: Workspace) -> None:
    base = {"channel": "pos", "customer_name": "李", "phone": "13800138000", "sku": "BP-1001", "qty": 1}
    frame = pl.DataFrame(
        [base | {"order_no": f"SO-B{n}", "unit_price": 99.0, "ordered_at": NOW} for n in range(1, 4)]
    )
    bulk_upsert(store, parts, "orders", frame, ADMIN, NOW)
    assert set(_status(store, parts).values()) == {"placed"}
    paid = pl.DataFrame({"order_no": ["SO-B1", "SO-B3"], "paid_at": [NOW, NOW]})
    bulk_upsert(store, parts, "orders", paid, ADMIN, NOW)
    assert _status(store, parts) == {"SO-B1": "reviewed", "SO-B2": "placed", "SO-B3": "reviewed"}


def test_an_order_arriving_by_channel_intake_takes_its_automatic_transition(
    store: Store, parts: Workspace
) -> None:
    ws = with_connectors(store, parts, preset(parts, "webhook", "taobao", name="tb_push"))
    conn = ws.connector("tb_push")
    trades = [RENDER["taobao"](order("taobao", n, "BP-1001", qty=1)) for n in (1, 2)]
    trades.append(RENDER["taobao"](order("taobao", 3, "BP-1001", qty=7)))
    mapped = map_frame(conn, ws.require_table("orders"), flatten(trades), ws.timezone)
    assert accept(store, ws, conn, mapped, "order", NOW) == 3
    drain(store, ws, NOW)
    statuses = _status(store, ws)
    assert sorted(statuses.values()) == ["placed", "reviewed", "reviewed"], statuses


def test_a_hook_registered_twice_is_refused(store: Store) -> None:
    with pytest.raises(
        DuplicateNameError, match="after-write hook 'automatic_transitions' is registered twice"
    ):
        AFTER_WRITE.add("automatic_transitions", lambda w, ids: None)


def test_a_refusing_hook_writes_nothing(store: Store, parts: Workspace) -> None:
    def refuse(w: Write, ids: list[int]) -> None:
        raise DataError(f"refused {len(ids)} row(s) of {w.table.name}")

    AFTER_WRITE.add("test_refuse", AfterWrite(lambda table: True, refuse))
    try:
        with pytest.raises(DataError, match="refused 1 row"):
            create_record(
                store,
                parts,
                "skus",
                {"sku_code": "XX-11", "name": "x", "stock": 1},
                ADMIN,
                NOW,
            )
    finally:
        del AFTER_WRITE["test_refuse"]
    assert store.cursor().execute(f'SELECT count(*) FROM "{parts.name}".skus').fetchone() == (1,)
