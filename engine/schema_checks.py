"""Meaning checks of a structurally valid workspace. Each check is one function returning problems.

Checks, in order:
1. table names are unique; field names and ids are unique within a table;
2. a business key names a stored text-like field of its table;
3. a relation points at an existing table that has a business key;
4. a lookup names a relation field of its table and a field of the related table;
5. a computed expression reads only numeric stored fields of its table (see expressions.py);
6. sub-tables exist and each has a relation field back to its parent;
7. a flow's status field is a single select whose options are exactly the flow's states; the initial state
   exists; transitions name existing states and fields; guards compile as conditions over the table;
8. defaults are valid values of their field; unique and required only on stored fields;
9. search fields exist;
10. boards and the health configuration name existing tables and fields of the right kind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from engine.errors import Problem
from engine.expressions import check_expression
from engine.fields import (
    AutonumberField,
    ComputedField,
    DecimalField,
    IntegerField,
    LookupField,
    PhoneField,
    RelationField,
    SingleSelectField,
    TextField,
    suggest,
)
from engine.flow.graph import graph_problems
from engine.messages import placeholders
from engine.schema import StockEffect, Table, Workspace

# Guards may use the clock; checking that they compile needs some instant, any will do.
GUARD_CHECK_CLOCK = datetime(2000, 1, 1)
KEY_TYPES = (TextField, AutonumberField, PhoneField)


def _t(i: int) -> str:
    return f"tables[{i}]"


def _f(i: int, j: int) -> str:
    return f"tables[{i}].fields[{j}]"


def check_unique_names(ws: Workspace) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, table in enumerate(ws.tables):
        if table.name in seen:
            problems.append(
                Problem(
                    f"{_t(i)}.name",
                    f"table name {table.name!r} is already used by tables[{seen[table.name]}]",
                )
            )
        seen.setdefault(table.name, i)
        names: dict[str, int] = {}
        ids: dict[str, int] = {}
        for j, field in enumerate(table.fields):
            if field.name in names:
                problems.append(
                    Problem(
                        f"{_f(i, j)}.name",
                        f"field name {field.name!r} is already used by fields[{names[field.name]}]",
                    )
                )
            if field.id in ids:
                problems.append(
                    Problem(
                        f"{_f(i, j)}.id", f"field id {field.id!r} is already used by fields[{ids[field.id]}]"
                    )
                )
            names.setdefault(field.name, j)
            ids.setdefault(field.id, j)
    return problems


def check_business_keys(ws: Workspace) -> list[Problem]:
    problems = []
    for i, table in enumerate(ws.tables):
        if table.business_key is None:
            continue
        field = table.field(table.business_key)
        if field is None:
            problems.append(Problem(f"{_t(i)}.business_key", _unknown_field(table, table.business_key)))
        elif not isinstance(field, KEY_TYPES):
            problems.append(
                Problem(
                    f"{_t(i)}.business_key",
                    f"field {field.name!r} is {field.type}; a business key must be text, autonumber or phone",
                )
            )
    return problems


def check_relations(ws: Workspace) -> list[Problem]:
    problems = []
    for i, table in enumerate(ws.tables):
        for j, field in enumerate(table.fields):
            if isinstance(field, RelationField):
                target = ws.table(field.table)
                if target is None:
                    names = ", ".join(t.name for t in ws.tables)
                    problems.append(
                        Problem(f"{_f(i, j)}.table", f"unknown table {field.table!r} (tables: {names})")
                    )
                elif target.business_key is None:
                    problems.append(
                        Problem(
                            f"{_f(i, j)}.table", f"table {target.name!r} has no business_key to relate to"
                        )
                    )
            elif isinstance(field, LookupField):
                problems += _check_lookup(ws, table, field, _f(i, j))
    return problems


def _check_lookup(ws: Workspace, table: Table, field: LookupField, path: str) -> list[Problem]:
    relation = table.field(field.relation)
    if not isinstance(relation, RelationField):
        return [
            Problem(f"{path}.relation", f"{field.relation!r} is not a relation field of table {table.name!r}")
        ]
    target = ws.table(relation.table)
    if target is None:
        return []  # reported by the relation itself
    looked = target.field(field.field)
    if looked is None or not looked.stored:
        return [Problem(f"{path}.field", _unknown_field(target, field.field))]
    return []


def check_computed(ws: Workspace) -> list[Problem]:
    problems = []
    for i, table in enumerate(ws.tables):
        numeric = {f.name for f in table.fields if f.stored and f.is_kind("number")}
        for j, field in enumerate(table.fields):
            if isinstance(field, ComputedField):
                problems += check_expression(field.expression, numeric, f"{_f(i, j)}.expression")
    return problems


def check_sub_tables(ws: Workspace) -> list[Problem]:
    problems = []
    for i, table in enumerate(ws.tables):
        for k, name in enumerate(table.sub_tables):
            child = ws.table(name)
            path = f"{_t(i)}.sub_tables[{k}]"
            if child is None:
                problems.append(Problem(path, f"unknown table {name!r}"))
            elif not any(isinstance(f, RelationField) and f.table == table.name for f in child.fields):
                problems.append(
                    Problem(
                        path, f"table {name!r} needs a relation field to {table.name!r} to be its sub-table"
                    )
                )
    return problems


def check_flows(ws: Workspace) -> list[Problem]:
    problems = []
    for i, table in enumerate(ws.tables):
        flow = table.flow
        if flow is None:
            continue
        path = f"{_t(i)}.flow"
        found = len(problems)
        field = table.field(flow.field)
        states = [s.name for s in flow.states]
        if len(set(states)) != len(states):
            problems.append(Problem(f"{path}.states", "state names must be unique"))
        if not isinstance(field, SingleSelectField):
            problems.append(
                Problem(
                    f"{path}.field", f"{flow.field!r} must be a single_select field of table {table.name!r}"
                )
            )
        elif set(field.option_values()) != set(states):
            problems.append(
                Problem(
                    f"{path}.field",
                    f"options of {flow.field!r} ({', '.join(field.option_values())}) must equal the states ({', '.join(states)})",
                )
            )
        if flow.initial not in states:
            problems.append(
                Problem(f"{path}.initial", f"unknown state {flow.initial!r} (states: {', '.join(states)})")
            )
        for k, tr in enumerate(flow.transitions):
            tpath = f"{path}.transitions[{k}]"
            for src in tr.from_:
                if src != "*" and src not in states:
                    problems.append(Problem(f"{tpath}.from", f"unknown state {src!r}"))
            if tr.to not in states:
                problems.append(Problem(f"{tpath}.to", f"unknown state {tr.to!r}"))
            for name in [*tr.require_fields, *tr.set_fields]:
                if table.field(name) is None:
                    problems.append(Problem(tpath, _unknown_field(table, name)))
        if len(problems) == found:  # the graph is read only once its states and transitions make sense
            problems += [Problem(f"{path}.states[{j}]", message) for j, message in graph_problems(flow)]
    return problems


def check_guards(ws: Workspace) -> list[Problem]:
    """Transition guards must be conditions the engine can run over their table."""
    from engine.conditions.compile import Compiler, ConditionError  # conditions import the schema models

    problems = []
    for i, table in enumerate(ws.tables):
        if table.flow is None:
            continue
        compiler = Compiler(table, now=GUARD_CHECK_CLOCK, tz=ws.timezone, ws=ws)
        for k, tr in enumerate(table.flow.transitions):
            if tr.guard is not None:
                try:
                    compiler.condition(tr.guard, f"{_t(i)}.flow.transitions[{k}].guard")
                except ConditionError as exc:
                    problems += exc.problems
    return problems


def check_effects(ws: Workspace) -> list[Problem]:
    """Stock effects name a relation, a number field and the stock field; automatic moves need a guard."""
    problems: list[Problem] = []
    for i, table in enumerate(ws.tables):
        for k, tr in enumerate(table.flow.transitions if table.flow else []):
            tpath = f"{_t(i)}.flow.transitions[{k}]"
            if tr.automatic and tr.guard is None:
                problems.append(Problem(f"{tpath}.guard", "an automatic transition needs a guard condition"))
            if tr.acknowledge and tr.acknowledge_minutes is None:
                problems.append(
                    Problem(f"{tpath}.acknowledge_minutes", "say within how many minutes to acknowledge")
                )
            for e, effect in enumerate(tr.effects):
                epath = f"{tpath}.effects[{e}]"
                if isinstance(effect, StockEffect):
                    problems += _check_stock_effect(ws, table, effect, epath)
                else:
                    problems += _check_message(table, effect.message, f"{epath}.message")
    return problems


def _check_stock_effect(ws: Workspace, table: Table, effect: StockEffect, path: str) -> list[Problem]:
    relation = table.field(effect.relation)
    if not isinstance(relation, RelationField):
        return [Problem(f"{path}.relation", f"{effect.relation!r} is not a relation field of {table.name!r}")]
    problems = []
    if not isinstance(table.field(effect.quantity), IntegerField | DecimalField):
        problems.append(
            Problem(f"{path}.quantity", f"{effect.quantity!r} is not a number field of {table.name!r}")
        )
    target = ws.table(relation.table)
    if target is not None and not isinstance(target.field(effect.stock_field), IntegerField | DecimalField):
        problems.append(
            Problem(f"{path}.stock_field", f"{effect.stock_field!r} is not a number field of {target.name!r}")
        )
    return problems


def _check_message(table: Table, template: str, path: str) -> list[Problem]:
    return [
        Problem(path, _unknown_field(table, name))
        for name in placeholders(template)
        if table.field(name) is None
    ]


def check_rules(ws: Workspace) -> list[Problem]:
    """Alert rules name a table, compile over it, fill their messages from its fields, escalate in order."""
    from engine.conditions.compile import Compiler, ConditionError

    problems: list[Problem] = []
    names = [r.name for r in ws.rules]
    for i, rule in enumerate(ws.rules):
        path = f"rules[{i}]"
        if names.count(rule.name) > 1:
            problems.append(Problem(f"{path}.name", f"rule name {rule.name!r} is used twice"))
        table = ws.table(rule.table)
        if table is None:
            known = [t.name for t in ws.tables]
            problems.append(
                Problem(f"{path}.table", f"unknown table {rule.table!r}{suggest(rule.table, known)}")
            )
            continue
        try:
            Compiler(table, now=GUARD_CHECK_CLOCK, tz=ws.timezone, ws=ws).condition(
                rule.condition, f"{path}.condition"
            )
        except ConditionError as exc:
            problems += exc.problems
        problems += _check_message(table, rule.message, f"{path}.message")
        steps = [e.after_minutes for e in rule.escalation]
        if steps != sorted(steps) or len(set(steps)) != len(steps):
            problems.append(
                Problem(f"{path}.escalation", "escalation steps must come in order of increasing minutes")
            )
    return problems


def check_field_settings(ws: Workspace) -> list[Problem]:
    problems = []
    for i, table in enumerate(ws.tables):
        for j, field in enumerate(table.fields):
            if field.default is not None and field.stored:
                coerced = field.coerce(field.default)
                if not coerced.ok:
                    problems.append(Problem(f"{_f(i, j)}.default", str(coerced.problem)))
        for k, name in enumerate(table.search_fields):
            if table.field(name) is None:
                problems.append(Problem(f"{_t(i)}.search_fields[{k}]", _unknown_field(table, name)))
    return problems


def _unknown_field(table: Table, name: str) -> str:
    names = [f.name for f in table.fields]
    return f"unknown field {name!r}{suggest(name, names)} (fields of {table.name!r}: {', '.join(names[:25])})"


def check_boards(ws: Workspace) -> list[Problem]:
    """Boards and the health configuration (engine/boards/checks.py)."""
    from engine.boards.checks import check_boards as check

    return check(ws)


def check_intake(ws: Workspace) -> list[Problem]:
    """Connectors and the intake rules (engine/intake/checks.py)."""
    from engine.intake.checks import check_intake as check

    return check(ws)


CHECKS: tuple[Callable[[Workspace], list[Problem]], ...] = (
    check_unique_names,
    check_business_keys,
    check_relations,
    check_computed,
    check_sub_tables,
    check_flows,
    check_guards,
    check_effects,
    check_rules,
    check_field_settings,
    check_boards,
    check_intake,
)


def check_workspace(ws: Workspace) -> list[Problem]:
    """Run every meaning check; returns all problems found."""
    return [p for check in CHECKS for p in check(ws)]
