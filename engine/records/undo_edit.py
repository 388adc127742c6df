"""Undo of a person's last edit of a record (what NocoDB and Airtable users reach for with Ctrl+Z): the values
before that edit are written back as a new, audited change, only while the fields still hold what the edit
wrote; undoing again steps further back through the same person's edits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.audit import plain
from engine.auth import Actor, may
from engine.errors import ConflictError, NotFoundError
from engine.records.history import history
from engine.records.single import get_record, update_record
from engine.schema import Workspace
from engine.storage.store import Store

UNDO_NOTE = re.compile(r"^undo:(\d+)$")


@dataclass(frozen=True)
class Edit:
    """An audited edit that can be undone: its entry, and each field's value before and after it."""

    seq: int
    at: datetime
    changes: dict[str, tuple[Any, Any]]


def last_edit(store: Store, ws: Workspace, table_name: str, record_id: int, actor: Actor) -> Edit | None:
    """The actor's newest edit of the record not undone yet (undos themselves are not offered again)."""
    table = ws.require_table(table_name)
    entries = history(store, ws.name, table_name, record_id, actor=actor.username)
    undone = {int(m.group(1)) for e in entries if (m := UNDO_NOTE.match(e.note))}
    status = table.flow.field if table.flow else None
    for e in entries:
        if e.action != "update" or e.seq in undone or UNDO_NOTE.match(e.note):
            continue
        changes = {
            k: (v.get("before"), v.get("after"))
            for k, v in e.changes.items()
            if isinstance(v, dict) and "after" in v and k in table.by_name
        }
        # A status move is not an edit: it is taken back by a move of the flow, not by undo.
        if changes and status not in changes and all(may(actor, "update", table.by_name[k]) for k in changes):
            return Edit(e.seq, e.at, changes)
        return None
    return None


def undo_edit(
    store: Store,
    ws: Workspace,
    table_name: str,
    record_id: int,
    seq: int,
    expected_version: int,
    actor: Actor,
) -> dict[str, Any]:
    """Write back the values from before edit `seq`; refused when a field changed again since."""
    edit = last_edit(store, ws, table_name, record_id, actor)
    if edit is None or edit.seq != seq:
        raise NotFoundError(
            f"change #{seq} is not the last change of yours to undo here",
            text=("undo_not_last", {"seq": seq}),
        )
    current = get_record(store, ws, table_name, record_id, actor)
    table = ws.require_table(table_name)
    moved_on = [k for k, (_, after) in edit.changes.items() if not _same(current.get(k), after)]
    if moved_on:
        labels = "、".join(table.by_name[k].label for k in moved_on)
        raise ConflictError(
            f"{', '.join(moved_on)} changed again after #{seq}; nothing was undone",
            expected=seq,
            actual=int(current["_version"]),
            text=("undo_changed_since", {"fields": labels}),
        )
    before = {k: b for k, (b, _) in edit.changes.items()}
    return update_record(
        store, ws, table_name, record_id, before, expected_version, actor, source=f"undo:{seq}"
    )


def _same(value: Any, audited: Any) -> bool:
    """Whether a stored value is what the audit wrote (the audit keeps values as plain JSON)."""
    return plain(value) == audited or str(plain(value)) == str(audited)
