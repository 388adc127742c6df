"""Undo of a committed import batch: its inserted rows removed (with their history), its updated rows put
back to their values before the commit — the automatic moves it set off included — except rows edited since."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import polars as pl

from engine.audit import record_items
from engine.auth import Actor
from engine.clock import as_naive
from engine.importer.batches import reviewable
from engine.importer.relations import creating
from engine.records.write import Write, delete_ids, update_frame
from engine.schema import Table, Workspace
from engine.storage.sql import compose, qualified, quote_ident
from engine.storage.store import Store


def undo(
    store: Store, ws: Workspace, batch_id: int, actor: Actor, now: datetime | None = None
) -> dict[str, Any]:
    """Take a committed batch back: its inserted rows removed, its updated rows restored to their values
    before the import — except rows edited since, which are listed and left alone."""
    info = reviewable(store, ws, batch_id, actor, "committed")
    table = ws.require_table(info["table_name"])
    moment = as_naive(now, ws.timezone)
    target = qualified(ws.name, table.name)
    with store.transaction() as cur:
        rows = cur.execute(
            compose(
                "SELECT r.record_id, r.action, r.version_after, t._version FROM _import_rows r LEFT JOIN {target} t "
                "ON t._id = r.record_id WHERE r.batch_id = ?",
                target=target,
            ),
            [batch_id],
        ).fetchall()
        edited = [
            rid for rid, _, version, now_version in rows if now_version is not None and now_version != version
        ]
        inserted = [
            rid for rid, action, version, now_version in rows if action == "insert" and now_version == version
        ]
        updated = [
            rid for rid, action, version, now_version in rows if action == "update" and now_version == version
        ]
        entries = (info["audit_seq"], info.get("audit_last") or info["audit_seq"])
        restored = _restore(store, cur, ws, table, entries, updated, actor, moment, batch_id)
        _remove(store, cur, ws, table, inserted, actor, moment, batch_id)
        created = _unused_created(cur, ws, table, batch_id)
        for target_name, ids in created.items():
            _remove(store, cur, ws, ws.require_table(target_name), ids, actor, moment, batch_id)
        cur.execute(
            "UPDATE _import_batches SET status = 'undone', note = ? WHERE id = ?",
            [f"undone by {actor.username}; {len(edited)} row(s) edited since were left alone", batch_id],
        )
    result = {"removed": len(inserted), "restored": restored, "left_alone": sorted(edited)}
    return result | ({"removed_created": {t: len(ids) for t, ids in created.items()}} if created else {})


def _remove(
    store: Store,
    cur: Any,
    ws: Workspace,
    table: Table,
    ids: list[int],
    actor: Actor,
    now: datetime,
    batch_id: int,
) -> None:
    """Delete rows the batch made, audited with their values, with their history and open repair flags."""
    if not ids:
        return
    target = qualified(ws.name, table.name)
    record_items(
        store,
        cur,
        sql=compose(
            "SELECT _id AS record_id, 'delete' AS action, CAST(to_json(t) AS VARCHAR) AS changes FROM {target} t "
            "WHERE list_contains(?, _id)",
            target=target,
        ),
        params=[ids],
        at=now,
        actor=actor.username,
        action="delete",
        workspace=ws.name,
        table=table.name,
        note=f"undo import:{batch_id}",
    )
    delete_ids(Write(store, cur, ws, table, actor, now, f"undo import:{batch_id}"), ids)
    # The rows are gone: so is their history, the file's and the automatic moves the commit made.
    for system in ("_status_moves", "_cell_flags"):
        cur.execute(
            compose(
                "DELETE FROM {system} WHERE workspace = ? AND table_name = ? AND list_contains(?, record_id)",
                system=quote_ident(system),
            ),
            [ws.name, table.name, ids],
        )


def _unused_created(cur: Any, ws: Workspace, table: Table, batch_id: int) -> dict[str, list[int]]:
    """Rows the batch created in related tables (SKUs) that nobody edited since and no row points to now."""
    out: dict[str, list[int]] = {}
    for relation in creating(table):
        other = ws.require_table(relation.table)
        rows = cur.execute(
            compose(
                "SELECT c.record_id FROM _import_created c JOIN {other} o ON o._id = c.record_id "
                "WHERE c.batch_id = ? AND c.table_name = ? AND o._version = 1 AND o.{key} NOT IN "
                "(SELECT {rel} FROM {table} WHERE {rel} IS NOT NULL)",
                other=qualified(ws.name, other.name),
                key=quote_ident(str(other.business_key)),
                rel=quote_ident(relation.name),
                table=qualified(ws.name, table.name),
            ),
            [batch_id, other.name],
        ).fetchall()
        if rows:
            out.setdefault(other.name, []).extend(r for (r,) in rows)
    return out


def _restore(
    store: Store,
    cur: Any,
    ws: Workspace,
    table: Table,
    entries: tuple[int | None, int | None],
    ids: list[int],
    actor: Actor,
    now: datetime,
    batch_id: int,
) -> int:
    """Put back the before-values the commit's audit entries recorded for these rows (the import's own and
    those of the automatic moves it set off): for each field, the value before the first change."""
    first, last = entries
    if not ids or first is None:
        return 0
    items = cur.execute(
        "SELECT record_id, changes FROM _audit_items WHERE seq BETWEEN ? AND ? AND action = 'update' "
        "AND list_contains(?, record_id) ORDER BY seq",
        [first, last, ids],
    ).fetchall()
    changes: dict[int, dict[str, dict[str, Any]]] = {}
    for record_id, text in items:
        folded = changes.setdefault(record_id, {})
        for name, change in json.loads(text).items():
            folded.setdefault(name, {"before": change["before"]})["after"] = change["after"]
    w = Write(store, cur, ws, table, actor, now, f"undo import:{batch_id}")
    # One set-based update per set of changed fields (most rows of a batch changed the same ones).
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    undone = []
    for record_id, change in changes.items():
        typed = {k: table.by_name[k].coerce(v["before"]).value for k, v in change.items()}
        groups.setdefault(tuple(sorted(typed)), []).append({"_id": record_id, **typed})
        reverse = {k: {"before": v["after"], "after": v["before"]} for k, v in change.items()}
        undone.append((record_id, "update", json.dumps(reverse, ensure_ascii=False, sort_keys=True)))
    for names, rows in groups.items():
        schema = {"_id": pl.Int64, **{n: table.by_name[n].polars_dtype() for n in names}}
        update_frame(w, pl.DataFrame(rows, schema=schema), list(names))
    if undone:
        record_items(
            store,
            cur,
            frame=pl.DataFrame(undone, schema=["record_id", "action", "changes"], orient="row"),
            at=now,
            actor=actor.username,
            action="update",
            workspace=ws.name,
            table=table.name,
            note=f"undo import:{batch_id}",
        )
    return len(undone)
