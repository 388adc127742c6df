"""Meaning checks of connectors and the intake rules: tables, fields and states they name exist; every problem
names its JSON path (connectors[1].statuses.TRADE_FINISHED)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import Problem
from engine.fields import suggest

if TYPE_CHECKING:
    from engine.schema import Table, Workspace


def _table(ws: Workspace, name: str, path: str) -> tuple[Table | None, list[Problem]]:
    table = ws.table(name)
    if table is None:
        return None, [Problem(path, f"no table {name!r}{suggest(name, list(ws.by_name))}")]
    return table, []


def _fields(table: Table, names: list[str], path: str) -> list[Problem]:
    known = [f.name for f in table.fields]
    return [
        Problem(path, f"{table.name!r} has no field {name!r}{suggest(name, known)}")
        for name in names
        if table.field(name) is None
    ]


def _connector(ws: Workspace, i: int) -> list[Problem]:
    conn = ws.connectors[i]
    path = f"connectors[{i}]"
    table, problems = _table(ws, conn.table, f"{path}.table")
    if table is None:
        return problems
    for name in [*conn.fields, *conn.fixed]:
        problems += _fields(
            table, [name], f"{path}.fields.{name}" if name in conn.fields else f"{path}.fixed"
        )
    if conn.statuses:
        states = [s.name for s in table.flow.states] if table.flow else []
        if not states:
            problems.append(Problem(f"{path}.statuses", f"{table.name!r} has no status flow to map onto"))
        for value, state in conn.statuses.items():
            if states and state not in states:
                problems.append(
                    Problem(
                        f"{path}.statuses.{value}",
                        f"{state!r} is not a state of {table.name}{suggest(state, states)}",
                    )
                )
    if conn.type in ("platform_api",) and not conn.url:
        problems.append(Problem(f"{path}.url", "a platform API connector needs the API's base URL"))
    return problems


def _rules(ws: Workspace) -> list[Problem]:
    rules = ws.intake
    if rules is None:
        return []
    table, problems = _table(ws, rules.table, "intake.table")
    if table is None:
        return problems
    if rules.dedup.enabled:
        problems += _fields(table, rules.dedup.match, "intake.dedup.match")
        time_field = table.field(rules.dedup.time_field)
        if time_field is None or not time_field.is_kind("time"):
            problems.append(
                Problem("intake.dedup.time_field", f"{rules.dedup.time_field!r} is not a date field")
            )
    if rules.presale.enabled:
        problems += _fields(table, [rules.presale.amount_field], "intake.presale.amount_field")
    if rules.gifts.enabled:
        flag = table.field(rules.gifts.flag_field)
        if flag is None or not flag.is_kind("bool"):
            problems.append(
                Problem(
                    "intake.gifts.flag_field",
                    f"{rules.gifts.flag_field!r} is not a yes/no field of {table.name}",
                )
            )
        problems += _fields(table, rules.gifts.text_fields, "intake.gifts.text_fields")
    problems += _fields(table, rules.queue.core_fields, "intake.queue.core_fields")
    if rules.customers:
        customers, found = _table(ws, rules.customers.table, "intake.customers.table")
        problems += found
        if customers is not None:
            c = rules.customers
            problems += _fields(
                customers, [c.phone_field, c.virtual_field, c.level_field], "intake.customers"
            )
            problems += _fields(table, [c.order_customer_field], "intake.customers.order_customer_field")
    return problems


def check_intake(ws: Workspace) -> list[Problem]:
    """Connectors (unique names, tables, mapped fields, states) and the intake rules when given."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, conn in enumerate(ws.connectors):
        if conn.name in seen:
            problems.append(Problem(f"connectors[{i}].name", f"connector name {conn.name!r} is used twice"))
        seen.add(conn.name)
        problems += _connector(ws, i)
    return problems + _rules(ws)
