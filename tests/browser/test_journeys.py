"""The six journeys of the first hour, walked in Chromium from a fresh start at a desktop's width (1440 px)
and a phone's (390 px): a builder, a manager, an import team, a shop assistant, a temporary worker, and
someone working in English. Each asserts the defects the newcomers met are gone and keeps a screenshot
(docs/screenshots/ when $ORDERHUB_SCREENSHOTS points there)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from tests.browser.conftest import assert_no_exception, go, open_sidebar, settle, sign_in
from tests.browser.test_flow_designer import pick, select

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ["ORDERHUB_SCREENSHOTS"]) if os.environ.get("ORDERHUB_SCREENSHOTS") else None
WIDTHS = [1440, 390]
PEOPLE = {"mgr": "经理", "shop": "客服/运营", "temp": "临时工"}
PASSWORD = "walk-pass-123"


def shot(page: Page, tmp_path: Path, name: str, width: int, focus: Locator | None = None) -> None:
    """A picture of the page with `focus` in view (Streamlit scrolls inside its main block)."""
    settle(page)
    if focus is not None:
        focus.first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
    page.screenshot(path=str((SHOTS or tmp_path) / f"journey_{name}_{width}.png"), full_page=True)


@pytest.fixture(scope="module")
def people(server, browser) -> dict[str, str]:
    """The admin adds the team on the Users page, as a new workspace's owner would."""
    admin = sign_in(browser, server)
    go(admin, "用户管理")
    for username, role in PEOPLE.items():
        form = admin.get_by_test_id("stForm").filter(has=admin.get_by_role("button", name="添加用户"))
        form.get_by_label("用户名", exact=True).fill(username)
        form.get_by_label("密码", exact=True).fill(PASSWORD)
        pick(admin, form, "角色", role)
        form.get_by_role("button", name="添加用户").click()
        settle(admin)
        admin.get_by_text(f"已添加用户 {username}").wait_for()
    admin.context.close()
    return PEOPLE


def _nav(page: Page) -> str:
    """The sidebar's page list (opening a phone's folded sidebar first)."""
    open_sidebar(page)
    return page.get_by_test_id("stSidebarNav").inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_builder_never_types_an_identifier(server, browser, people, tmp_path, width) -> None:
    page = sign_in(browser, server, width=width)
    select(page, page, "模板", "家居电商")  # templates by their names, not their identifiers
    page.get_by_label("工作区标识(小写英文)").fill(f"shop{width}")
    page.get_by_label("工作区名称").fill(f"新店{width}")
    page.get_by_role("button", name="创建").click()
    settle(page)
    page.get_by_role("heading", name=f"新店{width}").wait_for()
    go(page, "表单设计")
    page.get_by_label("显示名称").first.fill("安装师傅")
    select(page, page, "类型", "单行文本")  # field types in the UI's language
    page.get_by_role("button", name="添加字段").click()
    settle(page)
    page.get_by_text(re.compile(r"已保存: v2")).wait_for()
    assert page.get_by_text("an_zhuang_shi_fu").count() >= 1  # the identifier made from the label
    go(page, "看板设计")
    page.get_by_label("标题", exact=True).first.fill("门店早会")  # its identifier may stay empty
    page.get_by_role("button", name="创建看板").click()
    settle(page)
    assert_no_exception(page)
    page.get_by_role("button", name="保存看板").click()
    settle(page)
    saved = page.get_by_text(re.compile(r"已保存为工作区第 \d+ 版"))
    saved.wait_for()
    shot(page, tmp_path, "builder", width, saved)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_manager_reads_the_board_and_opens_an_order_in_a_new_tab(server, browser, people, tmp_path, width):
    page = sign_in(browser, server, "mgr", PASSWORD, width=width)
    nav = _nav(page)
    assert "看板" in nav and "用户管理" not in nav and "表单设计" not in nav
    go(page, "看板")
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    assert_no_exception(page)
    body = page.locator("body").inner_text()
    for raw in ("order_no_label", "now_in", "median_hours", "None"):
        assert raw not in body, raw
    # The busiest cell of the delay heatmap, chosen by name (a phone's cells are too narrow to tap).
    box = (
        page.get_by_test_id("stSelectbox")
        .filter(has=page.get_by_text("或按名称选一格，列出其中的订单"))
        .first
    )
    box.locator("input").click()
    if not page.get_by_role("option").count():
        page.keyboard.press("ArrowDown")  # a list far down the page opens on the arrow key
    busiest = page.get_by_role("option").nth(1).inner_text()
    page.keyboard.type(busiest)  # typed, not clicked: a click on a list that is still moving can miss
    page.keyboard.press("Enter")
    settle(page)
    listed = page.get_by_text(re.compile(r" 单$"))
    listed.first.wait_for()  # the cell's orders are listed, with links
    shot(page, tmp_path, "manager", width, listed)
    # An order link opened in a new tab of the same browser: signed in, on the order (not Home).
    tab = page.context.new_page()
    tab.goto(f"{server}/records?table=orders&id=1&key=")
    settle(tab)
    assert tab.get_by_label("用户名").count() == 0
    tab.get_by_test_id("stCaptionContainer").filter(has_text=re.compile(r"^#1 · v\d")).wait_for()
    assert_no_exception(tab)


