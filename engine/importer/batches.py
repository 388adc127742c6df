"""Import batches: an upload lands in staging with every problem found before anything is written; a
reviewer commits it in one transaction (upsert by business key, every row tagged with its batch, sheet and
row) or rejects it; a committed batch can be undone unless its rows were edited since.

Staged rows are kept as text in `_staging.b<id>` (the field registry reads them again on commit), the
problems in `_import_errors`, and what a commit did per record in `_import_rows` (for undo).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from engine.auth import Actor, may, require_table
from engine.clock import as_naive
from engine.errors import ConflictError, DataError, NotFoundError, RefusedError
from engine.importer.mapping import Mapping, apply_mapping, mapping_problems
from engine.importer.plausible import implausible_dates
from engine.importer.relations import (
    create_targets,
    missing_targets,
    planned,
    related_columns,
    related_problems,
)
from engine.importer.sources import ROW as SOURCE_ROW
from engine.importer.sources import SHEET, read_chunks, sheet_names
from engine.records.bulk import preview_upsert, upsert_in
from engine.records.cells import ROW, Progress, null_cells, split_problems
from engine.records.repairs import store_flags
from engine.schema import Table, Workspace
from engine.storage.sql import Sql, compose, listing, qualified, quote_ident, row_dicts
from engine.storage.store import Store

SKIPPED_LISTED = 200  # rows left out (blank, 合计) listed in a batch summary; all are counted


@dataclass(frozen=True)
class Batch:
    id: int
    status: str
    summary: dict[str, Any]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _staged_name(batch_id: int) -> str:
    return qualified("_staging", f"b{batch_id}")


def raw_name(batch_id: int) -> str:
    return qualified("_staging", f"b{batch_id}_raw")


def _drop_staged(cur: Any, batch_id: int) -> None:
    cur.execute(f"DROP TABLE IF EXISTS {_staged_name(batch_id)}")
    cur.execute(f"DROP TABLE IF EXISTS {raw_name(batch_id)}")


def mapped_frame(
    path: Path, sheets: list[str], mapping: Mapping, progress: Progress | None = None
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """The chosen sheets read and mapped to field columns chunk by chunk (unmapped columns never pile up),
    with a running row number and each row's origin; and the rows left out (blank, 合计) with the reason."""
    frames, skipped = [], []
    for sheet in sheets:
        for chunk in read_chunks(path, sheet):
            frames.append(apply_mapping(mapping, chunk.frame, keep=(SHEET, SOURCE_ROW)))
            skipped += [{"sheet": chunk.sheet, "row": row, "reason": why} for row, why in chunk.skipped]
            if progress is not None:
                progress("read", sum(f.height for f in frames), 0)
    frame = pl.concat(frames, how="diagonal_relaxed")
    return frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64)), skipped


