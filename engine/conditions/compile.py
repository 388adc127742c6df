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
from engine.expressions import compile_expression
from engine.fields import (
    BooleanField,
    ComputedField,
    DateField,
    DatetimeField,
    DecimalField,
    FieldBase,
    IntegerField,
    LookupField,
    MoneyField,
    MultiSelectField,
    RelationField,
    suggest,
)
from engine.fields.base import StringField
from engine.schema import Table, Workspace
from engine.storage.sql import Fragment, Sql, all_of, any_of, compose, join, qualified, quote_ident

NUMBER_FIELDS = (IntegerField, DecimalField, MoneyField, ComputedField)
COMPARISONS = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}
EQUALITY = ("==", "===", "!=", "!==")
QUANTIFIERS = ("some", "all", "none")
NAN = "CAST('nan' AS DOUBLE)"
# Every audited change of a record, whether the entry kept its one item inline or in _audit_items.
AUDIT_ITEMS_SQL = Sql(
    "(SELECT l.workspace, l.table_name, i.record_id, i.action, i.changes FROM _audit_items i "
    "JOIN _audit_log l ON l.seq = i.seq UNION ALL SELECT workspace, table_name, record_id, item_action, "
    "item_changes FROM _audit_log WHERE item_changes IS NOT NULL)"
)


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
            if op == "if" and len(items) > 1:
                return self.truthy_if(items, path)
            if op in QUANTIFIERS:
                return self.quantifier(op, items, path)
        return self._truthy_value(self.value(rule, path))

    def truthy_if(self, items: list[Any], path: str) -> Fragment:
        """if/then/else read as a condition: each branch is itself a condition."""
        parts, params = [], []
        for i in range(0, len(items) - 1, 2):
            test = self.truthy(items[i], f"{path}.if[{i}]")
            then = self.truthy(items[i + 1], f"{path}.if[{i + 1}]")
            parts.append(f"WHEN {test.sql} THEN {then.sql}")
            params += [*test.params, *then.params]
        other = (
            self.truthy(items[-1], f"{path}.if[{len(items) - 1}]") if len(items) % 2 else Fragment("FALSE")
        )
        return Fragment(f"(CASE {' '.join(parts)} ELSE {other.sql} END)", (*params, *other.params))

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
        if op in ("+", "*", "-", "/"):
            return self.arithmetic(op, items, path)
        if op == "if":
            return self.if_value(items, path)
        if op == "now":
            return self._time_literal(self._clock(path), path)
        if op in ("hours_since", "days_between"):
            return self.elapsed(op, items, path)
        if op == "hours_in_status":
            return self.hours_in_status(items, path)
        if op == "changed_count":
            return self.changed_count(items, path)
        known = [
            "var",
            "+",
            "-",
            "*",
            "/",
            "if",
            "and",
            "or",
            "!",
            "!!",
            "in",
            "missing",
            "some",
            "all",
            "none",
            "starts_with",
            "ends_with",
            "now",
            "hours_since",
            "days_between",
            "hours_in_status",
            "changed_count",
            *COMPARISONS,
            *EQUALITY,
        ]
        raise _fail(path, f"unknown operator {op!r}{suggest(op, known)} (supported: {', '.join(known)})")

    def column(self, name: str) -> Sql:
        """The SQL of a field's column, as the caller's column function spells it (code, never user text)."""
        return Sql(self._column(name))

    def var(self, items: list[Any], path: str) -> Value:
        self._arity("var", items, 1, 1, path)
        name = items[0]
        field = self.table.field(name) if isinstance(name, str) else None
        if field is None and isinstance(name, str) and "." in name:
            return self.relation_path(name, f"{path}.var")
        if field is None:
            names = [f.name for f in self.table.fields]
            raise _fail(
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
            raise _fail(path, f"unknown field {name!r}{suggest(name, names)} in {self.table.name!r}")
        head, rest = name.split(".", 1)
        relation = self.table.field(head)
        if not isinstance(relation, RelationField):
            names = [f.name for f in self.table.fields if isinstance(f, RelationField)]
            raise _fail(
                path,
                f"{name!r}: only a relation field may be followed with '.', and {head!r} is not one "
                f"(relations of {self.table.name!r}: {', '.join(names) or 'none'})",
            )
        if self.ws is None:
            raise _fail(path, f"{name!r} reads another table: compile it with the workspace")
        target = self.ws.require_table(relation.table)
        field = target.field(rest)
        if field is None or not field.stored or isinstance(field, RelationField):
            names = [f.name for f in target.fields if f.stored and not isinstance(f, RelationField)]
            raise _fail(path, f"{name!r}: {target.name!r} has no stored field {rest!r}{suggest(rest, names)}")
        column = compose("r.{name}", name=quote_ident(field.name))
        sql = compose(
            ("(SELECT {typed} FROM {target} r WHERE r.{business_key} = {head_col})"),
            typed=_typed_sql(field, column) if typed else column,
            target=qualified(self.ws.name, target.name),
            business_key=quote_ident(str(target.business_key)),
            head_col=self.column(head),
        )
        return sql, field

    def hours_in_status(self, items: list[Any], path: str) -> Value:
        """Hours since the record entered its current status (its creation when it never moved)."""
        self._arity("hours_in_status", items, 0, 0, path)
        ws = self._workspace(path, "hours_in_status")
        moment = self._time_literal(self._clock(path), path)
        since = compose(
            (
                "coalesce((SELECT max(h.moved_at) FROM _status_history h WHERE h.workspace = ? "
                "AND h.table_name = ? AND h.record_id = {id_col}), {created_at_col})"
            ),
            id_col=self.column("_id"),
            created_at_col=self.column("_created_at"),
        )
        sql = f"((epoch_us({moment.sql.sql}) - epoch_us({since})) / {float(US_PER_HOUR)!r})"
        return Value(Fragment(sql, (*moment.sql.params, ws.name, self.table.name)), "nan")

    def changed_count(self, items: list[Any], path: str) -> Value:
        """How many audited updates changed a field of the record."""
        self._arity("changed_count", items, 1, 1, path)
        name = items[0]
        if not (isinstance(name, str) and (field := self.table.field(name)) is not None and field.stored):
            names = [f.name for f in self.table.fields if f.stored]
            raise _fail(
                f"{path}.changed_count[0]",
                f"changed_count needs the name of a stored field, not {name!r}{suggest(str(name), names)}",
            )
        ws = self._workspace(path, "changed_count")
        alias = f"_changes_{name}"
        if alias not in self.joins:
            # A changed field is a top-level key of the item's JSON: '"name":' cannot occur inside a value,
            # where quotes are escaped, so a substring test is exact and much cheaper than parsing.
            self.joins[alias] = Fragment(
                compose(
                    "LEFT JOIN (SELECT a.record_id, count(*) AS n FROM {AUDIT_ITEMS_SQL} a WHERE a.workspace = ? "
                    "AND a.table_name = ? AND a.action = 'update' AND contains(a.changes, ?) GROUP BY a.record_id) "
                    "{alias} ON {alias}.record_id = {id_col}",
                    AUDIT_ITEMS_SQL=AUDIT_ITEMS_SQL,
                    alias=quote_ident(alias),
                    id_col=self.column("_id"),
                ),
                (ws.name, self.table.name, f'"{name}":'),
            )
        return Value(Fragment(f"CAST(coalesce({quote_ident(alias)}.n, 0) AS DOUBLE)"), "number")

    def _workspace(self, path: str, op: str) -> Workspace:
        if self.ws is None:
            raise _fail(path, f"{op} reads the record's history: compile it with the workspace")
        return self.ws

    def arithmetic(self, op: str, items: list[Any], path: str) -> Value:
        low, high = {"+": (1, None), "*": (2, None), "-": (1, 2), "/": (2, 2)}[op]
        self._arity(op, items, low, high, path)
        values = [self.value(a, f"{path}.{op}[{i}]") for i, a in enumerate(items)]
        for i, v in enumerate(values):
            if v.kind not in ("number", "nan"):
                raise _fail(f"{path}.{op}[{i}]", f"{op!r} needs numbers, got {v.kind}")
        if op in ("-", "/"):
            # JavaScript's - and / read null as 0 (NaN stays NaN); x / 0 is ±Infinity, 0 / 0 NaN, as in DuckDB.
            operands = [v.sql.wrap("coalesce({}, 0)") if v.kind == "number" else v.sql for v in values]
            sql = operands[0].wrap("(-{})") if len(operands) == 1 else join(operands, f" {op} ").wrap("({})")
        else:
            # + and * go through parseFloat, which turns null into NaN: NULL propagates as NaN does.
            sql = join([v.sql for v in values], f" {op} ").wrap("({})")
        # DuckDB's NaN equals itself and sorts above every number; JavaScript's compares false: make it NULL.
        return Value(sql.wrap(f"nullif({{}}, {NAN})"), "nan")

    def if_value(self, items: list[Any], path: str) -> Value:
        """if/then/else as a value: every branch must give the same kind of value."""
        if len(items) < 2:
            return (
                self.value(items[0], f"{path}.if[0]")
                if items
                else Value(Fragment("NULL"), "null", None, True)
            )
        tests = [self.truthy(items[i], f"{path}.if[{i}]") for i in range(0, len(items) - 1, 2)]
        branches = [self.value(items[i], f"{path}.if[{i}]") for i in range(1, len(items), 2)]
        if len(items) % 2:
            other = self.value(items[-1], f"{path}.if[{len(items) - 1}]")
        else:
            other = Value(Fragment("NULL"), "null", None, True)
        kind = _common_kind([*branches, other], f"{path}.if")
        parts, params = [], []
        for test, branch in zip(tests, branches, strict=True):
            parts.append(f"WHEN {test.sql} THEN {branch.sql.sql}")
            params += [*test.params, *branch.sql.params]
        sql = f"(CASE {' '.join(parts)} ELSE {other.sql.sql} END)"
        return Value(Fragment(sql, (*params, *other.sql.params)), kind)

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

    def quantifier(self, op: str, items: list[Any], path: str) -> Fragment:
        """some/all/none of a multi-select's values in a list, as the condition builder's multiselect rules."""
        self._arity(op, items, 2, 2, path)
        values = self.value(items[0], f"{path}.{op}[0]")
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
            raise _fail(
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


def _typed_sql(field: FieldBase, sql: Sql) -> Sql:
    if isinstance(field, NUMBER_FIELDS):
        return compose("CAST({sql} AS DOUBLE)", sql=sql)
    return compose("CAST({sql} AS TIMESTAMP)", sql=sql) if isinstance(field, DateField) else sql


def _common_kind(values: list[Value], path: str) -> str:
    kinds = {v.kind for v in values if v.kind != "null"}
    if kinds == {"number", "nan"} and all(v.is_literal for v in values if v.kind == "number"):
        kinds = {"nan"}  # a number literal is never null, so it reads the same either way
    if len(kinds) > 1 or "list" in kinds:
        raise _fail(
            path, f"the branches of 'if' must give one kind of value, not {' and '.join(sorted(kinds))}"
        )
    kind = kinds.pop() if kinds else "null"
    if kind == "nan" and any(v.kind == "null" for v in values):
        raise _fail(
            path, "give every branch of this 'if' a number (an arithmetic result cannot mix with null)"
        )
    return kind


def _kind_of(field: FieldBase, path: str = "condition") -> str:
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
    raise _fail(path, f"field {field.name!r} ({field.type}) cannot be used in a condition")


def _as_number(v: Value) -> Fragment:
    """An operand for < and friends, NULL meaning NaN: a JS null counts as 0."""
    return v.sql.wrap("coalesce({}, 0)") if v.kind == "number" else v.sql


def _js_compare(sym: str, a: Any, b: Any) -> bool:
    return bool(evaluate({sym: [a, b]}))


def _js_truthy(value: Any) -> bool:
    return bool(evaluate({"!!": [value]}))


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
