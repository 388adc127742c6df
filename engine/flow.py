"""Status flows: which moves a record can make, why a move is refused, and making one.

A move is checked in the engine (role, guard condition, fields required to enter the target), applies the
transition's field updates (shipped_at = now, shipped_by = actor), and writes the record, its audit entry and
the status history in one transaction. Acknowledgements, automatic and bulk moves come with the alerts work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from engine.auth import Actor, require_table, table_actions
from engine.clock import as_naive
from engine.conditions.records import evaluate_condition
from engine.errors import ConflictError, NotFoundError, Problem, RefusedError
from engine.query import fetch_record
from engine.records import update_record
from engine.schema import Flow, Table, Transition, Workspace
from engine.store import Store


@dataclass(frozen=True)
class Move:
    """A transition out of the record's current state, and the reasons it is not allowed now (if any)."""

    index: int
    label: str
    to: str
    to_label: str
    reasons: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.reasons


def _flow(table: Table) -> Flow:
    if table.flow is None:
        raise NotFoundError(f"{table.label} ({table.name}) has no status flow")
    return table.flow


def _full(store: Store, ws: Workspace, table: Table, record_id: int) -> dict[str, Any]:
    """The whole record, hidden fields included: guards are the engine's business, not the viewer's."""
    record = fetch_record(store, ws, table, record_id, None)
    if record is None:
        raise NotFoundError(f"{table.label} ({table.name}) has no record with id {record_id}")
    return record


def _set_value(spec: Any, actor: Actor, now: datetime) -> Any:
    """A transition's field update: {'now': []} is the time of the move, {'actor': []} who made it."""
    if isinstance(spec, dict) and set(spec) == {"now"}:
        return now
    if isinstance(spec, dict) and set(spec) == {"actor"}:
        return actor.username
    return spec


def _reasons(
    table: Table,
    tr: Transition,
    record: dict[str, Any],
    actor: Actor,
    now: datetime,
    tz: str,
    values: dict[str, Any],
) -> list[str]:
    flow = _flow(table)
    target = flow.state(tr.to)
    target_label = target.label if target else tr.to
    reasons = []
    if tr.roles and not actor.is_admin and not actor.roles & set(tr.roles):
        reasons.append(
            f"only {', '.join(tr.roles)} may {tr.label} ({actor.username} is {', '.join(sorted(actor.roles))})"
        )
    if tr.guard is not None and not evaluate_condition(tr.guard, table, record, now=now, tz=tz):
        reasons.append(f"the condition of {tr.label!r} does not hold: {tr.guard}")
    after = record | values | {k: _set_value(v, actor, now) for k, v in tr.set_fields.items()}
    for name in tr.require_fields:
        if after.get(name) in (None, "", []):
            fld = table.by_name[name]
            reasons.append(f"{fld.label} ({name}) is required to enter {target_label}")
    return reasons


def moves(
    store: Store, ws: Workspace, table_name: str, record_id: int, actor: Actor, now: datetime | None = None
) -> list[Move]:
    """Every transition out of the record's current state, each with the reasons it is refused now."""
    table = ws.require_table(table_name)
    flow = _flow(table)
    require_table(actor, table, "read")
    record = _full(store, ws, table, record_id)
    moment = as_naive(now, ws.timezone)
    current = record.get(flow.field)
    out = []
    for i, tr in enumerate(flow.transitions):
        if "*" in tr.from_ or current in tr.from_:
            state = flow.state(tr.to)
            out.append(
                Move(
                    i,
                    tr.label,
                    tr.to,
                    state.label if state else tr.to,
                    _reasons(table, tr, record, actor, moment, ws.timezone, {}),
                )
            )
    return out


def transition(
    store: Store,
    ws: Workspace,
    table_name: str,
    record_id: int,
    to: str,
    expected_version: int,
    actor: Actor,
    now: datetime | None = None,
    values: dict[str, Any] | None = None,
    source: str = "form",
    note: str = "",
) -> dict[str, Any]:
    """Move a record to state `to`, with `values` the person filled in on the way (e.g. a tracking number)."""
    table = ws.require_table(table_name)
    flow = _flow(table)
    if "update" not in table_actions(actor, table):
        raise RefusedError(f"{actor.username} may not change rows of {table.label} ({table.name})")
    moment = as_naive(now, ws.timezone)
    values = dict(values or {})
    require_table(actor, table, "read")
    record = _full(store, ws, table, record_id)
    if record["_version"] != expected_version:
        raise ConflictError(
            f"{table.label} #{record_id} was changed by {record['_updated_by']} (now version {record['_version']}, "
            f"you saw version {expected_version}); nothing was moved — reload it",
            expected=expected_version,
            actual=record["_version"],
        )
    current = record.get(flow.field)
    if flow.state(to) is None:
        raise NotFoundError(
            f"{table.label} has no state {to!r} (states: {', '.join(s.name for s in flow.states)})"
        )
    candidates = [tr for tr in flow.transitions if tr.to == to and ("*" in tr.from_ or current in tr.from_)]
    here, there = (flow.state(current).label if flow.state(current) else current), flow.state(to).label  # type: ignore[union-attr]
    if not candidates:
        options = [flow.state(t.to).label for t in flow.transitions if "*" in t.from_ or current in t.from_]  # type: ignore[union-attr]
        raise RefusedError(
            f"no transition from {here} to {there} (from {here}: {', '.join(options) or 'none'})"
        )
    refusals: list[Problem] = []
    for tr in candidates:
        reasons = _reasons(table, tr, record, actor, moment, ws.timezone, values)
        if not reasons:
            return _apply(
                store, ws, table, record, tr, to, expected_version, actor, moment, values, source, note
            )
        refusals += [Problem(tr.label, r) for r in reasons]
    raise RefusedError(f"cannot move {table.label} #{record_id} from {here} to {there}", refusals)


def _apply(
    store: Store,
    ws: Workspace,
    table: Table,
    record: dict[str, Any],
    tr: Transition,
    to: str,
    version: int,
    actor: Actor,
    now: datetime,
    values: dict[str, Any],
    source: str,
    note: str,
) -> dict[str, Any]:
    flow = _flow(table)
    changes = values | {k: _set_value(v, actor, now) for k, v in tr.set_fields.items()} | {flow.field: to}

    def history(cur: duckdb.DuckDBPyConnection, before: dict[str, Any], after: dict[str, Any]) -> None:
        cur.execute(
            "INSERT INTO _status_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ws.name,
                table.name,
                record["_id"],
                before.get(flow.field),
                to,
                now,
                actor.username,
                source,
                note,
            ],
        )

    return update_record(
        store,
        ws,
        table.name,
        record["_id"],
        changes,
        version,
        actor,
        now,
        source=f"transition:{tr.label}",
        after_write=history,
    )


def status_history(store: Store, ws: Workspace, table_name: str, record_id: int) -> list[tuple[Any, ...]]:
    """(from, to, at, actor, source, note) of every move of a record, oldest first."""
    return (
        store.cursor()
        .execute(
            "SELECT from_state, to_state, moved_at, actor, source, note FROM _status_history "
            "WHERE workspace = ? AND table_name = ? AND record_id = ? ORDER BY moved_at, rowid",
            [ws.name, table_name, record_id],
        )
        .fetchall()
    )
