"""The arithmetic subset of the condition language, used by computed fields.

A JSONLogic expression ({"*": [{"var": "qty"}, {"var": "unit_price"}]}) is checked against the table's
fields, compiled to a parameterised SQL fragment, and evaluated in Python for one record. There is no eval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from engine.errors import Problem
from engine.registry import Registry
from engine.storage.sql import Fragment, join, quote_ident

Number = int | float | Decimal


def _fold(values: list[Any], step: Callable[[Any, Any], Any]) -> Any:
    if any(v is None for v in values):
        return None
    result = values[0]
    for v in values[1:]:
        result = step(result, v)
    return result


def _divide(a: Any, b: Any) -> Any:
    return None if b == 0 else a / b


def _minus(values: list[Any]) -> Any:
    if len(values) == 1:
        return None if values[0] is None else -values[0]
    return _fold(values, lambda a, b: a - b)


# operator → (SQL joiner, python evaluator, min args, max args)
OPERATORS: Registry[tuple[str, Callable[[list[Any]], Any], int, int | None]] = Registry(
    "expression operator",
    {
        "+": (" + ", lambda vs: _fold(vs, lambda a, b: a + b), 1, None),
        "-": (" - ", _minus, 1, 2),
        "*": (" * ", lambda vs: _fold(vs, lambda a, b: a * b), 2, None),
        "/": (" / ", lambda vs: _fold(vs, _divide), 2, 2),
    },
)


def check_expression(expr: Any, numeric_fields: set[str], path: str) -> list[Problem]:
    """Every problem in an arithmetic expression: unknown operators, fields, arity, non-numbers."""
    if isinstance(expr, bool) or (not isinstance(expr, int | float | dict)):
        return [Problem(path, f"{expr!r} is not a number, a field or an arithmetic operation")]
    if not isinstance(expr, dict):
        return []
    if len(expr) != 1:
        return [Problem(path, f"an operation has exactly one operator, got {sorted(expr)!r}")]
    ((op, args),) = expr.items()
    if op == "var":
        if not isinstance(args, str) or args not in numeric_fields:
            known = ", ".join(sorted(numeric_fields)) or "none"
            return [Problem(path, f"unknown numeric field {args!r} (numeric fields: {known})")]
        return []
    if op not in OPERATORS:
        return [Problem(path, f"unknown operator {op!r}; computed fields accept {', '.join(OPERATORS)}")]
    items = args if isinstance(args, list) else [args]
    _, _, low, high = OPERATORS[op]
    if len(items) < low or (high is not None and len(items) > high):
        most = "any number of" if high is None else str(high)
        return [Problem(path, f"{op!r} takes {low} to {most} arguments, got {len(items)}")]
    problems: list[Problem] = []
    for i, item in enumerate(items):
        problems += check_expression(item, numeric_fields, f"{path}.{op}[{i}]")
    return problems


def expression_fields(expr: Any) -> set[str]:
    """Names of the fields an expression reads."""
    if not isinstance(expr, dict):
        return set()
    ((op, args),) = expr.items()
    if op == "var":
        return {args}
    items = args if isinstance(args, list) else [args]
    return set().union(*(expression_fields(i) for i in items))


def compile_expression(expr: Any, column: Callable[[str], str] = quote_ident) -> Fragment:
    """Compile a checked expression to SQL; numbers are bound, division by zero gives NULL."""
    if not isinstance(expr, dict):
        return Fragment("CAST(? AS DOUBLE)", (expr,))
    ((op, args),) = expr.items()
    if op == "var":
        return Fragment(f"CAST({column(args)} AS DOUBLE)")
    items = [compile_expression(i, column) for i in (args if isinstance(args, list) else [args])]
    if op == "-" and len(items) == 1:
        return items[0].wrap("(-{})")
    if op == "/":
        a, b = items
        return Fragment(f"({a.sql} / NULLIF({b.sql}, 0))", a.params + b.params)
    return join(items, OPERATORS[op][0]).wrap("({})")


def evaluate_expression(expr: Any, record: Mapping[str, Any]) -> float | None:
    """Evaluate a checked expression for one record, as SQL would (NULL in → NULL out)."""
    if not isinstance(expr, dict):
        return float(expr)
    ((op, args),) = expr.items()
    if op == "var":
        value = record.get(args)
        return None if value is None else float(value)
    values = [evaluate_expression(i, record) for i in (args if isinstance(args, list) else [args])]
    return OPERATORS[op][1](values)


def sql_round(value: float | None, scale: int) -> float | None:
    """round(value, scale) as DuckDB rounds a DOUBLE: halves away from zero."""
    if value is None or math.isnan(value) or math.isinf(value):
        return value
    factor = 10.0**scale
    return math.copysign(math.floor(abs(value) * factor + 0.5), value) / factor
