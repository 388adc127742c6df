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
from engine.intake.mapping import EXTERNAL_ID, REPORTED_AT, STATUS_RAW
from engine.intake.model import Connector, DedupRule, IntakeConfig
from engine.intake.trust import effective_statuses, record_reports, refresh_conflicts
from engine.records.bulk import upsert_in
from engine.records.cells import ROW, coerce_frame
from engine.schema import Table, Workspace
from engine.storage.sql import compose, listing, qualified, quote_ident
from engine.storage.store import Cursor, Store, registered

TARGET, ROLE = "_target", "_role"


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
    rejects: list[tuple[str | None, str, str | None]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {k: v for k, v in self.__dict__.items() if isinstance(v, int)}
        return out | {"rejected": len(self.rejects)}

    def add(self, other: IngestOutcome) -> None:
        for k, v in other.__dict__.items():
            if isinstance(v, int):
                setattr(self, k, getattr(self, k) + v)
        self.rejects += other.rejects


def connector_actor(name: str) -> Actor:
    """Who writes a connector's rows in the audit log: the connector itself, with write rights."""
    return Actor(f"connector:{name}", frozenset({"admin"}))


def _links(cur: Cursor, ws: Workspace, table: Table, conn: Connector, rows: pl.DataFrame) -> pl.DataFrame:
    """The record key and role each already-seen source order was linked to."""
    with registered(cur, _ids=rows.select(EXTERNAL_ID).unique()):
        found = cur.execute(
            "SELECT l.external_id AS _external_id, l.record_key AS _linked, l.role AS _linked_role FROM _channel_links l "
            "SEMI JOIN _ids i ON i._external_id = l.external_id "
            "WHERE l.workspace = ? AND l.table_name = ? AND l.connector = ?",
            [ws.name, table.name, conn.name],
        ).pl()
    return rows.join(found, on=EXTERNAL_ID, how="left")


def _customers(
    cur: Cursor, ws: Workspace, rules: IntakeConfig, table: Table, rows: pl.DataFrame
) -> pl.DataFrame:
    """Privacy numbers replaced by the customer's real phone, and the customer filled in, where known."""
    c = rules.customers
    customers = ws.table(c.table) if c else None
    if (
        c is None
        or customers is None
        or "phone" not in rows.columns
        or customers.field(c.phone_field) is None
    ):
        return rows
    virtual = customers.field(c.virtual_field) is not None
    key = quote_ident(str(customers.business_key))
    phone = quote_ident(c.phone_field)
    source = compose(
        "SELECT {key}::VARCHAR AS k, {phone}::VARCHAR AS real, {phone}::VARCHAR AS number FROM {customers}",
        key=key,
        phone=phone,
        customers=qualified(ws.name, customers.name),
    )
    if virtual:
        source = compose(
            "{source}{virtual}",
            source=source,
            virtual=compose(
                (
                    " UNION ALL SELECT {key}::VARCHAR, {phone}::VARCHAR, trim(unnest(string_split({virtual_field}, ','))) "
                    "FROM {customers} WHERE {virtual_field} IS NOT NULL"
                ),
                key=key,
                phone=phone,
                virtual_field=quote_ident(c.virtual_field),
                customers=qualified(ws.name, customers.name),
            ),
        )
    rows = rows.with_columns(pl.col("phone").cast(pl.String).str.replace_all(r"\s", ""))
    with registered(cur, _phones=rows.select("phone").unique()):
        found = cur.execute(
            compose(
                "SELECT p.phone, any_value(c.k) AS _customer, any_value(c.real) AS _real FROM ({source}) c "
                "JOIN _phones p ON p.phone = c.number WHERE c.number <> '' GROUP BY p.phone",
                source=source,
            )
        ).pl()
    if found.is_empty():
        return rows
    out = rows.join(found, on="phone", how="left")
    out = out.with_columns(pl.coalesce("_real", "phone").alias("phone"))
    target = c.order_customer_field
    if table.field(target) is not None:
        current = pl.col(target) if target in out.columns else pl.lit(None, pl.String)
        out = out.with_columns(pl.coalesce(current.cast(pl.String), "_customer").alias(target))
    return out.drop("_customer", "_real")


def _gifts(rules: IntakeConfig, table: Table, rows: pl.DataFrame) -> pl.DataFrame:
    g = rules.gifts
    if not g.enabled or table.field(g.flag_field) is None:
        return rows
    words = [w.lower() for w in g.keywords]
    texts = [c for c in [*g.text_fields, "sku_name", "_product"] if c in rows.columns]
    hit = pl.col("_gift").fill_null(False)
    for name in texts:
        hit = hit | pl.col(name).cast(pl.String).str.to_lowercase().str.contains_any(words).fill_null(False)
    given = (
        pl.col(g.flag_field).cast(pl.Boolean, strict=False)
        if g.flag_field in rows.columns
        else pl.lit(None, pl.Boolean)
    )
    return rows.with_columns((given.fill_null(False) | hit).alias(g.flag_field))


def _dedup(
    cur: Cursor, ws: Workspace, table: Table, rule: DedupRule, rows: pl.DataFrame, key: str
) -> pl.DataFrame:
    """Each new, unlinked row's target: an existing record or an earlier row of the batch with the same match
    values within the window, else itself."""
    own = rows.with_columns(pl.col(key).alias(TARGET), pl.lit("own").alias(ROLE))
    usable = rule.enabled and all(c in rows.columns for c in [*rule.match, rule.time_field])
    if not usable:
        return own
    candidate = pl.col("_linked").is_null() & pl.col("_presale_group").is_null() & ~pl.col("_exists")
    for name in rule.match:
        candidate = candidate & pl.col(name).is_not_null() & (pl.col(name).cast(pl.String) != "")
    cols = [*rule.match, rule.time_field]
    cand = own.filter(candidate)
    if cand.is_empty():
        return own
    typed, _ = coerce_frame(table, cand.select(ROW, *cols))
    typed = typed.drop_nulls(cols).join(cand.select(ROW, key), on=ROW)
    window = rule.window_hours * 3600
    with registered(cur, _cand=typed):
        on = listing((compose("t.{c} = c.{c}", c=quote_ident(c)) for c in rule.match), " AND ")
        tf = quote_ident(rule.time_field)
        k = quote_ident(key)
        earlier = cur.execute(
            compose(
                "SELECT c.{ROW}, t.{k}::VARCHAR AS main FROM _cand c JOIN {table} t ON {on} "
                "AND abs(epoch(t.{tf}) - epoch(c.{tf})) <= ? AND t.{k} <> c.{k} "
                "QUALIFY row_number() OVER (PARTITION BY c.{ROW} ORDER BY t.{tf}, t._id) = 1",
                ROW=quote_ident(ROW),
                k=k,
                table=qualified(ws.name, table.name),
                on=on,
                tf=tf,
            ),
            [window],
        ).pl()
    rest = typed.filter(~pl.col(ROW).is_in(earlier[ROW].implode()))
    # Within the batch (only rows whose match values repeat can merge): sorted by time per match group, a row
    # within the window of the previous one joins its cluster, whose first row is the order the others merge into.
    rest = rest.filter(pl.struct(rule.match).is_duplicated())
    gap = pl.col(rule.time_field).diff().over(rule.match).dt.total_seconds()
    clusters = (
        rest.sort([*rule.match, rule.time_field, ROW])
        .with_columns((gap.is_null() | (gap > window)).cum_sum().alias("_cluster"))
        .with_columns(pl.col(key).first().over("_cluster").alias("main"))
        .filter(pl.col("main") != pl.col(key))
        .select(ROW, "main")
    )
    merged = pl.concat([earlier, clusters.cast({"main": pl.String})])
    return (
        own.join(merged, on=ROW, how="left")
        .with_columns(
            pl.coalesce("main", TARGET).alias(TARGET),
            pl.when(pl.col("main").is_not_null()).then(pl.lit("duplicate")).otherwise(ROLE).alias(ROLE),
        )
        .drop("main")
    )


def _presale(
    cur: Cursor,
    ws: Workspace,
    table: Table,
    conn: Connector,
    rules: IntakeConfig,
    rows: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Presale parts retargeted to their main order, and the main orders' rows: the latest part's values with
    the amounts of all parts (earlier syncs' too) added up."""
    if not rules.presale.enabled:
        return rows, rows.clear()
    parts = pl.col("_presale_group").is_not_null()
    key, amount = str(table.business_key), rules.presale.amount_field
    rows = rows.with_columns(
        pl.when(parts)
        .then(pl.concat_str([pl.lit(conn.key_prefix), pl.col("_presale_group")]))
        .otherwise(TARGET)
        .alias(TARGET),
        pl.when(parts).then(pl.col("_presale_part").fill_null("deposit")).otherwise(ROLE).alias(ROLE),
    )
    group = rows.filter(parts)
    if group.is_empty():
        return rows, group
    with registered(cur, _groups=group.select(TARGET).unique()):
        earlier = cur.execute(
            "SELECT record_key AS _target, external_id AS _external_id, amount FROM _channel_links l "
            "SEMI JOIN _groups g ON g._target = l.record_key WHERE workspace = ? AND table_name = ? AND connector = ? "
            "AND role IN ('deposit', 'balance')",
            [ws.name, table.name, conn.name],
        ).pl()
    this = group.select(TARGET, EXTERNAL_ID, pl.col(amount).cast(pl.Float64, strict=False).alias("amount"))
    older = earlier.filter(~pl.col(EXTERNAL_ID).is_in(this[EXTERNAL_ID].implode())).cast(
        {"amount": pl.Float64}
    )
    totals = pl.concat([older, this]).group_by(TARGET).agg(pl.col("amount").sum().alias("_total"))
    main = (
        group.sort(pl.col("_presale_part") == "balance", REPORTED_AT, nulls_last=False)
        .unique(subset=[TARGET], keep="last")
        .join(totals, on=TARGET)
        .with_columns(pl.col(TARGET).alias(key), pl.col("_total").alias(amount), pl.lit("main").alias(ROLE))
        .drop("_total")
    )
    return rows, main


def _existing(cur: Cursor, ws: Workspace, table: Table, keys: pl.Series) -> pl.DataFrame:
    key = quote_ident(str(table.business_key))
    status = quote_ident(table.flow.field) if table.flow else "NULL"
    with registered(cur, _keys=pl.DataFrame({"k": keys.cast(pl.String)}).unique()):
        return cur.execute(
            compose(
                "SELECT t.{key}::VARCHAR AS k, t._id, t.{status}::VARCHAR AS before FROM {table} t "
                "SEMI JOIN _keys s ON s.k = t.{key}",
                key=key,
                status=status,
                table=qualified(ws.name, table.name),
            )
        ).pl()


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
        rows = _gifts(rules, table, _customers(cur, ws, rules, table, rows))
        rows = _links(cur, ws, table, conn, rows)
        existing = _existing(cur, ws, table, pl.concat([rows[key], rows["_linked"].drop_nulls()]))
        rows = rows.with_columns(pl.col(key).is_in(existing["k"].implode()).alias("_exists"))
        rows = _dedup(cur, ws, table, rules.dedup, rows, key)
        rows = rows.with_columns(
            pl.coalesce("_linked", TARGET).alias(TARGET), pl.coalesce("_linked_role", ROLE).alias(ROLE)
        )
        rows, mains = _presale(cur, ws, table, conn, rules, rows)
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
            result = upsert_in(
                cur, store, ws, table.name, payload, actor, moment, f"connector:{conn.name}", report=True
            )
            out.new, out.updated, out.unchanged = result.inserted, result.updated, result.unchanged
            errors = result.errors
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
