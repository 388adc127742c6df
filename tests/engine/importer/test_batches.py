"""Staging, review, commit, re-upload and undo of an import batch, on the fixture workbook."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import audit
from engine.auth import Actor
from engine.errors import ConflictError, RefusedError
from engine.importer.batches import batch_errors, batch_info, list_batches, reject, stage
from engine.importer.commit import commit
from engine.importer.mapping import suggest
from engine.importer.sources import read_sheet
from engine.importer.undo import undo
from engine.records.history import history as audit_history
from engine.records.single import find_by_key, update_record
from engine.schema import Workspace
from engine.storage.store import Store
from tests.conftest import ADMIN, NOW, OPERATOR

FIXTURES = Path(__file__).resolve().parents[3] / "sample_data" / "fixtures"
WORKBOOK = FIXTURES / "订单汇总_合并表头.xlsx"
MANAGER = Actor("boss", frozenset({"manager"}))


def _mapping(ws: Workspace):
    data = read_sheet(WORKBOOK)
    mapping = suggest(ws.require_table("orders"), data.layout.columns)
    fixed = []
    for c in mapping.columns:
        if c.column == "金额":
            c = c.model_copy(update={"field": "unit_price"})
        if c.field == "status":
            c = c.model_copy(
                update={
                    "value_map": {
                        "已发货": "shipped",
                        "卖家已发货": "shipped",
                        "交易成功": "signed",
                        "已签收": "signed",
                        "交易关闭": "cancelled",
                        "等待发货": "reviewed",
                    }
                }
            )
        fixed.append(c)
    return mapping.model_copy(update={"columns": fixed, "name": "月度汇总"})


def _orders(store: Store, ws: Workspace) -> int:
    (n,) = store.cursor().execute(f'SELECT count(*) FROM "{ws.name}".orders').fetchone()
    return n


def test_stage_commit_reupload_and_undo(store: Store, shop: Workspace) -> None:
    # channel is required for new orders and not in the file: no row is lost for it, every row would land
    # with the cell flagged for repair.
    batch = stage(store, shop, WORKBOOK, _mapping(shop), OPERATOR, now=NOW)
    info = batch_info(store, shop, batch.id)
    assert (
        info["status"] == "staged" and info["file_name"] == WORKBOOK.name and info["sheets"] == ["订单明细"]
    )
    assert batch.summary["rows"] == 12 and batch.summary["errors"] == 0
    assert batch.summary["flagged"] == 12 and batch.summary["flagged_rows"] == 12
    errors = batch_errors(store, batch.id)
    assert set(errors["field"]) == {"channel"} and errors["source_row"].to_list()[0] == 5
    assert not errors["refuses"].any()
    with pytest.raises(RefusedError, match="may not review imports"):
        commit(store, shop, batch.id, OPERATOR, now=NOW)
    reject(store, shop, batch.id, MANAGER, "缺渠道", now=NOW)
    assert batch_info(store, shop, batch.id)["status"] == "rejected"

    # A file whose rows carry a channel (a real platform export has one).
    path = _with_channel(WORKBOOK, store)
    mapping = _mapping(shop)
    mapping = mapping.model_copy(
        update={
            "columns": [
                *mapping.columns,
                mapping.columns[0].model_copy(
                    update={"column": "渠道", "field": "channel", "confidence": 1.0}
                ),
            ]
        }
    )
    batch = stage(store, shop, path, mapping, OPERATOR, now=NOW)
    assert batch.summary["new"] == 12 and batch.summary["errors"] == 0
    entries = len(audit_history(store, shop.name))
    assert commit(store, shop, batch.id, MANAGER, now=NOW) == {
        "inserted": 12,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "flagged": 0,
        "created": {"customers": 12},  # the file's buyers, none known yet
    }
    assert _orders(store, shop) == 12
    order = find_by_key(store, shop, "orders", "SO202603150001", ADMIN)
    assert order["_source"] == f"import:{batch.id}" and str(order["unit_price"]) == "520.00"
    assert order["status"] == "shipped" and order["phone"] == "13800138000"

    # The same file again changes nothing.
    again = stage(store, shop, path, mapping, OPERATOR, now=NOW)
    assert again.summary["unchanged"] == 12 and again.summary["same_file_batches"] == [batch.id]
    assert commit(store, shop, again.id, MANAGER, now=NOW)["unchanged"] == 12

    # Someone edits one imported order; undo removes the others and leaves that one alone.
    update_record(store, shop, "orders", order["_id"], {"remarks": "客户来电"}, order["_version"], ADMIN, NOW)
    result = undo(store, shop, batch.id, MANAGER, now=NOW)
    # The edited order's buyer stays with it; the other buyers the batch created go.
    assert result == {
        "removed": 11,
        "restored": 0,
        "left_alone": [order["_id"]],
        "removed_created": {"customers": 11},
    }
    assert _orders(store, shop) == 1
    assert batch_info(store, shop, batch.id)["status"] == "undone"
    with pytest.raises(ConflictError, match="is undone, not committed"):
        undo(store, shop, batch.id, MANAGER, now=NOW)
    assert audit.verify(store).ok and len(audit_history(store, shop.name)) > entries
    assert [b["status"] for b in list_batches(store, shop)][:3] == ["committed", "undone", "rejected"]


def _with_channel(source: Path, store: Store) -> Path:
    """The fixture workbook with a 渠道 column (a real export would have one)."""
    import xlsxwriter

    data = read_sheet(source)
    target = Path(store.path).parent / "with_channel.xlsx"
    book = xlsxwriter.Workbook(target)
    sheet = book.add_worksheet("订单明细")
    columns = [*data.layout.columns, "渠道"]
    sheet.write_row(0, 0, columns)
    for i, row in enumerate(data.frame.select(data.layout.columns).iter_rows(), start=1):
        sheet.write_row(i, 0, [*row, "淘宝"])
    book.close()
    return target


def test_undo_restores_updated_rows_to_their_values_before_the_import(store: Store, shop: Workspace) -> None:
    first = _with_channel(WORKBOOK, store)
    mapping = _mapping(shop)
    mapping = mapping.model_copy(
        update={
            "columns": [
                *mapping.columns,
                mapping.columns[0].model_copy(update={"column": "渠道", "field": "channel"}),
            ]
        }
    )
    commit(store, shop, stage(store, shop, first, mapping, OPERATOR, now=NOW).id, MANAGER, now=NOW)
    # A corrected file: every quantity doubled.
    import xlsxwriter

    data = read_sheet(first)
    second = first.with_name("corrected.xlsx")
    book = xlsxwriter.Workbook(second)
    sheet = book.add_worksheet("订单明细")
    sheet.write_row(0, 0, data.layout.columns)
    qty = data.layout.columns.index("数量")
    for i, row in enumerate(data.frame.select(data.layout.columns).iter_rows(), start=1):
        values = list(row)
        values[qty] = str(int(values[qty]) * 2)
        sheet.write_row(i, 0, values)
    book.close()
    batch = stage(store, shop, second, mapping, OPERATOR, now=NOW)
    assert batch.summary["updated"] == 12 and batch.summary["changed_fields"] == {"qty": 12}
    commit(store, shop, batch.id, MANAGER, now=NOW)
    assert find_by_key(store, shop, "orders", "SO202603150001", ADMIN)["qty"] == 4
    assert undo(store, shop, batch.id, MANAGER, now=NOW) == {"removed": 0, "restored": 12, "left_alone": []}
    order = find_by_key(store, shop, "orders", "SO202603150001", ADMIN)
    assert order["qty"] == 2 and order["_version"] == 3
    assert audit_history(store, shop.name, "orders", order["_id"])[0].note == f"undo import:{batch.id}"
    assert audit.verify(store).ok


def test_status_history_comes_from_the_files_timestamps(store: Store, shop: Workspace, tmp_path) -> None:
    from engine.flow.backfill import status_times
    from engine.flow.moves import status_history

    assert status_times(shop.require_table("orders")) == [("shipped", "shipped_at"), ("signed", "signed_at")]
    path = tmp_path / "history.csv"
    path.write_text(
        "订单号,渠道,客户,手机,SKU,单价,下单时间,订单状态,发货时间,签收时间\n"
        "SO900001,淘宝,王总,13800138000,BP-1001,10,2026-03-01 09:00,交易成功,2026-03-01 15:00,2026-03-03 10:00\n"
        "SO900002,淘宝,李姐,13900139000,BP-1001,10,2026-03-02 09:00,已发货,2026-03-02 16:30,\n"
        "SO900003,淘宝,张三,13700137000,BP-1001,10,2026-03-02 10:00,等待发货,,\n",
        encoding="utf-8",
    )
    table = shop.require_table("orders")
    mapping = suggest(table, read_sheet(path).layout.columns)
    mapping = mapping.model_copy(
        update={
            "columns": [
                c.model_copy(
                    update={"value_map": {"交易成功": "signed", "已发货": "shipped", "等待发货": "reviewed"}}
                )
                if c.field == "status"
                else c
                for c in mapping.columns
            ]
        }
    )
    batch = stage(store, shop, path, mapping, OPERATOR, now=NOW)
    assert batch.summary["errors"] == 0, batch_errors(store, batch.id)
    commit(store, shop, batch.id, MANAGER, now=NOW)
    signed = find_by_key(store, shop, "orders", "SO900001", ADMIN)
    assert [(h[0], h[1], h[2].hour, h[4]) for h in status_history(store, shop, "orders", signed["_id"])] == [
        ("placed", "shipped", 15, "import"),
        ("shipped", "signed", 10, "import"),
    ]
    shipped = find_by_key(store, shop, "orders", "SO900002", ADMIN)
    assert [h[1] for h in status_history(store, shop, "orders", shipped["_id"])] == ["shipped"]
    waiting = find_by_key(store, shop, "orders", "SO900003", ADMIN)
    assert status_history(store, shop, "orders", waiting["_id"]) == []
    undo(store, shop, batch.id, MANAGER, now=NOW)
    (moves,) = store.cursor().execute("SELECT count(*) FROM _status_moves").fetchone()
    assert moves == 0


def test_the_error_report_can_be_fixed_and_uploaded_again(store: Store, shop: Workspace, tmp_path) -> None:
    from openpyxl import load_workbook

    from engine.importer.report import error_report

    path = tmp_path / "orders.csv"
    path.write_text(
        "订单号,渠道,客户,手机,SKU,单价,下单时间\n"
        "SO700001,淘宝,王总,13800138000,BP-1001,10,01/03/2026 09:00\n"
        "SO700002,淘宝,李姐,1390013900,BP-1001,abc,02/03/2026 09:00\n",
        encoding="utf-8",
    )
    mapping = suggest(shop.require_table("orders"), read_sheet(path).layout.columns)
    # The shop writes its own channel names and day-first dates: the mapping rewrites both.
    mapping = mapping.model_copy(
        update={
            "columns": [
                cm.model_copy(update={"value_map": {"淘宝": "taobao"}})
                if cm.column == "渠道"
                else cm.model_copy(update={"date_format": "%d/%m/%Y %H:%M"})
                if cm.column == "下单时间"
                else cm
                for cm in mapping.columns
            ]
        }
    )
    batch = stage(store, shop, path, mapping, OPERATOR, now=NOW)
    report = tmp_path / "errors.xlsx"
    report.write_bytes(error_report(store, shop, batch.id))
    sheet = load_workbook(report).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "订单号",
        "渠道",
        "客户",
        "手机",
        "SKU",
        "单价",
        "下单时间",
        "错误说明",
        "来源工作表",
        "来源行",
    )
    assert rows[1][0] == "SO700002" and rows[1][9] == 3
    # The row as the person wrote it, not as the mapping stored it (taobao, an ISO time).
    assert (rows[1][1], rows[1][6]) == ("淘宝", "02/03/2026 09:00")
    # What is wrong, by the fields' labels.
    assert rows[1][7].startswith("手机号: ") and "单价: " in rows[1][7] and "unit_price" not in rows[1][7]
    assert len(rows) == 2
    # The user fixes the two cells and uploads the report itself.
    sheet.cell(2, 4).value, sheet.cell(2, 6).value = "13900139000", "12.5"
    fixed = tmp_path / "fixed.xlsx"
    sheet.parent.save(fixed)
    mapping = suggest(shop.require_table("orders"), read_sheet(fixed).layout.columns)
    again = stage(store, shop, fixed, mapping, OPERATOR, now=NOW)
    assert (again.summary["new"], again.summary["errors"]) == (1, 0)


def test_staging_reports_its_progress(store: Store, shop: Workspace, tmp_path, monkeypatch) -> None:
    path = tmp_path / "many.csv"
    lines = ["订单号,渠道,客户,手机,SKU,单价,下单时间"]
    lines += [f"SO6{i:05d},淘宝,客户{i},13800138000,BP-1001,10,2026-03-01 09:00" for i in range(2500)]
    path.write_text("\n".join(lines), encoding="utf-8")
    heard: list[tuple[str, int, int]] = []
    mapping = suggest(shop.require_table("orders"), read_sheet(path).layout.columns)
    monkeypatch.setattr("engine.records.cells.COERCE_CHUNK", 1000)  # several chunks in a small file
    stage(store, shop, path, mapping, OPERATOR, now=NOW, progress=lambda *p: heard.append(p))
    assert heard[:3] == [("read", 0, 0), ("read", 2500, 0), ("read", 2500, 2500)]
    assert [h for h in heard if h[0] == "check"] == [
        ("check", 1000, 2500),
        ("check", 2000, 2500),
        ("check", 2500, 2500),
    ]
    assert heard[-1] == ("stage", 2500, 2500)
