"""The condition builder's configuration and output, taken back as conditions the engine compiles."""

from __future__ import annotations

import pytest

from engine.condition_builder import builder_config, builder_logic, combine, split, time_clause
from engine.conditions.compile import compile_condition
from engine.errors import AuthoringError
from engine.schema_load import parse_workspace
from engine.workspaces import load_template
from tests.conftest import NOW

WS = parse_workspace(load_template("auto_parts_chain"))
ORDERS = WS.require_table("orders")


def test_config_types_options_and_relation_groups() -> None:
    fields = builder_config(WS, ORDERS)["fields"]
    assert fields["qty"]["type"] == "number" and fields["paid_at"]["type"] == "datetime"
    assert fields["status"]["type"] == "select"
    assert {"value": "shipped", "title": "出库"} in fields["status"]["fieldSettings"]["listValues"]
    assert fields["priority_tags"]["type"] == "multiselect"
    assert fields["customer_level"]["type"] == "select"  # a lookup takes its target's type
    group = fields["customer_no_rel"]
    assert group["type"] == "!struct" and group["subfields"]["credit_limit"]["type"] == "number"


def test_builder_output_becomes_a_compilable_condition() -> None:
    output = {
        "errors": [],
        "logic": {
            "and": [
                {">": [{"var": "qty"}, 5]},
                {"in": [{"var": "status"}, ["placed", "reviewed"]]},
                {"==": [{"var": "customer_no_rel.level"}, "A"]},
                {"<": [{"var": "paid_at"}, "2026-11-23T02:00:00.000Z"]},
            ]
        },
        "data": {},
    }
    logic = builder_logic(output)
    assert logic["and"][2] == {"==": [{"var": "customer_no.level"}, "A"]}
    condition = combine(
        logic, [time_clause("hours_since", ">", 2, "paid_at"), time_clause("hours_in_status", ">=", 4)]
    )
    fragment = compile_condition(condition, ORDERS, now=NOW, ws=WS)
    assert "customers" in fragment.sql and "_status_history" in fragment.sql
    assert split(condition) == (
        logic,
        [{">": [{"hours_since": [{"var": "paid_at"}]}, 2]}, {">=": [{"hours_in_status": []}, 4]}],
    )


def test_builder_errors_and_empty_conditions_are_refused() -> None:
    with pytest.raises(AuthoringError, match="condition builder reports problems"):
        builder_logic({"errors": ["Incomplete rule"], "logic": None})
    assert builder_logic({"errors": [], "logic": None}) is None
    with pytest.raises(AuthoringError, match="needs a condition"):
        combine(None, [])
    with pytest.raises(AuthoringError, match="compare hours"):
        time_clause("hours_since", "==", 2, "paid_at")


def test_time_clauses_round_trip_through_editor_rows() -> None:
    from engine.condition_builder import clause_row, clauses_from_rows

    clauses = [time_clause("hours_since", ">", 2, "paid_at"), time_clause("hours_in_status", ">=", 4)]
    rows = [clause_row(c) for c in clauses]
    assert rows[0] == {"kind": "hours_since", "field": "paid_at", "op": ">", "hours": 2}
    assert clauses_from_rows([*rows, {"kind": None, "hours": None}]) == clauses


SAVED = {"and": [{"!!": [{"var": "paid_at"}]}, {"missing": ["shipped_at"]}]}
TREE = {"id": "g", "type": "group", "children1": [{"type": "rule"}]}
EMPTY = {"errors": [], "logic": None}
BUILT = {"errors": [], "logic": {">=": [{"var": "qty"}, 3]}}


def test_a_rule_written_without_the_builder_keeps_its_condition_when_opened():
    from engine.condition_builder import edited_logic

    # The browser's builder opens empty and sends an empty condition: the saved one stays, no tree is kept.
    assert edited_logic(SAVED, None, EMPTY, {"id": "g", "type": "group"}) == (SAVED, None)
    # What is built is added to it; clearing it takes only what is built (and its tree).
    assert edited_logic(SAVED, None, BUILT, TREE) == ({"and": [SAVED, BUILT["logic"]]}, None)
    assert edited_logic(SAVED, None, BUILT, TREE, clear_before=True) == (BUILT["logic"], TREE)
    # Before the builder has answered at all (first draw) nothing changes.
    assert edited_logic(SAVED, None, "", None) == (SAVED, None)


def test_a_rule_built_in_the_builder_is_what_the_builder_says():
    from engine.condition_builder import edited_logic

    assert edited_logic(SAVED, TREE, BUILT, TREE) == (BUILT["logic"], TREE)
    assert edited_logic(SAVED, TREE, "", None) == (SAVED, TREE)  # not answered yet
    assert edited_logic(SAVED, TREE, EMPTY, TREE) == (None, TREE)  # the builder emptied it


def test_split_and_combine_give_back_the_saved_condition():
    saved = {
        "and": [
            {"!!": [{"var": "paid_at"}]},
            {"missing": ["shipped_at"]},
            {">": [{"hours_since": [{"var": "paid_at"}]}, 2]},
        ]
    }
    logic, clauses = split(saved)
    from engine.condition_builder import clause_row, clauses_from_rows

    assert combine(logic, clauses_from_rows([clause_row(c) for c in clauses])) == saved
