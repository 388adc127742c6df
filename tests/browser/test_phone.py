"""In Chromium at a phone's width (390 px): the sidebar folds away after choosing a page, a record opens from the grid's tick; screenshots kept."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD, assert_no_exception, settle

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("ORDERHUB_SCREENSHOTS", "")) if os.environ.get("ORDERHUB_SCREENSHOTS") else None


def _phone(browser, server: str):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(server)
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    settle(page)
    return page


def _sidebar_folded(page) -> bool:
    return page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == "true"


def test_the_sidebar_folds_after_choosing_a_page_and_the_grid_leads_with_the_order(
    server, browser, tmp_path
) -> None:
    page = _phone(browser, server)
    assert _sidebar_folded(page)
    page.get_by_test_id("stExpandSidebarButton").click()
    page.wait_for_timeout(500)
    assert not _sidebar_folded(page)
    page.get_by_test_id("stSidebarNav").get_by_text("数据表", exact=True).click()
    settle(page)
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stSidebar"]').getAttribute('data-collapsed') === 'true'""",
        timeout=10_000,
    )
    assert_no_exception(page)
    # (the grid is a canvas; its column order is checked in tests/pages/test_records_page.py)
    page.screenshot(path=str((SHOTS or tmp_path) / "phone_records.png"))
    # Tick a row: its record opens below.
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 30, box["y"] + 52)  # the first row's tick cell
    settle(page)
    page.get_by_test_id("stCaptionContainer").filter(has_text=re.compile(r"^#\d+ · v\d")).wait_for()
    assert_no_exception(page)
