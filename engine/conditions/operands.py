"""What the condition compiler works with: a compiled operand (`Value`), the error it raises, the JavaScript
readings of NULL shared by its operators, and the two operator registries (conditions and values)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.conditions.evaluate import evaluate
from engine.errors import AuthoringError, Problem
from engine.registry import Registry
from engine.storage.sql import Fragment, Sql

if TYPE_CHECKING:
    from engine.conditions.compile import Compiler

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


def fail(path: str, message: str) -> ConditionError:
    return ConditionError(f"{path}: {message}", [Problem(path, message)])


def common_kind(values: list[Value], path: str) -> str:
    kinds = {v.kind for v in values if v.kind != "null"}
    if kinds == {"number", "nan"} and all(v.is_literal for v in values if v.kind == "number"):
        kinds = {"nan"}  # a number literal is never null, so it reads the same either way
    if len(kinds) > 1 or "list" in kinds:
        raise fail(
            path, f"the branches of 'if' must give one kind of value, not {' and '.join(sorted(kinds))}"
        )
    kind = kinds.pop() if kinds else "null"
    if kind == "nan" and any(v.kind == "null" for v in values):
        raise fail(
            path, "give every branch of this 'if' a number (an arithmetic result cannot mix with null)"
        )
    return kind


def as_number(v: Value) -> Fragment:
    """An operand for < and friends, NULL meaning NaN: a JS null counts as 0."""
    return v.sql.wrap("coalesce({}, 0)") if v.kind == "number" else v.sql


def js_compare(sym: str, a: Any, b: Any) -> bool:
    return bool(evaluate({sym: [a, b]}))


def js_truthy(value: Any) -> bool:
    return bool(evaluate({"!!": [value]}))


# An operator compiles its node: (compiler, operator name, arguments, path of the node) → SQL.
Predicate = Callable[["Compiler", str, list[Any], str], Fragment]
ValueOp = Callable[["Compiler", str, list[Any], str], "Value"]
PREDICATES: Registry[Predicate] = Registry("condition operator")
VALUES: Registry[ValueOp] = Registry("value operator")
