"""Column suggestions, value maps, platform protections and saved mappings, on the fixture files."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import AuthoringError, NotFoundError
from engine.fields.base import coerce_values
from engine.importer.mapping import (
    ColumnMap,
    Mapping,
    apply_mapping,
    mapping_problems,
    suggest,
    suggest_value_map,
    unprotect,
)
from engine.importer.saved import load_mapping, mapping_for, mapping_names, save_mapping
from engine.importer.sources import ROW, read_sheet
from tests.conftest import ADMIN, NOW, OPERATOR

FIXTURES = Path(__file__).resolve().parents[3] / "sample_data" / "fixtures"


def test_suggestions_for_a_platform_export(home_ws) -> None:
    data = read_sheet(FIXTURES / "抖店订单导出_GBK.csv")
    mapping = suggest(home_ws.require_table("orders"), data.layout.columns)
    fields = {c.column: (c.field, c.confidence) for c in mapping.columns}
    assert fields["订单编号"] == ("order_no", 0.9)
    assert fields["收件人手机号"][0] == "phone" and fields["支付时间"][0] == "paid_at"
    assert fields["快递单号"][0] == "tracking_no" and fields["商品数量"][0] == "qty"
    assert len({c.field for c in mapping.columns if c.field}) == len([c for c in mapping.columns if c.field])


def test_merged_header_names_map_by_their_last_part(home_ws) -> None:
    data = read_sheet(FIXTURES / "订单汇总_合并表头.xlsx")
    mapping = suggest(home_ws.require_table("orders"), data.layout.columns)
    fields = {c.column: c.field for c in mapping.columns}
    assert fields["收货信息/手机"] == "phone" and fields["收货信息/收货人"] == "customer_name"
    assert fields["订单号"] == "order_no" and fields["下单时间"] == "ordered_at"


def test_status_words_become_flow_states_and_values_read_cleanly(home_ws) -> None:
    table = home_ws.require_table("orders")
    data = read_sheet(FIXTURES / "抖店订单导出_GBK.csv")
    mapping = suggest(table, data.layout.columns)
    words = data.frame["订单状态"].unique().to_list()
    value_map = suggest_value_map(table.by_name["status"], words)
    assert value_map["交易成功"] == "signed" and value_map["卖家已发货"] == "shipped"
    assert value_map["交易关闭"] == "cancelled"
    assert "等待发货" not in value_map  # paid, not shipped: which state that is depends on the flow
    value_map["等待发货"] = "reviewed"  # … so the user says
    mapping = mapping.model_copy(
        update={
            "columns": [
                c.model_copy(update={"value_map": value_map}) if c.field == "status" else c
                for c in mapping.columns
            ]
        }
    )
    mapped = apply_mapping(mapping, data.frame, keep=(ROW,))
    first = mapped.row(0, named=True)
    assert first["order_no"] == "6900000000000000" and first["tracking_no"] == "700000000000"
    assert set(mapped["status"]) <= set(table.by_name["status"].option_values())
    typed = coerce_values(table.by_name, {k: v for k, v in first.items() if k != ROW})
    assert all(c.problem is None for c in typed.values()), typed


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_protected_numbers_are_unwrapped(digits: str) -> None:
    frame = pl.DataFrame({"v": [f'="{digits}"', f"\t{digits}", f"'{digits}", f"\u3000{digits} ", "-"]})
    assert frame.select(unprotect(pl.col("v"))).to_series().to_list() == [digits] * 4 + [None]


def test_mapping_problems_name_the_column(home_ws) -> None:
    table = home_ws.require_table("orders")
    mapping = Mapping(
        table="orders",
        columns=[
            ColumnMap(column="A", field="qty"),
            ColumnMap(column="B", field="qty"),
            ColumnMap(column="C", field="nope"),
        ],
    )
    assert mapping_problems(mapping, table) == [
        ("B", "'qty' is already filled from column 'A'"),
        ("C", "'orders' has no field 'nope'"),
        ("", "no column fills the business key 'order_no': rows could not be matched"),
    ]


def test_saved_mappings_come_back_for_the_same_columns(store, home_ws) -> None:
    data = read_sheet(FIXTURES / "抖店订单导出_GBK.csv")
    mapping = suggest(home_ws.require_table("orders"), data.layout.columns).model_copy(
        update={"name": "抖店订单导出"}
    )
    with pytest.raises(Exception, match="may not"):
        save_mapping(store, home_ws, mapping, OPERATOR.__class__("fin", frozenset({"finance"})), NOW)
    save_mapping(store, home_ws, mapping, ADMIN, NOW)
    assert mapping_names(store, home_ws) == ["抖店订单导出"]
    assert load_mapping(store, home_ws, "抖店订单导出") == mapping
    shuffled = list(reversed(data.layout.columns))
    assert mapping_for(store, home_ws, shuffled) == mapping
    assert mapping_for(store, home_ws, [*shuffled, "新列"]) is None
    with pytest.raises(NotFoundError, match="no saved mapping '淘宝订单报表'"):
        load_mapping(store, home_ws, "淘宝订单报表")
    with pytest.raises(AuthoringError, match="give the mapping a name"):
        save_mapping(store, home_ws, mapping.model_copy(update={"name": " "}), ADMIN, NOW)


def test_a_columns_own_date_format_wins(home_ws) -> None:
    frame = pl.DataFrame({"下单日期": ["03/04/2026 09:30", "31/12/2025 18:00", "not a date"]})
    plain = Mapping(table="orders", columns=[ColumnMap(column="下单日期", field="ordered_at")])
    european = Mapping(
        table="orders",
        columns=[ColumnMap(column="下单日期", field="ordered_at", date_format="%d/%m/%Y %H:%M")],
    )
    assert apply_mapping(european, frame)["ordered_at"].to_list() == [
        "2026-04-03 09:30:00",
        "2025-12-31 18:00:00",
        "not a date",  # left for the field check to report
    ]
    assert apply_mapping(plain, frame)["ordered_at"][0] == "03/04/2026 09:30"
    typed = coerce_values(
        home_ws.require_table("orders").by_name,
        {"ordered_at": apply_mapping(european, frame)["ordered_at"][2]},
    )
    assert typed["ordered_at"].problem is not None


def test_editor_rows_round_trip_and_bad_value_maps_name_their_column(home_ws) -> None:
    from engine.importer.mapping import editor_rows, mapping_from_rows

    table = home_ws.require_table("orders")
    samples = {"订单号": ["SO1", "SO2"], "订单状态": ["交易成功", "已发货"], "下单日期": ["03/04/2026"]}
    mapping = suggest(table, list(samples))
    rows = editor_rows(table, mapping, samples)
    status = next(r for r in rows if r["column"] == "订单状态")
    # The value map reads in the options' labels, not their stored codes.
    assert status["field"] == "status" and "交易成功 → 签收" in status["value_map"]
    assert "signed" not in status["value_map"]
    assert status["sample"] == "交易成功, 已发货"
    rows = [r | {"date_format": "%d/%m/%Y"} if r["column"] == "下单日期" else r for r in rows]
    back = mapping_from_rows(table, " 月报 ", rows)
    assert (
        back.name == "月报"
        and next(c for c in back.columns if c.column == "订单状态").value_map["已发货"] == "shipped"
    )
    assert next(c for c in back.columns if c.column == "下单日期").date_format == "%d/%m/%Y"
    # Labels, stored values, several arrows and JSON are all read; the stored map holds the values.
    for typed in (
        "交易成功 → 签收；交易关闭=已取消",
        "交易成功->signed\n交易关闭 : cancelled",
        '{"交易成功": "signed", "交易关闭": "cancelled"}',
    ):
        got = mapping_from_rows(table, "x", [status | {"value_map": typed}]).columns[0].value_map
        assert got == {"交易成功": "signed", "交易关闭": "cancelled"}, typed
    with pytest.raises(AuthoringError, match="订单状态: value map “交易成功” has no →") as err:
        mapping_from_rows(table, "x", [status | {"value_map": "交易成功"}])
    assert err.value.text[0] == "value_map_bad"
    with pytest.raises(AuthoringError, match="订单状态: value map not JSON"):
        mapping_from_rows(table, "x", [status | {"value_map": "{broken"}])
