"""A preview of a connector's mapping on real payloads: the source's latest rows (a page of the API, the newest
file of the folder, the last pushed payloads) flattened, and what the mapping makes of them, with the rows it
would reject and why. Reads only; writes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from connectors.flatten import flatten
from connectors.http import FetchError, Retry
from connectors.sources import (
    FETCHERS,
    JSON_FILES,
    TEXT_FILES,
    Context,
    auto_mapping,
    read_records,
    read_sheet_rows,
)
from engine.intake.mapping import map_frame
from engine.intake.model import Connector
from engine.intake.synclog import recent_payloads
from engine.schema import Workspace
from engine.storage.store import Store


@dataclass(frozen=True)
class Preview:
    source: pl.DataFrame  # flattened payloads, without the raw JSON
    mapped: pl.DataFrame
    rejects: pl.DataFrame
    note: str


def _sample(
    store: Store, ws: Workspace, conn: Connector, now: datetime, limit: int
) -> tuple[pl.DataFrame, str]:
    if conn.type == "platform_api":
        options = conn.options | {"page_size": limit}
        ctx = Context(store, ws, conn.model_copy(update={"options": options}), {}, now, Retry(attempts=2))
        fetched = FETCHERS["platform_api"](ctx)
        return fetched.batches[0].flat.head(limit), f"{conn.url}: first page"
    if conn.folder and Path(conn.folder).is_dir():
        files = sorted(
            (p for p in Path(conn.folder).iterdir() if p.suffix.lower() in TEXT_FILES + JSON_FILES),
            key=lambda p: p.stat().st_mtime,
        )
        if files:
            newest = files[-1]
            frame = read_records(newest) if newest.suffix.lower() in JSON_FILES else read_sheet_rows(newest)
            return frame.head(limit), f"{newest.name} (newest file)"
    raws = recent_payloads(store, ws, conn.name, limit)
    if raws:
        return flatten([json.loads(r) for r in raws]), "last received payloads"
    return pl.DataFrame(), "no payload received yet"


def preview(store: Store, ws: Workspace, conn: Connector, now: datetime, limit: int = 20) -> Preview:
    """What `conn` (possibly edited, not yet saved) makes of the source's latest rows."""
    table = ws.require_table(conn.table)
    try:
        sample, note = _sample(store, ws, conn, now, limit)
    except (FetchError, OSError, ValueError) as exc:
        return Preview(pl.DataFrame(), pl.DataFrame(), pl.DataFrame(), f"could not read the source: {exc}")
    if sample.is_empty():
        return Preview(sample, sample, sample, note)
    if conn.type == "platform_export":
        conn = auto_mapping(Context(store, ws, conn, {}, now), sample)
    mapped = map_frame(conn, table, sample, ws.timezone)
    visible = [c for c in mapped.rows.columns if not c.startswith("_") or c == "_external_id"]
    return Preview(
        sample.drop("_raw", strict=False), mapped.rows.select(visible), mapped.rejects.drop("_raw"), note
    )
