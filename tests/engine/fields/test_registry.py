from __future__ import annotations

import typing
from typing import Literal

import pytest

from engine.fields import FIELD_TYPES, AnyField, FieldBase, field_type, register
from engine.storage.migrate import column_type


def test_registry_and_schema_union_list_the_same_types() -> None:
    union = typing.get_args(typing.get_args(AnyField)[0])
    assert {cls.model_fields["type"].default for cls in union} == set(FIELD_TYPES)


def test_duplicate_registration_is_loud() -> None:
    class Another(FieldBase):
        type: Literal["text"] = "text"

    with pytest.raises(ValueError, match="registered twice"):
        register(Another)


def test_unknown_type_lookup_suggests_the_closest() -> None:
    with pytest.raises(KeyError, match="did you mean 'datetime'"):
        field_type("datetme")


# What each stored type is kept in (the DDL storage emits from the type's polars dtype).
COLUMNS = {
    "text": "VARCHAR", "long_text": "VARCHAR", "integer": "BIGINT", "decimal": "DECIMAL(18,4)",
    "money": "DECIMAL(18,2)", "boolean": "BOOLEAN", "date": "DATE", "datetime": "TIMESTAMP",
    "single_select": "VARCHAR", "multi_select": "VARCHAR[]", "phone": "VARCHAR", "email": "VARCHAR",
    "link": "VARCHAR", "autonumber": "VARCHAR", "relation": "VARCHAR",
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(FIELD_TYPES))
def test_every_stored_type_has_a_column_type(name: str) -> None:
    cls = FIELD_TYPES[name]
    if cls.stored:
        extra = {
            "single_select": {"options": [{"value": "a", "label": "A"}]},
            "multi_select": {"options": [{"value": "a", "label": "A"}]},
            "link": {"url_template": "https://x.example/{value}"},
            "relation": {"table": "t"},
        }.get(name, {})
        field = cls.model_validate({"name": "f", "label": "F", **extra})
        assert column_type(field) == COLUMNS[name]
