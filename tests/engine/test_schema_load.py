"""Schema parsing: every problem reported with its JSON path and a suggested fix."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.errors import AuthoringError
from engine.schema_load import load_workspace_file, parse_workspace, parse_workspace_json


def problems_of(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(AuthoringError) as info:
        parse_workspace(doc, "forms/test.json")
    assert info.value.message.startswith("forms/test.json:")
    return [str(p) for p in info.value.problems]


def test_valid_small_schema_parses(small_doc) -> None:
    ws = parse_workspace(small_doc)
    assert ws.require_table("orders").field("order_no").id == "order_no"


def test_unknown_type_names_path_and_suggests(small_doc) -> None:
    small_doc["tables"][0]["fields"][9]["type"] = "datetme"
    assert problems_of(small_doc)[0].startswith(
        "tables[0].fields[9].type: unknown type 'datetme' — did you mean 'datetime'?"
    )


def test_unknown_key_suggests_the_right_spelling(small_doc) -> None:
    small_doc["tables"][0]["fields"][3]["minimun"] = 1
    assert problems_of(small_doc) == [
        "tables[0].fields[3].minimun: unknown key 'minimun' — did you mean 'minimum'? — remove it or fix its spelling"
    ]


def test_every_problem_is_reported_not_just_the_first(small_doc) -> None:
    fields = small_doc["tables"][0]["fields"]
    fields[1]["name"] = "Bad Name"
    fields[2].pop("label")
    fields[7]["options"][0]["color"] = "red"
    found = problems_of(small_doc)
    assert len(found) == 3
    assert any(p.startswith("tables[0].fields[1].name: 'Bad Name' is not a valid name") for p in found)
    assert any(p.startswith("tables[0].fields[2].label: is required") for p in found)
    assert any(p.startswith("tables[0].fields[7].options[0].color") for p in found)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["tables"][0].update(business_key="nope"),
            "tables[0].business_key: unknown field 'nope'",
        ),
        (
            lambda d: d["tables"][1]["fields"][1].update(table="ordrs"),
            "tables[1].fields[1].table: unknown table 'ordrs'",
        ),
        (
            lambda d: d["tables"][1]["fields"][2].update(field="custmer"),
            "tables[1].fields[2].field: unknown field 'custmer' — did you mean 'customer'?",
        ),
        (
            lambda d: d["tables"][0]["fields"][6].update(expression={"*": [{"var": "qtty"}, 2]}),
            "tables[0].fields[6].expression.*[0]: unknown numeric field 'qtty'",
        ),
        (lambda d: d["tables"][0]["fields"][6].update(expression={"**": [1, 2]}), "unknown operator '**'"),
        (
            lambda d: d["tables"][0]["fields"][6].update(expression={"/": [1]}),
            "'/' takes 2 to 2 arguments, got 1",
        ),
        (
            lambda d: d["tables"][0]["fields"][1].update(name="qty"),
            "tables[0].fields[3].name: field name 'qty' is already used by fields[1]",
        ),
        (
            lambda d: d["tables"][0]["fields"][3].update(default="x"),
            "tables[0].fields[3].default: 'x' is not a number",
        ),
        (
            lambda d: d["tables"][0].update(sub_tables=["returns"]),
            "tables[0].sub_tables[0]: unknown table 'returns'",
        ),
        (lambda d: d["tables"][0]["fields"][10].update(pattern="(["), "is not a valid regular expression"),
        (
            lambda d: d["tables"][0]["fields"][2].update(type="phone", required=True, hidden_for=["boss"]),
            "tables[0].fields[2].hidden_for[0]",
        ),
    ],
)
def test_meaning_checks_name_the_place(small_doc, mutate, expected) -> None:
    mutate(small_doc)
    assert any(expected in p for p in problems_of(small_doc)), problems_of(small_doc)


def test_flow_states_must_match_status_options(small_doc) -> None:
    small_doc["tables"][0]["fields"].append(
        {
            "type": "single_select",
            "name": "status",
            "label": "状态",
            "options": [{"value": "new", "label": "新"}],
        }
    )
    small_doc["tables"][0]["flow"] = {
        "field": "status",
        "initial": "draft",
        "states": [{"name": "new", "label": "新"}, {"name": "done", "label": "完成", "category": "done"}],
        "transitions": [{"from": ["new"], "to": "gone", "label": "x", "require_fields": ["nope"]}],
    }
    found = problems_of(small_doc)
    assert any("flow.field: options of 'status' (new) must equal the states (new, done)" in p for p in found)
    assert any("flow.initial: unknown state 'draft'" in p for p in found)
    assert any("flow.transitions[0].to: unknown state 'gone'" in p for p in found)
    assert any("flow.transitions[0]: unknown field 'nope'" in p for p in found)


INJECTION_NAMES = [
    'x"; DROP TABLE orders; --',
    "orders; DELETE FROM _users",
    "Ünïcode",
    "_id",
    "a b",
    "1abc",
    "x" * 64,
]


@pytest.mark.parametrize("name", INJECTION_NAMES)
def test_hostile_names_are_refused_at_load(small_doc, name: str) -> None:
    small_doc["tables"][0]["fields"][1]["name"] = name
    assert any("tables[0].fields[1].name" in p for p in problems_of(small_doc))


@pytest.mark.parametrize("name", INJECTION_NAMES)
def test_hostile_table_names_are_refused(small_doc, name: str) -> None:
    small_doc["tables"][1]["name"] = name
    assert any("tables[1].name" in p for p in problems_of(small_doc))


def test_bad_json_names_line_and_column() -> None:
    with pytest.raises(AuthoringError, match=r"not valid JSON at line 2, column"):
        parse_workspace_json('{"name": "x",\n "label": }', "x.json")


def test_non_object_document() -> None:
    with pytest.raises(AuthoringError, match="must be a JSON object, got list"):
        parse_workspace([], "x.json")


def test_missing_file(tmp_path) -> None:
    with pytest.raises(AuthoringError, match="cannot read the file"):
        load_workspace_file(tmp_path / "none.json")


def test_dump_round_trip(small_doc) -> None:
    from engine.schema_load import dump_workspace

    ws = parse_workspace(small_doc)
    assert parse_workspace(json.loads(json.dumps(dump_workspace(ws)))) == ws


def test_transition_guards_must_compile(small_doc) -> None:
    small_doc["tables"][0]["fields"].append(
        {
            "type": "single_select",
            "name": "status",
            "label": "状态",
            "options": [{"value": "new", "label": "新"}, {"value": "done", "label": "完成"}],
        }
    )
    small_doc["tables"][0]["flow"] = {
        "field": "status",
        "initial": "new",
        "states": [{"name": "new", "label": "新"}, {"name": "done", "label": "完成", "category": "done"}],
        "transitions": [
            {"from": ["new"], "to": "done", "label": "ok", "guard": {">": [{"var": "qty"}, 0]}},
            {"from": ["new"], "to": "done", "label": "bad", "guard": {">": [{"var": "qtty"}, 0]}},
            {"from": ["new"], "to": "done", "label": "bad op", "guard": {"xor": [1]}},
        ],
    }
    found = problems_of(small_doc)
    assert len(found) == 2
    assert found[0].startswith(
        "tables[0].flow.transitions[1].guard.>[0].var: unknown field 'qtty' — did you mean 'qty'?"
    )
    assert found[1].startswith("tables[0].flow.transitions[2].guard: unknown operator 'xor'")
