"""Computed-field arithmetic: SQL and Python evaluation agree for all inputs."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.expressions import check_expression, compile_expression, evaluate_expression

FIELDS = {"qty", "price", "discount"}
numbers = st.one_of(
    st.integers(-1000, 1000), st.floats(-1000, 1000, allow_nan=False).map(lambda x: round(x, 2))
)
leaves = st.one_of(numbers, st.sampled_from([{"var": f} for f in sorted(FIELDS)]))
expressions = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.builds(lambda a, b: {"+": [a, b]}, children, children),
        st.builds(lambda a, b: {"-": [a, b]}, children, children),
        st.builds(lambda a, b: {"*": [a, b]}, children, children),
        st.builds(lambda a, b: {"/": [a, b]}, children, children),
        st.builds(lambda a: {"-": [a]}, children),
    ),
    max_leaves=6,
)
records = st.fixed_dictionaries({f: st.one_of(st.none(), numbers) for f in FIELDS})


@settings(max_examples=200, deadline=None)
@given(expressions, records)
def test_sql_and_python_agree(expr, record) -> None:
    assert check_expression(expr, FIELDS, "e") == []
    fragment = compile_expression(expr)
    con = duckdb.connect()
    con.execute("CREATE TABLE r (qty DOUBLE, price DOUBLE, discount DOUBLE)")
    con.execute("INSERT INTO r VALUES (?, ?, ?)", [record["qty"], record["price"], record["discount"]])
    (sql_value,) = con.execute(f"SELECT {fragment.sql} FROM r", list(fragment.params)).fetchone()
    py_value = evaluate_expression(expr, record)
    if sql_value is None or py_value is None:
        assert sql_value is None and py_value is None
    else:
        assert py_value == pytest.approx(sql_value, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ({"var": "nope"}, "unknown numeric field 'nope'"),
        ({"%": [1, 2]}, "unknown operator '%'"),
        ({"+": [1], "-": [2]}, "exactly one operator"),
        ("abc", "is not a number"),
        (True, "is not a number"),
        ({"-": [1, 2, 3]}, "takes 1 to 2 arguments, got 3"),
    ],
)
def test_bad_expressions_are_refused(expr, message) -> None:
    problems = check_expression(expr, FIELDS, "fields[3].expression")
    assert problems and message in problems[0].message and problems[0].path.startswith("fields[3].expression")
