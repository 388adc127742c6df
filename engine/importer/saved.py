"""Saved mappings: a mapping is kept by name (淘宝订单报表, 抖店订单导出) and offered again when a file with the
same columns comes."""

from __future__ import annotations

from datetime import datetime

from engine.auth import Actor, require_table
from engine.clock import as_naive
from engine.errors import AuthoringError, NotFoundError
from engine.importer.mapping import Mapping, mapping_problems, signature
from engine.schema import Workspace
from engine.storage.store import Store


def save_mapping(
    store: Store, ws: Workspace, mapping: Mapping, actor: Actor, now: datetime | None = None
) -> None:
    """Keep a mapping under its name (replacing one of the same name); it must fit its table."""
    table = ws.require_table(mapping.table)
    require_table(actor, table, "create")
    if not mapping.name.strip():
        raise AuthoringError("name: give the mapping a name, e.g. 抖店订单导出")
    problems = mapping_problems(mapping, table)
    if problems:
        raise AuthoringError(
            f"mapping {mapping.name!r} does not fit {table.label}: "
            + "; ".join(f"{c or '—'}: {m}" for c, m in problems)
        )
    with store.transaction() as cur:
        cur.execute("DELETE FROM _import_mappings WHERE workspace = ? AND name = ?", [ws.name, mapping.name])
        cur.execute(
            "INSERT INTO _import_mappings VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                ws.name,
                mapping.name,
                mapping.table,
                mapping.signature,
                mapping.model_dump_json(),
                as_naive(now, ws.timezone),
                actor.username,
            ],
        )


def load_mapping(store: Store, ws: Workspace, name: str) -> Mapping:
    row = (
        store.cursor()
        .execute("SELECT document FROM _import_mappings WHERE workspace = ? AND name = ?", [ws.name, name])
        .fetchone()
    )
    if row is None:
        raise NotFoundError(
            f"no saved mapping {name!r} (saved: {', '.join(mapping_names(store, ws)) or 'none'})"
        )
    return Mapping.model_validate_json(row[0])


def mapping_names(store: Store, ws: Workspace) -> list[str]:
    rows = (
        store.cursor()
        .execute("SELECT name FROM _import_mappings WHERE workspace = ? ORDER BY name", [ws.name])
        .fetchall()
    )
    return [r[0] for r in rows]


def mapping_for(store: Store, ws: Workspace, columns: list[str], table: str | None = None) -> Mapping | None:
    """The newest saved mapping made for a file with exactly these columns (in any order), if any."""
    row = (
        store.cursor()
        .execute(
            "SELECT document FROM _import_mappings WHERE workspace = ? AND signature = ? "
            "AND (? IS NULL OR table_name = ?) ORDER BY saved_at DESC LIMIT 1",
            [ws.name, signature(columns), table, table],
        )
        .fetchone()
    )
    return Mapping.model_validate_json(row[0]) if row else None
