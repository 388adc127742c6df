"""Schema versions and migrations on a real DuckDB file: safe changes apply, lossy ones are refused."""

from __future__ import annotations

import copy

import pytest

from engine.errors import AuthoringError, NotFoundError, RefusedError
from engine.records.single import create_record
from engine.workspaces import (
    create_from_template,
    describe_diff,
    get_workspace,
    list_versions,
    rollback,
    save_workspace,
)
from tests.conftest import ADMIN, NOW, OPERATOR, count


def orders_fields(doc):
    return doc["tables"][0]["fields"]


def seed_orders(store, ws, n=3):
    for i in range(n):
        create_record(
            store,
            ws,
            "orders",
            {
                "customer": f"客户{i}",
                "qty": i + 1,
                "price": "10",
                "channel": "淘宝" if i % 2 else "京东",
                "remarks": f"r{i}",
            },
            ADMIN,
            NOW,
        )


def test_create_makes_version_one_and_tables(store, small_ws) -> None:
    assert [v.version for v in list_versions(store, "demo")] == [1]
    assert count(store, "SELECT count(*) FROM demo.orders") == 0
    with pytest.raises(AuthoringError, match="already exists"):
        from engine.workspaces import create_workspace

        create_workspace(store, small_ws, ADMIN)


def test_reserved_workspace_name(store, small_doc) -> None:
    from engine.workspaces import create_workspace

    small_doc["name"] = "main"
    with pytest.raises(AuthoringError, match="reserved"):
        create_workspace(store, small_doc, ADMIN)


def test_add_field_relabel_add_option_apply_in_place(store, small_ws, small_doc) -> None:
    seed_orders(store, small_ws)
    doc = copy.deepcopy(small_doc)
    orders_fields(doc).append({"type": "boolean", "name": "has_custom_parts", "label": "是否含定制件"})
    orders_fields(doc)[1]["label"] = "客户名称"
    orders_fields(doc)[7]["options"].append({"value": "douyin", "label": "抖音"})
    assert save_workspace(store, doc, ADMIN, now=NOW) == 2
    ws = get_workspace(store, "demo")
    assert ws.require_table("orders").field("has_custom_parts") is not None
    assert count(store, "SELECT count(*) FROM demo.orders WHERE has_custom_parts IS NULL") == 3
    assert "+ orders.has_custom_parts boolean (是否含定制件)" in describe_diff(store, "demo", 1, 2)


def test_widen_integer_to_decimal_keeps_values(store, small_ws, small_doc) -> None:
    seed_orders(store, small_ws)
    orders_fields(small_doc)[3] = {"type": "decimal", "name": "qty", "label": "数量", "scale": 3}
    save_workspace(store, small_doc, ADMIN, now=NOW)
    assert store.cursor().execute("SELECT sum(qty) FROM demo.orders").fetchone()[0] == 6


def test_drop_field_with_values_is_refused_with_count_and_sample(store, small_ws, small_doc) -> None:
    seed_orders(store, small_ws)
    del orders_fields(small_doc)[10]  # remarks
    with pytest.raises(RefusedError) as info:
        save_workspace(store, small_doc, ADMIN, now=NOW)
    assert info.value.affected_rows == 3
    assert info.value.sample == ["r0", "r1", "r2"]
    assert "dropping 备注 (remarks) loses 3 values" in str(info.value)
    assert [v.version for v in list_versions(store, "demo")] == [1]
    assert count(store, "SELECT count(remarks) FROM demo.orders") == 3


def test_forced_drop_archives_values(store, small_ws, small_doc) -> None:
    seed_orders(store, small_ws)
    del orders_fields(small_doc)[10]
    save_workspace(store, small_doc, ADMIN, force=True, now=NOW)
    archived = (
        store.cursor().execute("SELECT field, value FROM _archived_values ORDER BY record_id").fetchall()
    )
    assert archived == [("remarks", "r0"), ("remarks", "r1"), ("remarks", "r2")]
    columns = [r[0] for r in store.cursor().execute("DESCRIBE demo.orders").fetchall()]
    assert "remarks" not in columns


def test_removing_an_option_in_use_is_refused(store, small_ws, small_doc) -> None:
    seed_orders(store, small_ws)
    orders_fields(small_doc)[7]["options"] = [{"value": "taobao", "label": "淘宝"}]
    with pytest.raises(RefusedError) as info:
        save_workspace(store, small_doc, ADMIN, now=NOW)
    assert info.value.affected_rows == 2
    assert info.value.sample == ["jd", "jd"]


