"""Flow designer, alert rules, alert inbox, jobs and bulk moves through AppTest (components' values injected
through session state, as a browser would send them)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from engine import auth, workspaces
from engine.alerts.actions import alerts_for
from engine.alerts.evaluate import matching_records, run_alerts
from engine.auth import SYSTEM
from engine.clock import local_now
from engine.jobs import job_status
from pages._ui import get_store
from tests.pages.conftest import signed_in


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_flow_designer_inserts_a_quality_check_with_roles_and_required_fields(app_env) -> None:
    at = signed_in()
    at.switch_page("pages/flow_designer.py").run()
    assert not at.exception and not errors(at)
    at.selectbox(key="fd_before").set_value("picking")
    at.selectbox(key="fd_after").set_value("shipped")
    at.text_input(key="fd_between_name").set_value("qc")
    at.text_input(key="fd_between_label").set_value("质检")
    button(at, "在两个状态之间插入新状态").click().run()
    assert not errors(at), errors(at)
    items = at.selectbox(key="fd_item").options  # states first ("s:<name>"), then transitions ("t:<index>")
    states = sum(1 for o in items if o.startswith("状态"))
    into_qc = next(i for i, o in enumerate(items) if "→ qc" in o) - states
    at.selectbox(key="fd_item").set_value(f"t:{into_qc}").run()
    at.multiselect[1].set_value(["warehouse"])  # roles
    at.multiselect[2].set_value(["remarks"])  # required fields
    next(t for t in at.text_area if t.label.endswith("(JSON)") and "前置条件" in t.label).set_value(
        '{">": [{"var": "qty"}, 0]}'
    )
    button(at, "保存").click().run()
    assert not errors(at), errors(at)
    button(at, "保存状态流").click().run()
    assert not errors(at), errors(at)
    ws = workspaces.get_workspace(get_store(), "home_ecommerce")
    flow = ws.require_table("orders").flow
    into = next(tr for tr in flow.transitions if tr.to == "qc")
    assert (into.from_, into.roles, into.require_fields, into.guard) == (
        ["picking"],
        ["warehouse"],
        ["remarks"],
        {">": [{"var": "qty"}, 0]},
    )
    onward = next(tr for tr in flow.transitions if tr.from_ == ["qc"])
    assert onward.to == "shipped" and "tracking_no" in onward.require_fields


def test_alert_rule_is_tested_and_saved_from_the_builder(app_env) -> None:
    at = signed_in()
    at.switch_page("pages/alert_rules.py").run()
    at.text_input(key="rule___new___name").set_value("big_orders")
    at.text_input(key="rule___new___label").set_value("大单")
    at.text_input(key="rule___new___message").set_value("订单 {order_no} 数量 {qty}")
    at.multiselect(key="rule___new___roles").set_value(["manager"])
    # What the drag-and-drop builder sends back: its tree and its JSONLogic.
    tree = {"id": "g1", "type": "group", "children1": [{"type": "rule", "properties": {"field": "qty"}}]}
    at.session_state["_rule___new___tree"] = [
        tree,
        {"errors": [], "logic": {">=": [{"var": "qty"}, 3]}, "data": {}},
    ]
    at.run()
    button(at, "试运行此规则").click().run()
    assert not errors(at), errors(at)
    store = get_store()
    (expected,) = (
        store.cursor().execute("SELECT count(*) FROM home_ecommerce.orders WHERE qty >= 3").fetchone()
    )
    assert at.success[-1].value == f"当前命中 {expected} 条"
    button(at, "保存").click().run()
    assert not errors(at), errors(at)
    rule = workspaces.get_workspace(store, "home_ecommerce").rule("big_orders")
    assert rule.condition == {">=": [{"var": "qty"}, 3]} and rule.builder == tree


@pytest.mark.parametrize("template", ["home_ecommerce", "auto_parts_chain", "hardware_wholesale"])
def test_every_template_rule_opens_tests_and_saves_unchanged(app_env, template) -> None:
    # The builder cannot draw a rule written as JSON; in the browser it opens empty and sends an empty
    # condition back. Opening a rule must keep its whole condition: the same matches, the same saved rule.
    store = get_store()
    if template != "home_ecommerce":
        workspaces.create_from_template(store, template, SYSTEM, now=None)
    ws = workspaces.get_workspace(store, template)
    at = signed_in()
    at.session_state["workspace"] = template
    at.switch_page("pages/alert_rules.py").run()
    for rule in ws.rules:
        at.selectbox(key=next(s.key for s in at.selectbox if s.label == "规则")).set_value(rule.name)
        at.session_state[f"_rule_{rule.name}_tree"] = [
            {"id": "g", "type": "group"},
            {"errors": [], "logic": None},
        ]
        at.run()
        button(at, "试运行此规则").click().run()
        assert not errors(at), (rule.name, errors(at))
        count, _ = matching_records(store, ws, rule)
        assert at.success[-1].value == f"当前命中 {count} 条", rule.name
        button(at, "保存").click().run()
        assert not errors(at), (rule.name, errors(at))
        saved = workspaces.get_workspace(store, template).rule(rule.name)
        assert saved.model_dump() == rule.model_dump(), rule.name


def test_alert_inbox_acknowledges_and_asks_for_material(app_env) -> None:
    store = get_store()
    auth.add_user(store, "wh1", "wh-pass-123", ["warehouse"], auth.SYSTEM)
    ws = workspaces.get_workspace(store, "home_ecommerce")
    run_alerts(store, ws, local_now(ws.timezone) + timedelta(days=3))
    mine = [
        a for a in alerts_for(store, ws, auth.Actor("wh1", frozenset({"warehouse"}))) if a["status"] == "open"
    ]
    assert mine
    at = signed_in("wh1", "wh-pass-123")
    at.switch_page("pages/alerts.py").run()
    assert not errors(at)
    first = mine[0]["id"]
    at.button(key=f"needs_info_{first}").click().run()
    assert any("needs a note" in e for e in errors(at))
    at.text_input(key=f"note_{first}").set_value("缺少发票")
    at.button(key=f"needs_info_{first}").click().run()
    assert not errors(at), errors(at)
    (status, response, note) = (
        store.cursor().execute("SELECT status, response, note FROM _alerts WHERE id = ?", [first]).fetchone()
    )
    assert (status, response, note) == ("acknowledged", "needs_info", "缺少发票")


def test_jobs_page_runs_a_job_now(app_env) -> None:
    at = signed_in()
    at.switch_page("pages/jobs.py").run()
    at.button(key="run_alerts").click().run()
    assert not errors(at), errors(at)
    status = {s["job"]: s for s in job_status(get_store())}
    assert status["alerts"]["runs"] == 1 and status["alerts"]["ok"]


def test_records_page_bulk_moves_with_a_report(app_env) -> None:
    store = get_store()
    at = signed_in()
    at.switch_page("pages/records.py").run()
    at.selectbox(key="bulk_to").set_value("reviewed")
    at.button(key="bulk_move").click().run()
    assert any("cannot move to 审单; nothing was moved" in e for e in errors(at))
    page_ids = at.multiselect(key="bulk_ids").value
    (placed,) = (
        store.cursor()
        .execute(
            "SELECT count(*) FROM home_ecommerce.orders WHERE status = 'placed' AND list_contains(?, _id)",
            [page_ids],
        )
        .fetchone()
    )
    at.checkbox(key="bulk_report").check()
    at.button(key="bulk_move").click().run()
    assert at.success[-1].value == f"已流转 {placed} 条, 拒绝 {len(page_ids) - placed} 条"
