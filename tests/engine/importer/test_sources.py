"""Reading real .xlsx and .csv files: header below title rows, merged two-row headers, blank and 合计 rows,
encodings and delimiters, sheets, and the source row of every data row."""

from __future__ import annotations

import codecs
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import DataError
from engine.importer.layout import find_layout
from engine.importer.sources import ROW, SHEET, read_chunks, read_head, read_sheet, sheet_names, text_format

FIXTURES = Path(__file__).resolve().parents[3] / "sample_data" / "fixtures"


def test_summary_workbook_with_title_rows_and_a_merged_two_row_header() -> None:
    data = read_sheet(FIXTURES / "订单汇总_合并表头.xlsx")
    assert (data.layout.header_row, data.layout.depth, data.layout.data_start) == (2, 2, 4)
    assert data.layout.columns == [
        "订单号",
        "下单时间",
        "收货信息/收货人",
        "收货信息/手机",
        "收货信息/地址",
        "SKU",
        "数量",
        "金额",
        "订单状态",
    ]
    assert data.frame.height == 12
    assert data.frame[ROW].to_list() == [5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17]
    assert set(data.frame[SHEET]) == {"订单明细"}
    assert data.skipped == [(11, "blank row"), (18, "summary row (合计)")]
    first = data.frame.row(0, named=True)
    assert (first["订单号"], first["收货信息/手机"], first["数量"], first["金额"]) == (
        "SO202603150001",
        "13800138000",
        "2",
        "¥520.00",
    )
    assert read_head(FIXTURES / "订单汇总_合并表头.xlsx").rows[0][0] == "2026年3月订单汇总"


def test_gbk_platform_export() -> None:
    path = FIXTURES / "抖店订单导出_GBK.csv"
    assert text_format(path).encoding == "gb18030" and text_format(path).delimiter == ","
    data = read_sheet(path)
    assert data.layout.columns[:4] == ["订单编号", "子订单编号", "买家昵称", "收件人手机号"]
    assert data.frame.height == 8 and data.frame["买家昵称"][0] == "王建华"
    assert data.skipped == [(10, "summary row (总计)")]
    assert data.frame["快递单号"][0].startswith(
        '="7'
    )  # platforms' Excel protection: a mapping transform removes it


@pytest.mark.parametrize(
    ("suffix", "encoding", "delimiter"),
    [(".csv", "utf-8-sig", ";"), (".tsv", "utf-8", "\t"), (".csv", "utf-8", "|"), (".csv", "gbk", ",")],
)
def test_encodings_and_delimiters(tmp_path, suffix: str, encoding: str, delimiter: str) -> None:
    rows = [
        ["订单号", "客户", "金额"],
        ["SO1", "王总", "1,234.50"],
        ["SO2", "李姐", "20"],
        ["合计", "", "1,254.50"],
    ]
    text = "\r\n".join(
        delimiter.join(f'"{c}"' if "," in c and delimiter == "," else c for c in r) for r in rows
    )
    path = tmp_path / f"export{suffix}"
    path.write_bytes(text.encode(encoding))
    data = read_sheet(path)
    assert data.layout.columns == ["订单号", "客户", "金额"]
    assert data.frame.select("订单号", "客户", "金额").rows() == [
        ("SO1", "王总", "1,234.50"),
        ("SO2", "李姐", "20"),
    ]
    assert data.frame[ROW].to_list() == [2, 3]
    if encoding == "utf-8-sig":
        assert path.read_bytes()[:3] == codecs.BOM_UTF8


def test_sheets_are_chosen_by_name(tmp_path) -> None:
    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(path)
    for name, orders in (("一月", ["SO1", "SO2"]), ("二月", ["SO3"])):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, ["订单号", "数量"])
        for i, order in enumerate(orders, start=1):
            sheet.write_row(i, 0, [order, i])
    book.close()
    assert sheet_names(path) == ["一月", "二月"]
    assert read_sheet(path, "二月").frame.select("订单号", SHEET).rows() == [("SO3", "二月")]
    with pytest.raises(DataError, match="has no sheet '三月'"):
        read_sheet(path, "三月")


