"""Grid queries: filters as (sql, params) tables, search, sort, paging, hidden fields."""

from __future__ import annotations

import polars as pl
import pytest

from engine.errors import DataError, RefusedError
from engine.filters import Filter, compile_filter
from engine.query import query_records
from engine.records.bulk import bulk_upsert
from engine.schema_load import parse_workspace
from tests.conftest import ADMIN, NOW, OPERATOR, SMALL


@pytest.fixture
def filled(store, small_ws):
    data = pl.DataFrame(
        {
            "order_no": [f"SO{i:03d}" for i in range(1, 31)],
            "customer": [f"客户{i % 3}" for i in range(30)],
            "phone": [f"1380013{i:04d}" for i in range(30)],
            "qty": [i % 7 + 1 for i in range(30)],
            "price": ["10.00"] * 30,
            "cost": ["5"] * 30,
            "channel": ["taobao" if i % 2 else "jd" for i in range(30)],
            "tags": ["VIP" if i % 5 == 0 else None for i in range(30)],
        }
    )
    bulk_upsert(store, small_ws, "orders", data, ADMIN, NOW)
    return small_ws


ORDERS = parse_workspace(SMALL).require_table("orders")


@pytest.mark.parametrize(
    ("flt", "sql", "params"),
    [
        (Filter(field="qty", op="ge", value="3"), "c >= ?", (3,)),
        (Filter(field="qty", op="between", value=[2, "4"]), "c BETWEEN ? AND ?", (2, 4)),
        (Filter(field="channel", op="eq", value="淘宝"), "c = ?", ("taobao",)),
        (Filter(field="channel", op="in", value=["淘宝", "jd"]), "c IN (?, ?)", ("taobao", "jd")),
        (
            Filter(field="customer", op="contains", value="王'; --"),
            "contains(lower(c), lower(?))",
            ("王'; --",),
        ),
        (Filter(field="tags", op="has", value="VIP"), "list_contains(c, ?)", ("vip",)),
        (Filter(field="remarks", op="is_empty"), "c IS NULL", ()),
        (
            Filter(field="price", op="lt", value="¥1,000"),
            "c < ?",
            (__import__("decimal").Decimal("1000.00"),),
        ),
    ],
)
def test_filter_compiles_to_sql_and_bound_params(flt, sql, params) -> None:
    fragment = compile_filter(ORDERS.field(flt.field), flt, "c", [], "filters[0]")
    assert (fragment.sql, fragment.params) == (sql, params)


@pytest.mark.parametrize(
    ("flt", "message"),
    [
        (Filter(field="qtty", op="eq", value=1), "unknown field 'qtty' — did you mean 'qty'"),
        (Filter(field="qty", op="equals", value=1), "unknown operator 'equals'"),
        (Filter(field="customer", op="gt", value="a"), "'gt' does not apply to text field 'customer'"),
        (Filter(field="qty", op="eq", value="abc"), "'abc' is not a number"),
        (Filter(field="qty", op="between", value=[1]), "'between' takes 2 value(s), got 1"),
    ],
)
def test_bad_filters_are_refused_with_their_place(store, filled, flt, message) -> None:
    with pytest.raises(DataError, match="filters\\[0\\]") as info:
        query_records(store, filled, "orders", ADMIN, filters=[flt])
    assert message in str(info.value)


def test_filter_sort_page(store, filled) -> None:
    page = query_records(
        store,
        filled,
        "orders",
        ADMIN,
        filters=[Filter(field="channel", op="eq", value="jd")],
        sort=[("qty", True)],
        page=2,
        page_size=5,
    )
    assert page.total == 15 and page.pages == 3
    assert page.rows.height == 5
    qtys = (
        query_records(
            store,
            filled,
            "orders",
            ADMIN,
            filters=[Filter(field="channel", op="eq", value="jd")],
            sort=[("qty", True)],
            page_size=100,
        )
        .rows["qty"]
        .to_list()
    )
    assert qtys == sorted(qtys, reverse=True)
    assert page.rows["qty"].to_list() == qtys[5:10]


def test_search_by_key_phone_tail_and_text(store, filled) -> None:
    assert query_records(store, filled, "orders", ADMIN, search="SO007").rows["order_no"].to_list() == [
        "SO007"
    ]
    assert query_records(store, filled, "orders", ADMIN, search="0021").rows["order_no"].to_list() == [
        "SO022"
    ]
    assert query_records(store, filled, "orders", ADMIN, search="138 0013 0005").rows[
        "order_no"
    ].to_list() == ["SO006"]
    assert query_records(store, filled, "orders", ADMIN, search="客户1").total == 10


def test_computed_and_tag_filters_run(store, filled) -> None:
    page = query_records(
        store,
        filled,
        "orders",
        ADMIN,
        filters=[Filter(field="amount", op="ge", value=60), Filter(field="tags", op="has", value="VIP")],
    )
    assert all(a >= 60 for a in page.rows["amount"].to_list())
    assert page.total >= 1


def test_hidden_fields_are_not_returned_or_filterable(store, filled) -> None:
    page = query_records(store, filled, "orders", OPERATOR)
    assert "cost" not in page.rows.columns
    with pytest.raises(DataError, match="unknown field 'cost'"):
        query_records(store, filled, "orders", OPERATOR, filters=[Filter(field="cost", op="eq", value=5)])


def test_bad_paging_and_sort(store, filled) -> None:
    with pytest.raises(DataError, match="page_size"):
        query_records(store, filled, "orders", ADMIN, page_size=5000)
    with pytest.raises(DataError, match="sort: unknown field"):
        query_records(store, filled, "orders", ADMIN, sort=[("nope", False)])


def test_reading_needs_permission(store, filled) -> None:
    from engine.auth import Actor

    no_role = Actor("nobody", frozenset())
    with pytest.raises(RefusedError, match="may not read"):
        query_records(store, filled, "orders", no_role)


def test_sub_table_rows_of_a_record(store, small_ws) -> None:
    from engine.query import sub_table_rows
    from engine.records.single import create_record

    order = create_record(store, small_ws, "orders", {"customer": "甲"}, ADMIN, NOW)
    other = create_record(store, small_ws, "orders", {"customer": "乙"}, ADMIN, NOW)
    for case, key in (("AS1", order["order_no"]), ("AS2", order["order_no"]), ("AS3", other["order_no"])):
        create_record(store, small_ws, "after_sales", {"case_no": case, "order_no": key}, ADMIN, NOW)
    [(child, page)] = sub_table_rows(store, small_ws, small_ws.require_table("orders"), order, ADMIN)
    assert child.name == "after_sales" and sorted(page.rows["case_no"].to_list()) == ["AS1", "AS2"]


@pytest.mark.parametrize(
    ("op", "text", "value"),
    [
        ("eq", " 淘宝 ", "淘宝"),
        ("in", "淘宝，京东, jd", ["淘宝", "京东", "jd"]),
        ("between", "1,5", ["1", "5"]),
        ("is_empty", "x", None),
    ],
)
def test_filter_from_typed_text(op, text, value) -> None:
    from engine.filters import filter_from_text

    assert filter_from_text("channel", op, text) == Filter(field="channel", op=op, value=value)
