"""The field-type registry: type name → class. Built-in types register the way a plugin would."""

from __future__ import annotations

import difflib

from engine.fields.base import FieldBase
from engine.registry import Registry

FIELD_TYPES: Registry[type[FieldBase]] = Registry("field type")


def register(cls: type[FieldBase]) -> type[FieldBase]:
    """Add a field type; a second type with the same name is an error."""
    name = cls.model_fields["type"].default
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__name__} has no default for its 'type' literal")
    return FIELD_TYPES.add(name, cls)


def suggest(name: str, known: list[str]) -> str:
    """' — did you mean X?' for the closest known name, or ''."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" — did you mean {close[0]!r}?" if close else ""


def field_type(name: str) -> type[FieldBase]:
    """Look up a type by name; the error lists the known types and the closest one."""
    try:
        return FIELD_TYPES[name]
    except KeyError:
        known = sorted(FIELD_TYPES)
        raise KeyError(
            f"unknown field type {name!r}{suggest(name, known)} (known: {', '.join(known)})"
        ) from None
