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
