"""Channel orders into records, set-based and in one transaction: the record each source order belongs to
(its own, an earlier one it duplicates, or its presale's main order), customers found by phone (privacy numbers
too), gift orders flagged, the status taken through the credibility rules, and every source order linked to
its record with its raw payload for tracing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from engine.auth import Actor
from engine.clock import as_naive
from engine.importer.buyers import with_buyers
from engine.importer.relations import create_targets, missing_targets
from engine.intake.mapping import EXTERNAL_ID, REPORTED_AT, STATUS_RAW
from engine.intake.matching import (
    ROLE,
    TARGET,
    existing_keys,
    with_customers,
    with_duplicates,
    with_gifts,
    with_links,
    with_presale,
)
from engine.intake.model import Connector
from engine.intake.trust import effective_statuses, record_reports, refresh_conflicts
from engine.records.bulk import upsert_in
from engine.records.cells import ROW
from engine.records.repairs import store_flags
from engine.schema import Table, Workspace
from engine.storage.sql import compose, qualified, quote_ident
from engine.storage.store import Cursor, Store, registered


@dataclass
class IngestOutcome:
    """What one batch did; `rejects` lists (external id, reason, raw payload)."""

    received: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    presale_parts: int = 0
    gifts: int = 0
    deferred: int = 0
    conflicts: int = 0
    flagged: int = 0  # cells of landed rows left empty for the repair queue (exported files only)
    rejects: list[tuple[str | None, str, str | None]] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)  # rows made in related tables (SKUs), by table

    def counts(self) -> dict[str, int]:
        out = {k: v for k, v in self.__dict__.items() if isinstance(v, int)}
        return out | {"rejected": len(self.rejects)}

    def add(self, other: IngestOutcome) -> None:
        for k, v in other.__dict__.items():
            if isinstance(v, int):
                setattr(self, k, getattr(self, k) + v)
        self.rejects += other.rejects
        for name, n in other.created.items():
            self.created[name] = self.created.get(name, 0) + n


def connector_actor(name: str) -> Actor:
    """Who writes a connector's rows in the audit log: the connector itself, with write rights."""
    return Actor(f"connector:{name}", frozenset({"admin"}))


def _status_reports(conn: Connector, table: Table, rows: pl.DataFrame, now: datetime) -> pl.DataFrame:
    status = table.flow.field if table.flow else None
    if status is None or status not in rows.columns:
        return pl.DataFrame()
    return rows.filter(pl.col(status).is_not_null() & (pl.col(ROLE) != "duplicate")).select(
        pl.col(TARGET).alias("record_key"),
        pl.lit(conn.source).alias("source"),
        pl.lit(conn.name).alias("connector"),
        pl.col(status).cast(pl.String).alias("status"),
        pl.col(STATUS_RAW).alias("raw_status"),
        pl.col(REPORTED_AT).fill_null(now).alias("reported_at"),
    )


def _contested(cur: Cursor, ws: Workspace, table: Table, reports: pl.DataFrame) -> pl.Series:
    """Keys whose status is not simply this report's: another source has spoken, or this source said something
    later already. Only these need the credibility rules (a new order's own word is its status)."""
    with registered(cur, _reports=reports.select("record_key", "source", "reported_at")):
        found = cur.execute(
            "SELECT DISTINCT n.record_key FROM _reports n JOIN _status_reports r ON r.record_key = n.record_key "
            "AND r.workspace = ? AND r.table_name = ? WHERE r.source <> n.source OR r.reported_at > n.reported_at",
            [ws.name, table.name],
        ).pl()
    return found["record_key"]


