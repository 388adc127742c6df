"""Compile a condition to a parameterised DuckDB boolean that agrees with the Python evaluator.

JSONLogic has JavaScript semantics (null counts as 0 in <, "" is falsy, + turns null into NaN), so each
operand is compiled with a kind that says how SQL NULL must be read: `number` (NULL is JS null, 0 in
comparisons and in -), `nan` (NULL is NaN: every comparison with it is false), `text`, `bool`, `list`.
Comparisons are typed: numbers with numbers, text with text literals; mixing them is refused with the path
of the node, as are unknown fields and operators. Identifiers come from the schema and are quoted; every
literal is a bound parameter. This module is the core (fields, literals, the clock); the operators live in
operators.py, registered by name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from engine.clock import DEFAULT_TZ
from engine.conditions import operators as _operators  # noqa: F401  (registers the operators)
from engine.conditions.extensions import local_time
from engine.conditions.jsvalues import is_number
from engine.conditions.operands import (
    AUDIT_ITEMS_SQL,
    PREDICATES,
    VALUES,
    ConditionError,
    Value,
    fail,
    js_truthy,
)
from engine.expressions import compile_expression
from engine.fields import (
    ComputedField,
    FieldBase,
    LookupField,
    RelationField,
    suggest,
)
from engine.schema import Table, Workspace
from engine.storage.sql import Fragment, Sql, compose, join, qualified, quote_ident

__all__ = ["AUDIT_ITEMS_SQL", "Compiler", "ConditionError", "compile_condition"]


class Compiler:
    """Compiles conditions over one table; `column(name)` gives the SQL of a field."""

    def __init__(
        self,
        table: Table,
        column: Any = None,
        now: datetime | None = None,
        tz: str = DEFAULT_TZ,
        ws: Workspace | None = None,
    ) -> None:
        self.tz = tz
        self.table = table
        self._column = column or (lambda name: f"t.{quote_ident(name)}")
        self.now = now
        self.ws = ws  # relation paths, hours_in_status and changed_count read other tables
        # Aggregates joined to the table (changed_count): a correlated count per row is ten times slower.
        self.joins: dict[str, Fragment] = {}

    def source(self, table_sql: str) -> Fragment:
        """`table_sql` (the table aliased as the columns expect) with the joins the compiled conditions need;
        its parameters come before those of the WHERE clause."""
        return join([Fragment(table_sql), *self.joins.values()], " ")

    # -- entry points -------------------------------------------------------------------------------

    def condition(self, rule: Any, path: str = "condition") -> Fragment:
        """A SQL boolean, never NULL, true exactly where the evaluator's result is truthy."""
        return self.truthy(rule, path)

    # -- truthiness ----------------------------------------------------------------------------------

    def truthy(self, rule: Any, path: str) -> Fragment:
        if isinstance(rule, dict) and len(rule) == 1:
            ((op, args),) = rule.items()
            if op in PREDICATES:
                return PREDICATES[op](self, op, args if isinstance(args, list) else [args], path)
        return self.truthy_value(self.value(rule, path))

    def truthy_value(self, v: Value) -> Fragment:
        """A value read as a condition, as JavaScript's truthiness reads it."""
        if v.is_literal:
            return Fragment("TRUE" if js_truthy(v.literal) else "FALSE")
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
                raise fail(path, "a list may hold only plain values")
            return Value(Fragment("NULL"), "list", rule, True)
        if not (isinstance(rule, dict) and len(rule) == 1):
            raise fail(path, f"{rule!r} is not a value or an operation")
        ((op, args),) = rule.items()
        items = args if isinstance(args, list) else [args]
        if op in VALUES:
            return VALUES[op](self, op, items, path)
        known = list(dict.fromkeys([*VALUES, *PREDICATES]))
        raise fail(path, f"unknown operator {op!r}{suggest(op, known)} (supported: {', '.join(known)})")

    def column(self, name: str) -> Sql:
        """The SQL of a field's column, as the caller's column function spells it (code, never user text)."""
        return Sql(self._column(name))

    def var(self, items: list[Any], path: str) -> Value:
        self.arity("var", items, 1, 1, path)
        name = items[0]
        field = self.table.field(name) if isinstance(name, str) else None
        if field is None and isinstance(name, str) and "." in name:
            return self.relation_path(name, f"{path}.var")
        if field is None:
            names = [f.name for f in self.table.fields]
            raise fail(
                f"{path}.var", f"unknown field {name!r}{suggest(str(name), names)} in {self.table.name!r}"
            )
        if isinstance(field, LookupField):
            return self.relation_path(f"{field.relation}.{field.field}", f"{path}.var")
        if isinstance(field, ComputedField):
            expr = compile_expression(field.expression, self.column)
            return Value(expr.wrap(f"round({{}}, {int(field.scale)})"), "number")
        return Value(Fragment(_typed_sql(field, self.column(field.name))), _kind_of(field, path))

    def raw(self, name: str, path: str = "message") -> tuple[Fragment, FieldBase]:
        """A field's value as stored (not cast for comparison), with the field: for messages and reports."""
        field = self.table.field(name)
        if isinstance(field, LookupField):
            name = f"{field.relation}.{field.field}"
        elif isinstance(field, ComputedField):
            expr = compile_expression(field.expression, self.column)
            return expr.wrap(f"round({{}}, {int(field.scale)})"), field
        elif field is not None:
            return Fragment(self.column(name)), field
        sql, target = self._related(name, path)
        return Fragment(sql), target

    def relation_path(self, name: str, path: str) -> Value:
        """customer.level: a field of the row a relation points to (NULL when it points nowhere)."""
        sql, field = self._related(name, path, typed=True)
        return Value(Fragment(sql), _kind_of(field, path))

    def _related(self, name: str, path: str, typed: bool = False) -> tuple[str, FieldBase]:
        if "." not in name:
            names = [f.name for f in self.table.fields]
            raise fail(path, f"unknown field {name!r}{suggest(name, names)} in {self.table.name!r}")
        head, rest = name.split(".", 1)
        relation = self.table.field(head)
        if not isinstance(relation, RelationField):
            names = [f.name for f in self.table.fields if isinstance(f, RelationField)]
            raise fail(
                path,
                f"{name!r}: only a relation field may be followed with '.', and {head!r} is not one "
                f"(relations of {self.table.name!r}: {', '.join(names) or 'none'})",
            )
        if self.ws is None:
            raise fail(path, f"{name!r} reads another table: compile it with the workspace")
        target = self.ws.require_table(relation.table)
        field = target.field(rest)
        if field is None or not field.stored or isinstance(field, RelationField):
            names = [f.name for f in target.fields if f.stored and not isinstance(f, RelationField)]
            raise fail(path, f"{name!r}: {target.name!r} has no stored field {rest!r}{suggest(rest, names)}")
        column = compose("r.{name}", name=quote_ident(field.name))
        sql = compose(
            ("(SELECT {typed} FROM {target} r WHERE r.{business_key} = {head_col})"),
            typed=_typed_sql(field, column) if typed else column,
            target=qualified(self.ws.name, target.name),
            business_key=quote_ident(str(target.business_key)),
            head_col=self.column(head),
        )
        return sql, field

    def workspace(self, path: str, op: str) -> Workspace:
        if self.ws is None:
            raise fail(path, f"{op} reads the record's history: compile it with the workspace")
        return self.ws

    # -- predicates ----------------------------------------------------------------------------------

    def clock(self, path: str) -> datetime:
        if self.now is None:
            raise fail(path, "this condition uses the clock: compile it with a `now`")
        return self.now

    def time_literal(self, moment: datetime, path: str) -> Value:
        return Value(Fragment("CAST(? AS TIMESTAMP)", (moment,)), "time", moment.isoformat(), True)

    def as_time(self, v: Value, path: str) -> Value:
        if v.kind == "time":
            return v
        moment = local_time(v.literal, self.tz) if v.is_literal else None
        if moment is None:
            raise fail(path, f"{v.literal!r} is not a date and time (e.g. 2026-03-15T14:05:00)")
        return self.time_literal(moment, path)

    @staticmethod
    def arity(op: str, items: list[Any], low: int, high: int | None, path: str) -> None:
        if len(items) < low or (high is not None and len(items) > high):
            most = "any number of" if high is None else str(high)
            raise fail(f"{path}.{op}", f"{op!r} takes {low} to {most} arguments, got {len(items)}")


def _typed_sql(field: FieldBase, sql: Sql) -> Sql:
    if field.is_kind("number"):
        return compose("CAST({sql} AS DOUBLE)", sql=sql)
    # A date compares with a time of day (now, a datetime literal) as its midnight.
    return compose("CAST({sql} AS TIMESTAMP)", sql=sql) if field.polars_dtype() == pl.Date() else sql


def _kind_of(field: FieldBase, path: str = "condition") -> str:
    if field.kind == "lookup":
        raise fail(path, f"field {field.name!r} ({field.type}) cannot be used in a condition")
    return field.kind


def compile_condition(
    rule: Any,
    table: Table,
    column: Any = None,
    now: datetime | None = None,
    tz: str = DEFAULT_TZ,
    ws: Workspace | None = None,
) -> Fragment:
    """Compile a condition over `table`; refuses unknown fields, operators, arity and mixed kinds.

    For a condition that needs joined aggregates (changed_count), use Compiler(...).source for the FROM."""
    compiler = Compiler(table, column, now, tz, ws)
    fragment = compiler.condition(rule)
    if compiler.joins:
        raise ConditionError("changed_count needs joined tables: compile with Compiler and use its source()")
    return fragment
