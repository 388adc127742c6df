"""Sign-in sessions shared by the tabs of one browser: a link opened in a new tab (an order on a board) finds
the person already signed in instead of asking again and landing on Home.

A sign-in on the page gets a one-time grant; the browser redeems it at an HTTP route, which sets an HttpOnly
cookie with a session token. Every new page load reads the cookie and asks `user_of`. Only hashes are kept.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from engine.auth import User, get_user
from engine.errors import NotFoundError
from engine.storage.store import Store

COOKIE = "orderhub_session"
SESSION_DAYS = 7
GRANT_SECONDS = 120


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _insert(store: Store, username: str, kind: str, lifetime: timedelta, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO _sessions VALUES (?, ?, ?, ?, ?, NULL)",
            [_hash(token), username, kind, now, now + lifetime],
        )
    return token


def grant(store: Store, username: str, now: datetime | None = None) -> str:
    """A one-time code, valid for two minutes, that the browser exchanges for a session cookie."""
    return _insert(store, username, "grant", timedelta(seconds=GRANT_SECONDS), now or datetime.now())


def redeem(store: Store, code: str, now: datetime | None = None) -> str | None:
    """Exchange a grant for a session token (once); None for an unknown, used or expired code."""
    now = now or datetime.now()
    with store.transaction() as cur:
        row = cur.execute(
            "SELECT username FROM _sessions WHERE token_hash = ? AND kind = 'grant' AND ended_at IS NULL "
            "AND expires_at > ?",
            [_hash(code), now],
        ).fetchone()
        if row is None:
            return None
        cur.execute("UPDATE _sessions SET ended_at = ? WHERE token_hash = ?", [now, _hash(code)])
    return _insert(store, row[0], "session", timedelta(days=SESSION_DAYS), now)


def user_of(store: Store, token: object, now: datetime | None = None) -> User | None:
    """The active user a session token signs in, or None (no token, unknown, ended, expired, deactivated)."""
    if not isinstance(token, str) or not token:
        return None
    row = (
        store.cursor()
        .execute(
            "SELECT username FROM _sessions WHERE token_hash = ? AND kind = 'session' AND ended_at IS NULL "
            "AND expires_at > ?",
            [_hash(token), now or datetime.now()],
        )
        .fetchone()
    )
    if row is None:
        return None
    try:
        user = get_user(store, row[0])
    except NotFoundError:
        return None
    return user if user.active else None


def end(store: Store, token: object, now: datetime | None = None) -> None:
    """Sign a browser out: its session token no longer signs anyone in, in any tab."""
    if isinstance(token, str) and token:
        with store.transaction() as cur:
            cur.execute(
                "UPDATE _sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
                [now or datetime.now(), _hash(token)],
            )


def end_all(store: Store, username: str, now: datetime | None = None) -> None:
    """End every session of a user (deactivated, or their password reset)."""
    with store.transaction() as cur:
        cur.execute(
            "UPDATE _sessions SET ended_at = ? WHERE username = ? AND ended_at IS NULL",
            [now or datetime.now(), username],
        )
