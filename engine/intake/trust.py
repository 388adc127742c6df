"""Trusted status: every source's latest word on a record is kept; the record's status is the word of the most
credible source that has spoken (logistics > WMS > ERP > platform by default); disagreements are listed for
customer service with each source's value and time and a suggestion of whom to ask."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from engine.auth import Actor
from engine.intake.model import SOURCE_LABELS, IntakeConfig
from engine.records.bulk import upsert_in
from engine.schema import Table, Workspace
from engine.storage.sql import Sql, compose, qualified, quote_ident
from engine.storage.store import Cursor, Store, registered

REPORT_COLUMNS = {
    "record_key": pl.String,
    "source": pl.String,
    "connector": pl.String,
    "status": pl.String,
    "raw_status": pl.String,
    "reported_at": pl.Datetime("us"),
}


@dataclass(frozen=True)
class StatusOutcome:
    reported: int
    changed: int
    conflicts: int


def _weights(rules: IntakeConfig) -> pl.DataFrame:
    sources = sorted(set(rules.credibility) | set(SOURCE_LABELS))
    return pl.DataFrame({"source": sources, "weight": [rules.weight(s) for s in sources]})


def _key_frame(keys: pl.Series) -> pl.DataFrame:
    return pl.DataFrame({"record_key": keys.cast(pl.String)}).unique()


def record_reports(
    cur: Cursor, ws: Workspace, table: Table, reports: pl.DataFrame, fresh: bool = False
) -> None:
    """Keep each source's newest report per record (an older report arriving late changes nothing).
    `fresh`: the records are new and each has one report in `reports` (no lookup, no de-duplication)."""
    newest = reports.select(list(REPORT_COLUMNS)).cast(REPORT_COLUMNS)  # type: ignore[arg-type]
    if not fresh:  # a batch of events may say two things about one record: the later one counts
        newest = newest.sort("reported_at").unique(subset=["record_key", "source"], keep="last")
    with registered(cur, _new_reports=newest):
        if fresh:
            cur.execute(
                "INSERT INTO _status_reports SELECT ?, ?, record_key, source, connector, status, raw_status, reported_at "
                "FROM _new_reports",
                [ws.name, table.name],
            )
            return
        # An equal time replaces too: the newest sync's word on the same moment wins.
        cur.execute(
            "DELETE FROM _status_reports r WHERE r.workspace = ? AND r.table_name = ? AND EXISTS (SELECT 1 "
            "FROM _new_reports n WHERE n.record_key = r.record_key AND n.source = r.source "
            "AND n.reported_at >= r.reported_at)",
            [ws.name, table.name],
        )
        cur.execute(
            "INSERT INTO _status_reports SELECT ?, ?, n.record_key, n.source, n.connector, n.status, n.raw_status, "
            "n.reported_at FROM _new_reports n WHERE NOT EXISTS (SELECT 1 FROM _status_reports r "
            "WHERE r.workspace = ? AND r.table_name = ? AND r.record_key = n.record_key AND r.source = n.source)",
            [ws.name, table.name, ws.name, table.name],
        )


def effective_statuses(cur: Cursor, ws: Workspace, table: Table, keys: pl.Series) -> pl.DataFrame:
    """record_key, status, source, reported_at: the most credible source's latest word for each key."""
    with registered(cur, _keys=_key_frame(keys), _weights=_weights(ws.intake_rules)):
        return cur.execute(
            "SELECT r.record_key, r.status, r.source, r.reported_at FROM _status_reports r "
            "SEMI JOIN _keys k ON k.record_key = r.record_key "
            "LEFT JOIN _weights w ON w.source = r.source WHERE r.workspace = ? AND r.table_name = ? "
            "QUALIFY row_number() OVER (PARTITION BY r.record_key "
            "ORDER BY coalesce(w.weight, 0) DESC, r.reported_at DESC) = 1",
            [ws.name, table.name],
        ).pl()


