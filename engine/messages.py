"""Message templates: text with {field} placeholders, filled from one record or, set-based, in SQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from engine.sql import Fragment

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


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
    if isinstance(value, Decimal | float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def render(template: str, record: Mapping[str, Any]) -> str:
    """The template filled from a record; a missing value reads as empty."""
    return PLACEHOLDER.sub(lambda m: _text(record.get(m.group(1))), template)


def render_sql(template: str, column: Callable[[str], str]) -> Fragment:
    """The template as a SQL text expression over a row (same text as `render`)."""
    parts: list[str] = []
    params: list[Any] = []
    last = 0
    for m in PLACEHOLDER.finditer(template):
        parts.append("?")
        params.append(template[last : m.start()])
        parts.append(_sql_text(column(m.group(1))))
        last = m.end()
    parts.append("?")
    params.append(template[last:])
    return Fragment("concat(" + ", ".join(parts) + ")", tuple(params))


def _sql_text(sql: str) -> str:
    return (
        f"coalesce(CASE typeof({sql}) WHEN 'TIMESTAMP' THEN strftime(CAST({sql} AS TIMESTAMP), '%Y-%m-%d %H:%M') "
        f"WHEN 'BOOLEAN' THEN CASE WHEN CAST({sql} AS BOOLEAN) THEN '是' ELSE '否' END "
        f"WHEN 'VARCHAR[]' THEN array_to_string(CAST({sql} AS VARCHAR[]), '、') "
        f"ELSE CASE WHEN typeof({sql}) LIKE 'DECIMAL%' OR typeof({sql}) = 'DOUBLE' "
        f"THEN printf('%.2f', TRY_CAST({sql} AS DOUBLE)) ELSE CAST({sql} AS VARCHAR) END END, '')"
    )
