"""Compiled SQL and the Python evaluator agree on every generated condition and record."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.conditions.compile import Compiler, ConditionError, compile_condition
from engine.conditions.extensions import CHANGES, STATUS_SINCE
from engine.conditions.records import evaluate_condition
from engine.schema_load import parse_workspace
from engine.storage.sql import quote_ident
from engine.storage.store import SYSTEM_DDL

WS = parse_workspace(
    {
        "name": "c",
        "label": "C",
        "tables": [
            {
                "name": "cust",
                "label": "Cust",
                "business_key": "code",
                "fields": [
                    {"type": "text", "name": "code", "label": "Code", "unique": True},
                    {"type": "text", "name": "level", "label": "Level"},
                    {"type": "money", "name": "credit", "label": "Credit"},
                    {"type": "datetime", "name": "since", "label": "Since"},
                ],
            },
            {
                "name": "t",
                "label": "T",
                "fields": [
                    {"type": "relation", "name": "cust", "label": "Cust", "table": "cust"},
                    {
                        "type": "lookup",
                        "name": "cust_level",
                        "label": "Level",
                        "relation": "cust",
                        "field": "level",
                    },
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
                    {
                        "type": "computed",
                        "name": "amt",
                        "label": "Amt",
                        "expression": {"/": [{"*": [{"var": "n1"}, {"var": "n2"}]}, 3]},
                        "scale": 2,
                    },
                ],
            },
        ],
    }
)
TABLE = WS.require_table("t")
DDL = (
    "CREATE TABLE c.t (_id BIGINT, _created_at TIMESTAMP, cust VARCHAR, n1 BIGINT, n2 DECIMAL(18,2), "
    "s1 VARCHAR, s2 VARCHAR, b1 BOOLEAN, tags VARCHAR[], d1 TIMESTAMP, d0 DATE)"
)
CUST_DDL = "CREATE TABLE c.cust (code VARCHAR, level VARCHAR, credit DECIMAL(18,2), since TIMESTAMP)"
COLUMNS = ("n1", "n2", "s1", "s2", "b1", "tags", "d1", "d0")
NOW = datetime(2026, 3, 15, 12, 0, 0)
CREATED = datetime(2026, 3, 13, 8, 0)
CUSTOMERS = {
    "K1": {"code": "K1", "level": "a", "credit": Decimal("2.50"), "since": datetime(2026, 3, 14, 12, 0)},
    "K2": {"code": "K2", "level": None, "credit": None, "since": None},
}

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
histories = st.fixed_dictionaries(
    {
        "cust": st.sampled_from([None, "K1", "K2", "K9"]),
        "moved_at": st.lists(
            st.sampled_from([datetime(2026, 3, 15, 9, 0), datetime(2026, 3, 14, 11, 30)]), max_size=2
        ),
        "changes": st.lists(st.sampled_from(["n1", "s1", "b1"]), max_size=3),
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
        st.builds(lambda a, b: {"/": [a, b]}, inner, inner),
    ),
    max_leaves=3,
)
extension_numbers = st.sampled_from(
    [
        {"hours_in_status": []},
        {"changed_count": ["n1"]},
        {"changed_count": ["s1"]},
        {"var": "cust.credit"},
        {"var": "amt"},
        {"if": [{"var": "b1"}, {"var": "n1"}, {"var": "cust.credit"}]},
        {"if": [{"<": [{"var": "n1"}, 0]}, 1, {"/": [{"var": "n2"}, 2]}]},
    ]
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
    st.builds(
        lambda op, a, k: {op: [a, k]}, st.sampled_from(["<", ">", ">=", "=="]), extension_numbers, numbers
    ),
    st.builds(
        lambda op, v, x: {op: [{"var": v}, x]},
        st.sampled_from(["==", "!="]),
        st.sampled_from(["cust.level", "cust_level"]),
        st.one_of(texts, st.none()),
    ),
    st.builds(lambda x: {"<": [{"var": "cust.level"}, x]}, texts),
    st.builds(
        lambda op: {op: [{"var": "cust.since"}, "2026-03-14T12:00:00"]}, st.sampled_from(["==", "<", ">="])
    ),
    st.builds(
        lambda op, xs: {op: [{"var": "tags"}, {"in": [{"var": ""}, xs]}]},
        st.sampled_from(["some", "all", "none"]),
        st.lists(st.sampled_from(["vip", "rush", "x"]), max_size=2),
    ),
)
conditions = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"and": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"or": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"!": [x]}, inner),
        st.builds(lambda x: {"!!": [x]}, inner),
        st.builds(lambda a, b, c: {"if": [a, b, c]}, inner, inner, inner),
        st.builds(lambda a, b: {"if": [a, b]}, inner, inner),
    ),
    max_leaves=5,
)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for ddl in SYSTEM_DDL:
        con.execute(ddl)
    con.execute("CREATE SCHEMA c")
    con.execute(DDL)
    con.execute(CUST_DDL)
    for c in CUSTOMERS.values():
        con.execute("INSERT INTO c.cust VALUES (?, ?, ?, ?)", list(c.values()))
    return con


def _store_history(con: duckdb.DuckDBPyConnection, history: dict[str, Any]) -> dict[str, Any]:
    """Write the record's status moves and audited changes; return the evaluator's context for them."""
    for table in ("_status_moves", "_audit_log", "_audit_items"):
        con.execute(f"DELETE FROM {table}")
    for moved in history["moved_at"]:
        con.execute("INSERT INTO _status_moves VALUES ('c', 't', 1, 'a', 'b', ?, 'x', 'form', '')", [moved])
    for seq, name in enumerate(history["changes"]):
        # Alternate the two layouts of an audit entry: the item inline, and in _audit_items.
        inline = seq % 2 == 0
        changes = json.dumps({name: [None, 1]})
        con.execute(
            "INSERT INTO _audit_log VALUES (?, ?, 'x', 'update', 'c', 't', 1, NULL, NULL, 1, '', '', '', '', ?, ?, "
            "NULL, NULL, NULL, NULL)",
            [seq, NOW, "update" if inline else None, changes if inline else None],
        )
        if not inline:
            con.execute("INSERT INTO _audit_items VALUES (?, 1, 'update', ?)", [seq, changes])
    customer = CUSTOMERS.get(history["cust"] or "")
    return {
        "@cust": customer,
        STATUS_SINCE: max(history["moved_at"], default=CREATED),
        CHANGES: {n: history["changes"].count(n) for n in ("n1", "s1", "b1")},
    }


@settings(max_examples=800, deadline=None)
@given(rule=conditions, record=records, history=histories)
def test_sql_agrees_with_the_evaluator(
    con: duckdb.DuckDBPyConnection, rule: Any, record: dict[str, Any], history: dict[str, Any]
) -> None:
    compiler = Compiler(TABLE, column=lambda name: f"t.{quote_ident(name)}", now=NOW, ws=WS)
    fragment = compiler.condition(rule)
    source = compiler.source("c.t AS t")
    context = _store_history(con, history)
    con.execute("DELETE FROM c.t")
    con.execute(
        f"INSERT INTO c.t VALUES (1, ?, ?, {', '.join('?' * len(COLUMNS))})",
        [CREATED, history["cust"], *(record[k] for k in COLUMNS)],
    )
    (sql_result,) = con.execute(
        f"SELECT {fragment.sql} FROM {source.sql}", [*fragment.params, *source.params]
    ).fetchone()
    stored = record | {"cust": history["cust"], "cust_level": (context["@cust"] or {}).get("level")}
    expected = evaluate_condition(rule, TABLE, stored, now=NOW, ws=WS, context=context)
    assert sql_result is expected, (rule, record, history, fragment)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({">": [{"var": "qtty"}, 1]}, "condition.>[0].var: unknown field 'qtty'"),
        ({"and": [{"<": [{"var": "n1"}]}]}, "condition.and[0].<: '<' takes 2 to 3 arguments, got 1"),
        ({"xor": [1, 2]}, "condition: unknown operator 'xor'"),
        ({"<": [{"var": "s1"}, 5]}, "compare numbers with numbers and text with a text value"),
        ({"==": [{"var": "tags"}, ["vip"]]}, "lists are compared with 'in'"),
        ({"+": [{"var": "s1"}, 1]}, "'+' needs numbers, got text"),
        ({"==": [{"var": "s1.level"}, "a"]}, "only a relation field may be followed with '.'"),
        ({"==": [{"var": "cust.levle"}, "a"]}, "'cust' has no stored field 'levle' — did you mean 'level'?"),
        ({">": [{"changed_count": ["qty"]}, 1]}, "condition.>[0].changed_count[0]: changed_count needs"),
        ({">": [{"hours_in_status": [1]}, 1]}, "'hours_in_status' takes 0 to 0 arguments"),
        ({"==": [{"if": [{"var": "b1"}, "a", 1]}, 1]}, "condition.==[0].if: the branches of 'if'"),
        ({"some": [{"var": "tags"}, {"==": [1, 1]}]}, "condition.some: 'some' is supported as"),
        ({"/": [{"var": "n1"}]}, "'/' takes 2 to 2 arguments"),
    ],
)
def test_bad_conditions_name_the_node(rule: Any, message: str) -> None:
    with pytest.raises(ConditionError) as info:
        compile_condition(rule, TABLE, now=NOW, ws=WS)
    assert message in str(info.value)


def test_values_are_bound_never_spliced() -> None:
    nasty = "x'); DROP TABLE t; --"
    fragment = compile_condition({"==": [{"var": "s1"}, nasty]}, TABLE)
    assert nasty not in fragment.sql and nasty in fragment.params


def test_paid_two_hours_and_not_shipped_with_a_fixed_clock() -> None:
    rule = {"and": [{">": [{"hours_since": [{"var": "d1"}]}, 2]}, {"missing": ["d0"]}]}
    fragment = compile_condition(rule, TABLE, now=NOW)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA c")
    con.execute(DDL)
    rows = [
        (datetime(2026, 3, 15, 9, 30), None),  # paid 2.5 h ago, not shipped → yes
        (datetime(2026, 3, 15, 10, 30), None),  # paid 1.5 h ago → no
        (datetime(2026, 3, 15, 9, 0), date(2026, 3, 15)),  # shipped → no
        (None, None),  # never paid → no
    ]
    for paid, shipped in rows:
        con.execute("INSERT INTO c.t (d1, d0) VALUES (?, ?)", [paid, shipped])
    hits = con.execute(
        f"SELECT d1 FROM c.t AS t WHERE {fragment.sql} ORDER BY d1", list(fragment.params)
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


def test_history_and_relations_need_the_workspace() -> None:
    with pytest.raises(ConditionError, match="compile it with the workspace"):
        compile_condition({">": [{"hours_in_status": []}, 2]}, TABLE, now=NOW)
    with pytest.raises(ConditionError, match="compile it with the workspace"):
        compile_condition({"==": [{"var": "cust.level"}, "a"]}, TABLE)
