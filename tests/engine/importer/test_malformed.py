"""Files an import must refuse with a clear message, writing nothing: not a spreadsheet, encrypted, empty, a
header without rows, 300 columns, a 1 MB cell; and dates a century away, which are reported per cell."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from engine.errors import DataError
from engine.importer.batches import batch_errors, list_batches, stage
from engine.importer.commit import commit
from engine.importer.mapping import ColumnMap, Mapping
from engine.records.repairs import open_repairs
from engine.schema import Workspace
from engine.storage.store import Store
from tests.conftest import ADMIN, NOW, OPERATOR

COLUMNS = ["订单号", "渠道", "客户名称", "手机号", "SKU", "数量", "单价", "下单时间"]
ROW = ["SO500001", "淘宝", "王总", "13800138000", "BP-1001", "2", "10", "2026-03-01 09:00"]
MAPPING = Mapping(
    table="orders",
    columns=[
        ColumnMap(column=c, field=f)
        for c, f in zip(
            COLUMNS,
            ["order_no", "channel", "customer_name", "phone", "sku", "qty", "unit_price", "ordered_at"],
            strict=True,
        )
    ],
)


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("订单")
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()
    return path


def _nothing_written(store: Store, ws: Workspace) -> None:
    assert list_batches(store, ws) == []
    assert store.cursor().execute(f'SELECT count(*) FROM "{ws.name}".orders').fetchone() == (0,)
    tables = store.cursor().execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = '_staging'")
    assert tables.fetchone() == (0,)


def _not_a_spreadsheet(tmp: Path) -> Path:
    path = tmp / "订单.xlsx"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00" * 2000)
    return path


def _encrypted(tmp: Path) -> Path:
    # What Excel writes for a workbook saved with a password: an OLE compound file, not a zip.
    path = tmp / "加密订单.xlsx"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 4088)
    return path


def _empty(tmp: Path) -> Path:
    path = tmp / "空.csv"
    path.write_bytes(b"")
    return path


def _header_only(tmp: Path) -> Path:
    return _workbook(tmp / "只有表头.xlsx", [COLUMNS])


def _wide(tmp: Path) -> Path:
    return _workbook(tmp / "宽表.xlsx", [[f"列{i}" for i in range(300)], [f"v{i}" for i in range(300)]])


def _huge_cell_csv(tmp: Path) -> Path:
    path = tmp / "大单元格.csv"
    lines = [",".join(COLUMNS)] + [",".join(ROW).replace("SO500001", f"SO5{i:05d}") for i in range(60)]
    lines[45] = lines[45].replace("王总", "长" * (1 << 20))  # past the head rows the header is found in
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _huge_cell_xlsx(tmp: Path) -> Path:
    path = tmp / "大单元格.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "订单"
    sheet.append(COLUMNS)
    for i in range(40):
        sheet.append([f"SO5{i:05d}", *ROW[1:]])
    sheet.cell(row=38, column=3, value="长" * (1 << 20))
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (_not_a_spreadsheet, r"订单\.xlsx is not a \.xlsx workbook"),
        (_encrypted, r"加密订单\.xlsx is password-protected \(encrypted\)"),
        (_empty, r"空\.csv is empty \(0 bytes\)"),
        (_header_only, "the header is there but no data rows below it"),
        (_wide, "300 columns, more than the 256 an import reads"),
        (_huge_cell_csv, "row 46, column 客户名称: a cell of 1,048,576 characters"),
        (_huge_cell_xlsx, "row 38, column 客户名称: a cell of 32,767 characters"),
    ],
)
def test_a_malformed_file_is_refused_and_nothing_is_written(
    store: Store, shop: Workspace, tmp_path, build, message: str
) -> None:
    path = build(tmp_path)
    with pytest.raises(DataError, match=message):
        stage(store, shop, path, MAPPING, OPERATOR, now=NOW)
    _nothing_written(store, shop)


def test_dates_a_century_away_are_flagged_cells_and_their_rows_still_land(
    store: Store, shop: Workspace, tmp_path
) -> None:
    rows = [COLUMNS, ROW, [*ROW[:-1], "2126-03-01 09:00"], [*ROW[:-1], "1826-03-01 09:00"]]
    rows[2][0], rows[3][0] = "SO500002", "SO500003"
    batch = stage(store, shop, _workbook(tmp_path / "年份.xlsx", rows), MAPPING, OPERATOR, now=NOW)
    assert (batch.summary["new"], batch.summary["errors"], batch.summary["flagged"]) == (3, 0, 2)
    errors = batch_errors(store, batch.id).select("source_row", "field", "message", "refuses").rows()
    assert errors == [
        (
            3,
            "ordered_at",
            "下单时间: 2126-03-01 is more than 10 years after the import — a typo in the year?",
            False,
        ),
        (4, "ordered_at", "下单时间: 1826-03-01 is before 1900 — a typo in the year?", False),
    ]
    assert commit(store, shop, batch.id, ADMIN, now=NOW)["inserted"] == 3
    landed = (
        store.cursor()
        .execute(f'SELECT order_no, ordered_at FROM "{shop.name}".orders ORDER BY order_no')
        .fetchall()
    )
    assert [no for no, _ in landed] == ["SO500001", "SO500002", "SO500003"]
    assert [at is None for _, at in landed] == [False, True, True]  # the typo is not stored as a date
    queue = open_repairs(store, shop, ADMIN, "orders")
    assert [(q["record_key"], q["field"], q["raw"]) for q in queue] == [
        ("SO500002", "ordered_at", "2126-03-01 09:00"),
        ("SO500003", "ordered_at", "1826-03-01 09:00"),
    ]
