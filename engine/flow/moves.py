"""Status flows: which moves a record can make, why a move is refused, and making one.

A move is checked in the engine (role, guard condition, fields required to enter the target), applies the
transition's field updates (shipped_at = now, shipped_by = actor), and writes the record, its audit entry,
the status history, the side effects (stock, notifications) and acknowledgement requests in one transaction.
Automatic transitions are an after-write hook (flow/auto.py): they run whenever a record is written and their
guard holds. Bulk moves are in flow/bulk.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from engine.alerts.actions import request_acknowledgements
from engine.audit import StatusMove
from engine.auth import Actor, is_readonly, may, require_table, table_actions
from engine.clock import as_naive
from engine.conditions.context import load_context, record_fields
from engine.conditions.records import evaluate_condition
from engine.errors import ConflictError, NotFoundError, Problem, RefusedError
from engine.flow.effects import EffectContext, effect_reasons, run_effects
from engine.records.single import (
    read_row,
    stored_row,
    validated,
    visible_row,
    write_changes,
)
from engine.records.write import Write, after_write
from engine.schema import Flow, StockEffect, Table, Transition, Workspace
from engine.storage.store import Store


@dataclass(frozen=True)
class Reason:
    """Why a move is refused: English text (logs, the CLI) and the UI's text key with the values it names."""

    text: str
    key: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Move:
    """A transition out of the record's current state, the reasons it is not allowed now (if any), and the
    fields it still needs that the person may fill in on the way (a tracking number to ship)."""

    index: int
    label: str
    to: str
    to_label: str
    why: list[Reason] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [r.text for r in self.why]

    @property
    def allowed(self) -> bool:
        return not self.why

    @property
    def allowed_once_filled(self) -> bool:
        """Whether filling in the asked fields is all the move lacks."""
        return all(r.key == "reason_required" for r in self.why) and bool(self.asks)


def _flow(table: Table) -> Flow:
    if table.flow is None:
        raise NotFoundError(f"{table.label} ({table.name}) has no status flow")
    return table.flow


def set_value(spec: Any, actor: Actor, now: datetime) -> Any:
    """A transition's field update: {'now': []} is the time of the move, {'actor': []} who made it."""
    if isinstance(spec, dict) and set(spec) == {"now"}:
        return now
    if isinstance(spec, dict) and set(spec) == {"actor"}:
        return actor.username
    return spec


def guard_holds(
    store: Store, ws: Workspace, table: Table, guard: Any, record: dict[str, Any], now: datetime
) -> bool:
    """Whether a guard holds for a record, with what it reads beyond the record loaded from the store."""
    context = load_context(store, ws, table, guard, record)
    return evaluate_condition(guard, table, record, now=now, tz=ws.timezone, ws=ws, context=context)


def _reasons(
    store: Store,
    ws: Workspace,
    table: Table,
    tr: Transition,
    record: dict[str, Any],
    actor: Actor,
    now: datetime,
    values: dict[str, Any],
) -> list[Reason]:
    flow = _flow(table)
    target = flow.state(tr.to)
    target_label = target.label if target else tr.to
    reasons = []
    if tr.roles and not actor.is_admin and not actor.roles & set(tr.roles):
        reasons.append(
            Reason(
                f"only {', '.join(tr.roles)} may {tr.label} ({actor.username} is {', '.join(sorted(actor.roles))})",
                "reason_roles",
                {"roles": tr.roles, "move": tr.label},
            )
        )
    if tr.guard is not None and not guard_holds(store, ws, table, tr.guard, record, now):
        reasons.append(
            Reason(
                f"the condition of {tr.label!r} does not hold: {tr.guard}", "reason_guard", {"move": tr.label}
            )
        )
    after = record | values | {k: set_value(v, actor, now) for k, v in tr.set_fields.items()}
    for name in _missing(tr, after):
        fld = table.by_name[name]
        reasons.append(
            Reason(
                f"{fld.label} ({name}) is required to enter {target_label}",
                "reason_required",
                {"field": fld.label, "state": target_label},
            )
        )
    return reasons + [Reason(*r) for r in effect_reasons(store, ws, table, tr, after)]


