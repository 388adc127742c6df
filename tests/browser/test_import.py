"""In Chromium: upload a GBK platform export, see the detected header and suggested mapping, stage it with
its problem shown (the row lands, its bad cell waits for repair), commit, and find the cell in the queue."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_no_exception, go, settle, sign_in

pytestmark = pytest.mark.browser


def test_upload_stage_commit_and_see_the_cell_to_repair(server, browser, tmp_path) -> None:
    path = tmp_path / "抖店订单导出.csv"
    path.write_bytes(
        (
            "订单编号,渠道,买家昵称,收件人手机号,商品编码,商品单价,下单时间,订单状态\r\n"
            '="6900000000000101",抖音,王总,13800138000,SF-1001,3200,2026/3/15 10:05,交易成功\r\n'
            '="6900000000000102",抖音,李姐,139****5678,SF-1002,2800,2026年3月15日 11:30,卖家已发货\r\n'
            '="6900000000000103",抖音,张三,12345,SF-1003,1999,2026-03-16 14:00,交易成功\r\n'
            "总计,,,,,,,\r\n"
        ).encode("gbk")
    )
    page = sign_in(browser, server)
    go(page, "导入历史数据")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    settle(page)
    page.get_by_role("button", name="检查并暂存").wait_for(timeout=30_000)
    assert_no_exception(page)
    page.get_by_role("button", name="检查并暂存").click()
    settle(page)
    page.get_by_text(re.compile(r"已暂存批次 #\d+")).wait_for(timeout=30_000)
    # The short phone and the quantity the file lacks (3 rows) are cells to repair; no row is refused.
    assert page.get_by_text("共 3 行: 新增 3, 更新 0, 不变 0, 拒收 0, 待修复单元格 4").count() >= 1
    page.screenshot(path=str(tmp_path / "staged.png"), full_page=True)
    page.get_by_role("button", name="提交入库").first.click()
    settle(page)
    assert_no_exception(page)
    page.get_by_text(re.compile(r"· 已导入 ·")).first.wait_for(timeout=30_000)
    page.get_by_text(re.compile(r"已导入: 新增 3")).first.wait_for(timeout=30_000)
    assert page.get_by_text("待修复的单元格").count() >= 1
    go(page, "数据表")
    page.get_by_label("搜索订单号 / 手机号 / 客户").fill("6900000000000101")
    page.keyboard.press("Enter")
    settle(page)
    assert page.get_by_text("共 1 条, 1 页").count() == 1
