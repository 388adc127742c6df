"""Adding, editing and removing connectors: each change is a new workspace version, checked like any schema
change (a mapping to a field or state that does not exist is refused with its path)."""

from __future__ import annotations

import json
from typing import Any

from connectors.presets import preset
from engine.auth import Actor, require_schema_editor
from engine.errors import DataError, Problem
from engine.intake.model import Connector
from engine.schema import Workspace
from engine.schema_load import dump_workspace
from engine.storage.store import Store
from engine.workspaces import save_workspace

EDITABLE = ("fields", "statuses", "fixed", "options")


def _save(store: Store, ws: Workspace, connectors: list[dict[str, Any]], actor: Actor, note: str) -> int:
    document = dump_workspace(ws)
    document["connectors"] = connectors
    return save_workspace(store, document, actor, note=note)


def add_connector(
    store: Store, ws: Workspace, actor: Actor, type_: str, platform: str = "generic", name: str | None = None,
    source: str | None = None, settings: dict[str, Any] | None = None,
) -> Connector:  # fmt: skip
    """A connector from a type with its mappings filled in, saved as the workspace's next version."""
    require_schema_editor(actor)
    conn = preset(ws, type_, platform, name, source)
    if settings:
        conn = Connector.model_validate(
            conn.model_dump() | {k: v for k, v in settings.items() if v not in (None, "")}
        )
    if conn.name in {c.name for c in ws.connectors}:
        raise DataError(f"a connector named {conn.name!r} exists already; choose another name")
    _save(
        store,
        ws,
        [*(c.model_dump(mode="json") for c in ws.connectors), conn.model_dump(mode="json")],
        actor,
        f"connector {conn.name} added",
    )
    return conn


def parse_json_parts(texts: dict[str, str]) -> dict[str, Any]:
    """The edited mapping texts as objects; bad JSON names the part, line and column."""
    out, problems = {}, []
    for part, text in texts.items():
        try:
            value = json.loads(text or "{}")
        except json.JSONDecodeError as exc:
            problems.append(Problem(part, f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"))
            continue
        if not isinstance(value, dict):
            problems.append(Problem(part, "must be a JSON object {…}"))
        out[part] = value
    if problems:
        raise DataError(f"{len(problems)} part(s) of the mapping are not valid", problems)
    return out


def update_connector(
    store: Store, ws: Workspace, name: str, changes: dict[str, Any], actor: Actor
) -> Connector:
    """Change a connector's settings or mappings (a new workspace version)."""
    require_schema_editor(actor)
    current = ws.connector(name)
    unknown = sorted(set(changes) - set(Connector.model_fields) | ({"name"} & set(changes)))
    if unknown:
        raise DataError(f"these connector settings cannot be changed here: {', '.join(unknown)}")
    updated = current.model_dump(mode="json") | changes
    connectors = [updated if c.name == name else c.model_dump(mode="json") for c in ws.connectors]
    _save(store, ws, connectors, actor, f"connector {name} changed")
    return Connector.model_validate(updated)


def remove_connector(store: Store, ws: Workspace, name: str, actor: Actor) -> str:
    """Remove a connector (its sync log, links and reports stay for tracing)."""
    require_schema_editor(actor)
    ws.connector(name)
    kept = [c.model_dump(mode="json") for c in ws.connectors if c.name != name]
    _save(store, ws, kept, actor, f"connector {name} removed")
    return name