def stage(
    store: Store,
    ws: Workspace,
    path: Path,
    mapping: Mapping,
    actor: Actor,
    sheets: list[str] | None = None,
    now: datetime | None = None,
    file_name: str | None = None,
    progress: Progress | None = None,
) -> Batch:
    """Read, map and check a file into a staged batch; nothing reaches the table yet.

    `progress(phase, done, total)` hears of each phase (read, check, stage) as it goes."""
    report = progress or (lambda phase, done, total: None)
    table = ws.require_table(mapping.table)
    require_table(actor, table, "create")
    problems = mapping_problems(mapping, table) + related_problems(
        ws, table, [cm.field for cm in mapping.columns if cm.field]
    )
    if problems:
        raise DataError("the mapping needs fixing: " + "; ".join(f"{c or '—'}: {m}" for c, m in problems))
    path = Path(path)
    chosen = sheets or sheet_names(path)[:1]
    report("read", 0, 0)
    frame, skipped = mapped_frame(path, chosen, mapping, progress)
    report("read", frame.height, frame.height)
    if frame.height == 0:
        raise DataError(
            f"{file_name or path.name}: the header is there but no data rows below it; nothing was staged"
        )
    related = related_columns(frame.columns)
    fields = frame.drop(SHEET, SOURCE_ROW, *related)
    plan = preview_upsert(store, ws, table.name, fields, actor, now, progress)
    moment = as_naive(now, ws.timezone)
    odd = implausible_dates(table, plan.typed, moment)
    if odd.height:
        plan = replace(plan, errors=pl.concat([plan.errors, odd]).sort(ROW, "field"))
    new = missing_targets(store.cursor(), ws, table, plan.typed, frame.select(ROW, *related))
    plan = replace(plan, errors=_without_created(ws, table, plan.errors, plan.typed, new))
    refusing, flagged = split_problems(table, plan.errors)
    flagged = flagged.filter(~pl.col(ROW).is_in(refusing[ROW].implode()))
    summary = replace(plan, errors=refusing).preview() | {
        "flagged": flagged.height,
        "flagged_rows": flagged[ROW].n_unique(),
        "creates": planned(new, ws, table),
    }
    summary["skipped"] = skipped[:SKIPPED_LISTED]
    summary["skipped_rows"] = len(skipped)
    sha = file_sha256(path)
    summary["same_file_batches"] = _batches_of_file(store, ws, sha)
    with store.transaction() as cur:
        (batch_id,) = cur.execute(
            "INSERT INTO _import_batches (workspace, table_name, file_name, sha256, sheets, mapping, mapping_name, "
            "operator, created_at, status, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'staged', ?) RETURNING id",
            [
                ws.name,
                table.name,
                file_name or path.name,
                sha,
                chosen,
                mapping.model_dump_json(),
                mapping.name or None,
                actor.username,
                moment,
                json.dumps(summary, ensure_ascii=False),
            ],
        ).fetchone()  # type: ignore[misc]
        # Staged typed (commit then skips reading text again); the failing rows also as text, for the report.
        origin = frame.select(ROW, SHEET, SOURCE_ROW)
        bad = plan.bad_rows.implode()
        for name, rows in (
            (
                _staged_name(batch_id),
                plan.typed.join(origin, on=ROW).join(frame.select(ROW, *related), on=ROW),
            ),
            (raw_name(batch_id), frame.filter(pl.col(ROW).is_in(bad))),
        ):
            cur.register("_staged_frame", rows.to_arrow())
            cur.execute(compose("CREATE TABLE {name} AS SELECT * FROM _staged_frame", name=name))
            cur.unregister("_staged_frame")
        errors = pl.concat(
            [refusing.with_columns(refuses=pl.lit(True)), flagged.with_columns(refuses=pl.lit(False))]
        ).join(origin, on=ROW, how="left")
        if errors.height:
            cur.register("_staged_errors", errors.to_arrow())
            cur.execute(
                compose(
                    "INSERT INTO _import_errors SELECT ?, {ROW}, {SHEET}, {SOURCE_ROW}, field, message, refuses "
                    "FROM _staged_errors",
                    ROW=quote_ident(ROW),
                    SHEET=quote_ident(SHEET),
                    SOURCE_ROW=quote_ident(SOURCE_ROW),
                ),
                [batch_id],
            )
            cur.unregister("_staged_errors")
    report("stage", frame.height, frame.height)
    return Batch(batch_id, "staged", summary)


def _batches_of_file(store: Store, ws: Workspace, sha: str) -> list[int]:
    rows = (
        store.cursor()
        .execute(
            "SELECT id FROM _import_batches WHERE workspace = ? AND sha256 = ? AND status = 'committed' ORDER BY id",
            [ws.name, sha],
        )
        .fetchall()
    )
    return [r[0] for r in rows]


def batch_info(store: Store, ws: Workspace, batch_id: int) -> dict[str, Any]:
    rows = row_dicts(
        store.cursor().execute(
            "SELECT * FROM _import_batches WHERE workspace = ? AND id = ?", [ws.name, batch_id]
        )
    )
    if not rows:
        raise NotFoundError(f"no import batch #{batch_id} in workspace {ws.name!r}")
    info = rows[0]
    info["summary"] = json.loads(info["summary"])
    return info


def batch_errors(store: Store, batch_id: int) -> pl.DataFrame:
    """The problems of a batch: row, sheet and sheet row, field, reason, and whether it refuses the row (else
    the row lands with the cell flagged for repair)."""
    return (
        store.cursor()
        .execute(
            "SELECT row_no, sheet, source_row, field, message, coalesce(refuses, TRUE) AS refuses "
            "FROM _import_errors WHERE batch_id = ? ORDER BY row_no, field",
            [batch_id],
        )
        .pl()
    )


