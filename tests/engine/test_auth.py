from __future__ import annotations

import pytest

from engine import auth
from engine.errors import DataError, NotFoundError, RefusedError
from tests.conftest import ADMIN, OPERATOR, count


def test_first_start_creates_one_admin(store) -> None:
    password = auth.ensure_admin(store)
    assert password and len(password) >= 8
    assert auth.ensure_admin(store) is None
    user = auth.authenticate(store, "admin", password)
    assert user.roles == ("admin",)


def test_passwords_are_hashed_with_argon2(store) -> None:
    auth.add_user(store, "li", "s3cret-pass", ["operator"], ADMIN)
    stored = store.cursor().execute("SELECT password_hash FROM _users WHERE username = 'li'").fetchone()[0]
    assert stored.startswith("$argon2") and "s3cret-pass" not in stored


def test_wrong_password_and_unknown_user_look_the_same(store) -> None:
    auth.add_user(store, "li", "s3cret-pass", ["operator"], ADMIN)
    for user, pw in (("li", "nope-nope"), ("nobody", "s3cret-pass")):
        with pytest.raises(RefusedError, match=r"^wrong username or password$"):
            auth.authenticate(store, user, pw)


def test_bad_user_input_is_refused_before_writing(store) -> None:
    with pytest.raises(DataError, match="unknown role"):
        auth.add_user(store, "li", "long-enough", ["boss"], ADMIN)
    with pytest.raises(DataError, match="too short"):
        auth.add_user(store, "li", "short", ["operator"], ADMIN)
    with pytest.raises(DataError, match="not valid"):
        auth.add_user(store, "li li", "long-enough", ["operator"], ADMIN)
    assert count(store, "SELECT count(*) FROM _users") == 0


def test_only_admins_manage_users(store) -> None:
    with pytest.raises(RefusedError, match="admin only"):
        auth.add_user(store, "li", "long-enough", ["operator"], OPERATOR)
    auth.add_user(store, "op1", "long-enough", ["operator"], ADMIN)
    auth.set_password(store, "op1", "another-long", OPERATOR)  # own password
    assert auth.authenticate(store, "op1", "another-long").username == "op1"
    with pytest.raises(RefusedError):
        auth.set_roles(store, "op1", ["admin"], OPERATOR)
    auth.set_roles(store, "op1", ["operator", "finance"], ADMIN)
    assert auth.list_users(store)[0].roles == ("operator", "finance")
    with pytest.raises(NotFoundError):
        auth.set_roles(store, "ghost", ["operator"], ADMIN)


def test_table_permissions_follow_the_schema(home_ws) -> None:
    orders = home_ws.require_table("orders")
    temp = auth.Actor("t", frozenset({"temp_worker"}))
    assert auth.table_actions(temp, orders) == {"read", "update"}
    assert auth.is_hidden(temp, orders.by_name["address"])
    assert auth.is_readonly(temp, orders.by_name["unit_price"])
    assert not auth.is_hidden(ADMIN, orders.by_name["unit_cost"])


def test_may_applies_the_schemas_field_overrides(home_ws) -> None:
    orders = home_ws.require_table("orders")
    temp = auth.Actor("t", frozenset({"temp_worker"}))
    address, price, cost = (orders.by_name[n] for n in ("address", "unit_price", "unit_cost"))
    assert not auth.may(temp, "read", address) and not auth.may(temp, "update", address)  # hidden: neither
    assert auth.may(temp, "read", price) and not auth.may(temp, "update", price)  # read-only for the role
    assert auth.may(ADMIN, "read", cost) and auth.may(ADMIN, "update", cost)
    assert auth.may(temp, "update", orders) and not auth.may(temp, "delete", orders)
    with pytest.raises(KeyError):
        auth.may(temp, "delete", price)  # a field has no delete: a typo fails loudly


@pytest.mark.parametrize("template", ["home_ecommerce", "auto_parts_chain", "hardware_wholesale"])
def test_a_temp_worker_ships_orders_and_reads_no_customer(store, template) -> None:
    from engine.records.single import get_record, update_record
    from engine.workspaces import create_from_template
    from hub.seed import seed_workspace
    from tests.conftest import NOW, TEMP

    ws = create_from_template(store, template, ADMIN, name=f"t_{template}", now=NOW)
    seed_workspace(store, ws, ADMIN, orders=200, days=30, seed=3, now=NOW)
    orders, customers = ws.require_table("orders"), ws.require_table("customers")
    assert auth.table_actions(TEMP, orders) >= {"read", "update"}
    assert auth.table_actions(TEMP, customers) == set()  # every buyer's phone is not theirs to read
    assert auth.table_actions(TEMP, ws.require_table("skus")) == {
        "read"
    }  # they look SKUs up, never change them
    assert auth.is_hidden(TEMP, orders.by_name["phone"])
    (order_id,) = store.cursor().execute(f"SELECT min(_id) FROM {ws.name}.orders").fetchone()
    assert "phone" not in get_record(store, ws, "orders", order_id, TEMP)
    (customer_id, version) = (
        store.cursor()
        .execute(f"SELECT _id, _version FROM {ws.name}.customers ORDER BY _id LIMIT 1")
        .fetchone()
    )
    with pytest.raises(RefusedError):
        get_record(store, ws, "customers", customer_id, TEMP)
    with pytest.raises(RefusedError):
        update_record(store, ws, "customers", customer_id, {"name": "改"}, version, TEMP, NOW)
