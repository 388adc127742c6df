"""Compiled SQL and the Python evaluator agree on every generated condition and record."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.conditions.compile import ConditionError, compile_condition
from engine.conditions.records import evaluate_condition
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
                    {"type": "datetime", "name": "d1", "label": "D1"},
                    {"type": "date", "name": "d0", "label": "D0"},
                ],
            }
        ],
    }
).require_table("t")
DDL = "CREATE TABLE t (n1 BIGINT, n2 DECIMAL(18,2), s1 VARCHAR, s2 VARCHAR, b1 BOOLEAN, tags VARCHAR[], d1 TIMESTAMP, d0 DATE)"
COLUMNS = ("n1", "n2", "s1", "s2", "b1", "tags", "d1", "d0")
NOW = datetime(2026, 3, 15, 12, 0, 0)

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
        "d1": st.one_of(
            st.none(),
            st.sampled_from(
                [datetime(2026, 3, 15, 9, 30), datetime(2026, 3, 14, 12, 0), datetime(2026, 3, 15, 12, 0, 1)]
            ),
        ),
        "d0": st.one_of(st.none(), st.sampled_from([date(2026, 3, 15), date(2026, 3, 13)])),
    }
)
time_literals = st.sampled_from(
    ["2026-03-15T09:30:00", "2026-03-15T01:30:00.000Z", "2026-03-14", "2026-03-15 12:00:00"]
)
time_var = st.sampled_from([{"var": "d1"}, {"var": "d0"}])

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
    st.sampled_from([{"var": n} for n in ("n1", "n2", "s1", "s2", "b1", "tags", "d1", "d0")]),
    num_expr,
    st.builds(
        lambda op, v, x: {op: [v, x]},
        st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
        time_var,
        time_literals,
    ),
    st.builds(lambda op, a, b: {op: [a, b]}, st.sampled_from(["<", "<=", ">", ">="]), time_var, time_var),
    st.builds(lambda op, v: {op: [v, {"now": []}]}, st.sampled_from(["<", ">="]), time_var),
    st.builds(
        lambda op, v, k: {op: [{"hours_since": [v]}, k]},
        st.sampled_from(["<", ">", ">="]),
        time_var,
        st.sampled_from([0, 2, 24, 26.5]),
    ),
    st.builds(
        lambda a, b, k: {"<": [{"days_between": [a, b]}, k]},
        time_var,
        time_var,
        st.sampled_from([-1, 0, 1.5]),
    ),
    st.builds(
        lambda fs: {"missing": fs},
        st.lists(st.sampled_from(["n1", "s1", "tags", "d1"]), min_size=1, max_size=2),
    ),
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


@settings(max_examples=600, deadline=None)
@given(conditions, records)
def test_sql_agrees_with_the_evaluator(rule: Any, record: dict[str, Any]) -> None:
    fragment = compile_condition(rule, TABLE, column=lambda name: f"t.{quote_ident(name)}", now=NOW)
    con = duckdb.connect()
    con.execute(DDL)
    con.execute(f"INSERT INTO t VALUES ({', '.join('?' * len(COLUMNS))})", [record[k] for k in COLUMNS])
    (sql_result,) = con.execute(f"SELECT {fragment.sql} FROM t AS t", list(fragment.params)).fetchone()
    assert sql_result is evaluate_condition(rule, TABLE, record, now=NOW), (rule, record, fragment)


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


def test_paid_two_hours_and_not_shipped_with_a_fixed_clock() -> None:
    rule = {"and": [{">": [{"hours_since": [{"var": "d1"}]}, 2]}, {"missing": ["d0"]}]}
    fragment = compile_condition(rule, TABLE, now=NOW)
    con = duckdb.connect()
    con.execute(DDL)
    rows = [
        (datetime(2026, 3, 15, 9, 30), None),  # paid 2.5 h ago, not shipped → yes
        (datetime(2026, 3, 15, 10, 30), None),  # paid 1.5 h ago → no
        (datetime(2026, 3, 15, 9, 0), date(2026, 3, 15)),  # shipped → no
        (None, None),  # never paid → no
    ]
    for paid, shipped in rows:
        con.execute("INSERT INTO t (d1, d0) VALUES (?, ?)", [paid, shipped])
    hits = con.execute(
        f"SELECT d1 FROM t AS t WHERE {fragment.sql} ORDER BY d1", list(fragment.params)
    ).fetchall()
    assert hits == [(datetime(2026, 3, 15, 9, 30),)]
    for paid, shipped in rows:
        record = {"d1": paid, "d0": shipped}
        assert evaluate_condition(rule, TABLE, record, now=NOW) is ((paid, shipped) == rows[0])


def test_utc_literals_from_the_condition_builder_become_local_time() -> None:
    # 18:00 in Asia/Shanghai is sent as 10:00Z
    rule = {"==": [{"var": "d1"}, "2026-03-15T10:00:00.000Z"]}
    assert evaluate_condition(rule, TABLE, {"d1": datetime(2026, 3, 15, 18, 0)}, now=NOW)
    fragment = compile_condition(rule, TABLE, now=NOW)
    assert datetime(2026, 3, 15, 18, 0) in fragment.params


def test_the_clock_is_required_for_time_extensions() -> None:
    with pytest.raises(ConditionError, match="uses the clock"):
        compile_condition({">": [{"hours_since": [{"var": "d1"}]}, 2]}, TABLE)
