"""Compile a condition to a parameterised DuckDB boolean that agrees with the Python evaluator.

JSONLogic has JavaScript semantics (null counts as 0 in <, "" is falsy, + turns null into NaN), so each
operand is compiled with a kind that says how SQL NULL must be read: `number` (NULL is JS null, 0 in
comparisons and in -), `nan` (NULL is NaN: every comparison with it is false), `text`, `bool`, `list`.
Comparisons are typed: numbers with numbers, text with text literals; mixing them is refused with the path
of the node, as are unknown fields and operators. Identifiers come from the schema and are quoted; every
literal is a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.clock import DEFAULT_TZ
from engine.conditions.evaluate import evaluate
from engine.conditions.extensions import US_PER_DAY, US_PER_HOUR, local_time
from engine.conditions.jsvalues import is_number
from engine.errors import AuthoringError, Problem
from engine.fields import (
    BooleanField,
    ComputedField,
    DateField,
    DatetimeField,
    DecimalField,
    FieldBase,
    IntegerField,
    MoneyField,
    MultiSelectField,
    suggest,
)
from engine.fields.base import StringField
from engine.schema import Table
from engine.sql import Fragment, all_of, any_of, join, quote_ident

NUMBER_FIELDS = (IntegerField, DecimalField, MoneyField, ComputedField)
COMPARISONS = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}
EQUALITY = ("==", "===", "!=", "!==")


class ConditionError(AuthoringError):
    """A condition that cannot be compiled; `problems` name the node."""


@dataclass(frozen=True)
class Value:
    """A compiled operand: its SQL, how to read its NULL, and its literal value when it is one."""

    sql: Fragment
    kind: str  # number | nan | text | bool | list | null
    literal: Any = None
    is_literal: bool = False


def _fail(path: str, message: str) -> ConditionError:
    return ConditionError(f"{path}: {message}", [Problem(path, message)])


class Compiler:
    """Compiles conditions over one table; `column(name)` gives the SQL of a field."""

    def __init__(
        self, table: Table, column: Any = None, now: datetime | None = None, tz: str = DEFAULT_TZ
    ) -> None:
        self.tz = tz
        self.table = table
        self.column = column or (lambda name: f"t.{quote_ident(name)}")
        self.now = now

    # -- entry points -------------------------------------------------------------------------------

    def condition(self, rule: Any, path: str = "condition") -> Fragment:
        """A SQL boolean, never NULL, true exactly where the evaluator's result is truthy."""
        return self.truthy(rule, path)

    # -- truthiness ----------------------------------------------------------------------------------

    def truthy(self, rule: Any, path: str) -> Fragment:
        if isinstance(rule, dict) and len(rule) == 1:
            ((op, args),) = rule.items()
            items = args if isinstance(args, list) else [args]
            if op in ("and", "or"):
                if not items:
                    raise _fail(path, f"{op!r} needs at least one argument")
                parts = [self.truthy(a, f"{path}.{op}[{i}]") for i, a in enumerate(items)]
                return all_of(parts) if op == "and" else any_of(parts)
            if op in ("!", "!!"):
                self._arity(op, items, 1, 1, path)
                inner = self.truthy(items[0], f"{path}.{op}[0]")
                return inner.wrap("NOT ({})") if op == "!" else inner
            if op in COMPARISONS:
                return self.comparison(op, items, path)
            if op in EQUALITY:
                return self.equality(op, items, path)
            if op == "in":
                return self.membership(items, path)
            if op in ("starts_with", "ends_with"):
                return self.affix(op, items, path)
            if op == "missing":
                return self.missing(items, path)
        return self._truthy_value(self.value(rule, path))

    def _truthy_value(self, v: Value) -> Fragment:
        if v.is_literal:
            return Fragment("TRUE" if _js_truthy(v.literal) else "FALSE")
        test = {
            "number": "{} <> 0",
            "nan": "{} <> 0",
            "text": "{} <> ''",
            "bool": "{}",
            "list": "len({}) > 0",
            "time": "{} IS NOT NULL",
        }[v.kind]
        return v.sql.wrap(f"coalesce({test}, FALSE)")

    # -- values --------------------------------------------------------------------------------------

    def value(self, rule: Any, path: str) -> Value:
        if rule is None:
            return Value(Fragment("NULL"), "null", None, True)
        if isinstance(rule, bool):
            return Value(Fragment("?", (rule,)), "bool", rule, True)
        if is_number(rule):
            return Value(Fragment("CAST(? AS DOUBLE)", (float(rule),)), "number", rule, True)
        if isinstance(rule, str):
            return Value(Fragment("?", (rule,)), "text", rule, True)
        if isinstance(rule, list):
            if not all(x is None or isinstance(x, str | bool) or is_number(x) for x in rule):
                raise _fail(path, "a list may hold only plain values")
            return Value(Fragment("NULL"), "list", rule, True)
        if not (isinstance(rule, dict) and len(rule) == 1):
            raise _fail(path, f"{rule!r} is not a value or an operation")
        ((op, args),) = rule.items()
        items = args if isinstance(args, list) else [args]
        if op == "var":
            return self.var(items, path)
        if op in ("+", "*", "-"):
            return self.arithmetic(op, items, path)
        if op == "now":
            return self._time_literal(self._clock(path), path)
        if op in ("hours_since", "days_between"):
            return self.elapsed(op, items, path)
        known = [
            "var",
            "+",
            "-",
            "*",
            "and",
            "or",
            "!",
            "!!",
            "in",
            "starts_with",
            "ends_with",
            *COMPARISONS,
            *EQUALITY,
        ]
        raise _fail(path, f"unknown operator {op!r}{suggest(op, known)} (supported: {', '.join(known)})")

    def var(self, items: list[Any], path: str) -> Value:
        self._arity("var", items, 1, 1, path)
        name = items[0]
        field = self.table.field(name) if isinstance(name, str) else None
        if field is None:
            names = [f.name for f in self.table.fields]
            raise _fail(
                f"{path}.var", f"unknown field {name!r}{suggest(str(name), names)} in {self.table.name!r}"
            )
        return Value(Fragment(self._field_sql(field)), _kind_of(field))

    def _field_sql(self, field: FieldBase) -> str:
        sql = self.column(field.name)
        if isinstance(field, NUMBER_FIELDS):
            return f"CAST({sql} AS DOUBLE)"
        return f"CAST({sql} AS TIMESTAMP)" if isinstance(field, DateField) else sql

    def arithmetic(self, op: str, items: list[Any], path: str) -> Value:
        self._arity(op, items, 1 if op != "*" else 2, 2 if op == "-" else None, path)
        values = [self.value(a, f"{path}.{op}[{i}]") for i, a in enumerate(items)]
        for i, v in enumerate(values):
            if v.kind not in ("number", "nan"):
                raise _fail(f"{path}.{op}[{i}]", f"{op!r} needs numbers, got {v.kind}")
        if op == "-":
            # JavaScript's - reads null as 0 (NaN stays NaN).
            operands = [v.sql.wrap("coalesce({}, 0)") if v.kind == "number" else v.sql for v in values]
            sql = operands[0].wrap("(-{})") if len(operands) == 1 else join(operands, " - ").wrap("({})")
        else:
            # + and * go through parseFloat, which turns null into NaN: NULL propagates as NaN does.
            sql = join([v.sql for v in values], f" {op} ").wrap("({})")
        return Value(sql, "nan")

    # -- predicates ----------------------------------------------------------------------------------

    def comparison(self, op: str, items: list[Any], path: str) -> Fragment:
        self._arity(op, items, 2, 3 if op in ("<", "<=") else 2, path)
        values = [self.value(a, f"{path}.{op}[{i}]") for i, a in enumerate(items)]
        pairs = [(values[i], values[i + 1], f"{path}.{op}") for i in range(len(values) - 1)]
        return all_of(self._compare(COMPARISONS[op], a, b, p) for a, b, p in pairs)

    def _compare(self, sym: str, a: Value, b: Value, path: str) -> Fragment:
        kinds = {a.kind, b.kind}
        if kinds <= {"number", "nan"}:
            left, right = (_as_number(v) for v in (a, b))
            return Fragment(f"coalesce({left.sql} {sym} {right.sql}, FALSE)", left.params + right.params)
        if "time" in kinds and kinds <= {"time", "text"}:
            a, b = (self._as_time(v, path) for v in (a, b))
            kinds = {"time"}
        if kinds == {"time"} and not (a.is_literal or b.is_literal):
            # ISO texts compare in time order; JavaScript reads a missing one as 0 and the other as NaN.
            both_null = _js_compare(sym, None, None)
            sql = (
                f"CASE WHEN {a.sql.sql} IS NULL AND {b.sql.sql} IS NULL THEN ? "
                f"WHEN {a.sql.sql} IS NULL OR {b.sql.sql} IS NULL THEN FALSE ELSE {a.sql.sql} {sym} {b.sql.sql} END"
            )
            p = a.sql.params, b.sql.params
            return Fragment(sql, (*p[0], *p[1], both_null, *p[0], *p[1], *p[0], *p[1]))
        if kinds in ({"text"}, {"time"}) and (a.is_literal or b.is_literal):
            column, literal = (b, a) if a.is_literal else (a, b)
            when_null = _js_compare(
                sym, None if column is a else literal.literal, literal.literal if column is a else None
            )
            sql = f"CASE WHEN {column.sql.sql} IS NULL THEN ? ELSE {a.sql.sql} {sym} {b.sql.sql} END"
            params = (*column.sql.params, when_null, *a.sql.params, *b.sql.params)
            return Fragment(sql, params)
        raise _fail(
            path, f"compare numbers with numbers and text with a text value, not {a.kind} with {b.kind}"
        )

    def equality(self, op: str, items: list[Any], path: str) -> Fragment:
        self._arity(op, items, 2, 2, path)
        a, b = (self.value(x, f"{path}.{op}[{i}]") for i, x in enumerate(items))
        if "null" in (a.kind, b.kind):
            other = b if a.kind == "null" else a
            if other.kind == "null":
                test = Fragment("TRUE")
            elif other.kind == "nan":
                test = Fragment("FALSE")  # arithmetic gives a number or NaN, never null
            else:
                test = other.sql.wrap("{} IS NULL")
        elif "time" in (a.kind, b.kind) and {a.kind, b.kind} <= {"time", "text"}:
            a, b = (self._as_time(v, f"{path}.{op}") for v in (a, b))
            test = Fragment(f"coalesce({a.sql.sql} = {b.sql.sql}, FALSE)", a.sql.params + b.sql.params)
        elif "list" in (a.kind, b.kind):
            raise _fail(f"{path}.{op}", "lists are compared with 'in', not with equality")
        elif a.kind == b.kind or {a.kind, b.kind} <= {"number", "nan"}:
            # NULL (JS null) equals nothing but null; NaN equals nothing: both read as false here.
            test = Fragment(f"coalesce({a.sql.sql} = {b.sql.sql}, FALSE)", a.sql.params + b.sql.params)
        else:
            raise _fail(f"{path}.{op}", f"compare values of one kind, not {a.kind} with {b.kind}")
        return test.wrap("NOT ({})") if op in ("!=", "!==") else test

    def membership(self, items: list[Any], path: str) -> Fragment:
        self._arity("in", items, 2, 2, path)
        needle, haystack = (self.value(x, f"{path}.in[{i}]") for i, x in enumerate(items))
        if haystack.kind == "list" and haystack.is_literal:
            # indexOf compares strictly: only list items of the needle's kind can match.
            same_kind = {"number": is_number, "nan": is_number, "text": lambda x: isinstance(x, str)}.get(
                needle.kind, lambda x: isinstance(x, bool)
            )
            listed = [
                float(x) if is_number(x) else x for x in haystack.literal if x is not None and same_kind(x)
            ]
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
        raise _fail(
            f"{path}.in",
            f"'in' looks for a value in a list or a text in a text, not {needle.kind} in {haystack.kind}",
        )

    def affix(self, op: str, items: list[Any], path: str) -> Fragment:
        self._arity(op, items, 2, 2, path)
        text, part = (self.value(x, f"{path}.{op}[{i}]") for i, x in enumerate(items))
        if text.kind != "text" or part.kind != "text":
            raise _fail(f"{path}.{op}", f"{op!r} needs text, not {text.kind} and {part.kind}")
        fn = "starts_with" if op == "starts_with" else "ends_with"
        return Fragment(
            f"coalesce({fn}({text.sql.sql}, {part.sql.sql}), FALSE)", text.sql.params + part.sql.params
        )

    def missing(self, items: list[Any], path: str) -> Fragment:
        names = items[0] if len(items) == 1 and isinstance(items[0], list) else items
        parts = []
        for i, name in enumerate(names):
            value = self.var([name], f"{path}.missing[{i}]")
            blank = {"text": "{0} IS NULL OR {0} = ''", "list": "{0} IS NULL OR len({0}) = 0"}.get(
                value.kind, "{0} IS NULL"
            )
            parts.append(Fragment(blank.format(value.sql.sql), value.sql.params * blank.count("{0}")))
        return any_of(parts)

    def elapsed(self, op: str, items: list[Any], path: str) -> Value:
        self._arity(op, items, 1 if op == "hours_since" else 2, 1 if op == "hours_since" else 2, path)
        times = [
            self._as_time(self.value(a, f"{path}.{op}[{i}]"), f"{path}.{op}[{i}]")
            for i, a in enumerate(items)
        ]
        if op == "hours_since":
            times = [self._time_literal(self._clock(path), path), *times]
            start, end, unit = times[1], times[0], US_PER_HOUR
        else:
            start, end, unit = times[0], times[1], US_PER_DAY
        sql = Fragment(
            f"((epoch_us({end.sql.sql}) - epoch_us({start.sql.sql})) / {float(unit)!r})",
            end.sql.params + start.sql.params,
        )
        return Value(sql, "nan")  # a missing time gives NaN: no comparison holds

    def _clock(self, path: str) -> datetime:
        if self.now is None:
            raise _fail(path, "this condition uses the clock: compile it with a `now`")
        return self.now

    def _time_literal(self, moment: datetime, path: str) -> Value:
        return Value(Fragment("CAST(? AS TIMESTAMP)", (moment,)), "time", moment.isoformat(), True)

    def _as_time(self, v: Value, path: str) -> Value:
        if v.kind == "time":
            return v
        moment = local_time(v.literal, self.tz) if v.is_literal else None
        if moment is None:
            raise _fail(path, f"{v.literal!r} is not a date and time (e.g. 2026-03-15T14:05:00)")
        return self._time_literal(moment, path)

    @staticmethod
    def _arity(op: str, items: list[Any], low: int, high: int | None, path: str) -> None:
        if len(items) < low or (high is not None and len(items) > high):
            most = "any number of" if high is None else str(high)
            raise _fail(f"{path}.{op}", f"{op!r} takes {low} to {most} arguments, got {len(items)}")


def _kind_of(field: FieldBase) -> str:
    if isinstance(field, NUMBER_FIELDS):
        return "number"
    if isinstance(field, BooleanField):
        return "bool"
    if isinstance(field, DateField | DatetimeField):
        return "time"
    if isinstance(field, MultiSelectField):
        return "list"
    if isinstance(field, StringField):
        return "text"
    raise ConditionError(f"field {field.name!r} ({field.type}) cannot be used in a condition yet")


def _as_number(v: Value) -> Fragment:
    """An operand for < and friends, NULL meaning NaN: a JS null counts as 0."""
    return v.sql.wrap("coalesce({}, 0)") if v.kind == "number" else v.sql


def _js_compare(sym: str, a: Any, b: Any) -> bool:
    return bool(evaluate({sym: [a, b]}))


def _js_truthy(value: Any) -> bool:
    return bool(evaluate({"!!": [value]}))


def compile_condition(
    rule: Any, table: Table, column: Any = None, now: datetime | None = None, tz: str = DEFAULT_TZ
) -> Fragment:
    """Compile a condition over `table`; refuses unknown fields, operators, arity and mixed kinds."""
    return Compiler(table, column, now, tz).condition(rule)
