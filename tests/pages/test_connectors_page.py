"""The Connectors page through AppTest: add a connector from a type, preview its mapping on a real file, edit
and save it, sync now with the log; the status-conflict list; the chat review queue."""

from __future__ import annotations

import json

from connectors.sync import run_sync
from engine import workspaces
from pages._ui import get_store
from tests.pages.conftest import signed_in


def _frame(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_add_preview_edit_and_sync_a_feed(app_env) -> None:
    store = get_store()
    at = signed_in()
    at.switch_page("pages/connectors.py").run()
    assert not at.exception
    assert at.info[0].value == "还没有渠道, 请从类型新增一个。"
    folder = app_env / "wms"
    folder.mkdir()
    (order_no,) = (
        store.cursor()
        .execute(
            "SELECT order_no FROM home_ecommerce.orders WHERE status IN ('placed', 'reviewed', 'picking') LIMIT 1"
        )
        .fetchone()
    )
    (folder / "out.csv").write_text(
        f"order_no,status,time\n{order_no},已出库,2026-11-23 09:00:00\nSO-NONE,已出库,2026-11-23 09:00:00\n神秘,怪状态,\n",
        "utf-8",
    )
    at.selectbox(key="add_type").set_value("status_feed")
    at.selectbox(key="add_source").set_value("wms")
    at.text_input(key="add_name").set_value("wms_east")
    at.text_input(key="add_folder").set_value(str(folder))
    _button(at, "新增渠道").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    ws = workspaces.get_workspace(store, "home_ecommerce")
    assert ws.connector("wms_east").source == "wms"

    _button(at, "用真实数据预览").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("out.csv" in c.value for c in at.caption)
    rejected = _frame(at, "reason")
    assert list(rejected["reason"]) == [
        "status 怪状态 is not mapped to a state (add it to connectors.wms_east.statuses)"
    ]

    # A broken edit names the part; a good one is saved as a new workspace version.
    at.text_area(key="statuses_wms_east").set_value("{broken")
    _button(at, "保存").click().run()
    assert "statuses" in " ".join(m.value for m in at.markdown)
    statuses = ws.connector("wms_east").statuses | {"怪状态": "shipped"}
    at.text_area(key="statuses_wms_east").set_value(json.dumps(statuses, ensure_ascii=False))
    _button(at, "保存").click().run()
    assert not at.error, [e.value for e in at.error]
    assert (
        workspaces.get_workspace(store, "home_ecommerce").connector("wms_east").statuses["怪状态"]
        == "shipped"
    )

    _button(at, "立即同步").click().run()
    assert not at.exception
    status = (
        store.cursor()
        .execute("SELECT status FROM home_ecommerce.orders WHERE order_no = ?", [order_no])
        .fetchone()
    )
    assert status == ("shipped",)
    log = _frame(at, "运行")
    assert int(log["更新"][0]) == 1
    rejects = _frame(at, "external_id")
    assert sorted(rejects["external_id"]) == ["SO-NONE", "神秘"]


def test_conflicts_and_chat_review(app_env) -> None:
    store = get_store()
    at = signed_in()
    from connectors.design import add_connector
    from engine.auth import SYSTEM

    ws = workspaces.get_workspace(store, "home_ecommerce")
    for name, source in (("cainiao", "logistics"), ("erp", "erp")):
        folder = app_env / name
        folder.mkdir()
        add_connector(
            store, ws, SYSTEM, "status_feed", name=name, source=source, settings={"folder": str(folder)}
        )
        ws = workspaces.get_workspace(store, "home_ecommerce")
    (key,) = (
        store.cursor()
        .execute("SELECT order_no FROM home_ecommerce.orders WHERE status = 'shipped' LIMIT 1")
        .fetchone()
    )
    (app_env / "erp" / "a.csv").write_text(
        f"order_no,status,time\n{key},已签收,2026-11-23 08:00:00\n", "utf-8"
    )
    (app_env / "cainiao" / "a.csv").write_text(
        f"order_no,status,time\n{key},在途,2026-11-23 09:00:00\n", "utf-8"
    )
    run_sync(store, ws, "erp")
    run_sync(store, ws, "cainiao")
    chat = app_env / "chat"
    chat.mkdir()
    add_connector(store, ws, SYSTEM, "chat", name="wecom", settings={"folder": str(chat)})
    ws = workspaces.get_workspace(store, "home_ecommerce")
    (sku,) = store.cursor().execute("SELECT sku_code FROM home_ecommerce.skus LIMIT 1").fetchone()
    (chat / "m.jsonl").write_text(
        json.dumps({"id": "q1", "text": f"帮我发20件{sku}"}, ensure_ascii=False), "utf-8"
    )
    assert run_sync(store, ws, "wecom")["counts"]["review"] == 1

    at.switch_page("pages/connectors.py").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert key in text and "菜鸟未回传 — 建议联系快递网点核实" in text
    assert "no known customer" in " ".join(c.value for c in at.caption)
    _button(at, "不是订单").click().run()
    assert not at.exception and not at.error
    assert at.success[-1].value == "没有待审消息。"


def test_a_chat_cancellation_is_shown_and_accepted_as_an_edit_of_the_order(app_env) -> None:
    store = get_store()
    at = signed_in()
    from connectors.design import add_connector
    from engine.auth import SYSTEM

    ws = workspaces.get_workspace(store, "home_ecommerce")
    customer, sku = (
        store.cursor()
        .execute(
            "SELECT c.name, o.sku FROM home_ecommerce.orders o JOIN home_ecommerce.customers c "
            "ON c.customer_no = o.customer_no WHERE o.status = 'placed' ORDER BY o._created_at DESC LIMIT 1"
        )
        .fetchone()
    )
    chat = app_env / "chat"
    chat.mkdir()
    add_connector(store, ws, SYSTEM, "chat", name="wecom", settings={"folder": str(chat)})
    ws = workspaces.get_workspace(store, "home_ecommerce")
    (chat / "m.jsonl").write_text(
        json.dumps({"id": "x1", "text": f"{customer}：{sku} 那单不要了，不好意思"}, ensure_ascii=False),
        "utf-8",
    )
    assert run_sync(store, ws, "wecom")["counts"]["review"] == 1

    at.switch_page("pages/connectors.py").run()
    assert not at.exception
    assert "意图: 取消已有订单" in " ".join(c.value for c in at.caption)
    warning = " ".join(w.value for w in at.warning)
    assert "确认后将取消订单" in warning and sku in warning
    target = at.selectbox[-1].value
    assert target["key"] in warning and target["sku"] == sku
    _button(at, "确认取消该订单").click().run()
    assert not at.exception and not at.error
    (status,) = (
        store.cursor()
        .execute("SELECT status FROM home_ecommerce.orders WHERE _id = ?", [target["_id"]])
        .fetchone()
    )
    assert status == "cancelled"
    assert at.success[-1].value == "没有待审消息。"
