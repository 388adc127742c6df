"""The condition compiler's operators, one function per JSONLogic operator (or family), registered by name.

Each compiles its node with the compiler's help (values, fields, the clock) into SQL that reads as the Python
evaluator does; a new operator is one function and one registration, as in the evaluator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.conditions.extensions import US_PER_DAY, US_PER_HOUR
from engine.conditions.jsvalues import is_number
from engine.conditions.operands import (
    AUDIT_ITEMS_SQL,
    COMPARISONS,
    EQUALITY,
    NAN,
    PREDICATES,
    QUANTIFIERS,
    VALUES,
    Value,
    as_number,
    common_kind,
    fail,
    js_compare,
)
from engine.fields import suggest
from engine.storage.sql import Fragment, all_of, any_of, compose, join, quote_ident

if TYPE_CHECKING:
    from engine.conditions.compile import Compiler


def logical(c: Compiler, op: str, items: list[Any], path: str) -> Fragment:
    if not items:
        raise fail(path, f"{op!r} needs at least one argument")
    parts = [c.truthy(a, f"{path}.{op}[{i}]") for i, a in enumerate(items)]
    return all_of(parts) if op == "and" else any_of(parts)


def negation(c: Compiler, op: str, items: list[Any], path: str) -> Fragment:
    c.arity(op, items, 1, 1, path)
    inner = c.truthy(items[0], f"{path}.{op}[0]")
    return inner.wrap("NOT ({})") if op == "!" else inner


def if_condition(c: Compiler, op: str, items: list[Any], path: str) -> Fragment:
    """if/then/else read as a condition: each branch is itself a condition (a lone 'if' is a value)."""
    if len(items) < 2:
        return c.truthy_value(if_value(c, op, items, path))
    return truthy_if(c, op, items, path)


def variable(c: Compiler, op: str, items: list[Any], path: str) -> Value:
    return c.var(items, path)


def now(c: Compiler, op: str, items: list[Any], path: str) -> Value:
    return c.time_literal(c.clock(path), path)


def truthy_if(c: Compiler, op: str, items: list[Any], path: str) -> Fragment:
    """if/then/else read as a condition: each branch is itself a condition."""
    parts, params = [], []
    for i in range(0, len(items) - 1, 2):
        test = c.truthy(items[i], f"{path}.if[{i}]")
        then = c.truthy(items[i + 1], f"{path}.if[{i + 1}]")
        parts.append(f"WHEN {test.sql} THEN {then.sql}")
        params += [*test.params, *then.params]
    other = c.truthy(items[-1], f"{path}.if[{len(items) - 1}]") if len(items) % 2 else Fragment("FALSE")
    return Fragment(f"(CASE {' '.join(parts)} ELSE {other.sql} END)", (*params, *other.params))


def comparison(c: Compiler, op: str, items: list[Any], path: str) -> Fragment:
    c.arity(op, items, 2, 3 if op in ("<", "<=") else 2, path)
    values = [c.value(a, f"{path}.{op}[{i}]") for i, a in enumerate(items)]
    pairs = [(values[i], values[i + 1], f"{path}.{op}") for i in range(len(values) - 1)]
    return all_of(compare(c, COMPARISONS[op], a, b, p) for a, b, p in pairs)


def compare(c: Compiler, sym: str, a: Value, b: Value, path: str) -> Fragment:
    kinds = {a.kind, b.kind}
    if kinds <= {"number", "nan"}:
        left, right = (as_number(v) for v in (a, b))
        return Fragment(f"coalesce({left.sql} {sym} {right.sql}, FALSE)", left.params + right.params)
    if "time" in kinds and kinds <= {"time", "text"}:
        a, b = (c.as_time(v, path) for v in (a, b))
        kinds = {"time"}
    if kinds == {"time"} and not (a.is_literal or b.is_literal):
        # ISO texts compare in time order; JavaScript reads a missing one as 0 and the other as NaN.
        both_null = js_compare(sym, None, None)
        sql = (
            f"CASE WHEN {a.sql.sql} IS NULL AND {b.sql.sql} IS NULL THEN ? "
            f"WHEN {a.sql.sql} IS NULL OR {b.sql.sql} IS NULL THEN FALSE ELSE {a.sql.sql} {sym} {b.sql.sql} END"
        )
        p = a.sql.params, b.sql.params
        return Fragment(sql, (*p[0], *p[1], both_null, *p[0], *p[1], *p[0], *p[1]))
    if kinds in ({"text"}, {"time"}) and (a.is_literal or b.is_literal):
        column, literal = (b, a) if a.is_literal else (a, b)
        when_null = js_compare(
            sym, None if column is a else literal.literal, literal.literal if column is a else None
        )
        sql = f"CASE WHEN {column.sql.sql} IS NULL THEN ? ELSE {a.sql.sql} {sym} {b.sql.sql} END"
        params = (*column.sql.params, when_null, *a.sql.params, *b.sql.params)
        return Fragment(sql, params)
    raise fail(path, f"compare numbers with numbers and text with a text value, not {a.kind} with {b.kind}")


def equality(c: Compiler, op: str, items: list[Any], path: str) -> Fragment:
    c.arity(op, items, 2, 2, path)
    a, b = (c.value(x, f"{path}.{op}[{i}]") for i, x in enumerate(items))
    if "null" in (a.kind, b.kind):
        other = b if a.kind == "null" else a
        if other.kind == "null":
            test = Fragment("TRUE")
        elif other.kind == "nan":
            test = Fragment("FALSE")  # arithmetic gives a number or NaN, never null
        else:
            test = other.sql.wrap("{} IS NULL")
    elif "time" in (a.kind, b.kind) and {a.kind, b.kind} <= {"time", "text"}:
        a, b = (c.as_time(v, f"{path}.{op}") for v in (a, b))
        test = Fragment(f"coalesce({a.sql.sql} = {b.sql.sql}, FALSE)", a.sql.params + b.sql.params)
    elif "list" in (a.kind, b.kind):
        raise fail(f"{path}.{op}", "lists are compared with 'in', not with equality")
    elif a.kind == b.kind or {a.kind, b.kind} <= {"number", "nan"}:
        # NULL (JS null) equals nothing but null; NaN equals nothing: both read as false here.
        test = Fragment(f"coalesce({a.sql.sql} = {b.sql.sql}, FALSE)", a.sql.params + b.sql.params)
    else:
        raise fail(f"{path}.{op}", f"compare values of one kind, not {a.kind} with {b.kind}")
    return test.wrap("NOT ({})") if op in ("!=", "!==") else test


def membership(c: Compiler, op: str, items: list[Any], path: str) -> Fragment:
    c.arity("in", items, 2, 2, path)
    needle, haystack = (c.value(x, f"{path}.in[{i}]") for i, x in enumerate(items))
    if haystack.kind == "list" and haystack.is_literal:
        # indexOf compares strictly: only list items of the needle's kind can match.
        same_kind = {"number": is_number, "nan": is_number, "text": lambda x: isinstance(x, str)}.get(
            needle.kind, lambda x: isinstance(x, bool)
        )
        listed = [float(x) if is_number(x) else x for x in haystack.literal if x is not None and same_kind(x)]
        parts = []
        if listed:
            marks = ", ".join("?" * len(listed))
            parts.append(
                Fragment(f"coalesce({needle.sql.sql} IN ({marks}), FALSE)", (*needle.sql.params, *listed))
            )
        if None in haystack.literal:
            parts.append(needle.sql.wrap("{} IS NULL"))
        return any_of(parts)
    if haystack.kind == "list":
        return Fragment(
            f"coalesce(list_contains({haystack.sql.sql}, {needle.sql.sql}), FALSE)",
            haystack.sql.params + needle.sql.params,
        )
    if haystack.kind == "text" and needle.kind == "text":
        return Fragment(
            f"coalesce(contains({haystack.sql.sql}, {needle.sql.sql}), FALSE)",
            haystack.sql.params + needle.sql.params,
        )
    raise fail(
        f"{path}.in",
        f"'in' looks for a value in a list or a text in a text, not {needle.kind} in {haystack.kind}",
    )


def affix(c: Compiler, op: str, items: list[Any], path: str) -> Fragment:
    c.arity(op, items, 2, 2, path)
    text, part = (c.value(x, f"{path}.{op}[{i}]") for i, x in enumerate(items))
    if text.kind != "text" or part.kind != "text":
        raise fail(f"{path}.{op}", f"{op!r} needs text, not {text.kind} and {part.kind}")
    fn = "starts_with" if op == "starts_with" else "ends_with"
    return Fragment(
        f"coalesce({fn}({text.sql.sql}, {part.sql.sql}), FALSE)", text.sql.params + part.sql.params
    )


def missing(c: Compiler, op: str, items: list[Any], path: str) -> Fragment:
    names = items[0] if len(items) == 1 and isinstance(items[0], list) else items
    parts = []
    for i, name in enumerate(names):
        value = c.var([name], f"{path}.missing[{i}]")
        blank = {"text": "{0} IS NULL OR {0} = ''", "list": "{0} IS NULL OR len({0}) = 0"}.get(
            value.kind, "{0} IS NULL"
        )
        parts.append(Fragment(blank.format(value.sql.sql), value.sql.params * blank.count("{0}")))
    return any_of(parts)


def quantifier(c: Compiler, op: str, items: list[Any], path: str) -> Fragment:
    """some/all/none of a multi-select's values in a list, as the condition builder's multiselect rules."""
    c.arity(op, items, 2, 2, path)
    values = c.value(items[0], f"{path}.{op}[0]")
    inner = items[1]
    listed = inner.get("in") if isinstance(inner, dict) and set(inner) == {"in"} else None
    if not (
        values.kind == "list"
        and not values.is_literal
        and isinstance(listed, list)
        and len(listed) == 2
        and listed[0] == {"var": ""}
        and isinstance(listed[1], list)
        and all(isinstance(x, str) for x in listed[1])
    ):
        raise fail(
            f"{path}.{op}",
            f"{op!r} is supported as {{{op!r}: [{{'var': <multi-select field>}}, "
            "{'in': [{'var': ''}, [<texts>]]}]}",
        )
    options = Fragment("CAST(? AS VARCHAR[])", (listed[1],))
    col = values.sql
    if op == "all":
        # JavaScript's all() is false for an empty list.
        sql = f"coalesce(len({col.sql}) > 0 AND list_has_all({options.sql}, {col.sql}), FALSE)"
        return Fragment(sql, (*col.params, *options.params, *col.params))
    some = Fragment(
        f"coalesce(list_has_any({col.sql}, {options.sql}), FALSE)", (*col.params, *options.params)
    )
    return some if op == "some" else some.wrap("NOT ({})")


def arithmetic(c: Compiler, op: str, items: list[Any], path: str) -> Value:
    low, high = {"+": (1, None), "*": (2, None), "-": (1, 2), "/": (2, 2)}[op]
    c.arity(op, items, low, high, path)
    values = [c.value(a, f"{path}.{op}[{i}]") for i, a in enumerate(items)]
    for i, v in enumerate(values):
        if v.kind not in ("number", "nan"):
            raise fail(f"{path}.{op}[{i}]", f"{op!r} needs numbers, got {v.kind}")
    if op in ("-", "/"):
        # JavaScript's - and / read null as 0 (NaN stays NaN); x / 0 is ±Infinity, 0 / 0 NaN, as in DuckDB.
        operands = [v.sql.wrap("coalesce({}, 0)") if v.kind == "number" else v.sql for v in values]
        sql = operands[0].wrap("(-{})") if len(operands) == 1 else join(operands, f" {op} ").wrap("({})")
    else:
        # + and * go through parseFloat, which turns null into NaN: NULL propagates as NaN does.
        sql = join([v.sql for v in values], f" {op} ").wrap("({})")
    # DuckDB's NaN equals itself and sorts above every number; JavaScript's compares false: make it NULL.
    return Value(sql.wrap(f"nullif({{}}, {NAN})"), "nan")


def if_value(c: Compiler, op: str, items: list[Any], path: str) -> Value:
    """if/then/else as a value: every branch must give the same kind of value."""
    if len(items) < 2:
        return c.value(items[0], f"{path}.if[0]") if items else Value(Fragment("NULL"), "null", None, True)
    tests = [c.truthy(items[i], f"{path}.if[{i}]") for i in range(0, len(items) - 1, 2)]
    branches = [c.value(items[i], f"{path}.if[{i}]") for i in range(1, len(items), 2)]
    if len(items) % 2:
        other = c.value(items[-1], f"{path}.if[{len(items) - 1}]")
    else:
        other = Value(Fragment("NULL"), "null", None, True)
    kind = common_kind([*branches, other], f"{path}.if")
    parts, params = [], []
    for test, branch in zip(tests, branches, strict=True):
        parts.append(f"WHEN {test.sql} THEN {branch.sql.sql}")
        params += [*test.params, *branch.sql.params]
    sql = f"(CASE {' '.join(parts)} ELSE {other.sql.sql} END)"
    return Value(Fragment(sql, (*params, *other.sql.params)), kind)


def elapsed(c: Compiler, op: str, items: list[Any], path: str) -> Value:
    c.arity(op, items, 1 if op == "hours_since" else 2, 1 if op == "hours_since" else 2, path)
    times = [c.as_time(c.value(a, f"{path}.{op}[{i}]"), f"{path}.{op}[{i}]") for i, a in enumerate(items)]
    if op == "hours_since":
        times = [c.time_literal(c.clock(path), path), *times]
        start, end, unit = times[1], times[0], US_PER_HOUR
    else:
        start, end, unit = times[0], times[1], US_PER_DAY
    sql = Fragment(
        f"((epoch_us({end.sql.sql}) - epoch_us({start.sql.sql})) / {float(unit)!r})",
        end.sql.params + start.sql.params,
    )
    return Value(sql, "nan")  # a missing time gives NaN: no comparison holds


def hours_in_status(c: Compiler, op: str, items: list[Any], path: str) -> Value:
    """Hours since the record entered its current status (its creation when it never moved)."""
    c.arity("hours_in_status", items, 0, 0, path)
    ws = c.workspace(path, "hours_in_status")
    moment = c.time_literal(c.clock(path), path)
    since = compose(
        (
            "coalesce((SELECT max(h.moved_at) FROM _status_history h WHERE h.workspace = ? "
            "AND h.table_name = ? AND h.record_id = {id_col}), {created_at_col})"
        ),
        id_col=c.column("_id"),
        created_at_col=c.column("_created_at"),
    )
    sql = f"((epoch_us({moment.sql.sql}) - epoch_us({since})) / {float(US_PER_HOUR)!r})"
    return Value(Fragment(sql, (*moment.sql.params, ws.name, c.table.name)), "nan")


def changed_count(c: Compiler, op: str, items: list[Any], path: str) -> Value:
    """How many audited updates changed a field of the record."""
    c.arity("changed_count", items, 1, 1, path)
    name = items[0]
    if not (isinstance(name, str) and (field := c.table.field(name)) is not None and field.stored):
        names = [f.name for f in c.table.fields if f.stored]
        raise fail(
            f"{path}.changed_count[0]",
            f"changed_count needs the name of a stored field, not {name!r}{suggest(str(name), names)}",
        )
    ws = c.workspace(path, "changed_count")
    alias = f"_changes_{name}"
    if alias not in c.joins:
        # A changed field is a top-level key of the item's JSON: '"name":' cannot occur inside a value,
        # where quotes are escaped, so a substring test is exact and much cheaper than parsing.
        c.joins[alias] = Fragment(
            compose(
                "LEFT JOIN (SELECT a.record_id, count(*) AS n FROM {AUDIT_ITEMS_SQL} a WHERE a.workspace = ? "
                "AND a.table_name = ? AND a.action = 'update' AND contains(a.changes, ?) GROUP BY a.record_id) "
                "{alias} ON {alias}.record_id = {id_col}",
                AUDIT_ITEMS_SQL=AUDIT_ITEMS_SQL,
                alias=quote_ident(alias),
                id_col=c.column("_id"),
            ),
            (ws.name, c.table.name, f'"{name}":'),
        )
    return Value(Fragment(f"CAST(coalesce({quote_ident(alias)}.n, 0) AS DOUBLE)"), "number")


PREDICATES.update(
    {
        "and": logical,
        "or": logical,
        "!": negation,
        "!!": negation,
        **dict.fromkeys(COMPARISONS, comparison),
        **dict.fromkeys(EQUALITY, equality),
        "in": membership,
        "starts_with": affix,
        "ends_with": affix,
        "missing": missing,
        "if": if_condition,
        **dict.fromkeys(QUANTIFIERS, quantifier),
    }
)
VALUES.update(
    {
        "var": variable,
        **dict.fromkeys(("+", "-", "*", "/"), arithmetic),
        "if": if_value,
        "now": now,
        "hours_since": elapsed,
        "days_between": elapsed,
        "hours_in_status": hours_in_status,
        "changed_count": changed_count,
    }
)
