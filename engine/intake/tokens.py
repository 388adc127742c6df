"""Webhook callers: each platform or WMS that pushes to a connector gets its own token (shown once, stored as
a SHA-256 hash), so one caller can be cut off without touching the others."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from engine.auth import Actor, may
from engine.clock import as_naive
from engine.errors import NotFoundError, RefusedError
from engine.schema import Workspace
from engine.storage.store import Store


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    store: Store, ws: Workspace, connector: str, caller: str, actor: Actor, now: datetime | None = None
) -> str:
    """A new token for `caller` on this connector (replacing the caller's old one); returned only here."""
    if not may(actor, "issue_tokens"):
        raise RefusedError(f"{actor.username} may not issue webhook tokens (admins may)")
    ws.connector(connector)
    if not caller.strip():
        raise RefusedError("a webhook caller needs a name (e.g. cainiao, wms-east)")
    token = secrets.token_urlsafe(24)
    with store.transaction() as cur:
        cur.execute(
            "INSERT OR REPLACE INTO _connector_tokens VALUES (?, ?, ?, ?, ?, TRUE)",
            [ws.name, connector, caller.strip(), _digest(token), as_naive(now, ws.timezone)],
        )
    return token


def revoke_token(store: Store, ws: Workspace, connector: str, caller: str, actor: Actor) -> None:
    if not may(actor, "issue_tokens"):
        raise RefusedError(f"{actor.username} may not revoke webhook tokens (admins may)")
    with store.transaction() as cur:
        done = cur.execute(
            "UPDATE _connector_tokens SET active = FALSE WHERE workspace = ? AND connector = ? AND caller = ? RETURNING 1",
            [ws.name, connector, caller],
        ).fetchall()
    if not done:
        raise NotFoundError(f"connector {connector} has no caller {caller!r}")


def caller_of(store: Store, workspace: str, connector: str, token: str) -> str | None:
    """The caller a token belongs to on this connector, or None (compared in constant time)."""
    digest = _digest(token)
    rows = (
        store.cursor()
        .execute(
            "SELECT caller, token_hash FROM _connector_tokens WHERE workspace = ? AND connector = ? AND active",
            [workspace, connector],
        )
        .fetchall()
    )
    found = None
    for caller, stored in rows:
        if hmac.compare_digest(stored, digest):
            found = caller
    return found


def callers(store: Store, ws: Workspace, connector: str) -> list[dict[str, object]]:
    rows = (
        store.cursor()
        .execute(
            "SELECT caller, created_at, active FROM _connector_tokens WHERE workspace = ? AND connector = ? ORDER BY caller",
            [ws.name, connector],
        )
        .fetchall()
    )
    return [{"caller": c, "created_at": t, "active": a} for c, t, a in rows]
