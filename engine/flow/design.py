"""Edits a builder makes in the Flow designer, as pure functions over the workspace document, and the checks
that show what is wrong with a flow before it is saved (unreachable states, dead ends).

Each edit returns a new document; nothing is saved until workspaces.save_workspace validates it. The status
field's options follow the states, so adding a state never leaves the two out of step.
"""

from __future__ import annotations

import copy
from typing import Any

from engine.designer import _table
from engine.errors import AuthoringError, NotFoundError
from engine.fields import suggest
from engine.flow.graph import graph_problems
from engine.identifiers import identifier_from_label
from engine.schema import Flow

Doc = dict[str, Any]


def _flow(doc: Doc, table: str) -> tuple[Doc, Doc]:
    """A copy of the document and the flow of `table` in it."""
    out = copy.deepcopy(doc)
    t = _table(out, table)
    if not t.get("flow"):
        raise NotFoundError(f"table {table!r} has no status flow")
    return out, t


def _status_field(t: Doc) -> Doc:
    return next(f for f in t["fields"] if f["name"] == t["flow"]["field"])


def add_state(doc: Doc, table: str, state: Doc) -> Doc:
    """Add a state (name, label, colour, category, SLA) and the matching option of the status field."""
    out, t = _flow(doc, table)
    names = [s["name"] for s in t["flow"]["states"]]
    state = _named(state, names)
    if state["name"] in names:
        raise AuthoringError(f"state {state['name']!r} exists already")
    t["flow"]["states"].append(state)
    options = _status_field(t).setdefault("options", [])
    options.append({"value": state["name"], "label": state["label"], "color": state.get("color", "#9e9e9e")})
    return out


def _named(state: Doc, taken: list[str]) -> Doc:
    """The state with an identifier made from its label when none was typed (质检 → zhi_jian)."""
    if str(state.get("name") or "").strip():
        return state
    return state | {"name": identifier_from_label(str(state.get("label", "")), taken, "state")}


def update_state(doc: Doc, table: str, name: str, changes: Doc) -> Doc:
    """Change a state's label, colour, category or SLA (its name is what records store: it stays)."""
    out, t = _flow(doc, table)
    state = _find_state(t, name)
    state.update({k: v for k, v in changes.items() if k != "name"})
    for option in _status_field(t).get("options", []):
        if option["value"] == name:
            option["label"] = state["label"]
            option["color"] = state.get("color", option.get("color"))
    return out


def remove_state(doc: Doc, table: str, name: str) -> Doc:
    """Remove a state, its option and every transition into or out of it."""
    out, t = _flow(doc, table)
    _find_state(t, name)
    flow = t["flow"]
    if flow["initial"] == name:
        raise AuthoringError(f"{name!r} is the initial state; choose another initial state first")
    flow["states"] = [s for s in flow["states"] if s["name"] != name]
    field = _status_field(t)
    field["options"] = [o for o in field.get("options", []) if o["value"] != name]
    kept = []
    for tr in flow.get("transitions", []):
        tr["from"] = [s for s in tr["from"] if s != name]
        if tr["to"] != name and tr["from"]:
            kept.append(tr)
    flow["transitions"] = kept
    return out


def _find_state(t: Doc, name: str) -> Doc:
    for s in t["flow"]["states"]:
        if s["name"] == name:
            return s
    known = [s["name"] for s in t["flow"]["states"]]
    raise NotFoundError(f"no state {name!r}{suggest(name, known)}")


def add_transition(doc: Doc, table: str, source: str, target: str, label: str | None = None) -> Doc:
    """Connect two states (as a builder drags an edge); roles, guard and the rest are set afterwards."""
    out, t = _flow(doc, table)
    _find_state(t, source) if source != "*" else None
    to = _find_state(t, target)
    if any(tr["to"] == target and source in tr["from"] for tr in t["flow"].get("transitions", [])):
        raise AuthoringError(f"{source} → {target} exists already")
    t["flow"].setdefault("transitions", []).append(
        {"from": [source], "to": target, "label": label or to["label"]}
    )
    return out


def update_transition(doc: Doc, table: str, index: int, changes: Doc) -> Doc:
    """Set a transition's label, roles, guard, required fields, field updates, effects or acknowledgements.

    A value of None removes the setting (e.g. the guard)."""
    out, t = _flow(doc, table)
    tr = _transition(t, index)
    for key, value in changes.items():
        if value is None or value == [] or value == {}:
            tr.pop(key, None)
        else:
            tr[key] = value
    return out


def remove_transition(doc: Doc, table: str, index: int) -> Doc:
    out, t = _flow(doc, table)
    _transition(t, index)
    del t["flow"]["transitions"][index]
    return out


def _transition(t: Doc, index: int) -> Doc:
    transitions = t["flow"].get("transitions", [])
    if not 0 <= index < len(transitions):
        raise NotFoundError(f"no transition #{index} (the flow has {len(transitions)})")
    return transitions[index]


def insert_state_between(doc: Doc, table: str, before: str, after: str, state: Doc) -> Doc:
    """Put a new state on the way from `before` to `after` (打包 → 质检 → 出库).

    The moves before → after now lead into the new state, and a new move from it to `after` takes over their
    requirements, field updates and effects (what entering `after` needs stays with entering `after`).
    """
    state = _named(state, [s["name"] for s in _flow(doc, table)[1]["flow"]["states"]])
    out = add_state(doc, table, state)
    t = _table(out, table)
    moved = [tr for tr in t["flow"].get("transitions", []) if tr["to"] == after and before in tr["from"]]
    if not moved:
        raise NotFoundError(f"no transition from {before!r} to {after!r}")
    onward = copy.deepcopy(moved[0])
    onward["from"] = [state["name"]]
    onward.pop("guard", None)
    for tr in moved:
        if tr["from"] == [before]:
            tr["to"] = state["name"]
            tr["label"] = state["label"]
            for key in ("require_fields", "set_fields", "effects", "acknowledge", "acknowledge_minutes"):
                tr.pop(key, None)
        else:  # a move from several states keeps going to `after` for the others
            tr["from"] = [s for s in tr["from"] if s != before]
            t["flow"]["transitions"].append({"from": [before], "to": state["name"], "label": state["label"]})
    t["flow"]["transitions"].append(onward)
    return out


def flow_problems(flow: Flow) -> list[str]:
    """What a builder should fix: states no move reaches, and open states with no way out."""
    return [message for _, message in graph_problems(flow)]