@pytest.mark.parametrize("width", WIDTHS)
def test_an_import_team_sees_its_own_values_and_a_lasting_result(server, browser, people, tmp_path, width):
    path = tmp_path / f"门店流水{width}.csv"
    path.write_text(
        "订单号,渠道,客户,手机,SKU,单价,下单时间,订单状态\n"
        f"W{width}001,淘宝,王总,13800138000,SF-1001,3200,2026-03-01 09:00,交易成功\n"
        f"W{width}002,淘宝,李姐,13900139000,SF-1001,2800,2026-03-02 10:00,交易关闭\n",
        encoding="utf-8",
    )
    page = sign_in(browser, server, "mgr", PASSWORD, width=width)  # the import team's lead stages and commits
    go(page, "导入历史数据")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    settle(page)
    page.get_by_role("button", name="检查并暂存").wait_for(timeout=30_000)
    body = page.locator("body").inner_text()
    assert '{"' not in body and "signed" not in body  # value maps in the options' labels, not JSON codes
    page.get_by_role("button", name="检查并暂存").click()
    settle(page)
    page.get_by_text(re.compile(r"已暂存批次 #\d+")).wait_for(timeout=30_000)
    page.get_by_role("button", name="提交入库").first.click()
    settle(page)
    done = page.get_by_text(re.compile(r"已导入: 新增 2"))
    done.first.wait_for(timeout=30_000)
    assert "{'" not in page.locator("body").inner_text()  # no raw Python dict
    shot(page, tmp_path, "import", width, done)
    page.reload()
    settle(page)
    page.get_by_text(re.compile(r"· 已导入 ·")).first.wait_for(timeout=30_000)  # the result outlives a reload


@pytest.mark.parametrize("width", WIDTHS)
def test_a_shop_assistant_opens_edits_and_undoes(server, browser, people, tmp_path, width) -> None:
    page = sign_in(browser, server, "shop", PASSWORD, width=width)
    go(page, "数据表")
    grid = page.get_by_test_id("stDataFrame").first
    grid.wait_for()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 30, box["y"] + 52)  # tick the first row: it opens below
    settle(page)
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text=re.compile(r"^#\d+ · v\d"))
    caption.wait_for()
    edit = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="保存", exact=True))
    edit.get_by_label("备注", exact=True).fill(f"客户改约周六 {width}")
    edit.get_by_role("button", name="保存", exact=True).click()
    settle(page)
    page.get_by_role("button", name="↶ 撤销我上一次的修改").click()
    settle(page)
    undone = page.get_by_text(re.compile(r"^已撤销，改回：备注: 客户改约周六"))
    undone.wait_for()
    assert_no_exception(page)
    shot(page, tmp_path, "shop_assistant", width, undone)
    # A form entry with a bad phone: the problem under the field, in Chinese, the typed values kept.
    go(page, "录入")
    page.get_by_role("textbox", name="客户名称 *").fill("赵六")
    page.get_by_role("textbox", name="手机号 *").fill("12345")
    page.get_by_role("button", name="提交").click()
    settle(page)
    page.get_by_text("「12345」不是有效的手机号").wait_for()
    assert page.get_by_role("textbox", name="手机号 *").input_value() == "12345"


@pytest.mark.parametrize("width", WIDTHS)
def test_a_temporary_worker_ships_on_a_phone_sized_form(server, browser, people, tmp_path, width) -> None:
    page = sign_in(browser, server, "temp", PASSWORD, width=width)
    nav = [line for line in _nav(page).splitlines() if line.strip() and not line.isascii()]
    assert nav == ["首页", "看板", "数据表", "预警收件箱"], nav
    go(page, "数据表")
    filters = page.get_by_test_id("stExpander").filter(has_text="筛选")
    filters.get_by_text("筛选").first.click()
    select(page, filters, "字段", "状态")
    filters.get_by_role("textbox", name="值").fill("picking")
    filters.get_by_role("button", name="添加筛选").click()
    settle(page)
    assert page.get_by_role("button", name="保存", exact=True).count() == 0  # no 30-field edit form
    move = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name=re.compile("→ 出库")))
    select(page, move, "承运商", "顺丰速运")
    move.get_by_label("运单号").fill(f"SF{width}0000001")
    page.get_by_text(re.compile("只有.*可以取消订单")).first.wait_for()  # why not, in words, not on hover
    move.get_by_role("button", name=re.compile("→ 出库")).click()
    settle(page)
    page.get_by_text(re.compile(r"已出库，现为「出库」")).wait_for()
    assert_no_exception(page)
    shot(page, tmp_path, "temp_worker", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_english_throughout(server, browser, people, tmp_path, width) -> None:
    page = sign_in(browser, server, width=width)
    for _ in range(3):  # a phone's sidebar slides in: a click during the slide can miss the switch
        if "Form entry" in _nav(page):
            break
        page.get_by_text("English", exact=True).click()
        settle(page)
    go(page, "Form entry")
    page.get_by_role("textbox", name="Phone *").fill("12345")
    page.get_by_role("button", name="Submit").click()
    settle(page)
    page.get_by_text(re.compile(r"field\(s\) need fixing; nothing was saved")).first.wait_for()
    page.get_by_text("“12345” is not a valid Phone").wait_for()  # the field by its English label
    body = page.locator("body").inner_text()
    assert "必填" not in body and "有 " not in body
    go(page, "Users")
    page.get_by_role("heading", name="Users").wait_for()
    assert "Administrator" in page.locator("body").inner_text()  # roles by their English names
    shot(page, tmp_path, "english", width)
