"""The whole first-user journey in Chromium, and a second session whose stale edit is refused.

Sign in → create a workspace from a template → add a custom boolean field in the designer → enter an SKU and
an order through the generated form → find the order by phone → edit it → see the audit trail; meanwhile a
second browser session that loaded the same order gets a conflict message instead of overwriting.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import assert_no_exception, go, settle, sign_in

pytestmark = pytest.mark.browser
PHONE = "13912345678"


def choose(page: Page, label: str, option: str, scope: Page | None = None) -> None:
    """Pick an option in a Streamlit selectbox by its label."""
    box = (scope or page).get_by_test_id("stSelectbox").filter(has_text=label).first
    box.locator("input").click()
    options = page.get_by_role("option", name=option, exact=True)
    if not options.count():  # the list opens below the fold: filter it by typing instead
        page.keyboard.type(option)
    options.first.click()
    settle(page)


def fill(page: Page, label: str, value: str) -> None:
    page.get_by_label(label, exact=True).first.fill(value)


def open_order_by_phone(page: Page) -> None:
    go(page, "数据表")
    fill(page, "搜索订单号 / 手机号 / 客户", PHONE)
    page.keyboard.press("Enter")
    settle(page)
    assert page.get_by_text("共 1 条, 1 页").count() == 1


def save_remarks(page: Page, text: str) -> None:
    page.get_by_label("备注", exact=True).fill(text)
    page.get_by_role("button", name="保存", exact=True).click()
    settle(page)


def test_first_user_journey_and_stale_second_session(server, browser, tmp_path) -> None:
    page = sign_in(browser, server)

    # a workspace from a template
    fill(page, "工作区标识(小写英文)", "parts")
    fill(page, "工作区名称", "汽配测试")
    page.get_by_role("button", name="创建").click()
    settle(page)
    assert page.get_by_role("heading", name="汽配测试").count() == 1

    # a custom field, added in the designer
    go(page, "表单设计")
    fill(page, "显示名称", "是否含定制件")
    fill(page, "字段标识(小写英文)", "has_custom_parts")
    choose(page, "类型", "是/否")
    page.get_by_role("button", name="添加字段").click()
    settle(page)
    assert page.get_by_text(re.compile(r"已保存: v2")).count() == 1
    assert_no_exception(page)

    # an SKU, then an order, through the generated form
    go(page, "录入")
    choose(page, "数据表", "商品库存")
    fill(page, "SKU编码 *", "BP-2001")
    fill(page, "商品名称 *", "博世 刹车片 A100型")
    page.get_by_role("button", name="提交").click()
    settle(page)
    assert page.get_by_text("已保存: BP-2001").count() == 1
    choose(page, "数据表", "订单")
    choose(page, "渠道 *", "淘宝")
    fill(page, "客户名称 *", "王总")
    fill(page, "手机号 *", "139 1234 5678")
    fill(page, "SKU *", "BP-2001")
    fill(page, "单价 *", "260.00")
    fill(page, "下单时间 *", "2026-11-23 09:30")
    page.get_by_text("是否含定制件").click()
    page.get_by_role("button", name="提交").click()
    settle(page)
    assert page.get_by_text(re.compile(r"已保存: SO\d{12}")).count() == 1, page.content()[:2000]

    # found by phone, edited, audited
    open_order_by_phone(page)
    save_remarks(page, "客户要求周末送货")
    assert page.get_by_text("已保存 v2").count() == 1
    assert page.get_by_text("修改记录").count() == 1
    assert_no_exception(page)

    # a second session loads the order at v2 …
    other = sign_in(browser, server)
    choose(other, "工作区", "汽配测试 (parts)")
    open_order_by_phone(other)
    assert other.get_by_text(re.compile(r"· v2 ·")).count() == 1
    # … the first session saves again (v3) …
    save_remarks(page, "改为周六上午送货")
    assert page.get_by_text("已保存 v3").count() == 1
    # … and the second session's stale save is refused, not silently applied
    save_remarks(other, "我的修改")
    assert other.get_by_text(re.compile("该记录已被他人修改")).count() == 1
    other.screenshot(path=str(tmp_path / "conflict.png"), full_page=True)
    other.get_by_role("button", name="重新加载").click()
    settle(other)
    assert other.get_by_label("备注", exact=True).input_value() in ("改为周六上午送货", "我的修改")


def test_inline_grid_edit_is_saved_with_a_new_version(server, browser) -> None:
    page = sign_in(browser, server)
    go(page, "数据表")
    fill(page, "搜索订单号 / 手机号 / 客户", "SO")
    page.keyboard.press("Enter")
    settle(page)
    grid = page.get_by_test_id("stDataFrame").first.bounding_box()
    assert grid is not None
    page.mouse.click(grid["x"] + 120, grid["y"] + 55)  # first row, 订单号 (after the narrow 打开 column)
    page.wait_for_timeout(300)  # the grid is a canvas: give it a moment to take focus and open editors
    for _ in range(4):  # → 状态 → 渠道 → 客户编号 → 客户名称
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    page.keyboard.press("Control+A")
    page.keyboard.type("表格改名")
    page.keyboard.press("Enter")
    settle(page)
    page.get_by_role("button", name="保存表格修改").click()
    settle(page)
    assert_no_exception(page)
    fill(page, "搜索订单号 / 手机号 / 客户", "表格改名")
    page.keyboard.press("Enter")
    settle(page)
    captions = page.get_by_test_id("stCaptionContainer").all_inner_texts()
    assert captions[0] == "共 1 条, 1 页", captions
    assert any(re.search(r"· v2 · admin", c) for c in captions), captions
