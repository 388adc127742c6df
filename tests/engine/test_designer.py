"""Designer edits are pure document changes; saving them goes through validation and migration."""

from __future__ import annotations

import pytest

from engine.designer import add_field, remove_field, reorder_fields, update_field, with_ids
from engine.errors import AuthoringError, NotFoundError, RefusedError
from engine.records.single import create_record
from engine.schema_load import dump_workspace
from engine.workspaces import get_workspace, save_workspace
from tests.conftest import ADMIN, NOW


def test_add_field_gets_a_stable_id_and_survives_a_rename(store, small_ws) -> None:
    doc = with_ids(dump_workspace(small_ws))
    doc = add_field(
        doc, "orders", {"type": "boolean", "name": "has_custom_parts", "label": "是否含定制件", "help": ""}
    )
    added = doc["tables"][0]["fields"][-1]
    assert added["id"].startswith("f_") and "help" not in added
    save_workspace(store, doc, ADMIN, now=NOW)
    ws = get_workspace(store, "demo")
    row = create_record(store, ws, "orders", {"customer": "甲", "has_custom_parts": "是"}, ADMIN, NOW)
    renamed = update_field(
        with_ids(dump_workspace(ws)),
        "orders",
        added["id"],
        {"name": "custom_parts", "label_en": "Custom parts"},
    )
    save_workspace(store, renamed, ADMIN, now=NOW)
    value = (
        store.cursor()
        .execute("SELECT custom_parts FROM demo.orders WHERE _id = ?", [row["_id"]])
        .fetchone()[0]
    )
    assert value is True


def test_update_field_none_removes_an_attribute(small_ws) -> None:
    doc = with_ids(dump_workspace(small_ws))
    doc = update_field(doc, "orders", "qty", {"minimum": None, "help": "件数"})
    qty = doc["tables"][0]["fields"][3]
    assert "minimum" not in qty and qty["help"] == "件数"


def test_reorder_needs_every_field_once(small_ws) -> None:
    doc = with_ids(dump_workspace(small_ws))
    ids = [f["id"] for f in doc["tables"][0]["fields"]]
    assert [f["id"] for f in reorder_fields(doc, "orders", ids[::-1])["tables"][0]["fields"]] == ids[::-1]
    with pytest.raises(AuthoringError, match="exactly once"):
        reorder_fields(doc, "orders", ids[1:])


def test_remove_field_with_values_is_refused_on_save(store, small_ws) -> None:
    create_record(store, small_ws, "orders", {"customer": "甲", "remarks": "x"}, ADMIN, NOW)
    doc = remove_field(with_ids(dump_workspace(small_ws)), "orders", "remarks")
    with pytest.raises(RefusedError, match="loses 1 values"):
        save_workspace(store, doc, ADMIN, now=NOW)


def test_unknown_type_table_or_field(small_ws) -> None:
    doc = with_ids(dump_workspace(small_ws))
    with pytest.raises(AuthoringError, match="did you mean 'boolean'"):
        add_field(doc, "orders", {"type": "bool", "name": "x", "label": "X"})
    with pytest.raises(NotFoundError, match="did you mean 'orders'"):
        add_field(doc, "order", {"type": "text", "name": "x", "label": "X"})
    with pytest.raises(NotFoundError, match="no field with id 'nope'"):
        update_field(doc, "orders", "nope", {"label": "x"})


def test_type_settings_round_trip(small_ws) -> None:
    from engine.designer import settings_changes, type_settings

    doc = with_ids(dump_workspace(small_ws))
    qty = doc["tables"][0]["fields"][3]
    assert type_settings(qty) == {"unique": False, "minimum": 1}
    changes = settings_changes(qty, {"maximum": 500})
    assert changes["maximum"] == 500 and changes["minimum"] is None
    edited = update_field(doc, "orders", "qty", changes)["tables"][0]["fields"][3]
    assert edited.get("maximum") == 500 and "minimum" not in edited


def test_edited_options_keep_what_the_editor_does_not_show() -> None:
    from engine.designer import merged_options

    current = [
        {"value": "sf", "label": "顺丰", "color": "#ff0000", "label_en": "SF Express"},
        {"value": "zto", "label": "中通", "color": "#00ff00"},
    ]
    edited = [{"value": "zto", "label": "中通快递"}, {"value": "yto", "label": "圆通"}]
    assert merged_options(current, edited) == [
        {"value": "zto", "label": "中通快递", "color": "#00ff00"},
        {"value": "yto", "label": "圆通"},
    ]
    assert merged_options(current, [{"value": o["value"], "label": o["label"]} for o in current]) == current
