"""A flow's graph is checked when a workspace is loaded: an unreachable state or an open dead end is refused
with its path; a state after a done one (signed → after-sale) stays legal."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from engine.errors import AuthoringError
from engine.schema_load import parse_workspace

TEMPLATE = json.loads((Path(__file__).resolve().parents[3] / "forms" / "home_ecommerce.json").read_text())


def _with_state(doc: dict, name: str, category: str, transitions: list[dict]) -> dict:
    doc = copy.deepcopy(doc)
    orders = doc["tables"][0]
    orders["flow"]["states"].append({"name": name, "label": "搁置", "category": category})
    status = next(f for f in orders["fields"] if f["name"] == orders["flow"]["field"])
    status["options"].append({"value": name, "label": "搁置"})
    orders["flow"]["transitions"] += transitions
    return doc


def _state_index(doc: dict, name: str) -> int:
    return [s["name"] for s in doc["tables"][0]["flow"]["states"]].index(name)


def test_an_unreachable_state_is_refused_at_load_with_its_path() -> None:
    doc = _with_state(TEMPLATE, "parked", "open", [{"from": ["parked"], "to": "cancelled", "label": "作废"}])
    with pytest.raises(AuthoringError) as refused:
        parse_workspace(doc)
    [problem] = refused.value.problems
    assert problem.path == f"tables[0].flow.states[{_state_index(doc, 'parked')}]"
    assert problem.message == "搁置 (parked) cannot be reached from placed"


def test_an_open_dead_end_is_refused_and_a_done_one_is_not() -> None:
    into = [{"from": ["placed"], "to": "parked", "label": "搁置"}]
    with pytest.raises(AuthoringError, match=r"搁置 \(parked\) is a dead end"):
        parse_workspace(_with_state(TEMPLATE, "parked", "open", into))
    assert parse_workspace(_with_state(TEMPLATE, "parked", "done", into)).tables[0].flow is not None


def test_a_state_after_done_stays_legal() -> None:
    flow = parse_workspace(TEMPLATE).tables[0].flow
    assert flow is not None
    done = {s.name for s in flow.states if s.category == "done"}
    assert any(set(tr.from_) & done for tr in flow.transitions)  # signed → after_sale is in the template
