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
from engine.importer.buyers import buyer_table, new_buyers
from engine.importer.mapping import Mapping, apply_mapping, mapping_problems
from engine.importer.plausible import damaged_keys, implausible_dates
from engine.importer.relations import (
    missing_targets,
    planned,
    related_columns,
    related_problems,
)
from engine.importer.sources import ROW as SOURCE_ROW
from engine.importer.sources import SHEET, read_chunks, sheet_names
from engine.records.bulk import preview_upsert
from engine.records.cells import AS_WRITTEN, ROW, Progress, split_problems
from engine.schema import Table, Workspace
from engine.storage.sql import compose, qualified, quote_ident, row_dicts
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


def staged_name(batch_id: int) -> str:
    return qualified("_staging", f"b{batch_id}")


def raw_name(batch_id: int) -> str:
    return qualified("_staging", f"b{batch_id}_raw")


def drop_staged(cur: Any, batch_id: int) -> None:
    cur.execute(f"DROP TABLE IF EXISTS {staged_name(batch_id)}")
    cur.execute(f"DROP TABLE IF EXISTS {raw_name(batch_id)}")


def mapped_frame(
    path: Path, sheets: list[str], mapping: Mapping, progress: Progress | None = None
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """The chosen sheets read and mapped to field columns chunk by chunk (unmapped columns never pile up),
    with a running row number and each row's origin; and the rows left out (blank, 合计) with the reason."""
    frames, skipped = [], []
    for sheet in sheets:
        for chunk in read_chunks(path, sheet):
            frames.append(apply_mapping(mapping, chunk.frame, keep=(SHEET, SOURCE_ROW), as_written=True))
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
    written = [c for c in frame.columns if c.startswith(AS_WRITTEN)]
    fields = frame.drop(SHEET, SOURCE_ROW, *related, *written)
    plan = preview_upsert(store, ws, table.name, fields, actor, now, progress)
    moment = as_naive(now, ws.timezone)
    odd = pl.concat([implausible_dates(table, plan.typed, moment), damaged_keys(table, fields)])
    if odd.height:
        plan = replace(plan, errors=pl.concat([plan.errors, odd]).sort(ROW, "field"))
    new = missing_targets(store.cursor(), ws, table, plan.typed, frame.select(ROW, *related))
    plan = replace(plan, errors=_without_created(ws, table, plan.errors, plan.typed, new))
    buyers = new_buyers(store.cursor(), ws, table, plan.typed)
    refusing, flagged = split_problems(table, plan.errors)
    flagged = flagged.filter(~pl.col(ROW).is_in(refusing[ROW].implode()))
    summary = replace(plan, errors=refusing).preview() | {
        "flagged": flagged.height,
        "flagged_rows": flagged[ROW].n_unique(),
        "creates": planned(new, ws, table) | ({buyer_table(ws, table): buyers} if buyers else {}),
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
                staged_name(batch_id),
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
        drop_staged(cur, batch_id)


def _without_created(
    ws: Workspace, table: Table, errors: pl.DataFrame, typed: pl.DataFrame, new: dict[str, pl.DataFrame]
) -> pl.DataFrame:
    """The problems less "no such SKU" for the keys the import will create."""
    for relation, rows in new.items():
        key = str(ws.require_table(table.by_name[relation].table).business_key)  # type: ignore[attr-defined]
        created = typed.filter(pl.col(relation).is_in(rows[key].implode()))[ROW].implode()
        errors = errors.filter(~((pl.col("field") == relation) & pl.col(ROW).is_in(created)))
    return errors
