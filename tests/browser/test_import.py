"""In Chromium: upload a GBK platform export, see the detected header and suggested mapping, stage it with
its problem shown, then commit the valid rows."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_no_exception, go, settle, sign_in

pytestmark = pytest.mark.browser


def test_upload_stage_and_commit_valid_rows(server, browser, tmp_path) -> None:
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
    assert page.get_by_text("共 3 行: 新增 2, 更新 0, 不变 0, 有错误 1").count() >= 1
    page.screenshot(path=str(tmp_path / "staged.png"), full_page=True)
    page.get_by_text("仅导入无错误的行").first.click()
    settle(page)
    page.get_by_role("button", name="提交入库").first.click()
    settle(page)
    assert_no_exception(page)
    page.get_by_text(re.compile(r"· committed ·")).first.wait_for(timeout=30_000)
    go(page, "数据表")
    page.get_by_label("搜索订单号 / 手机号 / 客户").fill("6900000000000101")
    page.keyboard.press("Enter")
    settle(page)
    assert page.get_by_text("共 1 条, 1 页").count() == 1
