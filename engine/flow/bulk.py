"""Bulk transitions (select 500 orders → ship), set-based: the checks of a single move (role, state, guard,
required fields, stock) run as SQL over all selected records, then one transaction moves them, writes their
status history, audit items, stock changes, notifications and acknowledgement requests.

All-or-nothing by default: any refused record refuses the batch and nothing moves. With `report=True` the
allowed records move and the refused ones come back with their reasons.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from engine.audit import record_items
from engine.auth import SYSTEM, Actor, table_actions
from engine.clock import as_naive
from engine.conditions.compile import Compiler
from engine.errors import NotFoundError, Problem, RefusedError
from engine.flow.effects import EFFECTS, stock_target, takes_stock_sql
from engine.flow.moves import moves, set_value
from engine.records.single import validated
from engine.records.write import Write, after_write, set_on
from engine.schema import StockEffect, Table, Transition, Workspace
from engine.storage.sql import Fragment, Sql, compose, listing, name_literal, qualified, quote_ident
from engine.storage.store import Cursor, Store

MAX_REASONED = 200  # refused records whose reasons are worked out one by one; the rest are counted
MAX_AUTOMATIC_STEPS = 10


@dataclass
class BulkMoveResult:
    """Records moved, records refused with their reasons, and the time it took."""

    moved: list[int] = field(default_factory=list)
    refused: dict[int, list[str]] = field(default_factory=dict)
    ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "moved": len(self.moved),
            "refused": len(self.refused),
            "reasons": {str(k): v for k, v in list(self.refused.items())[:MAX_REASONED]},
            "ms": round(self.ms, 1),
        }


def bulk_transition(
    store: Store,
    ws: Workspace,
    table_name: str,
    record_ids: list[int],
    to: str,
    actor: Actor,
    now: datetime | None = None,
    values: dict[str, Any] | None = None,
    report: bool = False,
    source: str = "bulk",
    note: str = "",
) -> BulkMoveResult:
    """Move the records to state `to`; all or nothing unless `report` (then refused ones are listed)."""
    started = time.perf_counter()
    table = ws.require_table(table_name)
    if "update" not in table_actions(actor, table):
        raise RefusedError(f"{actor.username} may not change rows of {table.label} ({table.name})")
    typed = validated(table, dict(values or {}), actor, creating=False) if values else {}
    if table.flow is not None and table.flow.field in typed:
        raise RefusedError(f"{table.flow.field} changes only through the move itself")
    moment = as_naive(now, ws.timezone)
    with store.transaction() as cur:
        w = Write(store, cur, ws, table, actor, moment, source)
        result = move_in(w, sorted(set(record_ids)), to, typed, report, note)
        after_write(w, result.moved)
    result.ms = (time.perf_counter() - started) * 1000
    return result


def move_in(
    w: Write,
    ids: list[int],
    to: str,
    typed: dict[str, Any],
    report: bool,
    note: str = "",
    automatic: bool = False,
) -> BulkMoveResult:
    """bulk_transition inside the caller's transaction. Automatic moves (`automatic`) list no reasons for
    the records that stay: most records a write touched are not meant to move."""
    store, cur, ws, table, actor, moment = w.store, w.cur, w.ws, w.table, w.actor, w.now
    flow = table.flow
    if flow is None:
        raise NotFoundError(f"{table.label} ({table.name}) has no status flow")
    target = flow.state(to)
    if target is None:
        raise NotFoundError(
            f"{table.label} has no state {to!r} (states: {', '.join(s.name for s in flow.states)})"
        )
    candidates = [
        (i, tr) for i, tr in enumerate(flow.transitions) if tr.to == to and tr.automatic == automatic
    ]
    if not candidates:
        raise RefusedError(f"no transition leads to {target.label}")
    allowed = [(i, tr) for i, tr in candidates if _role_ok(tr, actor)]
    if not allowed:
        roles = sorted({r for _, tr in candidates for r in tr.roles})
        raise RefusedError(
            f"only {', '.join(roles)} may move {table.label} to {target.label} "
            f"({actor.username} is {', '.join(sorted(actor.roles))}); nothing was moved"
        )
    result = BulkMoveResult()
    picks = _pick(cur, ws, table, allowed, ids, typed, actor, moment)
    refused = [rid for rid in ids if picks.get(rid) is None]
    short = _stock_shortages(cur, ws, table, allowed, picks)
    refused += [rid for rid in short if rid not in refused]
    if automatic:
        result.refused = {rid: [] for rid in refused}
    else:
        result.refused = _reasons(store, ws, table, to, refused, short, actor, moment, set(ids) - set(picks))
    if result.refused and not report:
        raise RefusedError(
            f"{len(result.refused)} of {len(ids)} {table.label} cannot move to {target.label}; nothing was moved",
            [Problem(f"#{rid}", "; ".join(r)) for rid, r in list(result.refused.items())[:20]],
        )
    for index, tr in allowed:
        group = [rid for rid, k in picks.items() if k == index and rid not in result.refused]
        if group:
            _move(w, index, tr, group, typed, note or (tr.label if automatic else ""))
            result.moved += group
    return result


def advance_in(w: Write, ids: list[int]) -> int:
    """Make the automatic transitions whose guards hold for these records, set-based, in the caller's
    transaction, step after step (a chain of automatic moves); returns how many moves were made."""
    flow = w.table.flow
    targets = list(dict.fromkeys(tr.to for tr in (flow.transitions if flow else []) if tr.automatic))
    auto = replace(w, actor=SYSTEM, source="auto")
    made, pending = 0, sorted(set(ids))
    for _ in range(MAX_AUTOMATIC_STEPS):  # a flow whose automatic moves form a cycle stops here
        moved = [rid for to in targets for rid in move_in(auto, pending, to, {}, True, automatic=True).moved]
        made += len(moved)
        if not moved:
            break
        pending = sorted(set(moved))
    return made


def id_table(cur: Cursor, name: str, ids: list[int]) -> Sql:
    """Load record ids into a temp table; returns a subquery over it. A semi-join on it is a hash join,
    where `list_contains(?, _id)` would search the whole list for every row of the table."""
    table = quote_ident(name)
    cur.execute(
        compose(
            "CREATE OR REPLACE TEMP TABLE {table} AS SELECT unnest(CAST(? AS BIGINT[])) AS _id", table=table
        ),
        [ids],
    )
    return compose("(SELECT _id FROM {table})", table=table)


def _role_ok(tr: Transition, actor: Actor) -> bool:
    return not tr.roles or actor.is_admin or bool(actor.roles & set(tr.roles))


def _pick(
    cur: Cursor,
    ws: Workspace,
    table: Table,
    allowed: list[tuple[int, Transition]],
    ids: list[int],
    typed: dict[str, Any],
    actor: Actor,
    now: datetime,
) -> dict[int, int | None]:
    """For each found record, the first allowed transition whose state, guard and required fields hold."""
    compiler = Compiler(table, now=now, tz=ws.timezone, ws=ws)
    flow = table.flow
    assert flow is not None
    cases, params = [], []
    for index, tr in allowed:
        parts = (
            []
            if "*" in tr.from_
            else [
                Fragment(
                    f"t.{quote_ident(flow.field)} IN ({', '.join('?' * len(tr.from_))})", tuple(tr.from_)
                )
            ]
        )
        if tr.guard is not None:
            parts.append(compiler.condition(tr.guard))
        given = {**typed, **{k: set_value(v, actor, now) for k, v in tr.set_fields.items()}}
        needed = [n for n in tr.require_fields if given.get(n) in (None, "", [])]
        if needed:
            parts.append(compiler.condition({"missing": [needed]}, "require_fields").wrap("NOT ({})"))
        test = Fragment(
            " AND ".join(p.sql for p in parts) or "TRUE", tuple(x for p in parts for x in p.params)
        )
        cases.append(compose("WHEN {test} THEN {index}", test=test, index=index))
        params += test.params
    chosen = id_table(cur, "_bulk_ids", ids)
    source = compiler.source(f"{qualified(ws.name, table.name)} t")
    rows = cur.execute(
        compose(
            "SELECT t._id, CASE {cases} END FROM {source} WHERE t._id IN {chosen}",
            cases=listing(cases, " "),
            source=source,
            chosen=chosen,
        ),
        [*params, *source.params],
    ).fetchall()
    return dict(rows)


def _stock_shortages(
    cur: Cursor,
    ws: Workspace,
    table: Table,
    allowed: list[tuple[int, Transition]],
    picks: dict[int, int | None],
) -> dict[int, str]:
    """Records whose reservation does not fit: stock is handed out in record order per SKU."""
    short: dict[int, str] = {}
    for index, tr in allowed:
        group = [rid for rid, k in picks.items() if k == index]
        for effect in tr.effects:
            if not (isinstance(effect, StockEffect) and group):
                continue
            stock_table = stock_target(ws, table, effect)
            rows = cur.execute(
                compose(
                    "SELECT t._id, t.{relation}, t.{quantity}, "
                    "s.{stock_field}, s._id IS NOT NULL, "
                    "sum(t.{quantity}) OVER (PARTITION BY t.{relation} "
                    "ORDER BY t._id) "
                    "FROM {table} t LEFT JOIN {stock_table} s "
                    "ON s.{business_key} = t.{relation} "
                    "WHERE t._id IN {id_table}{takes_stock}",
                    relation=quote_ident(effect.relation),
                    quantity=quote_ident(effect.quantity),
                    stock_field=quote_ident(effect.stock_field),
                    table=qualified(ws.name, table.name),
                    stock_table=qualified(ws.name, stock_table.name),
                    business_key=quote_ident(str(stock_table.business_key)),
                    id_table=id_table(cur, "_bulk_group", group),
                    takes_stock=takes_stock_sql(ws, table),
                )
            ).fetchall()
            for rid, key, qty, stock, found, needed in rows:
                if key is None or qty is None or not found:
                    short[rid] = f"{key or '—'}: no stock row or quantity"
                elif effect.type == "reserve_stock" and needed > (stock or 0):
                    short[rid] = (
                        f"not enough stock of {key}: {stock or 0} left, {needed} needed with the others"
                    )
    return short


def _reasons(
    store: Store,
    ws: Workspace,
    table: Table,
    to: str,
    refused: list[int],
    short: dict[int, str],
    actor: Actor,
    now: datetime,
    missing: set[int],
) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for n, rid in enumerate(refused):
        if rid in missing:
            out[rid] = [f"{table.label} has no record with id {rid}"]
        elif rid in short:
            out[rid] = [short[rid]]
        elif n < MAX_REASONED:
            options = [m for m in moves(store, ws, table.name, rid, actor, now) if m.to == to]
            out[rid] = [r for m in options for r in m.reasons] or [
                "its current state has no transition there"
            ]
        else:
            out[rid] = ["refused (reasons are listed for the first records only)"]
    return out


def _move(w: Write, index: int, tr: Transition, ids: list[int], typed: dict[str, Any], note: str) -> None:
    store, cur, ws, table, actor, now, source = w.store, w.cur, w.ws, w.table, w.actor, w.now, w.source
    flow = table.flow
    assert flow is not None
    changes = typed | {k: set_value(v, actor, now) for k, v in tr.set_fields.items()} | {flow.field: tr.to}
    target = qualified(ws.name, table.name)
    cols = list(changes)
    cur.execute("DROP TABLE IF EXISTS _bulk_before")
    cur.execute(
        compose(
            "CREATE TEMP TABLE _bulk_before AS SELECT _id, {part} FROM {target} WHERE _id IN {id_table}",
            part=listing(map(quote_ident, cols)),
            target=target,
            id_table=id_table(cur, "_bulk_group", ids),
        )
    )
    set_on(w, "_bulk_before", changes)
    cur.execute(
        compose(
            "INSERT INTO _status_moves SELECT ?, ?, _id, {field}, ?, ?, ?, ?, ? FROM _bulk_before",
            field=quote_ident(flow.field),
        ),
        [ws.name, table.name, tr.to, now, actor.username, source, note],
    )
    pairs = listing(
        compose("{key}, json_object('before', b.{c}, 'after', t.{c})", key=name_literal(c), c=quote_ident(c))
        for c in cols
    )
    record_items(
        store,
        cur,
        sql=compose(
            "SELECT b._id AS record_id, 'update' AS action, CAST(json_object({pairs}) AS VARCHAR) AS changes "
            "FROM _bulk_before b JOIN {target} t ON t._id = b._id",
            pairs=pairs,
            target=target,
        ),
        at=now,
        actor=actor.username,
        action="update",
        workspace=ws.name,
        table=table.name,
        note=f"transition:{tr.label} ×{len(ids)}",
    )
    for effect in tr.effects:
        EFFECTS.require(effect.type).many(w, tr, effect, ids)
    _request_acknowledgements(cur, ws, table, index, tr, now)
    cur.execute("DROP TABLE _bulk_before")


def _request_acknowledgements(
    cur: Cursor, ws: Workspace, table: Table, index: int, tr: Transition, now: datetime
) -> None:
    if not tr.acknowledge:
        return
    minutes = tr.acknowledge_minutes or 15
    key = (
        f"CAST(t.{quote_ident(table.business_key)} AS VARCHAR)"
        if table.business_key
        else "CAST(t._id AS VARCHAR)"
    )
    for role in tr.acknowledge:
        cur.execute(
            compose(
                "INSERT INTO _alerts (workspace, rule, kind, table_name, record_id, level, message, roles, users, "
                "channels, status, step, opened_at, due_at, notified_at) "
                "SELECT ?, ?, 'ack', ?, t._id, 'info', concat(?, {key}, ?), ?, [], [], 'open', 0, ?, ?, ? "
                "FROM {table} t JOIN _bulk_before b ON b._id = t._id",
                key=key,
                table=qualified(ws.name, table.name),
            ),
            [
                ws.name,
                f"ack:{table.name}:{index}",
                table.name,
                f"{table.label} ",
                f"：{tr.label}，请在 {minutes:g} 分钟内确认（已知悉 / 需补充材料）",
                [role],
                now,
                now + timedelta(minutes=minutes),
                now,
            ],
        )
