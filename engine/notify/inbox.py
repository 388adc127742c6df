"""The in-app inbox: messages addressed to a user or to one of the user's roles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.auth import Actor
from engine.storage.sql import Fragment, compose, row_dicts
from engine.storage.store import Store


def addressed_to(actor: Actor, admins_see_all: bool = False) -> Fragment:
    """SQL true for rows whose `users` or `roles` lists reach the actor (and every row for admins, if asked)."""
    sql = "(list_contains(users, ?) OR list_has_any(roles, CAST(? AS VARCHAR[])) OR ?)"
    return Fragment(sql, (actor.username, sorted(actor.roles), admins_see_all and actor.is_admin))


def inbox_messages(
    store: Store, workspace: str, actor: Actor, unread_only: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    """The actor's inbox, newest first, each with `read` for this user."""
    mine = addressed_to(actor)
    res = store.cursor().execute(
        compose(
            "SELECT id, title, body, level, table_name, record_id, alert_id, created_at, "
            "list_contains(read_by, ?) AS read FROM _outbox "
            "WHERE workspace = ? AND channel = 'inbox' AND {mine} "
            "AND (NOT ? OR NOT list_contains(read_by, ?)) ORDER BY id DESC LIMIT ?",
            mine=mine,
        ),
        [actor.username, workspace, *mine.params, unread_only, actor.username, limit],
    )
    return row_dicts(res)


def mark_read(store: Store, workspace: str, actor: Actor, ids: Sequence[int]) -> None:
    """Mark the actor's messages `ids` as read by the actor."""
    mine = addressed_to(actor)
    with store.transaction() as cur:
        cur.execute(
            compose(
                "UPDATE _outbox SET read_by = list_append(read_by, ?) WHERE workspace = ? AND channel = 'inbox' "
                "AND list_contains(?, id) AND NOT list_contains(read_by, ?) AND {mine}",
                mine=mine,
            ),
            [actor.username, workspace, list(ids), actor.username, *mine.params],
        )
