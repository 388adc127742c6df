"""Parse a workspace document into models, reporting every problem with a readable JSON path and a fix.

"tables[0].fields[3].type: unknown type 'datetme' — did you mean 'datetime'?"
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.errors import AuthoringError, Problem
from engine.fields import FIELD_TYPES, suggest
from engine.schema import Flow, State, Table, Transition, Workspace
from engine.schema_checks import check_workspace


def _known_keys() -> list[str]:
    models: list[type[BaseModel]] = [Workspace, Table, Flow, State, Transition, *FIELD_TYPES.values()]
    keys = {alias or name for m in models for name, f in m.model_fields.items() for alias in [f.alias]}
    return sorted(keys)


def _path(loc: tuple[Any, ...], data: Any) -> tuple[str, Any]:
    """Turn a pydantic loc into 'tables[0].fields[3]'; skips union tags, following the input as it goes."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            node = node[item] if isinstance(node, list) and item < len(node) else None
            continue
        if isinstance(node, dict) and item not in node and node.get("type") == item:
            continue  # discriminated-union tag, not a key of the input
        parts.append(f".{item}" if parts else str(item))
        node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts), node


def _problem(err: dict[str, Any], data: Any) -> Problem:
    path, _ = _path(tuple(err["loc"]), data)
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "union_tag_invalid":
        tag = ctx.get("tag")
        known = sorted(FIELD_TYPES)
        return Problem(
            f"{path}.type", f"unknown type {tag!r}{suggest(str(tag), known)} (types: {', '.join(known)})"
        )
    if kind == "union_tag_not_found":
        return Problem(path, f"a field needs a 'type' (one of {', '.join(sorted(FIELD_TYPES))})")
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        return Problem(
            path, f"unknown key {key!r}{suggest(key, _known_keys())} — remove it or fix its spelling"
        )
    if kind == "missing":
        return Problem(path, "is required but missing")
    if kind == "string_pattern_mismatch" and path.endswith("name"):
        return Problem(
            path,
            f"{err.get('input')!r} is not a valid name: use lowercase letters, digits and _ (e.g. order_no)",
        )
    return Problem(path, f"{err['msg']} (got {err.get('input')!r})" if "input" in err else err["msg"])


def parse_workspace(data: Any, source: str = "workspace") -> Workspace:
    """Validate a workspace document (structure, then meaning); raise AuthoringError listing every problem."""
    if not isinstance(data, dict):
        raise AuthoringError(f"{source}: a workspace must be a JSON object, got {type(data).__name__}")
    try:
        ws = Workspace.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(e, data) for e in exc.errors(include_url=False)]
        raise AuthoringError(
            f"{source}: {len(problems)} problem(s) in the workspace schema", problems
        ) from None
    problems = check_workspace(ws)
    if problems:
        raise AuthoringError(f"{source}: {len(problems)} problem(s) in the workspace schema", problems)
    return ws


def parse_workspace_json(text: str, source: str = "workspace") -> Workspace:
    """Parse JSON text into a workspace; bad JSON names its line and column."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AuthoringError(
            f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    return parse_workspace(data, source)


def load_workspace_file(path: str | Path) -> Workspace:
    """Read and validate a workspace JSON file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise AuthoringError(f"{p}: cannot read the file: {exc.strerror}") from None
    return parse_workspace_json(text, str(p))


def dump_workspace(ws: Workspace) -> dict[str, Any]:
    """The workspace as a JSON-ready dict (aliases used, defaults kept for a readable JSON view)."""
    return ws.model_dump(mode="json", by_alias=True, exclude_none=True)
