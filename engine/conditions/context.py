"""What a condition reads beyond one record, loaded from the store for the Python evaluator: related rows,
when the record entered its status, and how often its fields changed (the SQL compiler reads the same
tables in place)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from engine.conditions.compile import AUDIT_ITEMS_SQL
from engine.conditions.extensions import CHANGES, STATUS_SINCE
from engine.conditions.records import relation_head
from engine.fields import ComputedField, LookupField, RelationField
from engine.schema import Table, Workspace
from engine.storage.sql import compose, qualified, quote_ident
from engine.storage.store import Store


def _nodes(rule: Any) -> Iterator[tuple[str, list[Any]]]:
    if isinstance(rule, list):
        for r in rule:
            yield from _nodes(r)
    elif isinstance(rule, dict) and len(rule) == 1:
        ((op, args),) = rule.items()
        items = args if isinstance(args, list) else [args]
        yield op, items
        yield from _nodes(items)


def needs(table: Table, rule: Any) -> tuple[set[str], bool, set[str]]:
    """(relations followed, whether hours_in_status is used, fields counted by changed_count)."""
    relations, in_status, counted = set(), False, set()
    for op, items in _nodes(rule):
        if op == "var" and items:
            head = relation_head(table, items[0])
            field = table.field(items[0]) if isinstance(items[0], str) else None
            if head:
                relations.add(head)
            elif isinstance(field, LookupField):
                relations.add(field.relation)
        elif op == "hours_in_status":
            in_status = True
        elif op == "changed_count" and items and isinstance(items[0], str):
            counted.add(items[0])
    return relations, in_status, counted


def record_fields(table: Table, rule: Any) -> set[str]:
    """The stored fields of `table` a rule reads from the record itself (relations it follows included)."""
    names: set[str] = set()
    for op, items in _nodes(rule):
        wanted = items[0] if op == "var" and items else (items if op == "missing" else [])
        for name in wanted if isinstance(wanted, list) else [wanted]:
            names |= _stored_inputs(table, name)
    return names


def _stored_inputs(table: Table, name: Any) -> set[str]:
    if not isinstance(name, str):
        return set()
    field = table.field(name) or table.field(name.split(".", 1)[0])
    if isinstance(field, LookupField):
        return {field.relation}
    if isinstance(field, ComputedField):
        return {n for op, items in _nodes(field.expression) if op == "var" for n in items}
    return {field.name} if field is not None and field.stored else set()


def load_context(
    store: Store, ws: Workspace, table: Table, rule: Any, record: dict[str, Any]
) -> dict[str, Any]:
    """The extra data `rule` needs to be evaluated for `record` (see conditions.records)."""
    relations, in_status, counted = needs(table, rule)
    cur = store.cursor()
    out: dict[str, Any] = {}
    for name in relations:
        relation = table.field(name)
        assert isinstance(relation, RelationField)
        target = ws.require_table(relation.table)
        row = None
        if record.get(name) is not None:
            res = cur.execute(
                compose(
                    "SELECT * FROM {target} WHERE {business_key} = ?",
                    target=qualified(ws.name, target.name),
                    business_key=quote_ident(str(target.business_key)),
                ),
                [record[name]],
            )
            found = res.fetchone()
            row = dict(zip([d[0] for d in res.description], found, strict=True)) if found else None
        out["@" + name] = row
    if in_status:
        (moved,) = cur.execute(
            "SELECT max(moved_at) FROM _status_history WHERE workspace = ? AND table_name = ? AND record_id = ?",
            [ws.name, table.name, record["_id"]],
        ).fetchone()
        out[STATUS_SINCE] = moved or record.get("_created_at")
    if counted:
        rows = cur.execute(
            compose(
                "SELECT changes FROM {AUDIT_ITEMS_SQL} a WHERE a.workspace = ? AND a.table_name = ? "
                "AND a.action = 'update' AND a.record_id = ?",
                AUDIT_ITEMS_SQL=AUDIT_ITEMS_SQL,
            ),
            [ws.name, table.name, record["_id"]],
        ).fetchall()
        out[CHANGES] = {name: sum(1 for (c,) in rows if _has_key(c, name)) for name in counted}
    return out


def _has_key(changes: str, name: str) -> bool:
    return name in json.loads(changes)
