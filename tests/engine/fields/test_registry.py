from __future__ import annotations

import typing
from typing import Literal

import pytest

from engine.fields import FIELD_TYPES, AnyField, FieldBase, field_type, register


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


@pytest.mark.parametrize("name", sorted(FIELD_TYPES))
def test_every_stored_type_has_a_duckdb_type(name: str) -> None:
    cls = FIELD_TYPES[name]
    if cls.stored:
        extra = {
            "single_select": {"options": [{"value": "a", "label": "A"}]},
            "multi_select": {"options": [{"value": "a", "label": "A"}]},
            "link": {"url_template": "https://x.example/{value}"},
            "relation": {"table": "t"},
        }.get(name, {})
        field = cls.model_validate({"name": "f", "label": "F", **extra})
        assert field.duckdb_type()
