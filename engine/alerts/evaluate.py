"""One evaluation pass over every alert rule of a workspace, set-based.

Per table, one scan marks which rules each record meets. Then per rule: alerts of records that no longer
meet it resolve; records that newly meet it get one alert (never two open for one rule and record);
unacknowledged alerts climb their escalation chain by age; open ones are re-notified on their interval.
Acknowledgement requests from the flow escalate when overdue. Channel messages go to the outbox in the same
transaction; many alerts of one rule in one pass become one digest per channel, not a flood.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from engine.clock import as_naive
from engine.conditions.compile import Compiler
from engine.messages import render_sql
from engine.notify.channels import Message
from engine.notify.outbox import enqueue
from engine.schema import AlertRule, Table, Workspace
from engine.storage.sql import Fragment, Sql, any_of, compose, listing, qualified, quote_ident, row_dicts
from engine.storage.store import Cursor, Store

OPEN = Sql("('open', 'acknowledged')")
DIGEST_AFTER = 5  # more alerts than this in one pass → one digest message per channel


@dataclass
class RuleResult:
    matched: int = 0
    opened: int = 0
    resolved: int = 0
    escalated: int = 0
    renotified: int = 0


@dataclass
class AlertPass:
    """What one pass did, per rule; `ms` is its duration."""

    at: datetime
    rules: dict[str, RuleResult] = field(default_factory=dict)
    acknowledgements_escalated: int = 0
    ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        totals = RuleResult()
        for r in self.rules.values():
            for k in vars(totals):
                setattr(totals, k, getattr(totals, k) + getattr(r, k))
        return {
            "at": self.at.isoformat(),
            "ms": round(self.ms, 1),
            "totals": vars(totals),
            "acknowledgements_escalated": self.acknowledgements_escalated,
            "rules": {name: vars(r) for name, r in self.rules.items()},
        }


def compiler_for(ws: Workspace, table: Table, now: datetime) -> Compiler:
    """The compiler of conditions and messages over `table` aliased t."""
    return Compiler(table, now=now, tz=ws.timezone, ws=ws)


def run_alerts(store: Store, ws: Workspace, now: datetime | None = None) -> AlertPass:
    """Evaluate every enabled rule of `ws` at `now` (the workspace's local time; default the real clock)."""
    started = time.perf_counter()
    moment = as_naive(now, ws.timezone)
    result = AlertPass(moment)
    by_table: dict[str, list[AlertRule]] = defaultdict(list)
    for rule in ws.rules:
        if rule.enabled:
            by_table[rule.table].append(rule)
    for table_name, rules in by_table.items():
        table = ws.require_table(table_name)
        with store.transaction() as cur:
            _evaluate_table(cur, ws, table, rules, moment, result)
    with store.transaction() as cur:
        result.acknowledgements_escalated = _escalate_acknowledgements(cur, ws, moment)
    result.ms = (time.perf_counter() - started) * 1000
    return result


def _mark(i: int) -> Sql:
    """The column of _alert_matches that holds whether rule i matched."""
    return quote_ident(f"r{i}")


def _evaluate_table(
    cur: Cursor,
    ws: Workspace,
    table: Table,
    rules: list[AlertRule],
    now: datetime,
    result: AlertPass,
) -> None:
    compiler = compiler_for(ws, table, now)
    conditions = [compiler.condition(r.condition, f"rules.{r.name}.condition") for r in rules]
    marks = listing(compose("{c} AS {r}", c=c, r=_mark(i)) for i, c in enumerate(conditions))
    where = any_of(conditions)
    source = compiler.source(f"{qualified(ws.name, table.name)} t")
    params = [p for c in conditions for p in c.params] + list(source.params) + list(where.params)
    cur.execute("DROP TABLE IF EXISTS _alert_matches")
    cur.execute(
        compose(
            "CREATE TEMP TABLE _alert_matches AS SELECT t._id, {marks} FROM {source} WHERE {where}",
            marks=marks,
            source=source,
            where=where,
        ),
        params,
    )
    for i, rule in enumerate(rules):
        result.rules[rule.name] = _apply_rule(cur, ws, table, rule, _mark(i), compiler, now)
    cur.execute("DROP TABLE _alert_matches")


def _apply_rule(
    cur: Cursor,
    ws: Workspace,
    table: Table,
    rule: AlertRule,
    mark: Sql,
    compiler: Compiler,
    now: datetime,
) -> RuleResult:
    out = RuleResult()
    key = [ws.name, rule.name]
    (out.matched,) = cur.execute(
        compose("SELECT count(*) FROM _alert_matches WHERE {mark}", mark=mark)
    ).fetchone()  # type: ignore[misc]
    resolved = cur.execute(
        compose(
            "UPDATE _alerts SET status = 'resolved', resolved_at = ? WHERE workspace = ? AND rule = ? "
            "AND kind = 'rule' AND status IN {OPEN} AND record_id NOT IN "
            "(SELECT _id FROM _alert_matches WHERE {mark}) RETURNING id",
            OPEN=OPEN,
            mark=mark,
        ),
        [now, *key],
    ).fetchall()
    out.resolved = len(resolved)
    message = render_sql(rule.message, compiler.raw)
    new_ids = [
        r[0]
        for r in cur.execute(
            compose(
                "INSERT INTO _alerts (workspace, rule, kind, table_name, record_id, level, message, roles, users, "
                "channels, status, step, opened_at, notified_at) "
                "SELECT ?, ?, 'rule', ?, t._id, ?, {message}, ?, ?, ?, 'open', 0, ?, ? "
                "FROM {table} t JOIN _alert_matches m ON m._id = t._id AND m.{mark} "
                "WHERE t._id NOT IN (SELECT record_id FROM _alerts WHERE workspace = ? AND rule = ? AND status IN {OPEN}) "
                "RETURNING id",
                message=message,
                table=qualified(ws.name, table.name),
                mark=mark,
                OPEN=OPEN,
            ),
            [
                ws.name,
                rule.name,
                table.name,
                rule.level,
                *message.params,
                list(rule.roles),
                list(rule.users),
                list(rule.channels),
                now,
                now,
                *key,
            ],
        ).fetchall()
    ]
    out.opened = len(new_ids)
    _announce(cur, ws, rule, new_ids, rule.channels, "新预警", now)
    for step_no, step in enumerate(rule.escalation):
        due = now - timedelta(minutes=step.after_minutes)
        ids = [
            r[0]
            for r in cur.execute(
                "UPDATE _alerts SET step = ?, level = coalesce(?, level), "
                "roles = list_distinct(list_concat(roles, ?)), users = list_distinct(list_concat(users, ?)), "
                "channels = list_distinct(list_concat(channels, ?)), notified_at = ? "
                "WHERE workspace = ? AND rule = ? AND kind = 'rule' AND status = 'open' AND step = ? "
                "AND opened_at <= ? RETURNING id",
                [
                    step_no + 1,
                    step.level,
                    list(step.roles),
                    list(step.users),
                    list(step.channels),
                    now,
                    *key,
                    step_no,
                    due,
                ],
            ).fetchall()
        ]
        out.escalated += len(ids)
        _announce(cur, ws, rule, ids, step.channels, f"升级（第 {step_no + 1} 级）", now)
    if rule.renotify_minutes:
        ids = [
            r[0]
            for r in cur.execute(
                "UPDATE _alerts SET notified_at = ? WHERE workspace = ? AND rule = ? AND kind = 'rule' "
                "AND status = 'open' AND notified_at <= ? RETURNING id",
                [now, *key, now - timedelta(minutes=rule.renotify_minutes)],
            ).fetchall()
        ]
        out.renotified = len(ids)
        channels = sorted({*rule.channels, *(c for s in rule.escalation for c in s.channels)})
        _announce(cur, ws, rule, ids, channels, "仍未处理", now)
    return out


def _announce(
    cur: Cursor,
    ws: Workspace,
    rule: AlertRule,
    ids: list[int],
    channels: list[str],
    event: str,
    now: datetime,
) -> None:
    """Channel messages for alerts that opened, escalated or are repeated (the inbox reads _alerts itself)."""
    if not ids or not channels:
        return
    rows = cur.execute(
        "SELECT id, record_id, level, message, table_name FROM _alerts WHERE list_contains(?, id) ORDER BY id",
        [ids],
    ).fetchall()
    if len(rows) <= DIGEST_AFTER:
        for aid, record_id, level, text, table in rows:
            msg = Message(f"{rule.label} · {event}", text, level, ws.name, table, record_id, aid)
            enqueue(cur, ws.name, msg, now, channels=channels)
        return
    top = max((r[2] for r in rows), key=["info", "yellow", "red"].index)
    lines = "\n".join(f"- {r[3]}" for r in rows[:DIGEST_AFTER])
    body = f"共 {len(rows)} 条：\n{lines}\n…（其余 {len(rows) - DIGEST_AFTER} 条见预警收件箱）"
    enqueue(
        cur,
        ws.name,
        Message(f"{rule.label} · {event}", body, top, ws.name, rows[0][4]),
        now,
        channels=channels,
    )


def _escalate_acknowledgements(cur: Cursor, ws: Workspace, now: datetime) -> int:
    """Acknowledgement requests past their deadline go red and reach the roles they escalate to."""
    rows = cur.execute(
        "SELECT id, rule FROM _alerts WHERE workspace = ? AND kind = 'ack' AND status = 'open' AND step = 0 "
        "AND due_at <= ?",
        [ws.name, now],
    ).fetchall()
    for aid, rule in rows:
        cur.execute(
            "UPDATE _alerts SET step = 1, level = 'red', roles = list_distinct(list_concat(roles, ?)), "
            "notified_at = ? WHERE id = ?",
            [_ack_escalation(ws, rule), now, aid],
        )
    return len(rows)


def _ack_escalation(ws: Workspace, rule: str) -> list[str]:
    """Roles an acknowledgement request escalates to: named by its rule 'ack:<table>:<transition index>'."""
    _, table_name, index = rule.split(":")
    table = ws.table(table_name)
    if table is None or table.flow is None or int(index) >= len(table.flow.transitions):
        return ["manager"]
    return list(table.flow.transitions[int(index)].acknowledge_escalate_to)


def matching_records(
    store: Store, ws: Workspace, rule: AlertRule, now: datetime | None = None, sample: int = 20
) -> tuple[int, list[dict[str, Any]]]:
    """How many records meet a rule now and a sample with the rendered message ("test this rule")."""
    moment = as_naive(now, ws.timezone)
    table = ws.require_table(rule.table)
    compiler = compiler_for(ws, table, moment)
    condition = compiler.condition(rule.condition)
    message = render_sql(rule.message, compiler.raw)
    joined = compiler.source(f"{qualified(ws.name, table.name)} t")
    source = compose("{joined} WHERE {condition}", joined=joined, condition=condition)
    params = [*joined.params, *condition.params]
    cur = store.cursor()
    (count,) = cur.execute(compose("SELECT count(*) FROM {source}", source=source), params).fetchone()  # type: ignore[misc]
    key = Fragment(compiler.column(table.business_key or "_id"))
    res = cur.execute(
        compose(
            "SELECT t._id, {key} AS key, {message} AS message FROM {source} ORDER BY t._id LIMIT ?",
            key=key,
            message=message,
            source=source,
        ),
        [*message.params, *params, sample],
    )
    return int(count), row_dicts(res)
