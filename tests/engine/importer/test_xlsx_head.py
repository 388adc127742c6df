"""The streamed .xlsx head reader gives what calamine gives: cell values, empty rows, merged ranges."""

from __future__ import annotations

from pathlib import Path

import python_calamine
import xlsxwriter

from engine.importer.xlsx_head import is_date_format, xlsx_head

FIXTURE = Path(__file__).resolve().parents[3] / "sample_data" / "fixtures" / "订单汇总_合并表头.xlsx"


def _calamine(path: Path, sheet: str, rows: int) -> tuple[list[list[object]], list[object]]:
    data = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet)
    head = [list(r) for _, r in zip(range(rows), data.iter_rows(), strict=False)]
    merges = sorted(tuple(map(tuple, m)) for m in data.merged_cell_ranges or [])
    return head, merges


def _same(a: object, b: object) -> bool:
    return a == b or (isinstance(b, float) and b.is_integer() and a == int(b))


def test_the_fixture_reads_as_calamine_reads_it() -> None:
    head = xlsx_head(str(FIXTURE), "订单明细", 30)
    assert head is not None
    rows, merges = head.rows, head.merges
    expected_rows, expected_merges = _calamine(FIXTURE, "订单明细", 30)
    assert merges == expected_merges
    assert len(rows) == len(expected_rows)
    assert all(
        _same(a, b) for r, e in zip(rows, expected_rows, strict=True) for a, b in zip(r, e, strict=True)
    )


def test_gaps_second_sheets_and_stopping_early(tmp_path) -> None:
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("封面").write(0, 0, "说明")
    sheet = book.add_worksheet("数据")
    sheet.merge_range(0, 0, 0, 3, "2025年订单汇总")
    sheet.write_row(3, 0, ["订单号", "数量", "金额", "已付"])  # rows 2 and 3 are left out of the file
    for i in range(4, 5000):
        sheet.write_row(i, 0, [f"SO{i}", i, i * 1.5, i % 2 == 0])
    book.close()
    head = xlsx_head(str(path), "数据", 6)
    assert head is not None
    rows, merges = head.rows, head.merges
    assert head.last_row == 5000 and head.date_cells == frozenset()
    assert rows[0][0] == "2025年订单汇总" and rows[1] == ["", "", "", ""] and rows[2] == ["", "", "", ""]
    assert rows[3] == ["订单号", "数量", "金额", "已付"] and rows[4] == ["SO4", 4, 6, True]
    assert rows[5] == ["SO5", 5, 7.5, False] and len(rows) == 6
    assert merges == [((0, 0), (0, 3))]
    assert xlsx_head(str(path), "没有", 6) is None
    not_xlsx = tmp_path / "fake.xlsx"
    not_xlsx.write_text("订单号,数量\n", encoding="utf-8")
    assert xlsx_head(str(not_xlsx), "数据", 6) is None


def test_cells_shown_as_dates_are_noted(tmp_path) -> None:
    path = tmp_path / "dates.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("数据")
    formats = ["yyyy-mm-dd", "yyyy/m/d h:mm", 'yyyy"年"m"月"d"日"', "0.00", "#,##0", '"¥"#,##0.00', "@"]
    sheet.write_row(0, 0, formats)
    for col, fmt in enumerate(formats):
        sheet.write_number(1, col, 46096.5, book.add_format({"num_format": fmt}))
    book.close()
    head = xlsx_head(str(path), "数据", 5)
    assert head is not None
    assert head.date_cells == {(1, 0), (1, 1), (1, 2)}


def test_date_formats() -> None:
    assert is_date_format("yyyy-mm-dd hh:mm") and is_date_format("[$-804]yyyy年m月d日")
    assert is_date_format("h:mm:ss") and is_date_format('m"月"d"日"')
    assert (
        not is_date_format("General")
        and not is_date_format('"days" 0.00')
        and not is_date_format("#,##0;[Red]-#,##0")
    )
