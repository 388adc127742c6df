"""Boards end to end in the engine: a builder's board (heatmap by carrier, metric card, Pareto of after-sales
reasons) saved as a new workspace version, seen by a manager and refused to an operator; the cache reused
until the data changes; the default boards render every widget; the .xlsx export and the CLI."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import openpyxl
import polars as pl
import pytest

from engine.auth import SYSTEM, Actor
from engine.boards.design import (
    add_widget,
    board_doc,
    checked_board,
    new_widget,
    remove_widget,
    reorder_widgets,
    update_widget,
    upsert_board,
)
from engine.boards.heatmap import HeatmapSpec, heatmap
from engine.boards.render import export_xlsx, render_board, visible_boards
from engine.errors import AuthoringError, RefusedError
from engine.records.bulk import bulk_upsert
from engine.records.single import find_by_key, update_record
from engine.schema_load import dump_workspace
from engine.workspaces import create_from_template, get_workspace, save_workspace
from hub.cli import main
from sample_data.generator import generate

NOW = datetime(2026, 11, 23, 12, 0)
MANAGER = Actor("boss", frozenset({"manager"}))
OPERATOR = Actor("op", frozenset({"operator"}))
BUILDER = Actor("maker", frozenset({"builder"}))


@pytest.fixture
def shop(store):
    ws = create_from_template(store, "home_ecommerce", SYSTEM, now=NOW)
    table = ws.require_table("orders")
    data = generate("home_ecommerce", 3000, 40, 3, NOW, "SO", [s.name for s in table.flow.states])
    for name in ("skus", "customers", "orders", "after_sales"):
        bulk_upsert(store, ws, name, getattr(data, name), SYSTEM, NOW)
    return ws


def _carrier_board(ws) -> dict:
    doc = upsert_board(dump_workspace(ws), {"name": "carriers", "title": "承运商看板", "roles": ["manager"]})
    board = next(b for b in doc["boards"] if b["name"] == "carriers")
    heat = new_widget(board, "heatmap", "承运商 × 日期") | {"y": "carrier"}
    doc = add_widget(doc, "carriers", heat)
    board = next(b for b in doc["boards"] if b["name"] == "carriers")
    doc = add_widget(doc, "carriers", new_widget(board, "metric", "近30天订单"))
    board = next(b for b in doc["boards"] if b["name"] == "carriers")
    return add_widget(doc, "carriers", new_widget(board, "pareto", "售后原因"))


def test_a_builders_board_is_seen_by_a_manager_and_not_by_an_operator(store, shop) -> None:
    doc = _carrier_board(shop)
    checked_board(shop, doc, "carriers")  # validated as a save would
    save_workspace(store, doc, BUILDER, now=NOW)
    ws = get_workspace(store, shop.name)
    assert [w.type for w in ws.board("carriers").widgets] == ["heatmap", "metric", "pareto"]
    rendered = render_board(store, ws, "carriers", MANAGER, NOW)
    heat, metric, pareto = rendered.widgets
    expected = heatmap(store, ws, HeatmapSpec(y="carrier"), SYSTEM, NOW)
    assert heat.frame.select("x", "y", "value").rows() == expected.select("x", "y", "value").rows()
    assert set(heat.frame["y_label"]) <= {
        "顺丰速运",
        "中通快递",
        "圆通速递",
        "韵达快递",
        "申通快递",
        "京东物流",
        "EMS",
        "德邦物流",
    }
    assert metric.meta["value"] > 0 and pareto.frame.height == 5
    assert "carriers" in [b.name for b in visible_boards(ws, MANAGER)]
    assert "carriers" not in [b.name for b in visible_boards(ws, OPERATOR)]
    with pytest.raises(RefusedError, match="op may not see board 'carriers'"):
        render_board(store, ws, "carriers", OPERATOR, NOW)


def test_widget_edits_reorder_remove_and_bad_settings_name_their_path(shop) -> None:
    doc = _carrier_board(shop)
    doc = reorder_widgets(doc, "carriers", ["pareto_1", "heatmap_1", "metric_1"])
    _, board = checked_board(shop, doc, "carriers")
    assert [w.id for w in board.widgets] == ["pareto_1", "heatmap_1", "metric_1"]
    doc = remove_widget(doc, "carriers", "metric_1")
    with pytest.raises(AuthoringError, match="must name each widget"):
        reorder_widgets(doc, "carriers", ["pareto_1"])
    bad = update_widget(doc, "carriers", {"id": "heatmap_1", "type": "heatmap", "title": "x", "y": "carier"})
    with pytest.raises(AuthoringError) as exc:
        checked_board(shop, bad, "carriers")
    problem = exc.value.problems[0]
    assert problem.path.endswith(".widgets[1].y") and "did you mean 'carrier'" in problem.message
    chart = update_widget(
        doc, "carriers", {"id": "pareto_1", "type": "bar", "title": "x", "group_by": "paid_at"}
    )
    with pytest.raises(AuthoringError, match="is a date: choose day, week, month or hour_of_day"):
        checked_board(shop, chart, "carriers")


def test_the_cache_is_reused_until_the_data_changes(store, shop) -> None:
    first = render_board(store, shop, "morning_meeting", MANAGER, NOW)
    again = render_board(store, shop, "morning_meeting", MANAGER, NOW + timedelta(seconds=20))
    assert (first.cached, again.cached) == (False, True)
    order = find_by_key(store, shop, "orders", shop_key(store, shop), SYSTEM)
    update_record(store, shop, "orders", order["_id"], {"remarks": "改"}, order["_version"], SYSTEM, NOW)
    assert not render_board(store, shop, "morning_meeting", MANAGER, NOW + timedelta(seconds=30)).cached


def shop_key(store, ws) -> str:
    return store.cursor().execute(f"SELECT order_no FROM {ws.name}.orders LIMIT 1").fetchone()[0]


@pytest.mark.parametrize("board", ["morning_meeting", "health"])
def test_the_default_boards_render_every_widget(store, shop, board: str) -> None:
    rendered = render_board(store, shop, board, MANAGER, NOW, use_cache=False)
    errors = {w.id: w.meta["error"] for w in rendered.widgets if "error" in w.meta}
    assert errors == {}
    assert all(
        w.frame.height > 0 for w in rendered.widgets if w.type != "kpi" or w.meta.get("kind") != "stage_times"
    )


def test_export_writes_one_sheet_per_widget(store, shop) -> None:
    rendered = render_board(store, shop, "morning_meeting", MANAGER, NOW)
    book = openpyxl.load_workbook(io.BytesIO(export_xlsx(rendered)))
    assert len(book.sheetnames) == len(rendered.widgets)
    heat = book[book.sheetnames[4]]
    assert heat["A1"].value == rendered.widgets[4].title
    values = [row for row in heat.iter_rows(values_only=True) if row and row[0] is not None]
    header = next(i for i, row in enumerate(values) if row[:2] == ("x", "y"))
    assert len(values) - header - 1 == rendered.widgets[4].frame.height


def test_cli_render_and_export(tmp_path, capsys) -> None:
    db = str(tmp_path / "b.duckdb")
    assert main(["init", "--template", "home_ecommerce", "--db", db, "--json"]) == 0
    capsys.readouterr()
    assert main(["board", "render", "morning_meeting", "--db", db, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [w["id"] for w in out["widgets"]][:2] == ["unshipped_24h", "paid_orders"]
    target = tmp_path / "早会.xlsx"
    assert main(["board", "export", "health", "--xlsx", str(target), "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sheets"] == 7 and target.stat().st_size > 0
    assert main(["board", "render", "nope", "--db", db, "--json"]) == 1
    assert "no board 'nope'" in json.loads(capsys.readouterr().out)["error"]


def test_board_doc_round_trip(shop) -> None:
    doc, board = board_doc(shop, "health")
    assert board["name"] == "health" and pl.DataFrame(board["widgets"]).height == 7
    assert doc["health"] == {} and shop.health.order_config.threshold == 70  # the defaults, not written out
