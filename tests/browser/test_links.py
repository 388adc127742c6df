"""In Chromium: an order link opened in a new tab finds the browser signed in and shows that order; opened in a
browser that is not signed in, it asks to sign in and then shows the order, not Home; sign-out ends it in
every tab; a deactivated user's open tab is signed out at its next step."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PASSWORD, assert_no_exception, go, settle, sign_in

pytestmark = pytest.mark.browser


def _order_link(server: str) -> str:
    return f"{server}/records?table=orders&id=1&key="


def _shows_record_one(page) -> None:
    page.get_by_role("heading", name="数据表").wait_for(timeout=30_000)
    page.get_by_test_id("stCaptionContainer").filter(has_text=re.compile(r"^#1 · v\d")).wait_for(
        timeout=30_000
    )
    assert_no_exception(page)


def test_a_link_in_a_new_tab_keeps_the_session_and_opens_the_order(server, browser) -> None:
    page = sign_in(browser, server)
    page.wait_for_timeout(500)  # the browser fetches the session cookie right after sign-in
    tab = page.context.new_page()
    tab.goto(_order_link(server))
    settle(tab)
    assert tab.get_by_label("用户名").count() == 0
    _shows_record_one(tab)
    # Sign-out in one tab: a tab opened afterwards asks to sign in again.
    page.get_by_role("button", name="退出登录").click()
    settle(page)
    later = page.context.new_page()
    later.goto(_order_link(server))
    settle(later)
    later.get_by_label("用户名").wait_for(timeout=30_000)


def test_a_link_before_sign_in_returns_to_the_order_after_it(server, browser) -> None:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
    page.goto(_order_link(server))
    settle(page)
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    settle(page)
    _shows_record_one(page)
    assert "/records" in page.url


def test_a_deactivated_user_is_signed_out(server, browser) -> None:
    admin = sign_in(browser, server)
    go(admin, "用户管理")
    form = admin.get_by_test_id("stForm").filter(has=admin.get_by_role("button", name="添加用户"))
    form.get_by_label("用户名", exact=True).fill("temp1")
    form.get_by_label("密码", exact=True).fill("temp-pass-123")
    form.get_by_label("角色").click()
    admin.get_by_role("option", name="临时工").click()
    admin.keyboard.press("Escape")
    form.get_by_role("button", name="添加用户").click()
    settle(admin)
    admin.get_by_text("已添加用户 temp1").wait_for()
    worker = sign_in(browser, server, "temp1", "temp-pass-123")
    nav = worker.get_by_test_id("stSidebarNav").inner_text()
    # A temporary worker's sidebar is short: no import, connectors, jobs, designers or users.
    for hidden in ("导入历史数据", "连接器", "后台任务", "表单设计", "用户管理", "录入"):
        assert hidden not in nav, hidden
    assert "数据表" in nav
    pick = admin.get_by_test_id("stSelectbox").filter(has=admin.get_by_text("用户名", exact=True)).last
    pick.locator("input").click()
    admin.get_by_role("option", name="temp1 (temp1)").click()
    settle(admin)
    admin.get_by_role("button", name="停用此用户").click()
    settle(admin)
    admin.get_by_text("已停用 temp1").wait_for()
    go(worker, "数据表")
    worker.get_by_label("用户名").wait_for(timeout=30_000)
