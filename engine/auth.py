"""Local users, password hashes (argon2) and permission checks, enforced by the engine on every action.

Owns who someone is and what a role may do with a table or field; the schema declares per-table and
per-field overrides, records.py and workspaces.py call the checks.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engine.errors import DataError, NotFoundError, Problem, RefusedError
from engine.fields import FieldBase
from engine.registry import Registry
from engine.roles import ACTION_ROLES, DEFAULT_TABLE_PERMISSIONS, ROLES
from engine.schema import Table
from engine.storage.store import Store

_hasher = PasswordHasher()
MIN_PASSWORD = 8
USERNAME_PATTERN = r"^[A-Za-z0-9_.@-]{2,64}$"


@dataclass(frozen=True)
class Actor:
    """Who is acting, and in which roles."""

    username: str
    roles: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


SYSTEM = Actor("system", frozenset({"admin"}))


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    roles: tuple[str, ...]
    active: bool

    def actor(self) -> Actor:
        return Actor(self.username, frozenset(self.roles))


def _check_roles(roles: list[str]) -> None:
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise DataError(
            f"unknown role(s) {unknown!r}; roles are {', '.join(ROLES)}"
            if unknown
            else "give at least one role",
            text=("user_unknown_roles", {"roles": ", ".join(unknown)}) if unknown else ("user_no_role", {}),
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DataError(
            f"password too short: at least {MIN_PASSWORD} characters",
            text=("password_short", {"n": MIN_PASSWORD}),
        )


def require_user_admin(actor: Actor) -> None:
    """Refuse unless the actor may manage users."""
    if not may(actor, "manage_users"):
        raise RefusedError(f"{actor.username} may not manage users (admin only)")


def add_user(
    store: Store,
    username: str,
    password: str,
    roles: list[str],
    actor: Actor,
    display_name: str = "",
    now: datetime | None = None,
) -> User:
    """Create a local user with a hashed password."""
    require_user_admin(actor)
    if not re.match(USERNAME_PATTERN, username):
        raise DataError(
            f"username {username!r} is not valid: 2–64 letters, digits, _ . @ -",
            text=("username_bad", {"user": username}),
        )
    _check_roles(roles)
    _check_password(password)
    with store.transaction() as cur:
        if cur.execute("SELECT 1 FROM _users WHERE username = ?", [username]).fetchone():
            raise DataError(f"user {username!r} already exists", text=("user_exists", {"user": username}))
        cur.execute(
            "INSERT INTO _users VALUES (?, ?, ?, ?, TRUE, ?)",
            [username, display_name or username, _hasher.hash(password), roles, now or datetime.now()],
        )
    return User(username, display_name or username, tuple(roles), True)


def set_password(store: Store, username: str, password: str, actor: Actor) -> None:
    """Change a password; users may change their own, admins anyone's."""
    if actor.username != username:
        require_user_admin(actor)
    _check_password(password)
    with store.transaction() as cur:
        _get_user(cur, username)
        cur.execute(
            "UPDATE _users SET password_hash = ? WHERE username = ?", [_hasher.hash(password), username]
        )
        _end_sessions(cur, username)


def _end_sessions(cur: object, username: str) -> None:
    # A new password or a deactivation signs the user out of every browser (engine/sessions.py).
    cur.execute(  # type: ignore[attr-defined]
        "UPDATE _sessions SET ended_at = now() WHERE username = ? AND ended_at IS NULL", [username]
    )


def _active_admins(cur: object, other_than: str) -> int:
    row = cur.execute(  # type: ignore[attr-defined]
        "SELECT count(*) FROM _users WHERE active AND list_contains(roles, 'admin') AND username <> ?",
        [other_than],
    ).fetchone()
    return int(row[0])


def set_active(store: Store, username: str, active: bool, actor: Actor) -> None:
    """Deactivate a user (they can no longer sign in; their sessions end) or activate them again."""
    require_user_admin(actor)
    with store.transaction() as cur:
        row = _get_user(cur, username)
        if not active and username == actor.username:
            raise RefusedError("you cannot deactivate yourself", text=("user_self_deactivate", {}))
        if not active and "admin" in row[3] and not _active_admins(cur, username):
            raise RefusedError(
                f"{username} is the last active admin", text=("user_last_admin", {"user": username})
            )
        cur.execute("UPDATE _users SET active = ? WHERE username = ?", [active, username])
        if not active:
            _end_sessions(cur, username)


def set_roles(store: Store, username: str, roles: list[str], actor: Actor) -> None:
    """Replace a user's roles."""
    require_user_admin(actor)
    _check_roles(roles)
    with store.transaction() as cur:
        row = _get_user(cur, username)
        if "admin" in row[3] and "admin" not in roles and row[4] and not _active_admins(cur, username):
            raise RefusedError(
                f"{username} is the last active admin", text=("user_last_admin", {"user": username})
            )
        cur.execute("UPDATE _users SET roles = ? WHERE username = ?", [roles, username])


