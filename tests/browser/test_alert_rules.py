"""In Chromium, a builder opens a template alert rule: the drag-and-drop builder cannot draw it and opens
empty, yet the rule keeps its whole condition — testing it matches fewer orders than its time condition alone
(the defect: it matched nearly every order, and saving would have overwritten the rule). A new rule's time
condition grid offers its columns."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_no_exception, go, settle, sign_in
from tests.browser.test_journey import choose

pytestmark = pytest.mark.browser


def _matches(page) -> int:
    page.get_by_role("button", name="试运行此规则").click()
    settle(page)
    found = page.get_by_text(re.compile(r"当前命中 \d+ 条")).first
    found.wait_for(timeout=30_000)
    return int(re.search(r"\d+", found.inner_text()).group())


def test_a_template_rule_keeps_its_condition_when_opened(server, browser, tmp_path) -> None:
    page = sign_in(browser, server)
    go(page, "预警规则")
    choose(page, "规则", "付款超2小时未发货 (paid_2h_unshipped)")
    assert_no_exception(page)
    page.get_by_text("这条规则现有的条件").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)  # the builder mounts and sends its (empty) condition back
    settle(page)
    whole = _matches(page)
    page.screenshot(path=str(tmp_path / "rule.png"), full_page=True)
    page.get_by_text("清除现有条件, 改用下面搭建的").click()
    settle(page)
    time_only = _matches(page)
    assert whole < time_only, (whole, time_only)  # shipped and cancelled orders are not "unshipped"

    choose(page, "规则", "新建规则")
    assert_no_exception(page)
    grid = page.get_by_test_id("stDataFrame").first
    for header in ("类型", "字段", "比较", "小时"):
        assert grid.get_by_text(header, exact=True).count() >= 1, header
    page.screenshot(path=str(tmp_path / "new_rule.png"), full_page=True)
