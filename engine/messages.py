"""Message templates: text with {field} placeholders, filled from one record or, set-based, in SQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
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
from engine.sql import Fragment

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# How a value of each field type reads in a message, as SQL over an expression {0}.
SQL_TEXT: dict[type, str] = {
    DatetimeField: "strftime({0}, '%Y-%m-%d %H:%M')",
    DateField: "strftime({0}, '%Y-%m-%d')",
    MultiSelectField: "array_to_string({0}, '、')",
    BooleanField: "CASE WHEN {0} THEN '是' ELSE '否' END",
    MoneyField: "printf('%.2f', CAST({0} AS DOUBLE))",
    DecimalField: "printf('%.2f', CAST({0} AS DOUBLE))",
    ComputedField: "printf('%.2f', CAST({0} AS DOUBLE))",
}


def placeholders(template: str) -> list[str]:
    """The field names a template reads, in order of appearance."""
    return PLACEHOLDER.findall(template)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal | float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def render(template: str, record: Mapping[str, Any]) -> str:
    """The template filled from a record; a missing value reads as empty."""
    return PLACEHOLDER.sub(lambda m: _text(record.get(m.group(1))), template)


def render_sql(template: str, value: Callable[[str], tuple[Fragment, FieldBase]]) -> Fragment:
    """The template as a SQL text expression over a row (the same text as `render`)."""
    parts: list[str] = []
    params: list[Any] = []
    last = 0
    for m in PLACEHOLDER.finditer(template):
        sql, field = value(m.group(1))
        fmt = next((f for t, f in SQL_TEXT.items() if isinstance(field, t)), "CAST({0} AS VARCHAR)")
        parts += ["?", f"coalesce({fmt.format(sql.sql)}, '')"]
        params += [template[last : m.start()], *sql.params]
        last = m.end()
    parts.append("?")
    params.append(template[last:])
    return Fragment("concat(" + ", ".join(parts) + ")", tuple(params))
