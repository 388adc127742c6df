"""In Chromium, a seller's first day: a workspace from a template with no sample data, a 抖店 export as the back
office writes it (one phone a digit short), the platform and the SKUs to create shown before anything is
written, every row landed, the short phone repaired from the queue, and the orders found on Records and on a
board. Desktop and phone width."""

from __future__ import annotations

import re

import pytest

from sample_data.corpus import build
from tests.browser.conftest import assert_no_exception, go, settle, sign_in
from tests.browser.test_journey import fill

pytestmark = pytest.mark.browser


def test_first_upload_into_an_empty_workspace(server, browser, tmp_path) -> None:
    export = next(f for f in build(tmp_path / "corpus") if f.path.name == "douyin.csv")
    number, first = next(iter(export.expected.items()))
    text = export.path.read_text("utf-8-sig")
    phone = first["phone"]  # masked: 138****2222; one digit short is no phone
    path = tmp_path / "抖店订单导出.csv"
    path.write_text(text.replace(phone, phone[:-1], 1), "utf-8-sig")

    page = sign_in(browser, server)
    fill(page, "工作区标识(小写英文)", "firstshop")
    fill(page, "工作区名称", "第一天")
    page.get_by_role("button", name="创建").click()
    settle(page)
    assert page.get_by_role("heading", name="第一天").count() == 1

    go(page, "导入历史数据")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    settle(page)
    page.get_by_text(re.compile("识别为抖店订单导出")).first.wait_for(timeout=30_000)
    assert_no_exception(page)
    page.get_by_role("button", name="检查并暂存").click()
    settle(page)
    page.get_by_text(re.compile(r"已暂存批次 #\d+")).wait_for(timeout=30_000)
    rows = export.rows
    assert page.get_by_text(f"共 {rows} 行: 新增 {rows}, 更新 0, 不变 0, 拒收 0, 待修复单元格 1").count() >= 1
    assert page.get_by_text(re.compile(r"将新建: \d+ × 商品库存")).count() >= 1
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
    page.screenshot(path=str(tmp_path / "board.png"), full_page=True)

    # At phone width: the import page with its batch and the (now empty) repair queue.
    go(page, "导入历史数据")
    page.set_viewport_size({"width": 390, "height": 844})
    settle(page)
    assert_no_exception(page)
    page.get_by_text("没有待修复的单元格").first.wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