def _defer(
    cur: Cursor,
    ws: Workspace,
    table: Table,
    conn: Connector,
    payload: pl.DataFrame,
    now: datetime,
) -> tuple[pl.DataFrame, int]:
    """Under load only the core columns go in now (new records keep their required ones); the others wait in
    _intake_deferred. Returns the core payload and how many records have fields waiting."""
    key = str(table.business_key)
    keep = {key, *ws.intake_rules.queue.core_fields, *(f.name for f in table.fields if f.required)}
    if table.flow:
        keep.add(table.flow.field)
    core = [c for c in payload.columns if c in keep or c.startswith("_")]
    later = [c for c in payload.columns if c not in core]
    if not later:
        return payload, 0
    waiting = payload.select(
        pl.col(key).cast(pl.String).alias("k"), pl.struct(later).struct.json_encode().alias("p")
    )
    with registered(cur, _later=waiting):
        cur.execute(
            "INSERT INTO _intake_deferred SELECT ?, ?, ?, k, p, ? FROM _later",
            [ws.name, table.name, conn.name, now],
        )
    return payload.select(core), waiting.height


def _supersede(cur: Cursor, ws: Workspace, table: Table, payload: pl.DataFrame) -> None:
    """A full write supersedes fields deferred earlier for the same records (they are older)."""
    written = payload.select(pl.col(str(table.business_key)).cast(pl.String).alias("k"))
    with registered(cur, _written=written):
        cur.execute(
            "DELETE FROM _intake_deferred WHERE workspace = ? AND table_name = ? AND record_key IN (SELECT k FROM _written)",
            [ws.name, table.name],
        )


def _link(
    cur: Cursor,
    ws: Workspace,
    table: Table,
    conn: Connector,
    rows: pl.DataFrame,
    amount: str,
    now: datetime,
) -> None:
    value = (
        pl.col(amount).cast(pl.Float64, strict=False) if amount in rows.columns else pl.lit(None, pl.Float64)
    )
    frame = rows.select(EXTERNAL_ID, TARGET, ROLE, value.alias("amount"), "_raw", "_linked")
    scope = [ws.name, table.name, conn.name]
    seen = frame.filter(pl.col("_linked").is_not_null())
    if not seen.is_empty():  # source orders seen before: keep their latest payload (and presale amount)
        with registered(cur, _seen_links=seen):
            cur.execute(
                "UPDATE _channel_links l SET raw = n._raw, amount = coalesce(n.amount, l.amount) FROM _seen_links n "
                "WHERE l.workspace = ? AND l.table_name = ? AND l.connector = ? AND l.external_id = n._external_id "
                "AND (l.raw IS DISTINCT FROM n._raw OR l.amount IS DISTINCT FROM coalesce(n.amount, l.amount))",
                scope,
            )
    with registered(cur, _new_links=frame.filter(pl.col("_linked").is_null())):
        cur.execute(
            "INSERT INTO _channel_links SELECT ?, ?, ?, _external_id, _target, _role, amount, _raw, ? FROM _new_links",
            [*scope, now],
        )


