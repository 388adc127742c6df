"""The only code that writes user rows: inserts, updates and deletes, one row or a set, with the system
columns (_id, _version, _created_*, _updated_*, _source) kept here, and the after-write hooks.

Callers check permissions and values first (checks.py, flow guards) and work inside one transaction; every
statement here runs on the caller's cursor. After-write hooks (automatic transitions) are a registry run by
`after_write` on the ids a write touched, inside the same transaction, on every path: forms, bulk upserts,
imports, channel intake, moves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import polars as pl
import pyarrow as pa

from engine.audit import AuditItem, StatusMove, encode_changes, record_change
from engine.auth import Actor
from engine.counters import reserve_ids
from engine.registry import Registry
from engine.schema import Table, Workspace
from engine.storage.sql import compose, listing, marks, qualified, quote_ident
from engine.storage.store import Cursor, Store

SYSTEM_INSERT = ("_id", "_version", "_created_at", "_created_by", "_updated_at", "_updated_by", "_source")
INSERT_BATCH = 122_880  # one DuckDB row group: an Arrow table in batches this size is inserted in parallel


@dataclass(frozen=True)
class Write:
    """Where and as whom a write happens: the open transaction's cursor, the table, the actor and the time."""

    store: Store
    cur: Cursor
    ws: Workspace
    table: Table
    actor: Actor
    now: datetime
    source: str

    @property
    def target(self) -> str:
        return qualified(self.ws.name, self.table.name)

    def on(self, table: Table, source: str | None = None) -> Write:
        """The same write context for another table (a stock effect writes the SKU table)."""
        return replace(self, table=table, source=self.source if source is None else source)


@dataclass(frozen=True)
class AfterWrite:
    """A hook run on the ids a write touched, for the tables it `applies` to (others never list their ids)."""

    applies: Callable[[Table], bool]
    run: Callable[[Write, list[int]], None]


AFTER_WRITE: Registry[AfterWrite] = Registry("after-write hook")


def after_write(w: Write, ids: list[int] | Callable[[], list[int]]) -> bool:
    """Run the after-write hooks that apply to the table on the ids just inserted or changed, in the caller's
    transaction; True when one ran (the rows may have changed again). `ids` may be a function, called only
    when a hook applies (a million-row upsert's ids)."""
    hooks = [hook for hook in AFTER_WRITE.values() if hook.applies(w.table)]
    written = (ids() if callable(ids) else ids) if hooks else []
    for hook in hooks if written else []:
        hook.run(w, written)
    return bool(hooks and written)


def arrow_batches(frame: pl.DataFrame) -> pa.Table:
    """The frame as Arrow record batches; a single huge batch would be inserted by one thread."""
    table = frame.to_arrow()
    return pa.Table.from_batches(table.to_batches(max_chunksize=INSERT_BATCH), schema=table.schema)


def audit_one(
    w: Write, record_id: int, action: str, changes: dict[str, Any], move: StatusMove | None = None
) -> None:
    """Append the audit entry of one record's write (and the status move it makes)."""
    record_change(
        w.store,
        w.cur,
        [AuditItem(record_id, action, encode_changes(changes))],
        at=w.now,
        actor=w.actor.username,
        action=action,
        workspace=w.ws.name,
        table=w.table.name,
        note=w.source,
        move=move,
    )


def insert_one(w: Write, values: dict[str, Any]) -> int:
    """Insert one row of typed values; returns its id. Audited as a 'create'."""
    new_id = reserve_ids(w.cur, w.ws, w.table, 1)
    cols = listing(map(quote_ident, [*SYSTEM_INSERT, *values]))
    user = w.actor.username
    w.cur.execute(
        compose(
            "INSERT INTO {target} ({cols}) VALUES ({marks})",
            target=w.target,
            cols=cols,
            marks=marks(len(SYSTEM_INSERT) + len(values)),
        ),
        [new_id, 1, w.now, user, w.now, user, w.source, *values.values()],
    )
    audit_one(w, new_id, "create", {k: v for k, v in values.items() if v is not None})
    return new_id


