"""Evaluate a JSONLogic rule for one record, with the semantics of json-logic-js (the reference).

Operators are a registry: eager ones receive evaluated arguments, lazy ones (if, and, or, the array
iterators) receive the raw arguments and evaluate what they need. No Python eval anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import reduce
from typing import Any

from engine.conditions.jsvalues import (
    js_number,
    less_equal,
    less_than,
    loose_equals,
    parse_float,
    strict_equals,
    to_number,
    to_string,
    truthy,
)
from engine.registry import Registry


class RuleError(ValueError):
    """A rule that cannot be evaluated (unknown operator)."""


Eager = Callable[..., Any]
Lazy = Callable[[list[Any], Any], Any]
EAGER: Registry[Eager] = Registry("condition operator")
LAZY: Registry[Lazy] = Registry("condition operator")


def _register(table: dict[str, Any], name: str, fn: Any) -> None:
    if name in EAGER or name in LAZY:
        raise ValueError(f"operator {name!r} is registered twice")
    table[name] = fn


def is_rule(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1


def evaluate(rule: Any, data: Any = None) -> Any:
    """The value of `rule` for `data` (a record as a dict)."""
    if isinstance(rule, list):
        return [evaluate(r, data) for r in rule]
    if not is_rule(rule):
        return rule
    ((op, args),) = rule.items()
    if not isinstance(args, list):
        args = [args]
    if op in LAZY:
        return LAZY[op](args, data)
    if op in EAGER:
        return EAGER[op](*[evaluate(a, data) for a in args])
    raise RuleError(f"unrecognized operation {op!r}")


# -- data access ------------------------------------------------------------------------------------------


def get_var(data: Any, path: Any, default: Any = None) -> Any:
    """JSONLogic var: a dot path (or index) into the data; `default` when missing."""
    if path is None or path == "" or (isinstance(path, list) and not path):
        return data
    current = data
    for part in to_string(path).split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return default
        if current is None:
            return default
    return current


def _var(args: list[Any], data: Any) -> Any:
    values = [evaluate(a, data) for a in args]
    return get_var(data, values[0] if values else None, values[1] if len(values) > 1 else None)


def _missing_lazy(args: list[Any], data: Any) -> list[Any]:
    keys = [evaluate(a, data) for a in args]
    if keys and isinstance(keys[0], list):
        keys = keys[0]
    return [k for k in keys if get_var(data, k) in (None, "")]


def _missing_some(args: list[Any], data: Any) -> list[Any]:
    need, keys = (evaluate(a, data) for a in args[:2])
    missing = _missing_lazy([keys], data)
    return [] if len(keys) - len(missing) >= need else missing


# -- control ---------------------------------------------------------------------------------------------


def _if(args: list[Any], data: Any) -> Any:
    i = 0
    while i < len(args) - 1:
        if truthy(evaluate(args[i], data)):
            return evaluate(args[i + 1], data)
        i += 2
    return evaluate(args[i], data) if i == len(args) - 1 else None


def _or(args: list[Any], data: Any) -> Any:
    value = None
    for a in args:
        value = evaluate(a, data)
        if truthy(value):
            return value
    return value


def _and(args: list[Any], data: Any) -> Any:
    value = None
    for a in args:
        value = evaluate(a, data)
        if not truthy(value):
            return value
    return value


# -- arrays ----------------------------------------------------------------------------------------------


def _scoped(args: list[Any], data: Any) -> tuple[list[Any], Any]:
    items = evaluate(args[0], data) if args else None
    return (items if isinstance(items, list) else []), (args[1] if len(args) > 1 else None)


def _map(args: list[Any], data: Any) -> list[Any]:
    items, logic = _scoped(args, data)
    return [evaluate(logic, item) for item in items]


def _filter(args: list[Any], data: Any) -> list[Any]:
    items, logic = _scoped(args, data)
    return [item for item in items if truthy(evaluate(logic, item))]


def _reduce(args: list[Any], data: Any) -> Any:
    items, logic = _scoped(args, data)
    initial = evaluate(args[2], data) if len(args) > 2 else None
    return reduce(lambda acc, cur: evaluate(logic, {"current": cur, "accumulator": acc}), items, initial)


def _all(args: list[Any], data: Any) -> bool:
    items, logic = _scoped(args, data)
    return bool(items) and all(truthy(evaluate(logic, i)) for i in items)


def _none(args: list[Any], data: Any) -> bool:
    items, logic = _scoped(args, data)
    return not any(truthy(evaluate(logic, i)) for i in items)


def _some(args: list[Any], data: Any) -> bool:
    items, logic = _scoped(args, data)
    return any(truthy(evaluate(logic, i)) for i in items)


def _merge(*args: Any) -> list[Any]:
    out: list[Any] = []
    for a in args:
        out.extend(a if isinstance(a, list) else [a])
    return out


def _in(a: Any, b: Any = None) -> bool:
    if isinstance(b, list):
        return any(strict_equals(a, x) for x in b)
    if isinstance(b, str):
        return to_string(a) in b
    return False


# -- comparison and arithmetic -----------------------------------------------------------------------------


def _lt(a: Any, b: Any, c: Any = ...) -> bool:
    return less_than(a, b) if c is ... else less_than(a, b) and less_than(b, c)


def _le(a: Any, b: Any, c: Any = ...) -> bool:
    return less_equal(a, b) if c is ... else less_equal(a, b) and less_equal(b, c)


def _plus(*args: Any) -> Any:
    return js_number(sum((parse_float(a) for a in args), 0.0))


def _times(*args: Any) -> Any:
    return js_number(reduce(lambda x, y: x * y, (parse_float(a) for a in args)))


def _minus(a: Any, b: Any = ...) -> Any:
    return js_number(-float(to_number(a)) if b is ... else float(to_number(a)) - float(to_number(b)))


def _divide(a: Any, b: Any) -> Any:
    x, y = float(to_number(a)), float(to_number(b))
    if y == 0:
        return js_number(
            math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * math.copysign(1, y)
        )
    return js_number(x / y)


def _modulo(a: Any, b: Any) -> Any:
    x, y = to_number(a), to_number(b)
    return js_number(math.nan if y == 0 else math.fmod(x, y))


def _minmax(pick: Callable[..., float]) -> Eager:
    def run(*args: Any) -> Any:
        numbers = [to_number(a) for a in args]
        if not numbers:
            return None
        return js_number(math.nan if any(math.isnan(n) for n in numbers) else pick(numbers))

    return run


def _substr(text: Any, start: Any, length: Any = None) -> str:
    s = to_string(text)
    begin = int(to_number(start))
    begin = max(len(s) + begin, 0) if begin < 0 else begin
    if length is None:
        return s[begin:]
    n = int(to_number(length))
    end = len(s) + n if n < 0 else begin + n
    return s[begin:end]


for _name, _fn in {
    "var": _var,
    "missing": _missing_lazy,
    "missing_some": _missing_some,
    "if": _if,
    "?:": _if,
    "or": _or,
    "and": _and,
    "map": _map,
    "filter": _filter,
    "reduce": _reduce,
    "all": _all,
    "none": _none,
    "some": _some,
}.items():
    _register(LAZY, _name, _fn)

for _name, _fn in {
    "==": loose_equals,
    "===": strict_equals,
    "!=": lambda a, b: not loose_equals(a, b),
    "!==": lambda a, b: not strict_equals(a, b),
    ">": lambda a, b: less_than(b, a),
    ">=": lambda a, b: less_equal(b, a),
    "<": _lt,
    "<=": _le,
    "!": lambda a=None: not truthy(a),
    "!!": lambda a=None: truthy(a),
    "%": _modulo,
    "log": lambda a=None: a,
    "in": _in,
    "cat": lambda *args: "".join(to_string(a) for a in args),
    "substr": _substr,
    "+": _plus,
    "*": _times,
    "-": _minus,
    "/": _divide,
    "min": _minmax(min),
    "max": _minmax(max),
    "merge": _merge,
}.items():
    _register(EAGER, _name, _fn)

SUPPORTED = frozenset(EAGER) | frozenset(LAZY)
