"""Alert rule edits on the workspace document."""

from __future__ import annotations

import pytest

from engine.rule_design import escalation_steps, remove_rule, upsert_rule
from engine.schema_load import parse_workspace
from engine.workspaces import load_template


def test_rules_are_added_replaced_and_removed() -> None:
    doc = load_template("home_ecommerce")
    steps = escalation_steps(
        [
            {"after_minutes": 60, "level": "red", "roles": "manager", "channels": ""},
            {"after_minutes": 15, "level": None, "roles": ["warehouse"], "users": "wang, li"},
            {"after_minutes": None},
        ]
    )
    assert steps == [
        {"after_minutes": 15.0, "roles": ["warehouse"], "users": ["wang", "li"]},
        {"after_minutes": 60.0, "level": "red", "roles": ["manager"]},
    ]
    rule = {
        "name": "big_orders",
        "label": "大额订单",
        "table": "orders",
        "condition": {">": [{"var": "qty"}, 100]},
        "level": "info",
        "message": "订单 {order_no} 数量 {qty}",
        "roles": ["manager"],
        "escalation": steps,
        "renotify_minutes": None,
    }
    doc = upsert_rule(doc, rule)
    ws = parse_workspace(doc)
    assert ws.rule("big_orders").escalation[1].level == "red"
    doc = upsert_rule(doc, rule | {"level": "red"})
    assert [r["level"] for r in doc["rules"] if r["name"] == "big_orders"] == ["red"]
    doc = remove_rule(doc, "big_orders")
    assert "big_orders" not in [r["name"] for r in doc["rules"]]
    with pytest.raises(Exception, match="no alert rule"):
        remove_rule(doc, "big_orders")


def test_escalation_minutes_that_are_not_a_number_are_refused_by_name():
    import pytest

    from engine.errors import AuthoringError
    from engine.rule_design import escalation_steps

    assert escalation_steps([{"after_minutes": "30"}, {"after_minutes": 10.0}]) == [
        {"after_minutes": 10.0},
        {"after_minutes": 30.0},
    ]
    with pytest.raises(AuthoringError) as err:
        escalation_steps([{"after_minutes": 10}, {"after_minutes": "半小时"}])
    assert err.value.text == ("escalation_minutes_bad", {"step": 2, "value": "半小时"})
    with pytest.raises(AuthoringError):
        escalation_steps([{"after_minutes": -5}])
