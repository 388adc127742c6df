"""The Import page through AppTest: a staged upload (the file as the uploader would keep it), the detected
header, the suggested mapping, staging with problems shown, then commit."""

from __future__ import annotations

from engine import workspaces
from engine.auth import SYSTEM
from engine.importer.uploads import keep_upload
from engine.records.single import find_by_key
from pages._ui import get_store
from tests.pages.conftest import signed_in


def test_upload_stage_and_commit(app_env) -> None:
    store = get_store()
    at = signed_in()
    at.switch_page("pages/importer.py").run()
    assert not at.exception
    (sku,) = store.cursor().execute("SELECT sku_code FROM home_ecommerce.skus LIMIT 1").fetchone()
    text = (
        "订单号,渠道,客户,手机,SKU,单价,下单时间,订单状态\n"
        f"SO990001,淘宝,王总,13800138000,{sku},10,2026-03-01 09:00,交易成功\n"
        f"SO990002,淘宝,李姐,1390013900,{sku},10,2026-03-02 09:00,已发货\n"
    )
    path = keep_upload(store.path, "历史订单.csv", text.encode("gbk"))
    at.session_state["imp_path"] = str(path)
    at.session_state["imp_name"] = "历史订单.csv"
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("表头: 第 1 行起" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "检查并暂存").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[-1].value.startswith("已暂存批次 #")
    counts = next(i.value for i in at.info if i.value.startswith("共 "))
    assert any(i.value == "将新建: 2 × 客户" for i in at.info)  # the buyers, new to this workspace
    # The short phone does not cost its row: the row lands with the cell flagged for repair.
    assert counts == "共 2 行: 新增 2, 更新 0, 不变 0, 拒收 0, 待修复单元格 1", [
        str(d.value) for d in at.dataframe
    ]
    assert any("phone" in str(df.value) for df in at.dataframe)  # the flagged cell is listed
    batch_id = int(at.success[-1].value.split("#")[1])
    at.button(key=f"imp_commit_{batch_id}").click().run()
    assert not at.error, [e.value for e in at.error]
    ws = workspaces.get_workspace(store, "home_ecommerce")
    (status,) = (
        store.cursor().execute("SELECT status FROM _import_batches WHERE id = ?", [batch_id]).fetchone()
    )
    assert status == "committed"
    imported = (
        store.cursor()
        .execute("SELECT count(*) FROM home_ecommerce.orders WHERE _source = ?", [f"import:{batch_id}"])
        .fetchone()[0]
    )
    assert imported == 2
    assert at.success[0].value.startswith("已导入: 新增 2") and "新建 2 × 客户" in at.success[0].value
    order = find_by_key(store, ws, "orders", "SO990001", SYSTEM)
    assert (order["order_no"], order["status"]) == (
        "SO990001",
        "signed",
    )  # 交易成功 through the suggested value map

    # The flagged phone waits in the repair queue with the value as written; a repair fills it.
    queue = str(at.dataframe[-1].value)
    assert "1390013900" in queue and "SO990002" in queue
    at.text_input(key="imp_repair_value").set_value("13900139000")
    next(b for b in at.button if b.label == "保存修复").click().run()
    assert not at.error, [e.value for e in at.error]
    assert find_by_key(store, ws, "orders", "SO990002", SYSTEM)["phone"] == "13900139000"
    assert any("没有待修复的单元格" in c.value for c in at.caption)

    # The commit said what it created; the batch reads 已导入. Undo is said after the page has moved on:
    # the batch then reads 已撤销 and offers no second undo; the message stays until the next action.
    assert any(f"#{batch_id}**" in m.value and "已导入" in m.value for m in at.markdown)
    at.button(key=f"imp_undo_{batch_id}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    said = at.success[0].value
    assert said.startswith("已撤销: 删除 1 行") and "删除其新建的 1 × 客户" in said, said
    assert any(f"#{batch_id}**" in m.value and "已撤销" in m.value for m in at.markdown)
    assert not [b for b in at.button if b.key == f"imp_undo_{batch_id}"]


def test_importing_only_valid_rows_when_there_is_none_says_so(app_env) -> None:
    store = get_store()
    at = signed_in()
    at.switch_page("pages/importer.py").run()
    # Both order numbers were rounded by Excel: each row is refused for its key, none can land.
    text = (
        "订单号,客户,手机\n3.515313147329358E+18,王总,13800138000\n3.515313147329359E+18,李姐,13900139000\n"
    )
    path = keep_upload(store.path, "无单号.csv", text.encode("utf-8"))
    at.session_state["imp_path"] = str(path)
    at.session_state["imp_name"] = "无单号.csv"
    at.run()
    next(b for b in at.button if b.label == "检查并暂存").click().run()
    assert not at.exception, at.exception
    said = [s.value for s in at.success] + [e.value for e in at.error] + [w.value for w in at.warning]
    batch_id = int(next(s for s in said if s.startswith("已暂存批次")).split("#")[1])
    at.checkbox(key=f"imp_valid_{batch_id}").check().run()
    at.button(key=f"imp_commit_{batch_id}").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"批次 #{batch_id} 没有可导入的行: 2 行都因主键(如订单号)缺失或有误被拒收 (见错误报告); 未写入任何数据"
    ]
    (status,) = (
        store.cursor().execute("SELECT status FROM _import_batches WHERE id = ?", [batch_id]).fetchone()
    )
    assert status == "staged"  # nothing written, the batch still there to fix or reject
