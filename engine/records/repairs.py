"""The repair queue: cells a history import left empty because the file's value did not fit (an SKU that is
not there, a price that is not a number, a required value the file lacks), each with the value as written and
the reason. A row is never lost for one bad cell; the cell waits here until someone fills it.

A flag is open while its cell is still empty and nobody closed it; filling the cell through any write path
takes it off the queue, and `repair` fills it with the form's own checks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from engine.auth import Actor, may, require_table
from engine.clock import as_naive
from engine.errors import DataError, NotFoundError
from engine.records.cells import AS_WRITTEN, ROW
from engine.records.single import update_record
from engine.schema import Table, Workspace
from engine.storage.sql import compose, listing, name_literal, qualified, quote_ident, row_dicts
from engine.storage.store import Cursor, Store, registered


def store_flags(
    cur: Cursor,
    ws: Workspace,
    table: Table,
    flags: pl.DataFrame,
    keys: pl.DataFrame,
    raw: pl.DataFrame,
    batch_id: int | None,
    now: datetime,
) -> int:
    """Note the flagged cells (row, field, message) of rows just written, with the value as the file had it;
    `keys` gives each row's business key, `raw` the rows' text as mapped; `batch_id` is the import batch (None
    for a connector's file). Returns how many were noted."""
    if not flags.height:
        return 0
    key = str(table.business_key)
    # The file's own text where the mapping rewrote it (a value map, a date format).
    texts = raw.select(
        ROW,
        *[
            pl.col(AS_WRITTEN + c if AS_WRITTEN + c in raw.columns else c).cast(pl.String).alias(c)
            for c in raw.columns
            if c != ROW and c in table.by_name
        ],
    )
    long = texts.unpivot(index=ROW, variable_name="field", value_name="raw") if texts.width > 1 else None
    rows = flags.join(keys.select(ROW, pl.col(key).alias("_key")), on=ROW)
    if long is not None:
        rows = rows.join(long, on=[ROW, "field"], how="left")
    else:
        rows = rows.with_columns(pl.lit(None, pl.String).alias("raw"))
    with registered(cur, _flags=rows.select("_key", "field", "raw", "message")):
        cur.execute(
            compose(
                "INSERT INTO _cell_flags SELECT ?, ?, t._id, f.field, f.raw, f.message, ?, ?, NULL, NULL "
                "FROM _flags f JOIN {target} t ON t.{key} = f._key",
                target=qualified(ws.name, table.name),
                key=quote_ident(key),
            ),
            [ws.name, table.name, batch_id, now],
        )
    return rows.height


def open_repairs(
    store: Store, ws: Workspace, actor: Actor, table_name: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """The open flags the actor may see (their table readable, the field not hidden), oldest batch first:
    id of the record, its business key, field, the value as written and the reason."""
    out = []
    for table in ws.tables:
        if (table_name and table.name != table_name) or not may(actor, "read", table):
            continue
        fields = [f.name for f in table.stored_fields() if may(actor, "read", f)]
        if not fields or not table.business_key:
            continue
        # A flag is open while its cell is still empty: tested in the same query, one CASE arm per field.
        empty = listing(
            (
                compose("WHEN {name} THEN t.{col} IS NULL", name=name_literal(n), col=quote_ident(n))
                for n in fields
            ),
            " ",
        )
        rows = row_dicts(
            store.cursor().execute(
                compose(
                    "SELECT f.record_id, t.{key}::VARCHAR AS record_key, f.field, f.raw, f.message, f.batch_id, "
                    "f.flagged_at FROM _cell_flags f JOIN {target} t ON t._id = f.record_id "
                    "WHERE f.workspace = ? AND f.table_name = ? AND f.resolved_at IS NULL "
                    "AND coalesce(CASE f.field {empty} END, FALSE) "
                    "ORDER BY f.batch_id, f.record_id, f.field LIMIT ?",
                    key=quote_ident(table.business_key),
                    target=qualified(ws.name, table.name),
                    empty=empty,
                ),
                [ws.name, table.name, limit],
            )
        )
        out += [r | {"table": table.name} for r in rows]
    return out[:limit]


def repair(
    store: Store,
    ws: Workspace,
    table_name: str,
    record_id: int,
    field: str,
    value: Any,
    actor: Actor,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Fill a flagged cell through the form's write path (every check applies) and close its flag."""
    table = ws.require_table(table_name)
    require_table(actor, table, "update")
    if table.field(field) is None:
        raise DataError(f"{table.name!r} has no field {field!r}")
    moment = as_naive(now, ws.timezone)
    (version,) = store.cursor().execute(  # type: ignore[misc]
        compose("SELECT _version FROM {target} WHERE _id = ?", target=qualified(ws.name, table.name)),
        [record_id],
    ).fetchone() or (None,)
    if version is None:
        raise NotFoundError(f"{table.label} ({table.name}) has no record with id {record_id}")
    row = update_record(
        store, ws, table.name, record_id, {field: value}, version, actor, now=moment, source="repair"
    )
    with store.transaction() as cur:
        cur.execute(
            "UPDATE _cell_flags SET resolved_at = ?, resolved_by = ? WHERE workspace = ? AND table_name = ? "
            "AND record_id = ? AND field = ? AND resolved_at IS NULL",
            [moment, actor.username, ws.name, table.name, record_id, field],
        )
    return row
