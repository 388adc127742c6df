"""Platform exports dropped into a watched folder: read by the import's readers, columns matched by the import's
suggestions (or the connector's own map), platform wording mapped to states, every row once; a file already
read is skipped; a bad cell is flagged for repair and its row kept."""

from __future__ import annotations

import shutil
from pathlib import Path
from tempfile import mkdtemp

import pytest

from connectors.presets import preset
from connectors.sync import run_sync
from engine.intake.synclog import rejects
from engine.records.repairs import open_repairs
from engine.workspaces import create_from_template
from hub.import_check import STATES, _same
from sample_data.corpus import build
from sample_data.platforms import WRITERS
from tests.conftest import ADMIN, NOW, count
from tests.connectors.conftest import orders, with_connectors
from tests.engine.importer.conftest import shop  # noqa: F401 (the shop with the fixture files' SKUs)

# Columns a user re-points on the Connectors page where the suggestion is not what this shop wants.
OVERRIDES = {"pdd": {"ordered_at": "拼单成功时间", "address": "街道"}}


@pytest.mark.parametrize("platform", ["taobao", "douyin", "pdd"])
def test_an_export_folder_syncs_value_for_value(store, shop, tmp_path, platform):  # noqa: F811
    export = WRITERS[platform](tmp_path)
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(export.path, folder / export.path.name)
    conn = preset(shop, "platform_export", platform).model_copy(update={"folder": str(folder)})
    if platform in OVERRIDES:
        from connectors.sources import Context, auto_mapping
        from engine.importer.sources import read_sheet

        auto = auto_mapping(Context(store, shop, conn, {}, NOW), read_sheet(export.path).frame)
        conn = conn.model_copy(update={"fields": auto.fields | OVERRIDES[platform]})
    # The fixtures' faulty row copies a good one (same phone and address): dedup would merge it before its
    # cell is checked. Here the rows are checked one by one; dedup has its own tests.
    ws = with_connectors(store, shop, conn, intake={"table": "orders", "dedup": {"enabled": False}})

    result = run_sync(store, ws, conn.name, NOW)
    assert result["ok"], result
    prefix = conn.key_prefix
    # A faulty row is not lost: it lands with the bad cell empty and flagged for repair, as in an import.
    faulty = len({row for row, _, _ in export.problems})
    assert result["counts"]["new"] == len(export.rows) + faulty, result["counts"]
    assert result["counts"]["rejected"] == 0 and result["counts"]["flagged"] >= len(export.problems)
    for values in export.rows.values():
        got = orders(store, ws, "order_no = ?", [prefix + values["order_no"]]).row(0, named=True)
        want = values | {"order_no": prefix + values["order_no"]}
        assert {f: got[f] for f in want} == want, platform
        assert got["channel"] == platform
    queue = open_repairs(store, ws, ADMIN, "orders")
    assert len(queue) == result["counts"]["flagged"]
    for _, field, start in export.problems:
        assert any(r["field"] == field and start in r["message"] for r in queue), (field, start, queue)

    again = run_sync(store, ws, conn.name, NOW)
    assert again["counts"]["fetched"] == 0  # the same file is not read twice
    shutil.copy(export.path, folder / ("copy_" + export.path.name))
    third = run_sync(store, ws, conn.name, NOW)  # same content under another name: seen
    assert third["counts"]["fetched"] == 0
    assert (
        count(store, f"SELECT count(*) FROM \"home_ecommerce\".orders WHERE order_no LIKE '{prefix}%'")
        == len(export.rows) + faulty
    )


# The preset a user picks on the Connectors page for each layout (no preset of its own: the generic one).
PRESETS = {"taobao": "taobao", "tmall": "taobao", "jd": "jd", "douyin": "douyin", "pdd": "pdd"}
# The hand-kept workbooks are no platform's export (they come in through the Import page); the 宝贝报表 is
# read with its order list (test below).
HANDKEPT = ("2025年度订单汇总.xlsx", "客户订单登记.csv", "taobao_items.csv")
LAYOUTS = [f.path.name for f in build(Path(mkdtemp()) / "corpus") if f.path.name not in HANDKEPT]


@pytest.mark.parametrize(
    ("name", "template"), [(n, list(STATES)[i % len(STATES)]) for i, n in enumerate(LAYOUTS)]
)
def test_every_corpus_layout_lands_value_for_value_in_a_fresh_workspace(store, tmp_path, name, template):
    # Each layout into a fresh workspace of one template, the templates taken in turn (the import's own check,
    # `python -m engine import-check`, takes every layout into every template).
    export = {f.path.name: f for f in build(tmp_path / "corpus")}[name]
    ws = create_from_template(store, template, ADMIN, now=NOW)
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(export.path, folder / name)
    platform = PRESETS.get(name.split("_")[0].split(".")[0], "generic")
    conn = preset(ws, "platform_export", platform).model_copy(update={"folder": str(folder)})
    ws = with_connectors(store, ws, conn, intake={"table": "orders", "dedup": {"enabled": False}})
    result = run_sync(store, ws, conn.name, NOW)
    assert result["ok"], result
    # Every fetched row is in a count; none is lost for an SKU or a customer the workspace did not have.
    counts = result["counts"]
    assert (counts["fetched"], counts["new"], counts["rejected"]) == (export.rows, export.rows, 0), (
        rejects(store, ws, conn.name)["reason"].head(3).to_list()
    )
    assert _wrong_values(store, ws, conn, export) == []
    # The file's buyers became customers: every order with a buyer's name points at one bearing it.
    unlinked = count(
        store,
        f'SELECT count(*) FROM "{ws.name}".orders o LEFT JOIN "{ws.name}".customers c '
        "ON c.customer_no = o.customer_no WHERE o.customer_name IS NOT NULL "
        "AND (c.name IS NULL OR c.name <> o.customer_name)",
    )
    made = count(
        store, f"SELECT count(*) FROM \"{ws.name}\".customers WHERE _source = 'connector:{conn.name}'"
    )
    named = count(store, f'SELECT count(DISTINCT customer_name) FROM "{ws.name}".orders')
    assert unlinked == 0 and made <= export.rows and (made > 0) == (named > 0), (made, named)