def ingest_orders(
    store: Store,
    ws: Workspace,
    conn: Connector,
    rows: pl.DataFrame,
    now: datetime | None = None,
    core_only: bool = False,
) -> IngestOutcome:
    """Write one batch of mapped channel orders (see intake/mapping.py) in one transaction."""
    table = ws.require_table(conn.table)
    rules = ws.intake_rules
    key = str(table.business_key)
    moment = as_naive(now, ws.timezone)
    actor = connector_actor(conn.name)
    out = IngestOutcome(received=rows.height)
    rows = rows.unique(subset=[EXTERNAL_ID], keep="last", maintain_order=True)
    rows = rows.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    with store.transaction() as cur:
        rows = with_gifts(rules, table, with_customers(cur, ws, rules, table, rows))
        rows = with_links(cur, ws, table, conn, rows)
        existing = existing_keys(cur, ws, table, pl.concat([rows[key], rows["_linked"].drop_nulls()]))
        rows = rows.with_columns(pl.col(key).is_in(existing["k"].implode()).alias("_exists"))
        rows = with_duplicates(cur, ws, table, rules.dedup, rows, key)
        rows = rows.with_columns(
            pl.coalesce("_linked", TARGET).alias(TARGET), pl.coalesce("_linked_role", ROLE).alias(ROLE)
        )
        rows, mains = with_presale(cur, ws, table, conn, rules, rows)
        field_names = [f.name for f in table.fields if f.name in rows.columns]
        own = rows.filter(pl.col(ROLE) == "own")
        writes = pl.concat([own, mains], how="diagonal_relaxed") if not mains.is_empty() else own
        reports = _status_reports(conn, table, pl.concat([own, mains], how="diagonal_relaxed"), moment)
        contested = pl.Series([], dtype=pl.String)
        if not reports.is_empty():
            # Records that did not exist have no reports yet: theirs go straight in, no lookup.
            known = pl.col("record_key").is_in(existing["k"].implode())
            seen, fresh = reports.filter(known), reports.filter(~known)
            if not seen.is_empty():
                contested = _contested(cur, ws, table, seen)
                record_reports(cur, ws, table, seen)
            if not fresh.is_empty():
                record_reports(cur, ws, table, fresh, fresh=True)
        if not contested.is_empty():
            best = effective_statuses(cur, ws, table, contested)
            status = str(table.flow.field)  # type: ignore[union-attr]
            writes = (
                writes.join(
                    best.select(pl.col("record_key").alias(TARGET), pl.col("status").alias("_best")),
                    on=TARGET,
                    how="left",
                )
                .with_columns(pl.coalesce("_best", status).alias(status))
                .drop("_best")
            )
        writes = writes.with_columns(pl.col(TARGET).alias(key))
        payload = writes.select(ROW, *field_names)
        if core_only:
            payload, out.deferred = _defer(cur, ws, table, conn, payload, moment)
        else:
            _supersede(cur, ws, table, payload)
        errors = pl.DataFrame(schema={ROW: pl.Int64, "field": pl.String, "message": pl.String})
        if payload.height:
            # A channel's first orders in a fresh workspace name SKUs it has not got yet: made from the codes.
            lenient = conn.flags_cells()
            buyers: dict[str, pl.DataFrame] = {}
            # A platform's exported file is history, as an import: its buyers become customers too (a till's
            # walk-in 门店散客 is nobody's customer).
            if lenient and conn.type == "platform_export":
                payload, buyers = with_buyers(cur, ws, table, payload, moment)
            new = missing_targets(cur, ws, table, payload, payload.select(ROW)) | buyers
            source = f"connector:{conn.name}"
            out.created = create_targets(cur, store, ws, table, new, actor, moment, source=source)
            result = upsert_in(
                cur, store, ws, table.name, payload, actor, moment, source, report=True, flag_cells=lenient
            )
            out.new, out.updated, out.unchanged = result.inserted, result.updated, result.unchanged
            errors = result.errors
            if lenient:
                kept_flags = result.flags.filter(~pl.col(ROW).is_in(errors[ROW].implode()))
                out.flagged = store_flags(cur, ws, table, kept_flags, payload, payload, None, moment)
        bad = errors.group_by(ROW, maintain_order=True).agg(
            pl.format("{}: {}", pl.col("field"), pl.col("message")).str.join("; ").alias("reason")
        )
        rejected = writes.join(bad, on=ROW).select(EXTERNAL_ID, "reason", "_raw", TARGET)
        out.rejects = [(r[0], r[1], r[2]) for r in rejected.iter_rows()]
        # Rows of a rejected record are not linked (the next sync tries them again), nor are their reports kept.
        if not rejected.is_empty() and not reports.is_empty():
            with registered(cur, _rejected=rejected.select(pl.col(TARGET).cast(pl.String).alias("k"))):
                cur.execute(
                    compose(
                        "DELETE FROM _status_reports WHERE workspace = ? AND table_name = ? AND source = ? "
                        "AND record_key IN (SELECT k FROM _rejected) AND record_key NOT IN (SELECT {key}::VARCHAR "
                        "FROM {table} WHERE {key} IN (SELECT k FROM _rejected))",
                        key=quote_ident(key),
                        table=qualified(ws.name, table.name),
                    ),
                    [ws.name, table.name, conn.source],
                )
        kept = rows.filter(~pl.col(TARGET).is_in(rejected[TARGET].implode()))
        _link(cur, ws, table, conn, kept, rules.presale.amount_field if rules.presale.enabled else "", moment)
        out.duplicates = kept.filter((pl.col(ROLE) == "duplicate") & pl.col("_linked").is_null()).height
        out.presale_parts = kept.filter(
            pl.col(ROLE).is_in(["deposit", "balance"]) & pl.col("_linked").is_null()
        ).height
        flag = rules.gifts.flag_field
        out.gifts = kept.filter(pl.col(flag) & (pl.col(ROLE) == "own")).height if flag in kept.columns else 0
        if not reports.is_empty():
            keys = reports["record_key"].filter(~reports["record_key"].is_in(rejected[TARGET].implode()))
            before = existing.filter(pl.col("k").is_in(keys.implode()))
            _history(cur, ws, table, writes, before, actor, moment, f"connector:{conn.name}")
            out.conflicts = refresh_conflicts(cur, ws, table, contested, moment)
    return out


