"""Flow designer edits: the 质检 state between 打包 and 出库, and the checks that find broken flows."""

from __future__ import annotations

import pytest

from engine.errors import AuthoringError, RefusedError
from engine.flow.design import (
    add_state,
    add_transition,
    flow_problems,
    insert_state_between,
    remove_state,
    update_state,
    update_transition,
)
from engine.flow.moves import moves, transition
from engine.records.single import create_record
from engine.schema import Workspace
from engine.schema_load import parse_workspace
from engine.workspaces import create_from_template, get_workspace, load_template, save_workspace
from tests.conftest import ADMIN, NOW, OPERATOR, WAREHOUSE

QC = {"name": "qc", "label": "质检", "color": "#8e44ad", "category": "open", "sla_hours": 2}


def _orders_flow(doc):
    return next(t for t in doc["tables"] if t["name"] == "orders")["flow"]


def test_quality_check_between_packing_and_shipping_is_enforced(store) -> None:
    ws = create_from_template(store, "auto_parts_chain", ADMIN, now=NOW)
    doc = ws.model_dump(by_alias=True, exclude_none=True)
    doc = insert_state_between(doc, "orders", "packed", "shipped", QC)
    flow = _orders_flow(doc)
    into_qc = next(i for i, tr in enumerate(flow["transitions"]) if tr["to"] == "qc")
    doc = update_transition(
        doc,
        "orders",
        into_qc,
        {"roles": ["warehouse"], "require_fields": ["remarks"], "guard": {">": [{"var": "qty"}, 0]}},
    )
    save_workspace(store, doc, ADMIN, NOW)
    ws = get_workspace(store, ws.name)
    assert flow_problems(ws.require_table("orders").flow) == []
    create_record(store, ws, "skus", {"sku_code": "BP-1001", "name": "刹车片", "stock": 50}, ADMIN, NOW)
    order = create_record(
        store,
        ws,
        "orders",
        {
            "channel": "pos",
            "customer_name": "李",
            "phone": "13800138000",
            "sku": "BP-1001",
            "qty": 2,
            "unit_price": "260",
            "ordered_at": NOW,
            "warehouse": "east",
        },
        ADMIN,
        NOW,
    )
    manager = OPERATOR.__class__("m", frozenset({"manager"}))
    for to, version in (("reviewed", 1), ("allocated", 2), ("packed", 3)):
        transition(store, ws, "orders", order["_id"], to, version, manager, NOW)
    # 打包 no longer goes straight to 出库.
    assert {m.to for m in moves(store, ws, "orders", order["_id"], WAREHOUSE, NOW)} == {"qc"}
    with pytest.raises(RefusedError, match=r"no transition from \S+ to "):
        transition(
            store,
            ws,
            "orders",
            order["_id"],
            "shipped",
            4,
            WAREHOUSE,
            NOW,
            values={"carrier": "sf", "tracking_no": "SF1"},
        )
    with pytest.raises(RefusedError, match="only warehouse may 质检"):
        transition(store, ws, "orders", order["_id"], "qc", 4, OPERATOR, NOW, values={"remarks": "ok"})
    with pytest.raises(RefusedError, match=r"\(remarks\) is required to enter 质检"):
        transition(store, ws, "orders", order["_id"], "qc", 4, WAREHOUSE, NOW)
    row = transition(
        store, ws, "orders", order["_id"], "qc", 4, WAREHOUSE, NOW, values={"remarks": "外观无损"}
    )
    assert row["status"] == "qc"
    # The onward move keeps what shipping needed: carrier and tracking number.
    with pytest.raises(RefusedError, match="tracking_no"):
        transition(store, ws, "orders", order["_id"], "shipped", 5, WAREHOUSE, NOW)
    row = transition(
        store,
        ws,
        "orders",
        order["_id"],
        "shipped",
        5,
        WAREHOUSE,
        NOW,
        values={"carrier": "sf", "tracking_no": "SF1"},
    )
    assert row["status"] == "shipped" and row["shipped_at"] == NOW


def test_checks_find_unreachable_states_and_dead_ends() -> None:
    doc = load_template("home_ecommerce")
    doc = add_state(doc, "orders", {"name": "lost", "label": "丢件", "category": "open"})
    # The designer shows these as the draft is edited; a workspace that still has them is refused at load.
    problems = flow_problems(Workspace.model_validate(doc).require_table("orders").flow)
    assert "丢件 (lost) cannot be reached from placed" in problems
    assert any("丢件 (lost) is a dead end" in p for p in problems)
    with pytest.raises(AuthoringError, match=r"丢件 \(lost\) cannot be reached from placed"):
        parse_workspace(doc)
    doc = add_transition(doc, "orders", "shipped", "lost", "标记丢件")
    doc = update_state(doc, "orders", "lost", {"category": "cancelled", "label": "已丢件"})
    ws = parse_workspace(doc)
    assert flow_problems(ws.require_table("orders").flow) == []
    status = ws.require_table("orders").by_name["status"]
    assert ("lost", "已丢件") in [(o.value, o.label) for o in status.options]


def test_removing_states_and_bad_edits() -> None:
    doc = load_template("home_ecommerce")
    with pytest.raises(AuthoringError, match="initial state"):
        remove_state(doc, "orders", "placed")
    doc = remove_state(doc, "orders", "after_sale")
    ws = parse_workspace(doc)  # still a valid workspace: options and transitions followed
    assert all(
        tr.to != "after_sale" and "after_sale" not in tr.from_
        for tr in ws.require_table("orders").flow.transitions
    )
    with pytest.raises(AuthoringError, match="exists already"):
        add_transition(doc, "orders", "placed", "reviewed")


def test_a_state_without_an_identifier_gets_one_from_its_label() -> None:
    from engine.flow.design import add_state, insert_state_between
    from engine.workspaces import load_template

    doc = load_template("home_ecommerce")
    out = insert_state_between(doc, "orders", "picking", "shipped", {"name": "", "label": "质检"})
    flow = next(t for t in out["tables"] if t["name"] == "orders")["flow"]
    assert "zhi_jian" in [s["name"] for s in flow["states"]]
    assert any(tr["from"] == ["zhi_jian"] and tr["to"] == "shipped" for tr in flow["transitions"])
    again = add_state(out, "orders", {"name": " ", "label": "质检", "category": "doing"})
    names = [s["name"] for s in next(t for t in again["tables"] if t["name"] == "orders")["flow"]["states"]]
    assert "zhi_jian_2" in names
