"""The Records page for the people who use it: the grid leads with the order number and its state (a phone
shows the first columns only), a temporary worker ships through a short form of what the move asks, sees
why other moves are not theirs in words, gets a confirmation, and has no edit form."""

from __future__ import annotations

from engine import auth, workspaces
from engine.flow.moves import transition
from engine.records.single import get_record
from pages._ui import get_store
from tests.pages.conftest import signed_in


def _picking_order(store) -> tuple[int, str]:
    ws = workspaces.get_workspace(store, "home_ecommerce")
    rid, order_no, version = (
        store.cursor()
        .execute(
            "SELECT _id, order_no, _version FROM home_ecommerce.orders WHERE status = 'reviewed' LIMIT 1"
        )
        .fetchone()
    )
    transition(store, ws, "orders", rid, "picking", version, auth.SYSTEM, values={"warehouse": "east"})
    return rid, order_no


def test_the_grid_leads_with_the_number_and_the_state(app_env) -> None:
    at = signed_in()
    at.switch_page("pages/records.py").run()
    grid = at.dataframe[0].proto
    assert list(grid.column_order)[:3] == ["_open", "order_no", "status"]


def test_a_temporary_worker_ships_through_a_short_form(app_env) -> None:
    store = get_store()
    rid, order_no = _picking_order(store)
    auth.add_user(store, "temp9", "temp-pass-123", ["temp_worker"], auth.SYSTEM)
    at = signed_in("temp9", "temp-pass-123")
    at.switch_page("pages/records.py").run()
    at.text_input(key="search_orders").set_value(order_no).run()
    assert not at.exception
    assert "phone" not in at.dataframe[0].value.columns  # customers' phones are not a temporary worker's
    keys = [w.key or "" for w in [*at.text_input, *at.selectbox, *at.number_input]]
    assert not [k for k in keys if k.startswith("edit_")]  # no 30-field edit form
    asked = [w.label for w in [*at.text_input, *at.selectbox] if (w.key or "").startswith("move")]
    assert sorted(asked) == ["承运商", "运单号"]
    # The moves a temporary worker may not make say so in words under the button.
    assert any(c.value == "只有客服/运营、经理可以取消订单" for c in at.caption)
    carrier = next(w for w in at.selectbox if w.key and w.key.startswith("move") and w.label == "承运商")
    carrier.set_value("sf")
    next(w for w in at.text_input if w.label == "运单号").set_value("SF1234567890")
    next(b for b in at.button if b.label.startswith("→ 出库")).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [f"{order_no} 已出库，现为「出库」"]
    ws = workspaces.get_workspace(store, "home_ecommerce")
    row = get_record(store, ws, "orders", rid, auth.SYSTEM)
    assert (
        row["status"] == "shipped" and row["tracking_no"] == "SF1234567890" and row["_updated_by"] == "temp9"
    )


def test_undo_my_last_change_from_the_record(app_env) -> None:
    store = get_store()
    ws = workspaces.get_workspace(store, "home_ecommerce")
    at = signed_in()
    at.switch_page("pages/records.py").run()
    rid = at.selectbox(key="detail_pick").value
    before = get_record(store, ws, "orders", rid, auth.SYSTEM)["remarks"]
    at.text_area(key=f"edit_{rid}_remarks").set_value("客户要求周末送货")
    next(b for b in at.button if b.label == "保存").click().run()
    assert get_record(store, ws, "orders", rid, auth.SYSTEM)["remarks"] == "客户要求周末送货"
    undo = next(b for b in at.button if b.label == "↶ 撤销我上一次的修改")
    shown = before if before else "(空)"
    assert any(c.value == f"撤销将改回：备注: 客户要求周末送货 → {shown}" for c in at.caption)
    undo.click().run()
    assert not at.error, [e.value for e in at.error]
    assert get_record(store, ws, "orders", rid, auth.SYSTEM)["remarks"] == before
    assert at.success[0].value.startswith("已撤销")
