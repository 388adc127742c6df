"""Status history for rows that arrived with their times but without moves (a history import, the demo data):
the flow's own timestamps (a transition into `shipped` sets shipped_at) tell the way, the status column the
end, so time-in-status rules and the funnel's medians work on them."""

from __future__ import annotations

from typing import Any

from engine.auth import Actor
from engine.schema import Table, Workspace
from engine.storage.sql import Fragment, compose, listing, qualified, quote_ident
from engine.storage.store import Store


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


def history_from_times(
    cur: Any,
    ws: Workspace,
    table: Table,
    rows: Fragment,
    actor: Actor,
    source: str,
    note: str,
    entered: str | None = None,
) -> None:
    """Write the moves of the rows `rows` selects (a query of record ids) from their times, in the caller's
    transaction; each move is marked with `source` and `note` (undo of an import removes them by note).
    `entered` names a datetime field at which a row entered the flow's first state (an order's ordered_at)."""
    pairs = status_times(table)
    if not pairs or table.flow is None:
        return
    flow = table.flow
    if entered is not None:
        pairs = [(flow.initial, entered), *pairs]
    target = qualified(ws.name, table.name)
    moves = listing(
        (
            compose(
                "SELECT t._id, ? AS state, t.{field} AS moved_at FROM {target} t "
                "WHERE t._id IN ({rows}) AND t.{field} IS NOT NULL",
                field=quote_ident(field),
                target=target,
                rows=rows,
            )
            for _, field in pairs
        ),
        " UNION ALL ",
    )
    params: list[Any] = [p for state, _ in pairs for p in (state, *rows.params)]
    cur.execute(
        compose(
            # Without an entry time the first move leaves the first state; with one it enters it from nothing.
            "INSERT INTO _status_moves SELECT ?, ?, _id, CASE WHEN row_number() OVER w > 1 THEN lag(state) OVER w "
            "WHEN ? THEN NULL ELSE ? END, state, moved_at, ?, ?, ? "
            "FROM ({moves}) WINDOW w AS (PARTITION BY _id ORDER BY moved_at)",
            moves=moves,
        ),
        [ws.name, table.name, entered is not None, flow.initial, actor.username, source, note, *params],
    )
    # A cancelled or refunded order that had shipped ends on its status, not on shipped: one closing move at
    # its last known time.
    cur.execute(
        compose(
            "INSERT INTO _status_moves SELECT ?, ?, m.record_id, m.to_state, t.{status}, m.moved_at, ?, ?, ? "
            "FROM (SELECT record_id, arg_max(to_state, moved_at) AS to_state, max(moved_at) AS moved_at "
            "FROM _status_moves WHERE workspace = ? AND table_name = ? AND note = ? AND record_id IN ({rows}) "
            "GROUP BY record_id) m "
            "JOIN {target} t ON t._id = m.record_id WHERE t.{status} IS NOT NULL AND t.{status} <> m.to_state",
            status=quote_ident(flow.field),
            target=target,
            rows=rows,
        ),
        [ws.name, table.name, actor.username, source, note, ws.name, table.name, note, *rows.params],
    )


def backfill(
    store: Store, ws: Workspace, table_name: str, actor: Actor, source: str, entered: str | None = None
) -> int:
    """History from their times for every row of a table that has no status history yet; returns how many
    moves were written (sample data arrives this way)."""
    table = ws.require_table(table_name)
    with store.transaction() as cur:
        # The rows are fixed first: once their moves are written they would no longer be "without history".
        cur.execute(
            compose(
                "CREATE OR REPLACE TEMP TABLE _backfill_ids AS SELECT _id FROM {target} WHERE _id NOT IN "
                "(SELECT record_id FROM _status_history WHERE workspace = ? AND table_name = ?)",
                target=qualified(ws.name, table.name),
            ),
            [ws.name, table.name],
        )
        (before,) = cur.execute("SELECT count(*) FROM _status_moves").fetchone()
        rows = Fragment("SELECT _id FROM _backfill_ids")
        history_from_times(cur, ws, table, rows, actor, source, source, entered)
        (after,) = cur.execute("SELECT count(*) FROM _status_moves").fetchone()
        cur.execute("DROP TABLE _backfill_ids")
    return int(after - before)
