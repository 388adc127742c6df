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
