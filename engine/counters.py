"""Row ids and autonumbers, reserved in blocks from the _counters table inside the caller's transaction.

A block reservation is one statement whatever its size, so a million-row import gets its ids at once
(a DuckDB sequence would be called once per row). A counter starts after the highest value already stored.
"""

from __future__ import annotations

from datetime import datetime

from engine.fields import AutonumberField
from engine.schema import Table, Workspace
from engine.storage.sql import qualified, quote_ident
from engine.storage.store import Cursor

ID_COUNTER = "_id"


def _reserve(
    cur: Cursor,
    ws: str,
    table: str,
    field: str,
    stem: str,
    count: int,
    start_sql: str,
    start_params: list[object],
) -> int:
    """Reserve `count` numbers after the counter (initialised by start_sql); returns the last one before them."""
    row = cur.execute(
        "SELECT last FROM _counters WHERE workspace = ? AND table_name = ? AND field = ? AND stem = ?",
        [ws, table, field, stem],
    ).fetchone()
    if row is None:
        used = cur.execute(start_sql, start_params).fetchone()
        last = int(used[0] or 0) if used else 0
        cur.execute("INSERT INTO _counters VALUES (?, ?, ?, ?, ?)", [ws, table, field, stem, last + count])
    else:
        last = int(row[0])
        cur.execute(
            "UPDATE _counters SET last = ? WHERE workspace = ? AND table_name = ? AND field = ? AND stem = ?",
            [last + count, ws, table, field, stem],
        )
    return last


def reserve_ids(cur: Cursor, ws: Workspace, table: Table, count: int) -> int:
    """Reserve `count` consecutive row ids; returns the first."""
    start = f"SELECT max(_id) FROM {qualified(ws.name, table.name)}"  # noqa: S608
    return _reserve(cur, ws.name, table.name, ID_COUNTER, "", count, start, []) + 1


def next_autonumber(
    cur: Cursor,
    ws: Workspace,
    table: Table,
    field: AutonumberField,
    now: datetime,
    count: int = 1,
) -> list[str]:
    """Reserve `count` numbers for an autonumber field; a new stem starts after the highest number in use."""
    stem = field.stem(now)
    col = quote_ident(field.name)
    start = (
        f"SELECT max(TRY_CAST(substr({col}, ?) AS BIGINT)) FROM {qualified(ws.name, table.name)} "  # noqa: S608
        f"WHERE starts_with({col}, ?) AND length({col}) = ?"
    )
    last = _reserve(
        cur,
        ws.name,
        table.name,
        field.name,
        stem,
        count,
        start,
        [len(stem) + 1, stem, len(stem) + field.digits],
    )
    return [field.format(stem, last + i) for i in range(1, count + 1)]
