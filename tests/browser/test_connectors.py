"""In Chromium against the real app server (serve.py, st.App routes): add a push connector from a type, issue a
caller's token on the Connectors page, push Taobao orders to the webhook route, find them on the Records page."""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest

from sample_data.fake_platform import RENDER
from tests.browser.conftest import assert_no_exception, go, settle, sign_in
from tests.connectors.conftest import order

pytestmark = pytest.mark.browser


def _choose(page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.get_by_role("option", name=option).first.click()
    settle(page)


def test_push_orders_through_a_webhook_with_a_callers_token(server, browser, tmp_path) -> None:
    page = sign_in(browser, server)
    go(page, "渠道接入")
    assert_no_exception(page)
    _choose(page, "类型", "推送(Webhook)")
    _choose(page, "平台", "淘宝/天猫")
    page.get_by_label("标识(小写英文)").fill("tb_push")
    page.get_by_role("button", name="新增渠道").click()
    settle(page)
    assert_no_exception(page)
    page.get_by_text("推送调用方与令牌").click()
    page.get_by_label("调用方名称").fill("taobao-open")
    page.get_by_role("button", name="生成令牌").click()
    settle(page)
    shown = page.get_by_test_id("stCode").first.inner_text()
    token = re.search(r"Bearer (\S+)", shown).group(1)  # type: ignore[union-attr]
    page.screenshot(path=str(tmp_path / "connectors.png"), full_page=True)

    trades = [RENDER["taobao"](order("taobao", n, "SF-1001")) for n in range(1, 4)]
    request = urllib.request.Request(  # noqa: S310 (the test server on 127.0.0.1)
        f"{server}/api/hooks/home_ecommerce/tb_push",
        data=json.dumps(trades, ensure_ascii=False).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 202
        assert json.loads(response.read())["accepted"] == 3
    for _ in range(50):  # applied in the background
        with urllib.request.urlopen(f"{server}/api/health", timeout=10) as response:  # noqa: S310
            queues = json.loads(response.read())["queues"]
        if all(q["depth"] == 0 for q in queues):
            break
        time.sleep(0.2)
    go(page, "数据表")
    page.get_by_label("搜索订单号 / 手机号 / 客户").fill(f"TB{trades[1]['tid_str']}")
    page.keyboard.press("Enter")
    settle(page)
    assert page.get_by_text("共 1 条, 1 页").count() == 1
