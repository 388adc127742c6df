"""Evaluate a condition for one stored record: the record and the rule's time literals in the form the
evaluator compares (local ISO text), so the result matches the compiled SQL."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from engine.clock import DEFAULT_TZ
from engine.conditions.evaluate import evaluate
from engine.conditions.extensions import evaluate_at, iso, local_time
from engine.conditions.jsvalues import truthy
from engine.fields import DateField, DatetimeField
from engine.schema import Table

TIME_OPS = frozenset({"<", "<=", ">", ">=", "==", "===", "!=", "!==", "hours_since", "days_between"})


def record_json(table: Table, record: dict[str, Any]) -> dict[str, Any]:
    """A stored record as JSON values: decimals as numbers, dates and times as local ISO text."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        if isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, datetime):
            value = iso(value)
        elif isinstance(value, date):
            value = iso(datetime.combine(value, time()))
        out[name] = value
    return out


def _is_time_var(node: Any, table: Table) -> bool:
    if isinstance(node, dict) and set(node) == {"var"}:
        name = node["var"][0] if isinstance(node["var"], list) else node["var"]
        field = table.field(name) if isinstance(name, str) else None
        return isinstance(field, DateField | DatetimeField)
    return isinstance(node, dict) and set(node) <= {"now"}


def prepare_rule(rule: Any, table: Table, tz: str = DEFAULT_TZ) -> Any:
    """The rule with every time literal next to a time operand rewritten as local ISO text."""
    if isinstance(rule, list):
        return [prepare_rule(r, table, tz) for r in rule]
    if not (isinstance(rule, dict) and len(rule) == 1):
        return rule
    ((op, args),) = rule.items()
    items = [prepare_rule(a, table, tz) for a in (args if isinstance(args, list) else [args])]
    if op in TIME_OPS and (
        op in ("hours_since", "days_between") or any(_is_time_var(i, table) for i in items)
    ):
        items = [_as_iso(i, tz) for i in items]
    return {op: items}


def _as_iso(node: Any, tz: str) -> Any:
    moment = local_time(node, tz) if isinstance(node, str) else None
    return iso(moment) if moment is not None else node


def evaluate_condition(
    rule: Any, table: Table, record: dict[str, Any], now: datetime | None = None, tz: str = DEFAULT_TZ
) -> bool:
    """Whether a stored record meets a condition (the same answer as the compiled SQL)."""
    prepared, data = prepare_rule(rule, table, tz), record_json(table, record)
    return truthy(evaluate_at(prepared, data, now) if now is not None else evaluate(prepared, data))