def list_batches(store: Store, ws: Workspace, limit: int = 50) -> list[dict[str, Any]]:
    return row_dicts(
        store.cursor().execute(
            "SELECT id, table_name, file_name, sheets, mapping_name, operator, created_at, status, summary, "
            "reviewed_by, reviewed_at FROM _import_batches WHERE workspace = ? ORDER BY id DESC LIMIT ?",
            [ws.name, limit],
        )
    )


def reviewable(store: Store, ws: Workspace, batch_id: int, actor: Actor, status: str) -> dict[str, Any]:
    if not may(actor, "review_imports"):
        raise RefusedError(f"{actor.username} may not review imports (admins and managers may)")
    info = batch_info(store, ws, batch_id)
    if info["status"] != status:
        raise ConflictError(
            f"import batch #{batch_id} is {info['status']}, not {status}", status, info["status"]
        )
    return info


def reject(
    store: Store, ws: Workspace, batch_id: int, actor: Actor, note: str = "", now: datetime | None = None
) -> None:
    """Refuse a staged batch; its staged rows are dropped."""
    reviewable(store, ws, batch_id, actor, "staged")
    with store.transaction() as cur:
        cur.execute(
            "UPDATE _import_batches SET status = 'rejected', reviewed_by = ?, reviewed_at = ?, note = ? WHERE id = ?",
            [actor.username, as_naive(now, ws.timezone), note, batch_id],
        )
        _drop_staged(cur, batch_id)


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
            "fix them (download the error report) or import the other rows only; nothing was written"
        )
    staged = (
        store.cursor()
        .execute(
            compose(
                "SELECT * FROM {staged} WHERE {ROW} NOT IN "
                "(SELECT row_no FROM _import_errors WHERE batch_id = ? AND coalesce(refuses, TRUE))",
                staged=_staged_name(batch_id),
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
                staged=_staged_name(batch_id),
            )
        )
        new = missing_targets(cur, ws, table, fields, staged.select(ROW, *related))
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
                staged=_staged_name(batch_id),
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
        _history_from_timestamps(cur, ws, table, batch_id, actor)
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
        _drop_staged(cur, batch_id)
    return done


def _without_created(
    ws: Workspace, table: Table, errors: pl.DataFrame, typed: pl.DataFrame, new: dict[str, pl.DataFrame]
) -> pl.DataFrame:
    """The problems less "no such SKU" for the keys the import will create."""
    for relation, rows in new.items():
        key = str(ws.require_table(table.by_name[relation].table).business_key)  # type: ignore[attr-defined]
        created = typed.filter(pl.col(relation).is_in(rows[key].implode()))[ROW].implode()
        errors = errors.filter(~((pl.col("field") == relation) & pl.col(ROW).is_in(created)))
    return errors


def status_times(table: Table) -> list[tuple[str, str]]:
    """(state, datetime field) pairs the flow itself defines: a transition into `shipped` sets shipped_at."""
    if table.flow is None:
        return []
    pairs = {
        (tr.to, name)
        for tr in table.flow.transitions
        for name, value in tr.set_fields.items()
        if value == {"now": []} and table.field(name) is not None
    }
    return sorted(pairs)


def _history_from_timestamps(cur: Any, ws: Workspace, table: Table, batch_id: int, actor: Actor) -> None:
    """Status history for the rows a batch inserted, from the times the file has (shipped_at, signed_at…),
    so time-in-status rules and dashboards work on backfilled orders."""
    pairs = status_times(table)
    if not pairs:
        return
    flow = table.flow
    assert flow is not None
    target = qualified(ws.name, table.name)
    moves = listing(
        (
            compose(
                "SELECT t._id, ? AS state, t.{field} AS moved_at FROM {target} t "
                "JOIN _import_rows r ON r.record_id = t._id AND r.batch_id = ? AND r.action = 'insert' "
                "WHERE t.{field} IS NOT NULL",
                field=quote_ident(field),
                target=target,
            )
            for _, field in pairs
        ),
        " UNION ALL ",
    )
    params: list[Any] = [p for state, _ in pairs for p in (state, batch_id)]
    cur.execute(
        compose(
            "INSERT INTO _status_moves SELECT ?, ?, _id, coalesce(lag(state) OVER w, ?), state, moved_at, ?, 'import', ? "
            "FROM ({moves}) WINDOW w AS (PARTITION BY _id ORDER BY moved_at)",
            moves=moves,
        ),
        [ws.name, table.name, flow.initial, actor.username, f"import:{batch_id}", *params],
    )
