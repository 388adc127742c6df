"""Grid filter operators as a registry: each turns (column SQL, values) into a parameterised fragment.

Values are coerced by the field's type first, so '2026-03-15' filters a date and '¥1,200' a money field.
The full condition language (JSONLogic) lives in its own module; these are the grid's quick filters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict

from engine.errors import DataError, Problem
from engine.fields import ComputedField, FieldBase, suggest
from engine.registry import Registry
from engine.storage.sql import Fragment


class Filter(BaseModel):
    """One quick filter: field, operator, value (a list for 'in' and 'between')."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class Operator:
    label: str
    label_en: str
    arity: int  # 0: no value, 1: one value, 2: two values, -1: a list
    build: Callable[[str, list[Any]], Fragment]
    applies: Callable[[FieldBase], bool]


def _any(_: FieldBase) -> bool:
    return True


def _scalar(field: FieldBase) -> bool:
    return not field.is_kind("list")


def _ordered(field: FieldBase) -> bool:
    return field.ordered or field.is_kind("number")


def _texty(field: FieldBase) -> bool:
    return field.polars_dtype() == pl.String() and field.is_kind("text")


def _cmp(sym: str) -> Callable[[str, list[Any]], Fragment]:
    return lambda col, v: Fragment(f"{col} {sym} ?", (v[0],))


def _contains(col: str, v: list[Any]) -> Fragment:
    return Fragment(f"contains(lower({col}), lower(?))", (str(v[0]),))


def _list_contains(col: str, v: list[Any]) -> Fragment:
    return Fragment(f"list_contains({col}, ?)", (v[0],))


OPERATORS: Registry[Operator] = Registry("filter operator")


def register_operator(name: str, operator: Operator) -> None:
    """Add an operator; a duplicate name is an error."""
    OPERATORS.add(name, operator)


for _name, _op in {
    "eq": Operator("等于", "equals", 1, _cmp("="), _any),
    "ne": Operator("不等于", "is not", 1, lambda c, v: Fragment(f"{c} IS DISTINCT FROM ?", (v[0],)), _any),
    "lt": Operator("小于", "less than", 1, _cmp("<"), _ordered),
    "le": Operator("不大于", "at most", 1, _cmp("<="), _ordered),
    "gt": Operator("大于", "greater than", 1, _cmp(">"), _ordered),
    "ge": Operator("不小于", "at least", 1, _cmp(">="), _ordered),
    "between": Operator(
        "介于", "between", 2, lambda c, v: Fragment(f"{c} BETWEEN ? AND ?", (v[0], v[1])), _ordered
    ),
    "contains": Operator("包含", "contains", 1, _contains, _texty),
    "starts_with": Operator(
        "开头是", "starts with", 1, lambda c, v: Fragment(f"starts_with({c}, ?)", (str(v[0]),)), _texty
    ),
    "in": Operator(
        "属于",
        "is any of",
        -1,
        lambda c, v: Fragment(f"{c} IN ({', '.join('?' * len(v))})", tuple(v)),
        _scalar,
    ),
    "has": Operator("含有标签", "has tag", 1, _list_contains, lambda f: f.is_kind("list")),
    "is_empty": Operator("为空", "is empty", 0, lambda c, v: Fragment(f"{c} IS NULL"), _any),
    "not_empty": Operator("不为空", "is not empty", 0, lambda c, v: Fragment(f"{c} IS NOT NULL"), _any),
}.items():
    register_operator(_name, _op)


def filter_from_text(field: str, op: str, text: str) -> Filter:
    """A filter from what a person typed: lists ('in', 'between') are comma-separated (，也可以)."""
    arity = OPERATORS[op].arity if op in OPERATORS else 1
    if arity == 0:
        return Filter(field=field, op=op)
    if arity in (-1, 2):
        return Filter(field=field, op=op, value=[v.strip() for v in text.replace("，", ",").split(",")])
    return Filter(field=field, op=op, value=text.strip())


def operators_for(field: FieldBase) -> list[str]:
    """Names of the operators that apply to a field."""
    return [name for name, op in OPERATORS.items() if op.applies(field)]


def _values(field: FieldBase, flt: Filter, arity: int, path: str) -> list[Any]:
    if arity == 0:
        return []
    raw = flt.value if isinstance(flt.value, list) else [flt.value]
    if arity > 0 and len(raw) != arity:
        raise DataError(f"{path}: {flt.op!r} takes {arity} value(s), got {len(raw)}")
    if isinstance(field, ComputedField):
        try:
            return [float(v) for v in raw]
        except (TypeError, ValueError):
            raise DataError(f"{path}: {raw!r} is not a number") from None
    if field.is_kind("list"):
        coerced = field.coerce([str(v) for v in raw])
        if not coerced.ok or not coerced.value:
            raise DataError(f"{path}: {coerced.problem or 'a tag is needed'}")
        return list(coerced.value)
    out = []
    for v in raw:
        coerced = field.coerce(v)
        if not coerced.ok or coerced.value is None:
            raise DataError(
                f"{path}: {coerced.problem or 'a value is needed'}",
                [Problem(flt.field, str(coerced.problem))],
            )
        out.append(coerced.value)
    return out


def compile_filter(
    field: FieldBase | None, flt: Filter, column_sql: str, known: list[str], path: str
) -> Fragment:
    """Compile one quick filter against a checked column expression."""
    if field is None:
        raise DataError(f"{path}: unknown field {flt.field!r}{suggest(flt.field, known)}")
    op = OPERATORS.get(flt.op)
    if op is None:
        raise DataError(f"{path}: unknown operator {flt.op!r}{suggest(flt.op, list(OPERATORS))}")
    if not op.applies(field):
        raise DataError(
            f"{path}: {flt.op!r} does not apply to {field.type} field {field.name!r} (use {', '.join(operators_for(field))})"
        )
    return op.build(column_sql, _values(field, flt, op.arity, path))
