"""The sync log (one row per run with its counts), rejected rows with their reasons, and each connector's
incremental cursor (last modified time, page token, files seen)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import polars as pl

from engine.schema import Workspace
from engine.storage.store import Store, registered


def start_run(store: Store, ws: Workspace, connector: str, now: datetime, cursor: dict[str, Any]) -> int:
    with store.transaction() as cur:
        (run_id,) = cur.execute(
            "INSERT INTO _sync_runs (workspace, connector, started_at, cursor_before) VALUES (?, ?, ?, ?) RETURNING id",
            [ws.name, connector, now, json.dumps(cursor, ensure_ascii=False)],
        ).fetchone()  # type: ignore[misc]
    return int(run_id)


def finish_run(
    store: Store,
    run_id: int,
    finished: datetime,
    counts: dict[str, Any],
    error: str | None = None,
    cursor: dict[str, Any] | None = None,
) -> None:
    with store.transaction() as cur:
        cur.execute(
            "UPDATE _sync_runs SET finished_at = ?, ok = ?, counts = ?, error = ?, cursor_after = ? WHERE id = ?",
            [
                finished,
                error is None,
                json.dumps(counts, ensure_ascii=False),
                error,
                None if cursor is None else json.dumps(cursor, ensure_ascii=False),
                run_id,
            ],
        )


def record_rejects(
    store: Store, ws: Workspace, connector: str, rejects: pl.DataFrame, run_id: int | None, now: datetime
) -> None:
    """Keep rejected rows (external id, reason, raw payload) for the Connectors page."""
    frame = rejects.select(
        pl.col("_external_id").cast(pl.String),
        pl.col("reason").cast(pl.String),
        pl.col("_raw").cast(pl.String),
    )
    with store.transaction() as cur, registered(cur, _rejects=frame):
        cur.execute(
            "INSERT INTO _sync_rejects SELECT ?, ?, ?, _external_id, reason, _raw, ? FROM _rejects",
            [run_id, ws.name, connector, now],
        )


def runs(store: Store, ws: Workspace, connector: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Recent sync runs, newest first, with their counts, error and cursors."""
    rows = (
        store.cursor()
        .execute(
            "SELECT id, connector, started_at, finished_at, ok, counts, error, cursor_before, cursor_after "
            "FROM _sync_runs WHERE workspace = ? AND (? IS NULL OR connector = ?) ORDER BY id DESC LIMIT ?",
            [ws.name, connector or None, connector, limit],
        )
        .fetchall()
    )
    names = [
        "id",
        "connector",
        "started_at",
        "finished_at",
        "ok",
        "counts",
        "error",
        "cursor_before",
        "cursor_after",
    ]
    out = []
    for row in rows:
        entry = dict(zip(names, row, strict=True))
        entry["counts"] = json.loads(entry["counts"])
        out.append(entry)
    return out


def rejects(store: Store, ws: Workspace, connector: str | None = None, limit: int = 500) -> pl.DataFrame:
    """Rejected rows, newest first: run, connector, source order id, reason, raw payload."""
    return (
        store.cursor()
        .execute(
            "SELECT run_id, connector, external_id, reason, payload, rejected_at FROM _sync_rejects "
            "WHERE workspace = ? AND (? IS NULL OR connector = ?) ORDER BY rejected_at DESC, rowid DESC LIMIT ?",
            [ws.name, connector or None, connector, limit],
        )
        .pl()
    )


def get_cursor(store: Store, ws: Workspace, connector: str) -> dict[str, Any]:
    row = (
        store.cursor()
        .execute(
            "SELECT cursor FROM _connector_state WHERE workspace = ? AND connector = ?", [ws.name, connector]
        )
        .fetchone()
    )
    return json.loads(row[0]) if row else {}


def set_cursor(store: Store, ws: Workspace, connector: str, cursor: dict[str, Any], now: datetime) -> None:
    with store.transaction() as cur:
        cur.execute(
            "INSERT OR REPLACE INTO _connector_state VALUES (?, ?, ?, ?)",
            [ws.name, connector, json.dumps(cursor, ensure_ascii=False), now],
        )


def seen_files(store: Store, ws: Workspace, connector: str) -> set[str]:
    rows = (
        store.cursor()
        .execute(
            "SELECT sha256 FROM _connector_files WHERE workspace = ? AND connector = ?", [ws.name, connector]
        )
        .fetchall()
    )
    return {r[0] for r in rows}


def mark_file(store: Store, ws: Workspace, connector: str, sha: str, name: str, now: datetime) -> None:
    with store.transaction() as cur:
        cur.execute(
            "INSERT OR IGNORE INTO _connector_files VALUES (?, ?, ?, ?, ?)",
            [ws.name, connector, sha, name, now],
        )


def last_started(store: Store, ws: Workspace, connector: str) -> datetime | None:
    """When the connector's latest sync run started (None before its first)."""
    row = (
        store.cursor()
        .execute(
            "SELECT max(started_at) FROM _sync_runs WHERE workspace = ? AND connector = ?",
            [ws.name, connector],
        )
        .fetchone()
    )
    return row[0] if row else None


def recent_payloads(store: Store, ws: Workspace, connector: str, limit: int) -> list[str]:
    """The raw payloads the connector's latest orders arrived with, newest first (for the mapping preview)."""
    rows = (
        store.cursor()
        .execute(
            "SELECT raw FROM _channel_links WHERE workspace = ? AND connector = ? AND raw IS NOT NULL "
            "ORDER BY linked_at DESC LIMIT ?",
            [ws.name, connector, limit],
        )
        .fetchall()
    )
    return [r[0] for r in rows]
