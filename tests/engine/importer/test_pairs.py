"""Two-file platforms: Taobao's order list and its 宝贝报表 joined on 订单编号 into one table, nothing dropped,
and the joined file imported unaided into a fresh workspace with every value of both files."""

from __future__ import annotations

import polars as pl

from engine.importer.batches import stage
from engine.importer.commit import commit
from engine.importer.pairs import combine, combine_files, find_pair
from engine.importer.proposal import propose
from engine.importer.sources import column_values, sheet_layout
from engine.storage.sql import compose, qualified, row_dicts
from engine.storage.store import open_store
from engine.workspaces import create_from_template
from hub.import_check import CHECKER, NOW, STATES, _same
from sample_data.corpus import build


def test_lines_orders_and_orphans_are_all_kept():
    orders = pl.DataFrame(
        {"订单编号": ['="1001"', "1002", "1003"], "买家会员名": ["a", "b", "c"], "订单状态": ["x", "y", "z"]}
    )
    items = pl.DataFrame(
        {
            "订单编号": ["1001", "1001", "1002", "9999"],
            "商家编码": ["S1", "S2", "S3", "S9"],
            "订单状态": ["p", "q", "r", "s"],
        }
    )
    got = combine(orders, items, "订单编号").sort("订单编号")
    assert got.select("订单编号", "买家会员名", "商家编码", "订单状态").rows() == [
        ("1001", "a", "S1", "x"),
        ("1001-2", "a", "S2", "x"),
        ("1002", "b", "S3", "y"),
        ("1003", "c", None, "z"),  # an order without items stays
        ("9999", None, "S9", "s"),  # an item without its order stays, with what it says
    ]


def test_the_pair_is_found_in_either_order():
    listing, items = ["订单编号", "买家会员名", "订单状态"], ["订单编号", "标题", "购买数量", "商家编码"]
    assert find_pair([listing, items])[1:] == (0, 1)
    assert find_pair([items, listing])[1:] == (1, 0)
    assert find_pair([listing, listing]) is None and find_pair([items]) is None


def test_the_joined_taobao_files_import_every_value_of_both(tmp_path):
    corpus = {f.path.name: f for f in build(tmp_path / "corpus")}
    listing, items = corpus["taobao_list_2017.csv"], corpus["taobao_items.csv"]
    joined, pair = combine_files([items.path, listing.path], tmp_path, "joined")
    assert pair.orders == "taobao"
    for template in STATES:
        store = open_store(tmp_path / f"check-{template}.duckdb")
        ws = create_from_template(store, template, CHECKER, now=NOW)
        table = ws.require_table("orders")
        mapping, _ = propose(ws, table, sheet_layout(joined)[2].columns, column_values(joined))
        batch = stage(store, ws, joined, mapping, CHECKER, now=NOW)
        done = commit(store, ws, batch.id, CHECKER, valid_only=True, now=NOW)
        assert done["inserted"] == listing.rows and done["rejected"] == 0, done
        stored = {
            str(r["order_no"]): r
            for r in row_dicts(
                store.cursor().execute(compose("SELECT * FROM {t}", t=qualified(ws.name, "orders")))
            )
        }
        wrong = []
        for number, fields in listing.expected.items():
            want = fields | items.expected[number]
            for name, value in want.items():
                if table.field(name) is None:
                    continue
                value = STATES[template][value] if name == "status" else value
                if not _same(value, stored[number].get(name)):
                    wrong.append((template, number, name, value, stored[number].get(name)))
        assert wrong == []
        store.close()


def _stored(store, ws) -> dict[str, dict]:
    return {
        str(r["order_no"]): r
        for r in row_dicts(
            store.cursor().execute(compose("SELECT * FROM {t}", t=qualified(ws.name, "orders")))
        )
    }


def _import(store, ws, path):
    table = ws.require_table("orders")
    mapping, _ = propose(ws, table, sheet_layout(path)[2].columns, column_values(path))
    batch = stage(store, ws, path, mapping, CHECKER, now=NOW)
    return commit(store, ws, batch.id, CHECKER, valid_only=True, now=NOW)


def test_the_two_taobao_files_imported_one_after_the_other_in_either_order(tmp_path):
    corpus = {f.path.name: f for f in build(tmp_path / "corpus")}
    listing, items = corpus["taobao_list_2017.csv"], corpus["taobao_items.csv"]
    for first, second in ((listing, items), (items, listing)):
        store = open_store(tmp_path / f"{first.path.stem}.duckdb")
        ws = create_from_template(store, "home_ecommerce", CHECKER, now=NOW)
        assert _import(store, ws, first.path)["inserted"] == first.rows
        # The second file finds the orders the first made and fills in what it carries.
        done = _import(store, ws, second.path)
        assert (done["inserted"], done["updated"], done["rejected"]) == (0, second.rows, 0), done
        stored = _stored(store, ws)
        wrong = [
            (number, name)
            for number, fields in listing.expected.items()
            for name, value in (fields | items.expected[number]).items()
            if ws.require_table("orders").field(name) is not None
            and not _same(
                STATES["home_ecommerce"][value] if name == "status" else value, stored[number].get(name)
            )
        ]
        assert wrong == [] and len(stored) == listing.rows
        store.close()


def test_an_item_list_alone_keeps_every_line_of_an_order(tmp_path):
    path = tmp_path / "ExportOrderDetailList.csv"
    path.write_text(
        "订单编号,标题,价格,购买数量,外部系统编号,商品属性,套餐信息,备注,订单状态,商家编码\n"
        '="1001",布艺沙发,100,1,,,,,交易成功,S1\n'
        "1001,茶几,50,2,,,,,交易成功,S2\n"
        "1002,餐椅,20,4,,,,,交易成功,S3\n",
        "utf-8",
    )
    (tmp_path / "joined").mkdir()
    numbered, pair = combine_files([path], tmp_path / "joined", "lines")
    assert pair.items == "taobao_items"
    store = open_store(tmp_path / "lines.duckdb")
    ws = create_from_template(store, "home_ecommerce", CHECKER, now=NOW)
    done = _import(store, ws, numbered)
    # Both lines of 1001 land (the second as 1001-2), none refused as a repeated order number.
    assert (done["inserted"], done["rejected"]) == (3, 0), done
    stored = _stored(store, ws)
    assert {n: (r["sku"], r["qty"]) for n, r in stored.items()} == {
        "1001": ("S1", 1),
        "1001-2": ("S2", 2),
        "1002": ("S3", 4),
    }
    # A file whose order numbers are all different needs nothing.
    single = tmp_path / "one.csv"
    single.write_text(path.read_text("utf-8").replace("1001,茶几", "1003,茶几"), "utf-8")
    assert combine_files([single], tmp_path / "joined", "one") is None
    store.close()
