"""In Chromium, a seller's first day: a workspace from a template with no sample data, Taobao's order list and
its 宝贝报表 as the back office writes them (one phone a digit short) uploaded together, joined on the order
number, the platform and the SKUs and customers to create shown before anything is written, every row landed,
the short phone repaired from the queue, and the orders found on Records and on a board. Desktop and phone
width."""

from __future__ import annotations

import re

import pytest

from sample_data.corpus import build
from tests.browser.conftest import assert_no_exception, go, settle, sign_in
from tests.browser.test_journey import fill

pytestmark = pytest.mark.browser


def test_first_upload_into_an_empty_workspace(server, browser, tmp_path) -> None:
    corpus = {f.path.name: f for f in build(tmp_path / "corpus")}
    export, items = corpus["taobao_list_2017.csv"], corpus["taobao_items.csv"]
    number, first = next(iter(export.expected.items()))
    text = export.path.read_bytes().decode("gbk")
    phone = first["phone"]  # masked: 134****5745; one digit short is no phone
    assert text.count(phone) == 1
    path = tmp_path / "ExportOrderList201709.csv"
    path.write_bytes(text.replace(phone, phone[:-1], 1).encode("gbk"))
    item_path = tmp_path / "ExportOrderDetailList201709.csv"
    item_path.write_bytes(items.path.read_bytes())

    page = sign_in(browser, server)
    fill(page, "工作区标识(小写英文)", "firstshop")
    fill(page, "工作区名称", "第一天")
    page.get_by_role("button", name="创建").click()
    settle(page)
    assert page.get_by_role("heading", name="第一天").count() == 1

    go(page, "导入历史数据")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([str(path), str(item_path)])
    settle(page)
    page.get_by_text("已按订单编号合并: 淘宝订单报表 + 宝贝报表").first.wait_for(timeout=30_000)
    page.get_by_text(re.compile("识别为淘宝")).first.wait_for(timeout=30_000)
    assert_no_exception(page)
    page.get_by_text("字段对应").first.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "mapping.png"))
    page.get_by_role("button", name="检查并暂存").click()
    settle(page)
    page.get_by_text(re.compile(r"已暂存批次 #\d+")).wait_for(timeout=30_000)
    rows = export.rows
    assert page.get_by_text(f"共 {rows} 行: 新增 {rows}, 更新 0, 不变 0, 拒收 0, 待修复单元格 1").count() >= 1
    creates = page.get_by_text(re.compile(r"将新建: \d+ × 商品库存, \d+ × 客户"))
    assert creates.count() >= 1, page.get_by_text(re.compile("将新建")).all_inner_texts()
    page.screenshot(path=str(tmp_path / "staged.png"), full_page=True)
    page.get_by_role("button", name="提交入库").first.click()
    settle(page)
    page.get_by_text(re.compile(rf"已导入: 新增 {rows}")).first.wait_for(timeout=30_000)

    # The repair queue: the short phone as written; the right number typed in and saved.
    page.get_by_text("待修复的单元格").first.scroll_into_view_if_needed()
    page.get_by_test_id("stSelectbox").filter(has_text="要修复的单元格").first.wait_for(timeout=30_000)
    page.get_by_label("正确的值").fill("13800138000")
    page.get_by_role("button", name="保存修复").click()
    settle(page)
    assert_no_exception(page)
    page.get_by_text("已修复 1 个单元格").first.wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "repaired.png"), full_page=True)

    go(page, "数据表")
    fill(page, "搜索订单号 / 手机号 / 客户", number)
    page.keyboard.press("Enter")
    settle(page)
    assert page.get_by_text("共 1 条, 1 页").count() == 1
    fill(page, "搜索订单号 / 手机号 / 客户", "13800138000")  # the repaired phone finds its order
    page.keyboard.press("Enter")
    settle(page)
    assert page.get_by_text("共 1 条, 1 页").count() == 1
    go(page, "看板")
    assert_no_exception(page)
    # The history is older than every widget's period: the board opens at its newest day and says so.
    page.get_by_text(re.compile(r"近期没有订单: 看板显示到最近有数据的一天 \d{4}-\d{2}-\d{2}")).wait_for(
        timeout=30_000
    )
    page.screenshot(path=str(tmp_path / "board.png"), full_page=True)

    # At phone width: the import page with its batch and the (now empty) repair queue.
    go(page, "导入历史数据")
    page.set_viewport_size({"width": 390, "height": 844})
    settle(page)
    assert_no_exception(page)
    page.get_by_text("没有待修复的单元格").first.wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
