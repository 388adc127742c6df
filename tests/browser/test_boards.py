"""In Chromium: every widget type renders on the default boards (screenshots kept); a builder creates a board
with a heatmap by carrier, a metric card and a Pareto of after-sales reasons, shares it with managers and
saves it; a manager then sees it and an operator does not."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import assert_no_exception, go, settle, sign_in
from tests.browser.test_flow_designer import pick, select
from tests.browser.test_journey import fill

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("ORDERHUB_SCREENSHOTS", "")) if os.environ.get("ORDERHUB_SCREENSHOTS") else None


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str((SHOTS or tmp_path) / f"{name}.png"), full_page=True)


def _widget_shots(page: Page, tmp_path: Path, board: str) -> int:
    """One picture per widget (Streamlit scrolls inside its main block, so a page shot shows the top only)."""
    boxes = page.locator('[class*="st-key-wbox_"]').all()
    for i, box in enumerate(boxes):
        box.scroll_into_view_if_needed()
        page.wait_for_timeout(200)
        box.screenshot(path=str((SHOTS or tmp_path) / f"{board}_{i + 1:02d}.png"))
    return len(boxes)


def _add_user(page: Page, username: str, role: str) -> None:
    go(page, "用户管理")
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="添加用户"))
    form.get_by_label("用户名", exact=True).fill(username)
    form.get_by_label("密码", exact=True).fill("pass-12345678")
    pick(page, form, "角色", role)
    form.get_by_role("button", name="添加用户").click()
    settle(page)
    assert_no_exception(page)


def _boards_offered(page: Page) -> list[str]:
    go(page, "看板")
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("看板", exact=True)).first
    box.locator("input").click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return options


def test_every_widget_type_renders_on_the_default_boards(server, browser, tmp_path) -> None:
    page = sign_in(browser, server)
    go(page, "看板")
    assert_no_exception(page)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    assert page.get_by_test_id("stAlert").filter(has_text=re.compile("error|错误")).count() == 0
    # Two heatmaps, the funnel, the Pareto and two KPI trends are Plotly charts; three metric cards.
    assert page.locator(".js-plotly-plot").count() >= 6
    assert page.get_by_test_id("stMetric").count() >= 4
    _shot(page, tmp_path, "board_morning_meeting")
    assert _widget_shots(page, tmp_path, "morning_meeting") == 9
    select(page, page, "看板", "订单与客户健康度")
    assert_no_exception(page)
    page.get_by_text("三维健康度").wait_for()
    assert page.get_by_text("时效达成率").count() >= 1 and page.get_by_text("客户健康度").count() >= 1
    _shot(page, tmp_path, "board_health")
    assert _widget_shots(page, tmp_path, "health") == 7


def test_a_builders_board_is_seen_by_managers_only(server, browser, tmp_path) -> None:
    page = sign_in(browser, server)
    _add_user(page, "boss", "经理")
    _add_user(page, "clerk", "客服/运营")
    go(page, "看板设计")
    assert_no_exception(page)
    fill(page, "看板标识(英文, 可留空)", "carriers")
    fill(page, "标题", "承运商看板")
    page.get_by_role("button", name="创建看板").click()
    settle(page)
    for kind, title in (("热力图", "承运商 × 日期"), ("指标卡", "近30天订单"), ("帕累托图", "售后原因")):
        select(page, page, "组件类型", kind)
        fill(page, "新组件标题", title)
        page.get_by_role("button", name="添加组件").click()
        settle(page)
        assert_no_exception(page)
    heat = page.get_by_test_id("stExpander").filter(has_text="承运商 × 日期 · 热力图")
    heat.get_by_text("承运商 × 日期 · 热力图").first.click()
    select(page, heat, "纵轴(分组字段)", "承运商")
    pick(page, page, "可查看的角色(空 = 所有人)", "经理")
    heat.get_by_role("button", name="预览").click()
    settle(page)
    assert_no_exception(page)
    heat.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    _shot(page, tmp_path, "builder_preview")
    page.get_by_role("button", name="保存看板").click()
    settle(page)
    page.get_by_text(re.compile("已保存为工作区第")).wait_for(timeout=30_000)

    manager = sign_in(browser, server, "boss", "pass-12345678")
    assert "承运商看板" in _boards_offered(manager)
    select(manager, manager, "看板", "承运商看板")
    assert_no_exception(manager)
    manager.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    assert manager.get_by_text("近30天订单").count() >= 1
    _shot(manager, tmp_path, "board_carriers_manager")

    clerk = sign_in(browser, server, "clerk", "pass-12345678")
    offered = _boards_offered(clerk)
    assert "承运商看板" not in offered and "早会看板: 仓库延迟" in offered


def test_clicking_a_heatmap_cell_lists_exactly_its_orders(server, browser, tmp_path) -> None:
    page = sign_in(browser, server)
    go(page, "看板")
    box = page.locator('[class*="st-key-wbox_delay_by_day"]')
    plot = box.locator(".js-plotly-plot").first
    plot.wait_for(timeout=30_000)
    box.scroll_into_view_if_needed()
    data = plot.evaluate(
        "el => ({x: el.data[0].x, y: el.data[0].y, z: el.data[0].z, cells: el.data[1].customdata})"
    )
    # The hottest cell, read from the chart's own data: its count is what the list under it must hold.
    hottest = max(
        ((z, i, j) for i, row in enumerate(data["z"]) for j, z in enumerate(row) if z is not None),
        key=lambda c: c[0],
    )
    count, row, col = hottest
    x, y_label = data["x"][col], data["y"][row]
    index = next(
        k
        for k, (cx, _) in enumerate(data["cells"])
        if cx == x and plot.evaluate(f"el => el.data[1].y[{k}]") == y_label
    )
    point = box.locator("g.scatterlayer path.point").nth(index)
    bounds = point.bounding_box()
    assert bounds is not None
    page.mouse.click(bounds["x"] + bounds["width"] / 2, bounds["y"] + bounds["height"] / 2)
    settle(page)
    assert_no_exception(page)
    caption = page.get_by_text(re.compile(rf"^{re.escape(x)} · .*: \d+ 单$")).first
    caption.wait_for(timeout=30_000)
    assert caption.inner_text().endswith(f": {int(count)} 单")
    listed = box.get_by_test_id("stDataFrame").last
    assert listed.count() == 1
    _shot(page, tmp_path, "heatmap_cell_orders")
