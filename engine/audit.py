"""The append-only, hash-chained audit log of every write.

An entry (who, when, what action on which table) owns items (record, action, changed values as JSON): a
form save's single item sits in the entry's own row, a bulk entry's items in _audit_items, and rows a bulk
entry created are its id range. The entry's hash covers its header, a digest of its items and the previous
entry's hash, so editing, deleting or adding any entry or item breaks the chain, and `verify` finds where.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import polars as pl

from engine.storage.sql import Sql, compose
from engine.storage.store import Cursor, Store

GENESIS = "0" * 64
EMPTY_DIGEST = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True)
class AuditItem:
    record_id: int
    action: str
    changes: str  # JSON text, stored verbatim so the digest can be recomputed


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    items: int
    first_bad_seq: int | None = None
    reason: str = ""


def encode_changes(changes: dict[str, Any]) -> str:
    """Canonical JSON text of changed values (dates and decimals as text)."""
    return json.dumps(changes, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


def _line(record_id: int, action: str, changes: str) -> str:
    return f"{record_id}|{action}|{changes}"


def items_digest(items: list[AuditItem]) -> str:
    """sha256 over the md5 of each 'id|action|changes' line, in (id, action, changes) order; = ITEMS_DIGEST_SQL."""
    ordered = sorted(items, key=lambda i: (i.record_id, i.action, i.changes.encode("utf-8")))
    md5s = "".join(
        hashlib.md5(
            _line(i.record_id, i.action, i.changes).encode("utf-8"), usedforsecurity=False
        ).hexdigest()
        for i in ordered
    )
    return hashlib.sha256(md5s.encode("ascii")).hexdigest()


# md5 per line keeps the aggregate small (32 bytes a line) whatever the size of the changes; sha256 seals it.
_LINE_SQL = Sql("CAST(record_id AS VARCHAR) || '|' || action || '|' || changes")
ITEMS_DIGEST_SQL = compose(
    "sha256(coalesce(string_agg(md5({line}), '' ORDER BY record_id, action, changes), ''))", line=_LINE_SQL
)


def entry_hash(header: tuple[Any, ...], prev_hash: str, move: StatusMove | None = None) -> str:
    """Hash of one entry: its header (seq … note, in _audit_log's column order), the status move it records
    (if any), then the previous hash."""
    parts = [*[plain(v) for v in header], *(list(move) if move else []), prev_hash]
    payload = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def plain(value: Any) -> Any:
    """A value as the hash and the history read it: datetimes as ISO text."""
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value


def _last(store: Store, cur: Cursor) -> tuple[int, str]:
    if store.audit_head is not None:
        return store.audit_head
    row = cur.execute(
        "SELECT seq, hash FROM _audit_log WHERE seq = (SELECT max(seq) FROM _audit_log)"
    ).fetchone()
    return (0, GENESIS) if row is None else (row[0], row[1])


class StatusMove(NamedTuple):
    """A status move recorded in its audit entry: from, to, source (form, cli, auto…) and a note."""

    from_state: str | None
    to_state: str
    source: str
    note: str


def _append(
    store: Store,
    cur: Cursor,
    digest: str,
    count: int,
    *,
    at: datetime,
    actor: str,
    action: str,
    workspace: str,
    table: str,
    record_id: int | None,
    note: str,
    id_range: tuple[int, int] | None = None,
    inline: AuditItem | None = None,
    move: StatusMove | None = None,
) -> int:
    seq, prev = _last(store, cur)
    seq += 1
    first, last = id_range or (None, None)
    header = (seq, at, actor, action, workspace, table, record_id, first, last, count, digest, note)
    cur.execute(
        "INSERT INTO _audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            *header,
            prev,
            digest_hash := entry_hash(header, prev, move),
            inline.action if inline else None,
            inline.changes if inline else None,
            *(move or (None, None, None, None)),
        ],
    )
    store.audit_head = (seq, digest_hash)
    return seq


def record_change(
    store: Store,
    cur: Cursor,
    items: list[AuditItem],
    *,
    at: datetime,
    actor: str,
    action: str,
    workspace: str,
    table: str,
    note: str = "",
    move: StatusMove | None = None,
) -> int:
    """Append one entry with a few items (the form path); returns its sequence number.

    A single item is kept in the entry's own row (one INSERT instead of two: the common case of a form save);
    its digest is the same, so verify treats both layouts alike.
    """
    single = items[0] if len(items) == 1 else None
    seq = _append(
        store,
        cur,
        items_digest(items),
        len(items),
        at=at,
        actor=actor,
        action=action,
        workspace=workspace,
        table=table,
        record_id=single.record_id if single else None,
        note=note,
        inline=single,
        move=move,
    )
    if single is None:
        cur.executemany(
            "INSERT INTO _audit_items VALUES (?, ?, ?, ?)",
            [[seq, i.record_id, i.action, i.changes] for i in items],
        )
    return seq


class BulkEntry:
    """An audit entry whose many items are inserted set-based (from frames or SQL) before it is sealed."""

    def __init__(self, store: Store, cur: Cursor) -> None:
        self.store = store
        self.cur = cur
        self.seq = _last(store, cur)[0] + 1
        self.id_range: tuple[int, int] | None = None

    def add_frame(self, items: pl.DataFrame) -> None:
        """Add items from a (record_id, action, changes) frame."""
        batch = items.select(pl.lit(self.seq, pl.Int64).alias("seq"), "record_id", "action", "changes")
        self.cur.register("_audit_batch", batch.to_arrow())
        try:
            self.cur.execute(
                "INSERT INTO _audit_items SELECT seq, record_id, action, changes FROM _audit_batch"
            )
        finally:
            self.cur.unregister("_audit_batch")

    def add_sql(self, select: str, params: list[Any]) -> None:
        """Add items from a query giving (record_id, action, changes) rows."""
        self.cur.execute(
            compose(
                "INSERT INTO _audit_items SELECT ?, record_id, action, changes FROM ({select})", select=select
            ),
            [self.seq, *params],
        )

    def add_range(self, first: int, last: int) -> None:
        """Record rows first..last as created by this entry.

        Their values are not copied: every later change to them is audited with its before-values, so
        creation_values() rebuilds them exactly; a million-row import then costs no per-row audit work.
        """
        self.id_range = (first, last)

    def seal(
        self, *, at: datetime, actor: str, action: str, workspace: str, table: str, note: str = ""
    ) -> int:
        """Digest the items and append the entry to the chain; returns its sequence number."""
        count, digest = self.cur.execute(
            compose(
                "SELECT count(*), {ITEMS_DIGEST_SQL} FROM _audit_items WHERE seq = ?",
                ITEMS_DIGEST_SQL=ITEMS_DIGEST_SQL,
            ),
            [self.seq],
        ).fetchone()  # type: ignore[misc]
        appended = _append(
            self.store,
            self.cur,
            digest,
            count,
            at=at,
            actor=actor,
            action=action,
            workspace=workspace,
            table=table,
            record_id=None,
            note=note,
            id_range=self.id_range,
        )
        if appended != self.seq:
            raise RuntimeError("audit log was appended to during a bulk entry")
        return appended


def record_items(
    store: Store,
    cur: Cursor,
    *,
    sql: str | None = None,
    params: list[Any] | None = None,
    frame: pl.DataFrame | None = None,
    at: datetime,
    actor: str,
    action: str,
    workspace: str,
    table: str,
    note: str = "",
) -> int:
    """One entry whose items come from a query (record_id, action, changes) or a frame; returns its seq."""
    entry = BulkEntry(store, cur)
    if sql is not None:
        entry.add_sql(sql, params or [])
    if frame is not None:
        entry.add_frame(frame)
    return entry.seal(at=at, actor=actor, action=action, workspace=workspace, table=table, note=note)


def verify(store: Store) -> VerifyResult:
    """Recompute every item digest and entry hash in order; report the first entry that does not match."""
    cur = store.cursor()
    grouped = cur.execute(
        compose(
            "SELECT seq, count(*), {ITEMS_DIGEST_SQL} FROM _audit_items GROUP BY seq",
            ITEMS_DIGEST_SQL=ITEMS_DIGEST_SQL,
        )
    ).fetchall()
    counts = {seq: n for seq, n, _ in grouped}
    digests = {seq: d for seq, _, d in grouped}
    rows = cur.execute(
        "SELECT seq, logged_at, actor, action, workspace, table_name, record_id, first_id, last_id, item_count, "
        "items_digest, note, prev_hash, hash, item_action, item_changes, move_from, move_to, move_source, "
        "move_note FROM _audit_log ORDER BY seq"
    ).fetchall()
    prev = GENESIS
    expected_seq = 1
    items = sum(counts.values()) + sum(1 for r in rows if r[15] is not None)
    for row in rows:
        seq, header, prev_hash, stored = row[0], row[:12], row[12], row[13]
        if seq != expected_seq:
            return VerifyResult(False, len(rows), items, expected_seq, f"entry {expected_seq} is missing")
        move = StatusMove(*row[16:20]) if row[17] is not None else None
        if prev_hash != prev or entry_hash(header, prev, move) != stored:
            return VerifyResult(False, len(rows), items, seq, f"entry {seq} was edited (hash mismatch)")
        if row[15] is not None:  # a single item kept in the entry's row
            found, digest = 1 + counts.get(seq, 0), items_digest([AuditItem(row[6], row[14], row[15])])
        else:
            found, digest = counts.get(seq, 0), digests.get(seq, EMPTY_DIGEST)
        if found != row[9] or digest != row[10]:
            return VerifyResult(False, len(rows), items, seq, f"items of entry {seq} were edited or deleted")
        prev = stored
        expected_seq += 1
    orphans = set(counts) - {r[0] for r in rows}
    if orphans:
        bad = min(orphans)
        return VerifyResult(False, len(rows), items, bad, f"items of entry {bad} have no entry")
    return VerifyResult(True, len(rows), items)
