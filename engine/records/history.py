"""Reading the audit log: changes filtered by table, record, actor and time (`history`), and a record's history
as a viewer may read it (`record_history`: the table's read permission checked, and the fields hidden from
the viewer removed from every change, so the history never shows what get_record hides)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from engine.audit import plain
from engine.auth import Actor, may, require_table
from engine.schema import Workspace
from engine.storage.sql import Sql, compose, listing, qualified
from engine.storage.store import Store


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: datetime
    actor: str
    action: str
    table: str
    record_id: int
    changes: dict[str, Any]
    note: str


# Every item, wherever it is kept: the items table, or the entry's own row for a single item.
ITEMS_SQL = Sql(
    "(SELECT seq, record_id, action, changes FROM _audit_items UNION ALL "
    "SELECT seq, record_id, item_action, item_changes FROM _audit_log WHERE item_changes IS NOT NULL)"
)


def history(
    store: Store,
    workspace: str,
    table: str | None = None,
    record_id: int | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[AuditRow]:
    """Audited changes, newest first, filtered by table, record, actor and time range.

    Rows created by a bulk entry appear as its 'create' with their values as created (rebuilt), when a
    record is asked for; otherwise as one row per batch with the range of ids it created.
    """
    where = [Sql("l.workspace = ?")]
    params: list[Any] = [workspace]
    for clause, value in (
        (Sql("l.table_name = ?"), table),
        (Sql("l.actor = ?"), actor),
        (Sql("l.logged_at >= ?"), since),
        (Sql("l.logged_at < ?"), until),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    common = listing(where, " AND ")
    item_filter, range_filter, range_id = Sql(""), Sql(""), Sql("CAST(NULL AS BIGINT)")
    item_params: list[Any] = []
    range_params: list[Any] = []
    if record_id is not None:
        item_filter, item_params = Sql(" AND i.record_id = ?"), [record_id]
        range_filter, range_params = Sql(" AND ? BETWEEN l.first_id AND l.last_id"), [record_id]
        range_id = Sql("CAST(? AS BIGINT)")
        range_params = [record_id, *range_params]
    rows = (
        store.cursor()
        .execute(
            compose(
                "SELECT l.seq, l.logged_at, l.actor, i.action, l.table_name, i.record_id, i.changes, l.note, NULL, NULL "
                "FROM _audit_log l JOIN {ITEMS_SQL} i ON i.seq = l.seq WHERE {common}{item_filter} "
                "UNION ALL SELECT l.seq, l.logged_at, l.actor, 'create', l.table_name, {range_id}, NULL, l.note, "
                "l.first_id, l.last_id FROM _audit_log l WHERE l.first_id IS NOT NULL AND {common}{range_filter} "
                "ORDER BY 1 DESC, 6 LIMIT ?",
                ITEMS_SQL=ITEMS_SQL,
                common=common,
                item_filter=item_filter,
                range_id=range_id,
                range_filter=range_filter,
            ),
            [*params, *item_params, *(range_params[:1]), *params, *(range_params[1:]), limit],
        )
        .fetchall()
    )
    out = []
    for seq, at, who, action, tbl, rid, changes, note, first, last in rows:
        if changes is not None:
            values = json.loads(changes)
        elif rid is not None:
            values = creation_values(store, workspace, tbl, rid)
        else:
            values = {"created_ids": [first, last], "rows": last - first + 1}
        out.append(AuditRow(seq, at, who, action, tbl, rid, values, note))
    return out


def creation_values(store: Store, workspace: str, table: str, record_id: int) -> dict[str, Any]:
    """The values a record was created with: its current (or deleted) values with every audited change undone."""
    cur = store.cursor()
    items = cur.execute(
        compose(
            "SELECT i.action, i.changes FROM {ITEMS_SQL} i JOIN _audit_log l ON l.seq = i.seq "
            "WHERE l.workspace = ? AND l.table_name = ? AND i.record_id = ? ORDER BY i.seq DESC",
            ITEMS_SQL=ITEMS_SQL,
        ),
        [workspace, table, record_id],
    ).fetchall()
    values: dict[str, Any] = {}
    result = cur.execute(
        compose("SELECT * FROM {table} WHERE _id = ?", table=qualified(workspace, table)), [record_id]
    )
    row = result.fetchone()
    if row is not None:
        values = {d[0]: v for d, v in zip(result.description, row, strict=True)}
    for action, changes in items:
        data = json.loads(changes)
        if action == "delete":
            values = dict(data.get("before", {}))
        elif action == "update":
            values.update({name: change.get("before") for name, change in data.items()})
        elif action == "create":
            return data
    return {k: plain(v) for k, v in values.items() if not k.startswith("_") and v is not None}


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
    hidden = {f.name for f in table.fields if not may(viewer, "read", f)}
    entries = history(store, ws.name, table_name, record_id, limit=limit)
    return [replace(e, changes=_without(e.changes, hidden)) for e in entries]
