"""Workspace overview for the Home page: tables with row counts and the current schema version."""

from __future__ import annotations

from dataclasses import dataclass

from engine.auth import Actor, table_actions
from engine.schema import Workspace
from engine.storage.sql import qualified
from engine.storage.store import Store
from engine.workspaces import current_version


@dataclass(frozen=True)
class TableSummary:
    name: str
    label: str
    label_en: str
    fields: int
    rows: int
    has_flow: bool


def summarize(store: Store, ws: Workspace, actor: Actor) -> tuple[int, list[TableSummary]]:
    """(current version, a summary of every table the actor may read)."""
    cur = store.cursor()
    out = []
    for table in ws.tables:
        if "read" not in table_actions(actor, table):
            continue
        rows = cur.execute(f"SELECT count(*) FROM {qualified(ws.name, table.name)}").fetchone()  # noqa: S608
        out.append(
            TableSummary(
                table.name,
                table.label,
                table.label_en,
                len(table.fields),
                int(rows[0]) if rows else 0,
                table.flow is not None,
            )
        )
    return current_version(store, ws.name), out
