"""The elastic intake queue: orders and status events are accepted at once after a cheap format check and
applied later in micro-batches, VIP customers first. Past a depth threshold a circuit breaker applies only the
core fields and defers the rest, so statuses and new orders keep moving during a flash sale."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import polars as pl

from engine.clock import as_naive
from engine.intake.events import apply_status_events
from engine.intake.mapping import META, Mapped
from engine.intake.model import Connector
from engine.intake.orders import IngestOutcome, apply_deferred, decode_payloads, ingest_orders
from engine.intake.synclog import record_rejects
from engine.registry import Registry
from engine.schema import Workspace
from engine.storage.sql import compose, qualified, quote_ident
from engine.storage.store import Store, registered

Kind = Literal["order", "status"]


@dataclass
class Drained:
    batches: int = 0
    applied: int = 0
    breaker_batches: int = 0
    deferred_applied: int = 0
    by_connector: dict[str, IngestOutcome] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "batches": self.batches,
            "applied": self.applied,
            "breaker_batches": self.breaker_batches,
            "deferred_applied": self.deferred_applied,
            "connectors": {k: v.counts() for k, v in self.by_connector.items()},
        }


def _priorities(store: Store, ws: Workspace, rows: pl.DataFrame) -> pl.Series:
    """1 for rows of VIP customers (by customer or phone), else 0."""
    c = ws.intake_rules.customers
    customers = ws.table(c.table) if c else None
    zero = pl.Series("p", [0] * rows.height, pl.Int32)
    if c is None or customers is None or customers.field(c.level_field) is None or rows.is_empty():
        return zero
    cols = [name for name in (c.order_customer_field, "phone") if name in rows.columns]
    if not cols:
        return zero
    cur = store.cursor()
    vips = cur.execute(
        compose(
            "SELECT {business_key}::VARCHAR, {phone_field}::VARCHAR "
            "FROM {customers} WHERE {level_field} IN (SELECT unnest(?::VARCHAR[]))",
            business_key=quote_ident(str(customers.business_key)),
            phone_field=quote_ident(c.phone_field),
            customers=qualified(ws.name, customers.name),
            level_field=quote_ident(c.level_field),
        ),
        [c.vip_levels],
    ).fetchall()
    known = {v for row in vips for v in row if v}
    if not known:
        return zero
    hit = pl.lit(False)
    for name in cols:
        hit = hit | pl.col(name).cast(pl.String).is_in(list(known)).fill_null(False)
    return rows.select(hit.cast(pl.Int32).alias("p"))["p"]


def accept(
    store: Store,
    ws: Workspace,
    conn: Connector,
    mapped: Mapped,
    kind: Kind,
    now: datetime | None = None,
    run_id: int | None = None,
) -> int:
    """Queue the mapped rows (rejects are logged at once); returns how many were queued."""
    moment = as_naive(now, ws.timezone)
    rows = mapped.rows
    if not mapped.rejects.is_empty():
        record_rejects(store, ws, conn.name, mapped.rejects, run_id, moment)
    if rows.is_empty():
        return 0
    queued = pl.DataFrame(
        {
            "priority": _priorities(store, ws, rows),
            "payload": rows.select(pl.struct(pl.all()).struct.json_encode().alias("p"))["p"],
        }
    )
    with store.transaction() as cur, registered(cur, _queued=queued):
        cur.execute(
            "INSERT INTO _intake (workspace, connector, kind, priority, received_at, payload) "
            "SELECT ?, ?, ?, priority, ?, payload FROM _queued",
            [ws.name, conn.name, kind, moment],
        )
    return queued.height


def depth(store: Store, ws: Workspace) -> int:
    (n,) = store.cursor().execute("SELECT count(*) FROM _intake WHERE workspace = ?", [ws.name]).fetchone()  # type: ignore[misc]
    return int(n)


def backlog(store: Store, workspace: str) -> int:
    """Queued items plus deferred fields waiting to be applied in a workspace."""
    (n,) = (
        store.cursor()
        .execute(
            "SELECT count(*) + (SELECT count(*) FROM _intake_deferred WHERE workspace = ?) FROM _intake "
            "WHERE workspace = ?",
            [workspace, workspace],
        )
        .fetchone()
    )  # type: ignore[misc]
    return int(n)


def queue_status(store: Store, now: datetime | None = None) -> list[dict[str, object]]:
    """Per workspace: queued items, how long the oldest has waited (lag) and fields deferred by the breaker."""
    moment = as_naive(now)
    rows = (
        store.cursor()
        .execute(
            "SELECT w.name, coalesce(q.n, 0), q.oldest, coalesce(d.n, 0) FROM _workspaces w "
            "LEFT JOIN (SELECT workspace, count(*) AS n, min(received_at) AS oldest FROM _intake GROUP BY 1) q "
            "ON q.workspace = w.name LEFT JOIN (SELECT workspace, count(*) AS n FROM _intake_deferred GROUP BY 1) d "
            "ON d.workspace = w.name ORDER BY w.name"
        )
        .fetchall()
    )
    return [
        {
            "workspace": name,
            "depth": n,
            "lag_s": round((moment - oldest).total_seconds(), 1) if oldest else 0.0,
            "deferred": deferred,
        }
        for name, n, oldest, deferred in rows
    ]


def _decode(payloads: pl.Series) -> pl.DataFrame:
    frame = decode_payloads(payloads)
    fixes = []
    for name, dtype in META.items():
        if name not in frame.columns:
            fixes.append(pl.lit(None, dtype).alias(name))
        elif dtype == pl.Datetime("us") and frame.schema[name] == pl.String:
            fixes.append(pl.col(name).str.to_datetime(strict=False).cast(dtype).alias(name))
        else:
            fixes.append(pl.col(name).cast(dtype, strict=False).alias(name))
    return frame.with_columns(fixes)


Applier = Callable[[Store, Workspace, Connector, pl.DataFrame, datetime, bool], IngestOutcome]
# What each kind of queued item goes through; a status is core, so the breaker does not change events.
APPLY: Registry[Applier] = Registry(
    "intake kind",
    {
        "order": lambda store, ws, conn, frame, now, breaker: ingest_orders(
            store, ws, conn, frame, now, breaker
        ),
        "status": lambda store, ws, conn, frame, now, breaker: apply_status_events(
            store, ws, conn, frame, now
        ),
    },
)


def drain(
    store: Store,
    ws: Workspace,
    now: datetime | None = None,
    max_batches: int | None = None,
    runs: dict[str, int] | None = None,
) -> Drained:
    """Apply queued items in micro-batches (VIP first, then oldest); under load only core fields at once."""
    moment = as_naive(now, ws.timezone)
    rules = ws.intake_rules.queue
    out = Drained()
    while max_batches is None or out.batches < max_batches:
        backlog = depth(store, ws)
        if backlog == 0:
            break
        breaker = backlog > rules.depth_threshold
        items = (
            store.cursor()
            .execute(
                "SELECT seq, connector, kind, payload FROM _intake WHERE workspace = ? "
                "ORDER BY priority DESC, seq LIMIT ?",
                [ws.name, rules.batch_size],
            )
            .pl()
        )
        for (name, kind), group in items.group_by(["connector", "kind"], maintain_order=True):
            conn = ws.connector(str(name))
            result = APPLY[str(kind)](store, ws, conn, _decode(group["payload"]), moment, breaker)
            if result.rejects:
                rejects = pl.DataFrame(
                    result.rejects, schema=["_external_id", "reason", "_raw"], orient="row"
                )
                record_rejects(store, ws, conn.name, rejects, (runs or {}).get(conn.name), moment)
            out.by_connector.setdefault(conn.name, IngestOutcome()).add(result)
        with store.transaction() as cur, registered(cur, _done=items.select("seq")):
            cur.execute("DELETE FROM _intake WHERE seq IN (SELECT seq FROM _done)")
        out.batches += 1
        out.applied += items.height
        out.breaker_batches += int(breaker)
    if depth(store, ws) <= rules.depth_threshold:
        out.deferred_applied = apply_deferred(store, ws, moment)
    return out