def test_a_sheet_without_column_names_is_refused(tmp_path) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text("1,2,3\n4,5,6\n", encoding="utf-8")
    with pytest.raises(DataError, match="no header row found"):
        read_sheet(path)
    with pytest.raises(DataError, match=r"cannot read \.pdf"):
        read_sheet(tmp_path / "x.pdf")


@settings(max_examples=150, deadline=None)
@given(
    titles=st.integers(0, 4),
    width=st.integers(2, 12),
    rows=st.integers(1, 8),
    names=st.lists(
        st.sampled_from(["订单号", "客户", "手机", "金额", "状态", "SKU", "仓库", "备注"]),
        min_size=12,
        max_size=12,
    ),
)
def test_the_header_is_found_below_any_title_rows(
    titles: int, width: int, rows: int, names: list[str]
) -> None:
    sheet: list[list[object]] = [[f"2025年订单汇总 第{i}页"] + [""] * (width - 1) for i in range(titles)]
    sheet.append(names[:width])
    sheet += [[f"SO{r}"] + [r * 10 + c for c in range(1, width)] for r in range(rows)]
    layout = find_layout(sheet)
    assert (layout.header_row, layout.depth, layout.data_start) == (titles, 1, titles + 1)
    assert len(layout.columns) == width and len(set(layout.columns)) == width


TABLE = [
    ["2025年订单汇总"],
    [],
    ["订单号", "数量", "单价", "下单时间", "备注"],
    ["SO1", 2, 858.57, datetime(2026, 3, 15, 14, 5, 0), "周末送货"],
    ["SO2", 1, 1045.5, datetime(2026, 3, 16, 9, 0, 30), None],
    [],
    ["SO3", 10, 12.0, datetime(2026, 3, 17, 0, 0, 0), "含定制件"],
    ["合计", 13, None, None, None],
]


def _write_xlsx(path: Path) -> None:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("订单")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for r, row in enumerate(TABLE):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, when)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()


def _write_xls(path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("订单")
    when = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    for r, row in enumerate(TABLE):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write(r, c, value, when)
            elif value is not None:
                sheet.write(r, c, value)
    book.save(str(path))


def _write_ods(path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="订单")
    for row in TABLE:
        tr = TableRow()
        for value in row:
            if isinstance(value, datetime):
                cell = TableCell(valuetype="date", datevalue=value.isoformat())
            elif isinstance(value, int | float):
                cell = TableCell(valuetype="float", value=value)
            else:
                cell = TableCell(valuetype="string")
            if value is not None:
                cell.addElement(P(text=str(value)))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(path))


@pytest.mark.parametrize(("suffix", "write"), [(".xls", _write_xls), (".ods", _write_ods)])
def test_xls_and_ods_read_as_the_xlsx_does(tmp_path, suffix: str, write) -> None:
    _write_xlsx(tmp_path / "订单.xlsx")
    write(tmp_path / f"订单{suffix}")
    expected = read_sheet(tmp_path / "订单.xlsx")
    got = read_sheet(tmp_path / f"订单{suffix}")
    assert got.layout.columns == expected.layout.columns == ["订单号", "数量", "单价", "下单时间", "备注"]
    assert got.skipped == expected.skipped == [(6, "blank row"), (8, "summary row (合计)")]
    assert got.frame.drop(SHEET).rows() == expected.frame.drop(SHEET).rows()
    assert expected.frame.select("单价", "下单时间", ROW).rows() == [
        ("858.57", "2026-03-15 14:05:00", 4),
        ("1045.5", "2026-03-16 09:00:30", 5),
        ("12", "2026-03-17 00:00:00", 7),
    ]


def test_chunks_keep_the_sheet_rows_across_their_borders(tmp_path) -> None:
    _write_xlsx(tmp_path / "订单.xlsx")
    whole = read_sheet(tmp_path / "订单.xlsx").frame
    parts = list(read_chunks(tmp_path / "订单.xlsx", rows=2))
    assert len(parts) == 3
    assert pl.concat([p.frame for p in parts]).rows() == whole.rows()
    assert [s for p in parts for s in p.skipped] == [(6, "blank row"), (8, "summary row (合计)")]