def apply_effective(
    cur: Cursor,
    store: Store,
    ws: Workspace,
    table: Table,
    keys: pl.Series,
    actor: Actor,
    now: datetime,
    note: str,
) -> int:
    """Set each record's status to its effective one where it differs; the moves go into the status history."""
    flow = table.flow
    if flow is None or keys.is_empty():
        return 0
    key, status = str(table.business_key), flow.field
    best = effective_statuses(cur, ws, table, keys)
    with registered(cur, _best=best):
        changed = cur.execute(
            compose(
                "SELECT t._id, t.{key}::VARCHAR AS k, t.{status} AS before, b.status, "
                "b.reported_at FROM {table} t JOIN _best b ON b.record_key = t.{key} "
                "WHERE t.{status} IS DISTINCT FROM b.status",
                key=quote_ident(key),
                status=quote_ident(status),
                table=qualified(ws.name, table.name),
            )
        ).pl()
    if changed.is_empty():
        return 0
    upsert_in(
        cur,
        store,
        ws,
        table.name,
        changed.select(pl.col("k").alias(key), pl.col("status").alias(status)),
        actor,
        now,
        note,
    )
    with registered(cur, _moves=changed):
        cur.execute(
            "INSERT INTO _status_moves SELECT ?, ?, _id, before, status, least(reported_at, ?), ?, ?, '' FROM _moves",
            [ws.name, table.name, now, actor.username, note],
        )
    return changed.height


CANCELLED = 1_000_000  # the rank of a cancelled state: apart from every step of the flow


def _rank(table: Table) -> dict[str, int]:
    """How far along the flow a state is; cancelled states rank apart (they contradict, not lag)."""
    assert table.flow is not None
    return {s.name: (CANCELLED if s.category == "cancelled" else i) for i, s in enumerate(table.flow.states)}


def source_label(source: str, lang: str = "zh") -> str:
    """A source kind as people call it (物流(菜鸟), 仓库WMS…)."""
    zh, en = SOURCE_LABELS.get(source, (source, source))
    return en if lang == "en" else zh


def advice(table: Table, effective: dict[str, Any], others: list[dict[str, Any]]) -> str:
    """What customer service should check, from who is behind whom (菜鸟未回传 — 建议联系快递网点核实)."""
    rank = _rank(table)
    top = rank.get(effective["status"], 0)
    if top >= CANCELLED or any(rank.get(o["status"], 0) >= CANCELLED for o in others):
        return "来源状态矛盾(含取消) — 建议人工核实订单是否已取消"
    if any(rank.get(o["status"], 0) > top for o in others):
        if effective["source"] == "logistics":
            return "菜鸟未回传 — 建议联系快递网点核实"
        lagging = source_label(effective["source"])
        return f"{lagging}未回传 — 建议联系{lagging}核实"
    behind = {source_label(o["source"]) for o in others}
    return f"{'、'.join(sorted(behind))}未同步 — 建议检查回写接口"


def _disagreements(cur: Cursor, ws: Workspace, table: Table) -> list[tuple[str, list[Any]]]:
    """For the keys in `_keys`: each one whose sources disagree, with every source's latest word (most
    credible first)."""
    rank = _rank(table)
    ranks = pl.DataFrame({"state": list(rank), "rank": list(rank.values())})
    with registered(cur, _weights=_weights(ws.intake_rules), _ranks=ranks):
        return cur.execute(
            "WITH r AS (SELECT r.record_key, r.source, r.connector, r.status, r.raw_status, r.reported_at, "
            "coalesce(w.weight, 0) AS weight, coalesce(s.rank, 0) AS rank FROM _status_reports r "
            "SEMI JOIN _keys k ON k.record_key = r.record_key LEFT JOIN _weights w ON w.source = r.source "
            "LEFT JOIN _ranks s ON s.state = r.status WHERE r.workspace = ? AND r.table_name = ?), "
            "top AS (SELECT * FROM r QUALIFY row_number() OVER (PARTITION BY record_key "
            "ORDER BY weight DESC, reported_at DESC) = 1), "
            "bad AS (SELECT DISTINCT r.record_key FROM r JOIN top t ON t.record_key = r.record_key "
            "WHERE r.status <> t.status AND (r.rank > t.rank OR r.reported_at > t.reported_at "
            "OR r.rank >= ? OR t.rank >= ?)) "
            "SELECT r.record_key, list({'source': r.source, 'connector': r.connector, 'status': r.status, "
            "'raw_status': r.raw_status, 'reported_at': r.reported_at, 'weight': r.weight} "
            "ORDER BY r.weight DESC, r.reported_at DESC) FROM r SEMI JOIN bad b ON b.record_key = r.record_key "
            "GROUP BY r.record_key",
            [ws.name, table.name, CANCELLED, CANCELLED],
        ).fetchall()


