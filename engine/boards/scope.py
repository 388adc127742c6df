"""What a widget reads: its table (read permission checked), its condition, the board's filters and a time
window, compiled once into a FROM and a WHERE with bound parameters; field values through the condition
compiler, so computed, lookup and relation fields work anywhere a widget names a field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from engine.auth import Actor, may, require_table
from engine.boards.model import BoardFilter
from engine.conditions.compile import Compiler
from engine.errors import RefusedError
from engine.fields import RelationField
from engine.schema import Flow, Table, Workspace
from engine.storage.sql import Fragment, Sql, all_of, compose, qualified
from engine.storage.store import Store

NO_TAIL = Sql("")


@dataclass(frozen=True)
class Context:
    """One rendering: who looks, at what moment (naive local time), with which board filters."""

    store: Store
    ws: Workspace
    actor: Actor
    now: datetime
    filters: BoardFilter | None = None
    lang: str = "zh"


@dataclass
class Scope:
    """A widget's records: `source` for FROM (with the joins conditions need), `where` for WHERE."""

    ctx: Context
    table: Table
    compiler: Compiler
    where: Fragment = field(default_factory=lambda: Fragment("TRUE"))

    @property
    def source(self) -> Fragment:
        return self.compiler.source(f"{qualified(self.ctx.ws.name, self.table.name)} t")

    def value(self, name: str, path: str = "field") -> Fragment:
        """The SQL of a field's value; a field hidden from the viewer is refused."""
        target = self.table.field(name)
        if target is not None and not may(self.ctx.actor, "read", target):
            raise RefusedError(f"{self.ctx.actor.username} may not see {self.table.name}.{name}")
        return self.compiler.value({"var": name}, path).sql

    def condition(self, rule: dict[str, Any], path: str) -> Fragment:
        return self.compiler.condition(rule, path)

    def between(self, name: str, start: datetime, end: datetime, path: str = "field") -> Fragment:
        """Records whose `name` falls after `start`, up to and including `end`."""
        value = self.value(name, path)
        return Fragment(
            f"CAST({value.sql} AS TIMESTAMP) > ? AND CAST({value.sql} AS TIMESTAMP) <= ?",
            (*value.params, start, *value.params, end),
        )

    def window(self, name: str, days: int, path: str = "days") -> Fragment:
        """Records whose `name` falls in the last `days` days up to now."""
        return self.between(name, self.ctx.now - timedelta(days=days), self.ctx.now, path)

    def stays(self) -> Fragment:
        """A CTE `h` of every stay in a state of the scope's records: record_id, to_state, moved_at, left_at
        (NULL while still in it), from the status history."""
        source, where = self.source, self.where
        return Fragment(
            compose(
                "WITH h AS (SELECT record_id, to_state, moved_at, lead(moved_at) OVER (PARTITION BY record_id "
                "ORDER BY moved_at, ord) AS left_at FROM _status_history WHERE workspace = ? AND table_name = ? "
                "AND record_id IN (SELECT t._id FROM {source} WHERE {where}))",
                source=source,
                where=where,
            ),
            (self.ctx.ws.name, self.table.name, *source.params, *where.params),
        )

    def narrowed(self, *parts: Fragment) -> Fragment:
        """The scope's WHERE and the given parts."""
        return all_of([self.where, *parts])

    def select(self, columns: Fragment, *where: Fragment, tail: Sql = NO_TAIL) -> pl.DataFrame:
        """`SELECT columns FROM source WHERE scope AND where… tail` as a frame (tail holds no values)."""
        source, condition = self.source, self.narrowed(*where)
        return (
            self.ctx.store.cursor()
            .execute(
                compose(
                    "SELECT {columns} FROM {source} WHERE {condition} {tail}",
                    columns=columns,
                    source=source,
                    condition=condition,
                    tail=tail,
                ),
                [*columns.params, *source.params, *condition.params],
            )
            .pl()
        )


def scope(ctx: Context, table_name: str, condition: dict[str, Any] | None, path: str) -> Scope:
    """The records of `table_name` a widget reads: its condition and, on the board filters' table, theirs."""
    table = ctx.ws.require_table(table_name)
    require_table(ctx.actor, table, "read")
    compiler = Compiler(table, now=ctx.now, tz=ctx.ws.timezone, ws=ctx.ws)
    out = Scope(ctx, table, compiler)
    parts = [out.condition(condition, f"{path}.condition")] if condition else []
    board = ctx.filters
    if board is not None and board.table == table.name:
        if board.condition:
            parts.append(out.condition(board.condition, "filters.condition"))
        if board.date_field and board.days:
            parts.append(out.window(board.date_field, board.days, "filters.days"))
    out.where = all_of(parts)
    return out


def labelled(frame: pl.DataFrame, table: Table, column: str, name: str) -> pl.DataFrame:
    """The frame with `<column>_label`: option labels for a select field, else the value as text."""
    target = table.field(name)
    if target is not None and target.has_options and frame.schema.get(column) == pl.String:
        labels = {o.value: o.label for o in target.options}
        label = pl.col(column).replace_strict(labels, default=pl.col(column), return_dtype=pl.String)
    else:
        label = pl.col(column).cast(pl.String)
    return frame.with_columns(label.alias(f"{column}_label"))


BUCKETS = {
    "day": "CAST(date_trunc('day', CAST({} AS TIMESTAMP)) AS DATE)",
    "week": "CAST(date_trunc('week', CAST({} AS TIMESTAMP)) AS DATE)",
    "month": "CAST(date_trunc('month', CAST({} AS TIMESTAMP)) AS DATE)",
    "hour_of_day": "CAST(hour(CAST({} AS TIMESTAMP)) AS INTEGER)",
}


def hours(later: str, earlier: str) -> str:
    """SQL of the hours from `earlier` to `later` (both SQL expressions of a time)."""
    return f"(epoch(CAST({later} AS TIMESTAMP)) - epoch(CAST({earlier} AS TIMESTAMP))) / 3600.0"


def states_in(flow: Flow | None, category: str) -> list[str]:
    """The flow's states of a category (done, cancelled)."""
    return [st.name for st in flow.states if st.category == category] if flow else []


def flow_states(flow: Flow) -> pl.DataFrame:
    """The flow's states in order, with their labels."""
    return pl.DataFrame(
        {"state": [st.name for st in flow.states], "label": [st.label for st in flow.states]},
        schema={"state": pl.String, "label": pl.String},
    )


def after_sales_link(ws: Workspace, orders: Table) -> tuple[Table, RelationField] | None:
    """The health configuration's after-sales table and its relation to `orders`, if both exist."""
    after = ws.table(ws.health.order_config.after_sales_table)
    if after is None:
        return None
    link = next((f for f in after.fields if isinstance(f, RelationField) and f.table == orders.name), None)
    return (after, link) if link is not None else None
