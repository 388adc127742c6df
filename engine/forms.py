"""The form a given actor sees for a table: which fields, which widget, required, read-only, options.

Pages render these descriptions with a widget registry; they decide nothing about permissions themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from engine.auth import Actor, may, table_actions
from engine.fields import AutonumberField, FieldBase, LinkField, MultiSelectField, SingleSelectField
from engine.schema import Table


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    type: str
    widget: str
    required: bool
    readonly: bool
    help: str
    default: Any
    options: tuple[tuple[str, str], ...]  # (value, label)
    placeholder: str


def label_of(field: FieldBase | Table, lang: str) -> str:
    """The field or table label in the UI language (English falls back to the Chinese label)."""
    return (field.label_en or field.label) if lang == "en" else field.label


def _placeholder(field: FieldBase) -> str:
    if isinstance(field, AutonumberField):
        return f"{field.prefix}{field.date_part or ''}{'0' * (field.digits - 1)}1 (auto)"
    if isinstance(field, LinkField):
        return field.url_template.replace("{value}", "…")
    return ""


def form_fields(table: Table, actor: Actor, lang: str = "zh") -> list[FormField]:
    """The fields of a table's form for this actor, in schema order; hidden fields are left out."""
    out = []
    status = table.flow.field if table.flow else None
    for field in table.fields:
        if not may(actor, "read", field):
            continue
        options: tuple[tuple[str, str], ...] = ()
        if field.has_options:
            options = tuple((o.value, o.label) for o in field.options)  # type: ignore[attr-defined]
        out.append(
            FormField(
                name=field.name,
                label=label_of(field, lang),
                type=field.type,
                widget=field.widget,
                required=field.required and not field.generated,
                readonly=not may(actor, "update", field) or field.name == status,  # moved by transitions only
                help=field.help,
                default=field.default,
                options=options,
                placeholder=_placeholder(field),
            )
        )
    return out


def record_links(table: Table, record: dict[str, Any], lang: str = "zh") -> list[tuple[str, str, str]]:
    """(label, value, url) for each link field of a record that has a value (tracking number → carrier page)."""
    out = []
    for field in table.fields:
        if isinstance(field, LinkField) and record.get(field.name):
            out.append((label_of(field, lang), str(record[field.name]), str(field.url(record[field.name]))))
    return out


def can(actor: Actor, table: Table, action: str) -> bool:
    """Whether the actor may take an action on a table (for showing or hiding buttons)."""
    return action in table_actions(actor, table)


GRID_SYSTEM_COLUMNS = ("_id", "_version", "_updated_at", "_updated_by")


def grid_frame(table: Table, frame: pl.DataFrame, actor: Actor) -> pl.DataFrame:
    """A page of rows for display: fields in schema order, then a few system columns; select values as their
    labels (which the engine accepts back), multi-select tags joined, decimals as floats."""
    columns = []
    for field in table.fields:
        if field.name not in frame.columns or not may(actor, "read", field):
            continue
        col = pl.col(field.name)
        if isinstance(field, SingleSelectField):
            col = col.replace_strict(dict(field.lookup_map_labels()), default=col)
        elif isinstance(field, MultiSelectField):
            col = col.list.eval(
                pl.element().replace_strict(dict(field.lookup_map_labels()), default=pl.element())
            ).list.join("、")
        elif isinstance(frame.schema[field.name], pl.Decimal):
            col = col.cast(pl.Float64)
        columns.append(col.alias(field.name))
    return frame.select(*columns, *(c for c in GRID_SYSTEM_COLUMNS if c in frame.columns))