def _get_user(cur: object, username: str) -> tuple[str, str, str, list[str], bool]:
    row = cur.execute(  # type: ignore[attr-defined]
        "SELECT username, display_name, password_hash, roles, active FROM _users WHERE username = ?",
        [username],
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no user {username!r}")
    return row


def list_users(store: Store) -> list[User]:
    """Every user, by name."""
    rows = (
        store.cursor()
        .execute("SELECT username, display_name, roles, active FROM _users ORDER BY username")
        .fetchall()
    )
    return [User(u, d, tuple(r), a) for u, d, r, a in rows]


def get_user(store: Store, username: str) -> User:
    """A user by name (no password check: for the command line, which acts with the file owner's authority)."""
    row = _get_user(store.cursor(), username)
    return User(row[0], row[1], tuple(row[3]), row[4])


def authenticate(store: Store, username: str, password: str) -> User:
    """Check a password; the same message whether the user or the password is wrong."""
    refused = RefusedError("wrong username or password", text=("login_wrong", {}))
    row = (
        store.cursor()
        .execute(
            "SELECT username, display_name, password_hash, roles, active FROM _users WHERE username = ?",
            [username],
        )
        .fetchone()
    )
    if row is None or not row[4]:
        raise refused
    try:
        _hasher.verify(row[2], password)
    except (VerificationError, InvalidHashError):
        raise refused from None
    return User(row[0], row[1], tuple(row[3]), row[4])


def ensure_admin(store: Store, now: datetime | None = None, password: str | None = None) -> str | None:
    """On first start create user 'admin' (given or random password) and return the password; else None."""
    if store.cursor().execute("SELECT count(*) FROM _users").fetchone()[0]:  # type: ignore[index]
        return None
    password = password or secrets.token_urlsafe(9)
    add_user(store, "admin", password, ["admin"], SYSTEM, "管理员 Admin", now)
    return password


# -- permissions ---------------------------------------------------------------------------------------


def may(actor: Actor, action: str, target: Table | FieldBase | None = None) -> bool:
    """Whether the actor may take `action`: on a table's rows (read, create, update, delete) or on a field's
    values (read, update: the schema's hidden_for / readonly_for overrides) when `target` is given, else one
    of the actions in roles.ACTION_ROLES. Admins may do everything."""
    if isinstance(target, FieldBase):
        return FIELD_ACTIONS.require(action)(actor, target)
    if target is not None:
        return action in table_actions(actor, target)
    return actor.is_admin or bool(actor.roles & ACTION_ROLES.require(action))


def table_actions(actor: Actor, table: Table) -> set[str]:
    """The actions the actor may take on a table (admin: all)."""
    if actor.is_admin:
        return {"read", "create", "update", "delete"}
    grants = table.permissions if table.permissions is not None else DEFAULT_TABLE_PERMISSIONS
    return {a for role in actor.roles for a in grants.get(role, ())}  # type: ignore[call-overload]


def require_table(actor: Actor, table: Table, action: str) -> None:
    """Refuse unless the actor may take `action` on the table."""
    if action not in table_actions(actor, table):
        raise RefusedError(
            f"{actor.username} ({', '.join(sorted(actor.roles))}) may not {action} rows of {table.label} ({table.name})"
        )


def is_hidden(actor: Actor, field: FieldBase) -> bool:
    """Whether the schema hides the field from the actor (may(actor, "read", field) is the inverse)."""
    return not actor.is_admin and bool(actor.roles & set(field.hidden_for))


def is_readonly(actor: Actor, field: FieldBase) -> bool:
    """Whether the actor may not write the field: derived, hidden or read-only for one of their roles."""
    return (
        not field.stored
        or is_hidden(actor, field)
        or (not actor.is_admin and bool(actor.roles & set(field.readonly_for)))
    )


# A field's actions, with the schema's per-field overrides (hidden_for, readonly_for) applied.
FIELD_ACTIONS: Registry[Callable[[Actor, FieldBase], bool]] = Registry(
    "field action",
    {
        "read": lambda actor, field: not is_hidden(actor, field),
        "update": lambda actor, field: not is_readonly(actor, field),
    },
)


def writable_problems(actor: Actor, table: Table, names: list[str]) -> list[Problem]:
    """Problems for fields the actor may not write (read-only, hidden or derived)."""
    out = []
    for name in names:
        field = table.field(name)
        if field is not None and is_readonly(actor, field):
            why = (
                "is derived and cannot be written"
                if not field.stored
                else f"is read-only for {actor.username}"
            )
            out.append(Problem(name, f"{field.label} ({name}) {why}"))
    return out


def require_schema_editor(actor: Actor) -> None:
    """Refuse unless the actor may change workspace schemas."""
    if not may(actor, "edit_schema"):
        raise RefusedError(f"{actor.username} may not change the workspace schema (admin or builder only)")
