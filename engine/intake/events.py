"""Status events from WMS, ERP, logistics and platforms: each finds its record (by business key, by any
channel's order id, or by tracking number), becomes that source's latest word, and the record's status follows
the most credible source; disagreements go to the conflict list."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from engine.clock import as_naive
from engine.intake.mapping import EXTERNAL_ID, REPORTED_AT, STATUS_RAW
from engine.intake.model import Connector
from engine.intake.orders import IngestOutcome, connector_actor
from engine.intake.trust import apply_effective, record_reports, refresh_conflicts
from engine.schema import Table, Workspace
from engine.storage.sql import compose, qualified, quote_ident
from engine.storage.store import Cursor, Store, registered


def _resolve(cur: Cursor, ws: Workspace, table: Table, events: pl.DataFrame) -> pl.DataFrame:
    """Each event's record key: its key if a record has it, else the record its order id was linked to, else
    the record with its tracking number."""
    key = quote_ident(str(table.business_key))
    tracking = (
        "tracking_no" if table.field("tracking_no") is not None and "tracking_no" in events.columns else None
    )
    cols = [
        pl.col(str(table.business_key)).cast(pl.String).alias("k"),
        pl.col(EXTERNAL_ID).cast(pl.String).alias("x"),
    ]
    cols.append(
        pl.col("tracking_no").cast(pl.String).alias("w") if tracking else pl.lit(None, pl.String).alias("w")
    )
    with registered(cur, _events=events.select(pl.int_range(pl.len()).alias("i"), *cols)):
        target = qualified(ws.name, table.name)
        by_tracking = (
            compose(
                "LEFT JOIN (SELECT {tracking_no}::VARCHAR AS w, any_value({key})::VARCHAR AS k FROM {target} "
                "WHERE tracking_no IN (SELECT w FROM _events) GROUP BY 1) w ON w.w = e.w",
                tracking_no=quote_ident("tracking_no"),
                key=key,
                target=target,
            )
            if tracking
            else "LEFT JOIN (SELECT NULL::VARCHAR AS k) w ON FALSE"
        )
        found = cur.execute(
            compose(
                "SELECT e.i, coalesce(t.k, l.record_key, w.k) AS record_key FROM _events e "
                "LEFT JOIN (SELECT {key}::VARCHAR AS k FROM {target} WHERE {key} IN (SELECT k FROM _events)) t ON t.k = e.k "
                "LEFT JOIN (SELECT external_id, any_value(record_key) AS record_key FROM _channel_links "
                "WHERE workspace = ? AND table_name = ? AND external_id IN (SELECT x FROM _events) GROUP BY 1) l "
                "ON l.external_id = e.x {by_tracking} ORDER BY e.i",
                key=key,
                target=target,
                by_tracking=by_tracking,
            ),
            [ws.name, table.name],
        ).pl()
    return events.with_columns(found["record_key"].alias("record_key"))


def apply_status_events(
    store: Store, ws: Workspace, conn: Connector, events: pl.DataFrame, now: datetime | None = None
) -> IngestOutcome:
    """Apply one batch of mapped status events (intake/mapping.py); unknown orders are rejected with the reason."""
    table = ws.require_table(conn.table)
    out = IngestOutcome(received=events.height)
    if table.flow is None:
        raise ValueError(f"{table.name} has no status flow for status events")
    moment = as_naive(now, ws.timezone)
    status = table.flow.field
    with store.transaction() as cur:
        events = _resolve(cur, ws, table, events)
        unknown = events.filter(pl.col("record_key").is_null())
        out.rejects = [
            (x, f"no order {x or k!r} found (by order number, channel order id or tracking number)", raw)
            for x, k, raw in unknown.select(EXTERNAL_ID, str(table.business_key), "_raw").iter_rows()
        ]
        known = events.filter(pl.col("record_key").is_not_null() & pl.col(status).is_not_null())
        reports = known.select(
            "record_key",
            pl.lit(conn.source).alias("source"),
            pl.lit(conn.name).alias("connector"),
            pl.col(status).cast(pl.String).alias("status"),
            pl.col(STATUS_RAW).alias("raw_status"),
            pl.col(REPORTED_AT).fill_null(moment).alias("reported_at"),
        )
        if reports.is_empty():
            return out
        record_reports(cur, ws, table, reports)
        keys = reports["record_key"].unique()
        out.updated = apply_effective(
            cur, store, ws, table, keys, connector_actor(conn.name), moment, f"connector:{conn.name}"
        )
        out.unchanged = keys.len() - out.updated
        out.conflicts = refresh_conflicts(cur, ws, table, keys, moment)
    return out
