"""Chromium loads every page after sign-in with no exception shown."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_exception, go, settle, sign_in

pytestmark = pytest.mark.browser


def test_every_page_loads_after_login(server, browser, tmp_path) -> None:
    page = sign_in(browser, server)
    assert page.get_by_role("heading", name="家居电商").count() == 1
    for title in (
        "表单设计",
        "状态流设计",
        "预警规则",
        "数据表",
        "录入",
        "导入历史数据",
        "预警收件箱",
        "后台任务",
        "首页",
    ):
        go(page, title)
        assert_no_exception(page)
        page.screenshot(path=str(tmp_path / f"{title}.png"), full_page=True)
    page.get_by_text("English").click()
    settle(page)
    go(page, "Records")
    assert page.get_by_role("heading", name="Records").count() == 1
    assert_no_exception(page)


def test_before_sign_in_no_page_is_listed_and_no_developer_toolbar(server, browser, tmp_path) -> None:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
    page.goto(server)
    settle(page)
    page.get_by_label("用户名").wait_for(timeout=30_000)
    # The internal page files (importer, _ui…) are not offered to someone who has not signed in.
    assert page.get_by_test_id("stSidebarNav").count() == 0
    for name in ("importer", "records", "designer"):
        assert page.get_by_text(name, exact=True).count() == 0, name
    assert page.get_by_text("Deploy", exact=True).count() == 0
    page.screenshot(path=str(tmp_path / "sign_in.png"), full_page=True)
    # A page's address before sign-in shows the sign-in form, not a blank page.
    page.goto(f"{server}/records")
    settle(page)
    page.get_by_label("用户名").wait_for(timeout=30_000)
    assert_no_exception(page)
    signed = sign_in(browser, server)
    assert signed.get_by_text("Deploy", exact=True).count() == 0
