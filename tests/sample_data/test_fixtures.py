"""The committed fixture files have the awkward shapes the importer must handle."""

from __future__ import annotations

from pathlib import Path

from python_calamine import CalamineWorkbook

FIXTURES = Path(__file__).resolve().parents[2] / "sample_data" / "fixtures"


def test_xlsx_has_title_rows_merged_two_row_header_and_total_row() -> None:
    book = CalamineWorkbook.from_path(str(FIXTURES / "订单汇总_合并表头.xlsx"))
    sheet = book.get_sheet_by_name("订单明细")
    rows = sheet.to_python()
    assert rows[0][0] == "2026年3月订单汇总"
    assert str(rows[1][0]).startswith("导出时间")
    assert rows[2][2] == "收货信息" and rows[3][2:5] == ["收货人", "手机", "地址"]
    merged = sheet.merged_cell_ranges
    assert ((2, 2), (2, 4)) in merged and ((2, 0), (3, 0)) in merged
    assert rows[-1][0] == "合计"
    assert any(all(v == "" for v in r) for r in rows[4:-1])  # a blank row among the data


def test_csv_is_gbk_with_protected_numbers_and_a_total_row() -> None:
    raw = (FIXTURES / "抖店订单导出_GBK.csv").read_bytes()
    text = raw.decode("gbk")
    lines = text.splitlines()
    assert lines[0].startswith("订单编号,子订单编号 ,")
    assert '="' in lines[1] and lines[1].startswith("\t")
    assert "****" in text
    assert lines[-1].startswith("总计")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        raise AssertionError("the CSV must not be valid UTF-8")
