"""Evaluate a condition for one stored record: the record and the rule's time literals in the form the
evaluator compares (local ISO text), so the result matches the compiled SQL. A relation path such as
customer.level reads the related row the caller loaded under '@customer' (see conditions.context)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from engine.clock import DEFAULT_TZ
from engine.conditions.evaluate import evaluate
from engine.conditions.extensions import CHANGES, STATUS_SINCE, evaluate_at, iso, local_time
from engine.conditions.jsvalues import truthy
from engine.expressions import evaluate_expression, sql_round
from engine.fields import ComputedField, DateField, DatetimeField, FieldBase, LookupField, RelationField
from engine.schema import Table, Workspace

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


def relation_head(table: Table, name: Any) -> str | None:
    """The relation field a dotted var follows ('customer' for customer.level), or None."""
    if not isinstance(name, str) or "." not in name or table.field(name) is not None:
        return None
    head = name.split(".", 1)[0]
    return head if isinstance(table.field(head), RelationField) else None


def var_field(table: Table, ws: Workspace | None, name: Any) -> FieldBase | None:
    """The field a var reads: of this table, or of a related one through a relation path or lookup."""
    if not isinstance(name, str):
        return None
    field = table.field(name)
    if isinstance(field, LookupField):
        name = f"{field.relation}.{field.field}"
        field = None
    head = relation_head(table, name)
    if field is None and head and ws is not None:
        relation = table.field(head)
        assert isinstance(relation, RelationField)
        target = ws.table(relation.table)
        return target.field(name.split(".", 1)[1]) if target else None
    return field


def _var_name(node: Any) -> Any:
    return node["var"][0] if isinstance(node["var"], list) and node["var"] else node["var"]


def _is_time_var(node: Any, table: Table, ws: Workspace | None) -> bool:
    if isinstance(node, dict) and set(node) == {"var"}:
        return isinstance(var_field(table, ws, _var_name(node)), DateField | DatetimeField)
    return isinstance(node, dict) and set(node) <= {"now"}


def prepare_rule(rule: Any, table: Table, tz: str = DEFAULT_TZ, ws: Workspace | None = None) -> Any:
    """The rule with time literals next to a time operand as local ISO text, and relation paths under '@'."""
    if isinstance(rule, list):
        return [prepare_rule(r, table, tz, ws) for r in rule]
    if not (isinstance(rule, dict) and len(rule) == 1):
        return rule
    ((op, args),) = rule.items()
    if op == "var" and relation_head(table, _var_name(rule)):
        return {"var": "@" + _var_name(rule)}
    if op == "var" and isinstance(lookup := table.field(_var_name(rule)), LookupField):
        return {"var": f"@{lookup.relation}.{lookup.field}"}
    items = [prepare_rule(a, table, tz, ws) for a in (args if isinstance(args, list) else [args])]
    if op in TIME_OPS and (
        op in ("hours_since", "days_between") or any(_is_time_var(i, table, ws) for i in rule_items(rule))
    ):
        items = [_as_iso(i, tz) for i in items]
    return {op: items}


def rule_items(rule: dict[str, Any]) -> list[Any]:
    """The arguments of a one-operator rule as a list."""
    ((_, args),) = rule.items()
    return args if isinstance(args, list) else [args]


def _as_iso(node: Any, tz: str) -> Any:
    moment = local_time(node, tz) if isinstance(node, str) else None
    return iso(moment) if moment is not None else node


def with_computed(table: Table, record: dict[str, Any]) -> dict[str, Any]:
    """The record with its computed fields worked out (as the query does) when it does not carry them."""
    missing = [f for f in table.fields if isinstance(f, ComputedField) and f.name not in record]
    if not missing:
        return record
    return record | {
        f.name: sql_round(evaluate_expression(f.expression, record), int(f.scale)) for f in missing
    }


def evaluate_condition(
    rule: Any,
    table: Table,
    record: dict[str, Any],
    now: datetime | None = None,
    tz: str = DEFAULT_TZ,
    ws: Workspace | None = None,
    context: dict[str, Any] | None = None,
) -> bool:
    """Whether a stored record meets a condition (the same answer as the compiled SQL).

    `context` holds what the rule reads beyond the record: related rows under '@relation', the status
    start and change counts (conditions.context.load_context gathers them from the store).
    """
    prepared = prepare_rule(rule, table, tz, ws)
    data = record_json(table, with_computed(table, record)) | {
        k: record_json(table, v) if isinstance(v, dict) and k.startswith("@") and k != CHANGES else v
        for k, v in (context or {}).items()
    }
    if isinstance(data.get(STATUS_SINCE), datetime):
        data[STATUS_SINCE] = iso(data[STATUS_SINCE])
    return truthy(evaluate_at(prepared, data, now) if now is not None else evaluate(prepared, data))
