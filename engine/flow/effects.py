"""Side effects of a transition, run inside the move's transaction (so a refused effect undoes the move):
one registry from effect type to its two forms side by side — for one record (a move) and for a set of
records (a bulk move, set-based) — and the checks `moves` shows beforehand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.audit import record_items
from engine.conditions.compile import Compiler
from engine.errors import RefusedError
from engine.fields import RelationField
from engine.messages import render_sql
from engine.notify.channels import Message
from engine.notify.outbox import enqueue
from engine.records.write import Write, update_from, update_one
from engine.registry import Registry
from engine.schema import NotifyEffect, StockEffect, Table, Transition, Workspace
from engine.storage.sql import Sql, compose, name_literal, qualified, quote_ident
from engine.storage.store import Cursor, Store


@dataclass(frozen=True)
class EffectContext:
    write: Write  # the move's write, in its transaction
    transition: Transition
    record: dict[str, Any]  # after the move

    @property
    def cur(self) -> Cursor:
        return self.write.cur

    @property
    def ws(self) -> Workspace:
        return self.write.ws

    @property
    def table(self) -> Table:
        return self.write.table

    @property
    def now(self) -> datetime:
        return self.write.now


def stock_target(ws: Workspace, table: Table, effect: StockEffect) -> Table:
    """The table holding the stock a stock effect moves."""
    relation = table.field(effect.relation)
    assert isinstance(relation, RelationField)
    return ws.require_table(relation.table)


def stock_reason(
    table: Table, effect: StockEffect, key: Any, qty: Any, stock: Any, found: bool
) -> tuple[str, str, dict[str, Any]] | None:
    """Why a record's stock effect cannot run, as (English text, UI text key, its values), or None."""
    if key is None or qty is None:
        names = f"{table.by_name[effect.relation].label} and {table.by_name[effect.quantity].label}"
        return (
            f"{names} are needed to {effect.type.replace('_', ' ')}",
            "reason_stock_fields",
            {
                "relation": table.by_name[effect.relation].label,
                "quantity": table.by_name[effect.quantity].label,
            },
        )
    if not found:
        return f"{key} is not in the stock table", "reason_stock_unknown", {"key": key}
    if effect.type == "reserve_stock" and (stock or 0) < qty:
        return (
            f"not enough stock of {key}: {stock or 0} left, {qty} needed",
            "reason_stock_short",
            {"key": key, "left": stock or 0, "needed": qty},
        )
    return None


def stock_problem(
    table: Table, effect: StockEffect, key: Any, qty: Any, stock: Any, found: bool
) -> str | None:
    """Why a record's stock effect cannot run, or None."""
    reason = stock_reason(table, effect, key, qty, stock, found)
    return reason[0] if reason else None


def _stock_row(
    cur: Cursor, ws: Workspace, target: Table, effect: StockEffect, key: Any
) -> tuple[Any, ...] | None:
    return cur.execute(
        compose(
            "SELECT _id, {stock_field}, _version FROM {target} WHERE {business_key} = ?",
            stock_field=quote_ident(effect.stock_field),
            target=qualified(ws.name, target.name),
            business_key=quote_ident(str(target.business_key)),
        ),
        [key],
    ).fetchone()


def takes_no_stock(ws: Workspace, table: Table, record: dict[str, Any]) -> bool:
    """Gift and lucky-bag orders (flagged non-sale by the intake rules) move no stock."""
    flag = ws.intake_rules.non_sale_field(table)
    return bool(flag and record.get(flag))


def _stock(ctx: EffectContext, effect: StockEffect) -> None:
    if takes_no_stock(ctx.ws, ctx.table, ctx.record):
        return
    target = stock_target(ctx.ws, ctx.table, effect)
    key, qty = ctx.record.get(effect.relation), ctx.record.get(effect.quantity)
    row = _stock_row(ctx.cur, ctx.ws, target, effect, key) if key is not None else None
    problem = stock_problem(ctx.table, effect, key, qty, row[1] if row else None, row is not None)
    if problem:
        raise RefusedError(f"{ctx.transition.label}: {problem}")
    assert row is not None
    sign = -1 if effect.type == "reserve_stock" else 1
    stock = ctx.write.on(target, f"{effect.type}:{ctx.table.name}#{ctx.record['_id']}")
    current = {"_id": row[0], "_version": row[2], effect.stock_field: row[1]}
    update_one(stock, current, {effect.stock_field: (row[1] or 0) + sign * qty})


def _notify(ctx: EffectContext, effect: NotifyEffect) -> None:
    # Rendered in SQL over the written row, so lookups ({sku_name}) and computed fields read as on screen.
    text = render_sql(effect.message, Compiler(ctx.table, now=ctx.now, tz=ctx.ws.timezone, ws=ctx.ws).raw)
    (body,) = ctx.cur.execute(
        compose(
            "SELECT {text} FROM {table} t WHERE t._id = ?",
            text=text,
            table=qualified(ctx.ws.name, ctx.table.name),
        ),
        [*text.params, ctx.record["_id"]],
    ).fetchone()  # type: ignore[misc]
    message = Message(
        ctx.transition.label,
        body,
        effect.level,
        ctx.ws.name,
        ctx.table.name,
        ctx.record["_id"],
    )
    enqueue(ctx.cur, ctx.ws.name, message, ctx.now, effect.roles, effect.users, effect.channels)