def _taobao_folder(store, ws, tmp_path):
    corpus = {f.path.name: f for f in build(tmp_path / "corpus")}
    folder = tmp_path / "inbox"
    folder.mkdir()
    conn = preset(ws, "platform_export", "taobao").model_copy(update={"folder": str(folder)})
    ws = with_connectors(store, ws, conn, intake={"table": "orders", "dedup": {"enabled": False}})
    return corpus["taobao_list_2017.csv"], corpus["taobao_items.csv"], folder, conn, ws


def _wrong_values(store, ws, conn, listing, items=None) -> list[tuple[str, str, object, object]]:
    """Every value of the file (and its item list) against the stored orders of a workspace `ws` made from
    the template of the same name."""
    wrong = []
    table = ws.require_table("orders")
    states = STATES[ws.template]
    for number, fields in listing.expected.items():
        stored = orders(store, ws, "order_no = ?", [conn.key_prefix + number])
        if stored.height != 1:
            wrong.append((number, "row", 1, stored.height))
            continue
        got = stored.row(0, named=True)
        for name, value in (fields | (items.expected[number] if items else {})).items():
            if table.field(name) is None:
                continue
            want = states[value] if name == "status" else value
            want = conn.key_prefix + want if name == "order_no" else want
            if not _same(want, got.get(name)):
                wrong.append((number, name, want, got.get(name)))
    return wrong


def test_taobao_order_list_and_item_list_dropped_together_are_joined(store, home_ws, tmp_path):
    listing, items, folder, conn, ws = _taobao_folder(store, home_ws, tmp_path)
    shutil.copy(items.path, folder / "宝贝报表.csv")
    shutil.copy(listing.path, folder / "订单报表.csv")
    result = run_sync(store, ws, conn.name, NOW)
    assert result["ok"], result
    # Both files are read as one table: one line per item, each line counted once, none rejected.
    assert (result["counts"]["fetched"], result["counts"]["new"], result["counts"]["rejected"]) == (
        listing.rows,
        listing.rows,
        0,
    ), result["counts"]
    assert _wrong_values(store, ws, conn, listing, items) == []
    assert open_repairs(store, ws, ADMIN, "orders") == []
    assert run_sync(store, ws, conn.name, NOW)["counts"]["fetched"] == 0  # both files are seen


def test_taobao_item_list_dropped_after_its_order_list_completes_the_orders(store, home_ws, tmp_path):
    listing, items, folder, conn, ws = _taobao_folder(store, home_ws, tmp_path)
    shutil.copy(listing.path, folder / "订单报表.csv")
    first = run_sync(store, ws, conn.name, NOW)["counts"]
    # The order list alone lands every order; the SKU it lacks waits in the repair queue.
    assert (first["new"], first["rejected"]) == (listing.rows, 0), first
    assert {r["field"] for r in open_repairs(store, ws, ADMIN, "orders")} == {"sku"}

    shutil.copy(items.path, folder / "宝贝报表.csv")
    second = run_sync(store, ws, conn.name, NOW)["counts"]
    # The item list is joined with the order list read before: the same orders, now with their items.
    assert (second["fetched"], second["new"], second["rejected"]) == (listing.rows, 0, 0), second
    assert second["updated"] == listing.rows, second
    assert _wrong_values(store, ws, conn, listing, items) == []
    assert open_repairs(store, ws, ADMIN, "orders") == []  # the SKUs filled take the flags off the queue


def test_a_taobao_item_list_alone_keeps_every_line(store, home_ws, tmp_path):
    _, _, folder, conn, ws = _taobao_folder(store, home_ws, tmp_path)
    (folder / "宝贝报表.csv").write_text(
        "订单编号,标题,价格,购买数量,外部系统编号,商品属性,套餐信息,备注,订单状态,商家编码\n"
        "1001,布艺沙发,100,1,,,,,交易成功,S1\n"
        "1001,茶几,50,2,,,,,交易成功,S2\n",
        "utf-8",
    )
    counts = run_sync(store, ws, conn.name, NOW)["counts"]
    # No order list in the folder: the lines are kept one per row, the second as 1001-2, none rejected.
    assert (counts["fetched"], counts["new"], counts["rejected"]) == (2, 2, 0), counts
    got = orders(store, ws, "order_no LIKE ?", [conn.key_prefix + "1001%"]).sort("order_no")
    assert got.select("order_no", "sku", "qty").rows() == [
        (conn.key_prefix + "1001", "S1", 1),
        (conn.key_prefix + "1001-2", "S2", 2),
    ]