def _missing(tr: Transition, after: dict[str, Any]) -> list[str]:
    return [name for name in tr.require_fields if after.get(name) in (None, "", [])]


def moves(
    store: Store, ws: Workspace, table_name: str, record_id: int, actor: Actor, now: datetime | None = None
) -> list[Move]:
    """Every transition out of the record's current state, each with the reasons it is refused now."""
    table = ws.require_table(table_name)
    flow = _flow(table)
    require_table(actor, table, "read")
    record = stored_row(store, ws, table, record_id)
    moment = as_naive(now, ws.timezone)
    current = record.get(flow.field)
    out = []
    for i, tr in enumerate(flow.transitions):
        if not tr.automatic and ("*" in tr.from_ or current in tr.from_):
            state = flow.state(tr.to)
            after = record | {k: set_value(v, actor, moment) for k, v in tr.set_fields.items()}
            asks = [n for n in _missing(tr, after) if not is_readonly(actor, table.by_name[n])]
            out.append(
                Move(
                    i,
                    tr.label,
                    tr.to,
                    state.label if state else tr.to,
                    _reasons(store, ws, table, tr, record, actor, moment, {}),
                    asks,
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
    """Move a record to state `to`, with `values` the person filled in on the way (e.g. a tracking number).

    One transaction: the record is read, checked, written, audited, its move recorded and the effects run.
    Returns the record's system fields and the fields the move read or wrote (get_record gives all).
    """
    table = ws.require_table(table_name)
    flow = _flow(table)
    if "update" not in table_actions(actor, table):
        raise RefusedError(f"{actor.username} may not change rows of {table.label} ({table.name})")
    require_table(actor, table, "read")
    if flow.state(to) is None:
        raise NotFoundError(
            f"{table.label} has no state {to!r} (states: {', '.join(s.name for s in flow.states)})"
        )
    moment = as_naive(now, ws.timezone)
    values = dict(values or {})
    _check_values_asked(table, to, values, actor)
    with store.transaction() as cur:
        record = read_row(cur, ws, table, record_id, _columns_for(ws, table, to, values), MOVE_SYSTEM_FIELDS)
        if record["_version"] != expected_version:
            raise ConflictError(
                f"{table.label} #{record_id} was changed by {record['_updated_by']} (now version {record['_version']}, "
                f"you saw version {expected_version}); nothing was moved — reload it",
                expected=expected_version,
                actual=record["_version"],
            )
        move = MoveContext(Write(store, cur, ws, table, actor, moment, source), values, note)
        after = _first_allowed(move, record, to)
        if after_write(move.write, [record_id]):
            after = read_row(cur, ws, table, record_id)
    return visible_row(table, actor, after)


def _check_values_asked(table: Table, to: str, values: dict[str, Any], actor: Actor) -> None:
    """Someone who may not edit records (a temporary worker) fills in only what the move asks for."""
    if not values or may(actor, "edit_records"):
        return
    asked = {n for tr in _flow(table).transitions if tr.to == to for n in tr.require_fields}
    extra = sorted(set(values) - asked)
    if extra:
        labels = "、".join(table.by_name[n].label if n in table.by_name else n for n in extra)
        raise RefusedError(
            f"{actor.username} may fill in only what the move asks for, not {', '.join(extra)}",
            text=("refused_move_values", {"fields": labels}),
        )


# A move reads only what it checks and reports: fewer columns make the read of a hot path cheaper.
MOVE_SYSTEM_FIELDS = ("_id", "_version", "_updated_at", "_updated_by")


def _columns_for(ws: Workspace, table: Table, to: str, values: dict[str, Any]) -> list[str]:
    """The stored fields the moves to `to` read or write: reading only these keeps a move cheap."""
    flow = _flow(table)
    names = {flow.field, *values}
    for tr in flow.transitions:
        if tr.to == to:
            names |= {*tr.require_fields, *tr.set_fields, *record_fields(table, tr.guard)}
            stock = [e for e in tr.effects if isinstance(e, StockEffect)]
            names |= {n for e in stock for n in (e.relation, e.quantity)}
            if stock and (flag := ws.intake_rules.non_sale_field(table)):
                names.add(flag)
    return sorted(n for n in names if (f := table.field(n)) is not None and f.stored)


@dataclass(frozen=True)
class MoveContext:
    """What one move is made with: the write (where, by whom, when, from which source), the values a person
    filled in on the way, and why."""

    write: Write
    values: dict[str, Any]
    note: str


def _first_allowed(move: MoveContext, record: dict[str, Any], to: str) -> dict[str, Any]:
    """Make the first transition to `to` whose checks pass; refuse with every reason when none does."""
    w = move.write
    store, ws, table = w.store, w.ws, w.table
    flow = _flow(table)
    current = record.get(flow.field)
    candidates = [
        (i, tr)
        for i, tr in enumerate(flow.transitions)
        if tr.to == to and (tr.automatic == (w.source == "auto")) and ("*" in tr.from_ or current in tr.from_)
    ]
    here = flow.state(current).label if flow.state(current) else current  # type: ignore[union-attr]
    there = flow.state(to).label  # type: ignore[union-attr]
    if not candidates:
        options = [flow.state(t.to).label for t in flow.transitions if "*" in t.from_ or current in t.from_]  # type: ignore[union-attr]
        raise RefusedError(
            f"no transition from {here} to {there} (from {here}: {', '.join(options) or 'none'})"
        )
    refusals: list[Problem] = []
    for index, tr in candidates:
        reasons = _reasons(store, ws, table, tr, record, w.actor, w.now, move.values)
        if not reasons:
            return _apply(move, record, index)
        refusals += [Problem(tr.label, r.text) for r in reasons]
    raise RefusedError(f"cannot move {table.label} #{record['_id']} from {here} to {there}", refusals)


def _apply(move: MoveContext, record: dict[str, Any], index: int) -> dict[str, Any]:
    """Write one move inside the caller's transaction: the record, its audit, its history, its effects."""
    cur, ws, table, actor, now = (
        move.write.cur,
        move.write.ws,
        move.write.table,
        move.write.actor,
        move.write.now,
    )
    flow = _flow(table)
    tr = flow.transitions[index]
    changes = (
        move.values | {k: set_value(v, actor, now) for k, v in tr.set_fields.items()} | {flow.field: tr.to}
    )
    typed = validated(table, changes, actor, creating=False)
    history = StatusMove(record.get(flow.field), tr.to, move.write.source, move.note)
    w = replace(move.write, source=f"transition:{tr.label}")
    after = write_changes(w, record, typed, history)
    run_effects(EffectContext(w, tr, after))
    request_acknowledgements(cur, ws, table, index, after, now)
    return after


def status_history(store: Store, ws: Workspace, table_name: str, record_id: int) -> list[tuple[Any, ...]]:
    """(from, to, at, actor, source, note) of every move of a record, oldest first."""
    return (
        store.cursor()
        .execute(
            "SELECT from_state, to_state, moved_at, actor, source, note FROM _status_history "
            "WHERE workspace = ? AND table_name = ? AND record_id = ? ORDER BY moved_at, ord",
            [ws.name, table_name, record_id],
        )
        .fetchall()
    )


def status_timeline(
    store: Store, ws: Workspace, table_name: str, record_id: int, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The record's moves with state labels, colours and the hours spent in each state (to now for the last),
    and whether that was longer than the state's SLA."""
    table = ws.require_table(table_name)
    flow = _flow(table)
    moment = as_naive(now, ws.timezone)
    rows = status_history(store, ws, table_name, record_id)
    out = []
    for i, (src, dst, at, who, source, note) in enumerate(rows):
        until = rows[i + 1][2] if i + 1 < len(rows) else moment
        state = flow.state(dst)
        out.append(
            {
                "from": (flow.state(src).label if src and flow.state(src) else src) or "",
                "to": state.label if state else dst,
                "color": state.color if state else "#9e9e9e",
                "at": at,
                "actor": who,
                "source": source,
                "note": note,
                "hours": round((until - at).total_seconds() / 3600, 2),
                "sla_hours": state.sla_hours if state else None,
                "late": bool(
                    state and state.sla_hours and (until - at).total_seconds() / 3600 > state.sla_hours
                ),
            }
        )
    return out
