"""Workspaces and their schema versions: create from a template, save (migrating the tables), roll back.

Every save is a new numbered version holding the whole JSON document; the tables are migrated in the same
transaction, so a refused or failed migration leaves both the schema and the data as they were.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.auth import Actor, require_schema_editor
from engine.clock import as_naive
from engine.errors import AuthoringError, NotFoundError
from engine.fields import suggest
from engine.schema import Workspace
from engine.schema_diff import diff_workspaces
from engine.schema_load import dump_workspace, parse_workspace
from engine.storage.migrate import Migration
from engine.storage.store import Store

FORMS_DIR = Path(__file__).resolve().parent.parent / "forms"
RESERVED_SCHEMAS = frozenset({"main", "information_schema", "pg_catalog", "temp", "system"})


@dataclass(frozen=True)
class VersionInfo:
    version: int
    saved_at: datetime
    saved_by: str
    note: str
    current: bool


def template_names() -> list[str]:
    """Names of the templates shipped in forms/."""
    return sorted(p.stem for p in FORMS_DIR.glob("*.json") if not p.stem.endswith(".schema"))


def load_template(name: str) -> dict[str, Any]:
    """A template's JSON document."""
    path = FORMS_DIR / f"{name}.json"
    if not path.is_file():
        known = template_names()
        raise NotFoundError(
            f"unknown template {name!r}{suggest(name, known)} (templates: {', '.join(known)})"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def list_workspaces(store: Store) -> list[tuple[str, str, int]]:
    """(name, label, current version) of every workspace."""
    return (
        store.cursor()
        .execute("SELECT name, label, current_version FROM _workspaces ORDER BY created_at")
        .fetchall()
    )


def current_version(store: Store, name: str) -> int:
    row = store.cursor().execute("SELECT current_version FROM _workspaces WHERE name = ?", [name]).fetchone()
    if row is None:
        known = [w[0] for w in list_workspaces(store)]
        raise NotFoundError(f"no workspace {name!r}{suggest(name, known)}")
    return int(row[0])


def get_workspace(store: Store, name: str, version: int | None = None) -> Workspace:
    """The workspace at `version` (default: current), parsed once and cached."""
    number = current_version(store, name) if version is None else version
    cached = store.workspace_cache.get((name, number))
    if isinstance(cached, Workspace):
        return cached
    row = (
        store.cursor()
        .execute("SELECT document FROM _schema_versions WHERE workspace = ? AND version = ?", [name, number])
        .fetchone()
    )
    if row is None:
        raise NotFoundError(f"workspace {name!r} has no version {number}")
    ws = parse_workspace(json.loads(row[0]), f"{name} v{number}")
    store.workspace_cache[(name, number)] = ws
    return ws


def list_versions(store: Store, name: str) -> list[VersionInfo]:
    """Every saved version, newest first."""
    current = current_version(store, name)
    rows = (
        store.cursor()
        .execute(
            "SELECT version, saved_at, saved_by, note FROM _schema_versions WHERE workspace = ? ORDER BY version DESC",
            [name],
        )
        .fetchall()
    )
    return [VersionInfo(v, at, by, note, v == current) for v, at, by, note in rows]


def create_workspace(
    store: Store,
    document: dict[str, Any] | Workspace,
    actor: Actor,
    now: datetime | None = None,
    note: str = "created",
) -> Workspace:
    """Create a workspace and its tables as version 1."""
    require_schema_editor(actor)
    ws = document if isinstance(document, Workspace) else parse_workspace(document)
    if ws.name in RESERVED_SCHEMAS:
        raise AuthoringError(f"name: {ws.name!r} is reserved; choose another workspace name")
    moment = as_naive(now, ws.timezone)
    with store.transaction() as cur:
        if cur.execute("SELECT 1 FROM _workspaces WHERE name = ?", [ws.name]).fetchone():
            raise AuthoringError(f"name: a workspace named {ws.name!r} already exists")
        Migration(cur, None, ws, 1).apply(force=False, now=moment)
        cur.execute(
            "INSERT INTO _workspaces VALUES (?, ?, 1, ?, ?)", [ws.name, ws.label, moment, actor.username]
        )
        _insert_version(cur, ws, 1, moment, actor, note)
    return ws


def create_from_template(
    store: Store,
    template: str,
    actor: Actor,
    name: str | None = None,
    label: str | None = None,
    now: datetime | None = None,
) -> Workspace:
    """Create a workspace from a template in forms/, optionally under another name and label."""
    document = load_template(template)
    document["template"] = template
    if name:
        document["name"] = name
    if label:
        document["label"] = label
    return create_workspace(
        store, parse_workspace(document, f"forms/{template}.json"), actor, now, f"from template {template}"
    )


def save_workspace(
    store: Store,
    document: dict[str, Any] | Workspace,
    actor: Actor,
    force: bool = False,
    note: str = "",
    now: datetime | None = None,
) -> int:
    """Validate, migrate the tables and store a new version; returns its number (the current one when the
    document is unchanged). Nothing changes on error."""
    require_schema_editor(actor)
    ws = document if isinstance(document, Workspace) else parse_workspace(document)
    moment = as_naive(now, ws.timezone)
    with store.transaction() as cur:
        row = cur.execute("SELECT current_version FROM _workspaces WHERE name = ?", [ws.name]).fetchone()
        if row is None:
            raise NotFoundError(f"no workspace {ws.name!r}; create it first")
        old = get_workspace(store, ws.name, int(row[0]))
        if dump_workspace(old) == dump_workspace(ws):
            return int(row[0])  # nothing changed: no new version for an editor saved unchanged
        number = (
            int(
                cur.execute(
                    "SELECT max(version) FROM _schema_versions WHERE workspace = ?", [ws.name]
                ).fetchone()[0]
            )
            + 1
        )  # type: ignore[index]
        Migration(cur, old, ws, number).apply(force=force, now=moment)
        _insert_version(cur, ws, number, moment, actor, note)
        cur.execute(
            "UPDATE _workspaces SET current_version = ?, label = ? WHERE name = ?",
            [number, ws.label, ws.name],
        )
    return number


def rollback(
    store: Store, name: str, version: int, actor: Actor, force: bool = False, now: datetime | None = None
) -> int:
    """Make an earlier version current again, as a new version; returns its number."""
    old = get_workspace(store, name, version)
    return save_workspace(store, old, actor, force=force, note=f"rollback to v{version}", now=now)


def describe_diff(store: Store, name: str, from_version: int, to_version: int) -> list[str]:
    """Human-readable changes between two versions."""
    return [
        c.describe()
        for c in diff_workspaces(
            get_workspace(store, name, from_version), get_workspace(store, name, to_version)
        )
    ]


def _insert_version(cur: Any, ws: Workspace, number: int, at: datetime, actor: Actor, note: str) -> None:
    document = json.dumps(dump_workspace(ws), ensure_ascii=False)
    cur.execute(
        "INSERT INTO _schema_versions VALUES (?, ?, ?, ?, ?, ?)",
        [ws.name, number, document, at, actor.username, note],
    )
