"""The drag-and-drop condition builder (streamlit-condition-tree) and the engine: its field configuration
from a table, its JSONLogic output taken back as a condition, and the time clauses it cannot express
(hours since a field, hours in the current status) combined with what it built."""

from __future__ import annotations

from typing import Any

import polars as pl

from engine.errors import AuthoringError, Problem
from engine.fields import (
    FieldBase,
    LookupField,
    RelationField,
)
from engine.forms import label_of
from engine.schema import Table, Workspace

# Field kinds → the builder's value types; a text field with options is a select.
BUILDER_TYPES = {"bool": "boolean", "list": "multiselect", "number": "number"}
RELATION_GROUP = "_rel"
TIME_OPS = {"hours_since": "hours_since", "hours_in_status": "hours_in_status"}


def _builder_type(field: FieldBase) -> str:
    if field.is_kind("time"):
        return "date" if field.polars_dtype() == pl.Date() else "datetime"
    return BUILDER_TYPES.get(field.kind, "select" if field.has_options else "text")


def _field_config(field: FieldBase, lang: str) -> dict[str, Any]:
    kind = _builder_type(field)
    config: dict[str, Any] = {"label": label_of(field, lang), "type": kind}
    if kind in ("select", "multiselect"):
        options = field.options  # type: ignore[attr-defined]
        config["fieldSettings"] = {"listValues": [{"value": o.value, "title": o.label} for o in options]}
        config["valueSources"] = ["value"]
    return config


def builder_config(ws: Workspace, table: Table, lang: str = "zh") -> dict[str, Any]:
    """The builder's `config`: every field of the table, and each relation's target fields as a group."""
    fields: dict[str, Any] = {}
    for field in table.fields:
        if isinstance(field, LookupField):
            relation = table.field(field.relation)
            target = ws.table(relation.table) if isinstance(relation, RelationField) else None
            inner = target.field(field.field) if target else None
            if inner is not None:
                fields[field.name] = _field_config(inner, lang) | {"label": label_of(field, lang)}
            continue
        fields[field.name] = _field_config(field, lang)
        if isinstance(field, RelationField) and (target := ws.table(field.table)) is not None:
            subfields = {
                f.name: _field_config(f, lang)
                for f in target.fields
                if f.stored and not isinstance(f, RelationField)
            }
            fields[field.name + RELATION_GROUP] = {
                "label": f"{label_of(field, lang)} →",
                "type": "!struct",
                "subfields": subfields,
            }
    return {"fields": fields}


def builder_logic(output: Any) -> dict[str, Any] | None:
    """The condition from the builder's jsonLogic output ({errors, logic, data}); None when it is empty.

    A relation's group is keyed '<relation>_rel' in the builder (the relation itself is a field there too),
    so its vars come back as 'customer_no_rel.level' and are renamed to the path 'customer_no.level'.
    """
    if not output:
        return None
    if isinstance(output, dict) and output.get("errors"):
        problems = [Problem("condition", str(e)) for e in output["errors"]]
        raise AuthoringError("the condition builder reports problems", problems)
    logic = output.get("logic") if isinstance(output, dict) else None
    return _relation_paths(logic) if logic else None


def _relation_paths(node: Any) -> Any:
    if isinstance(node, list):
        return [_relation_paths(n) for n in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"var"} and isinstance(node["var"], str) and RELATION_GROUP + "." in node["var"]:
        return {"var": node["var"].replace(RELATION_GROUP + ".", ".", 1)}
    return {k: _relation_paths(v) for k, v in node.items()}


def time_clause(kind: str, op: str, hours: float, field: str | None = None) -> dict[str, Any]:
    """hours_since(field) or hours_in_status compared with a number of hours."""
    if kind not in TIME_OPS:
        raise AuthoringError(f"unknown time clause {kind!r} (choose {', '.join(TIME_OPS)})")
    if op not in (">", ">=", "<", "<="):
        raise AuthoringError(f"compare hours with >, >=, < or <=, not {op!r}")
    left = {"hours_since": [{"var": field}]} if kind == "hours_since" else {"hours_in_status": []}
    return {op: [left, hours]}


def combine(logic: dict[str, Any] | None, clauses: list[dict[str, Any]]) -> dict[str, Any]:
    """The builder's condition and the time clauses, all of which must hold."""
    # An "and" the builder's part already is stays one flat "and" (the condition comes back as it was saved).
    own = (logic["and"] if set(logic) == {"and"} else [logic]) if logic else []
    parts = own + clauses
    if not parts:
        raise AuthoringError("a rule needs a condition: build one or add a time clause")
    return parts[0] if len(parts) == 1 else {"and": parts}


def split(condition: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """A stored condition back into the builder's part and its time clauses (for editing)."""
    parts = condition["and"] if set(condition) == {"and"} else [condition]
    clauses = [p for p in parts if _is_time_clause(p)]
    rest = [p for p in parts if not _is_time_clause(p)]
    logic = None if not rest else rest[0] if len(rest) == 1 else {"and": rest}
    return logic, clauses


def _is_time_clause(part: Any) -> bool:
    if not (isinstance(part, dict) and len(part) == 1):
        return False
    ((op, args),) = part.items()
    return (
        op in (">", ">=", "<", "<=")
        and isinstance(args, list)
        and len(args) == 2
        and isinstance(args[0], dict)
        and set(args[0]) <= set(TIME_OPS)
        and isinstance(args[1], int | float)
    )


def clause_row(clause: dict[str, Any]) -> dict[str, Any]:
    """A time clause as an editor row: kind, field, op, hours."""
    ((op, (left, hours)),) = clause.items()
    ((kind, args),) = left.items()
    field = args[0].get("var") if kind == "hours_since" and args else None
    return {"kind": kind, "field": field, "op": op, "hours": hours}


def clauses_from_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Time clauses from the editor's rows (rows without a kind or hours are skipped)."""
    return [
        time_clause(r["kind"], r.get("op") or ">", _hours(r["hours"]), r.get("field") or None)
        for r in rows
        if r.get("kind") and r.get("hours") is not None
    ]


def _hours(value: Any) -> float | int:
    try:
        hours = float(value)
    except (TypeError, ValueError):
        raise AuthoringError(f"a time condition's hours must be a number, not {value!r}") from None
    return int(hours) if hours.is_integer() else hours  # 2, as a rule says it, not 2.0


def has_rules(tree: dict[str, Any] | None) -> bool:
    """Whether a builder tree holds any condition (an empty group is no condition)."""
    return bool(tree and tree.get("children1"))


def edited_logic(
    before: dict[str, Any] | None,
    opened_tree: dict[str, Any] | None,
    output: Any,
    tree: dict[str, Any] | None,
    clear_before: bool = False,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The condition (without its time clauses) and the builder tree to keep after an edit.

    A condition saved from the builder comes back in it and the builder's output is the condition. A condition
    written without it (a template's rules, JSON) cannot be drawn there: the builder opens empty, so the saved
    condition is kept — what is built is added to it — unless the builder chose to clear it; no tree is kept
    then, since it would hold only part of the condition."""
    built = builder_logic(output) if output else None
    if has_rules(opened_tree):
        return (built if output else before), (tree or opened_tree)
    if before is None or clear_before:
        return built, (tree if has_rules(tree) else None)
    return (before if built is None else {"and": [before, built]}), None
