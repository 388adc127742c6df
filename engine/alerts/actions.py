"""What people do with alerts: see their inbox, acknowledge ("已知悉") or ask for more ("需补充材料") with a
note; and the acknowledgement requests a flow transition opens for each party that must confirm."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from engine.auth import Actor
from engine.clock import as_naive
from engine.errors import ConflictError, NotFoundError, RefusedError
from engine.notify.channels import Message
from engine.notify.inbox import addressed_to
from engine.notify.outbox import enqueue
from engine.schema import Table, Transition, Workspace
from engine.storage.sql import compose, row_dicts
from engine.storage.store import Cursor, Store

Response = Literal["known", "needs_info"]
RESPONSE_LABELS = {"known": "已知悉", "needs_info": "需补充材料"}


def alerts_for(
    store: Store,
    ws: Workspace,
    actor: Actor,
    statuses: tuple[str, ...] = ("open", "acknowledged"),
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Alerts addressed to the actor (a user or one of their roles; admins see all), most urgent first."""
    mine = addressed_to(actor, admins_see_all=True)
    res = store.cursor().execute(
        compose(
            "SELECT id, rule, kind, table_name, record_id, level, message, status, step, opened_at, due_at, "
            "response, note, acknowledged_by, acknowledged_at, roles, users FROM _alerts "
            "WHERE workspace = ? AND list_contains(?, status) AND {mine} "
            "ORDER BY CASE level WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 ELSE 2 END, opened_at, id LIMIT ?",
            mine=mine,
        ),
        [ws.name, list(statuses), *mine.params, limit],
    )
    return row_dicts(res)


def acknowledge(
    store: Store,
    ws: Workspace,
    alert_id: int,
    actor: Actor,
    response: Response = "known",
    note: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Acknowledge an alert addressed to the actor: escalation stops; an acknowledgement request closes."""
    if response not in RESPONSE_LABELS:
        raise RefusedError(f"response must be one of {', '.join(RESPONSE_LABELS)}, not {response!r}")
    if response == "needs_info" and not note.strip():
        raise RefusedError("say which materials are missing: 需补充材料 needs a note")
    moment = as_naive(now, ws.timezone)
    mine = addressed_to(actor, admins_see_all=True)
    with store.transaction() as cur:
        row = cur.execute(
            compose(
                "SELECT kind, status, table_name, record_id, message, {mine} FROM _alerts WHERE workspace = ? AND id = ?",
                mine=mine,
            ),
            [*mine.params, ws.name, alert_id],
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no alert #{alert_id} in workspace {ws.name!r}")
        kind, status, table_name, record_id, message, mine = row
        if not mine:
            raise RefusedError(f"alert #{alert_id} is not addressed to {actor.username} or their roles")
        if status != "open":
            raise ConflictError(f"alert #{alert_id} is already {status}; nothing changed", "open", status)
        # A request to acknowledge is done once answered; a rule's alert stays until its condition clears.
        new_status = "resolved" if kind == "ack" else "acknowledged"
        cur.execute(
            "UPDATE _alerts SET status = ?, response = ?, note = ?, acknowledged_by = ?, acknowledged_at = ?, "
            "resolved_at = CASE WHEN ? = 'resolved' THEN ? END WHERE id = ?",
            [new_status, response, note, actor.username, moment, new_status, moment, alert_id],
        )
        if response == "needs_info":
            _ask_for_materials(cur, ws, table_name, record_id, message, actor, note, moment)
    return {"id": alert_id, "status": new_status, "response": response}


def _ask_for_materials(
    cur: Cursor,
    ws: Workspace,
    table_name: str,
    record_id: int,
    message: str,
    actor: Actor,
    note: str,
    now: datetime,
) -> None:
    """Tell whoever last moved the record (and its operators) which materials are missing."""
    mover = cur.execute(
        "SELECT actor FROM _status_history WHERE workspace = ? AND table_name = ? AND record_id = ? "
        "ORDER BY moved_at DESC, ord DESC LIMIT 1",
        [ws.name, table_name, record_id],
    ).fetchone()
    text = f"{actor.username}：{RESPONSE_LABELS['needs_info']} — {note}\n（{message}）"
    msg = Message("需补充材料", text, "yellow", ws.name, table_name, record_id)
    enqueue(cur, ws.name, msg, now, roles=["operator"], users=[mover[0]] if mover else [])


def request_acknowledgements(
    cur: Cursor,
    ws: Workspace,
    table: Table,
    transition_index: int,
    record: dict[str, Any],
    now: datetime,
) -> list[int]:
    """After a move whose transition needs acknowledgements: one request per role, due in its minutes."""
    tr: Transition = table.flow.transitions[transition_index]  # type: ignore[union-attr]
    if not tr.acknowledge:
        return []
    minutes = tr.acknowledge_minutes or 15
    key = record.get(table.business_key) if table.business_key else record["_id"]
    text = f"{table.label} {key}：{tr.label}，请在 {minutes:g} 分钟内确认（已知悉 / 需补充材料）"
    due = now + timedelta(minutes=minutes)
    ids = []
    for role in tr.acknowledge:
        (aid,) = cur.execute(
            "INSERT INTO _alerts (workspace, rule, kind, table_name, record_id, level, message, roles, users, "
            "channels, status, step, opened_at, due_at, notified_at) "
            "VALUES (?, ?, 'ack', ?, ?, 'info', ?, ?, [], [], 'open', 0, ?, ?, ?) RETURNING id",
            [
                ws.name,
                f"ack:{table.name}:{transition_index}",
                table.name,
                record["_id"],
                text,
                [role],
                now,
                due,
                now,
            ],
        ).fetchone()  # type: ignore[misc]
        ids.append(aid)
    return ids