def update_one(
    w: Write, current: dict[str, Any], diff: dict[str, Any], move: StatusMove | None = None
) -> dict[str, Any]:
    """Set the changed values of one row read in this transaction; returns the row after. Audited."""
    if diff:
        sets = listing(compose("{c} = ?", c=quote_ident(k)) for k in diff)
        # `current` was read in this transaction, under the process's write lock, by the only writer
        # process: its version is the row's version, so the UPDATE needs no version predicate of its own.
        w.cur.execute(
            compose(
                "UPDATE {target} SET {sets}, _version = _version + 1, _updated_at = ?, _updated_by = ? "
                "WHERE _id = ?",
                target=w.target,
                sets=sets,
            ),
            [*diff.values(), w.now, w.actor.username, current["_id"]],
        )
    before_after = {k: {"before": current.get(k), "after": v} for k, v in diff.items()}
    audit_one(w, current["_id"], "update", before_after, move)
    if not diff:
        return current
    bumped = {"_version": current["_version"] + 1, "_updated_at": w.now, "_updated_by": w.actor.username}
    return current | diff | bumped


def delete_one(w: Write, current: dict[str, Any]) -> None:
    """Delete one row read in this transaction. Audited with its values before."""
    w.cur.execute(compose("DELETE FROM {target} WHERE _id = ?", target=w.target), [current["_id"]])
    before = {k: v for k, v in current.items() if not k.startswith("_") and v is not None}
    audit_one(w, current["_id"], "delete", {"before": before})


def insert_frame(w: Write, new: pl.DataFrame, columns: list[str]) -> tuple[int, int]:
    """Insert the frame's `columns` as new rows; returns the first and last id given (the caller audits)."""
    first = reserve_ids(w.cur, w.ws, w.table, new.height)
    rows = new.select(columns).with_columns(
        pl.int_range(first, first + new.height, dtype=pl.Int64).alias("_id")
    )
    cols = listing(map(quote_ident, columns))
    w.cur.register("_new_rows", arrow_batches(rows))
    try:
        w.cur.execute(
            compose(
                "INSERT INTO {target} ({SYSTEM_INSERT}, {cols}) "
                "SELECT _id, 1, ?, ?, ?, ?, ?, {cols} FROM _new_rows",
                target=w.target,
                SYSTEM_INSERT=listing(map(quote_ident, SYSTEM_INSERT)),
                cols=cols,
            ),
            [w.now, w.actor.username, w.now, w.actor.username, w.source],
        )
    finally:
        w.cur.unregister("_new_rows")
    return first, first + new.height - 1


def update_from(w: Write, relation: str, columns: list[str]) -> None:
    """Set `columns` of the rows named by `relation` (a registered frame or temp table with _id and those
    columns) to its values, bumping their versions. The caller audits."""
    if not columns:
        return
    sets = listing(compose("{c} = u.{c}", c=quote_ident(c)) for c in columns)
    w.cur.execute(
        compose(
            "UPDATE {target} SET {sets}, _version = _version + 1, _updated_at = ?, _updated_by = ? "
            "FROM {relation} u WHERE {target}._id = u._id",
            target=w.target,
            sets=sets,
            relation=quote_ident(relation),
        ),
        [w.now, w.actor.username],
    )


def update_frame(w: Write, frame: pl.DataFrame, columns: list[str]) -> None:
    """Set `columns` of the rows whose _id the frame holds to the frame's values. The caller audits."""
    if not frame.height or not columns:
        return
    w.cur.register("_upd_rows", frame.select("_id", *columns).to_arrow())
    try:
        update_from(w, "_upd_rows", columns)
    finally:
        w.cur.unregister("_upd_rows")


def set_on(w: Write, ids_relation: str, changes: dict[str, Any]) -> None:
    """Give every row whose _id `ids_relation` lists the same values (a bulk move). The caller audits."""
    sets = listing(compose("{c} = ?", c=quote_ident(c)) for c in changes)
    w.cur.execute(
        compose(
            "UPDATE {target} SET {sets}, _version = _version + 1, _updated_at = ?, _updated_by = ? "
            "WHERE _id IN (SELECT _id FROM {ids_relation})",
            target=w.target,
            sets=sets,
            ids_relation=quote_ident(ids_relation),
        ),
        [*changes.values(), w.now, w.actor.username],
    )


def delete_ids(w: Write, ids: list[int]) -> None:
    """Delete the rows with these ids. The caller audits."""
    w.cur.execute(compose("DELETE FROM {target} WHERE list_contains(?, _id)", target=w.target), [ids])
