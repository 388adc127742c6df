"""A record's audit history as a viewer may read it: the table's read permission checked, and the fields
hidden from the viewer removed from every change (the history must not show what get_record hides)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from engine.audit import AuditRow, history
from engine.auth import Actor, is_hidden, require_table
from engine.schema import Workspace
from engine.storage.store import Store


def _without(changes: dict[str, Any], hidden: set[str]) -> dict[str, Any]:
    out = {k: v for k, v in changes.items() if k not in hidden}
    if isinstance(out.get("before"), dict) and set(out) == {"before"}:  # a delete: {"before": {...}}
        out["before"] = _without(out["before"], hidden)
    return out


def record_history(
    store: Store, ws: Workspace, table_name: str, record_id: int, viewer: Actor, limit: int = 500
) -> list[AuditRow]:
    """The record's audited changes, newest first, without the fields hidden from `viewer`."""
    table = ws.require_table(table_name)
    require_table(viewer, table, "read")
    hidden = {f.name for f in table.fields if is_hidden(viewer, f)}
    entries = history(store, ws.name, table_name, record_id, limit=limit)
    return [replace(e, changes=_without(e.changes, hidden)) for e in entries]
