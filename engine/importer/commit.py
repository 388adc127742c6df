"""Committing a staged import batch: one transaction upserts its rows by business key (a row with only
flagged cells lands with them empty, listed in the repair queue), creates the rows its relations point to
(SKUs a fresh workspace lacks), notes what each row did for undo, and builds status history from the file's
timestamps."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import polars as pl

from engine.auth import Actor
from engine.clock import as_naive
from engine.errors import ConflictError, DataError
from engine.flow.backfill import history_from_times
from engine.importer.batches import drop_staged, raw_name, reviewable, staged_name
from engine.importer.buyers import with_buyers
from engine.importer.relations import create_targets, missing_targets, related_columns
from engine.importer.sources import ROW as SOURCE_ROW
from engine.importer.sources import SHEET
from engine.records.bulk import upsert_in
from engine.records.cells import ROW, null_cells
from engine.records.repairs import store_flags
from engine.schema import Workspace
from engine.storage.sql import Fragment, Sql, compose, qualified, quote_ident
from engine.storage.store import Store


def commit(
    store: Store,
    ws: Workspace,
    batch_id: int,
    actor: Actor,
    valid_only: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Upsert the staged rows by business key. A row with only flagged cells lands with them empty and listed
    in the repair queue; rows refused for their key block the commit unless `valid_only` leaves them out."""
    info = reviewable(store, ws, batch_id, actor, "staged")
    table = ws.require_table(info["table_name"])
    moment = as_naive(now, ws.timezone)
    failing = int(info["summary"].get("errors", 0))
    if failing and not valid_only:
        raise DataError(
            f"{failing} row(s) of import batch #{batch_id} are refused (their business key is missing or bad); "
            "fix them (download the error report) or import the other rows only; nothing was written",
            text=("import_refused_rows", {"n": failing, "id": batch_id}),
        )
    staged = (
        store.cursor()
        .execute(
            compose(
                "SELECT * FROM {staged} WHERE {ROW} NOT IN "
                "(SELECT row_no FROM _import_errors WHERE batch_id = ? AND coalesce(refuses, TRUE))",
                staged=staged_name(batch_id),
                ROW=quote_ident(ROW),
            ),
            [batch_id],
        )
        .pl()
    )
    related = related_columns(staged.columns)
    staged_flags = (
        store.cursor()
        .execute(
            compose(
                "SELECT row_no AS {ROW}, field, message FROM _import_errors WHERE batch_id = ? AND NOT refuses",
                ROW=quote_ident(ROW),
            ),
            [batch_id],
        )
        .pl()
    )
    # Cells flagged on staging (a year 2126) stay empty whatever a second reading of them would say.
    if staged.is_empty():
        raise DataError(
            f"no row of import batch #{batch_id} can be imported: all {failing} are refused for their business "
            "key (see the error report); nothing was written",
            text=("import_no_valid_row", {"n": failing, "id": batch_id}),
        )
    fields = null_cells(staged.drop(SHEET, SOURCE_ROW, *related), staged_flags)
    raw = store.cursor().execute(compose("SELECT * FROM {raw}", raw=raw_name(batch_id))).pl()
    target, k = qualified(ws.name, table.name), quote_ident(str(table.business_key))
    # One transaction: the records, what each row did (for undo), the status history and the batch's status
    # land together or not at all, even if the process dies half-way.
    with store.transaction() as cur:
        (status,) = cur.execute("SELECT status FROM _import_batches WHERE id = ?", [batch_id]).fetchone()  # type: ignore[misc]
        if status != "staged":  # another reviewer was quicker
            raise ConflictError(f"import batch #{batch_id} is {status} now", "staged", status)
        cur.execute(
            compose(
                "CREATE OR REPLACE TEMP TABLE _import_before AS SELECT t.{k} AS k, t._version FROM {target} t "
                "SEMI JOIN {staged} s ON s.{k} = t.{k}",
                k=k,
                target=target,
                staged=staged_name(batch_id),
            )
        )
        fields, buyers = with_buyers(cur, ws, table, fields, moment)
        new = missing_targets(cur, ws, table, fields, staged.select(ROW, *related)) | buyers
        created = create_targets(cur, store, ws, table, new, actor, moment, batch_id)
        # What changed since staging (a key taken by someone else meanwhile) refuses the batch, or is reported.
        result = upsert_in(
            cur,
            store,
            ws,
            table.name,
            fields,
            actor,
            moment,
            source=f"import:{batch_id}",
            report=valid_only,
            flag_cells=True,
        )
        flags = pl.concat([staged_flags.cast(result.flags.schema), result.flags]).unique(
            subset=[ROW, "field"], keep="first", maintain_order=True
        )
        flags = flags.filter(~pl.col(ROW).is_in(result.errors[ROW].implode()))
        flagged = store_flags(cur, ws, table, flags, fields, raw, batch_id, moment)
        cur.register("_import_rejected", result.errors.select(pl.col(ROW).alias("r")).to_arrow())
        status = compose("t.{field}", field=quote_ident(table.flow.field)) if table.flow else Sql("NULL")
        cur.execute(
            compose(
                "INSERT INTO _import_rows (batch_id, record_id, sheet, source_row, action, version_after, status) "
                "SELECT ?, t._id, s.{SHEET}, s.{SOURCE_ROW}, "
                "CASE WHEN b.k IS NULL THEN 'insert' ELSE 'update' END, t._version, {status} "
                "FROM {staged} s JOIN {target} t ON t.{k} = s.{k} LEFT JOIN _import_before b ON b.k = s.{k} "
                "WHERE s.{ROW} NOT IN (SELECT row_no FROM _import_errors WHERE batch_id = ? AND coalesce(refuses, TRUE)) "
                "AND s.{ROW} NOT IN (SELECT r FROM _import_rejected) "
                "AND (b.k IS NULL OR b._version <> t._version)",
                SHEET=quote_ident(SHEET),
                SOURCE_ROW=quote_ident(SOURCE_ROW),
                status=status,
                staged=staged_name(batch_id),
                target=target,
                k=k,
                ROW=quote_ident(ROW),
            ),
            [batch_id, batch_id],
        )
        cur.unregister("_import_rejected")
        cur.execute("DROP TABLE _import_before")
        (seq,) = cur.execute(
            "SELECT max(seq) FROM _audit_log WHERE workspace = ? AND table_name = ? AND note = ?",
            [ws.name, table.name, f"import:{batch_id}"],
        ).fetchone()  # type: ignore[misc]
        inserted = Fragment(
            "SELECT record_id FROM _import_rows WHERE batch_id = ? AND action = 'insert'", (batch_id,)
        )
        history_from_times(cur, ws, table, inserted, actor, "import", f"import:{batch_id}")
        done = result.summary() | {
            "rejected": result.rejected + failing,
            "flagged": flagged,
            "created": created,
        }
        summary = info["summary"] | {"committed": done}
        (last,) = cur.execute("SELECT max(seq) FROM _audit_log").fetchone()  # type: ignore[misc]
        cur.execute(
            "UPDATE _import_batches SET status = 'committed', reviewed_by = ?, reviewed_at = ?, audit_seq = ?, "
            "audit_last = ?, summary = ? WHERE id = ?",
            [actor.username, moment, seq, last, json.dumps(summary, ensure_ascii=False), batch_id],
        )
        drop_staged(cur, batch_id)
    return done
