"""Field types. Importing this package registers the built-in types and builds the schema union."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from engine.fields.base import Coerced, FieldBase
from engine.fields.choice import BooleanField, MultiSelectField, Option, SingleSelectField
from engine.fields.computed import ComputedField
from engine.fields.contact import EmailField, LinkField, PhoneField
from engine.fields.keys import AutonumberField, LookupField, RelationField
from engine.fields.numbers import DecimalField, IntegerField, MoneyField
from engine.fields.registry import FIELD_TYPES, field_type, register, suggest
from engine.fields.temporal import DateField, DatetimeField
from engine.fields.text import LongTextField, TextField

BUILTIN_TYPES: tuple[type[FieldBase], ...] = (
    TextField,
    LongTextField,
    IntegerField,
    DecimalField,
    MoneyField,
    BooleanField,
    DateField,
    DatetimeField,
    SingleSelectField,
    MultiSelectField,
    PhoneField,
    EmailField,
    LinkField,
    AutonumberField,
    RelationField,
    LookupField,
    ComputedField,
)
for _cls in BUILTIN_TYPES:
    register(_cls)

AnyField = Annotated[Union[tuple(FIELD_TYPES.values())], Field(discriminator="type")]  # noqa: UP007

__all__ = [
    "FIELD_TYPES",
    "AnyField",
    "AutonumberField",
    "BooleanField",
    "Coerced",
    "ComputedField",
    "DateField",
    "DatetimeField",
    "DecimalField",
    "EmailField",
    "FieldBase",
    "IntegerField",
    "LinkField",
    "LongTextField",
    "LookupField",
    "MoneyField",
    "MultiSelectField",
    "Option",
    "PhoneField",
    "RelationField",
    "SingleSelectField",
    "TextField",
    "field_type",
    "register",
    "suggest",
]
