"""Every page through AppTest: sign-in, navigation per role, form entry, designer, records and conflicts."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from engine import auth, workspaces
from engine.records.single import find_by_key, update_record
from pages._ui import get_store
from tests.pages.conftest import APP, signed_in

PAGES = [
    "pages/home.py",
    "pages/designer.py",
    "pages/records.py",
    "pages/form.py",
    "pages/alerts.py",
    "pages/alert_rules.py",
    "pages/flow_designer.py",
    "pages/jobs.py",
    "pages/importer.py",
]


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_wrong_password_is_refused(app_env) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="login_user").set_value("admin")
    at.text_input(key="login_password").set_value("nope-nope")
    at.button[0].click().run()
    assert errors(at) == ["用户名或密码错误"]
    assert "user" not in at.session_state


def test_admin_sees_every_page_without_exceptions(app_env) -> None:
    at = signed_in()
    assert not at.exception
    assert at.title[0].value == "家居电商"
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
        assert not errors(at), page


def test_english_switch(app_env) -> None:
    at = signed_in()
    at.session_state["lang"] = "en"  # what the sidebar radio sets; AppTest does not expose the sidebar
    at.switch_page("pages/form.py").run()
    assert at.title[0].value == "New record"


def test_operator_has_no_designer_and_no_hidden_fields(app_env) -> None:
    store = get_store()
    auth.add_user(store, "op1", "op-pass-123", ["operator"], auth.SYSTEM)
    at = signed_in("op1", "op-pass-123")
    assert not at.exception
    at.switch_page("pages/form.py").run()
    labels = [w.label for w in at.text_input]
    assert "单位成本" not in " ".join(labels)  # unit_cost is hidden for operators
    at.switch_page("pages/home.py").run()
    assert not [h for h in at.subheader if h.value == "从模板创建工作区"]  # only builders create workspaces
    at.switch_page("pages/records.py").run()
    assert not at.exception


def test_form_entry_creates_a_record_and_shows_field_errors(app_env) -> None:
    at = signed_in()
    at.switch_page("pages/form.py").run()
    at.selectbox(key="new_orders_channel").set_value("douyin")
    at.text_input(key="new_orders_customer_name").set_value("测试客户")
    at.text_input(key="new_orders_phone").set_value("12345")
    at.text_input(key="new_orders_sku").set_value("SF-1001")
    at.number_input(key="new_orders_unit_price").set_value(99.5)
    at.text_input(key="new_orders_ordered_at").set_value("2026-11-20 10:00")
    at.button[0].click().run()
    # One line on top in the UI's language; the problem itself under the phone field, with the value typed.
    assert errors(at) == ["有 1 处需要修改，尚未保存"]
    under = [m.value for m in at.markdown if m.value.startswith(":red[")]
    assert under == [":red[「12345」不是有效的手机号]"]
    assert at.text_input(key="new_orders_phone").value == "12345"  # the typed values are kept
    at.text_input(key="new_orders_phone").set_value("139 1234 5678")
    at.button[0].click().run()
    assert not errors(at), errors(at)
    assert at.success[0].value.startswith("已保存: SO")
    ws = workspaces.get_workspace(get_store(), "home_ecommerce")
    number = at.success[0].value.split(": ")[1]
    row = find_by_key(get_store(), ws, "orders", number, auth.SYSTEM)
    assert row["phone"] == "13912345678" and row["channel"] == "douyin" and row["_created_by"] == "admin"


def test_designer_adds_a_custom_field(app_env) -> None:
    at = signed_in()
    at.switch_page("pages/designer.py").run()
    at.text_input(key="add_label").set_value("是否含定制件")
    at.text_input(key="add_name").set_value("has_custom_parts")
    at.selectbox(key="add_type").set_value("boolean")
    at.button[0].click().run()
    assert not errors(at), errors(at)
    ws = workspaces.get_workspace(get_store(), "home_ecommerce")
    assert ws.require_table("orders").field("has_custom_parts").label == "是否含定制件"
    at.switch_page("pages/form.py").run()
    assert any(c.label == "是否含定制件" for c in at.checkbox)


def test_a_field_added_without_an_identifier_gets_one_from_its_label(app_env) -> None:
    at = signed_in()
    at.switch_page("pages/designer.py").run()
    at.text_input(key="add_label").set_value("安装师傅")
    at.selectbox(key="add_type").set_value("text")
    at.button[0].click().run()
    assert not errors(at), errors(at)
    ws = workspaces.get_workspace(get_store(), "home_ecommerce")
    assert ws.require_table("orders").field("an_zhuang_shi_fu").label == "安装师傅"


def test_designer_reports_bad_field_names(app_env) -> None:
    at = signed_in()
    at.switch_page("pages/designer.py").run()
    at.text_input(key="add_label").set_value("坏字段")
    at.text_input(key="add_name").set_value("Bad Name")
    at.button[0].click().run()
    assert any("problem(s) in the workspace schema" in e for e in errors(at))
    assert any("is not a valid name" in m.value for m in at.markdown)
    assert len(workspaces.list_versions(get_store(), "home_ecommerce")) == 1


def test_records_search_edit_and_stale_version_conflict(app_env) -> None:
    store = get_store()
    ws = workspaces.get_workspace(store, "home_ecommerce")
    at = signed_in()
    at.switch_page("pages/records.py").run()
    phone = (
        store.cursor()
        .execute("SELECT phone FROM home_ecommerce.orders WHERE phone NOT LIKE '%*%' ORDER BY _id LIMIT 1")
        .fetchone()[0]
    )
    at.text_input(key="search_orders").set_value(phone).run()
    assert "共 " in at.caption[0].value
    record_id = at.selectbox(key="detail_pick").value
    at.run()
    at.text_area(key=f"edit_{record_id}_remarks").set_value("客户要求周末送货")
    at.button(key="FormSubmitter:detail_form-保存").click().run()
    assert not errors(at), errors(at)
    assert at.success[-1].value == "已保存 v2"
    # someone else saves the same order; this session still holds version 2
    update_record(store, ws, "orders", record_id, {"remarks": "别人改的"}, 2, auth.SYSTEM)
    at.text_area(key=f"edit_{record_id}_remarks").set_value("我的修改")
    at.button(key="FormSubmitter:detail_form-保存").click().run()
    assert any("该记录已被他人修改" in e and "was changed by system" in e for e in errors(at))
    row = (
        store.cursor()
        .execute("SELECT remarks, _version FROM home_ecommerce.orders WHERE _id = ?", [record_id])
        .fetchone()
    )
    assert row == ("别人改的", 3)
    history = at.dataframe[-1].value.to_dict("records")
    assert [r["操作"] for r in history[:2]] == ["修改", "修改"]
    assert history[0]["修改内容"].startswith("备注: ") and history[0]["修改内容"].endswith(" → 别人改的")


def test_designer_edits_a_fields_validation_settings(app_env) -> None:
    at = signed_in()
    at.switch_page("pages/designer.py").run()
    at.selectbox(key="edit_pick").set_value("qty").run()
    at.text_area(key="edit_settings_qty").set_value('{"minimum": 1, "maximum": 99}')
    at.button(key="FormSubmitter:edit_field-保存").click().run()
    assert not errors(at), errors(at)
    ws = workspaces.get_workspace(get_store(), "home_ecommerce")
    assert ws.require_table("orders").by_name["qty"].maximum == 99
    at.text_area(key="edit_settings_qty").set_value("{not json")
    at.button(key="FormSubmitter:edit_field-保存").click().run()
    assert any("第 1 行第 2 列" in e for e in errors(at)), errors(at)


def test_records_detail_moves_an_order_through_the_flow(app_env) -> None:
    store = get_store()
    order_no, record_id = (
        store.cursor()
        .execute(
            "SELECT order_no, _id FROM home_ecommerce.orders WHERE status = 'placed' ORDER BY _id LIMIT 1"
        )
        .fetchone()
    )
    at = signed_in()
    at.switch_page("pages/records.py").run()
    at.text_input(key="search_orders").set_value(order_no).run()
    assert at.selectbox(key="detail_pick").value == record_id
    move = next(b for b in at.button if b.label.startswith("→ 审单"))
    assert not move.disabled
    move.click().run()
    assert not errors(at), errors(at)
    status = (
        store.cursor()
        .execute("SELECT status FROM home_ecommerce.orders WHERE _id = ?", [record_id])
        .fetchone()[0]
    )
    assert status == "reviewed"
    assert any(b.label.startswith("→ 备货") for b in at.button)
