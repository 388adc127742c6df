"""Identifier quoting and fragment composition: hostile names stay names, values stay parameters."""

from __future__ import annotations

import duckdb
import pytest

from engine.sql import Fragment, all_of, any_of, qualified, quote_ident


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
