"""Inline edits from the records grid: each edited row is one versioned update, reported row by row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.auth import Actor
from engine.errors import ConflictError, EngineError, Problem
from engine.records.single import update_record
from engine.schema import Workspace
from engine.storage.store import Store


@dataclass(frozen=True)
class EditOutcome:
    row: int
    record_id: int
    ok: bool
    message: str = ""
    problems: list[Problem] = field(default_factory=list)
    conflict: bool = False


def apply_grid_edits(
    store: Store,
    ws: Workspace,
    table: str,
    rows: list[dict[str, Any]],
    edited: dict[int, dict[str, Any]],
    actor: Actor,
    now: datetime | None = None,
) -> list[EditOutcome]:
    """Apply {row index: {field: value}} edits to the page's rows (which carry _id and _version)."""
    outcomes = []
    for index in sorted(edited):
        row = rows[index]
        changes = {k: v for k, v in edited[index].items() if not k.startswith("_")}
        try:
            update_record(
                store, ws, table, int(row["_id"]), changes, int(row["_version"]), actor, now, source="grid"
            )
        except ConflictError as exc:
            outcomes.append(EditOutcome(index, int(row["_id"]), False, exc.message, conflict=True))
        except EngineError as exc:
            outcomes.append(EditOutcome(index, int(row["_id"]), False, exc.message, exc.problems))
        else:
            outcomes.append(EditOutcome(index, int(row["_id"]), True))
    return outcomes