def takes_stock_sql(ws: Workspace, table: Table) -> Sql:
    """SQL that leaves out gift and lucky-bag orders (flagged non-sale): they move no stock."""
    flag = ws.intake_rules.non_sale_field(table)
    return compose(" AND NOT coalesce(t.{flag}, FALSE)", flag=quote_ident(flag)) if flag else Sql("")


# Bulk moves join the moved rows (_bulk_before) to their stock rows and render messages in SQL, so a set of
# records costs one statement per effect, not one per record.
DIGEST_AFTER = 5


def _stock_many(w: Write, tr: Transition, effect: StockEffect, ids: list[int]) -> None:
    store, cur, ws, table, actor, now = w.store, w.cur, w.ws, w.table, w.actor, w.now
    stock_table = stock_target(ws, table, effect)
    sign = Sql("-" if effect.type == "reserve_stock" else "+")
    col = quote_ident(effect.stock_field)
    key = quote_ident(str(stock_table.business_key))
    cur.execute("DROP TABLE IF EXISTS _bulk_stock")
    cur.execute(
        compose(
            "CREATE TEMP TABLE _bulk_stock AS SELECT s._id, s.{col} AS before, s.{col} {sign} sum(t.{quantity}) AS {col} "
            "FROM _bulk_before b JOIN {table} t ON t._id = b._id "
            "JOIN {stock_table} s ON s.{key} = t.{relation} "
            "WHERE TRUE{takes_stock} GROUP BY s._id, s.{col}",
            col=col,
            sign=sign,
            quantity=quote_ident(effect.quantity),
            table=qualified(ws.name, table.name),
            stock_table=qualified(ws.name, stock_table.name),
            key=key,
            relation=quote_ident(effect.relation),
            takes_stock=takes_stock_sql(ws, table),
        )
    )
    update_from(w.on(stock_table), "_bulk_stock", [effect.stock_field])
    record_items(
        store,
        cur,
        sql=compose(
            "SELECT _id AS record_id, 'update' AS action, "
            "CAST(json_object({stock_field}, json_object('before', before, 'after', {col})) AS VARCHAR) AS changes "
            "FROM _bulk_stock",
            stock_field=name_literal(effect.stock_field),
            col=col,
        ),
        at=now,
        actor=actor.username,
        action="update",
        workspace=ws.name,
        table=stock_table.name,
        note=f"{effect.type}:{table.name} bulk",
    )
    cur.execute("DROP TABLE _bulk_stock")


def _notify_many(w: Write, tr: Transition, effect: NotifyEffect, ids: list[int]) -> None:
    cur, ws, table, now = w.cur, w.ws, w.table, w.now
    compiler = Compiler(table, now=now, tz=ws.timezone, ws=ws)
    text = render_sql(effect.message, compiler.raw)
    rows = cur.execute(
        compose(
            "SELECT t._id, {text} FROM {table} t "
            "WHERE t._id IN (SELECT _id FROM _bulk_before) ORDER BY t._id LIMIT ?",
            text=text,
            table=qualified(ws.name, table.name),
        ),
        [*text.params, DIGEST_AFTER],
    ).fetchall()
    recipients = (effect.roles, effect.users, effect.channels)
    if len(ids) <= DIGEST_AFTER:
        for rid, body in rows:
            enqueue(
                cur,
                ws.name,
                Message(tr.label, body, effect.level, ws.name, table.name, rid),
                now,
                *recipients,
            )
        return
    lines = "\n".join(body for _, body in rows)
    body = f"{tr.label}：共 {len(ids)} 条{table.label}\n{lines}\n…"
    enqueue(cur, ws.name, Message(tr.label, body, effect.level, ws.name, table.name), now, *recipients)


@dataclass(frozen=True)
class EffectKind:
    """An effect type's two forms: for one record inside its move, and for a set of records in a bulk move."""

    one: Callable[[EffectContext, Any], None]
    many: Callable[[Write, Transition, Any, list[int]], None]


EFFECTS: Registry[EffectKind] = Registry(
    "effect",
    {
        "notify": EffectKind(_notify, _notify_many),
        "reserve_stock": EffectKind(_stock, _stock_many),
        "release_stock": EffectKind(_stock, _stock_many),
    },
)


def run_effects(ctx: EffectContext) -> None:
    """Run the transition's effects in order; a refusal raises and the caller's transaction rolls back."""
    for effect in ctx.transition.effects:
        EFFECTS.require(effect.type).one(ctx, effect)


def effect_reasons(
    store: Store, ws: Workspace, table: Table, tr: Transition, record: dict[str, Any]
) -> list[tuple[str, str, dict[str, Any]]]:
    """Why the transition's effects would refuse now (e.g. not enough stock), for the buttons' reasons."""
    stock_effects = [e for e in tr.effects if isinstance(e, StockEffect)]
    if not stock_effects or takes_no_stock(ws, table, record):
        return []
    reasons = []
    cur = store.cursor()
    for effect in stock_effects:
        key, qty = record.get(effect.relation), record.get(effect.quantity)
        target = stock_target(ws, table, effect)
        row = _stock_row(cur, ws, target, effect, key) if key is not None else None
        reason = stock_reason(table, effect, key, qty, row[1] if row else None, row is not None)
        if reason:
            reasons.append(reason)
    return reasons
