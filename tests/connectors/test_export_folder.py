"""Platform exports dropped into a watched folder: read by the import's readers, columns matched by the import's
suggestions (or the connector's own map), platform wording mapped to states, every row once; a file already
read is skipped; a bad cell is flagged for repair and its row kept."""

from __future__ import annotations

import shutil

import pytest

from connectors.presets import preset
from connectors.sync import run_sync
from engine.intake.synclog import rejects
from engine.records.repairs import open_repairs
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


@pytest.mark.parametrize("name", ["douyin.csv", "douyin.xlsx", "pdd.xlsx", "pdd.csv"])
def test_a_corpus_export_lands_in_a_workspace_with_no_skus_yet(store, home_ws, tmp_path, name):
    corpus = {f.path.name: f for f in build(tmp_path / "corpus")}
    export = corpus[name]
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(export.path, folder / name)
    platform = name.split(".")[0]
    conn = preset(home_ws, "platform_export", platform).model_copy(update={"folder": str(folder)})
    ws = with_connectors(store, home_ws, conn, intake={"table": "orders", "dedup": {"enabled": False}})
    result = run_sync(store, ws, conn.name, NOW)
    assert result["ok"], result
    # Every fetched row is in a count, and none is lost for an SKU the fresh workspace did not have.
    assert result["counts"]["fetched"] == export.rows
    assert (result["counts"]["new"], result["counts"]["rejected"]) == (export.rows, 0), (
        rejects(store, ws, conn.name)["reason"].head(3).to_list()
    )
    skus = count(store, 'SELECT count(*) FROM "home_ecommerce".skus')
    named = {v["sku"] for v in export.expected.values() if v.get("sku")}
    assert skus == len(named) or not named


def test_a_channel_row_without_a_required_field_lands_flagged(store, home_ws, tmp_path):
    # JD's newer export has no SKU column: as in a history import, every row lands with its SKU cell flagged
    # for repair, each one counted; none is dropped.
    export = {f.path.name: f for f in build(tmp_path / "corpus")}["jd_newer.xlsx"]
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(export.path, folder / export.path.name)
    conn = preset(home_ws, "platform_export", "jd").model_copy(update={"folder": str(folder)})
    ws = with_connectors(store, home_ws, conn, intake={"table": "orders", "dedup": {"enabled": False}})
    counts = run_sync(store, ws, conn.name, NOW)["counts"]
    assert (counts["fetched"], counts["new"], counts["rejected"]) == (export.rows, export.rows, 0)
    queue = open_repairs(store, ws, ADMIN, "orders")
    assert {r["field"] for r in queue} == {"sku"} and len(queue) == export.rows
