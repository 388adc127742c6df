"""Identifier quoting and fragment composition: hostile names stay names, values stay parameters."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.storage.sql import Fragment, Sql, all_of, any_of, compose, listing, qualified, quote_ident


@pytest.mark.parametrize(
    ("name", "quoted"),
    [("orders", '"orders"'), ('Total "EUR"', '"Total ""EUR"""'), ("x; DROP TABLE t", '"x; DROP TABLE t"')],
)
def test_quote_ident_doubles_inner_quotes(name: str, quoted: str) -> None:
    assert quote_ident(name) == quoted


@pytest.mark.parametrize("bad", ["", "a\x00b"])
def test_quote_ident_refuses_empty_and_nul(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid identifier"):
        quote_ident(bad)


def test_hostile_names_and_values_execute_as_data() -> None:
    con = duckdb.connect()
    table, column = quote_ident("x; DROP TABLE t"), quote_ident('Total "EUR"')
    nasty = "'); DROP TABLE t; --"
    con.execute(f"CREATE TABLE {table} ({column} VARCHAR)")
    con.execute(f"INSERT INTO {table} VALUES (?)", [nasty])
    where = all_of([Fragment(f"{column} = ?", (nasty,)), Fragment("TRUE")])
    assert con.execute(f"SELECT count(*) FROM {table} WHERE {where.sql}", list(where.params)).fetchall() == [
        (1,)
    ]


def test_composition_keeps_parameter_order() -> None:
    a, b = Fragment("a = ?", (1,)), Fragment("b IN (?, ?)", (2, 3))
    assert all_of([a, b]) == Fragment("(a = ?) AND (b IN (?, ?))", (1, 2, 3))
    assert any_of([a, b]) == Fragment("(a = ?) OR (b IN (?, ?))", (1, 2, 3))
    assert all_of([]) == Fragment("TRUE") and any_of([]) == Fragment("FALSE")
    assert qualified("ws", "t") == '"ws"."t"'


def test_compose_fills_slots_with_quoted_identifiers_and_fragments() -> None:
    where = Fragment("x = ?", (1,))
    built = compose(
        "SELECT {cols} FROM {table} WHERE {where} LIMIT {n}",
        cols=listing(map(quote_ident, ["a", "b"])),
        table=qualified("ws", "t"),
        where=where,
        n=5,
    )
    assert built == 'SELECT "a", "b" FROM "ws"."t" WHERE x = ? LIMIT 5'
    assert isinstance(built, Sql)  # a composed statement can itself be spliced


@pytest.mark.parametrize("plain", ["orders", "1; DROP TABLE t", 1.5, True, None, ["a"]])
def test_compose_refuses_anything_that_is_not_sql(plain: object) -> None:
    with pytest.raises(TypeError, match="slot 'table'"):
        compose("SELECT * FROM {table}", table=plain)  # type: ignore[arg-type]


def test_compose_names_a_slot_left_empty() -> None:
    with pytest.raises(TypeError, match=r"\['where'\]"):
        compose("SELECT * FROM {table} WHERE {where}", table=quote_ident("t"))


def test_plain_string_operations_lose_the_safe_mark() -> None:
    # An f-string or + over Sql yields str again, so splicing it requires going back through compose.
    assert not isinstance(quote_ident("a") + " = 1", Sql)
    with pytest.raises(TypeError):
        listing([quote_ident("a"), "b; --"])  # type: ignore[list-item]


@given(st.text(min_size=1).filter(lambda s: "\x00" not in s))
def test_any_name_round_trips_through_quoting(name: str) -> None:
    con = duckdb.connect()
    con.execute(compose("CREATE TABLE t ({c} INTEGER)", c=quote_ident(name)))
    assert [d[0] for d in con.execute("SELECT * FROM t").description] == [name]
