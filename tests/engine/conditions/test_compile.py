"""Compiled SQL and the Python evaluator agree on every generated condition and record."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.conditions.compile import ConditionError, compile_condition
from engine.conditions.evaluate import evaluate
from engine.conditions.jsvalues import truthy
from engine.schema_load import parse_workspace
from engine.sql import quote_ident

TABLE = parse_workspace(
    {
        "name": "c",
        "label": "C",
        "tables": [
            {
                "name": "t",
                "label": "T",
                "fields": [
                    {"type": "integer", "name": "n1", "label": "N1"},
                    {"type": "money", "name": "n2", "label": "N2"},
                    {"type": "text", "name": "s1", "label": "S1"},
                    {
                        "type": "single_select",
                        "name": "s2",
                        "label": "S2",
                        "options": [{"value": v, "label": v} for v in "abc"],
                    },
                    {"type": "boolean", "name": "b1", "label": "B1"},
                    {
                        "type": "multi_select",
                        "name": "tags",
                        "label": "Tags",
                        "options": [{"value": v, "label": v} for v in ("vip", "rush")],
                    },
                ],
            }
        ],
    }
).require_table("t")
DDL = "CREATE TABLE t (n1 BIGINT, n2 DECIMAL(18,2), s1 VARCHAR, s2 VARCHAR, b1 BOOLEAN, tags VARCHAR[])"

numbers = st.one_of(st.integers(-5, 5), st.sampled_from([0.5, -2.25, 3.0]))
texts = st.sampled_from(["a", "b", "ab", "ba", "5", "10", "a5", " x"])
records = st.fixed_dictionaries(
    {
        "n1": st.one_of(st.none(), st.integers(-5, 5)),
        "n2": st.one_of(
            st.none(), st.sampled_from([Decimal("0.00"), Decimal("2.50"), Decimal("-1.25"), Decimal("3.00")])
        ),
        "s1": st.one_of(st.none(), texts),
        "s2": st.one_of(st.none(), st.sampled_from(["a", "b", "c"])),
        "b1": st.one_of(st.none(), st.booleans()),
        "tags": st.one_of(st.none(), st.sampled_from([["vip"], ["rush"], ["vip", "rush"]])),
    }
)

num_var = st.sampled_from([{"var": "n1"}, {"var": "n2"}])
num_expr = st.recursive(
    st.one_of(num_var, numbers),
    lambda inner: st.one_of(
        st.builds(lambda a, b: {"+": [a, b]}, inner, inner),
        st.builds(lambda a, b: {"-": [a, b]}, inner, inner),
        st.builds(lambda a, b: {"*": [a, b]}, inner, inner),
        st.builds(lambda a: {"-": [a]}, inner),
    ),
    max_leaves=3,
)
text_var = st.sampled_from([{"var": "s1"}, {"var": "s2"}])
comparisons = st.one_of(
    st.builds(lambda op, a, b: {op: [a, b]}, st.sampled_from(["<", "<=", ">", ">="]), num_expr, num_expr),
    st.builds(
        lambda op, a, b, c: {op: [a, b, c]}, st.sampled_from(["<", "<="]), num_expr, num_expr, num_expr
    ),
    st.builds(lambda op, v, x: {op: [v, x]}, st.sampled_from(["<", "<=", ">", ">="]), text_var, texts),
    st.builds(lambda op, x, v: {op: [x, v]}, st.sampled_from(["<", "<=", ">", ">="]), texts, text_var),
    st.builds(
        lambda op, a, b: {op: [a, b]},
        st.sampled_from(["==", "!=", "===", "!=="]),
        num_expr,
        st.one_of(numbers, st.none()),
    ),
    st.builds(
        lambda op, v, x: {op: [v, x]},
        st.sampled_from(["==", "!=", "===", "!=="]),
        text_var,
        st.one_of(texts, st.none()),
    ),
    st.builds(
        lambda op, x: {op: [{"var": "b1"}, x]},
        st.sampled_from(["==", "!="]),
        st.one_of(st.booleans(), st.none()),
    ),
    st.builds(
        lambda v, xs: {"in": [v, xs]}, text_var, st.lists(st.one_of(texts, st.none(), numbers), max_size=3)
    ),
    st.builds(lambda v, xs: {"in": [v, xs]}, num_var, st.lists(st.one_of(numbers, texts), max_size=3)),
    st.builds(lambda x, v: {"in": [x, v]}, texts, text_var),
    st.builds(lambda x: {"in": [x, {"var": "tags"}]}, st.sampled_from(["vip", "rush", "x"])),
    st.builds(lambda op, v, x: {op: [v, x]}, st.sampled_from(["starts_with", "ends_with"]), text_var, texts),
    st.sampled_from([{"var": n} for n in ("n1", "n2", "s1", "s2", "b1", "tags")]),
    num_expr,
)
conditions = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"and": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"or": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"!": [x]}, inner),
        st.builds(lambda x: {"!!": [x]}, inner),
    ),
    max_leaves=5,
)


def as_json(record: dict[str, Any]) -> dict[str, Any]:
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in record.items()}


def evaluate_ext(rule: Any, data: Any) -> Any:
    """The evaluator plus the two text extensions the compiler adds."""
    if isinstance(rule, dict) and len(rule) == 1:
        ((op, args),) = rule.items()
        if op in ("starts_with", "ends_with"):
            text, part = (evaluate_ext(a, data) for a in args)
            if not isinstance(text, str):
                return False
            return text.startswith(part) if op == "starts_with" else text.endswith(part)
        if op in ("and", "or", "!", "!!"):
            items = args if isinstance(args, list) else [args]
            values = [truthy(evaluate_ext(a, data)) for a in items]
            return {"and": all, "or": any}.get(op, lambda v: not v[0] if op == "!" else v[0])(values)
    return evaluate(rule, data)


@settings(max_examples=600, deadline=None)
@given(conditions, records)
def test_sql_agrees_with_the_evaluator(rule: Any, record: dict[str, Any]) -> None:
    fragment = compile_condition(rule, TABLE, column=lambda name: f"t.{quote_ident(name)}")
    con = duckdb.connect()
    con.execute(DDL)
    con.execute(
        "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", [record[k] for k in ("n1", "n2", "s1", "s2", "b1", "tags")]
    )
    (sql_result,) = con.execute(f"SELECT {fragment.sql} FROM t AS t", list(fragment.params)).fetchone()
    assert sql_result is truthy(evaluate_ext(rule, as_json(record))), (rule, record, fragment)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({">": [{"var": "qtty"}, 1]}, "condition.>[0].var: unknown field 'qtty'"),
        ({"and": [{"<": [{"var": "n1"}]}]}, "condition.and[0].<: '<' takes 2 to 3 arguments, got 1"),
        ({"xor": [1, 2]}, "condition: unknown operator 'xor'"),
        ({"<": [{"var": "s1"}, 5]}, "compare numbers with numbers and text with a text value"),
        ({"==": [{"var": "tags"}, ["vip"]]}, "lists are compared with 'in'"),
        ({"+": [{"var": "s1"}, 1]}, "'+' needs numbers, got text"),
    ],
)
def test_bad_conditions_name_the_node(rule: Any, message: str) -> None:
    with pytest.raises(ConditionError) as info:
        compile_condition(rule, TABLE)
    assert message in str(info.value)


def test_values_are_bound_never_spliced() -> None:
    nasty = "x'); DROP TABLE t; --"
    fragment = compile_condition({"==": [{"var": "s1"}, nasty]}, TABLE)
    assert nasty not in fragment.sql and nasty in fragment.params