def refresh_conflicts(cur: Cursor, ws: Workspace, table: Table, keys: pl.Series, now: datetime) -> int:
    """Open, update or resolve the conflict entry of each key. A less credible source disagrees when it is
    further along the flow than the trusted word, spoke after it, or one of them is a cancellation; a source
    merely behind with an older report is lag, not a conflict."""
    if table.flow is None or keys.is_empty():
        return 0
    with registered(cur, _keys=_key_frame(keys)):
        entries = []
        for key, reports in _disagreements(cur, ws, table):
            top, others = reports[0], [r for r in reports[1:] if r["status"] != reports[0]["status"]]
            detail = [{k: (str(v) if k == "reported_at" else v) for k, v in r.items()} for r in reports]
            entries.append(
                (
                    key,
                    top["status"],
                    top["source"],
                    json.dumps(detail, ensure_ascii=False),
                    advice(table, top, others),
                )
            )
        schema = dict.fromkeys(["record_key", "effective", "source", "detail", "advice"], pl.String)
        with registered(cur, _conflicts=pl.DataFrame(entries, schema=schema, orient="row")):
            _store_conflicts(cur, ws, table, now)
    return len(entries)


def _store_conflicts(cur: Cursor, ws: Workspace, table: Table, now: datetime) -> None:
    """Resolve the open conflicts of `_keys` not in `_conflicts`, update the open ones, open the new ones."""
    scope = Sql("workspace = ? AND table_name = ? AND resolved_at IS NULL")
    cur.execute(
        compose(
            "UPDATE _status_conflicts SET resolved_at = ? WHERE {scope} AND record_key IN (SELECT record_key FROM _keys) "
            "AND record_key NOT IN (SELECT record_key FROM _conflicts)",
            scope=scope,
        ),
        [now, ws.name, table.name],
    )
    # A conflict still open keeps its opening time, so the list shows how long it has been open.
    cur.execute(
        compose(
            "UPDATE _status_conflicts o SET effective = c.effective, effective_source = c.source, detail = c.detail, "
            "advice = c.advice, updated_at = ? FROM _conflicts c WHERE o.record_key = c.record_key AND o.{scope}",
            scope=scope,
        ),
        [now, ws.name, table.name],
    )
    cur.execute(
        compose(
            "INSERT INTO _status_conflicts SELECT ?, ?, record_key, effective, source, detail, advice, ?, ?, NULL "
            "FROM _conflicts c WHERE NOT EXISTS (SELECT 1 FROM _status_conflicts o WHERE o.record_key = c.record_key "
            "AND o.{scope})",
            scope=scope,
        ),
        [ws.name, table.name, now, now, ws.name, table.name],
    )


def open_conflicts(
    store: Store, ws: Workspace, table_name: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """The open status conflicts, newest first, each with every source's value and time and the advice."""
    table = table_name or ws.intake_rules.table
    rows = (
        store.cursor()
        .execute(
            "SELECT record_key, effective, effective_source, detail, advice, opened_at, updated_at "
            "FROM _status_conflicts WHERE workspace = ? AND table_name = ? AND resolved_at IS NULL "
            "ORDER BY updated_at DESC, record_key LIMIT ?",
            [ws.name, table, limit],
        )
        .fetchall()
    )
    names = ["record_key", "effective", "effective_source", "detail", "advice", "opened_at", "updated_at"]
    return [dict(zip(names, r, strict=True)) | {"detail": json.loads(r[3])} for r in rows]
