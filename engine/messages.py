"""Message templates: text with {field} placeholders, filled set-based in SQL from the fields of each row."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from engine.fields import (
    BooleanField,
    ComputedField,
    DateField,
    DatetimeField,
    DecimalField,
    FieldBase,
    MoneyField,
    MultiSelectField,
)
from engine.storage.sql import Fragment

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# How a value of each field type reads in a message, as SQL over an expression {0}.
SQL_TEXT: dict[type, str] = {
    DatetimeField: "strftime({0}, '%Y-%m-%d %H:%M')",
    DateField: "strftime({0}, '%Y-%m-%d')",
    MultiSelectField: "array_to_string({0}, '、')",
    BooleanField: "CASE WHEN {0} THEN '是' WHEN NOT {0} THEN '否' END",
    MoneyField: "printf('%.2f', CAST({0} AS DOUBLE))",
    DecimalField: "printf('%.2f', CAST({0} AS DOUBLE))",
    ComputedField: "printf('%.2f', CAST({0} AS DOUBLE))",
}


def placeholders(template: str) -> list[str]:
    """The field names a template reads, in order of appearance."""
    return PLACEHOLDER.findall(template)


def render_sql(template: str, value: Callable[[str], tuple[Fragment, FieldBase]]) -> Fragment:
    """The template as a SQL text expression over a row (the same text as `render`)."""
    parts: list[str] = []
    params: list[Any] = []
    last = 0
    for m in PLACEHOLDER.finditer(template):
        sql, field = value(m.group(1))
        parts.append("?")
        params.append(template[last : m.start()])
        if field is not None and field.has_options and field.options:  # type: ignore[attr-defined]
            # People read an option's label (顺丰速运), not its stored value (sf).
            cases = " ".join("WHEN ? THEN ?" for _ in field.options)
            labels = [x for o in field.options for x in (o.value, o.label)]
            if field.is_kind("list"):
                parts.append(
                    f"coalesce(array_to_string(list_transform({sql.sql}, v -> CASE v {cases} ELSE v END), '、'), '')"
                )
                params += [*sql.params, *labels]
            else:
                parts.append(f"coalesce(CASE {sql.sql} {cases} ELSE CAST({sql.sql} AS VARCHAR) END, '')")
                params += [*sql.params, *labels, *sql.params]
        else:
            fmt = next((f for t, f in SQL_TEXT.items() if isinstance(field, t)), "CAST({0} AS VARCHAR)")
            parts.append(f"coalesce({fmt.format(sql.sql)}, '')")
            params += list(sql.params)
        last = m.end()
    parts.append("?")
    params.append(template[last:])
    return Fragment("concat(" + ", ".join(parts) + ")", tuple(params))