def test_narrowing_text_to_integer_converts_when_values_fit(store, small_ws, small_doc) -> None:
    create_record(store, small_ws, "orders", {"customer": "a", "remarks": "1,200"}, ADMIN, NOW)
    orders_fields(small_doc)[10] = {"type": "integer", "name": "remarks", "label": "备注"}
    save_workspace(store, small_doc, ADMIN, now=NOW)
    assert store.cursor().execute("SELECT remarks FROM demo.orders").fetchone()[0] == 1200
    # the unique index on the business key survives the table rebuild
    with pytest.raises(Exception, match=r"(?i)duplicate|constraint"):
        store.cursor().execute(
            "INSERT INTO demo.orders (_id, _version, _created_at, _created_by, _updated_at, _updated_by, _source, order_no) SELECT 99, 1, now(), 'x', now(), 'x', 't', order_no FROM demo.orders"
        )


def test_narrowing_that_does_not_fit_is_refused_then_forced(store, small_ws, small_doc) -> None:
    seed_orders(store, small_ws)
    orders_fields(small_doc)[10] = {"type": "integer", "name": "remarks", "label": "备注"}
    with pytest.raises(RefusedError, match="3 existing values of 备注"):
        save_workspace(store, small_doc, ADMIN, now=NOW)
    save_workspace(store, small_doc, ADMIN, force=True, now=NOW)
    assert count(store, "SELECT count(*) FROM _archived_values WHERE field = 'remarks'") == 3
    assert count(store, "SELECT count(remarks) FROM demo.orders") == 0


def test_rename_keeps_values_by_stable_id(store, small_ws) -> None:
    seed_orders(store, small_ws)
    doc = get_workspace(store, "demo").model_dump(by_alias=True)
    doc["tables"][0]["fields"][10]["name"] = "note"
    save_workspace(store, doc, ADMIN, now=NOW)
    assert store.cursor().execute("SELECT note FROM demo.orders ORDER BY _id").fetchall() == [
        ("r0",),
        ("r1",),
        ("r2",),
    ]


def test_making_a_field_unique_with_duplicates_is_blocked(store, small_ws, small_doc) -> None:
    for _ in range(2):
        create_record(store, small_ws, "orders", {"customer": "same"}, ADMIN, NOW)
    orders_fields(small_doc)[1]["unique"] = True
    with pytest.raises(AuthoringError, match="cannot make 'customer' unique"):
        save_workspace(store, small_doc, ADMIN, force=True, now=NOW)


def test_rollback_to_an_earlier_version(store, small_ws, small_doc) -> None:
    doc = copy.deepcopy(small_doc)
    orders_fields(doc).append({"type": "boolean", "name": "flag", "label": "标记"})
    save_workspace(store, doc, ADMIN, now=NOW)
    assert rollback(store, "demo", 1, ADMIN, now=NOW) == 3
    assert get_workspace(store, "demo").require_table("orders").field("flag") is None
    assert list_versions(store, "demo")[0].note == "rollback to v1"


def test_failed_save_leaves_schema_and_data_untouched(store, small_ws, small_doc) -> None:
    seed_orders(store, small_ws)
    del orders_fields(small_doc)[10]
    orders_fields(small_doc).append({"type": "boolean", "name": "flag", "label": "标记"})
    with pytest.raises(RefusedError):
        save_workspace(store, small_doc, ADMIN, now=NOW)
    columns = [r[0] for r in store.cursor().execute("DESCRIBE demo.orders").fetchall()]
    assert "flag" not in columns and "remarks" in columns


def test_only_builders_change_schemas(store, small_ws, small_doc) -> None:
    with pytest.raises(RefusedError, match="may not change the workspace schema"):
        save_workspace(store, small_doc, OPERATOR)


def test_unknown_workspace_and_template(store) -> None:
    with pytest.raises(NotFoundError, match="no workspace 'nope'"):
        get_workspace(store, "nope")
    with pytest.raises(NotFoundError, match="did you mean 'home_ecommerce'"):
        create_from_template(store, "home_ecomerce", ADMIN)


@pytest.mark.parametrize("template", ["auto_parts_chain", "hardware_wholesale", "home_ecommerce"])
def test_every_template_creates_its_tables(store, template) -> None:
    ws = create_from_template(store, template, ADMIN, now=NOW)
    for table in ws.tables:
        assert count(store, f'SELECT count(*) FROM "{ws.name}"."{table.name}"') == 0


def test_a_constraint_the_engine_missed_becomes_a_data_error(store, small_ws) -> None:
    from engine.errors import DataError

    create_record(store, small_ws, "orders", {"customer": "甲", "order_no": "X1"}, ADMIN, NOW)
    with pytest.raises(DataError, match="nothing was saved"), store.transaction() as cur:
        cur.execute(
            "INSERT INTO demo.orders (_id, _version, _created_at, _created_by, _updated_at, _updated_by, _source, order_no) "
            "VALUES (99, 1, now(), 'x', now(), 'x', 't', 'X1')"
        )
    assert count(store, "SELECT count(*) FROM demo.orders") == 1
