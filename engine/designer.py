"""Edits a builder makes in the Table designer, as pure functions over the workspace document.

Each returns a new document; nothing is saved until workspaces.save_workspace validates and migrates it.
Field ids are generated once and never change, so renames stay renames.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from engine.errors import AuthoringError, NotFoundError
from engine.fields import FIELD_TYPES, suggest
from engine.identifiers import identifier_from_label

Doc = dict[str, Any]


def _table(doc: Doc, table: str) -> Doc:
    for t in doc["tables"]:
        if t["name"] == table:
            return t
    known = [t["name"] for t in doc["tables"]]
    raise NotFoundError(f"no table {table!r}{suggest(table, known)}")


def _field_index(table: Doc, field_id: str) -> int:
    for i, f in enumerate(table["fields"]):
        if f.get("id", f["name"]) == field_id:
            return i
    raise NotFoundError(f"table {table['name']!r} has no field with id {field_id!r}")


def new_field_id() -> str:
    """A fresh stable field id."""
    return "f_" + secrets.token_hex(4)


def add_field(doc: Doc, table: str, field: Doc) -> Doc:
    """Append a field (given a fresh id, and an identifier from its label when it has none) to a table."""
    if field.get("type") not in FIELD_TYPES:
        raise AuthoringError(
            f"type: unknown type {field.get('type')!r}{suggest(str(field.get('type')), list(FIELD_TYPES))}"
        )
    out = copy.deepcopy(doc)
    fields = _table(out, table)["fields"]
    field = dict(field)
    if not str(field.get("name") or "").strip():
        # No identifier typed: one is made from the label (是否含定制件 → shi_fou_han_ding_zhi_jian).
        field["name"] = identifier_from_label(str(field.get("label", "")), {f["name"] for f in fields})
    fields.append({"id": new_field_id(), **{k: v for k, v in field.items() if v not in (None, "", [])}})
    return out


def update_field(doc: Doc, table: str, field_id: str, changes: Doc) -> Doc:
    """Change attributes of one field; None removes an attribute (back to its default)."""
    out = copy.deepcopy(doc)
    t = _table(out, table)
    i = _field_index(t, field_id)
    field = {**t["fields"][i], "id": field_id}
    for key, value in changes.items():
        if value is None:
            field.pop(key, None)
        else:
            field[key] = value
    t["fields"][i] = field
    return out


def remove_field(doc: Doc, table: str, field_id: str) -> Doc:
    """Remove a field (saving refuses it while it holds values, unless forced)."""
    out = copy.deepcopy(doc)
    t = _table(out, table)
    del t["fields"][_field_index(t, field_id)]
    return out


def reorder_fields(doc: Doc, table: str, field_ids: list[str]) -> Doc:
    """Put a table's fields in the given order of ids (every id exactly once)."""
    out = copy.deepcopy(doc)
    t = _table(out, table)
    by_id = {f.get("id", f["name"]): f for f in t["fields"]}
    if sorted(by_id) != sorted(field_ids):
        raise AuthoringError(f"reorder needs every field of {table!r} exactly once")
    t["fields"] = [by_id[i] for i in field_ids]
    return out


def with_ids(doc: Doc) -> Doc:
    """The document with every field's id written out (ids default to the name)."""
    out = copy.deepcopy(doc)
    for t in out["tables"]:
        for f in t["fields"]:
            f.setdefault("id", f["name"])
    return out


COMMON_KEYS = frozenset(
    {"id", "type", "name", "label", "label_en", "help", "required", "hidden_for", "readonly_for", "options"}
)


def type_settings(field: Doc) -> Doc:
    """A field's type-specific settings (min/max, lengths, pattern, URL template, prefix…) for editing as JSON."""
    return {k: v for k, v in field.items() if k not in COMMON_KEYS}


def settings_changes(field: Doc, edited: Doc) -> Doc:
    """Changes that turn a field's type-specific settings into `edited` (removed keys map to None)."""
    current = type_settings(field)
    return {**{k: None for k in current if k not in edited}, **edited}


def merged_options(current: list[Doc], edited: list[Doc]) -> list[Doc]:
    """Options as edited (value and label, in the new order), each keeping what the editor does not show of
    the option with the same value (its colour, its English label): saving unchanged changes nothing."""
    by_value = {o["value"]: o for o in current}
    return [by_value.get(o["value"], {}) | o for o in edited]
