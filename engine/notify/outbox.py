"""The outbox: messages are written in the same transaction as what caused them, then delivered at least
once by `deliver_due`, retried with exponential backoff, and dead-lettered after the last attempt — never lost.

Channel 'inbox' rows are the in-app inbox: delivered when written, read per user or role.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from engine.auth import Actor
from engine.errors import NotFoundError, RefusedError
from engine.notify.channels import KINDS, Channel, Message, Request, answer_error, build_request
from engine.storage.sql import row_dicts
from engine.storage.store import Cursor, Store

INBOX = "inbox"
MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
Sender = Callable[[Request], tuple[int, str]]


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, … at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LAST_RETRY)


def http_send(request: Request, timeout: float = 10.0) -> tuple[int, str]:
    """POST the request; (status, body). A network failure raises OSError."""
    if not request.url.startswith(("http://", "https://")):
        raise ValueError(f"only http(s) URLs are sent to, not {request.url[:40]!r}")
    # The scheme is checked above (and Channel.url only accepts http/https).
    req = urllib.request.Request(request.url, data=request.body, headers=request.headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:  # noqa: S310
            return res.status, res.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", errors="replace")


def enqueue(
    cur: Cursor,
    workspace: str,
    message: Message,
    now: datetime,
    roles: Sequence[str] = (),
    users: Sequence[str] = (),
    channels: Sequence[str] = (),
) -> None:
    """Queue a message for the inbox of `roles`/`users` and for each channel, inside the caller's transaction."""
    rows = []
    if roles or users:
        rows.append((INBOX, "delivered", now))
    rows += [(name, "pending", None) for name in dict.fromkeys(channels)]
    for channel, status, delivered in rows:
        cur.execute(
            "INSERT INTO _outbox (workspace, channel, title, body, level, roles, users, alert_id, table_name, "
            "record_id, status, next_attempt_at, created_at, delivered_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                workspace,
                channel,
                message.title,
                message.body,
                message.level,
                list(roles),
                list(users),
                message.alert_id,
                message.table,
                message.record_id,
                status,
                now,
                now,
                delivered,
            ],
        )


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "retried": self.retried,
            "dead": self.dead,
            "errors": self.errors,
        }


def channels(store: Store, workspace: str) -> dict[str, Channel]:
    """The workspace's configured channels by name."""
    rows = (
        store.cursor()
        .execute("SELECT name, kind, url, secret, active FROM _channels WHERE workspace = ?", [workspace])
        .fetchall()
    )
    return {r[0]: Channel(name=r[0], kind=r[1], url=r[2], secret=r[3], active=r[4]) for r in rows}


def save_channel(store: Store, workspace: str, channel: Channel, actor: Actor) -> None:
    """Add or replace a channel (admins and builders only)."""
    if not (actor.is_admin or "builder" in actor.roles):
        raise RefusedError(f"{actor.username} may not configure notification channels")
    if channel.kind not in KINDS:
        raise NotFoundError(f"unknown channel kind {channel.kind!r} (kinds: {', '.join(KINDS)})")
    with store.transaction() as cur:
        cur.execute("DELETE FROM _channels WHERE workspace = ? AND name = ?", [workspace, channel.name])
        cur.execute(
            "INSERT INTO _channels VALUES (?, ?, ?, ?, ?, ?)",
            [workspace, channel.name, channel.kind, str(channel.url), channel.secret, channel.active],
        )


def deliver_due(
    store: Store,
    now: datetime,
    send: Sender = http_send,
    epoch: Callable[[], float] = time.time,
    max_attempts: int = MAX_ATTEMPTS,
    limit: int = 200,
) -> DeliveryReport:
    """Send every pending message whose time has come; each outcome is saved before the next send."""
    rows = (
        store.cursor()
        .execute(
            "SELECT id, workspace, channel, title, body, level, alert_id, table_name, record_id, attempts "
            "FROM _outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
            [now, limit],
        )
        .fetchall()
    )
    report = DeliveryReport()
    configured: dict[str, dict[str, Channel]] = {}
    for mid, ws, name, title, body, level, alert_id, table, record_id, attempts in rows:
        channel = configured.setdefault(ws, channels(store, ws)).get(name)
        message = Message(title, body, level, ws, table, record_id, alert_id, mid)
        error = _attempt(channel, name, message, send, epoch())
        if error is None:
            _save(store, mid, "delivered", attempts + 1, now, None, delivered=now)
            report.delivered += 1
            continue
        report.errors.append(f"#{mid} → {name}: {error}")
        if attempts + 1 >= max_attempts or channel is None:
            _save(store, mid, "dead", attempts + 1, now, error)
            report.dead += 1
        else:
            _save(store, mid, "pending", attempts + 1, now + backoff(attempts + 1), error)
            report.retried += 1
    return report


def _attempt(channel: Channel | None, name: str, message: Message, send: Sender, epoch: float) -> str | None:
    if channel is None:
        return f"no channel called {name!r} is configured"
    if not channel.active:
        return f"channel {name!r} is switched off"
    try:
        status, body = send(build_request(channel, message, epoch))
    except (OSError, ValueError) as exc:  # timeouts and refused connections are OSErrors
        return f"{type(exc).__name__}: {exc}"
    return answer_error(channel.kind, status, body)


def _save(
    store: Store,
    mid: int,
    status: str,
    attempts: int,
    next_at: datetime,
    error: str | None,
    delivered: datetime | None = None,
) -> None:
    with store.transaction() as cur:
        cur.execute(
            "UPDATE _outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, delivered_at = ? "
            "WHERE id = ?",
            [status, attempts, next_at, error, delivered, mid],
        )


def retry_dead(store: Store, ids: Sequence[int], now: datetime, actor: Actor) -> int:
    """Put dead-lettered messages back in the queue (after the endpoint is fixed): admins, builders, managers."""
    if not actor.roles & {"admin", "builder", "manager"}:
        raise RefusedError(f"{actor.username} may not re-send notifications")
    with store.transaction() as cur:
        cur.execute(
            "UPDATE _outbox SET status = 'pending', attempts = 0, next_attempt_at = ? "
            "WHERE status = 'dead' AND list_contains(?, id)",
            [now, list(ids)],
        )
        (count,) = cur.execute(
            "SELECT count(*) FROM _outbox WHERE list_contains(?, id) AND status = 'pending'", [list(ids)]
        ).fetchone()  # type: ignore[misc]
    return int(count)


def outbox_rows(
    store: Store, workspace: str, status: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Recent channel messages with their delivery state (for the Jobs page)."""
    res = store.cursor().execute(
        "SELECT id, channel, title, level, status, attempts, next_attempt_at, last_error, created_at, delivered_at "
        "FROM _outbox WHERE workspace = ? AND channel <> 'inbox' AND (? IS NULL OR status = ?) "
        "ORDER BY id DESC LIMIT ?",
        [workspace, status, status, limit],
    )
    return row_dicts(res)