def _history(
    cur: Cursor,
    ws: Workspace,
    table: Table,
    writes: pl.DataFrame,
    before: pl.DataFrame,
    actor: Actor,
    now: datetime,
    note: str,
) -> None:
    """Status moves of the written records whose status is new or changed."""
    key, status = str(table.business_key), str(table.flow.field)  # type: ignore[union-attr]
    moves = (
        writes.select(
            pl.col(key).cast(pl.String).alias("k"), pl.col(status).cast(pl.String).alias("after"), REPORTED_AT
        )
        .join(before.select("k", "before"), on="k", how="left")
        .filter(
            pl.col("after").is_not_null()
            & (pl.col("before").is_null() | (pl.col("before") != pl.col("after")))
        )
    )
    if moves.is_empty():
        return
    with registered(cur, _moves=moves):
        cur.execute(
            compose(
                "INSERT INTO _status_moves SELECT ?, ?, t._id, m.before, m.after, least(coalesce(m.{REPORTED_AT}, ?), ?), ?, ?, '' "
                "FROM _moves m JOIN {table} t ON t.{key} = m.k",
                REPORTED_AT=quote_ident(REPORTED_AT),
                table=qualified(ws.name, table.name),
                key=quote_ident(key),
            ),
            [ws.name, table.name, now, now, actor.username, note],
        )


def decode_payloads(payloads: pl.Series) -> pl.DataFrame:
    """JSON rows (as queued or deferred) back into a frame, in one vectorised read."""
    return pl.read_ndjson(payloads.str.join("\n").item().encode(), infer_schema_length=None)


def apply_deferred(store: Store, ws: Workspace, now: datetime | None = None, limit: int = 50_000) -> int:
    """Write the non-core fields the circuit breaker held back (the latest per record), oldest first."""
    moment = as_naive(now, ws.timezone)
    with store.transaction() as cur:
        rows = cur.execute(
            "SELECT rowid AS r, table_name, connector, record_key, payload FROM _intake_deferred WHERE workspace = ? "
            "ORDER BY deferred_at, rowid LIMIT ?",
            [ws.name, limit],
        ).pl()
        if rows.is_empty():
            return 0
        for (table_name, connector), group in rows.group_by(["table_name", "connector"], maintain_order=True):
            table = ws.require_table(str(table_name))
            key = str(table.business_key)
            latest = group.unique(subset=["record_key"], keep="last", maintain_order=True)
            frame = decode_payloads(latest["payload"]).with_columns(latest["record_key"].alias(key))
            actor = connector_actor(str(connector))
            upsert_in(
                cur, store, ws, str(table_name), frame, actor, moment, f"connector:{connector}", report=True
            )
        with registered(cur, _done=rows.select("r")):
            cur.execute("DELETE FROM _intake_deferred WHERE rowid IN (SELECT r FROM _done)")
    return rows.height
