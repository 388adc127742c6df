"""The chat review queue: messages the parser was unsure of, waiting for a person, and who may decide them.
The chat connector parses and maps; storing, listing and closing reviews happens here."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from engine.auth import Actor, may
from engine.errors import ConflictError, NotFoundError, RefusedError
from engine.schema import Workspace
from engine.storage.sql import compose, listing, qualified, quote_ident
from engine.storage.store import Store

COLUMNS = ["id", "connector", "message_id", "sender", "text", "received_at", "parsed", "confidence", "reason",
           "status", "decided_by", "decided_at"]  # fmt: skip


def require_reviewer(actor: Actor) -> None:
    """Refuse an actor who may not decide chat reviews."""
    if not may(actor, "review_chat"):
        raise RefusedError(
            f"{actor.username} may not decide chat reviews (admins, managers and operators may)"
        )


def table_rows(store: Store, ws: Workspace, table: str, columns: dict[str, str]) -> list[dict[str, Any]]:
    """Every row of a table as text, the columns renamed (alias → field); fields the table lacks are left out."""
    t = ws.table(table)
    if t is None:
        return []
    present = {alias: name for alias, name in columns.items() if t.field(name) is not None}
    if not present:
        return []
    select = listing(
        compose("{name}::VARCHAR AS {alias}", name=quote_ident(name), alias=quote_ident(alias))
        for alias, name in present.items()
    )
    return (
        store.cursor()
        .execute(compose("SELECT {select} FROM {table}", select=select, table=qualified(ws.name, table)))
        .pl()
        .to_dicts()
    )


def save_reviews(
    store: Store, ws: Workspace, connector: str, reviews: list[dict[str, Any]], now: datetime
) -> None:
    """Queue unsure messages for review; a message already queued is not queued again."""
    if not reviews:
        return
    with store.transaction() as cur:
        for r in reviews:
            cur.execute(
                "INSERT INTO _chat_reviews (workspace, connector, message_id, sender, text, received_at, parsed, "
                "confidence, reason) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM _chat_reviews "
                "WHERE workspace = ? AND connector = ? AND message_id = ?)",
                [ws.name, connector, r["id"], r.get("sender"), r["text"], now,
                 json.dumps(r["parsed"], ensure_ascii=False), r["confidence"], r["reason"], ws.name, connector,
                 r["id"]],
            )  # fmt: skip


def review_queue(store: Store, ws: Workspace, status: str = "open", limit: int = 200) -> list[dict[str, Any]]:
    """Chat messages waiting for a person (or decided ones), newest first, with what the parser made of them."""
    rows = (
        store.cursor()
        .execute(
            compose(
                "SELECT {COLUMNS} FROM _chat_reviews WHERE workspace = ? AND status = ? "
                "ORDER BY id DESC LIMIT ?",
                COLUMNS=listing(map(quote_ident, COLUMNS)),
            ),
            [ws.name, status, limit],
        )
        .fetchall()
    )
    return [dict(zip(COLUMNS, r, strict=True)) | {"parsed": json.loads(r[6])} for r in rows]


def open_review(store: Store, ws: Workspace, review_id: int, actor: Actor) -> dict[str, Any]:
    """One open review, for a person who may decide it."""
    require_reviewer(actor)
    row = (
        store.cursor()
        .execute(
            compose(
                "SELECT {COLUMNS} FROM _chat_reviews WHERE workspace = ? AND id = ?",
                COLUMNS=listing(map(quote_ident, COLUMNS)),
            ),
            [ws.name, review_id],
        )
        .fetchone()
    )
    if row is None:
        raise NotFoundError(f"no chat review #{review_id}")
    review = dict(zip(COLUMNS, row, strict=True)) | {"parsed": json.loads(row[6])}
    if review["status"] != "open":
        raise ConflictError(
            f"chat review #{review_id} is {review['status']} already", "open", review["status"]
        )
    return review


def close_review(
    store: Store, ws: Workspace, review_id: int, actor: Actor, accepted: bool, now: datetime
) -> str:
    """Mark an open review accepted or dismissed; refused if someone decided it meanwhile."""
    require_reviewer(actor)
    status = "accepted" if accepted else "dismissed"
    with store.transaction() as cur:
        changed = cur.execute(
            "UPDATE _chat_reviews SET status = ?, decided_by = ?, decided_at = ? "
            "WHERE workspace = ? AND id = ? AND status = 'open' RETURNING id",
            [status, actor.username, now, ws.name, review_id],
        ).fetchall()
    if not changed:
        raise ConflictError(f"chat review #{review_id} was decided meanwhile", "open", "decided")
    return status


def refresh_parse(store: Store, ws: Workspace, review_id: int, parsed: dict[str, Any]) -> None:
    """Keep a newer reading of an open review (the matched order as it is now)."""
    with store.transaction() as cur:
        cur.execute(
            "UPDATE _chat_reviews SET parsed = ? WHERE workspace = ? AND id = ? AND status = 'open'",
            [json.dumps(parsed, ensure_ascii=False), ws.name, review_id],
        )
