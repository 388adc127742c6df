"""Edits a builder makes on the Alert rules page, as pure functions over the workspace document."""

from __future__ import annotations

import copy
from typing import Any

from engine.errors import AuthoringError, NotFoundError
from engine.fields import suggest
from engine.schema import AlertRule, Workspace
from engine.schema_load import dump_workspace, parse_workspace

Doc = dict[str, Any]


def upsert_rule(doc: Doc, rule: Doc) -> Doc:
    """Add the rule, or replace the rule of the same name."""
    out = copy.deepcopy(doc)
    rules = out.setdefault("rules", [])
    clean = {k: v for k, v in rule.items() if v not in (None, [], {}, "")}
    for i, existing in enumerate(rules):
        if existing["name"] == rule["name"]:
            rules[i] = clean
            return out
    rules.append(clean)
    return out


def remove_rule(doc: Doc, name: str) -> Doc:
    """The document without the rule called `name`."""
    out = copy.deepcopy(doc)
    names = [r["name"] for r in out.get("rules", [])]
    if name not in names:
        raise NotFoundError(f"no alert rule {name!r}{suggest(name, names)}")
    out["rules"] = [r for r in out["rules"] if r["name"] != name]
    return out


def escalation_steps(rows: list[dict[str, Any]]) -> list[Doc]:
    """Escalation steps from the editor's rows (minutes, level, roles, users, channels), in order of minutes."""
    steps = []
    for row in rows:
        minutes = row.get("after_minutes")
        if minutes in (None, ""):
            continue
        try:
            after = float(str(minutes).strip().replace("，", "."))
        except ValueError:
            raise AuthoringError(
                f"escalation step {len(steps) + 1}: after_minutes {minutes!r} is not a number of minutes",
                text=("escalation_minutes_bad", {"step": len(steps) + 1, "value": str(minutes)}),
            ) from None
        if after < 0:
            raise AuthoringError(
                f"escalation step {len(steps) + 1}: after_minutes cannot be negative",
                text=("escalation_minutes_bad", {"step": len(steps) + 1, "value": str(minutes)}),
            )
        step: Doc = {"after_minutes": after}
        if row.get("level"):
            step["level"] = row["level"]
        for key in ("roles", "users", "channels"):
            value = row.get(key) or []
            items = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
            if [v for v in items if v]:
                step[key] = [v for v in items if v]
        steps.append(step)
    return sorted(steps, key=lambda s: s["after_minutes"])


def checked_rule(ws: Workspace, rule: Doc) -> tuple[Workspace, AlertRule]:
    """The workspace with the rule in it, validated like a save (errors name the rule's paths), and the rule."""
    updated = parse_workspace(upsert_rule(dump_workspace(ws), rule))
    return updated, updated.rule(rule["name"])
